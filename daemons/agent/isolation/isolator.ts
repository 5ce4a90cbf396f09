// The cgroups isolators of the Mesos containerizer (cgroups/cpu, cgroups/mem, cgroups/pids) as one
// object, as Mesos's cgroups isolator drives its subsystems:
//   prepare   container's cgroups made and limited before its process exists (the supervisor
//             starts it inside them, supervisor.ts)
//   watch     OOM kills noticed while it runs (polled: Node has no eventfd) -> the container is
//             killed, as Mesos destroys it on its OOM event
//   limitation on its exit: the kernel's OOM killer acted (or, where it is off, the container
//             waits in OOM) -> REASON_CONTAINER_LIMITATION_MEMORY
//   update    a custom executor's tasks changed: its limits follow
//   usage     statistics from its cgroups
//   cleanup   what is left in them killed, the cgroups removed
//   recover   after an agent restart: running containers watched again, cgroups no container
//             owns (orphans) emptied and removed
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ContainerLimitation } from '../records.ts';
import type { CgroupTree } from './cgroups.ts';
import type { ControlOptions } from './controls.ts';
import { containerControls } from './controls.ts';
import type { Isolation } from './isolators.ts';
import type { ContainerResources } from '../monitor/limits.ts';
import { type CgroupUsage, memoryLimitMessage, outOfMemory, usageV1, usageV2 } from './usage.ts';

/** How often running containers' OOM counters are read. */
export const OOM_POLL_MS = 250;

export interface IsolatorOptions extends ControlOptions {
  /** --cgroups_destroy_timeout, in ms. */
  destroyTimeoutMs: number;
  ticksPerSecond: number;
}

export class CgroupsIsolator {
  private readonly watched = new Set<string>();
  private readonly limitations = new Map<string, ContainerLimitation>();
  private timer?: NodeJS.Timeout;
  private warnedOldSupervisor = false;
  /** Kills a container whose limit was exceeded (the containerizer's kill, no grace). */
  onLimitation: (containerId: string) => void = () => {};

  constructor(
    readonly tree: CgroupTree,
    readonly isolation: Isolation,
    private readonly opts: IsolatorOptions,
    readonly log: Logger,
  ) {}

  /** --cgroups_enable_cfs: limits take in the cpus of tasks without one (Slave::computeExecutorLimits). */
  get cfs(): boolean {
    return this.opts.enableCfs;
  }

  /** Makes the container's cgroups with its limits; returns the directories its process joins. */
  prepare(containerId: string, resources: ContainerResources): string[] {
    const writes = containerControls(this.tree.hierarchy.version, this.isolation, resources, this.opts);
    this.tree.create(containerId, writes);
    this.log.info(
      `Container ${containerId}: ${writes.map((w) => `${w.file}=${w.value}`).join(', ') || 'no limits'} in ${this.tree.dirs(containerId).join(', ')}`,
    );
    return this.tree.dirs(containerId);
  }

  /**
   * New requests and limits for a running container (a custom executor took or ended tasks), as
   * Mesos's update(): shares, quota and soft limit follow; the hard memory limit only grows, as
   * lowering it under what is in use would OOM the container.
   */
  update(containerId: string, resources: ContainerResources): void {
    if (!this.tree.exists(containerId)) return;
    const writes = containerControls(this.tree.hierarchy.version, this.isolation, resources, this.opts).filter((w) => {
      const hard = w.file === 'memory.limit_in_bytes' || w.file === 'memory.memsw.limit_in_bytes' || w.file === 'memory.max';
      if (!hard) return w.file !== 'memory.oom_control';
      const now = this.tree.read(containerId, 'memory', w.file)?.trim();
      const grow = (v: string) => (v === '-1' || v === 'max' ? Number.POSITIVE_INFINITY : Number(v));
      return now === undefined || grow(w.value) > grow(now);
    });
    // memsw must stay >= limit_in_bytes: when both grow, memsw goes first.
    writes.sort((a, b) => Number(b.file === 'memory.memsw.limit_in_bytes') - Number(a.file === 'memory.memsw.limit_in_bytes'));
    this.tree.create(containerId, writes);
    this.log.info(`Container ${containerId} updated: ${writes.map((w) => `${w.file}=${w.value}`).join(', ') || 'nothing to change'}`);
  }

  /**
   * Checks that the container's first process started inside its cgroups. A task supervisor
   * started by an older agent (it outlives agent upgrades) ignores the cgroups it is given: its
   * task is then moved in after it started, and the operator is told once how to close that gap.
   */
  ensureInside(containerId: string, pid: number): void {
    let own: string;
    try {
      own = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      return; // gone already: its exit tells the rest
    }
    const inside = own.split('\n').some((l) => l.endsWith(`/${this.tree.cgroupsRoot}/${containerId}`));
    if (inside) return;
    for (const d of this.tree.dirs(containerId)) {
      try {
        writeFileSync(path.join(d, 'cgroup.procs'), String(pid));
      } catch (err) {
        this.log.warn(`Cannot move process ${pid} of container ${containerId} into ${d}: ${(err as Error).message}`);
      }
    }
    if (!this.warnedOldSupervisor) {
      this.warnedOldSupervisor = true;
      this.log.warn(
        'The task supervisor predates cgroups isolation: tasks are moved into their cgroups just after they start. Stop the agent with its tasks (or wait for them to end) so that a new supervisor starts them inside',
      );
    }
  }

  /** Follows a running container for OOM kills. */
  watch(containerId: string): void {
    if (this.isolation.mem !== 'cgroups') return;
    this.watched.add(containerId);
    this.timer ??= setInterval(() => this.poll(), OOM_POLL_MS);
    this.timer.unref();
  }

  private poll(): void {
    for (const id of this.watched) {
      if (!this.limitation(id)) continue;
      this.watched.delete(id);
      this.log.warn(`Container ${id} exceeded its memory limit; killing it`);
      this.onLimitation(id);
    }
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The limit the container ran into, read from its memory cgroup (kept once seen). */
  limitation(containerId: string): ContainerLimitation | undefined {
    const known = this.limitations.get(containerId);
    if (known || this.isolation.mem !== 'cgroups') return known;
    const v1 = this.tree.hierarchy.version === 1;
    const events = this.tree.read(containerId, 'memory', v1 ? 'memory.oom_control' : 'memory.events');
    if (events === undefined || !outOfMemory(events)) return undefined;
    const num = (file: string) => {
      const t = this.tree.read(containerId, 'memory', file)?.trim();
      return t === undefined || t === 'max' || t === '' ? undefined : Number(t);
    };
    const limit = num(v1 ? 'memory.limit_in_bytes' : 'memory.max');
    const peak = v1 ? num('memory.max_usage_in_bytes') : (num('memory.peak') ?? num('memory.current'));
    const message = memoryLimitMessage(limit, peak, this.tree.read(containerId, 'memory', 'memory.stat'));
    const l: ContainerLimitation = { reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message };
    this.limitations.set(containerId, l);
    return l;
  }

  /** Usage from the container's cgroups, or undefined when it has none. */
  usage(containerId: string): CgroupUsage | undefined {
    if (!this.tree.exists(containerId)) return undefined;
    const t = this.tree;
    const cpu = this.isolation.cpu === 'cgroups';
    const mem = this.isolation.mem === 'cgroups';
    const pids = this.isolation.pids;
    if (t.hierarchy.version === 1) {
      return usageV1(
        {
          ...opt('cpuacctStat', cpu ? t.read(containerId, 'cpuacct', 'cpuacct.stat') : undefined),
          ...opt('cpuStat', cpu ? t.read(containerId, 'cpu', 'cpu.stat') : undefined),
          ...opt('memoryUsage', mem ? t.read(containerId, 'memory', 'memory.usage_in_bytes') : undefined),
          ...opt('memoryStat', mem ? t.read(containerId, 'memory', 'memory.stat') : undefined),
          ...opt('procs', pids ? t.read(containerId, 'pids', 'cgroup.procs') : undefined),
          ...opt('pidsCurrent', pids ? t.read(containerId, 'pids', 'pids.current') : undefined),
        },
        this.opts.ticksPerSecond,
      );
    }
    return usageV2({
      ...opt('cpuStat', cpu ? t.read(containerId, 'cpu', 'cpu.stat') : undefined),
      ...opt('memoryUsage', mem ? t.read(containerId, 'memory', 'memory.current') : undefined),
      ...opt('memoryStat', mem ? t.read(containerId, 'memory', 'memory.stat') : undefined),
      ...opt('procs', pids ? t.read(containerId, 'pids', 'cgroup.procs') : undefined),
      ...opt('pidsCurrent', pids ? t.read(containerId, 'pids', 'pids.current') : undefined),
    });
  }

  /** Kills what is left in the container's cgroups (its first process has ended or been killed). */
  async killLeftovers(containerId: string): Promise<void> {
    this.watched.delete(containerId);
    for (const pid of this.tree.pids(containerId)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Removes the container's cgroups, killing what is still in them. */
  async cleanup(containerId: string): Promise<void> {
    this.watched.delete(containerId);
    this.limitations.delete(containerId);
    if (!this.tree.exists(containerId)) return;
    const done = await this.tree.destroy(containerId, this.opts.destroyTimeoutMs).catch((err: unknown) => {
      this.log.warn(`Cannot remove the cgroups of container ${containerId}: ${(err as Error).message}`);
      return true;
    });
    if (!done) this.log.warn(`Processes of container ${containerId} outlived --cgroups_destroy_timeout; its cgroups stay`);
  }

  /**
   * After an agent restart: containers still running are watched again (their cgroups kept their
   * limits); cgroups under --cgroups_root that no known container owns are orphans and go.
   */
  async recover(running: readonly string[], known: ReadonlySet<string>): Promise<string[]> {
    for (const id of running) if (this.tree.exists(id)) this.watch(id);
    const orphans = this.tree.list().filter((id) => !known.has(id));
    for (const id of orphans) await this.cleanup(id);
    return orphans;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
