// Which executor runs the tasks the master sends (as Mesos's Slave::getExecutorInfo decides),
// and the one place that maps an executor kind to its implementation.
import type { ExecutorInfo, TaskInfo } from '../../common/mesos.ts';
import type { AgentFramework, ExecutorKind } from '../records.ts';
import { CommandExecutorRun, commandExecutorInfo } from './command-run.ts';
import { CustomExecutorRun } from './custom-run.ts';
import { DefaultExecutorRun, groupTaskPlace } from './default-run.ts';
import type { RecoverableRun, RunHost, TaskPlace } from './host.ts';

export interface ExecutorChoice {
  kind: ExecutorKind;
  info: ExecutorInfo;
  /** Made for this task alone (Mesos's executorGeneratedForCommandTask): never a running executor. */
  generatedForTask: boolean;
}

/** A task with an ExecutorInfo goes to the framework's executor; one with a command, to a command executor made for it. */
export function executorForTask(frameworkId: string, task: TaskInfo): ExecutorChoice {
  if (task.executor) return { kind: 'CUSTOM', info: task.executor, generatedForTask: false };
  return { kind: 'COMMAND', info: commandExecutorInfo(frameworkId, task), generatedForTask: true };
}

/** A task group goes to its ExecutorInfo: the framework's own (CUSTOM), else the default executor. */
export function executorForGroup(executor: ExecutorInfo): ExecutorChoice {
  return { kind: executor.type === 'CUSTOM' ? 'CUSTOM' : 'DEFAULT', info: executor, generatedForTask: false };
}

export function newRun(
  kind: ExecutorKind,
  host: RunHost,
  fw: AgentFramework,
  info: ExecutorInfo,
  containerId: string,
  directory: string,
): RecoverableRun {
  switch (kind) {
    case 'COMMAND':
      return new CommandExecutorRun(host, fw, info, containerId, directory);
    case 'DEFAULT':
      return new DefaultExecutorRun(host, fw, info, containerId, directory);
    case 'CUSTOM':
      return new CustomExecutorRun(host, fw, info, containerId, directory);
  }
}

/** Where a task of a run of this kind lives (for runs read back as history). */
export function taskPlace(kind: ExecutorKind, containerId: string, directory: string, taskId: string): TaskPlace {
  return kind === 'DEFAULT' ? groupTaskPlace(containerId, directory, taskId) : { containerId, directory };
}
