// Building TaskStatus messages the master itself originates (validation errors, lost agents,
// reconciliation), and the partition-awareness rules that pick which state a scheduler sees.
import type { TaskState, TaskStatus, TaskStatusReason } from '../common/mesos.ts';

export function masterStatus(
  taskId: string,
  state: TaskState,
  opts: { agentId?: string | undefined; executorId?: string | undefined; reason?: TaskStatusReason; message?: string; now?: number } = {},
): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: taskId },
    state,
    source: 'SOURCE_MASTER',
    timestamp: (opts.now ?? Date.now()) / 1000,
  };
  if (opts.agentId) status.agent_id = { value: opts.agentId };
  if (opts.executorId) status.executor_id = { value: opts.executorId };
  if (opts.reason) status.reason = opts.reason;
  if (opts.message) status.message = opts.message;
  return status;
}

/**
 * Schedulers that did not declare PARTITION_AWARE only know TASK_LOST; Mesos maps the newer
 * states (DROPPED, UNREACHABLE, GONE, GONE_BY_OPERATOR, UNKNOWN) to it for them.
 */
export function stateForScheduler(state: TaskState, partitionAware: boolean): TaskState {
  if (partitionAware) return state;
  switch (state) {
    case 'TASK_DROPPED':
    case 'TASK_UNREACHABLE':
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR':
    case 'TASK_UNKNOWN':
      return 'TASK_LOST';
    default:
      return state;
  }
}
