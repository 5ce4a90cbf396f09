// The master's v1 operator calls (`POST /api/v1`), one handler per call type as Mesos's
// Master::Http::api dispatches them (src/master/http.cpp). Each handler gets the decoded,
// validated call and answers with a Response, a bare status or a stream; the transport
// (common/operator-api.ts) writes it in the client's media type. The calls this master has
// nothing for (reservations, volumes, quota, maintenance) answer 501 with one line naming the call.
import type { MediaType } from '../common/http.ts';
import type { LogVerbosity } from '../common/log-verbosity.ts';
import type { mesos } from '../common/mesos.ts';
import { type OperatorAnswer, type OperatorApi, type OperatorRequest, metricsPayload, respond, status } from '../common/operator-api.ts';
import { versionInfo } from '../common/version.ts';
import type { AttachedPaths } from '../common/files.ts';
import { setLogLevelAllowed, teardownAllowed } from './authorizer/checks.ts';
import { masterMetrics } from './metrics.ts';
import type { StateContext } from './state-json.ts';
import { type OperatorCall, type OperatorCallType, validateOperatorCall } from './validation/operator-call.ts';

export type OperatorResponse = mesos.v1.master.Response;
export type Answer = OperatorAnswer<OperatorResponse>;

/** What the operator calls reach: the state endpoints' context, the master's files and its log level. */
export interface OperatorContext extends StateContext {
  files: AttachedPaths;
  logVerbosity: LogVerbosity;
  /**
   * SUBSCRIBE's event stream, when this master has one: the call answers with the stream it
   * returns. Without it SUBSCRIBE answers 501.
   */
  subscribe?: ((call: OperatorCall, principal: string | undefined, mediaType: MediaType) => Answer) | undefined;
}

/** One call: its principal is the authenticated one (undefined without authentication). */
type Handler = (ctx: OperatorContext, call: OperatorCall, principal: string | undefined, mediaType: MediaType) => Answer | Promise<Answer>;

/** The line of a 501: the call named, and why this master cannot serve it. */
export function notImplementedText(type: OperatorCallType, why: string): string {
  return `${type} is not implemented by this master: ${why}`;
}

const NO_RESERVATIONS = 'it has no dynamic reservations or persistent volumes';
const NO_QUOTA = 'it has no quota';
const NO_MAINTENANCE = 'it has no maintenance schedules';

const notImplemented =
  (why: string): Handler =>
  (_ctx, call) =>
    status(501, notImplementedText(call.type!, why));

/** DurationInfo's nanoseconds as milliseconds. */
function millis(d: mesos.v1.DurationInfo): number {
  return d.nanoseconds / 1e6;
}

const HANDLERS: Record<OperatorCallType, Handler> = {
  // Mesos answers an UNKNOWN call with a bare 501.
  UNKNOWN: () => status(501),
  GET_HEALTH: () => respond({ type: 'GET_HEALTH', get_health: { healthy: true } }),
  GET_FLAGS: (ctx, _call, principal) => {
    if (ctx.master.config.authorizer?.authorized('view_flags', principal, undefined) === false) return status(403);
    const flags = Object.keys(ctx.flags)
      .sort()
      .map((name) => ({ name, value: ctx.flags[name] }));
    return respond({ type: 'GET_FLAGS', get_flags: { flags } });
  },
  GET_VERSION: (ctx) => respond({ type: 'GET_VERSION', get_version: { version_info: versionInfo(ctx.buildTime) } }),
  GET_METRICS: (ctx) => respond({ type: 'GET_METRICS', get_metrics: metricsPayload(masterMetrics(ctx.master)) }),
  GET_LOGGING_LEVEL: (ctx) => respond({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: ctx.logVerbosity.level } }),
  SET_LOGGING_LEVEL: (ctx, call, principal) => {
    if (!setLogLevelAllowed(ctx.master.config.authorizer, principal)) return status(403);
    const { level, duration } = call.set_logging_level!;
    ctx.logVerbosity.set(level, millis(duration));
    return status(200);
  },
  LIST_FILES: notImplemented('files are not served here yet'),
  READ_FILE: notImplemented('files are not served here yet'),
  GET_STATE: notImplemented('not yet'),
  GET_AGENTS: notImplemented('not yet'),
  GET_FRAMEWORKS: notImplemented('not yet'),
  GET_EXECUTORS: notImplemented('not yet'),
  GET_OPERATIONS: notImplemented('not yet'),
  GET_TASKS: notImplemented('not yet'),
  GET_ROLES: notImplemented('not yet'),
  GET_WEIGHTS: notImplemented('not yet'),
  UPDATE_WEIGHTS: notImplemented('not yet'),
  GET_MASTER: (ctx) => {
    const m = ctx.master;
    const { pid: _pid, ...info } = m.info;
    return respond({
      type: 'GET_MASTER',
      get_master: { master_info: info, start_time: (m.config.startedAt ?? m.startTime) / 1000, elected_time: m.startTime / 1000 },
    });
  },
  SUBSCRIBE: (ctx, call, principal, mediaType) =>
    ctx.subscribe === undefined
      ? status(501, notImplementedText('SUBSCRIBE', 'the operator event stream is not available yet'))
      : ctx.subscribe(call, principal, mediaType),
  RESERVE_RESOURCES: notImplemented(NO_RESERVATIONS),
  UNRESERVE_RESOURCES: notImplemented(NO_RESERVATIONS),
  CREATE_VOLUMES: notImplemented(NO_RESERVATIONS),
  DESTROY_VOLUMES: notImplemented(NO_RESERVATIONS),
  GROW_VOLUME: notImplemented(NO_RESERVATIONS),
  SHRINK_VOLUME: notImplemented(NO_RESERVATIONS),
  GET_MAINTENANCE_STATUS: notImplemented(NO_MAINTENANCE),
  GET_MAINTENANCE_SCHEDULE: notImplemented(NO_MAINTENANCE),
  UPDATE_MAINTENANCE_SCHEDULE: notImplemented(NO_MAINTENANCE),
  START_MAINTENANCE: notImplemented(NO_MAINTENANCE),
  STOP_MAINTENANCE: notImplemented(NO_MAINTENANCE),
  DRAIN_AGENT: notImplemented('not yet'),
  DEACTIVATE_AGENT: notImplemented('not yet'),
  REACTIVATE_AGENT: notImplemented('not yet'),
  GET_QUOTA: notImplemented(NO_QUOTA),
  UPDATE_QUOTA: notImplemented(NO_QUOTA),
  SET_QUOTA: notImplemented(NO_QUOTA),
  REMOVE_QUOTA: notImplemented(NO_QUOTA),
  // Master::Http::_teardown: an unknown framework is a 400, a refused teardown a bare 403.
  TEARDOWN: (ctx, call, principal) => {
    const fw = ctx.master.frameworks.get(call.teardown!.framework_id.value);
    if (fw === undefined) return status(400, 'No framework found with specified ID');
    if (!teardownAllowed(ctx.master.config.authorizer, principal, fw.info)) return status(403);
    ctx.master.removeFramework(fw, 'torn down by the operator through the v1 operator API');
    return status(200);
  },
  MARK_AGENT_GONE: notImplemented('not yet'),
};

/** Answers one valid call. */
export function dispatchOperatorCall(
  ctx: OperatorContext,
  call: OperatorCall,
  principal: string | undefined,
  mediaType: MediaType,
): Answer | Promise<Answer> {
  return HANDLERS[call.type!](ctx, call, principal, mediaType);
}

/** The master's operator API for the transport (common/operator-api.ts). */
export function masterOperatorApi(ctx: OperatorContext): OperatorApi<'mesos.v1.master.Call', 'mesos.v1.master.Response'> {
  return {
    callType: 'mesos.v1.master.Call',
    responseType: 'mesos.v1.master.Response',
    validate: validateOperatorCall,
    validationPrefix: 'Failed to validate master::Call: ',
    dispatch: (call, req: OperatorRequest, mediaType) => dispatchOperatorCall(ctx, call, req.principal, mediaType),
    log: ctx.master.log,
  };
}
