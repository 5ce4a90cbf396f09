// The agent's state in the v1 operator API's shapes (GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS,
// GET_TASKS, GET_AGENT, GET_CONTAINERS), as Mesos's agent writes them (jsonifyGetTasks,
// jsonifyGetExecutors, jsonifyGetFrameworks, getAgent and __containers in src/slave/http.cpp):
// v1 messages with v1 names (agent_id), made from the same records as /state (state-json.ts).
// Frameworks are the live ones, then the completed ones; executors and tasks are those of both.
import { type mesos, isTerminalState } from '../common/mesos.ts';
import type { Agent } from './agent.ts';
import type { ExecutorUsage } from './monitor/monitor.ts';
import type { AgentFramework, AgentTask, ExecutorRecord } from './records.ts';

type Response = mesos.v1.agent.Response;
type GetTasks = NonNullable<Response['get_tasks']>;
type GetExecutors = NonNullable<Response['get_executors']>;
type GetFrameworks = NonNullable<Response['get_frameworks']>;
type GetContainers = NonNullable<Response['get_containers']>;
type Container = mesos.v1.agent.Response.GetContainers.Container;
type V1Task = mesos.v1.Task;

/**
 * A task as the agent's Task (protobuf::createTask): the executor is named only when the
 * TaskInfo names one (a command task's executor is the agent's own).
 */
export function v1Task(agentId: string, task: AgentTask): V1Task {
  const info = task.info;
  const out: V1Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: task.frameworkId },
    agent_id: { value: agentId },
    state: task.state,
  };
  if (info.executor) out.executor_id = info.executor.executor_id;
  if (info.resources?.length) out.resources = info.resources;
  if (task.statuses.length > 0) out.statuses = task.statuses;
  if (info.labels) out.labels = info.labels;
  if (info.discovery) out.discovery = info.discovery;
  if (info.container) out.container = info.container;
  if (info.health_check) out.health_check = info.health_check;
  if (info.kill_policy) out.kill_policy = info.kill_policy;
  const user = info.command?.user ?? info.executor?.command?.user;
  if (user !== undefined) out.user = user;
  if (info.limits) out.limits = info.limits;
  return out;
}

/** Live frameworks first, then completed ones, as the agent's GET_TASKS and GET_EXECUTORS walk them. */
function allFrameworks(agent: Agent): AgentFramework[] {
  return [...agent.frameworks.values(), ...agent.completedFrameworks];
}

/** Every executor of every framework: live runs and completed ones. */
function allExecutors(agent: Agent): ExecutorRecord[] {
  return allFrameworks(agent).flatMap((fw) => [...fw.executors.values(), ...fw.completedExecutors]);
}

/** Puts a list in a payload only when it has something, as an empty repeated field is absent. */
function some<K extends string, T>(key: K, list: T[]): Partial<Record<K, T[]>> {
  return list.length > 0 ? ({ [key]: list } as Record<K, T[]>) : {};
}

/**
 * The tasks by where they are: queued for an executor that has not subscribed, launched (not
 * terminal), terminated (terminal, update not yet acknowledged), completed (acknowledged). This
 * agent hands tasks to their executor run at once, so none is ever pending.
 */
export function getTasks(agent: Agent): GetTasks {
  const agentId = agent.id ?? '';
  const queued: V1Task[] = [];
  const launched: V1Task[] = [];
  const terminated: V1Task[] = [];
  const completed: V1Task[] = [];
  for (const ex of allExecutors(agent)) {
    for (const t of ex.tasks.values()) {
      const to = isTerminalState(t.state) ? terminated : ex.queued?.has(t.info.task_id.value) ? queued : launched;
      to.push(v1Task(agentId, t));
    }
    for (const t of ex.completedTasks) completed.push(v1Task(agentId, t));
  }
  return {
    ...some('queued_tasks', queued),
    ...some('launched_tasks', launched),
    ...some('terminated_tasks', terminated),
    ...some('completed_tasks', completed),
  };
}

export function getExecutors(agent: Agent): GetExecutors {
  const live: GetExecutors['executors'] = [];
  const completed: GetExecutors['completed_executors'] = [];
  for (const fw of allFrameworks(agent)) {
    for (const ex of fw.executors.values()) live.push({ executor_info: ex.info });
    for (const ex of fw.completedExecutors) completed.push({ executor_info: ex.info });
  }
  return { ...some('executors', live), ...some('completed_executors', completed) };
}

export function getFrameworks(agent: Agent): GetFrameworks {
  return {
    ...some(
      'frameworks',
      [...agent.frameworks.values()].map((fw) => ({ framework_info: fw.info })),
    ),
    ...some(
      'completed_frameworks',
      agent.completedFrameworks.map((fw) => ({ framework_info: fw.info })),
    ),
  };
}

export function getState(agent: Agent): NonNullable<Response['get_state']> {
  return { get_tasks: getTasks(agent), get_executors: getExecutors(agent), get_frameworks: getFrameworks(agent) };
}

/** The agent's AgentInfo: its id once registered, its address, resources and attributes. */
export function getAgent(agent: Agent): NonNullable<Response['get_agent']> {
  const c = agent.config;
  const info: mesos.v1.AgentInfo = { hostname: c.hostname, port: c.port, resources: c.resources, attributes: c.attributes };
  if (agent.id) info.id = { value: agent.id };
  return { agent_info: info };
}

/**
 * The containers of a task group's live tasks, as Mesos lists nested containers: the task's id
 * under the run's container as parent, and that id as its status; no usage of their own (the
 * monitor sums them into their run's).
 */
export function nestedContainers(agent: Agent): Container[] {
  const out: Container[] = [];
  for (const fw of agent.frameworks.values()) {
    for (const run of fw.executors.values()) {
      if (run.kind !== 'DEFAULT') continue;
      for (const t of run.tasks.values()) {
        if (!t.running || !t.containerId.startsWith(`${run.containerId}.`)) continue;
        const container_id = { value: t.containerId.slice(run.containerId.length + 1), parent: { value: run.containerId } };
        out.push({ container_id, container_status: { container_id } });
      }
    }
  }
  return out;
}

/**
 * The executor runs' containers (the monitor's usage), as /containers lists them; with
 * `nested`, the task group tasks' containers after them (GET_CONTAINERS' show_nested).
 */
export function getContainers(usage: readonly ExecutorUsage[], nested: readonly Container[] = []): GetContainers {
  const containers = usage.map((u): Container => {
    const c: Container = {
      framework_id: { value: u.executor.frameworkId },
      executor_id: { value: u.executor.executorId },
      executor_name: u.executor.name,
      container_id: { value: u.executor.containerId },
    };
    if (u.status) c.container_status = u.status;
    if (u.statistics) c.resource_statistics = u.statistics;
    return c;
  });
  return some('containers', [...containers, ...nested]);
}
