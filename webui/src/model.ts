// Pure derivations from the state JSON: task lists across frameworks, cluster resource sums,
// agent addresses and sandbox directories. No DOM and no network, so tests run them on plain
// objects.
import type {
  AgentJson,
  FrameworkJson,
  MasterStateJson,
  OfferJson,
  Quantities,
  StateResources,
  TaskJson,
} from '../../daemons/common/state-types.ts';

export { type SandboxQuery, sandboxDirectory } from '../../daemons/common/sandbox.ts';

export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** Task states in lifecycle order, for counts and the state filter. */
export const TASK_STATES: readonly string[] = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_UNREACHABLE',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
];

export function isTerminal(state: string): boolean {
  return TERMINAL_STATES.has(state);
}

/** Any value from the network as display text (objects never reach the DOM as markup). */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export type TaskCategory = 'active' | 'unreachable' | 'completed';

/** A task with the framework it belongs to, as the task tables list it. */
export interface TaskRow {
  task: TaskJson;
  frameworkId: string;
  frameworkName: string;
  category: TaskCategory;
}

function frameworkTaskRows(fw: FrameworkJson, completedFramework: boolean): TaskRow[] {
  const rows: TaskRow[] = [];
  const add = (tasks: TaskJson[] | undefined, category: TaskCategory) => {
    for (const task of tasks ?? []) {
      const cat = category === 'active' && (completedFramework || isTerminal(task.state)) ? 'completed' : category;
      rows.push({ task, frameworkId: fw.id, frameworkName: text(fw.name), category: cat });
    }
  };
  add(fw.tasks, 'active');
  add(fw.unreachable_tasks, 'unreachable');
  add(fw.completed_tasks, 'completed');
  return rows;
}

/** Every task the master knows: of active and completed frameworks, active, unreachable and completed. */
export function allTasks(state: MasterStateJson): TaskRow[] {
  const rows: TaskRow[] = [];
  for (const fw of state.frameworks ?? []) rows.push(...frameworkTaskRows(fw, false));
  for (const fw of state.completed_frameworks ?? []) rows.push(...frameworkTaskRows(fw, true));
  return rows;
}

export function tasksOfFramework(fw: FrameworkJson, completedFramework: boolean): TaskRow[] {
  return frameworkTaskRows(fw, completedFramework);
}

/** When the task was first reported (its first status), in seconds since the epoch. */
export function taskStarted(task: TaskJson): number | undefined {
  return task.statuses?.[0]?.timestamp;
}

/** When the task's latest status arrived, in seconds since the epoch. */
export function taskUpdated(task: TaskJson): number | undefined {
  const statuses = task.statuses ?? [];
  return statuses[statuses.length - 1]?.timestamp;
}

export function countByState(rows: readonly TaskRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.task.state, (counts.get(r.task.state) ?? 0) + 1);
  return counts;
}

/** Task counts by state from the master's metrics (`master/tasks_running` ...), which outlive pruned tasks. */
export function taskCountsFromMetrics(metrics: Record<string, number>): Map<string, number> | undefined {
  const counts = new Map<string, number>();
  for (const state of TASK_STATES) {
    const v = metrics[`master/tasks_${state.slice('TASK_'.length).toLowerCase()}`];
    if (typeof v === 'number') counts.set(state, v);
  }
  return counts.size > 0 ? counts : undefined;
}

export const SCALARS = ['cpus', 'gpus', 'mem', 'disk'] as const;
export type Scalar = (typeof SCALARS)[number];
export type ScalarSums = Record<Scalar, number>;

/** A resources object of the state endpoints, or quantities of /master/roles. */
export type ResourceValues = StateResources | Quantities;

export function scalarOf(res: ResourceValues | undefined, name: string): number {
  const v = res?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function sumScalars(list: readonly (StateResources | undefined)[]): ScalarSums {
  const out: ScalarSums = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  for (const res of list) for (const s of SCALARS) out[s] += scalarOf(res, s);
  return out;
}

export interface ClusterResources {
  total: ScalarSums;
  used: ScalarSums;
  offered: ScalarSums;
  idle: ScalarSums;
}

/** Total, used, offered and idle (total - used - offered) scalars over the registered agents. */
export function clusterResources(state: MasterStateJson): ClusterResources {
  const agents = state.slaves ?? [];
  return resourceBreakdown(
    agents.map((a) => a.resources),
    agents.map((a) => a.used_resources),
    agents.map((a) => a.offered_resources),
  );
}

export function agentResources(agent: AgentJson): ClusterResources {
  return resourceBreakdown([agent.resources], [agent.used_resources], [agent.offered_resources]);
}

function resourceBreakdown(
  total: (StateResources | undefined)[],
  used: (StateResources | undefined)[],
  offered: (StateResources | undefined)[],
): ClusterResources {
  const t = sumScalars(total);
  const u = sumScalars(used);
  const o = sumScalars(offered);
  const idle = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  for (const s of SCALARS) idle[s] = Math.max(0, t[s] - u[s] - o[s]);
  return { total: t, used: u, offered: o, idle };
}

/** No Draining or Drained: this master does not drain agents, so its agents have no `drain_info`. */
export type AgentStatus = 'Active' | 'Deactivated';

export function agentStatus(agent: AgentJson): AgentStatus {
  if (agent.deactivated || agent.active === false) return 'Deactivated';
  return 'Active';
}

export type FrameworkStatus = 'Completed' | 'Orphaned' | 'Inactive' | 'Disconnected' | 'Active';

/**
 * Orphaned: known from the registry or from agents after a master restart, and its scheduler has
 * not subscribed since. Its tasks keep running until it comes back or an operator tears it down.
 */
export function frameworkStatus(fw: Pick<FrameworkJson, 'active' | 'connected' | 'recovered'>, completed: boolean): FrameworkStatus {
  if (completed) return 'Completed';
  if (fw.recovered && fw.connected === false) return 'Orphaned';
  if (fw.active === false) return 'Inactive';
  return fw.connected === false ? 'Disconnected' : 'Active';
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The leading master's `//host:port` when the master we talk to says another one leads. */
export function otherLeader(state: MasterStateJson): string | undefined {
  const leader = state.leader_info;
  if (!leader?.hostname || !leader.port) return undefined;
  if (state.leader === undefined || state.pid === undefined || state.leader === state.pid) return undefined;
  return `//${hostForUrl(leader.hostname)}:${leader.port}`;
}

export interface FrameworkLookup {
  framework: FrameworkJson;
  completed: boolean;
}

export function findFramework(state: MasterStateJson, id: string): FrameworkLookup | undefined {
  const active = state.frameworks?.find((f) => f.id === id);
  if (active) return { framework: active, completed: false };
  const done = state.completed_frameworks?.find((f) => f.id === id);
  return done ? { framework: done, completed: true } : undefined;
}

export function findAgent(state: MasterStateJson, id: string): AgentJson | undefined {
  return state.slaves?.find((a) => a.id === id);
}

/** A task by framework and task id; the active copy wins over completed ones of the same id. */
export function findTask(state: MasterStateJson, frameworkId: string, taskId: string): TaskRow | undefined {
  const found = findFramework(state, frameworkId);
  if (!found) return undefined;
  const rows = tasksOfFramework(found.framework, found.completed).filter((r) => r.task.id === taskId);
  return rows.find((r) => r.category !== 'completed') ?? rows[rows.length - 1];
}

export interface OfferRow {
  offer: OfferJson;
  frameworkName: string;
}

export function allOffers(state: MasterStateJson): OfferRow[] {
  const rows: OfferRow[] = [];
  for (const fw of state.frameworks ?? []) for (const offer of fw.offers ?? []) rows.push({ offer, frameworkName: text(fw.name) });
  return rows;
}

/** Agent id -> hostname, for task and offer tables. */
export function agentHostnames(state: MasterStateJson): Map<string, string> {
  return new Map((state.slaves ?? []).map((a) => [a.id, text(a.hostname)]));
}

/** The parent of a sandbox path, or undefined at the root. */
export function parentPath(p: string): string | undefined {
  const trimmed = p.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i <= 0) return trimmed === '' || i < 0 ? undefined : '/';
  return trimmed.slice(0, i);
}

export function baseName(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Only http(s) URLs become links: a framework's webui_url could be `javascript:`. */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The sandbox a path lies in (`.../executors/<id>/runs/<container>`), the directory the agent
 * lets the browser read; undefined for paths of another layout.
 */
export function sandboxRoot(p: string): string | undefined {
  const m = /^(.*\/executors\/[^/]+\/runs\/[^/]+)(?:\/.*)?$/.exec(p.replace(/\/+$/, ''));
  return m?.[1];
}

export interface Crumb {
  label: string;
  path: string;
}

/** Breadcrumbs from the sandbox root down to `p`; just `p` when its sandbox is unknown. */
export function sandboxCrumbs(p: string): Crumb[] {
  const clean = p.replace(/\/+$/, '') || '/';
  const root = sandboxRoot(clean);
  if (!root) return [{ label: clean, path: clean }];
  const crumbs: Crumb[] = [{ label: 'sandbox', path: root }];
  let at = root;
  for (const part of clean.slice(root.length).split('/').filter(Boolean)) {
    at = `${at}/${part}`;
    crumbs.push({ label: part, path: at });
  }
  return crumbs;
}
