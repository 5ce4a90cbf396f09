// What the agent keeps about its frameworks, executors and tasks, and its configuration: the
// shapes agent.ts works on and recovery.ts, state-json.ts and the custom executors read.
import path from 'node:path';
import type { AgentToMaster } from '../common/agent-protocol.ts';
import type { Attribute, ExecutorInfo, FrameworkInfo, Resource, TaskInfo, TaskState, TaskStatus } from '../common/mesos.ts';
import type { ExecutorKind } from './checkpoints.ts';
import type { CustomExecutorState } from './executor/custom-executors.ts';
import type { CheckStatusInfo, Checker } from './health/checker.ts';
import type { HealthChecker } from './health/health-checker.ts';

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

export interface AgentTask {
  info: TaskInfo;
  frameworkId: string;
  executorId: string;
  /** The container of this task (a supervised process group, or a Docker container). */
  containerId: string;
  state: TaskState;
  statuses: TaskStatus[];
  directory: string;
  /** The process is running (launched and not yet exited). */
  running: boolean;
  pid?: number;
  killRequested: boolean;
  killGraceMs?: number;
  health?: HealthChecker;
  checker?: Checker;
  /** Latest result of TaskInfo.check; every update of the task carries it. */
  checkStatus?: CheckStatusInfo;
  /** Why a health-check kill happened; the terminal update carries it (and healthy: false). */
  unhealthyKill?: string;
}

export interface AgentExecutor {
  id: string;
  frameworkId: string;
  kind: ExecutorKind;
  info: ExecutorInfo;
  containerId: string;
  directory: string;
  tasks: Map<string, AgentTask>;
  completedTasks: AgentTask[];
  /** A task group: the first task to fail or be killed takes the others with it. */
  killGroupOnFailure: boolean;
  /** Set for a framework's custom executor (kind CUSTOM): its lifecycle and connection. */
  custom?: CustomExecutorState;
}

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  executors: Map<string, AgentExecutor>;
  /**
   * The executor each task was added to, so finding a task does not walk every executor (a
   * burst of command tasks makes thousands). An entry can be stale (its task ended); lookups
   * check the executor still holds the task.
   */
  taskExecutors: Map<string, AgentExecutor>;
  completedExecutors: AgentExecutor[];
  shuttingDown: boolean;
}
