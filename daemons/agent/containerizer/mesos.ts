// The Mesos containerizer of this agent: a task is a process group started by the task
// supervisor (supervisor/), which outlives agent restarts and pushes exits to the agent itself.
// With cgroups isolation (../isolation/) each container also gets its cgroups: made and limited
// before the supervisor starts the process inside them, read for usage and for the limit it ran
// into, emptied and removed once the agent is done with the container.
import type { CgroupsIsolator } from '../isolation/isolator.ts';
import { launchResources } from '../isolation/resources.ts';
import type { CgroupUsage } from '../isolation/usage.ts';
import type { Resource } from '../../common/mesos.ts';
import type { TaskContext } from '../launch-spec.ts';
import { type LimitedTask, containerResources } from '../monitor/limits.ts';
import type { ContainerExit } from '../records.ts';
import type { SupervisorClient } from '../supervisor/client.ts';
import type { ContainerState } from '../supervisor/protocol.ts';
import { containerSpec } from '../launch-spec.ts';
import type { Containerizer } from './containerizer.ts';

/** Grace between SIGTERM and SIGKILL for processes no task owns. */
const ORPHAN_KILL_GRACE_MS = 3000;

export class MesosContainerizer implements Containerizer {
  constructor(
    private readonly supervisor: SupervisorClient,
    private readonly isolator?: CgroupsIsolator,
  ) {
    if (isolator) isolator.onLimitation = (id) => void this.supervisor.kill(id, 0).catch(() => undefined);
  }

  async launch(ctx: TaskContext): Promise<number> {
    const spec = containerSpec(ctx);
    if (!this.isolator) return this.supervisor.launch(spec);
    const id = ctx.containerId;
    let dirs: string[];
    try {
      dirs = this.isolator.prepare(id, launchResources(ctx, this.isolator.cfs));
    } catch (err) {
      await this.isolator.cleanup(id);
      throw new Error(`Failed to prepare the cgroups of container ${id}: ${(err as Error).message}`);
    }
    try {
      const pid = await this.supervisor.launch({ ...spec, cgroups: dirs });
      this.isolator.ensureInside(id, pid);
      this.isolator.watch(id);
      return pid;
    } catch (err) {
      await this.isolator.cleanup(id);
      throw err;
    }
  }

  kill(containerId: string, graceMs: number, signal?: NodeJS.Signals): Promise<void> {
    return this.supervisor.kill(containerId, graceMs, signal);
  }

  /** The container's end is recorded: its cgroups go with it. */
  async forget(containerId: string): Promise<void> {
    await this.supervisor.forget(containerId);
    await this.isolator?.cleanup(containerId);
  }

  /** Kills a running process (its exit record stays until it is forgotten later); forgets an ended one. */
  async destroy(containerId: string): Promise<void> {
    await this.supervisor.kill(containerId, ORPHAN_KILL_GRACE_MS).catch(() => undefined);
    await this.supervisor.forget(containerId);
    await this.isolator?.cleanup(containerId);
  }

  list(): Promise<ContainerState[]> {
    return this.supervisor.list();
  }

  /**
   * An exit as the agent must see it: with the limit its cgroups ran into, if any (read before
   * anything is removed). What the first process left in its cgroups is killed, as Mesos
   * destroys the whole container when its executor ends.
   */
  exitOf(containerId: string, exit: ContainerExit): ContainerExit {
    if (!this.isolator) return exit;
    const limitation = this.isolator.limitation(containerId);
    void this.isolator.killLeftovers(containerId);
    return limitation ? { ...exit, limitation } : exit;
  }

  /** Under cgroups isolation: the container's cgroups take the executor's and its live tasks' resources. */
  update(containerId: string, executorResources: readonly Resource[], tasks: readonly LimitedTask[]): void {
    if (!this.isolator) return;
    const resources = containerResources({ executorResources, tasks, containerizer: 'mesos', cfs: this.isolator.cfs });
    try {
      this.isolator.update(containerId, resources);
    } catch (err) {
      this.isolator.log.warn(`Cannot update the cgroups of container ${containerId}: ${(err as Error).message}`);
    }
  }

  /** Usage from the container's cgroups (undefined without cgroups isolation). */
  usage(containerId: string): CgroupUsage | undefined {
    return this.isolator?.usage(containerId);
  }

  /**
   * After a restart: running containers are watched again; cgroups of containers the supervisor
   * does not know are orphans and are removed. Returns the orphans.
   */
  async recover(containers: readonly ContainerState[]): Promise<string[]> {
    if (!this.isolator) return [];
    const running = containers.filter((c) => !c.exit).map((c) => c.id);
    return this.isolator.recover(running, new Set(containers.map((c) => c.id)));
  }

  /** One LIST for all of them: the supervisor knows each process group's leader. */
  async pids(containerIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (containerIds.length === 0) return out;
    const wanted = new Set(containerIds);
    for (const c of await this.supervisor.list()) if (wanted.has(c.id) && !c.exit) out.set(c.id, c.pid);
    return out;
  }
}
