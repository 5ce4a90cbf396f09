// The agent's v1 operator calls (`POST /api/v1` on the agent), one handler per call type as
// Mesos's agent Http::api dispatches them (src/slave/http.cpp). Each handler gets the decoded,
// validated call and answers with a Response or a bare status; the transport
// (common/operator-api.ts) writes it in the client's media type. The nested-container,
// standalone-container, resource-provider and image calls answer 501 with one line naming the
// call: this agent has none of those.
import { constants } from 'node:os';
import { containerIdText } from '../common/ids.ts';
import type { mesos } from '../common/mesos.ts';
import { snapshotJson } from '../common/metric-set.ts';
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
import { agentMetricSet } from './metrics.ts';
import type { ResourceMonitor } from './monitor/monitor.ts';
import { type AgentCall, type AgentCallType, validateAgentCall } from './operator-validation.ts';
import { getAgent, getContainers, getExecutors, getFrameworks, getState, getTasks, nestedContainers } from './operator-state.ts';
import type { AgentStateContext } from './state-json.ts';

export type AgentResponse = mesos.v1.agent.Response;
export type Answer = OperatorAnswer<AgentResponse>;

/** What the agent's operator calls reach: the state endpoints' context, its files, log level and monitor. */
export interface AgentOperatorContext extends AgentStateContext, OperatorBasics {
  monitor: ResourceMonitor;
}

/** One call: its principal is the authenticated one (undefined without authentication). */
type Handler = (ctx: AgentOperatorContext, call: AgentCall, principal: string | undefined) => Answer | Promise<Answer>;

const NO_NESTED = 'it does not launch, attach to or wait for nested containers';
const NO_STANDALONE = 'it runs no standalone containers';
const NO_PROVIDERS = 'it has no resource providers';

const notImplemented = notImplementedCalls<AgentResponse>('agent');

/** Signal numbers of this system by number (os.constants.signals has them by name). */
const SIGNALS = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** KILL_CONTAINER's signal: SIGKILL unless one is given, as Mesos; a number this system has no signal for is refused. */
export function killSignal(signal: number | undefined): { ok: true; signal: NodeJS.Signals } | { ok: false; error: string } {
  if (signal === undefined) return { ok: true, signal: 'SIGKILL' };
  const name = SIGNALS.get(signal);
  if (name === undefined)
    return { ok: false, error: `'kill_container.signal' ${signal} is not a signal number of this system; omit it for SIGKILL` };
  return { ok: true, signal: name };
}

const HANDLERS: Record<AgentCallType, Handler> = {
  // Mesos answers an UNKNOWN call with a bare 501.
  UNKNOWN: () => status(501),
  GET_HEALTH: () => respond({ type: 'GET_HEALTH', get_health: { healthy: true } }),
  GET_FLAGS: (ctx) => respond({ type: 'GET_FLAGS', get_flags: flagsPayload(ctx.flags) }),
  GET_VERSION: (ctx) => respond({ type: 'GET_VERSION', get_version: { version_info: versionInfo(ctx.buildTime) } }),
  GET_METRICS: (ctx) => respond({ type: 'GET_METRICS', get_metrics: metricsPayload(snapshotJson(agentMetricSet(ctx.agent))) }),
  GET_LOGGING_LEVEL: (ctx) => respond({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: ctx.logVerbosity.level } }),
  SET_LOGGING_LEVEL: (ctx, call) => {
    const { level, duration } = call.set_logging_level!;
    ctx.logVerbosity.set(level, duration.nanoseconds / 1e6);
    return status(200);
  },
  LIST_FILES: async (ctx, call) => {
    const listed = await listFilesPayload(ctx.files, call.list_files!.path);
    return listed.ok ? respond({ type: 'LIST_FILES', list_files: listed.value }) : status(listed.status, listed.text);
  },
  READ_FILE: async (ctx, call) => {
    const { path, offset, length } = call.read_file!;
    const part = await readFilePayload(ctx.files, path, offset, length);
    return part.ok ? respond({ type: 'READ_FILE', read_file: part.value }) : status(part.status, part.text);
  },
  GET_STATE: (ctx) => respond({ type: 'GET_STATE', get_state: getState(ctx.agent) }),
  // This agent runs no standalone containers, so show_standalone adds none.
  GET_CONTAINERS: async (ctx, call) => {
    const nested = call.get_containers?.show_nested ? nestedContainers(ctx.agent) : [];
    return respond({ type: 'GET_CONTAINERS', get_containers: getContainers(await ctx.monitor.usage(), nested) });
  },
  GET_FRAMEWORKS: (ctx) => respond({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(ctx.agent) }),
  GET_EXECUTORS: (ctx) => respond({ type: 'GET_EXECUTORS', get_executors: getExecutors(ctx.agent) }),
  GET_OPERATIONS: notImplemented('it has no resource providers, so no operations of its own'),
  GET_TASKS: (ctx) => respond({ type: 'GET_TASKS', get_tasks: getTasks(ctx.agent) }),
  GET_AGENT: (ctx) => respond({ type: 'GET_AGENT', get_agent: getAgent(ctx.agent) }),
  GET_RESOURCE_PROVIDERS: notImplemented(NO_PROVIDERS),
  LAUNCH_NESTED_CONTAINER: notImplemented(NO_NESTED),
  WAIT_NESTED_CONTAINER: notImplemented(NO_NESTED),
  KILL_NESTED_CONTAINER: notImplemented(NO_NESTED),
  REMOVE_NESTED_CONTAINER: notImplemented(NO_NESTED),
  LAUNCH_NESTED_CONTAINER_SESSION: notImplemented(NO_NESTED),
  ATTACH_CONTAINER_INPUT: notImplemented(NO_NESTED),
  ATTACH_CONTAINER_OUTPUT: notImplemented(NO_NESTED),
  LAUNCH_CONTAINER: notImplemented(NO_STANDALONE),
  WAIT_CONTAINER: notImplemented(NO_STANDALONE),
  // Http::_killContainer: the container's processes get the signal; 404 when none has this id.
  KILL_CONTAINER: (ctx, call) => {
    const { container_id: id, signal } = call.kill_container!;
    const chosen = killSignal(signal);
    if (!chosen.ok) return status(400, chosen.error);
    ctx.agent.log.info(`Killing container '${containerIdText(id)}' with ${chosen.signal} for the operator`);
    if (ctx.agent.killContainerOf(id, chosen.signal)) return status(200);
    return status(404, `Container '${containerIdText(id)}' cannot be found (or is already killed)`);
  },
  REMOVE_CONTAINER: notImplemented(NO_STANDALONE),
  ADD_RESOURCE_PROVIDER_CONFIG: notImplemented(NO_PROVIDERS),
  UPDATE_RESOURCE_PROVIDER_CONFIG: notImplemented(NO_PROVIDERS),
  REMOVE_RESOURCE_PROVIDER_CONFIG: notImplemented(NO_PROVIDERS),
  MARK_RESOURCE_PROVIDER_GONE: notImplemented(NO_PROVIDERS),
  PRUNE_IMAGES: notImplemented('it keeps no container image store to prune'),
};

/** Answers one valid call. */
export function dispatchAgentCall(ctx: AgentOperatorContext, call: AgentCall, principal: string | undefined): Answer | Promise<Answer> {
  return HANDLERS[call.type!](ctx, call, principal);
}

/** The agent's operator API for the transport (common/operator-api.ts). */
export function agentOperatorApi(ctx: AgentOperatorContext): OperatorApi<'mesos.v1.agent.Call', 'mesos.v1.agent.Response'> {
  return {
    callType: 'mesos.v1.agent.Call',
    responseType: 'mesos.v1.agent.Response',
    validate: validateAgentCall,
    validationPrefix: 'Failed to validate agent::Call: ',
    dispatch: (call, req: OperatorRequest) => dispatchAgentCall(ctx, call, req.principal),
    log: ctx.agent.log,
  };
}
