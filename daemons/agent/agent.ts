// The agent's core: the frameworks and executor runs it holds for the master. Everything is
// checkpointed under --work_dir/meta before it takes effect, and task processes belong to the
// task supervisor, not to the agent, so an agent that crashes or restarts finds its tasks again
// (recovery.ts).
//
//   master-link --RUN_TASK/KILL/ACK--> Agent --launch/kill/shutdown--> ExecutorRun --> containerizer
//        ^                                     (one per executor id: executor/)  ^  (mesos: task supervisor;
//        |                                                  |                    |   docker: dockerd)
//        |                                                  |                    '--exit, routed by container id
//        |                                                  v
//        +------STATUS_UPDATE---- TaskUpdates (task-updates.ts): transition, the one way a task changes
//                                 state; checkpointed, then sent until acknowledged
//
// The agent knows no executor kinds: each run launches, kills and ends its own tasks
// (executor/command-run.ts, default-run.ts, custom-run.ts), and the agent keeps what they share.
import type { Logger } from 'pino';
import type { MasterToAgent, RegisterMessage } from '../common/agent-protocol.ts';
import { containerIdText, newUuid } from '../common/ids.ts';
import {
  type CommandInfo,
  type ContainerID,
  type ExecutorInfo,
  type FrameworkInfo,
  type KillPolicy,
  type TaskGroupInfo,
  type TaskInfo,
  type TaskState,
  isTerminalState,
} from '../common/mesos.ts';
import { Checkpoints, runInfoOf } from './checkpoints.ts';
import { type ContainerizerName, type Containerizers, containerizerFor } from './containerizer/containerizer.ts';
import { CustomExecutors } from './executor/custom-executors.ts';
import type { RecoverableRun, RunHost } from './executor/host.ts';
import { type ExecutorChoice, executorForGroup, executorForTask, newRun } from './executor/runs.ts';
import { commandUser } from './launch-spec.ts';
import {
  type AgentConfig,
  type AgentFramework,
  type AgentTask,
  type ContainerExit,
  DEFAULT_KILL_GRACE_MS,
  type ExecutorKind,
  type ExecutorRecord,
  type ExecutorRun,
  type FetcherConfig,
  type MasterChannel,
  defaultFetcherConfig,
} from './records.ts';
import { registerMessage } from './registration.ts';
import { DiskSpace } from './disk-space.ts';
import { writeFailure } from '../common/disk-errors.ts';
import { makeSandbox, sandboxDir } from './sandbox.ts';
import type { StatusUpdateManager } from './status-updates.ts';
import { TaskUpdates } from './task-updates.ts';
import type { ContainerState } from './supervisor/protocol.ts';
import { validateExecutorReuse } from './validation.ts';

export class Agent implements RunHost {
  id: string | undefined;
  readonly startTime = Date.now();
  readonly frameworks = new Map<string, AgentFramework>();
  readonly completedFrameworks: AgentFramework[] = [];
  /** What becomes of tasks, told to their schedulers (and the agent's other messages to the master). */
  readonly updates: TaskUpdates;
  /** What the custom executor runs share: their timeouts, the executor API's start, finding a Call's run. */
  readonly customExecutors: CustomExecutors;
  readonly counters = { tasksLaunched: 0, validStatusUpdates: 0, terminal: new Map<TaskState, number>() };
  /** Runs by the containers of their tasks, to route exits. */
  private readonly byContainer = new Map<string, ExecutorRun>();
  masterHostname?: string;
  private checkpoints?: Checkpoints;
  /** FrameworkInfo last checkpointed per framework, to write it only when it changes. */
  private readonly checkpointedFrameworks = new Map<string, string>();
  private agentEnv: NodeJS.ProcessEnv | undefined;
  /** Room for launches under --work_dir (its garbage collection is hooked on by main.ts). */
  diskSpace: DiskSpace;

  constructor(
    readonly config: AgentConfig,
    readonly log: Logger,
    readonly containerizers: Containerizers,
    readonly isRoot = process.getuid?.() === 0,
  ) {
    this.customExecutors = new CustomExecutors(config, this.frameworks);
    this.diskSpace = new DiskSpace({ dir: config.workDir });
    this.updates = new TaskUpdates(this, this.counters, (fw, taskId) => this.terminalAcknowledged(fw, taskId));
  }

  /** The status update manager: each task's updates, in order, until acknowledged. */
  get statusUpdates(): StatusUpdateManager {
    return this.updates.manager;
  }

  /**
   * What executors and tasks inherit: --executor_environment_variables when given, else the
   * agent's environment, copied once: every read of process.env goes through the C library's
   * environment, so a copy per task would be a noticeable part of every launch.
   */
  executorBaseEnv(): NodeJS.ProcessEnv {
    if (this.config.executorEnvironment) return this.config.executorEnvironment;
    this.agentEnv ??= { ...process.env };
    return this.agentEnv;
  }

  get pid(): string {
    return `slave(1)@${this.config.ip}:${this.config.port}`;
  }

  get fetcherConfig(): FetcherConfig {
    return this.config.fetcher ?? defaultFetcherConfig(this.config.workDir);
  }

  attach(channel: MasterChannel): void {
    this.updates.attach(channel);
  }

  /** Sets the agent id (registered or recovered); checkpoints live under it. */
  setId(agentId: string): void {
    this.id = agentId;
    if (this.checkpoints?.paths.agentId === agentId) return;
    void this.checkpoints?.close();
    this.checkpoints = new Checkpoints(this.config.workDir, agentId);
  }

  /** What this agent checkpoints (once it has an id). */
  get checkpointed(): Checkpoints | undefined {
    return this.checkpoints;
  }

  private runOf(task: AgentTask): ExecutorRun | undefined {
    return this.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
  }

  // ---------------------------------------------------------------- master messages

  handle(msg: MasterToAgent): void {
    switch (msg.type) {
      case 'RUN_TASK':
        void this.runTask(msg.run_task.framework, msg.run_task.task);
        break;
      case 'RUN_TASK_GROUP':
        void this.runTaskGroup(msg.run_task_group.framework, msg.run_task_group.executor, msg.run_task_group.task_group);
        break;
      case 'KILL_TASK':
        this.killTask(msg.kill_task.framework_id, msg.kill_task.task_id, msg.kill_task.kill_policy);
        break;
      case 'ACKNOWLEDGE':
        this.statusUpdates.acknowledge(msg.acknowledge.framework_id, msg.acknowledge.task_id, msg.acknowledge.uuid);
        break;
      case 'SHUTDOWN_FRAMEWORK':
        this.shutdownFramework(msg.shutdown_framework.framework_id);
        break;
      case 'SHUTDOWN_EXECUTOR':
        this.shutdownExecutor(msg.shutdown_executor.framework_id, msg.shutdown_executor.executor_id);
        break;
      case 'FRAMEWORK_MESSAGE': {
        const m = msg.framework_message;
        const fw = this.frameworks.get(m.framework_id);
        const run = fw?.executors.get(m.executor_id);
        if (run) run.message(m.data);
        else
          this.log.warn(
            { framework: m.framework_id, executor: m.executor_id },
            `Dropping a message for executor '${m.executor_id}': ${fw ? 'no such executor runs here' : `framework ${m.framework_id} does not run here`}`,
          );
        break;
      }
      default:
        break;
    }
  }

  /** What the agent tells the master when it (re-)registers. */
  registration(): RegisterMessage['register'] {
    return registerMessage(this);
  }

  // ---------------------------------------------------------------- frameworks, executor runs, tasks

  /** Records a framework (in memory and in the checkpoint). */
  addFramework(info: FrameworkInfo): AgentFramework {
    const id = info.id!.value;
    let fw = this.frameworks.get(id);
    if (!fw) {
      fw = { id, info, executors: new Map(), taskExecutors: new Map(), completedExecutors: [], shuttingDown: false };
      this.frameworks.set(id, fw);
    } else {
      fw.info = info;
    }
    return fw;
  }

  /** Told of every executor run added (its sandbox is made browsable through /files). */
  onExecutorAdded: ((fw: AgentFramework, ex: ExecutorRecord) => void) | undefined;
  /** Told of every executor run that ended (its sandbox goes after --gc_delay). */
  onExecutorCompleted: ((fw: AgentFramework, ex: ExecutorRecord) => void) | undefined;

  async runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): Promise<void> {
    const fw = this.addFramework(frameworkInfo);
    fw.shuttingDown = false;
    const taskId = task.task_id.value;
    if (this.findTask(fw.id, taskId)) {
      this.log.warn({ framework: fw.id, task: taskId }, `Ignoring duplicate launch of task ${taskId}`);
      return;
    }
    await this.launch(fw, executorForTask(fw.id, task), [task], false);
  }

  async runTaskGroup(frameworkInfo: FrameworkInfo, executor: ExecutorInfo, group: TaskGroupInfo): Promise<void> {
    const fw = this.addFramework(frameworkInfo);
    fw.shuttingDown = false;
    await this.launch(fw, executorForGroup(executor), group.tasks ?? [], true);
  }

  /** Hands tasks to the run of their executor: the one running (if it may take them), or a new one. */
  private async launch(fw: AgentFramework, choice: ExecutorChoice, tasks: TaskInfo[], asGroup: boolean): Promise<void> {
    const { kind, info } = choice;
    // An executor made for its task is new, even if another run has its id.
    const existing = choice.generatedForTask ? undefined : fw.executors.get(info.executor_id.value);
    const refused = existing && validateExecutorReuse(existing.kind, kind, existing.id);
    if (refused) {
      for (const t of tasks) this.updates.reportUntracked(fw, t.task_id.value, 'TASK_FAILED', refused);
      return;
    }
    const run = existing ?? this.addRun(fw, kind, info);
    await run.launch(tasks, asGroup);
  }

  /** Adds an executor run; `existing` gives its container and sandbox when recovering. */
  private addRun(
    fw: AgentFramework,
    kind: ExecutorKind,
    info: ExecutorInfo,
    existing?: { containerId: string; directory: string },
  ): RecoverableRun {
    const containerId = existing?.containerId ?? newUuid();
    const directory =
      existing?.directory || sandboxDir(this.config.workDir, this.id ?? 'unregistered', fw.id, info.executor_id.value, containerId);
    const run = newRun(kind, this, fw, info, containerId, directory);
    fw.executors.set(run.id, run);
    this.onExecutorAdded?.(fw, run);
    return run;
  }

  /** A run checkpointed before a restart, added again for recovery.ts to rebuild. */
  recoverRun(fw: AgentFramework, kind: ExecutorKind, info: ExecutorInfo, containerId: string, directory: string): RecoverableRun {
    return this.addRun(fw, kind, info, { containerId, directory });
  }

  indexTask(run: ExecutorRun, task: AgentTask): void {
    this.frameworks.get(run.frameworkId)?.taskExecutors.set(task.info.task_id.value, run);
    this.byContainer.set(task.containerId, run);
  }

  /** Checkpoints a new executor run (or more tasks for a running one) before anything is launched. */
  async checkpointLaunch(fw: AgentFramework, run: ExecutorRun, tasks: AgentTask[], newRun = true): Promise<void> {
    if (!this.checkpoints) return;
    const infoText = JSON.stringify(fw.info);
    const writes: Promise<void>[] = [];
    if (this.checkpointedFrameworks.get(fw.id) !== infoText) {
      this.checkpointedFrameworks.set(fw.id, infoText);
      writes.push(this.checkpoints.framework(fw.info));
    }
    // In parallel: nothing is launched before all are on disk, and recovery skips a task whose
    // framework, run or task checkpoint is missing and that never sent an update.
    const infos = tasks.map((t) => t.info);
    writes.push(newRun ? this.checkpoints.launch(fw.id, runInfoOf(run), infos) : this.checkpoints.tasks(run.containerId, infos));
    await Promise.all(writes);
  }

  /**
   * Creates a sandbox, owned by the user the command in it will run as, once there is room for
   * it; resolves to why it could not be made (a full disk, a failed mkdir), for the launch to fail.
   */
  async prepareSandbox(dir: string, fw: AgentFramework, command: CommandInfo | undefined): Promise<string | undefined> {
    const full = await this.diskSpace.ensureRoom();
    if (full) return full;
    const user = commandUser(command, fw.info, this.config.switchUser, this.isRoot);
    try {
      const problem = makeSandbox(dir, user.ok ? user.value : undefined);
      if (problem) this.log.warn(problem);
      return undefined;
    } catch (err) {
      return writeFailure(`Failed to create sandbox '${dir}'`, dir, err);
    }
  }

  /** Why a launch could not be checkpointed, in words that name the file system when it is the disk. */
  launchCheckpointFailure(err: unknown): string {
    return writeFailure('Failed to checkpoint the launch', this.checkpoints?.paths.runsLog ?? this.config.workDir, err);
  }

  findTask(frameworkId: string, taskId: string): AgentTask | undefined {
    const fw = this.frameworks.get(frameworkId);
    const ex = fw?.taskExecutors.get(taskId);
    // The executor may have ended (and its id been reused) since the task was added.
    return ex && fw!.executors.get(ex.id) === ex ? ex.tasks.get(taskId) : undefined;
  }

  /** Every task the agent tracks, for recovery and shutdown. */
  *allTasks(): Generator<AgentTask> {
    for (const fw of this.frameworks.values()) for (const ex of fw.executors.values()) yield* ex.tasks.values();
  }

  /** Counts of non-terminal tasks by state, for metrics. */
  activeTaskCounts(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const t of this.allTasks()) if (!isTerminalState(t.state)) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    return counts;
  }

  // ---------------------------------------------------------------- the end of runs

  /** The scheduler acknowledged a task's terminal update: the task (and maybe its run) is done. */
  private terminalAcknowledged(frameworkId: string, taskId: string): void {
    const fw = this.frameworks.get(frameworkId);
    const task = this.findTask(frameworkId, taskId);
    if (!fw || !task) return;
    const run = fw.executors.get(task.executorId)!;
    run.tasks.delete(taskId);
    fw.taskExecutors.delete(taskId);
    run.completedTasks.push(task);
    if (run.tasks.size === 0 && run.canComplete()) this.completeExecutor(fw, run);
  }

  /** Adds to a framework's completed executors, keeping the last --max_completed_executors_per_framework. */
  keepCompletedExecutor(fw: AgentFramework, ex: ExecutorRecord): void {
    fw.completedExecutors.push(ex);
    const excess = fw.completedExecutors.length - this.config.maxCompletedExecutorsPerFramework;
    if (excess > 0) fw.completedExecutors.splice(0, excess);
  }

  /** Completes a run whose tasks nobody will acknowledge: they are all completed now. */
  retire(fw: AgentFramework, run: ExecutorRun): void {
    for (const t of run.tasks.values()) run.completedTasks.push(t);
    run.tasks.clear();
    if (fw.executors.get(run.id) === run) this.completeExecutor(fw, run);
  }

  completeExecutor(fw: AgentFramework, run: ExecutorRun): void {
    fw.executors.delete(run.id);
    for (const id of [...run.tasks.keys(), ...run.completedTasks.map((t) => t.info.task_id.value)]) {
      if (fw.taskExecutors.get(id) === run) fw.taskExecutors.delete(id);
    }
    this.keepCompletedExecutor(fw, run);
    this.onExecutorCompleted?.(fw, run);
    for (const t of run.completedTasks) this.byContainer.delete(t.containerId);
    void this.checkpoints
      ?.completed(run.containerId)
      .then(() => run.forget())
      .catch((err: unknown) => this.log.warn(`Failed to checkpoint the end of executor ${run.id}: ${(err as Error).message}`));
    if (fw.executors.size === 0) {
      this.frameworks.delete(fw.id);
      this.completedFrameworks.push(fw);
      const over = this.completedFrameworks.length - this.config.maxCompletedFrameworks;
      if (over > 0) this.completedFrameworks.splice(0, over);
    }
  }

  // ---------------------------------------------------------------- kills, shutdowns, exits

  killTask(frameworkId: string, taskId: string, policy?: KillPolicy): void {
    const task = this.findTask(frameworkId, taskId);
    if (!task) {
      this.log.warn({ framework: frameworkId, task: taskId }, `Cannot kill task ${taskId}: it is not running here`);
      return;
    }
    this.runOf(task)!.kill(taskId, policy);
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    this.frameworks.get(frameworkId)?.executors.get(executorId)?.shutdown();
  }

  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.log.info({ framework: frameworkId }, `Shutting down framework ${frameworkId}`);
    fw.shuttingDown = true;
    this.statusUpdates.removeFramework(frameworkId);
    for (const run of [...fw.executors.values()]) run.shutdownFramework();
  }

  /** A containerizer reports that a container ended (now, or while the agent was away). */
  containerExited(containerId: string, exit: ContainerExit): void {
    this.byContainer.get(containerId)?.exited(containerId, exit);
  }

  /** After the supervisor came back (restarted): catch up on exits the agent did not hear of. */
  syncContainers(containers: ContainerState[]): void {
    const byId = new Map(containers.map((c) => [c.id, c]));
    for (const task of [...this.allTasks()]) {
      if (!task.running || containerizerFor(task.info) !== 'mesos') continue;
      const c = byId.get(task.containerId);
      if (!c) this.containerExited(task.containerId, { code: null, signal: null, unknown: true, at: Date.now() });
      else if (c.exit) this.containerExited(task.containerId, c.exit);
    }
  }

  /** Forgets everything after the master removed this agent: tasks are killed, not recovered. */
  reset(): void {
    for (const fw of this.frameworks.values()) for (const run of fw.executors.values()) run.destroy();
    this.frameworks.clear();
    this.byContainer.clear();
    this.statusUpdates.clear();
    this.id = undefined;
    void this.checkpoints?.close();
    this.checkpoints = undefined;
  }

  /**
   * The operator's KILL_CONTAINER: the live run that has this container (its executor's, or one
   * of its tasks', named with the run's container as parent) signals it. False when none has it.
   */
  killContainerOf(id: ContainerID, signal: NodeJS.Signals): boolean {
    const name = containerIdText(id);
    for (const fw of this.frameworks.values()) {
      for (const run of fw.executors.values()) if (run.killContainer(name, signal)) return true;
    }
    return false;
  }

  killContainer(containerId: string, via: ContainerizerName = 'mesos'): Promise<void> {
    const c = this.containerizers[via];
    if (!c) return Promise.resolve();
    return c
      .kill(containerId, DEFAULT_KILL_GRACE_MS)
      .catch((err: unknown) => this.log.warn(`Failed to kill container ${containerId}: ${(err as Error).message}`));
  }

  forgetContainer(containerId: string, via: ContainerizerName = 'mesos'): Promise<void> {
    return this.containerizers[via]?.forget(containerId).catch(() => undefined) ?? Promise.resolve();
  }

  /** Gets rid of a container no task owns any more (orphans after a restart, or a reset). */
  destroyContainer(containerId: string, via: ContainerizerName = 'mesos'): Promise<void> {
    const c = this.containerizers[via];
    if (!c) return Promise.resolve();
    return c
      .destroy(containerId)
      .catch((err: unknown) => this.log.warn(`Failed to remove container ${containerId}: ${(err as Error).message}`));
  }
}
