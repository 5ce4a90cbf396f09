// The v1 executor API's messages in their JSON shape (pure): the Calls an executor sends, the
// Events the agent streams back, and the checks Mesos applies to a Call before acting on it
// (common/validation.cpp validateExecutorCall).
import { isValidStatusUuid } from '../../common/ids.ts';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Id, KillPolicy, TaskGroupInfo, TaskInfo, TaskStatus } from '../../common/mesos.ts';

export const CALL_TYPE = 'mesos.v1.executor.Call';
export const EVENT_TYPE = 'mesos.v1.executor.Event';

export type ExecutorCallType = 'UNKNOWN' | 'SUBSCRIBE' | 'UPDATE' | 'MESSAGE' | 'HEARTBEAT';

/** A decoded, schema-checked executor Call (`fromJson`/`decode` of mesos.v1.executor.Call). */
export interface ExecutorCall {
  executor_id: Id;
  framework_id: Id;
  type?: ExecutorCallType;
  subscribe?: { unacknowledged_tasks?: TaskInfo[]; unacknowledged_updates?: { status: TaskStatus }[] };
  update?: { status: TaskStatus };
  /** base64 */
  message?: { data: string };
}

export type ExecutorEvent =
  | {
      type: 'SUBSCRIBED';
      subscribed: { executor_info: ExecutorInfo; framework_info: FrameworkInfo; agent_info: AgentInfo; container_id?: Id };
    }
  | { type: 'LAUNCH'; launch: { task: TaskInfo } }
  | { type: 'LAUNCH_GROUP'; launch_group: { task_group: TaskGroupInfo } }
  | { type: 'KILL'; kill: { task_id: Id; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGED'; acknowledged: { task_id: Id; uuid: string } }
  | { type: 'MESSAGE'; message: { data: string } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'SHUTDOWN' }
  | { type: 'HEARTBEAT' };

/** Where events to one subscribed executor go (its SUBSCRIBE response); encoding is the HTTP layer's job. */
export interface ExecutorConnection {
  /** False when the stream is gone and the event was dropped. */
  send(event: ExecutorEvent): boolean;
  close(): void;
}

/**
 * Mesos's checks of an executor Call, with its messages; undefined when the call may proceed.
 * (Required fields were checked by the codec already.)
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
