// The command executor, played by the agent (Mesos generates one for every task that carries a
// CommandInfo, Slave::getExecutorInfo): a run of exactly one task, whose executor has the task's
// id, whose container and sandbox are the run's own, and which the master is not told about as
// an executor of its own when the agent registers.
import type { ReportedExecutor } from '../../common/agent-protocol.ts';
import type { ExecutorInfo, TaskInfo } from '../../common/mesos.ts';
import { type BuiltInTask, BuiltInExecutorRun } from './built-in-run.ts';
import type { TaskPlace } from './host.ts';

export class CommandExecutorRun extends BuiltInExecutorRun {
  readonly kind = 'COMMAND';

  placeOf(): TaskPlace {
    return { containerId: this.containerId, directory: this.directory };
  }

  reported(): ReportedExecutor | undefined {
    return undefined;
  }

  protected killedWith(task: BuiltInTask): BuiltInTask[] {
    return [task];
  }
}

/** The ExecutorInfo of the command executor that runs `task`, named as Mesos names it. */
export function commandExecutorInfo(frameworkId: string, task: TaskInfo): ExecutorInfo {
  const taskId = task.task_id.value;
  return {
    executor_id: { value: taskId },
    framework_id: { value: frameworkId },
    name: `Command Executor (Task: ${taskId}) (Command: ${describeCommand(task)})`,
    source: taskId,
  };
}

function describeCommand(task: TaskInfo): string {
  const c = task.command;
  if (!c) return '';
  if (c.shell !== false) return `sh -c '${c.value ?? ''}'`;
  return [c.value ?? '', ...(c.arguments ?? []).slice(1)].join(' ');
}
