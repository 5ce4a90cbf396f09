// The v1 executor API's messages in their JSON shape (pure): the Calls an executor sends and the
// Events the agent streams back. The checks of a Call are in ../validation.ts.
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
