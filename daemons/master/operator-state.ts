// The master's state in the v1 operator API's shapes (GET_STATE, GET_AGENTS, GET_FRAMEWORKS,
// GET_EXECUTORS, GET_TASKS, GET_ROLES, GET_WEIGHTS): v1 messages with v1 names (agent_id, not
// slave_id), times as TimeInfo, resources as lists, as Mesos's ReadOnlyHandler and the model()
// and createAgentResponse() helpers write them (src/master/readonly_handler.cpp, http.cpp,
// common/protobuf_utils.cpp). Made from the same records as /master/state (state-json.ts),
// filtered for the reader the same way (view_frameworks, view_tasks; view_executors and
// view_roles here too).
import type { AgentInfo, ExecutorInfo, FrameworkInfo, mesos, Resource, TaskInfo } from '../common/mesos.ts';
import { toQuantitiesJson } from '../common/resources.ts';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import { viewerFor } from '../common/authorizer/views.ts';
import type { Master } from './master.ts';
import { roleResources } from './summary-json.ts';
import type { AgentRecord, ExecutorRecord, FrameworkRecord, StatusEntry, TaskRecord } from './records.ts';

type Response = mesos.v1.master.Response;
type V1Task = mesos.v1.Task;
type V1Agent = mesos.v1.master.Response.GetAgents.Agent;
type V1Framework = mesos.v1.master.Response.GetFrameworks.Framework;
type V1Executor = mesos.v1.master.Response.GetExecutors.Executor;

/** What one reader may see, by the view_* ACLs; everything without --acls. */
export interface V1Viewer {
  framework(info: FrameworkInfo): boolean;
  task(task: TaskInfo, framework: FrameworkInfo): boolean;
  executor(executor: ExecutorInfo, framework: FrameworkInfo): boolean;
  role(role: string): boolean;
}

const EVERYTHING: V1Viewer = { framework: () => true, task: () => true, executor: () => true, role: () => true };

/**
 * The reader's filter. The objects are the Unix user a framework, task or executor runs as (the
 * executor's command user, else its framework's), and the role's name.
 */
export function v1ViewerFor(authorizer: LocalAuthorizer | undefined, principal: string | undefined): V1Viewer {
  const state = viewerFor(authorizer, principal);
  if (authorizer === undefined || state === undefined) return EVERYTHING;
  return {
    ...state,
    executor: (executor, framework) => authorizer.authorized('view_executors', principal, executor.command?.user ?? framework.user ?? ''),
    role: (role) => authorizer.authorized('view_roles', principal, role),
  };
}

/** Milliseconds since the epoch as a TimeInfo. */
function timeInfo(ms: number): mesos.v1.TimeInfo {
  return { nanoseconds: Math.round(ms * 1e6) };
}

/** One entry of a task's history as a v1 TaskStatus (the master keeps only these fields of it). */
function v1Status(task: TaskRecord, s: StatusEntry): mesos.v1.TaskStatus {
  const out: mesos.v1.TaskStatus = {
    task_id: task.info.task_id,
    state: s.state,
    agent_id: { value: task.agentId },
    timestamp: s.timestamp,
  };
  if (task.executorId !== '') out.executor_id = { value: task.executorId };
  if (s.healthy !== undefined) out.healthy = s.healthy;
  if (s.labels) out.labels = s.labels;
  if (s.container_status) out.container_status = s.container_status;
  if (s.check_status) out.check_status = s.check_status;
  return out;
}

/** A task as a v1 Task (Mesos's protobuf::createTask, and what the master adds to it). */
export function v1Task(task: TaskRecord, framework?: FrameworkInfo): V1Task {
  const info = task.info;
  const out: V1Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: task.frameworkId },
    agent_id: { value: task.agentId },
    state: task.state,
  };
  if (task.executorId !== '') out.executor_id = { value: task.executorId };
  if (task.resources.length > 0) out.resources = task.resources;
  if (task.statuses.length > 0) out.statuses = task.statuses.map((s) => v1Status(task, s));
  if (task.pendingState !== undefined) out.status_update_state = task.pendingState;
  if (task.pendingUuid !== undefined) out.status_update_uuid = task.pendingUuid;
  if (info.labels) out.labels = info.labels;
  if (info.discovery) out.discovery = info.discovery;
  if (info.container) out.container = info.container;
  if (info.health_check) out.health_check = info.health_check;
  if (info.kill_policy) out.kill_policy = info.kill_policy;
  const user = info.command?.user ?? info.executor?.command?.user ?? framework?.user;
  if (user) out.user = user;
  return out;
}

/** A registered agent (createAgentResponse). */
export function v1Agent(master: Master, agent: AgentRecord): V1Agent {
  const marks = master.state.agentMarks;
  const agentInfo: AgentInfo = { hostname: agent.hostname, port: agent.port, id: { value: agent.id } };
  if (agent.resources.length > 0) agentInfo.resources = agent.resources;
  if (agent.attributes.length > 0) agentInfo.attributes = agent.attributes;
  const out: V1Agent = {
    agent_info: agentInfo,
    active: agent.active,
    deactivated: marks.isDeactivated(agent.id),
    version: agent.version,
    pid: agent.pid,
    registered_time: timeInfo(agent.registeredTime),
  };
  if (agent.reregisteredTime !== undefined) out.reregistered_time = timeInfo(agent.reregisteredTime);
  const lists: Array<['total_resources' | 'allocated_resources' | 'offered_resources', readonly Resource[]]> = [
    ['total_resources', agent.resources],
    ['allocated_resources', master.agentUsed(agent)],
    ['offered_resources', master.agentOffered(agent)],
  ];
  for (const [key, list] of lists) if (list.length > 0) out[key] = [...list];
  if (agent.capabilities.length > 0) {
    out.capabilities = agent.capabilities.map((type) => ({ type: type as mesos.v1.AgentInfo.Capability.Type }));
  }
  const drain = marks.drainInfo(agent.id);
  if (drain) out.drain_info = drain;
  return out;
}

export function getAgents(master: Master): NonNullable<Response['get_agents']> {
  const recovered: AgentInfo[] = [...master.recoveredAgents.values()].map((a) => {
    const info: AgentInfo = { hostname: a.hostname, port: a.port, id: { value: a.id } };
    if (a.resources.length > 0) info.resources = a.resources;
    if (a.attributes.length > 0) info.attributes = a.attributes;
    return info;
  });
  const out: NonNullable<Response['get_agents']> = {};
  const agents = [...master.agents.values()].map((a) => v1Agent(master, a));
  if (agents.length > 0) out.agents = agents;
  if (recovered.length > 0) out.recovered_agents = recovered;
  return out;
}

/** A framework (model(Framework) in master/http.cpp). */
export function v1Framework(master: Master, fw: FrameworkRecord): V1Framework {
  const out: V1Framework = {
    framework_info: { ...fw.info, id: { value: fw.id } },
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered ?? false,
  };
  if (fw.registeredTime) out.registered_time = timeInfo(fw.registeredTime);
  if (fw.unregisteredTime) out.unregistered_time = timeInfo(fw.unregisteredTime);
  if (fw.reregisteredTime) out.reregistered_time = timeInfo(fw.reregisteredTime);
  const offers = [...fw.offers].flatMap((id) => {
    const rec = master.offers.get(id);
    return rec ? [rec.offer] : [];
  });
  if (offers.length > 0) out.offers = offers;
  const allocated = master.frameworkUsed(fw);
  if (allocated.length > 0) out.allocated_resources = [...allocated];
  const offered = master.frameworkOffered(fw);
  if (offered.length > 0) out.offered_resources = offered;
  return out;
}

export function getFrameworks(master: Master, viewer: V1Viewer): NonNullable<Response['get_frameworks']> {
  const out: NonNullable<Response['get_frameworks']> = {};
  // Frameworks known only from agents after a failover are listed with `recovered` set, as
  // Mesos lists them; recovered_frameworks is deprecated and left empty, as there.
  const active = [...master.frameworks.values()].filter((f) => viewer.framework(f.info)).map((f) => v1Framework(master, f));
  const completed = master.completedFrameworks.filter((f) => viewer.framework(f.info)).map((f) => v1Framework(master, f));
  if (active.length > 0) out.frameworks = active;
  if (completed.length > 0) out.completed_frameworks = completed;
  return out;
}

function v1Executor(rec: ExecutorRecord): V1Executor {
  return { executor_info: { ...rec.info, framework_id: { value: rec.frameworkId } }, agent_id: { value: rec.agentId } };
}

export function getExecutors(master: Master, viewer: V1Viewer): NonNullable<Response['get_executors']> {
  const executors: V1Executor[] = [];
  for (const rec of master.state.executors.values()) {
    const fw = master.frameworks.get(rec.frameworkId);
    if (fw === undefined || !viewer.framework(fw.info) || !viewer.executor(rec.info, fw.info)) continue;
    executors.push(v1Executor(rec));
  }
  return executors.length > 0 ? { executors } : {};
}

export function getTasks(master: Master, viewer: V1Viewer): NonNullable<Response['get_tasks']> {
  const tasks: V1Task[] = [];
  const unreachable: V1Task[] = [];
  const completed: V1Task[] = [];
  const frameworks = [...master.frameworks.values(), ...master.completedFrameworks];
  for (const fw of frameworks) {
    if (!viewer.framework(fw.info)) continue;
    const visible = (t: TaskRecord) => viewer.task(t.info, fw.info);
    for (const t of fw.tasks.values()) if (visible(t)) tasks.push(v1Task(t, fw.info));
    for (const t of fw.unreachableTasks.values()) if (visible(t)) unreachable.push(v1Task(t, fw.info));
    for (const t of fw.completedTasks) if (visible(t)) completed.push(v1Task(t, fw.info));
  }
  const out: NonNullable<Response['get_tasks']> = {};
  if (tasks.length > 0) out.tasks = tasks;
  if (unreachable.length > 0) out.unreachable_tasks = unreachable;
  if (completed.length > 0) out.completed_tasks = completed;
  return out;
}

export function getState(master: Master, viewer: V1Viewer): NonNullable<Response['get_state']> {
  return {
    get_tasks: getTasks(master, viewer),
    get_executors: getExecutors(master, viewer),
    get_frameworks: getFrameworks(master, viewer),
    get_agents: getAgents(master),
  };
}

/** The scalar quantities GET_ROLES reports of a role (Mesos leaves out everything else). */
const ROLE_SCALARS = ['cpus', 'mem', 'disk', 'gpus'];

/**
 * GET_ROLES (ReadOnlyHandler::getRoles): each known role the reader may view, its weight, its
 * frameworks and the cpus, mem, disk and gpus allocated or offered to it.
 */
export function getRoles(master: Master, viewer: V1Viewer): NonNullable<Response['get_roles']> {
  const roles: mesos.v1.Role[] = [];
  for (const r of master.allocator.roleSummary()) {
    if (!viewer.role(r.role)) continue;
    const { allocated, offered } = roleResources(master, r.role);
    const quantities = toQuantitiesJson([...allocated, ...offered]);
    const role: mesos.v1.Role = { name: r.role, weight: r.weight };
    const resources = ROLE_SCALARS.filter((name) => (quantities[name] ?? 0) > 0).map(
      (name): Resource => ({ name, type: 'SCALAR', scalar: { value: quantities[name]! } }),
    );
    if (resources.length > 0) role.resources = resources;
    if (r.frameworks.length > 0) role.frameworks = r.frameworks.map((value) => ({ value }));
    roles.push(role);
  }
  return roles.length > 0 ? { roles } : {};
}
