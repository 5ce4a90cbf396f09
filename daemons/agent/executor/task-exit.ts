// How a task the agent runs itself ended, read from its container's exit (pure): the state,
// message and reason of its terminal update, in the words of Mesos's command executor ("Command
// exited with status 3") and docker executor ("Container terminated with signal Killed").
import type { TaskState, TaskStatusReason, TaskStatusSource } from '../../common/mesos.ts';
import type { ContainerizerName } from '../containerizer/containerizer.ts';
import { containerName } from '../containerizer/docker-spec.ts';
import type { ContainerExit } from '../records.ts';

export interface TaskEnd {
  state: TaskState;
  message: string;
  reason?: TaskStatusReason;
  /** Said by the agent rather than as the executor (a limitation of the container). */
  source?: TaskStatusSource;
}

/** What the agent knows of the task besides the exit. */
export interface EndedTask {
  containerId: string;
  via: ContainerizerName;
  /** A kill was asked for (by the scheduler, a shutdown, or the task's group). */
  killRequested: boolean;
  /** Why a failing health check killed it. */
  unhealthyKill?: string | undefined;
}

export function taskEnd(task: EndedTask, exit: ContainerExit): TaskEnd {
  if (exit.unknown) {
    const message =
      task.via === 'docker'
        ? `Docker container ${containerName(task.containerId)} is gone (removed outside the agent); its exit status is unknown`
        : 'The task ended while the agent and its task supervisor were down; its exit status is unknown';
    return { state: 'TASK_FAILED', message, reason: 'REASON_EXECUTOR_TERMINATED' };
  }
  const how = exit.signal ? `terminated with signal ${signalName(exit.signal)}` : `exited with status ${exit.code}`;
  const killed = (what: string): TaskEnd =>
    task.unhealthyKill
      ? { state: 'TASK_KILLED', message: task.unhealthyKill, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' }
      : { state: 'TASK_KILLED', message: `${what} ${how}` };
  if (task.via === 'docker') {
    // Mesos's docker executor: a clean exit is a success even after a kill.
    if (exit.code === 0) return { state: 'TASK_FINISHED', message: 'Container exited with status 0' };
    if (task.killRequested) return killed('Container');
    if (exit.oomKilled) {
      return {
        state: 'TASK_FAILED',
        message: `Container ${how} (out of memory: the container exceeded its mem limit)`,
        reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
      };
    }
    return { state: 'TASK_FAILED', message: `Container ${how}` };
  }
  if (task.killRequested) return killed('Command');
  // As Mesos's agent reports a container an isolator ended: failed, whatever its exit, said by the agent.
  if (exit.limitation)
    return { state: 'TASK_FAILED', message: exit.limitation.message, reason: exit.limitation.reason, source: 'SOURCE_AGENT' };
  if (exit.code === 0) return { state: 'TASK_FINISHED', message: 'Command exited with status 0' };
  return { state: 'TASK_FAILED', message: `Command ${how}` };
}

const SIGNAL_NAMES: Record<string, string> = {
  SIGTERM: 'Terminated',
  SIGKILL: 'Killed',
  SIGINT: 'Interrupt',
  SIGHUP: 'Hangup',
  SIGSEGV: 'Segmentation fault',
  SIGABRT: 'Aborted',
  SIGQUIT: 'Quit',
};

function signalName(signal: string): string {
  return SIGNAL_NAMES[signal] ?? signal;
}
