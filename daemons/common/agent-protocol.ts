// The master <-> agent protocol. It is ours (Mesos's is libprocess messages), shaped like the
// v1 scheduler API so one set of tools serves both: the agent POSTs REGISTER to
// /master/internal/agent and keeps that response open as a RecordIO stream of JSON messages from
// the master. With AGENT_STREAM_CONTENT_TYPE the request body stays open too, a RecordIO stream
// of REGISTER and then the agent's frequent messages; the other messages are separate POSTs
// carrying the agent id and the stream id it got in REGISTERED. Everything is idempotent so
// either side can retry.
import type {
  Attribute,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  Resource,
  TaskGroupInfo,
  TaskInfo,
  TaskState,
  TaskStatus,
} from './mesos.ts';

export const AGENT_ENDPOINT = '/master/internal/agent';
/** A REGISTER request with this body type stays open: RecordIO of REGISTER, then AGENT_STREAM_TYPES. */
export const AGENT_STREAM_CONTENT_TYPE = 'application/recordio';
/** What an agent sends on its registration's request: frequent, and each retried or superseded if lost. */
export const AGENT_STREAM_TYPES: ReadonlySet<string | undefined> = new Set(['STATUS_UPDATE', 'STATUS_UPDATES', 'LATEST_STATE', 'PONG']);
export const AGENT_ID_HEADER = 'mesos-agent-id';
export const STREAM_ID_HEADER = 'mesos-stream-id';

/** A task as the agent reports it when (re-)registering. */
export interface ReportedTask {
  framework_id: string;
  executor_id: string;
  task: TaskInfo;
  state: TaskState;
  /** Latest status the agent holds for the task (acknowledged or not). */
  status?: TaskStatus;
}

export interface RegisterMessage {
  type: 'REGISTER';
  register: {
    /** Present when the agent recovered its id from its work_dir: a re-registration. */
    agent_id?: string;
    hostname: string;
    port: number;
    /** libprocess-style pid the web UI needs: slave(1)@ip:port */
    pid: string;
    version: string;
    resources: Resource[];
    attributes: Attribute[];
    tasks: ReportedTask[];
    frameworks: FrameworkInfo[];
    /** Live executors other than command executors: their resources are in use too. */
    executors?: ReportedExecutor[];
    capabilities?: string[];
  };
}

/** An executor as the agent reports it when (re-)registering. */
export interface ReportedExecutor {
  framework_id: string;
  executor: ExecutorInfo;
  /** DEFAULT runs a task group and ends with its last task; CUSTOM is the framework's own. */
  kind: 'DEFAULT' | 'CUSTOM';
}

export interface StatusUpdateMessage {
  type: 'STATUS_UPDATE';
  status_update: { framework_id: string; status: TaskStatus };
}

/** Several status updates in one request: what an agent sends when updates pile up. */
export interface StatusUpdatesMessage {
  type: 'STATUS_UPDATES';
  status_updates: Array<{ framework_id: string; status: TaskStatus }>;
}

/**
 * A task ended while earlier updates of it still wait for their acknowledgement: the master
 * frees its resources now instead of after those round trips (Mesos carries the same fact as
 * StatusUpdate.latest_state, but only with the next update it forwards). The terminal update
 * itself still comes, in order, through the status update stream.
 */
export interface LatestStateMessage {
  type: 'LATEST_STATE';
  latest_state: { framework_id: string; task_id: string; state: TaskState };
}

export interface PongMessage {
  type: 'PONG';
  pong: { seq: number };
}

export interface ExecutorMessageToMaster {
  type: 'FRAMEWORK_MESSAGE';
  framework_message: { framework_id: string; executor_id: string; data: string };
}

/** A custom executor's container ended (Mesos's ExitedExecutorMessage); the scheduler gets FAILURE. */
export interface ExecutorExitedMessage {
  type: 'EXECUTOR_EXITED';
  executor_exited: {
    framework_id: string;
    executor_id: string;
    /** wait(2) status as Mesos reports it: exit code << 8, or the signal number; -1 when unknown. */
    status: number;
  };
}

export type AgentToMaster =
  | StatusUpdateMessage
  | StatusUpdatesMessage
  | LatestStateMessage
  | PongMessage
  | ExecutorMessageToMaster
  | ExecutorExitedMessage;

export type MasterToAgent =
  | {
      type: 'REGISTERED';
      registered: { agent_id: string; master_id: string; ping_interval_seconds: number; max_missed_pings: number; reregistered: boolean };
    }
  | { type: 'RUN_TASK'; run_task: { framework: FrameworkInfo; task: TaskInfo } }
  | { type: 'RUN_TASK_GROUP'; run_task_group: { framework: FrameworkInfo; executor: ExecutorInfo; task_group: TaskGroupInfo } }
  | { type: 'KILL_TASK'; kill_task: { framework_id: string; task_id: string; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGE'; acknowledge: { framework_id: string; task_id: string; uuid: string } }
  | { type: 'SHUTDOWN_FRAMEWORK'; shutdown_framework: { framework_id: string } }
  | { type: 'SHUTDOWN_EXECUTOR'; shutdown_executor: { framework_id: string; executor_id: string } }
  | { type: 'FRAMEWORK_MESSAGE'; framework_message: { framework_id: string; executor_id: string; data: string } }
  | { type: 'PING'; ping: { seq: number } }
  /** The master refuses this agent (e.g. it was removed); the agent must not retry with that id. */
  | { type: 'SHUTDOWN'; shutdown: { message: string } };
