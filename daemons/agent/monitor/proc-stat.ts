// What /proc says about processes, parsed (no I/O here; proc-scan.ts reads the files): one line
// of /proc/<pid>/stat per process, the auxiliary vector for the page size and clock tick, and a
// container's usage summed over its processes, as Mesos's posix isolators sum a process tree
// (src/usage/usage.cpp).

/** The fields of /proc/<pid>/stat the monitor uses (proc(5) numbers them from 1). */
export interface ProcStat {
  pid: number;
  /** Field 3: R, S, D, Z, ... */
  state: string;
  ppid: number;
  /** Field 6: the session; a task's first process leads its own (the supervisor starts it with setsid). */
  session: number;
  /** Fields 14-17 in clock ticks: own user and system time, and that of its children it reaped. */
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  /** Field 20. */
  threads: number;
  /** Field 24, in pages. */
  rssPages: number;
}

/**
 * Parses one /proc/<pid>/stat line; undefined when it is not one. The command name (field 2)
 * is in parentheses and may itself hold spaces and parentheses, so fields are counted from the
 * last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  if (!Number.isInteger(pid) || rest.length < 22) return undefined;
  const n = (field: number) => Number(rest[field - 3]);
  const stat: ProcStat = {
    pid,
    state: rest[0]!,
    ppid: n(4),
    session: n(6),
    utime: n(14),
    stime: n(15),
    cutime: n(16),
    cstime: n(17),
    threads: n(20),
    rssPages: n(24),
  };
  for (const v of Object.values(stat)) if (typeof v === 'number' && !Number.isFinite(v)) return undefined;
  return stat;
}

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * The page size and clock tick (USER_HZ) from the kernel's auxiliary vector of this process
 * (/proc/self/auxv: pairs of native words, ending with AT_NULL), which Node does not expose
 * otherwise. Missing entries fall back to Linux's usual 4096 bytes and 100 ticks a second.
 */
export function parseAuxv(buf: Buffer, wordBytes = 8): { pageSize: number; ticksPerSecond: number } {
  const out = { pageSize: 4096, ticksPerSecond: 100 };
  const word = (at: number) => (wordBytes === 8 ? Number(buf.readBigUInt64LE(at)) : buf.readUInt32LE(at));
  for (let at = 0; at + 2 * wordBytes <= buf.length; at += 2 * wordBytes) {
    const type = word(at);
    const value = word(at + wordBytes);
    if (type === 0) break;
    if (type === AT_PAGESZ && value > 0) out.pageSize = value;
    if (type === AT_CLKTCK && value > 0) out.ticksPerSecond = value;
  }
  return out;
}

/** Processes by parent pid and by session, built once per scan for every container's lookups. */
export interface ProcessIndex {
  byPid: Map<number, ProcStat>;
  children: Map<number, ProcStat[]>;
  sessions: Map<number, ProcStat[]>;
}

export function indexProcesses(procs: Iterable<ProcStat>): ProcessIndex {
  const index: ProcessIndex = { byPid: new Map(), children: new Map(), sessions: new Map() };
  const push = (m: Map<number, ProcStat[]>, key: number, p: ProcStat) => {
    const list = m.get(key);
    if (list) list.push(p);
    else m.set(key, [p]);
  };
  for (const p of procs) {
    index.byPid.set(p.pid, p);
    push(index.children, p.ppid, p);
    push(index.sessions, p.session, p);
  }
  return index;
}

/**
 * The processes of containers whose first processes are `roots`: those and their descendants,
 * as Mesos's posix isolators walk the process tree, plus whatever stayed in a root's session
 * after its parent died (a background job re-parented to init is still the task's, and is
 * killed with it). Each process is counted once.
 */
export function containerProcesses(index: ProcessIndex, roots: readonly number[]): ProcStat[] {
  const seen = new Set<number>();
  const out: ProcStat[] = [];
  const queue: ProcStat[] = [];
  const add = (p: ProcStat | undefined) => {
    if (!p || seen.has(p.pid)) return;
    seen.add(p.pid);
    out.push(p);
    queue.push(p);
  };
  for (const root of roots) {
    add(index.byPid.get(root));
    // Only a root that leads its session speaks for the session (a Docker container's first
    // process need not).
    if (index.byPid.get(root)?.session === root) for (const p of index.sessions.get(root) ?? []) add(p);
  }
  while (queue.length > 0) for (const child of index.children.get(queue.pop()!.pid) ?? []) add(child);
  return out;
}

/** The ResourceStatistics fields /proc gives, summed over a container's processes. */
export interface ProcessUsage {
  processes: number;
  threads: number;
  cpus_user_time_secs: number;
  cpus_system_time_secs: number;
  mem_rss_bytes: number;
}

/**
 * Sums usage over processes. CPU times include what each process's reaped children used
 * (cutime, cstime): Mesos's posix isolators count living processes only, so their totals drop
 * whenever a child exits, and a rate computed from two samples (the web UI's CPU column) goes
 * negative; the cgroups cpuacct controller counts everything that ran in a container, like this.
 */
export function sumUsage(procs: readonly ProcStat[], sys: { pageSize: number; ticksPerSecond: number }): ProcessUsage {
  let threads = 0;
  let user = 0;
  let system = 0;
  let rss = 0;
  for (const p of procs) {
    threads += p.threads;
    user += p.utime + p.cutime;
    system += p.stime + p.cstime;
    rss += p.rssPages;
  }
  return {
    processes: procs.length,
    threads,
    cpus_user_time_secs: user / sys.ticksPerSecond,
    cpus_system_time_secs: system / sys.ticksPerSecond,
    mem_rss_bytes: rss * sys.pageSize,
  };
}
