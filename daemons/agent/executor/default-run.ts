// The default executor, played by the agent: it runs one task group (LAUNCH_GROUP with an
// ExecutorInfo of type DEFAULT). Each task has its own container `<run>.<task>` and sandbox
// `<run sandbox>/tasks/<task>`; as Mesos's default executor does, the first task to fail takes
// the others with it, and killing one task kills the group.
import path from 'node:path';
import type { ReportedExecutor } from '../../common/agent-protocol.ts';
import { type ExecutorInfo, type TaskState, isTerminalState } from '../../common/mesos.ts';
import { type AgentFramework, DEFAULT_KILL_GRACE_MS } from '../records.ts';
import { type BuiltInTask, BuiltInExecutorRun } from './built-in-run.ts';
import type { RunHost, TaskPlace } from './host.ts';

/** Where a task of a group lives in its run. */
export function groupTaskPlace(containerId: string, directory: string, taskId: string): TaskPlace {
  return { containerId: `${containerId}.${taskId}`, directory: path.join(directory, 'tasks', taskId) };
}

export class DefaultExecutorRun extends BuiltInExecutorRun {
  readonly kind = 'DEFAULT';

  constructor(host: RunHost, fw: AgentFramework, info: ExecutorInfo, containerId: string, directory: string) {
    super(host, fw, { ...info, type: 'DEFAULT' }, containerId, directory);
  }

  placeOf(taskId: string): TaskPlace {
    return groupTaskPlace(this.containerId, this.directory, taskId);
  }

  reported(): ReportedExecutor {
    return { framework_id: this.frameworkId, executor: this.info, kind: 'DEFAULT' };
  }

  protected killedWith(): BuiltInTask[] {
    return [...this.tasks.values()];
  }

  protected override taskFailed(task: BuiltInTask, state: TaskState): void {
    for (const other of this.tasks.values()) {
      if (other === task || isTerminalState(other.state)) continue;
      this.host.log.info(
        { task: other.info.task_id.value },
        `Killing task ${other.info.task_id.value}: task ${task.info.task_id.value} of its group ended in ${state}`,
      );
      this.stop(other, DEFAULT_KILL_GRACE_MS);
    }
  }
}
