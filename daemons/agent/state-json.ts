// The agent's /state (also /slave(1)/state) in Mesos's JSON field names: the web UI finds
// sandboxes through `executors[].directory`.
import { isTerminalState } from '../common/mesos.ts';
import { toStateJson, toStateJsonByRole } from '../common/resources.ts';
import { MESOS_API_VERSION, PROJECT_VERSION } from '../common/version.ts';
import type { Agent } from './agent.ts';
import type { AgentExecutor, AgentFramework, AgentTask } from './records.ts';

export interface AgentStateContext {
  agent: Agent;
  flags: Record<string, string>;
  buildTime: number;
}

function taskJson(agent: Agent, task: AgentTask): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: task.info.task_id.value,
    name: task.info.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId,
    slave_id: agent.id ?? '',
    state: task.state,
    resources: toStateJson(task.info.resources ?? []),
    statuses: task.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp, ...(s.container_status ? { container_status: s.container_status } : {}) })),
  };
  if (task.info.labels) out.labels = task.info.labels.labels;
  if (task.info.container) out.container = task.info.container;
  return out;
}

function executorJson(agent: Agent, ex: AgentExecutor): Record<string, unknown> {
  const tasks: AgentTask[] = [];
  const queued: AgentTask[] = [];
  const completed: AgentTask[] = [...ex.completedTasks];
  // A custom executor's tasks wait in its queue until it has subscribed and been sent them.
  const waiting = ex.custom?.queued;
  for (const t of ex.tasks.values()) (isTerminalState(t.state) ? completed : waiting?.has(t.info.task_id.value) ? queued : tasks).push(t);
  let resources = ex.info.resources ?? [];
  for (const t of ex.tasks.values()) resources = resources.concat(t.info.resources ?? []);
  return {
    id: ex.id,
    name: ex.info.name ?? '',
    source: (ex.info as { source?: string }).source ?? '',
    container: ex.containerId,
    directory: ex.directory,
    type: ex.kind === 'DEFAULT' ? 'DEFAULT' : ex.kind === 'CUSTOM' ? 'CUSTOM' : 'UNKNOWN',
    resources: toStateJson(resources),
    tasks: tasks.map((t) => taskJson(agent, t)),
    queued_tasks: queued.map((t) => taskJson(agent, t)),
    completed_tasks: completed.map((t) => taskJson(agent, t)),
  };
}

function frameworkJson(agent: Agent, fw: AgentFramework): Record<string, unknown> {
  const roles = fw.info.roles?.length ? fw.info.roles : [fw.info.role ?? '*'];
  return {
    id: fw.id,
    name: fw.info.name,
    user: fw.info.user,
    hostname: fw.info.hostname ?? '',
    failover_timeout: fw.info.failover_timeout ?? 0,
    checkpoint: fw.info.checkpoint ?? false,
    role: roles[0],
    roles,
    capabilities: (fw.info.capabilities ?? []).map((c) => c.type),
    executors: [...fw.executors.values()].map((e) => executorJson(agent, e)),
    completed_executors: fw.completedExecutors.map((e) => executorJson(agent, e)),
  };
}

export function agentStateJson(ctx: AgentStateContext): Record<string, unknown> {
  const a = ctx.agent;
  const attributes: Record<string, string | number> = {};
  for (const attr of a.config.attributes) {
    if (attr.type === 'SCALAR' && attr.scalar) attributes[attr.name] = attr.scalar.value;
    else if (attr.type === 'TEXT' && attr.text) attributes[attr.name] = attr.text.value;
    else if (attr.type === 'RANGES' && attr.ranges) attributes[attr.name] = `[${attr.ranges.range.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else if (attr.type === 'SET' && attr.set) attributes[attr.name] = `{${attr.set.item.join(', ')}}`;
  }
  const out: Record<string, unknown> = {
    version: MESOS_API_VERSION,
    mesos_ts_version: PROJECT_VERSION,
    build_date: new Date(ctx.buildTime).toISOString().replace('T', ' ').slice(0, 19),
    build_time: Math.floor(ctx.buildTime / 1000),
    build_user: 'mesos-ts',
    start_time: a.startTime / 1000,
    id: a.id ?? '',
    pid: a.pid,
    hostname: a.config.hostname,
    capabilities: a.registration().capabilities ?? [],
    resources: toStateJson(a.config.resources),
    reserved_resources: toStateJsonByRole(a.config.resources),
    unreserved_resources: toStateJson(a.config.resources.filter((r) => (r.reservations?.length ?? 0) === 0 && (r.role ?? '*') === '*')),
    reserved_resources_full: {},
    unreserved_resources_full: a.config.resources,
    attributes,
    master_hostname: a.masterHostname ?? '',
    flags: ctx.flags,
    frameworks: [...a.frameworks.values()].map((f) => frameworkJson(a, f)),
    completed_frameworks: a.completedFrameworks.map((f) => frameworkJson(a, f)),
    resource_providers: [],
  };
  if (ctx.flags.log_dir) out.log_dir = ctx.flags.log_dir;
  if (ctx.flags.external_log_file) out.external_log_file = ctx.flags.external_log_file;
  return out;
}
