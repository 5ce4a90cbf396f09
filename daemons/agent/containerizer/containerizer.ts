// What the agent asks of a containerizer, whichever runs the task: the Mesos containerizer
// (plain processes under the task supervisor, mesos.ts) or the Docker containerizer (docker.ts).
// A built-in executor run picks one per task (containerizerFor), a custom executor runs in the
// Mesos containerizer, and the agent hears about exits through the callback it gave each
// containerizer (Agent.containerExited, routed by container id), so start, kill, exit and
// recovery take one path for both.
import type { TaskInfo } from '../../common/mesos.ts';
import type { TaskContext } from '../launch-spec.ts';
import type { ContainerState } from '../supervisor/protocol.ts';

export type ContainerizerName = 'mesos' | 'docker';

/** A container found when the agent starts again, and who runs it. */
export interface FoundContainer extends ContainerState {
  containerizer: ContainerizerName;
}

export interface Containerizer {
  /** Starts the task's container; resolves with its pid once it runs, rejects saying why it could not. */
  launch(ctx: TaskContext): Promise<number>;
  /**
   * Stops a container, giving it graceMs before it is killed; its exit is reported as usual.
   * With `signal`, sends only that signal (the operator's KILL_CONTAINER): nothing follows it.
   */
  kill(containerId: string, graceMs: number, signal?: NodeJS.Signals): Promise<void>;
  /** The agent has recorded the container's end: whatever is left of it may go. */
  forget(containerId: string): Promise<void>;
  /** Gets rid of a container no task owns: kills it if it still runs, and discards it. */
  destroy(containerId: string): Promise<void>;
  /** Every container it runs or ran and still remembers (for recovery). */
  list(): Promise<ContainerState[]>;
  /**
   * The host pid of the first process of each of these containers that is running, for the
   * resource monitor to read their processes in /proc. Containers not running are left out.
   */
  pids(containerIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * After an agent restart: follow a recovered task's container again (its output, its exit, also
   * an exit that happened meanwhile). Absent when exits are reported without being asked.
   */
  reattach?(containerId: string, sandbox: string): Promise<void>;
}

export interface Containerizers {
  mesos: Containerizer;
  docker?: Containerizer;
}

/** DOCKER containers go to the Docker containerizer; everything else runs as plain processes. */
export function containerizerFor(task: TaskInfo): ContainerizerName {
  return task.container?.type === 'DOCKER' ? 'docker' : 'mesos';
}
