// The master's v1 operator calls (`POST /api/v1`), one handler per call type as Mesos's
// Master::Http::api dispatches them (src/master/http.cpp). Each handler gets the decoded,
// validated call and answers with a Response, a bare status or a stream; the transport
// (common/operator-api.ts) writes it in the client's media type. The calls this master has
// nothing for (reservations, volumes, quota, maintenance) answer 501 with one line naming the call.
import type { MediaType } from '../common/http.ts';
import type { mesos } from '../common/mesos.ts';
import { type OperatorAnswer, type OperatorApi, type OperatorRequest, respond, status } from '../common/operator-api.ts';
import {
  type OperatorBasics,
  flagsPayload,
  listFilesPayload,
  metricsPayload,
  notImplementedCalls,
  readFilePayload,
} from '../common/operator-payloads.ts';
import { versionInfo } from '../common/version.ts';
import { mesosLogAllowed, operatorAllowed, teardownAllowed, updateWeightsAllowed } from './authorizer/checks.ts';
import { validateRole } from '../common/roles.ts';
import { deactivateAgent, drainAgent, markAgentGone, reactivateAgent } from './operator-agents.ts';
import { type V1Viewer, getAgents, getExecutors, getFrameworks, getRoles, getState, getTasks, v1ViewerFor } from './operator-state.ts';
import { masterMetrics } from './metrics.ts';
import type { StateContext } from './state-json.ts';
import { type OperatorCall, type OperatorCallType, validateOperatorCall } from './validation/operator-call.ts';

export type OperatorResponse = mesos.v1.master.Response;
export type Answer = OperatorAnswer<OperatorResponse>;

/** What the operator calls reach: the state endpoints' context, the master's files and its log level. */
export interface OperatorContext extends StateContext, OperatorBasics {
  /**
   * SUBSCRIBE's event stream, when this master has one: the call answers with the stream it
   * returns. Without it SUBSCRIBE answers 501.
   */
  subscribe?: ((call: OperatorCall, principal: string | undefined, mediaType: MediaType) => Answer) | undefined;
}

/** One call: its principal is the authenticated one (undefined without authentication). */
type Handler = (ctx: OperatorContext, call: OperatorCall, principal: string | undefined, mediaType: MediaType) => Answer | Promise<Answer>;

const NO_RESERVATIONS = 'it has no dynamic reservations or persistent volumes';
const NO_QUOTA = 'it has no quota';
const NO_MAINTENANCE = 'it has no maintenance schedules (GET_MAINTENANCE_SCHEDULE answers the empty one)';

const notImplemented = notImplementedCalls<OperatorResponse>('master');

/** What the caller may see of frameworks, tasks, executors and roles. */
function viewer(ctx: OperatorContext, principal: string | undefined): V1Viewer {
  return v1ViewerFor(ctx.master.config.authorizer, principal);
}

/** DurationInfo's nanoseconds as milliseconds. */
function millis(d: mesos.v1.DurationInfo): number {
  return d.nanoseconds / 1e6;
}

const HANDLERS: Record<OperatorCallType, Handler> = {
  // Mesos answers an UNKNOWN call with a bare 501.
  UNKNOWN: () => status(501),
  GET_HEALTH: () => respond({ type: 'GET_HEALTH', get_health: { healthy: true } }),
  GET_FLAGS: (ctx, _call, principal) => {
    if (!operatorAllowed(ctx.master.config.authorizer, 'view_flags', principal)) return status(403);
    return respond({ type: 'GET_FLAGS', get_flags: flagsPayload(ctx.flags) });
  },
  GET_VERSION: (ctx) => respond({ type: 'GET_VERSION', get_version: { version_info: versionInfo(ctx.buildTime) } }),
  GET_METRICS: (ctx) => respond({ type: 'GET_METRICS', get_metrics: metricsPayload(masterMetrics(ctx.master)) }),
  GET_LOGGING_LEVEL: (ctx) => respond({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: ctx.logVerbosity.level } }),
  SET_LOGGING_LEVEL: (ctx, call, principal) => {
    if (!operatorAllowed(ctx.master.config.authorizer, 'set_log_level', principal)) return status(403);
    const { level, duration } = call.set_logging_level!;
    ctx.logVerbosity.set(level, millis(duration));
    return status(200);
  },
  LIST_FILES: async (ctx, call, principal) => {
    const path = call.list_files!.path;
    if (!mesosLogAllowed(ctx.master.config.authorizer, principal, path)) return status(403);
    const listed = await listFilesPayload(ctx.files, path);
    return listed.ok ? respond({ type: 'LIST_FILES', list_files: listed.value }) : status(listed.status, listed.text);
  },
  READ_FILE: async (ctx, call, principal) => {
    const { path, offset, length } = call.read_file!;
    if (!mesosLogAllowed(ctx.master.config.authorizer, principal, path)) return status(403);
    const part = await readFilePayload(ctx.files, path, offset, length);
    return part.ok ? respond({ type: 'READ_FILE', read_file: part.value }) : status(part.status, part.text);
  },
  GET_STATE: (ctx, _call, principal) => respond({ type: 'GET_STATE', get_state: getState(ctx.master, viewer(ctx, principal)) }),
  GET_AGENTS: (ctx) => respond({ type: 'GET_AGENTS', get_agents: getAgents(ctx.master) }),
  GET_FRAMEWORKS: (ctx, _call, principal) =>
    respond({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(ctx.master, viewer(ctx, principal)) }),
  GET_EXECUTORS: (ctx, _call, principal) =>
    respond({ type: 'GET_EXECUTORS', get_executors: getExecutors(ctx.master, viewer(ctx, principal)) }),
  // Operations exist only as offer operations on resource providers, which this master has
  // none of: there is never one to list.
  GET_OPERATIONS: () => respond({ type: 'GET_OPERATIONS', get_operations: {} }),
  GET_TASKS: (ctx, _call, principal) => respond({ type: 'GET_TASKS', get_tasks: getTasks(ctx.master, viewer(ctx, principal)) }),
  GET_ROLES: (ctx, _call, principal) => respond({ type: 'GET_ROLES', get_roles: getRoles(ctx.master, viewer(ctx, principal)) }),
  GET_WEIGHTS: (ctx, _call, principal) => {
    const see = viewer(ctx, principal);
    const weight_infos = [...ctx.master.weights]
      .filter(([role]) => see.role(role))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([role, weight]) => ({ role, weight }));
    return respond({ type: 'GET_WEIGHTS', get_weights: weight_infos.length > 0 ? { weight_infos } : {} });
  },
  UPDATE_WEIGHTS: (ctx, call, principal) => {
    const weights: Array<{ role: string; weight: number }> = [];
    for (const info of call.update_weights!.weight_infos ?? []) {
      const role = (info.role ?? '').trim();
      const invalid = validateRole(role);
      if (invalid !== undefined) return status(400, `Failed to validate update weights request JSON: Invalid role '${role}': ${invalid}`);
      if (!(info.weight > 0)) {
        return status(
          400,
          `Failed to validate update weights request JSON for role '${role}': Invalid weight '${info.weight}': Weights must be positive`,
        );
      }
      weights.push({ role, weight: info.weight });
    }
    if (
      !updateWeightsAllowed(
        ctx.master.config.authorizer,
        principal,
        weights.map((w) => w.role),
      )
    )
      return status(403);
    ctx.master.updateWeights(weights);
    return status(200);
  },
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
      ? notImplemented('the operator event stream is not available yet')(ctx, call)
      : ctx.subscribe(call, principal, mediaType),
  RESERVE_RESOURCES: notImplemented(NO_RESERVATIONS),
  UNRESERVE_RESOURCES: notImplemented(NO_RESERVATIONS),
  CREATE_VOLUMES: notImplemented(NO_RESERVATIONS),
  DESTROY_VOLUMES: notImplemented(NO_RESERVATIONS),
  GROW_VOLUME: notImplemented(NO_RESERVATIONS),
  SHRINK_VOLUME: notImplemented(NO_RESERVATIONS),
  GET_MAINTENANCE_STATUS: notImplemented(NO_MAINTENANCE),
  // No schedule can be set here, so it is always the empty one, as /master/maintenance/schedule says.
  GET_MAINTENANCE_SCHEDULE: () => respond({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: {} } }),
  UPDATE_MAINTENANCE_SCHEDULE: notImplemented(NO_MAINTENANCE),
  START_MAINTENANCE: notImplemented(NO_MAINTENANCE),
  STOP_MAINTENANCE: notImplemented(NO_MAINTENANCE),
  DRAIN_AGENT: (ctx, call, principal) => drainAgent(ctx.master, call.drain_agent!, principal),
  DEACTIVATE_AGENT: (ctx, call, principal) => deactivateAgent(ctx.master, call.deactivate_agent!.agent_id.value, principal),
  REACTIVATE_AGENT: (ctx, call, principal) => reactivateAgent(ctx.master, call.reactivate_agent!.agent_id.value, principal),
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
  MARK_AGENT_GONE: (ctx, call, principal) => markAgentGone(ctx.master, call.mark_agent_gone!.agent_id.value, principal),
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
