// Validation of the tasks, task groups and executors of an ACCEPT, following Mesos's
// validation::task, validation::task::group and validation::executor (src/master/validation.cpp):
// a task that fails here never reaches an agent; the scheduler gets TASK_ERROR with
// REASON_TASK_INVALID (REASON_TASK_GROUP_INVALID) and the message returned by these functions.
import { contains, format, isEmpty, validateTaskResources } from '../../common/resources.ts';
import type { ExecutorInfo, Resource, TaskGroupInfo, TaskInfo } from '../../common/mesos.ts';

/** Mesos's rules for an ID (task, executor): returns an error message or undefined. */
export function validateId(kind: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return `${kind} ID must not be empty`;
  // IDs name sandbox directories: at most NAME_MAX bytes, no path separators (Mesos's rules).
  if (Buffer.byteLength(value) > 255) return `${kind} ID is invalid: it is longer than 255 bytes`;
  if (value === '.' || value === '..') return `${kind} ID '${value}' is invalid: '.' and '..' are disallowed`;
  if (value.includes('/')) return `${kind} ID '${value}' is invalid: '/' is disallowed`;
  if (value.includes('\\')) return `${kind} ID '${value}' is invalid: '\\' is disallowed`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${kind} ID is invalid: control characters are disallowed`;
  return undefined;
}

export interface TaskContext {
  frameworkId: string;
  agentId: string;
  /** Resources still unused in the offers of this ACCEPT. */
  available: Resource[];
  /** Whether a task with this id is already active in the framework. */
  isDuplicate: (taskId: string) => boolean;
  /** Whether a task of the framework with this id is unreachable (its agent is away). */
  isUnreachable?: (taskId: string) => boolean;
  /** Whether this executor already runs on the agent (its resources are charged already). */
  executorRunning?: (executorId: string) => boolean;
}

function validateExecutor(executor: ExecutorInfo, ctx: TaskContext): string | undefined {
  const idError = validateId('Executor', executor.executor_id?.value);
  if (idError) return idError;
  if (executor.framework_id && executor.framework_id.value !== ctx.frameworkId) {
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${executor.framework_id.value} vs Expected: ${ctx.frameworkId})`;
  }
  if (executor.resources) {
    const resError = validateTaskResources(executor.resources);
    if (resError) return `Executor uses invalid resources: ${resError}`;
  }
  return undefined;
}

/** Checks one task of a LAUNCH; returns the error message or undefined when the task is valid. */
export function validateTask(task: TaskInfo, ctx: TaskContext): string | undefined {
  const idError = validateId('Task', task.task_id?.value);
  if (idError) return idError;
  if (ctx.isDuplicate(task.task_id.value)) return `Task has duplicate ID: ${task.task_id.value}`;
  // It may come back with its agent (Mesos's validateUniqueTaskID).
  if (ctx.isUnreachable?.(task.task_id.value)) return `Task reuses the ID of an unreachable task: ${task.task_id.value}`;
  if (task.agent_id?.value !== ctx.agentId) {
    return `Task uses invalid agent: ${task.agent_id?.value ?? '(none)'} (offer is for agent ${ctx.agentId})`;
  }
  const hasCommand = task.command !== undefined;
  const hasExecutor = task.executor !== undefined;
  if (hasCommand === hasExecutor) {
    return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  }
  if (task.command && task.command.shell === false && !task.command.value) {
    return "CommandInfo with 'shell' set to false must specify the executable in 'value'";
  }
  if (task.command && task.command.shell !== false && !task.command.value) {
    return "CommandInfo with 'shell' set to true must specify the command in 'value'";
  }
  if (task.executor) {
    const execError = validateExecutor(task.executor, ctx);
    if (execError) return execError;
  }
  const resources = task.resources ?? [];
  // Malformed entries first: they would otherwise count as empty and hide the real error.
  const resError = validateTaskResources(resources);
  if (resError) return `Task uses invalid resources: ${resError}`;
  if (isEmpty(resources)) return 'Task uses no resources';
  const newExecutor = task.executor && !ctx.executorRunning?.(task.executor.executor_id.value);
  const total = newExecutor && task.executor?.resources ? [...resources, ...task.executor.resources] : resources;
  if (!contains(ctx.available, total)) {
    return `Task uses more resources ${format(total)} than available ${format(ctx.available)}`;
  }
  return undefined;
}

/** Checks a LAUNCH_GROUP: all tasks are valid together or none is launched. */
export function validateTaskGroup(executor: ExecutorInfo | undefined, group: TaskGroupInfo, ctx: TaskContext): string | undefined {
  if (!executor) return 'LAUNCH_GROUP requires an ExecutorInfo';
  if (executor.type === 'CUSTOM' && !executor.command) return "A CUSTOM executor of a task group needs 'command'";
  if (executor.type !== undefined && executor.type !== 'DEFAULT' && executor.type !== 'CUSTOM') {
    return `LAUNCH_GROUP requires an executor of type DEFAULT or CUSTOM, got ${executor.type}`;
  }
  const execError = validateExecutor(executor, ctx);
  if (execError) return execError;
  if (!group.tasks || group.tasks.length === 0) return 'Task group must not be empty';
  const seen = new Set<string>();
  const running = ctx.executorRunning?.(executor.executor_id.value) ?? false;
  let needed: Resource[] = running ? [] : [...(executor.resources ?? [])];
  for (const task of group.tasks) {
    if (task.executor) return `Task '${task.task_id?.value}' in a task group must not have an ExecutorInfo`;
    if (task.container?.type === 'DOCKER') return `Task '${task.task_id?.value}' in a task group must not use a DOCKER container`;
    const id = task.task_id?.value;
    if (id !== undefined && seen.has(id)) return `Task group has duplicate task ID: ${id}`;
    if (id !== undefined) seen.add(id);
    const err = validateTask(task, { ...ctx, available: ctx.available });
    if (err) return `Task '${id}' in the group is invalid: ${err}`;
    needed = [...needed, ...(task.resources ?? [])];
  }
  if (!contains(ctx.available, needed)) {
    return `Task group uses more resources ${format(needed)} than available ${format(ctx.available)}`;
  }
  return undefined;
}
