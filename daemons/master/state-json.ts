// The legacy read endpoints (/master/state, /master/frameworks, /master/slaves, /master/tasks)
// in Mesos's JSON field names, which the Apache web UI and many tools read. Resources here use
// the flattened shape ({cpus, mem, disk, gpus, ports: "[a-b]"}), not the v1 list.
import { attributesJson } from '../common/attributes.ts';
import { isTerminalState, type Resource } from '../common/mesos.ts';
import { type Built, type JsonText, jsonTextOf, RawJson } from '../common/raw-json.ts';
import { add, isReserved, reservationRole, toStateJson, toStateJsonByRole } from '../common/resources.ts';
import type {
  AgentFullResourcesJson,
  AgentJson,
  AgentsJson,
  FrameworkJson,
  FrameworksJson,
  FrameworkSummaryJson,
  MasterStateJson,
  RecoveredAgentJson,
  TaskJson,
  TasksJson,
  TaskStatusJson,
} from '../common/state-types.ts';
import { MESOS_API_VERSION, PROJECT_VERSION, versionInfo } from '../common/version.ts';
import type { Viewer } from '../common/authorizer/views.ts';
import type { Master } from './master.ts';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './records.ts';
import { type TasksPaging, pageBounds } from './tasks-query.ts';

export interface StateContext {
  master: Master;
  flags: Record<string, string>;
  logFile?: string | undefined;
  buildTime: number;
  /** Who asks, when --acls may hide frameworks and tasks from them. */
  viewer?: Viewer | undefined;
}

/** The frameworks the context's viewer may see. */
export function visibleFrameworks(ctx: StateContext, frameworks: Iterable<FrameworkRecord>): FrameworkRecord[] {
  const viewer = ctx.viewer;
  return viewer === undefined ? [...frameworks] : [...frameworks].filter((f) => viewer.framework(f.info));
}

/** The tasks of `fw` the context's viewer may see. */
function visibleTasks(ctx: StateContext, fw: FrameworkRecord, tasks: Iterable<TaskRecord>): Iterable<TaskRecord> {
  const viewer = ctx.viewer;
  return viewer === undefined ? tasks : [...tasks].filter((t) => viewer.task(t.info, fw.info));
}

function secs(ms: number): number;
function secs(ms: number | undefined): number | undefined;
function secs(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** Serialized tasks (JSON text), reused until the task changes: its state, history, agent or reachability. */
interface CachedTask {
  state: string;
  statuses: number;
  agentId: string;
  unreachableTime: number | undefined;
  json: JsonText<TaskJson>;
}
let taskCache = new WeakMap<TaskRecord, CachedTask>();

/** Drops every serialized task and agent: tests compare a document made from the caches with a cold one. */
export function forgetStateJson(): void {
  taskCache = new WeakMap();
  agentCache = new WeakMap();
}

function cachedTaskText(task: TaskRecord): JsonText<TaskJson> | undefined {
  const c = taskCache.get(task);
  if (
    c !== undefined &&
    c.state === task.state &&
    c.statuses === task.statuses.length &&
    c.agentId === task.agentId &&
    c.unreachableTime === task.unreachableTime
  )
    return c.json;
  return undefined;
}

/** Serializes `task` and caches the text (whoever calls it found the cache stale). */
function serializeTask(task: TaskRecord): JsonText<TaskJson> {
  const json = jsonTextOf(taskJson(task));
  taskCache.set(task, {
    state: task.state,
    statuses: task.statuses.length,
    agentId: task.agentId,
    unreachableTime: task.unreachableTime,
    json,
  });
  return json;
}

function taskText(task: TaskRecord): JsonText<TaskJson> {
  return cachedTaskText(task) ?? serializeTask(task);
}

/** Whether /master/state would take `task` from the cache. */
export function isTaskJsonCached(task: TaskRecord): boolean {
  return cachedTaskText(task) !== undefined;
}

/**
 * Serializes `task` ahead of a /master/state call if its JSON is stale and the task looks
 * settled: terminal, or its latest status older than `settledBefore` (seconds since the epoch),
 * so that a task about to change again is not serialized twice. Returns whether it did.
 */
export function warmTaskJson(task: TaskRecord, settledBefore: number): boolean {
  if (cachedTaskText(task) !== undefined) return false;
  const latest = task.statuses.at(-1)?.timestamp;
  if (!isTerminalState(task.state) && (latest === undefined || latest > settledBefore)) return false;
  serializeTask(task);
  return true;
}

/** Every task /master/state lists, framework by framework. */
export function* stateTasks(master: Master): Generator<TaskRecord, void, undefined> {
  for (const fw of master.frameworks.values()) {
    yield* fw.tasks.values();
    yield* fw.unreachableTasks.values();
    yield* fw.completedTasks;
  }
  for (const fw of master.completedFrameworks) {
    yield* fw.tasks.values();
    yield* fw.unreachableTasks.values();
    yield* fw.completedTasks;
  }
}

/** A list of tasks as JSON, from the cache (see common/raw-json.ts). */
function tasksRaw(tasks: Iterable<TaskRecord>): RawJson<TaskJson[]> {
  const texts: JsonText<TaskJson>[] = [];
  for (const t of tasks) texts.push(taskText(t));
  return RawJson.array(texts);
}

export function taskJson(task: TaskRecord): TaskJson {
  const out: TaskJson = {
    id: task.info.task_id.value,
    name: task.info.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId,
    slave_id: task.agentId,
    state: task.state,
    resources: toStateJson(task.resources),
    role: task.role,
    statuses: task.statuses.map((s) => {
      const st: TaskStatusJson = { state: s.state, timestamp: s.timestamp };
      if (s.healthy !== undefined) st.healthy = s.healthy;
      if (s.labels) st.labels = s.labels.labels;
      if (s.container_status) st.container_status = s.container_status;
      if (s.check_status) st.check_status = s.check_status;
      return st;
    }),
  };
  if (task.info.labels) out.labels = task.info.labels.labels;
  if (task.info.container) out.container = task.info.container;
  // Task.user as Mesos's createTask sets it: the command's user, else the executor's.
  const user = task.info.command?.user ?? task.info.executor?.command?.user;
  if (user) out.user = user;
  if (task.info.discovery) out.discovery = task.info.discovery;
  if (task.info.health_check) out.health_check = task.info.health_check;
  if (task.unreachableTime !== undefined) out.unreachable_time = { nanoseconds: task.unreachableTime * 1e6 };
  return out;
}

/**
 * A framework's summary, the first fields of every framework Mesos lists (json of
 * Summary<Framework>). `pid` is left out: every framework here speaks the HTTP API, whose
 * frameworks Mesos lists without one.
 */
export function frameworkSummaryJson(ctx: StateContext, fw: FrameworkRecord): FrameworkSummaryJson {
  const info = fw.info;
  return {
    id: fw.id,
    name: info.name,
    used_resources: toStateJson(ctx.master.frameworkUsed(fw)),
    offered_resources: toStateJson(ctx.master.frameworkOffered(fw)),
    // A capability of a type this master does not know has none: Mesos writes that UNKNOWN.
    capabilities: (info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered ?? false,
  };
}

/**
 * A framework as Mesos's FullFrameworkWriter writes it: the summary, then `role` or `roles` by
 * the MULTI_ROLE capability, as the FrameworkInfo has it, and `resources` as used plus offered.
 */
export function frameworkJson(ctx: StateContext, fw: FrameworkRecord, completed = false): Built<FrameworkJson> {
  const master = ctx.master;
  const active: TaskRecord[] = [];
  const terminal: TaskRecord[] = [];
  for (const t of fw.tasks.values()) (isTerminalState(t.state) && completed ? terminal : active).push(t);
  const info = fw.info;
  const multiRole = info.capabilities?.some((c) => c.type === 'MULTI_ROLE') ?? false;
  return {
    ...frameworkSummaryJson(ctx, fw),
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: secs(fw.registeredTime),
    unregistered_time: secs(fw.unregisteredTime) ?? 0,
    principal: info.principal,
    resources: toStateJson(add(master.frameworkUsed(fw), master.frameworkOffered(fw))),
    reregistered_time: secs(fw.reregisteredTime),
    ...(multiRole ? { roles: fw.roles } : { role: fw.roles[0] ?? '*' }),
    tasks: tasksRaw(visibleTasks(ctx, fw, active)),
    unreachable_tasks: tasksRaw(visibleTasks(ctx, fw, fw.unreachableTasks.values())),
    completed_tasks: tasksRaw(visibleTasks(ctx, fw, [...terminal, ...fw.completedTasks])),
    offers: [...fw.offers].flatMap((id): FrameworkJson['offers'] => {
      const rec = master.offers.get(id);
      if (!rec) return [];
      return [
        {
          id,
          framework_id: fw.id,
          allocation_info: { role: rec.role },
          slave_id: rec.agentId,
          resources: toStateJson(rec.resources),
        },
      ];
    }),
    executors: [],
    labels: info.labels?.labels,
    // The framework's offer constraints are not kept here, so there are none to show.
    offer_constraints: {},
  };
}

/**
 * An agent's fields that change only when it re-registers or is (de)activated, as JSON text
 * without its closing brace: making them on every /master/state call would cost every call time
 * in proportion to the number of agents. Its used and offered resources, which change all the
 * time, are serialized on every call.
 */
interface CachedAgent {
  hostname: string;
  port: number;
  pid: string;
  version: string;
  active: boolean;
  deactivated: boolean;
  reregisteredTime: number | undefined;
  head: JsonText<AgentHeadJson>;
}
let agentCache = new WeakMap<AgentRecord, CachedAgent>();

/** The fields of an agent that change only when it re-registers or is (de)activated. */
type AgentHeadJson = Omit<AgentJson, 'used_resources' | 'offered_resources'>;

function agentHead(agent: AgentRecord, deactivated: boolean): JsonText<AgentHeadJson> {
  const c = agentCache.get(agent);
  if (
    c !== undefined &&
    c.deactivated === deactivated &&
    c.hostname === agent.hostname &&
    c.port === agent.port &&
    c.pid === agent.pid &&
    c.version === agent.version &&
    c.active === agent.active &&
    c.reregisteredTime === agent.reregisteredTime
  ) {
    return c.head;
  }
  // The resources, attributes and capabilities of a record are set once, when it is made.
  const fixed: AgentHeadJson = {
    id: agent.id,
    pid: agent.pid,
    hostname: agent.hostname,
    port: agent.port,
    registered_time: secs(agent.registeredTime),
    resources: toStateJson(agent.resources),
    reserved_resources: toStateJsonByRole(agent.resources),
    unreserved_resources: toStateJson(agent.resources.filter((r) => !isReserved(r))),
    attributes: attributesJson(agent.attributes),
    active: agent.active,
    // Deactivated by an operator (DRAIN_AGENT, DEACTIVATE_AGENT); a disconnected agent is only
    // inactive, as in Mesos.
    deactivated,
    version: agent.version,
    capabilities: agent.capabilities,
  };
  if (agent.reregisteredTime !== undefined) fixed.reregistered_time = secs(agent.reregisteredTime);
  const head = jsonTextOf(fixed);
  agentCache.set(agent, {
    hostname: agent.hostname,
    port: agent.port,
    pid: agent.pid,
    version: agent.version,
    active: agent.active,
    deactivated,
    reregisteredTime: agent.reregisteredTime,
    head,
  });
  return head;
}

/**
 * An agent as Mesos's SlaveWriter writes it (/master/state, /master/state-summary), with `extra`
 * fields after its own.
 */
export function agentJson(ctx: StateContext, agent: AgentRecord): RawJson<AgentJson>;
export function agentJson<E extends object>(ctx: StateContext, agent: AgentRecord, extra: E): RawJson<AgentJson & E>;
export function agentJson(ctx: StateContext, agent: AgentRecord, extra: object = {}): RawJson<AgentJson> {
  const master = ctx.master;
  const changing = jsonTextOf({
    used_resources: toStateJson(master.agentUsed(agent)),
    offered_resources: toStateJson(master.agentOffered(agent)),
    ...extra,
  });
  return RawJson.merge(agentHead(agent, master.state.agentMarks.isDeactivated(agent.id)), changing);
}

/**
 * What /master/slaves adds to each agent (SlavesWriter::writeSlave): its resources in full, as
 * resource objects, for operators to unreserve and destroy with.
 */
function agentFullResources(ctx: StateContext, agent: AgentRecord): AgentFullResourcesJson {
  const reserved: Record<string, Resource[]> = {};
  for (const r of agent.resources) {
    const role = reservationRole(r);
    if (role === '*') continue;
    const list = reserved[role] ?? [];
    list.push(r);
    reserved[role] = list;
  }
  return {
    reserved_resources_full: reserved,
    unreserved_resources_full: agent.resources.filter((r) => !isReserved(r)),
    used_resources_full: ctx.master.agentUsed(agent),
    offered_resources_full: ctx.master.agentOffered(agent),
  };
}

/** /master/state's fields about the master itself. */
type MasterHeaderJson = Omit<
  MasterStateJson,
  'slaves' | 'recovered_slaves' | 'frameworks' | 'completed_frameworks' | 'orphan_tasks' | 'unregistered_frameworks'
>;

function masterHeader(ctx: StateContext): MasterHeaderJson {
  const m = ctx.master;
  const cfg = m.config;
  const out: MasterHeaderJson = {
    ...versionInfo(ctx.buildTime),
    mesos_ts_version: PROJECT_VERSION,
    start_time: (cfg.startedAt ?? m.startTime) / 1000,
    elected_time: m.startTime / 1000,
    id: m.id,
    pid: m.info.pid,
    hostname: cfg.hostname,
    capabilities: (m.info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'),
    activated_slaves: [...m.agents.values()].filter((a) => a.active).length,
    deactivated_slaves: [...m.agents.values()].filter((a) => !a.active).length,
    unreachable_slaves: m.unreachableAgents.size,
    leader: m.info.pid,
    leader_info: {
      id: m.id,
      pid: m.info.pid,
      port: cfg.port,
      hostname: cfg.hostname,
      ip: m.info.ip,
      version: MESOS_API_VERSION,
      address: m.info.address,
      capabilities: m.info.capabilities,
    },
    flags: ctx.flags,
  };
  if (cfg.cluster) out.cluster = cfg.cluster;
  if (ctx.flags.log_dir) out.log_dir = ctx.flags.log_dir;
  if (ctx.flags.external_log_file) out.external_log_file = ctx.flags.external_log_file;
  return out;
}

/**
 * Agents the registry knows that have not re-registered with this master yet: Mesos lists their
 * SlaveInfo (id, hostname, port, attributes); pid, resources and registered_time are extra.
 */
function recoveredSlavesJson(m: Master, agentId?: string): RecoveredAgentJson[] {
  const out: RecoveredAgentJson[] = [];
  for (const a of m.recoveredAgents.values()) {
    if (agentId !== undefined && a.id !== agentId) continue;
    out.push({
      id: a.id,
      hostname: a.hostname,
      port: a.port,
      attributes: attributesJson(a.attributes),
      pid: a.pid,
      resources: toStateJson(a.resources),
      registered_time: a.registeredTime / 1000,
    });
  }
  return out;
}

export function stateJson(ctx: StateContext): Built<MasterStateJson> {
  const m = ctx.master;
  return {
    ...masterHeader(ctx),
    slaves: [...m.agents.values()].map((a) => agentJson(ctx, a)),
    recovered_slaves: recoveredSlavesJson(m),
    frameworks: visibleFrameworks(ctx, m.frameworks.values()).map((f) => frameworkJson(ctx, f)),
    completed_frameworks: visibleFrameworks(ctx, m.completedFrameworks).map((f) => frameworkJson(ctx, f, true)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

export function frameworksJson(ctx: StateContext, frameworkId?: string): Built<FrameworksJson> {
  const m = ctx.master;
  const match = (f: FrameworkRecord) => frameworkId === undefined || f.id === frameworkId;
  return {
    frameworks: visibleFrameworks(ctx, m.frameworks.values())
      .filter(match)
      .map((f) => frameworkJson(ctx, f)),
    completed_frameworks: visibleFrameworks(ctx, m.completedFrameworks)
      .filter(match)
      .map((f) => frameworkJson(ctx, f, true)),
    unregistered_frameworks: [],
  };
}

export function slavesJson(ctx: StateContext, agentId?: string): Built<AgentsJson> {
  const m = ctx.master;
  return {
    slaves: [...m.agents.values()]
      .filter((a) => agentId === undefined || a.id === agentId)
      .map((a) => agentJson(ctx, a, agentFullResources(ctx, a))),
    recovered_slaves: recoveredSlavesJson(m, agentId),
  };
}

export interface TasksQuery extends TasksPaging {
  frameworkId?: string | undefined;
  taskId?: string | undefined;
}

/**
 * /master/tasks: active, unreachable and completed tasks of the selected framework(s), sorted by
 * their first status's time (tasks without one first when ascending, last when descending), and
 * paged as Mesos pages them (tasks-query.ts).
 */
export function tasksJson(ctx: StateContext, q: TasksQuery): TasksJson {
  const all: TaskRecord[] = [];
  const viewer = ctx.viewer;
  const frameworks = new Map<string, FrameworkRecord>();
  for (const f of [...ctx.master.frameworks.values(), ...ctx.master.completedFrameworks]) frameworks.set(f.id, f);
  const visible = (t: TaskRecord) => {
    if (viewer === undefined) return true;
    const fw = frameworks.get(t.frameworkId);
    return fw !== undefined && viewer.framework(fw.info) && viewer.task(t.info, fw.info);
  };
  for (const t of stateTasks(ctx.master)) if ((q.frameworkId === undefined || t.frameworkId === q.frameworkId) && visible(t)) all.push(t);
  const filtered = q.taskId === undefined ? all : all.filter((t) => t.info.task_id.value === q.taskId);
  const sign = q.order === 'asc' ? 1 : -1;
  filtered.sort((a, b) => {
    const x = a.statuses[0]?.timestamp;
    const y = b.statuses[0]?.timestamp;
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -sign : sign;
    return sign * (x - y);
  });
  const { start, end } = pageBounds(filtered.length, q);
  return { tasks: filtered.slice(start, end).map(taskJson) };
}
