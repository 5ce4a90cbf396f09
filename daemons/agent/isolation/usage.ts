// A container's usage and OOM state read from its cgroups' files (pure: text in, numbers out),
// in Mesos's ResourceStatistics names as its cgroups subsystems report them:
//   cpuacct.stat (user, system in clock ticks)      v2 cpu.stat user_usec, system_usec
//   cpu.stat nr_periods, nr_throttled, throttled_time (ns)   v2 ... throttled_usec
//   memory.usage_in_bytes, memory.stat total_rss, total_cache   v2 memory.current, memory.stat anon, file
//   pids: cgroup.procs lines (processes), pids.current (threads: the controller counts tasks)
//   OOM: memory.oom_control oom_kill (kernel 4.13+)  v2 memory.events oom_kill
export interface CgroupUsage {
  processes?: number;
  threads?: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  cpus_nr_periods?: number;
  cpus_nr_throttled?: number;
  cpus_throttled_time_secs?: number;
  mem_total_bytes?: number;
  mem_cache_bytes?: number;
  mem_rss_bytes?: number;
}

/** "key value" lines (cpu.stat, memory.stat, cpuacct.stat, memory.events, oom_control). */
export function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** The files a reading used, by name; absent when that controller is not isolated or the file is unreadable. */
export interface UsageFiles {
  cpuacctStat?: string;
  cpuStat?: string;
  memoryUsage?: string;
  memoryStat?: string;
  procs?: string;
  pidsCurrent?: string;
}

function set(out: CgroupUsage, key: keyof CgroupUsage, v: number | undefined): void {
  if (v !== undefined && Number.isFinite(v)) out[key] = v;
}

/** Usage from cgroup v1 files; `ticksPerSecond` is the USER_HZ cpuacct.stat counts in. */
export function usageV1(f: UsageFiles, ticksPerSecond: number): CgroupUsage {
  const out: CgroupUsage = {};
  countProcesses(out, f);
  if (f.cpuacctStat !== undefined) {
    const s = keyValues(f.cpuacctStat);
    set(out, 'cpus_user_time_secs', divide(s.get('user'), ticksPerSecond));
    set(out, 'cpus_system_time_secs', divide(s.get('system'), ticksPerSecond));
  }
  if (f.cpuStat !== undefined) {
    const s = keyValues(f.cpuStat);
    set(out, 'cpus_nr_periods', s.get('nr_periods'));
    set(out, 'cpus_nr_throttled', s.get('nr_throttled'));
    set(out, 'cpus_throttled_time_secs', divide(s.get('throttled_time'), 1e9));
  }
  if (f.memoryUsage !== undefined) set(out, 'mem_total_bytes', Number(f.memoryUsage.trim()));
  if (f.memoryStat !== undefined) {
    const s = keyValues(f.memoryStat);
    set(out, 'mem_cache_bytes', s.get('total_cache'));
    set(out, 'mem_rss_bytes', s.get('total_rss'));
  }
  return out;
}

/** Usage from cgroup v2 files (cpu.stat holds the times; memory.current the total). */
export function usageV2(f: UsageFiles): CgroupUsage {
  const out: CgroupUsage = {};
  countProcesses(out, f);
  if (f.cpuStat !== undefined) {
    const s = keyValues(f.cpuStat);
    set(out, 'cpus_user_time_secs', divide(s.get('user_usec'), 1e6));
    set(out, 'cpus_system_time_secs', divide(s.get('system_usec'), 1e6));
    set(out, 'cpus_nr_periods', s.get('nr_periods'));
    set(out, 'cpus_nr_throttled', s.get('nr_throttled'));
    set(out, 'cpus_throttled_time_secs', divide(s.get('throttled_usec'), 1e6));
  }
  if (f.memoryUsage !== undefined) set(out, 'mem_total_bytes', Number(f.memoryUsage.trim()));
  if (f.memoryStat !== undefined) {
    const s = keyValues(f.memoryStat);
    set(out, 'mem_cache_bytes', s.get('file'));
    set(out, 'mem_rss_bytes', s.get('anon'));
  }
  return out;
}

function countProcesses(out: CgroupUsage, f: UsageFiles): void {
  if (f.procs !== undefined) out.processes = f.procs.split('\n').filter((l) => l.trim() !== '').length;
  if (f.pidsCurrent !== undefined) set(out, 'threads', Number(f.pidsCurrent.trim()));
}

function divide(v: number | undefined, by: number): number | undefined {
  return v === undefined ? undefined : v / by;
}

/** How many times the kernel's OOM killer killed in the cgroup (memory.oom_control or memory.events). */
export function oomKills(text: string): number {
  return keyValues(text).get('oom_kill') ?? 0;
}

/**
 * Whether the cgroup ran out of memory: the OOM killer killed in it, or (its killer off, on
 * kernels without the oom_kill counter) its processes wait in OOM, `under_oom 1`.
 */
export function outOfMemory(text: string): boolean {
  return oomKills(text) > 0 || keyValues(text).get('under_oom') === 1;
}

/** Whether this kernel's v1 memory.oom_control counts OOM kills (4.13 and later). */
export function countsOomKills(rootOomControl: string): boolean {
  return keyValues(rootOomControl).has('oom_kill');
}

/** stout's Bytes as Mesos prints them: the largest unit that divides exactly ("64MB", "1536KB", "0B"). */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const) {
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

/** Mesos's message for a container its memory limit killed (MemorySubsystemProcess::oomWaited). */
export function memoryLimitMessage(
  limitBytes: number | undefined,
  maxUsedBytes: number | undefined,
  memoryStat: string | undefined,
): string {
  let m = 'Memory limit exceeded: ';
  if (limitBytes !== undefined) m += `Requested: ${formatBytes(limitBytes)} `;
  if (maxUsedBytes !== undefined) m += `Maximum Used: ${formatBytes(maxUsedBytes)}\n`;
  if (memoryStat !== undefined) m += `\nMEMORY STATISTICS: \n${memoryStat}\n`;
  return m;
}
