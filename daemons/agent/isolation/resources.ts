// What a Mesos-containerizer container is given to use (pure): its requests and limits as the
// cgroups isolators set them, from what is launched in it (Mesos's containerizer passes the
// executor's resources plus its tasks'):
//   command task     the task + the command executor's allowance (0.1 cpus, 32 MB), as in Mesos
//   custom executor  ExecutorInfo.resources + the task it is launched for
//   task of a group  that task alone (its own container here; Mesos nests it in the executor's)
import type { TaskContext } from '../launch-spec.ts';
import { COMMAND_EXECUTOR_RESOURCES, type ContainerResources, containerResources } from '../monitor/limits.ts';

export function launchResources(ctx: Pick<TaskContext, 'task' | 'executor' | 'inGroup'>, cfs: boolean): ContainerResources {
  const task = { resources: ctx.task.resources ?? [], limits: ctx.task.limits };
  const executorResources = ctx.executor ? (ctx.executor.info.resources ?? []) : ctx.inGroup ? [] : COMMAND_EXECUTOR_RESOURCES;
  return containerResources({ executorResources, tasks: [task], containerizer: 'mesos', cfs });
}
