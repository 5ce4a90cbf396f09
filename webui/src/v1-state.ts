// The master's state as the operator event stream tells it (SUBSCRIBED's GET_STATE, then
// TASK_*, AGENT_*, FRAMEWORK_* events, in v1 shapes: agent_id, TimeInfo, resource lists), kept
// as a model the events update, and turned into the /master/state shape every page reads.
// The stream says nothing of the master itself or of offers, so those come from the latest
// /master/state (`base`); resource use is summed from the live tasks (their executors' own
// resources are not in the stream, so an agent's "used" leaves those out).
import type { mesos } from '../../daemons/common/proto/mesos-v1.ts';
import type {
  AgentJson,
  AttributesJson,
  FrameworkJson,
  MasterStateJson,
  StateResources,
  TaskJson,
  TaskStatusJson,
} from '../../daemons/common/state-types.ts';
import { isTerminal } from './model.ts';

type V1Task = mesos.v1.Task;
type V1Agent = mesos.v1.master.Response.GetAgents.Agent;
type V1Framework = mesos.v1.master.Response.GetFrameworks.Framework;
type V1Executor = mesos.v1.master.Response.GetExecutors.Executor;
export type V1State = mesos.v1.master.Response.GetState;
export type V1Event = mesos.v1.master.Event;

export interface StreamModel {
  agents: Map<string, V1Agent>;
  frameworks: Map<string, V1Framework>;
  completedFrameworks: Map<string, V1Framework>;
  /** Keyed by taskKey(framework, task). */
  tasks: Map<string, V1Task>;
  unreachableTasks: Map<string, V1Task>;
  completedTasks: V1Task[];
  executors: V1Executor[];
}

const taskKey = (frameworkId: string, taskId: string) => `${frameworkId}\u0000${taskId}`;
const keyOf = (t: V1Task) => taskKey(t.framework_id.value, t.task_id.value);

export function modelFromState(state: V1State): StreamModel {
  const byId = <T>(items: T[] | undefined, id: (item: T) => string) => new Map((items ?? []).map((i) => [id(i), i]));
  const fwId = (f: V1Framework) => f.framework_info.id?.value ?? '';
  return {
    agents: byId(state.get_agents?.agents, (a) => a.agent_info.id?.value ?? ''),
    frameworks: byId(state.get_frameworks?.frameworks, fwId),
    completedFrameworks: byId(state.get_frameworks?.completed_frameworks, fwId),
    tasks: byId(state.get_tasks?.tasks, keyOf),
    unreachableTasks: byId(state.get_tasks?.unreachable_tasks, keyOf),
    completedTasks: [...(state.get_tasks?.completed_tasks ?? [])],
    executors: [...(state.get_executors?.executors ?? [])],
  };
}

/** Applies one event to the model; false when it changes nothing shown (HEARTBEAT, unknown events). */
export function applyEvent(model: StreamModel, event: V1Event): boolean {
  switch (event.type) {
    case 'TASK_ADDED': {
      const task = event.task_added?.task;
      if (!task) return false;
      model.unreachableTasks.delete(keyOf(task));
      model.tasks.set(keyOf(task), task);
      return true;
    }
    case 'TASK_UPDATED': {
      const u = event.task_updated;
      if (!u) return false;
      const key = taskKey(u.framework_id.value, u.status.task_id.value);
      const task = model.tasks.get(key) ?? model.unreachableTasks.get(key);
      if (!task) return false;
      const updated: V1Task = { ...task, state: u.state, statuses: [...(task.statuses ?? []), u.status] };
      model.tasks.delete(key);
      model.unreachableTasks.delete(key);
      (u.state === 'TASK_UNREACHABLE' ? model.unreachableTasks : model.tasks).set(key, updated);
      return true;
    }
    case 'FRAMEWORK_ADDED':
    case 'FRAMEWORK_UPDATED': {
      const fw = event.framework_added?.framework ?? event.framework_updated?.framework;
      const id = fw?.framework_info.id?.value;
      if (!fw || id === undefined) return false;
      // The event's framework leaves out its offers and resources: keep the ones known.
      model.frameworks.set(id, { ...model.frameworks.get(id), ...fw });
      return true;
    }
    case 'FRAMEWORK_REMOVED': {
      const id = event.framework_removed?.framework_info.id?.value;
      if (id === undefined) return false;
      const fw = model.frameworks.get(id);
      model.frameworks.delete(id);
      const removed: V1Framework = fw ?? {
        framework_info: event.framework_removed!.framework_info,
        active: false,
        connected: false,
        recovered: false,
      };
      model.completedFrameworks.set(id, { ...removed, active: false, connected: false });
      for (const [key, task] of model.tasks) {
        if (task.framework_id.value !== id) continue;
        model.tasks.delete(key);
        model.completedTasks.push(task);
      }
      return true;
    }
    case 'AGENT_ADDED': {
      const agent = event.agent_added?.agent;
      const id = agent?.agent_info.id?.value;
      if (!agent || id === undefined) return false;
      model.agents.set(id, agent);
      return true;
    }
    case 'AGENT_REMOVED': {
      const id = event.agent_removed?.agent_id.value;
      return id !== undefined && model.agents.delete(id);
    }
    default:
      return false;
  }
}

function secondsOf(time: mesos.v1.TimeInfo | undefined): number {
  return time ? Number(time.nanoseconds) / 1e9 : 0;
}

const ranges = (r: mesos.v1.Value.Ranges | undefined) =>
  `[${(r?.range ?? []).map((x) => (x.begin === x.end ? `${x.begin}` : `${x.begin}-${x.end}`)).join(', ')}]`;
const set = (s: mesos.v1.Value.Set | undefined) => `{${(s?.item ?? []).join(', ')}}`;

/** A resource list flattened as the state endpoints write it: scalars summed, ranges and sets as text. */
export function resourcesJson(list: readonly mesos.v1.Resource[] | undefined): StateResources {
  const out: StateResources = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  for (const r of list ?? []) {
    const name = r.revocable ? `${r.name}_revocable` : r.name;
    if (r.type === 'SCALAR') out[name] = Math.round(((Number(out[name]) || 0) + (r.scalar?.value ?? 0)) * 1000) / 1000;
    else if (r.type === 'RANGES') out[name] = ranges(r.ranges);
    else if (r.type === 'SET') out[name] = set(r.set);
  }
  return out;
}

function attributesJson(list: readonly mesos.v1.Attribute[] | undefined): AttributesJson {
  const out: AttributesJson = {};
  for (const a of list ?? []) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar?.value ?? 0;
    else if (a.type === 'RANGES') out[a.name] = ranges(a.ranges);
    else if (a.type === 'SET') out[a.name] = set(a.set);
    else out[a.name] = a.text?.value ?? '';
  }
  return out;
}

function statusJson(s: mesos.v1.TaskStatus): TaskStatusJson {
  const out: TaskStatusJson = { state: s.state };
  if (s.timestamp !== undefined) out.timestamp = s.timestamp;
  if (s.healthy !== undefined) out.healthy = s.healthy;
  if (s.labels?.labels) out.labels = s.labels.labels;
  if (s.container_status) out.container_status = s.container_status;
  if (s.check_status) out.check_status = s.check_status;
  return out;
}

export function taskJson(t: V1Task): TaskJson {
  const out: TaskJson = {
    id: t.task_id.value,
    name: t.name,
    framework_id: t.framework_id.value,
    executor_id: t.executor_id?.value ?? '',
    slave_id: t.agent_id.value,
    state: t.state,
    resources: resourcesJson(t.resources),
    role: t.resources?.find((r) => r.allocation_info?.role !== undefined)?.allocation_info?.role ?? '*',
    statuses: (t.statuses ?? []).map(statusJson),
  };
  if (t.user) out.user = t.user;
  if (t.labels?.labels) out.labels = t.labels.labels;
  if (t.discovery) out.discovery = t.discovery;
  if (t.container) out.container = t.container;
  if (t.health_check) out.health_check = t.health_check;
  return out;
}

const SCALARS = ['cpus', 'gpus', 'mem', 'disk'] as const;

/** `uses` of the live tasks, over what `known` said (its ranges and sets kept, its scalars replaced). */
function liveUse(known: StateResources | undefined, uses: StateResources | undefined): StateResources {
  const out: StateResources = { ...(known ?? {}), cpus: 0, gpus: 0, mem: 0, disk: 0 };
  for (const k of SCALARS) out[k] = uses?.[k] ?? 0;
  return out;
}

/** Offers of the latest /master/state, less what tasks launched since then use of them. */
function offeredNow(total: StateResources, used: StateResources, offered: StateResources): StateResources {
  const out = { ...offered };
  for (const k of SCALARS) out[k] = Math.max(0, Math.min(offered[k], total[k] - used[k]));
  return out;
}

/** The scalars the live tasks use, per agent and per framework. */
function taskUse(tasks: Iterable<V1Task>): { agents: Map<string, StateResources>; frameworks: Map<string, StateResources> } {
  const agents = new Map<string, StateResources>();
  const frameworks = new Map<string, StateResources>();
  const add = (map: Map<string, StateResources>, id: string, r: StateResources) => {
    const acc = map.get(id) ?? { cpus: 0, gpus: 0, mem: 0, disk: 0 };
    for (const k of SCALARS) acc[k] = Math.round((acc[k] + r[k]) * 1000) / 1000;
    map.set(id, acc);
  };
  for (const t of tasks) {
    if (isTerminal(t.state)) continue;
    const r = resourcesJson(t.resources);
    add(agents, t.agent_id.value, r);
    add(frameworks, t.framework_id.value, r);
  }
  return { agents, frameworks };
}

/** An agent: what its live tasks use (`uses`), what it was offered at the latest /master/state (`known`). */
export function agentJson(a: V1Agent, known: AgentJson | undefined, uses?: StateResources): AgentJson {
  const info = a.agent_info;
  const total = resourcesJson(a.total_resources ?? info.resources);
  const used = uses || !known ? liveUse(known?.used_resources, uses) : known.used_resources;
  const out: AgentJson = {
    id: info.id?.value ?? '',
    pid: a.pid ?? '',
    hostname: info.hostname,
    port: info.port ?? 5051,
    registered_time: secondsOf(a.registered_time),
    resources: total,
    reserved_resources: known?.reserved_resources ?? {},
    unreserved_resources: known?.unreserved_resources ?? total,
    attributes: attributesJson(info.attributes),
    active: a.active,
    deactivated: a.deactivated ?? false,
    version: a.version,
    capabilities: (a.capabilities ?? []).flatMap((c) => (c.type ? [c.type] : [])),
    used_resources: used,
    offered_resources: offeredNow(total, used, known?.offered_resources ?? resourcesJson(a.offered_resources)),
  };
  if (a.reregistered_time) out.reregistered_time = secondsOf(a.reregistered_time);
  return out;
}

function frameworkJson(
  f: V1Framework,
  tasks: TaskJson[],
  completed: TaskJson[],
  unreachable: TaskJson[],
  model: StreamModel,
  known: FrameworkJson | undefined,
  uses: StateResources | undefined,
): FrameworkJson {
  const info = f.framework_info;
  const id = info.id?.value ?? '';
  const used = liveUse(known?.used_resources, uses);
  const offered = known?.offered_resources ?? resourcesJson(f.offered_resources);
  const both = { ...offered };
  for (const k of SCALARS) both[k] = Math.round((used[k] + offered[k]) * 1000) / 1000;
  const out: FrameworkJson = {
    id,
    name: info.name,
    used_resources: used,
    offered_resources: offered,
    capabilities: (info.capabilities ?? []).flatMap((c) => (c.type ? [c.type] : [])),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: f.active,
    connected: f.connected,
    recovered: f.recovered,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: secondsOf(f.registered_time),
    unregistered_time: secondsOf(f.unregistered_time),
    resources: both,
    tasks,
    unreachable_tasks: unreachable,
    completed_tasks: completed,
    offers: known?.offers ?? [],
    executors: model.executors
      .filter((e) => e.executor_info.framework_id?.value === id)
      .map((e) => ({ ...e.executor_info, slave_id: e.agent_id.value })),
    offer_constraints: known?.offer_constraints ?? {},
  };
  if (f.reregistered_time) out.reregistered_time = secondsOf(f.reregistered_time);
  if (info.principal) out.principal = info.principal;
  if (info.roles?.length) out.roles = info.roles;
  else out.role = info.role ?? '*';
  if (info.labels?.labels) out.labels = info.labels.labels;
  return out;
}

/** The model as /master/state: the master's own fields, offers and resource use from `base`. */
export function toMasterState(model: StreamModel, base: MasterStateJson): MasterStateJson {
  const byFramework = (tasks: Iterable<V1Task>) => {
    const out = new Map<string, TaskJson[]>();
    for (const t of tasks) {
      const list = out.get(t.framework_id.value) ?? [];
      list.push(taskJson(t));
      out.set(t.framework_id.value, list);
    }
    return out;
  };
  const tasks = byFramework(model.tasks.values());
  const completed = byFramework(model.completedTasks);
  const unreachable = byFramework(model.unreachableTasks.values());
  const knownFrameworks = new Map([...(base.frameworks ?? []), ...(base.completed_frameworks ?? [])].map((f) => [f.id, f]));
  const knownAgents = new Map((base.slaves ?? []).map((a) => [a.id, a]));
  const use = taskUse(model.tasks.values());
  const framework = (f: V1Framework) => {
    const id = f.framework_info.id?.value ?? '';
    return frameworkJson(
      f,
      tasks.get(id) ?? [],
      completed.get(id) ?? [],
      unreachable.get(id) ?? [],
      model,
      knownFrameworks.get(id),
      use.frameworks.get(id),
    );
  };
  const agents = [...model.agents.values()].map((a) => {
    const id = a.agent_info.id?.value ?? '';
    return agentJson(a, knownAgents.get(id), use.agents.get(id) ?? { cpus: 0, gpus: 0, mem: 0, disk: 0 });
  });
  return {
    ...base,
    slaves: agents,
    activated_slaves: agents.filter((a) => a.active).length,
    deactivated_slaves: agents.filter((a) => !a.active).length,
    frameworks: [...model.frameworks.values()].map(framework),
    completed_frameworks: [...model.completedFrameworks.values()].map(framework),
  };
}
