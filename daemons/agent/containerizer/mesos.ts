// The Mesos containerizer of this agent: a task is a process group started by the task
// supervisor (supervisor/), which outlives agent restarts and pushes exits to the agent itself.
import type { TaskContext } from '../launch-spec.ts';
import { containerSpec } from '../launch-spec.ts';
import type { SupervisorClient } from '../supervisor/client.ts';
import type { ContainerState } from '../supervisor/protocol.ts';
import type { Containerizer } from './containerizer.ts';

/** Grace between SIGTERM and SIGKILL for processes no task owns. */
const ORPHAN_KILL_GRACE_MS = 3000;

export class MesosContainerizer implements Containerizer {
  constructor(private readonly supervisor: SupervisorClient) {}

  launch(ctx: TaskContext): Promise<number> {
    return this.supervisor.launch(containerSpec(ctx));
  }

  kill(containerId: string, graceMs: number, signal?: NodeJS.Signals): Promise<void> {
    return this.supervisor.kill(containerId, graceMs, signal);
  }

  forget(containerId: string): Promise<void> {
    return this.supervisor.forget(containerId);
  }

  /** Kills a running process (its exit record stays until it is forgotten later); forgets an ended one. */
  async destroy(containerId: string): Promise<void> {
    await this.supervisor.kill(containerId, ORPHAN_KILL_GRACE_MS).catch(() => undefined);
    await this.supervisor.forget(containerId);
  }

  list(): Promise<ContainerState[]> {
    return this.supervisor.list();
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
