// What an executor run needs of the agent that holds it (RunHost), declared here on the runs'
// side: the runs know nothing of the Agent class, so nothing here imports agent.ts. The agent
// keeps what is shared by all runs (the frameworks' task index, checkpoints, the updates to the
// master in task-updates.ts); a run keeps its own tasks and their lifecycle.
import type { Logger } from 'pino';
import type { CommandInfo } from '../../common/mesos.ts';
import type { Checkpoints, RecoveredRun } from '../checkpoints.ts';
import type { ContainerizerName, Containerizers, FoundContainer } from '../containerizer/containerizer.ts';
import type { AgentConfig, AgentFramework, AgentTask, ExecutorRun, FetcherConfig } from '../records.ts';
import type { TaskUpdates } from '../task-updates.ts';

export interface CustomExecutorTimeouts {
  /** --executor_registration_timeout */
  registrationSecs: number;
  /** --executor_reregistration_timeout (also the executors' MESOS_SUBSCRIPTION_BACKOFF_MAX) */
  reregistrationSecs: number;
  /** --recovery_timeout, passed to executors as MESOS_RECOVERY_TIMEOUT */
  recoverySecs: number;
  heartbeatSecs: number;
}

/** What the custom executor runs of an agent share. */
export interface CustomExecutorShared {
  readonly timeouts: CustomExecutorTimeouts;
  /** Runs `start` once the agent serves the executor API (at once if it does already). */
  whenServing(start: () => void): void;
}

export interface RunHost {
  readonly log: Logger;
  readonly config: AgentConfig;
  readonly isRoot: boolean;
  /** The agent's id; undefined until it registered (or recovered one). */
  readonly id: string | undefined;
  readonly pid: string;
  readonly fetcherConfig: FetcherConfig;
  readonly containerizers: Containerizers;
  readonly customExecutors: CustomExecutorShared;
  readonly checkpointed: Checkpoints | undefined;
  readonly counters: { tasksLaunched: number };
  /** Where a run's tasks change state (transition) and what the master is told. */
  readonly updates: TaskUpdates;
  /** What executors and tasks inherit as their environment. */
  executorBaseEnv(): NodeJS.ProcessEnv;
  /** Creates a sandbox (once there is room), owned by the user the command in it will run as; resolves to why it could not. */
  prepareSandbox(dir: string, fw: AgentFramework, command: CommandInfo | undefined): Promise<string | undefined>;
  /** Why checkpointing a launch failed, naming the file system when the disk is the problem. */
  launchCheckpointFailure(err: unknown): string;
  /** A task was added to a run: the agent finds it, and routes its container's exit, from now on. */
  indexTask(run: ExecutorRun, task: AgentTask): void;
  /** Checkpoints a new run (or more tasks for a running one) before anything is launched. */
  checkpointLaunch(fw: AgentFramework, run: ExecutorRun, tasks: AgentTask[], newRun?: boolean): Promise<void>;
  findTask(frameworkId: string, taskId: string): AgentTask | undefined;
  /** Completes a run whose tasks nobody will acknowledge: they are all completed now. */
  retire(fw: AgentFramework, run: ExecutorRun): void;
  completeExecutor(fw: AgentFramework, run: ExecutorRun): void;
  killContainer(containerId: string, via?: ContainerizerName): Promise<void>;
  destroyContainer(containerId: string, via?: ContainerizerName): Promise<void>;
}

/** Where a task of a run lives. */
export interface TaskPlace {
  containerId: string;
  directory: string;
}

/** What recovering one checkpointed run found, for the recovery summary. */
export interface RunRecovery {
  /** Tasks (or the executor's live tasks) still running, followed again. */
  running: number;
  endedWhileDown: number;
  /** Checkpointed but never started: `start` starts them once recovery is done. */
  relaunched: number;
  lost: number;
  /** The containers this run owns (the others the containerizers found are orphans). */
  containers: string[];
  start?: () => void;
  /** Every task had ended and been acknowledged: the run is history and completes now. */
  completed: boolean;
}

/** An executor run that can be rebuilt from its checkpoint after an agent restart. */
export interface RecoverableRun extends ExecutorRun {
  /**
   * Rebuilds the run's tasks from `r` and matches them with the containers the containerizers
   * still know (by container id); a host reboot means none of its processes survived.
   */
  recover(r: RecoveredRun, containers: ReadonlyMap<string, FoundContainer>, rebooted: boolean): RunRecovery;
}
