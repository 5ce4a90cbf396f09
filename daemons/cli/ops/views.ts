// What the day-2 commands print, derived from the master's /master/state and the agents'
// /state and /monitor/statistics: table rows, and where a task and its sandbox are. Pure.
import type { Endpoint } from '../../common/http-client.ts';
import type {
  AgentJson,
  AgentStateJson,
  ExecutorJson,
  FileEntryJson,
  FrameworkJson,
  MasterStateJson,
  TaskJson,
} from '../../common/state-types.ts';
import type { FixedColumn } from './table.ts';

/** A task and the framework it is in. */
export interface FoundTask {
  framework: FrameworkJson;
  task: TaskJson;
}

function frameworksOf(state: MasterStateJson): FrameworkJson[] {
  return [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])];
}

/** Every task the master knows: active, unreachable, then completed, framework by framework. */
export function allTasks(state: MasterStateJson): FoundTask[] {
  const out: FoundTask[] = [];
  for (const framework of frameworksOf(state)) {
    for (const task of [...(framework.tasks ?? []), ...(framework.unreachable_tasks ?? []), ...(framework.completed_tasks ?? [])])
      out.push({ framework, task });
  }
  return out;
}

/** The state the Mesos CLI shows for a task: that of its latest status update, else UNKNOWN. */
export function taskState(task: TaskJson): string {
  const statuses = task.statuses ?? [];
  return statuses.length > 0 ? statuses[statuses.length - 1]!.state : 'UNKNOWN';
}

export const TASK_LIST_HEADERS = ['ID', 'State', 'Framework ID', 'Executor ID'] as const;

/** `mesos task list`: running tasks, or every task with `all`. */
export function taskListTasks(state: MasterStateJson, all: boolean): TaskJson[] {
  return allTasks(state)
    .map((f) => f.task)
    .filter((t) => all || taskState(t) === 'TASK_RUNNING');
}

export function taskListRows(tasks: readonly TaskJson[]): string[][] {
  return tasks.map((t) => [t.id, taskState(t), t.framework_id, t.executor_id ?? '']);
}

export const AGENT_LIST_HEADERS = ['Agent ID', 'Hostname', 'Active'] as const;

/** Python's str(bool), as the Mesos CLI prints Active. */
const pyBool = (b: boolean): string => (b ? 'True' : 'False');

export function agentListRows(agents: readonly AgentJson[]): string[][] {
  return agents.map((a) => [a.id, a.hostname, pyBool(a.active)]);
}

export const FRAMEWORK_LIST_HEADERS = ['ID', 'Active', 'Hostname', 'Name'] as const;

/** `mesos framework list`: active frameworks, or with `all` also inactive and completed ones. */
export function frameworkListFrameworks(state: MasterStateJson, all: boolean): FrameworkJson[] {
  return all ? frameworksOf(state) : (state.frameworks ?? []).filter((f) => f.active);
}

export function frameworkListRows(frameworks: readonly FrameworkJson[]): string[][] {
  return frameworks.map((f) => [f.id, pyBool(f.active), f.hostname, f.name]);
}

/** mesos-ps's columns, widths included. */
export const PS_COLUMNS: readonly FixedColumn[] = [
  { title: 'USER', padding: 4 },
  { title: 'FRAMEWORK', padding: 4 },
  { title: 'TASK', padding: 6 },
  { title: 'SLAVE', padding: 14 },
  { title: 'MEM', padding: 16 },
  { title: 'TIME', padding: 14 },
  { title: 'CPU (allocated)', padding: 0 },
];

/** One entry of an agent's /monitor/statistics. */
export interface ExecutorStatistics {
  framework_id: string;
  executor_id: string;
  statistics: {
    cpus_limit?: number;
    mem_rss_bytes?: number;
    mem_limit_bytes?: number;
    cpus_user_time_secs?: number;
    cpus_system_time_secs?: number;
  };
}

export interface PsRow {
  user: string;
  framework: string;
  task: string;
  agent: string;
  /** "rss/limit", e.g. "1.2 MB/64.0 MB". */
  mem: string | undefined;
  /** CPU time (user + system) as HH:MM:SS.ffffff. */
  time: string | undefined;
  cpus: string | undefined;
}

/** Bytes as mesos-ps writes them: one decimal and B, KB, MB or GB. */
export function dataSize(bytes: number): string {
  if (bytes < 1024) return `${bytes.toFixed(1)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** Seconds as Python's utcfromtimestamp(s).strftime('%H:%M:%S.%f'): the time of day, microseconds. */
export function cpuTime(seconds: number): string {
  const micros = Math.round(seconds * 1e6) % (86_400 * 1e6);
  const pad = (n: number, w = 2) => String(Math.floor(n)).padStart(w, '0');
  return `${pad(micros / 3.6e9)}:${pad((micros / 6e7) % 60)}:${pad((micros / 1e6) % 60)}.${pad(micros % 1e6, 6)}`;
}

/**
 * mesos-ps's rows: the active tasks of the active frameworks, grouped by agent; the statistics
 * of the task's executor (a command task's executor id is its task id) when its agent answered.
 */
export function psRows(state: MasterStateJson, statistics: ReadonlyMap<string, readonly ExecutorStatistics[] | undefined>): PsRow[] {
  const rows: PsRow[] = [];
  for (const agent of state.slaves ?? []) {
    const stats = statistics.get(agent.id);
    for (const framework of state.frameworks ?? []) {
      for (const task of framework.tasks ?? []) {
        if (task.slave_id !== agent.id) continue;
        const executorId = task.executor_id || task.id;
        const s = stats?.find((e) => e.framework_id === framework.id && e.executor_id === executorId)?.statistics;
        rows.push({
          user: framework.user,
          framework: framework.name,
          task: task.name,
          agent: agent.hostname,
          mem:
            s?.mem_rss_bytes !== undefined && s.mem_limit_bytes !== undefined
              ? `${dataSize(s.mem_rss_bytes)}/${dataSize(s.mem_limit_bytes)}`
              : undefined,
          time:
            s?.cpus_user_time_secs !== undefined && s.cpus_system_time_secs !== undefined
              ? cpuTime(s.cpus_user_time_secs + s.cpus_system_time_secs)
              : undefined,
          cpus: s?.cpus_limit !== undefined ? String(s.cpus_limit) : undefined,
        });
      }
    }
  }
  return rows;
}

/** Agents with active tasks: the ones mesos-ps asks for statistics. */
export function agentsWithTasks(state: MasterStateJson): AgentJson[] {
  const busy = new Set((state.frameworks ?? []).flatMap((f) => (f.tasks ?? []).map((t) => t.slave_id)));
  return (state.slaves ?? []).filter((a) => busy.has(a.id));
}

export type TaskLookup = { ok: true; found: FoundTask } | { ok: false; error: string };

/**
 * The task a `mesos cat/tail/ls` names: its id matched exactly, in `frameworkId` when given. A
 * framework's active copy of the id wins over completed ones; the same id in two frameworks is
 * ambiguous, and the error lists them.
 */
export function locateTask(state: MasterStateJson, taskId: string, frameworkId?: string): TaskLookup {
  const byFramework = new Map<string, FoundTask>();
  for (const found of allTasks(state)) {
    if (found.task.id !== taskId) continue;
    // allTasks lists a framework's active tasks before its completed ones.
    if (!byFramework.has(found.framework.id)) byFramework.set(found.framework.id, found);
  }
  const candidates = [...byFramework.values()];
  if (frameworkId !== undefined) {
    const match = byFramework.get(frameworkId);
    if (match) return { ok: true, found: match };
    if (!frameworksOf(state).some((f) => f.id === frameworkId)) {
      return { ok: false, error: `no framework '${frameworkId}' is known to the master; see 'mesos framework list --all'` };
    }
    const elsewhere = candidates.length > 0 ? `; it is in framework ${candidates.map((c) => `'${c.framework.id}'`).join(', ')}` : '';
    return { ok: false, error: `no task '${taskId}' in framework '${frameworkId}'${elsewhere}` };
  }
  if (candidates.length === 0)
    return { ok: false, error: `no task '${taskId}' is known to the master; see 'mesos task list --all' for task IDs` };
  if (candidates.length > 1) {
    const list = candidates.map((c) => `${c.framework.id} (${taskState(c.task)})`).join(', ');
    return { ok: false, error: `task ID '${taskId}' is ambiguous: it is in frameworks ${list}; pass --framework=ID` };
  }
  return { ok: true, found: candidates[0]! };
}

/** Where to reach an agent: its pid's address (slave(1)@ip:port), else hostname and port. */
export function agentEndpoint(agent: Pick<AgentJson, 'pid' | 'hostname' | 'port'>): Endpoint {
  const m = /@(\[[^\]]+\]|[^@]+):(\d+)$/.exec(agent.pid ?? '');
  if (m) return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  return { host: agent.hostname, port: agent.port ?? 5051 };
}

/** A path inside a sandbox: `rel` joined to `dir` (no leading slash, no '..' leading out). */
export function sandboxPath(dir: string, rel: string): string | undefined {
  const parts: string[] = [];
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? dir : `${dir.replace(/\/+$/, '')}/${parts.join('/')}`;
}

/**
 * Where the last `n` lines of a file begin, given its bytes from `start` to its end: undefined
 * when those bytes do not hold all of them (read further back), a final newline ending the last
 * line rather than starting another.
 */
export function lastLinesOffset(tail: Uint8Array, start: number, n: number): number | undefined {
  if (n === 0) return start + tail.length;
  let end = tail.length;
  if (end > 0 && tail[end - 1] === 0x0a) end--;
  let seen = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (tail[i] === 0x0a && ++seen === n) return start + i + 1;
  }
  return start === 0 ? 0 : undefined;
}

/** `mesos ls` rows: mode, links, user, group, size, modification time (UTC) and name. */
export function lsRows(entries: readonly FileEntryJson[]): string[][] {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => [
      e.mode,
      String(e.nlink),
      e.uid,
      e.gid,
      String(e.size),
      new Date(e.mtime * 1000).toISOString().slice(0, 16).replace('T', ' '),
      e.path.slice(e.path.lastIndexOf('/') + 1),
    ]);
}

/** The columns of lsRows aligned on the right. */
export const LS_NUMERIC_COLUMNS: ReadonlySet<number> = new Set([1, 4]);

/** A v1 ContainerID as KILL_CONTAINER takes it. */
export interface ContainerIdJson {
  value: string;
  parent?: ContainerIdJson;
}

/**
 * The container `mesos task kill` sends KILL_CONTAINER to, from the task's agent's /state: a
 * command task's executor container (its own), a task group task's nested container (its id
 * under its executor's container, as the agent's GET_CONTAINERS lists it), or a custom
 * executor's container when the task is the only one it runs; killing a container another live
 * task shares would end that task too, so it is refused.
 */
export function killContainerOf(
  agent: AgentStateJson,
  frameworkId: string,
  taskId: string,
): { ok: true; containerId: ContainerIdJson } | { ok: false; error: string } {
  const executors = (agent.frameworks ?? []).filter((f) => f.id === frameworkId).flatMap((f) => f.executors ?? []);
  const live = (ex: ExecutorJson) => [...(ex.tasks ?? []), ...(ex.queued_tasks ?? [])].map((t) => t.id);
  const ex = executors.find((e) => live(e).includes(taskId));
  if (ex === undefined)
    return {
      ok: false,
      error: `its /state lists no live task '${taskId}': it has just ended, or under --acls the principal may not view it (view_tasks)`,
    };
  if (ex.type === 'DEFAULT') return { ok: true, containerId: { value: taskId, parent: { value: ex.container } } };
  const others = live(ex).filter((id) => id !== taskId);
  if (others.length > 0) {
    return {
      ok: false,
      error: `task '${taskId}' shares the container of executor '${ex.id}' with ${others.map((id) => `'${id}'`).join(', ')}, which a kill would end too; ask its framework to kill it`,
    };
  }
  return { ok: true, containerId: { value: ex.container } };
}
