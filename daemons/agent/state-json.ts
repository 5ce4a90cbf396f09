// The agent's /state (also /slave(1)/state) in the fields Mesos 1.11's agent writes
// (Http::state, FrameworkWriter and ExecutorWriter in src/slave/http.cpp, json(Task) in
// src/common/http.cpp): the web UI finds sandboxes through `executors[].directory`. Under --acls
// a reader sees the frameworks, executors and tasks view_frameworks, view_executors and
// view_tasks let it, and the flags only with view_flags, as Mesos's Http::state writes them.
import { attributesJson } from '../common/attributes.ts';
import type { Viewer } from '../common/authorizer/views.ts';
import { type Resource, type TaskStatus, isTerminalState } from '../common/mesos.ts';
import { add, allocationRole, isReserved, reservationRole, sum, toStateJson, toStateJsonByRole } from '../common/resources.ts';
import type { AgentFrameworkJson, AgentStateJson, ExecutorJson, QueuedTaskJson, TaskJson, TaskStatusJson } from '../common/state-types.ts';
import { MESOS_API_VERSION, PROJECT_VERSION } from '../common/version.ts';
import type { Agent } from './agent.ts';
import { AGENT_CAPABILITIES } from './registration.ts';
import { type AgentFramework, type AgentTask, type ExecutorRecord, executorRunUser } from './records.ts';

export interface AgentStateContext {
  agent: Agent;
  flags: Record<string, string>;
  buildTime: number;
  /** What the reader may see; everything without one. */
  viewer?: Viewer | undefined;
}

/** Tasks hold resources of one role (MESOS-6636): that role, '' when they carry none. */
function roleOf(resources: readonly Resource[] | undefined): string {
  const first = resources?.[0];
  return (first && allocationRole(first)) ?? '';
}

function statusJson(s: TaskStatus): TaskStatusJson {
  return {
    state: s.state,
    timestamp: s.timestamp,
    labels: s.labels?.labels,
    container_status: s.container_status,
    healthy: s.healthy,
  };
}

/** A task the executor was given (json of Task). */
function taskJson(agent: Agent, task: AgentTask): TaskJson {
  const info = task.info;
  return {
    id: info.task_id.value,
    name: info.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId,
    slave_id: agent.id ?? '',
    state: task.state,
    resources: toStateJson(info.resources ?? []),
    role: roleOf(info.resources),
    statuses: task.statuses.map(statusJson),
    // Task.user as Mesos's createTask sets it: the command's user, else the executor's.
    user: info.command?.user ?? info.executor?.command?.user,
    labels: info.labels?.labels,
    discovery: info.discovery,
    container: info.container,
    health_check: info.health_check,
  };
}

/**
 * A task still waiting for its executor: json of its TaskInfo, as Mesos lists queued tasks, and
 * its state (TASK_STAGING), which Mesos leaves out.
 */
function queuedTaskJson(agent: Agent, task: AgentTask): QueuedTaskJson {
  const info = task.info;
  return {
    id: info.task_id.value,
    name: info.name,
    slave_id: agent.id ?? '',
    resources: toStateJson(info.resources ?? []),
    role: roleOf(info.resources),
    command: info.command,
    executor_id: info.executor?.executor_id.value,
    discovery: info.discovery,
    state: task.state,
  };
}

/** The executor's own resources and those of its tasks that are not terminal yet. */
function executorAllocated(ex: ExecutorRecord): Resource[] {
  const lists: (readonly Resource[])[] = [ex.info.resources ?? []];
  for (const t of ex.tasks.values()) if (!isTerminalState(t.state)) lists.push(t.info.resources ?? []);
  return sum(lists);
}

function executorJson(agent: Agent, ex: ExecutorRecord, fw: AgentFramework, viewer: Viewer | undefined): ExecutorJson {
  const tasks: AgentTask[] = [];
  const queued: AgentTask[] = [];
  const seen = (t: AgentTask) => viewer === undefined || viewer.task(t.info, fw.info);
  const completed: AgentTask[] = ex.completedTasks.filter(seen);
  // A custom executor's tasks wait in its queue until it has subscribed and been sent them.
  const waiting = ex.queued;
  for (const t of ex.tasks.values()) {
    if (seen(t)) (isTerminalState(t.state) ? completed : waiting?.has(t.info.task_id.value) ? queued : tasks).push(t);
  }
  // The ExecutorInfo's type; for an executor given without one, the kind this agent runs it as.
  // A command executor's ExecutorInfo (made by the agent) has none, and Mesos writes none.
  const type = ex.info.type ?? (ex.kind === 'COMMAND' ? undefined : ex.kind);
  return {
    id: ex.id,
    name: ex.info.name ?? '',
    source: ex.info.source ?? '',
    container: ex.containerId,
    directory: ex.directory,
    resources: toStateJson(executorAllocated(ex)),
    // Command executors have no resources of their own, and so no role.
    role: ex.info.resources?.length ? roleOf(ex.info.resources) : undefined,
    labels: ex.info.labels?.labels,
    type,
    tasks: tasks.map((t) => taskJson(agent, t)),
    queued_tasks: queued.map((t) => queuedTaskJson(agent, t)),
    completed_tasks: completed.map((t) => taskJson(agent, t)),
  };
}

function frameworkJson(agent: Agent, fw: AgentFramework, viewer: Viewer | undefined): AgentFrameworkJson {
  const info = fw.info;
  const seen = (ex: ExecutorRecord) => viewer === undefined || viewer.executor(executorRunUser(ex, info));
  const executor = (ex: ExecutorRecord) => executorJson(agent, ex, fw, viewer);
  const multiRole = info.capabilities?.some((c) => c.type === 'MULTI_ROLE') ?? false;
  return {
    id: fw.id,
    name: info.name,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? '',
    principal: info.principal,
    // As the FrameworkInfo has it: `roles` for a MULTI_ROLE framework, else `role`.
    ...(multiRole ? { roles: info.roles ?? [] } : { role: info.role ?? '*' }),
    // A capability of a type this agent does not know has none: Mesos writes that UNKNOWN.
    capabilities: (info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'),
    executors: [...fw.executors.values()].filter(seen).map(executor),
    completed_executors: fw.completedExecutors.filter(seen).map(executor),
  };
}

/** Reserved resources by their role, as resource objects (`reserved_resources_full`). */
function reservedByRole(resources: readonly Resource[]): Record<string, Resource[]> {
  const out: Record<string, Resource[]> = {};
  for (const r of resources) {
    if (!isReserved(r)) continue;
    const role = reservationRole(r);
    out[role] = [...(out[role] ?? []), r];
  }
  return out;
}

export function agentStateJson(ctx: AgentStateContext): AgentStateJson {
  const a = ctx.agent;
  let allocated: Resource[] = [];
  for (const fw of a.frameworks.values()) for (const ex of fw.executors.values()) allocated = add(allocated, executorAllocated(ex));
  const total = a.config.resources;
  const viewer = ctx.viewer;
  const flagsSeen = viewer === undefined || viewer.flags();
  const frameworks = (list: Iterable<AgentFramework>) =>
    [...list].filter((f) => viewer === undefined || viewer.framework(f.info)).map((f) => frameworkJson(a, f, viewer));
  return {
    version: MESOS_API_VERSION,
    mesos_ts_version: PROJECT_VERSION,
    build_date: new Date(ctx.buildTime).toISOString().replace('T', ' ').slice(0, 19),
    build_time: Math.floor(ctx.buildTime / 1000),
    build_user: 'mesos-ts',
    start_time: a.startTime / 1000,
    id: a.id ?? '',
    pid: a.pid,
    hostname: a.config.hostname,
    capabilities: AGENT_CAPABILITIES,
    resources: toStateJson(total),
    reserved_resources: toStateJsonByRole(total),
    unreserved_resources: toStateJson(total.filter((r) => !isReserved(r))),
    reserved_resources_full: reservedByRole(total),
    unreserved_resources_full: total.filter((r) => !isReserved(r)),
    reserved_resources_allocated: toStateJsonByRole(allocated),
    unreserved_resources_allocated: toStateJson(allocated.filter((r) => !isReserved(r))),
    resource_providers: [],
    attributes: attributesJson(a.config.attributes),
    // Only while a master is known, as Mesos writes it.
    master_hostname: a.masterHostname || undefined,
    log_dir: (flagsSeen && ctx.flags.log_dir) || undefined,
    external_log_file: (flagsSeen && ctx.flags.external_log_file) || undefined,
    flags: flagsSeen ? ctx.flags : undefined,
    frameworks: frameworks(a.frameworks.values()),
    completed_frameworks: frameworks(a.completedFrameworks),
  };
}
