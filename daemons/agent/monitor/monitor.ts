// The agent's resource monitor: the usage of each executor run, as Mesos's Slave::usage gathers
// it for /monitor/statistics and /containers: from /proc (Mesos's posix/cpu, posix/mem), and from
// the containers' cgroups where cgroups isolation gives them (what cgroups count wins).
//
//   agent records --monitoredExecutors--> executors, their containers, resources
//   containerizers --pids--> first process of each running container (supervisor LIST, docker inspect)
//   /proc scan (shared by requests within SAMPLE_MAX_AGE_MS) --> process index
//   --> per executor: processes of its containers summed (proc-stat.ts) + limits (limits.ts)
//
// A scan reads every process's stat file, so it is shared: requests that arrive while one runs,
// or soon after, use its result (Mesos rate-limits /monitor/statistics to 2 a second instead).
import os from 'node:os';
import { type ContainerID, type mesos, type Resource, isTerminalState } from '../../common/mesos.ts';
import { type ContainerizerName, containerizerFor } from '../containerizer/containerizer.ts';
import type { ExecutorKind, ExecutorRecord } from '../records.ts';
import { COMMAND_EXECUTOR_RESOURCES, type ContainerLimits, type LimitedTask, containerLimits } from './limits.ts';
import { type ProcStat, type ProcessIndex, type ProcessUsage, containerProcesses, indexProcesses, sumUsage } from './proc-stat.ts';
import type { SystemConstants } from './proc-scan.ts';
import type { CgroupUsage } from '../isolation/usage.ts';

/** How old a /proc scan may be and still answer a request. */
export const SAMPLE_MAX_AGE_MS = 500;

/** An executor run as the monitor sees it. */
export interface MonitoredExecutor {
  frameworkId: string;
  executorId: string;
  name: string;
  source: string;
  /** The executor's container (for a task group, the run; its tasks' containers hold the processes). */
  containerId: string;
  kind: ExecutorKind;
  containerizer: ContainerizerName;
  /** The containers whose processes are the executor's usage. */
  containers: string[];
  executorResources: readonly Resource[];
  /** Tasks not ended yet: their resources count, and while one is still starting the run has limits but no processes. */
  tasks: LimitedTask[];
}

/** ResourceStatistics with the fields this agent fills, in Mesos's JSON names. */
export type ResourceStatistics = { timestamp: number } & Partial<ProcessUsage> & CgroupUsage & ContainerLimits;

/** ContainerStatus as Mesos's containerizers report it: its container id, and the executor's pid when there is one. */
export type ContainerStatus = Pick<mesos.v1.ContainerStatus, 'executor_pid'> & { container_id: ContainerID };

export interface ExecutorUsage {
  executor: MonitoredExecutor;
  /** Absent when its container is gone (Mesos leaves such runs out of /monitor/statistics). */
  statistics?: ResourceStatistics;
  status?: ContainerStatus;
}

/** The executor runs of the agent's frameworks that have not completed. */
export function monitoredExecutors(
  frameworks: Iterable<{ id: string; executors: ReadonlyMap<string, ExecutorRecord> }>,
): MonitoredExecutor[] {
  const out: MonitoredExecutor[] = [];
  for (const fw of frameworks) {
    for (const ex of fw.executors.values()) {
      const all = [...ex.tasks.values()];
      const live = all.filter((t) => !isTerminalState(t.state));
      const first = all[0] ?? ex.completedTasks[0];
      const containerizer = ex.kind === 'COMMAND' && first ? containerizerFor(first.info) : 'mesos';
      out.push({
        frameworkId: fw.id,
        executorId: ex.id,
        name: ex.info.name ?? '',
        source: typeof ex.info.source === 'string' ? ex.info.source : '',
        containerId: ex.containerId,
        kind: ex.kind,
        containerizer,
        containers: ex.kind === 'DEFAULT' ? all.map((t) => t.containerId) : [ex.containerId],
        executorResources: ex.kind === 'COMMAND' ? COMMAND_EXECUTOR_RESOURCES : (ex.info.resources ?? []),
        tasks: live.map((t) => ({ resources: t.info.resources ?? [], limits: t.info.limits })),
      });
    }
  }
  return out;
}

/** Usage of the containers at `pids` (first processes), from one scan's index. */
function statisticsOf(
  ex: MonitoredExecutor,
  roots: number[],
  sample: Sample,
  host: { cpus: number; memBytes: number },
  cgroups: CgroupUsage | undefined,
): ResourceStatistics {
  const procUsage = roots.length > 0 ? sumUsage(containerProcesses(sample.index, roots), sample.system) : undefined;
  const usage = procUsage && cgroups ? { ...procUsage, ...cgroups } : procUsage;
  const limits = containerLimits({ executorResources: ex.executorResources, tasks: ex.tasks, containerizer: ex.containerizer, host });
  // In ResourceStatistics's field order, as Mesos's JSON has them.
  const s: ResourceStatistics = { timestamp: sample.at / 1000 };
  if (usage) {
    s.cpus_user_time_secs = usage.cpus_user_time_secs;
    s.cpus_system_time_secs = usage.cpus_system_time_secs;
  }
  if (limits.cpus_limit !== undefined) s.cpus_limit = limits.cpus_limit;
  if (cgroups?.cpus_nr_periods !== undefined) s.cpus_nr_periods = cgroups.cpus_nr_periods;
  if (cgroups?.cpus_nr_throttled !== undefined) s.cpus_nr_throttled = cgroups.cpus_nr_throttled;
  if (cgroups?.cpus_throttled_time_secs !== undefined) s.cpus_throttled_time_secs = cgroups.cpus_throttled_time_secs;
  if (cgroups?.mem_total_bytes !== undefined) s.mem_total_bytes = cgroups.mem_total_bytes;
  if (cgroups?.mem_cache_bytes !== undefined) s.mem_cache_bytes = cgroups.mem_cache_bytes;
  if (usage) s.mem_rss_bytes = usage.mem_rss_bytes;
  if (limits.mem_limit_bytes !== undefined) s.mem_limit_bytes = limits.mem_limit_bytes;
  if (usage) {
    s.processes = usage.processes;
    s.threads = usage.threads;
  }
  if (limits.mem_soft_limit_bytes !== undefined) s.mem_soft_limit_bytes = limits.mem_soft_limit_bytes;
  if (limits.cpus_soft_limit !== undefined) s.cpus_soft_limit = limits.cpus_soft_limit;
  return s;
}

interface Sample {
  /** When the scan started (ms since the epoch). */
  at: number;
  index: ProcessIndex;
  system: SystemConstants;
}

export interface MonitorDeps {
  executors: () => MonitoredExecutor[];
  /** First process of each given container that runs, by containerizer. */
  pids: (containerizer: ContainerizerName, containerIds: string[]) => Promise<Map<string, number>>;
  scan: () => Promise<ProcStat[]>;
  system: () => Promise<SystemConstants>;
  host?: { cpus: number; memBytes: number };
  now?: () => number;
  /** Usage from a Mesos-containerizer container's cgroups, when it is isolated with cgroups. */
  cgroupUsage?: (containerId: string) => CgroupUsage | undefined;
}

export class ResourceMonitor {
  private last?: Sample;
  private pending?: Promise<Sample>;
  private pendingAt = 0;
  private readonly now: () => number;
  private readonly host: { cpus: number; memBytes: number };

  constructor(private readonly deps: MonitorDeps) {
    this.now = deps.now ?? Date.now;
    this.host = deps.host ?? { cpus: os.cpus().length, memBytes: os.totalmem() };
  }

  /**
   * A /proc scan no older than SAMPLE_MAX_AGE_MS and started no earlier than `notBefore`: the
   * last one, the one running, or a new one (one at a time).
   */
  private sample(notBefore = Number.NEGATIVE_INFINITY): Promise<Sample> {
    const last = this.last;
    if (last && last.at >= notBefore && this.now() - last.at <= SAMPLE_MAX_AGE_MS) return Promise.resolve(last);
    if (this.pending) return this.pendingAt >= notBefore ? this.pending : this.pending.then(() => this.sample(notBefore));
    const at = this.now();
    this.pendingAt = at;
    this.pending = (async () => {
      const [procs, system] = await Promise.all([this.deps.scan(), this.deps.system()]);
      const sample = { at, index: indexProcesses(procs), system };
      this.last = sample;
      return sample;
    })().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Usage of the executor runs `select` picks (all by default). */
  async usage(select: (ex: MonitoredExecutor) => boolean = () => true): Promise<ExecutorUsage[]> {
    const asked = this.now();
    const executors = this.deps.executors().filter(select);
    const wanted = new Map<ContainerizerName, string[]>();
    for (const ex of executors) wanted.set(ex.containerizer, [...(wanted.get(ex.containerizer) ?? []), ...ex.containers]);
    const [pids, shared] = await Promise.all([this.pidsOf(wanted), this.sample()]);
    let sample = shared;
    // A process that started after a shared scan is not in it: scan again rather than report none.
    if (sample.at < asked && [...pids.values()].some((pid) => !sample.index.byPid.has(pid))) sample = await this.sample(asked);
    return executors.map((ex) => {
      const roots = ex.containers.map((c) => pids.get(c)).filter((p): p is number => p !== undefined);
      if (roots.length === 0 && ex.tasks.length === 0) return { executor: ex };
      const status: ContainerStatus = { container_id: { value: ex.containerId } };
      // The Mesos containerizer's launcher reports the executor's pid; ours has one process to
      // show for a command task or custom executor (none for a task group, none under Docker).
      if (ex.containerizer === 'mesos' && ex.kind !== 'DEFAULT' && roots.length === 1) status.executor_pid = roots[0]!;
      const cgroups = ex.containerizer === 'mesos' ? this.cgroupsOf(ex.containers) : undefined;
      return { executor: ex, statistics: statisticsOf(ex, roots, sample, this.host, cgroups), status };
    });
  }

  /** The containers' cgroup usage summed (a task group's tasks each have theirs), or undefined without cgroups. */
  private cgroupsOf(containers: readonly string[]): CgroupUsage | undefined {
    const read = this.deps.cgroupUsage;
    if (!read) return undefined;
    let sum: CgroupUsage | undefined;
    for (const c of containers) {
      const u = read(c);
      if (!u) continue;
      sum ??= {};
      for (const [k, v] of Object.entries(u) as [keyof CgroupUsage, number][]) sum[k] = (sum[k] ?? 0) + v;
    }
    return sum;
  }

  private async pidsOf(wanted: Map<ContainerizerName, string[]>): Promise<Map<string, number>> {
    const all = new Map<string, number>();
    const found = await Promise.all([...wanted].map(([name, ids]) => this.deps.pids(name, ids).catch(() => new Map<string, number>())));
    for (const m of found) for (const [id, pid] of m) all.set(id, pid);
    return all;
  }
}
