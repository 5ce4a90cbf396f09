// What a container's cgroups are set to (pure): the control files and values for its requests
// and limits, as Mesos 1.11's cgroups isolators write them (subsystems/cpu.cpp, memory.cpp), and
// their cgroup v2 counterparts:
//   cpu.shares        1024 per cpu, at least 2            v2 cpu.weight, systemd's mapping of shares
//   cpu.cfs_*         with a cpus limit or --cgroups_enable_cfs: period 100ms, quota = cpus x period
//                     (at least 1ms; -1 for an infinite limit)          v2 cpu.max "<quota> <period>"
//   memory.soft_limit_in_bytes = the mem request (at least 32MB)        v2 memory.low
//   memory.limit_in_bytes      = the mem limit, else the request (-1: infinite)   v2 memory.max
//   memory.memsw.limit_in_bytes the same, with --cgroups_limit_swap     v2 memory.swap.max 0
//   memory.oom_control 1 (OOM killer off) on kernels that do not count OOM kills (oomKillerOff)
import type { ContainerResources } from '../monitor/limits.ts';
import type { Controller, Isolation } from './isolators.ts';

export interface ControlWrite {
  controller: Controller;
  file: string;
  value: string;
}

export interface ControlOptions {
  enableCfs: boolean;
  limitSwap: boolean;
  /**
   * v1 on kernels without memory.oom_control's oom_kill counter (before 4.13, CentOS 7): the OOM
   * killer is switched off in container cgroups, so that a container at its limit waits
   * (`under_oom 1`) for the agent to see it and kill it whole, instead of losing a process
   * unnoticed. Mesos listens on an eventfd there, which Node cannot open.
   */
  oomKillerOff?: boolean;
}

const CPU_SHARES_PER_CPU = 1024;
const MIN_CPU_SHARES = 2;
const CPU_CFS_PERIOD_US = 100_000;
const MIN_CPU_CFS_QUOTA_US = 1000;
const MIN_MEMORY = 32 * 1024 * 1024;

/** Mesos's cpu.shares for a cpus request. */
export function cpuShares(cpus: number): number {
  return Math.max(Math.trunc(CPU_SHARES_PER_CPU * cpus), MIN_CPU_SHARES);
}

/** cgroup v2's cpu.weight (1..10000) for cpu.shares (2..262144), as systemd converts CPUShares=. */
export function cpuWeight(shares: number): number {
  const clamped = Math.min(Math.max(shares, 2), 262_144);
  return 1 + Math.trunc(((clamped - 2) * 9999) / 262_142);
}

/** The CFS quota in microseconds for `cpus`, or -1 for no quota. */
function cfsQuotaUs(cpus: number): number {
  if (cpus === Number.POSITIVE_INFINITY) return -1;
  return Math.max(Math.trunc(CPU_CFS_PERIOD_US * cpus), MIN_CPU_CFS_QUOTA_US);
}

function cpuControls(version: 1 | 2, r: ContainerResources, opts: ControlOptions): ControlWrite[] {
  if (r.cpus === undefined) return [];
  const shares = cpuShares(r.cpus);
  const out: ControlWrite[] =
    version === 1
      ? [{ controller: 'cpu', file: 'cpu.shares', value: String(shares) }]
      : [{ controller: 'cpu', file: 'cpu.weight', value: String(cpuWeight(shares)) }];
  if (r.cpusLimit === undefined && !opts.enableCfs) return out;
  const quota = cfsQuotaUs(r.cpusLimit ?? r.cpus);
  if (version === 1) {
    out.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CPU_CFS_PERIOD_US) });
    out.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(quota) });
  } else {
    out.push({ controller: 'cpu', file: 'cpu.max', value: `${quota < 0 ? 'max' : quota} ${CPU_CFS_PERIOD_US}` });
  }
  return out;
}

function memControls(version: 1 | 2, r: ContainerResources, opts: ControlOptions): ControlWrite[] {
  if (r.mem === undefined) return [];
  const soft = Math.max(r.mem, MIN_MEMORY);
  const hard = r.memLimit === undefined ? soft : r.memLimit === Number.POSITIVE_INFINITY ? -1 : Math.max(r.memLimit, MIN_MEMORY);
  if (version === 1) {
    // The kernel wants limit_in_bytes <= memsw.limit_in_bytes: the first goes first (MESOS-7237).
    const out: ControlWrite[] = [
      { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(soft) },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: String(hard) },
    ];
    if (opts.limitSwap) out.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(hard) });
    if (opts.oomKillerOff) out.push({ controller: 'memory', file: 'memory.oom_control', value: '1' });
    return out;
  }
  const out: ControlWrite[] = [
    { controller: 'memory', file: 'memory.low', value: String(soft) },
    { controller: 'memory', file: 'memory.max', value: hard < 0 ? 'max' : String(hard) },
  ];
  if (opts.limitSwap) out.push({ controller: 'memory', file: 'memory.swap.max', value: '0' });
  return out;
}

/** The control files of a new container's cgroups, in the order they are written. */
export function containerControls(version: 1 | 2, iso: Isolation, r: ContainerResources, opts: ControlOptions): ControlWrite[] {
  return [...(iso.cpu === 'cgroups' ? cpuControls(version, r, opts) : []), ...(iso.mem === 'cgroups' ? memControls(version, r, opts) : [])];
}
