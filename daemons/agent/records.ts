// The agent's words as types: its configuration, the records it keeps of frameworks, executor
// runs and tasks, and ExecutorRun, the operations every run answers whatever its kind (as
// Mesos's agent has one Executor class for all kinds, src/slave/slave.hpp). The kinds differ
// behind it, in executor/. This module imports nothing of the agent, so every part of the agent
// can import it.
import path from 'node:path';
import type { ExecutorIdentity } from './executor-identity.ts';
import type { AgentToMaster, ReportedExecutor } from '../common/agent-protocol.ts';
import type {
  Attribute,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  Resource,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatusReason,
} from '../common/mesos.ts';

export function defaultFetcherConfig(workDir: string): FetcherConfig {
  return { cacheDir: path.join(workDir, 'fetch-cache'), cacheSizeBytes: 2 * 1024 ** 3, stallTimeoutMs: 60_000 };
}

/** Mesos's command executor waits this long between SIGTERM and SIGKILL unless told otherwise. */
export const DEFAULT_KILL_GRACE_MS = 3000;

export interface FetcherConfig {
  cacheDir: string;
  cacheSizeBytes: number;
  frameworksHome?: string | undefined;
  stallTimeoutMs: number;
}

export interface AgentConfig {
  workDir: string;
  /** Issues and checks executor tokens; without it executors get none and calls need none. */
  executorIdentity?: ExecutorIdentity | undefined;
  /** --max_event_stream_buffer_size: unsent bytes past which an executor's stream is cut (none: unbounded). */
  maxEventStreamBufferBytes?: number | undefined;
  /** Where CommandInfo.uris come from; defaults keep the cache under the work_dir. */
  fetcher?: FetcherConfig;
  hostname: string;
  /** Address advertised to the master and in the pid. */
  ip: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  switchUser: boolean;
  /** --executor_environment_variables: the environment executors and tasks start from instead of the agent's. */
  executorEnvironment?: Record<string, string> | undefined;
  containerizers: string[];
  executorShutdownGraceSecs: number;
  /** --executor_registration_timeout (Mesos's default: 1 minute). */
  executorRegistrationTimeoutSecs?: number;
  /** --executor_reregistration_timeout (default 2 s). */
  executorReregistrationTimeoutSecs?: number;
  /** --recovery_timeout, which checkpointing executors are told (default 15 minutes). */
  recoveryTimeoutSecs?: number;
  /** Between HEARTBEAT events to subscribed executors (Mesos: 30 minutes). */
  executorHeartbeatIntervalSecs?: number;
  maxCompletedExecutorsPerFramework: number;
  maxCompletedFrameworks: number;
}

export interface MasterChannel {
  sendStatusUpdate(frameworkId: string, status: TaskStatus): void;
  /** Sends another message; false when it did not get through (e.g. not registered). */
  post(msg: AgentToMaster): Promise<boolean>;
}

/**
 * Who runs a run's tasks: the command executor (one task with a CommandInfo), the default
 * executor (a task group), both played by the agent itself, or the framework's own executor
 * program (CUSTOM), which the agent starts and talks to over the v1 executor API.
 */
export type ExecutorKind = 'COMMAND' | 'DEFAULT' | 'CUSTOM';

/** How a container ended; `oomKilled` when the kernel killed it for exceeding its memory limit. */
export interface ContainerExit {
  /** Exit code, or null when killed by a signal or when the status could not be observed. */
  code: number | null;
  signal: string | null;
  /** The process ended while nobody who could observe its status was there: the status is unknown. */
  unknown?: boolean;
  at: number;
  oomKilled?: boolean;
}

export interface AgentTask {
  info: TaskInfo;
  frameworkId: string;
  executorId: string;
  /** The container of this task (a supervised process group, or a Docker container); a custom executor's task is in the executor's. */
  containerId: string;
  state: TaskState;
  statuses: TaskStatus[];
  directory: string;
  /** The process is running (launched and not yet exited). */
  running: boolean;
  pid?: number;
}

/** A new task of a run, STAGING. */
export function newTask(run: ExecutorRecord, info: TaskInfo, directory: string, containerId: string): AgentTask {
  return {
    info,
    frameworkId: run.frameworkId,
    executorId: run.id,
    containerId,
    state: 'TASK_STAGING',
    statuses: [],
    directory,
    running: false,
  };
}

/** The TaskInfo of a recovered task whose checkpointed TaskInfo could not be read. */
export function placeholderTask(taskId: string, agentId: string): TaskInfo {
  return { name: taskId, task_id: { value: taskId }, agent_id: { value: agentId }, resources: [] };
}

/** What every reader of an executor run (live or completed) finds in it. */
export interface ExecutorRecord {
  readonly id: string;
  readonly frameworkId: string;
  readonly kind: ExecutorKind;
  readonly info: ExecutorInfo;
  /** The run's container: its executor's, and for a command task the task's own. */
  readonly containerId: string;
  readonly directory: string;
  /** Tasks not completed yet (a task completes when the scheduler acknowledges its terminal update). */
  readonly tasks: Map<string, AgentTask>;
  readonly completedTasks: AgentTask[];
  /** Tasks that wait for their executor to subscribe before they are handed to it. */
  readonly queued?: ReadonlySet<string>;
}

/** A live executor run: what the agent asks of it, whatever its kind. */
export interface ExecutorRun extends ExecutorRecord {
  /** Runs tasks the master sent for this executor; the first call starts the run. */
  launch(tasks: TaskInfo[], asGroup: boolean): Promise<void>;
  /** KILL_TASK for one of its tasks. */
  kill(taskId: string, policy: KillPolicy | undefined): void;
  /**
   * The operator's KILL_CONTAINER: `signal` to this container of the run (its own, or one of its
   * tasks'), whose live tasks end TASK_KILLED. False when the run has no live container so named.
   */
  killContainer(containerId: string, signal: NodeJS.Signals): boolean;
  /** SHUTDOWN_EXECUTOR: its tasks are stopped (a custom executor is asked to shut down). */
  shutdown(): void;
  /** Its framework is being shut down: nobody will acknowledge, so it completes once it has stopped. */
  shutdownFramework(): void;
  /** One of its containers ended (now, or while the agent was down). */
  exited(containerId: string, exit: ContainerExit): void;
  /** FRAMEWORK_MESSAGE from the scheduler to this executor. */
  message(data: string): void;
  /** What the master is told about this executor when the agent (re-)registers; nothing for a command executor. */
  reported(): ReportedExecutor | undefined;
  /** Whether the run may complete once it has no task left (a custom executor outlives its tasks until it exits). */
  canComplete(): boolean;
  /** The run completed: its containerizer may forget its containers. */
  forget(): Promise<unknown>;
  /** The agent starts over under a new identity: its containers go, nothing is reported. */
  destroy(): void;
}

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  executors: Map<string, ExecutorRun>;
  /**
   * The executor each task was added to, so finding a task does not walk every executor (a
   * burst of command tasks makes thousands). An entry can be stale (its task ended); lookups
   * check the executor still holds the task.
   */
  taskExecutors: Map<string, ExecutorRun>;
  completedExecutors: ExecutorRecord[];
  shuttingDown: boolean;
}

/**
 * The Unix user an executor's sandbox and processes belong to for ACLs (view_executors,
 * access_sandboxes): its command's user, else, for a command executor, its task's (Mesos copies
 * that into the ExecutorInfo it makes for the task), else its framework's.
 */
export function executorRunUser(ex: ExecutorRecord, framework: FrameworkInfo): string {
  const task = ex.kind === 'COMMAND' ? (ex.tasks.values().next().value ?? ex.completedTasks[0])?.info : undefined;
  return ex.info.command?.user ?? task?.command?.user ?? task?.executor?.command?.user ?? framework.user ?? '';
}

/** The life of an executor with a process of its own (Mesos's Executor::State). */
export type ExecutorLifecycle = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

/** How an executor's live tasks end when its container does (Mesos's pending termination). */
export interface Termination {
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
}
