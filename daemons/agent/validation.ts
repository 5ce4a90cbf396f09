// The agent's own checks, each returning an error or nothing, as Mesos keeps its checks apart
// (src/slave/validation.cpp, validateExecutorCall in src/common/validation.cpp): what this agent
// can run (a task's ContainerInfo, a custom executor's ExecutorInfo), whether an executor id
// already in use may take the tasks sent for it, and the executor API's checks of a Call.
// Finding what a Call names (its framework, its executor) is a lookup, not a check; it stays
// with the custom executors (executor/custom-executors.ts).
import { isValidStatusUuid } from '../common/ids.ts';
import type { ContainerInfo, ExecutorInfo, TaskStatusReason, TaskStatusSource } from '../common/mesos.ts';
import type { Containerizers } from './containerizer/containerizer.ts';
import type { ExecutorCall } from './executor/calls.ts';
import type { ExecutorKind, ExecutorLifecycle } from './records.ts';

/** Why tasks cannot be launched: their update is TASK_FAILED with this message and reason. */
export interface LaunchError {
  message: string;
  reason: TaskStatusReason;
}

/** Why a task's container cannot run on this agent (a command task's, or a task group member's). */
export function validateContainer(
  c: ContainerInfo | undefined,
  configured: readonly string[],
  available: Partial<Containerizers>,
): LaunchError | undefined {
  const which = c?.type === 'DOCKER' ? 'docker' : 'mesos';
  if (!configured.includes(which) || !available[which]) {
    const message =
      which === 'docker'
        ? `DOCKER containers need the Docker containerizer; start the agent with --containerizers=docker,mesos (now --containerizers=${configured.join(',')})`
        : `This agent runs only DOCKER containers (--containerizers=${configured.join(',')}); give the task a DOCKER ContainerInfo or add mesos to --containerizers`;
    return { message, reason: 'REASON_CONTAINER_LAUNCH_FAILED' };
  }
  const unsupported: Array<[unknown, string]> = [
    [c?.tty_info, 'A TTY for the task (ContainerInfo.tty_info) is not supported by this agent'],
    [c?.linux_info, 'Linux capabilities (ContainerInfo.linux_info) are not supported by this agent'],
    [c?.rlimit_info, 'Resource limits (ContainerInfo.rlimit_info) are not supported by this agent'],
  ];
  if (which === 'mesos') {
    unsupported.unshift(
      [
        c?.mesos?.image,
        'Container images in the Mesos containerizer are not supported (this agent has no image provisioner); run the image as a DOCKER container (mesos execute --containerizer=docker)',
      ],
      [c?.network_infos?.some((n) => n.name), 'CNI networks (ContainerInfo.network_infos) are not supported by this agent'],
    );
    unsupported.push([c?.volumes?.length, 'Volumes in the Mesos containerizer are not supported by this agent']);
  }
  for (const [present, message] of unsupported) if (present) return { message, reason: 'REASON_CONTAINER_LAUNCH_FAILED' };
  return undefined;
}

/** Why a custom executor cannot be started on this agent. */
export function validateCustomExecutor(info: ExecutorInfo, configured: readonly string[]): string | undefined {
  if (!configured.includes('mesos')) {
    return `Custom executors run in the Mesos containerizer; this agent has --containerizers=${configured.join(',')}`;
  }
  const c = info.container;
  if (c?.type === 'DOCKER')
    return 'Custom executors in DOCKER containers (ExecutorInfo.container) are not supported by this agent; run the executor as a plain command';
  if (c?.mesos?.image) return 'Container images for custom executors (ExecutorInfo.container.mesos.image) are not supported by this agent';
  if (!info.command?.value) return "ExecutorInfo.command must name the executor's program in 'value'";
  return undefined;
}

/** A refused launch, and who says so in its update. */
export interface Refusal extends LaunchError {
  source: TaskStatusSource;
}

/**
 * Why tasks sent for an executor id that a run of this framework already has cannot join it.
 * Only a custom executor takes more tasks; the default executor here runs one group per
 * executor id (Mesos's takes more). (A command executor is made for its task and never joins
 * a running one, executor/runs.ts.)
 */
export function validateExecutorReuse(existing: ExecutorKind, requested: ExecutorKind, executorId: string): Refusal | undefined {
  if (requested === 'DEFAULT') {
    // Said as the default executor (SOURCE_EXECUTOR): one group per executor id is its rule here.
    return {
      message: `Executor ${executorId} is already running; launch each task group with a new executor id`,
      reason: 'REASON_TASK_GROUP_INVALID',
      source: 'SOURCE_EXECUTOR',
    };
  }
  if (requested === 'CUSTOM' && existing !== 'CUSTOM') {
    return {
      message: `Executor '${executorId}' is already in use by a ${existing === 'DEFAULT' ? 'task group' : 'command task'} of this framework; give the custom executor another id`,
      reason: 'REASON_TASK_INVALID',
      source: 'SOURCE_AGENT',
    };
  }
  return undefined;
}

/**
 * Mesos's checks of an executor Call, with its messages (validateExecutorCall); undefined when
 * the call may proceed. (Required fields were checked by the codec already.)
 */
export function validateExecutorCall(call: ExecutorCall): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (!call.executor_id) return "Expecting 'executor_id' to be present";
  if (!call.framework_id) return "Expecting 'framework_id' to be present";
  const who = `executor ${call.executor_id.value} of framework ${call.framework_id.value}`;
  switch (call.type) {
    case 'SUBSCRIBE':
      return call.subscribe ? undefined : "Expecting 'subscribe' to be present";
    case 'UPDATE': {
      if (!call.update) return "Expecting 'update' to be present";
      const status = call.update.status;
      if (status.uuid === undefined) return "Expecting 'uuid' to be present";
      if (!isValidStatusUuid(status.uuid)) return 'Not a valid UUID';
      if (status.executor_id && status.executor_id.value !== call.executor_id.value) {
        return `ExecutorID in Call: ${call.executor_id.value} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      }
      if (status.source !== 'SOURCE_EXECUTOR') return `Received Call from ${who} with invalid source, expecting 'SOURCE_EXECUTOR'`;
      if (status.state === 'TASK_STAGING') return `Received TASK_STAGING from ${who} which is not allowed`;
      return undefined;
    }
    case 'MESSAGE':
      return call.message ? undefined : "Expecting 'message' to be present";
    default:
      return undefined;
  }
}

/** An executor that has not subscribed may only SUBSCRIBE (Mesos answers anything else 403). */
export function validateSubscribed(state: ExecutorLifecycle, type: ExecutorCall['type']): string | undefined {
  return state === 'REGISTERING' && type !== 'SUBSCRIBE' ? 'Executor is not subscribed' : undefined;
}
