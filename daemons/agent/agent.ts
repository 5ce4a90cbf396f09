// The agent's core: the frameworks, executors and tasks it runs for the master, and the status
// updates it owes their schedulers. Everything is checkpointed under --work_dir/meta before it
// takes effect, and task processes belong to the task supervisor, not to the agent, so an agent
// that crashes or restarts finds its tasks again (recovery.ts).
//
//   master-link --RUN_TASK/KILL/ACK--> Agent --launch/kill--> containerizer (per task):
//        ^                               |        mesos: task supervisor (own session)
//        |                               |        docker: dockerd, containers mesos-<id>
//        |                               |  <--exit (real exit status)--'
//        +------STATUS_UPDATE---- StatusUpdateManager (checkpointed, ordered, retried)
//
// Tasks with TaskInfo.executor go to their framework's custom executor instead
// (executor/custom-executors.ts), which talks to the agent over /api/v1/executor.
import { chownSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AgentToMaster, MasterToAgent, RegisterMessage, ReportedExecutor, ReportedTask } from '../common/agent-protocol.ts';
import { newStatusUuid, newUuid } from '../common/ids.ts';
import {
  type CommandInfo,
  type ContainerInfo,
  type ExecutorInfo,
  type FrameworkInfo,
  type KillPolicy,
  type TaskGroupInfo,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
  type TaskStatusSource,
  isTerminalState,
} from '../common/mesos.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { Checkpoints, type ExecutorKind, type RunInfo } from './checkpoints.ts';
import {
  type ContainerExit,
  type Containerizer,
  type ContainerizerName,
  type Containerizers,
  containerizerFor,
} from './containerizer/containerizer.ts';
import { containerName } from './containerizer/docker-spec.ts';
import { CustomExecutors, DEFAULT_EXECUTOR_HEARTBEAT_SECS } from './executor/custom-executors.ts';
import { fetchUris } from './fetcher/fetcher.ts';
import { type CheckInfo, type CheckStatusInfo, Checker } from './health/checker.ts';
import { type HealthCheck, HealthChecker } from './health/health-checker.ts';
import { type TaskContext, commandUser, taskEnvironment, taskUser } from './launch-spec.ts';
import {
  type AgentConfig,
  type AgentExecutor,
  type AgentFramework,
  type AgentTask,
  DEFAULT_KILL_GRACE_MS,
  type FetcherConfig,
  type MasterChannel,
  defaultFetcherConfig,
} from './records.ts';
import { sandboxDir } from './sandbox.ts';
import { StatusUpdateManager } from './status-updates.ts';
import type { ContainerState } from './supervisor/protocol.ts';

export type { ExecutorKind } from './checkpoints.ts';

export class Agent {
  id?: string;
  readonly startTime = Date.now();
  readonly frameworks = new Map<string, AgentFramework>();
  readonly completedFrameworks: AgentFramework[] = [];
  readonly statusUpdates: StatusUpdateManager;
  /** Custom executors: their lifecycle, and the executor API's calls. */
  readonly executors: CustomExecutors;
  readonly counters = { tasksLaunched: 0, validStatusUpdates: 0, terminal: new Map<TaskState, number>() };
  /** Tasks by container id, to route exits. */
  private readonly byContainer = new Map<string, AgentTask>();
  masterHostname?: string;
  private channel?: MasterChannel;
  private checkpoints?: Checkpoints;
  /** FrameworkInfo last checkpointed per framework, to write it only when it changes. */
  private readonly checkpointedFrameworks = new Map<string, string>();
  private agentEnv: NodeJS.ProcessEnv | undefined;

  constructor(
    readonly config: AgentConfig,
    readonly log: Logger,
    private readonly containerizers: Containerizers,
    readonly isRoot = process.getuid?.() === 0,
  ) {
    this.executors = new CustomExecutors(this, containerizers.mesos, {
      registrationSecs: config.executorRegistrationTimeoutSecs ?? 60,
      reregistrationSecs: config.executorReregistrationTimeoutSecs ?? 2,
      recoverySecs: config.recoveryTimeoutSecs ?? 15 * 60,
      heartbeatSecs: config.executorHeartbeatIntervalSecs ?? DEFAULT_EXECUTOR_HEARTBEAT_SECS,
    });
    this.statusUpdates = new StatusUpdateManager(
      {
        send: (fw, status) => this.channel?.sendStatusUpdate(fw, status),
        // Only a head start: if this is lost, the terminal update frees the resources anyway.
        latestState: (fw, taskId, state) =>
          void this.channel?.post({ type: 'LATEST_STATE', latest_state: { framework_id: fw, task_id: taskId, state } }),
      },
      (fw, task) => this.terminalAcknowledged(fw, task),
      (s) => isTerminalState(s.state),
      {
        update: (fw, status) => {
          const t = this.findTask(fw, status.task_id.value);
          if (!t || !this.checkpoints) return Promise.resolve();
          return this.checkpoints.update(this.runContainerOf(t), status);
        },
        ack: (fw, taskId, uuid) => {
          const t = this.findTask(fw, taskId);
          if (!t || !this.checkpoints) return Promise.resolve();
          return this.checkpoints.ack(this.runContainerOf(t), taskId, uuid);
        },
        failed: (err) => this.log.error(`Failed to checkpoint a status update: ${(err as Error).message}`),
      },
    );
  }

  /**
   * What executors and tasks inherit: --executor_environment_variables when given, else the
   * agent's environment, copied once: every read of process.env goes through the C library's
   * environment, and copying it for each task was ~0.15 ms of the agent's time per task.
   */
  executorBaseEnv(): NodeJS.ProcessEnv {
    if (this.config.executorEnvironment) return this.config.executorEnvironment;
    this.agentEnv ??= { ...process.env };
    return this.agentEnv;
  }

  get pid(): string {
    return `slave(1)@${this.config.ip}:${this.config.port}`;
  }

  attach(channel: MasterChannel): void {
    this.channel = channel;
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

  /** The container id of the executor run a task belongs to. */
  private runContainerOf(task: AgentTask): string {
    return this.frameworks.get(task.frameworkId)?.executors.get(task.executorId)?.containerId ?? task.containerId.split('.')[0]!;
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
        if (fw) this.executors.message(fw, m.executor_id, m.data);
        else
          this.log.warn(
            { framework: m.framework_id, executor: m.executor_id },
            `Dropping a message for executor '${m.executor_id}': framework ${m.framework_id} does not run here`,
          );
        break;
      }
      default:
        break;
    }
  }

  /** What the agent tells the master when it (re-)registers. */
  registration(): RegisterMessage['register'] {
    const tasks: ReportedTask[] = [];
    const frameworks: FrameworkInfo[] = [];
    const executors: ReportedExecutor[] = [];
    for (const fw of this.frameworks.values()) {
      if (fw.shuttingDown) continue;
      frameworks.push(fw.info);
      for (const ex of fw.executors.values()) {
        if (ex.kind !== 'COMMAND') executors.push({ framework_id: fw.id, executor: ex.info, kind: ex.kind });
        for (const t of ex.tasks.values()) {
          const status = t.statuses[t.statuses.length - 1];
          tasks.push({
            framework_id: fw.id,
            executor_id: ex.kind === 'COMMAND' ? '' : ex.id,
            task: t.info,
            state: t.state,
            ...(status ? { status } : {}),
          });
        }
      }
    }
    return {
      ...(this.id ? { agent_id: this.id } : {}),
      hostname: this.config.hostname,
      port: this.config.port,
      pid: this.pid,
      version: MESOS_API_VERSION,
      resources: this.config.resources,
      attributes: this.config.attributes,
      tasks,
      frameworks,
      executors,
      capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'TASK_LABELS_TRANSITIONS'],
    };
  }

  // ---------------------------------------------------------------- frameworks, executors, tasks

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
  onExecutorAdded: ((fw: AgentFramework, ex: AgentExecutor) => void) | undefined;
  /** Told of every executor run that ended (its sandbox goes after --gc_delay). */
  onExecutorCompleted: ((fw: AgentFramework, ex: AgentExecutor) => void) | undefined;

  /** Adds an executor run; `directory` and `containerId` are given when recovering. */
  addExecutor(
    fw: AgentFramework,
    kind: ExecutorKind,
    info: ExecutorInfo,
    killGroupOnFailure: boolean,
    existing?: { containerId: string; directory: string },
  ): AgentExecutor {
    const containerId = existing?.containerId ?? newUuid();
    const directory =
      existing?.directory || sandboxDir(this.config.workDir, this.id ?? 'unregistered', fw.id, info.executor_id.value, containerId);
    const ex: AgentExecutor = {
      id: info.executor_id.value,
      frameworkId: fw.id,
      kind,
      info,
      containerId,
      directory,
      tasks: new Map(),
      completedTasks: [],
      killGroupOnFailure,
    };
    fw.executors.set(ex.id, ex);
    this.onExecutorAdded?.(fw, ex);
    return ex;
  }

  addTask(ex: AgentExecutor, info: TaskInfo, directory: string, containerId: string): AgentTask {
    const task: AgentTask = {
      info,
      frameworkId: ex.frameworkId,
      executorId: ex.id,
      containerId,
      state: 'TASK_STAGING',
      statuses: [],
      directory,
      running: false,
      killRequested: false,
    };
    ex.tasks.set(info.task_id.value, task);
    this.frameworks.get(ex.frameworkId)?.taskExecutors.set(info.task_id.value, ex);
    // A custom executor's tasks share its container; its exit is routed to the executor.
    if (ex.kind !== 'CUSTOM') this.byContainer.set(containerId, task);
    return task;
  }

  /** Checkpoints a new executor run (or more tasks for a running one) before anything is launched. */
  async checkpointLaunch(fw: AgentFramework, ex: AgentExecutor, tasks: AgentTask[], newRun = true): Promise<void> {
    if (!this.checkpoints) return;
    const run: RunInfo = {
      executor: ex.info,
      kind: ex.kind,
      container_id: ex.containerId,
      directory: ex.directory,
      kill_group_on_failure: ex.killGroupOnFailure,
    };
    const infoText = JSON.stringify(fw.info);
    const writes: Promise<void>[] = [];
    if (this.checkpointedFrameworks.get(fw.id) !== infoText) {
      this.checkpointedFrameworks.set(fw.id, infoText);
      writes.push(this.checkpoints.framework(fw.info));
    }
    // In parallel: nothing is launched before all are on disk, and recovery skips a task whose
    // framework, run or task checkpoint is missing and that never sent an update.
    const infos = tasks.map((t) => t.info);
    writes.push(newRun ? this.checkpoints.launch(fw.id, run, infos) : this.checkpoints.tasks(ex.containerId, infos));
    await Promise.all(writes);
  }

  /** Creates a sandbox, owned by the user the command in it will run as. */
  prepareSandbox(dir: string, fw: AgentFramework, command: CommandInfo | undefined): void {
    mkdirSync(dir, { recursive: true });
    const user = commandUser(command, fw.info, this.config.switchUser, this.isRoot);
    if (user && !('error' in user)) {
      // The task must be able to write its own sandbox, as with Mesos's chown of the sandbox.
      try {
        chownSync(dir, user.uid, user.gid);
      } catch (err) {
        this.log.warn(`Cannot give sandbox ${dir} to ${user.name}: ${(err as Error).message}`);
      }
    }
  }

  async runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): Promise<void> {
    const fw = this.addFramework(frameworkInfo);
    fw.shuttingDown = false;
    const taskId = task.task_id.value;
    if (this.findTask(fw.id, taskId)) {
      this.log.warn({ framework: fw.id, task: taskId }, `Ignoring duplicate launch of task ${taskId}`);
      return;
    }
    if (task.executor) {
      await this.executors.run(fw, task);
      return;
    }
    const executorInfo: ExecutorInfo = {
      executor_id: { value: taskId },
      framework_id: { value: fw.id },
      name: `Command Executor (Task: ${taskId}) (Command: ${describeCommand(task)})`,
      source: taskId,
    };
    const ex = this.addExecutor(fw, 'COMMAND', executorInfo, false);
    this.prepareSandbox(ex.directory, fw, task.command);
    const agentTask = this.addTask(ex, task, ex.directory, ex.containerId);
    this.counters.tasksLaunched++;
    await this.checkpointLaunch(fw, ex, [agentTask]).catch((err: unknown) =>
      this.log.error(`Failed to checkpoint task ${taskId}: ${(err as Error).message}`),
    );
    const unsupported = this.unsupportedReason(task.container);
    if (unsupported) {
      this.finish(agentTask, 'TASK_FAILED', unsupported.message, unsupported.reason);
      return;
    }
    await this.start(fw, agentTask);
  }

  async runTaskGroup(frameworkInfo: FrameworkInfo, executor: ExecutorInfo, group: TaskGroupInfo): Promise<void> {
    const fw = this.addFramework(frameworkInfo);
    fw.shuttingDown = false;
    if (executor.type === 'CUSTOM') {
      await this.executors.runGroup(fw, executor, group);
      return;
    }
    if (fw.executors.has(executor.executor_id.value)) {
      // Mesos lets a default executor take more groups; ours runs one group per executor.
      for (const task of group.tasks) {
        this.sendStatus(fw.id, task.task_id.value, 'TASK_FAILED', {
          message: `Executor ${executor.executor_id.value} is already running; launch each task group with a new executor id`,
          reason: 'REASON_TASK_GROUP_INVALID',
        });
      }
      return;
    }
    const ex = this.addExecutor(fw, 'DEFAULT', { ...executor, type: 'DEFAULT' }, true);
    const tasks = group.tasks.map((t) => {
      const dir = path.join(ex.directory, 'tasks', t.task_id.value);
      this.prepareSandbox(dir, fw, t.command);
      return this.addTask(ex, t, dir, `${ex.containerId}.${t.task_id.value}`);
    });
    this.counters.tasksLaunched += tasks.length;
    await this.checkpointLaunch(fw, ex, tasks).catch((err: unknown) =>
      this.log.error(`Failed to checkpoint task group: ${(err as Error).message}`),
    );
    const unsupported = group.tasks.map((t) => this.unsupportedReason(t.container)).find((r) => r !== undefined);
    if (unsupported) {
      for (const t of tasks) this.finish(t, 'TASK_FAILED', unsupported.message, unsupported.reason);
      return;
    }
    await Promise.all(tasks.map((t) => this.start(fw, t)));
  }

  /** Why a command task's container cannot run here, or undefined. */
  private unsupportedReason(c: ContainerInfo | undefined): { message: string; reason: TaskStatusReason } | undefined {
    const which = c?.type === 'DOCKER' ? 'docker' : 'mesos';
    if (!this.config.containerizers.includes(which) || !this.containerizers[which]) {
      const message =
        which === 'docker'
          ? `DOCKER containers need the Docker containerizer; start the agent with --containerizers=docker,mesos (now --containerizers=${this.config.containerizers.join(',')})`
          : `This agent runs only DOCKER containers (--containerizers=${this.config.containerizers.join(',')}); give the task a DOCKER ContainerInfo or add mesos to --containerizers`;
      return { message, reason: 'REASON_CONTAINER_LAUNCH_FAILED' };
    }
    const mesos = c?.mesos as { image?: unknown } | undefined;
    const unsupported: Array<[unknown, string]> = [
      [c?.tty_info, 'A TTY for the task (ContainerInfo.tty_info) is not supported by this agent'],
      [c?.linux_info, 'Linux capabilities (ContainerInfo.linux_info) are not supported by this agent'],
      [c?.rlimit_info, 'Resource limits (ContainerInfo.rlimit_info) are not supported by this agent'],
    ];
    if (which === 'mesos') {
      unsupported.unshift(
        [
          mesos?.image,
          'Container images in the Mesos containerizer are not supported (this agent has no image provisioner); run the image as a DOCKER container (mesos execute --containerizer=docker)',
        ],
        [
          (c?.network_infos as { name?: string }[] | undefined)?.some((n) => n.name),
          'CNI networks (ContainerInfo.network_infos) are not supported by this agent',
        ],
      );
      unsupported.push([
        (c?.volumes as unknown[] | undefined)?.length,
        'Volumes in the Mesos containerizer are not supported by this agent',
      ]);
    }
    for (const [present, message] of unsupported) if (present) return { message, reason: 'REASON_CONTAINER_LAUNCH_FAILED' };
    return undefined;
  }

  /** The containerizer that runs (or would run) a task. */
  private containerizerOf(task: AgentTask): Containerizer {
    return this.containerizers[containerizerFor(task.info)] ?? this.containerizers.mesos;
  }

  /** Launches a task's container (also used by recovery for tasks that never got launched). */
  async start(fw: AgentFramework, task: AgentTask): Promise<void> {
    if (isTerminalState(task.state)) return; // killed while its launch was being checkpointed
    const user = taskUser(task.info, fw.info, this.config.switchUser, this.isRoot);
    if (user && 'error' in user) {
      this.finish(task, 'TASK_FAILED', user.error, 'REASON_CONTAINER_LAUNCH_FAILED');
      return;
    }
    this.transition(task, 'TASK_STARTING');
    const ctx = this.contextOf(fw, task, user);
    const uris = task.info.command?.uris ?? [];
    if (uris.length > 0) {
      const fetcher = this.fetcherConfig;
      try {
        await fetchUris(uris, { sandbox: task.directory, ...fetcher, ...(user ? { owner: user } : {}) });
      } catch (err) {
        // Mesos reports fetch failures as a container launch failure.
        this.finish(
          task,
          'TASK_FAILED',
          `Failed to fetch all URIs for container '${task.containerId}': ${(err as Error).message}`,
          'REASON_CONTAINER_LAUNCH_FAILED',
        );
        return;
      }
      if (task.killRequested) {
        this.finish(task, 'TASK_KILLED', 'Task killed before it started', 'REASON_TASK_KILLED_DURING_LAUNCH');
        return;
      }
    }
    try {
      task.pid = await this.containerizerOf(task).launch(ctx);
    } catch (err) {
      this.finish(task, 'TASK_FAILED', (err as Error).message, 'REASON_CONTAINER_LAUNCH_FAILED');
      return;
    }
    if (isTerminalState(task.state)) return; // its exit was reported while the launch reply was on its way
    task.running = true;
    const check = task.info.check as CheckInfo | undefined;
    if (check) task.checkStatus = Checker.initial(check);
    this.transition(task, 'TASK_RUNNING');
    if (task.killRequested) {
      // A kill arrived while the process was being started.
      task.killRequested = false;
      this.kill(task, task.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
      return;
    }
    this.startHealthChecks(task, ctx);
    this.startChecks(task, ctx);
  }

  /** TaskInfo.check: each changed result goes out as TASK_RUNNING with check_status. */
  startChecks(task: AgentTask, ctx: TaskContext): void {
    const check = task.info.check as CheckInfo | undefined;
    if (!check || task.checker) return;
    task.checkStatus ??= Checker.initial(check);
    task.checker = new Checker(check, { host: '127.0.0.1', cwd: task.directory, env: taskEnvironment(ctx) }, (status) => {
      if (isTerminalState(task.state)) return;
      task.checkStatus = status;
      this.transition(task, task.state, undefined, 'REASON_TASK_CHECK_STATUS_UPDATED');
    });
    task.checker.start();
  }

  get fetcherConfig(): FetcherConfig {
    return this.config.fetcher ?? defaultFetcherConfig(this.config.workDir);
  }

  private contextOf(fw: AgentFramework, task: AgentTask, user: ReturnType<typeof taskUser>): TaskContext {
    return {
      task: task.info,
      framework: fw.info,
      containerId: task.containerId,
      executorId: task.executorId,
      sandbox: task.directory,
      agentId: this.id ?? '',
      agentEndpoint: `${this.config.ip}:${this.config.port}`,
      agentEnv: this.executorBaseEnv(),
      user: user && !('error' in user) ? user : undefined,
    };
  }

  /** Health checks of a task re-attached after an agent restart start again. */
  resumeHealthChecks(fw: AgentFramework, task: AgentTask): void {
    const ctx = this.contextOf(fw, task, taskUser(task.info, fw.info, this.config.switchUser, this.isRoot));
    this.startHealthChecks(task, ctx);
    this.startChecks(task, ctx);
  }

  /** TaskInfo.health_check: health changes become TASK_RUNNING updates; too many failures kill. */
  startHealthChecks(task: AgentTask, ctx: TaskContext): void {
    const check = task.info.health_check as HealthCheck | undefined;
    if (!check || task.health) return;
    task.health = new HealthChecker(
      check,
      { host: '127.0.0.1', cwd: task.directory, env: taskEnvironment(ctx) },
      {
        healthChanged: (healthy, message) => {
          if (isTerminalState(task.state)) return;
          this.transition(task, 'TASK_RUNNING', message, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy);
        },
        kill: (message) => {
          this.log.warn({ task: task.info.task_id.value }, `Killing task ${task.info.task_id.value}: ${message}`);
          task.unhealthyKill = message;
          this.kill(
            task,
            task.info.kill_policy?.grace_period ? task.info.kill_policy.grace_period.nanoseconds / 1e6 : DEFAULT_KILL_GRACE_MS,
          );
        },
      },
    );
    task.health.start();
  }

  /** A containerizer reports that a task's container ended (now, or while the agent was away). */
  containerExited(containerId: string, exit: ContainerExit): void {
    const executor = this.executors.byContainer(containerId);
    if (executor) {
      this.executors.exited(executor.fw, executor.ex, exit);
      return;
    }
    const task = this.byContainer.get(containerId);
    if (!task) return;
    task.running = false;
    if (isTerminalState(task.state)) return;
    if (exit.unknown) {
      const why =
        containerizerFor(task.info) === 'docker'
          ? `Docker container ${containerName(containerId)} is gone (removed outside the agent); its exit status is unknown`
          : 'The task ended while the agent and its task supervisor were down; its exit status is unknown';
      this.finish(task, 'TASK_FAILED', why, 'REASON_EXECUTOR_TERMINATED');
      return;
    }
    // It ran, even if the launch reply had not arrived yet: say so before saying how it ended.
    if (task.state === 'TASK_STARTING') this.transition(task, 'TASK_RUNNING');
    const how = exit.signal ? `terminated with signal ${signalName(exit.signal)}` : `exited with status ${exit.code}`;
    if (containerizerFor(task.info) === 'docker') {
      // Mesos's docker executor: a clean exit is a success even after a kill.
      const oom = exit.oomKilled ? ' (out of memory: the container exceeded its mem limit)' : '';
      if (exit.code === 0) this.finish(task, 'TASK_FINISHED', 'Container exited with status 0');
      else if (task.killRequested)
        this.finish(
          task,
          'TASK_KILLED',
          task.unhealthyKill ?? `Container ${how}`,
          task.unhealthyKill ? 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' : undefined,
        );
      else this.finish(task, 'TASK_FAILED', `Container ${how}${oom}`, exit.oomKilled ? 'REASON_CONTAINER_LIMITATION_MEMORY' : undefined);
      return;
    }
    if (task.killRequested)
      this.finish(
        task,
        'TASK_KILLED',
        task.unhealthyKill ?? `Command ${how}`,
        task.unhealthyKill ? 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' : undefined,
      );
    else if (exit.code === 0) this.finish(task, 'TASK_FINISHED', 'Command exited with status 0');
    else this.finish(task, 'TASK_FAILED', `Command ${how}`);
  }

  // ---------------------------------------------------------------- status updates

  /**
   * Moves a task to a new state and sends the update. The agent speaks as the command executor
   * of its command tasks (SOURCE_EXECUTOR); about a custom executor's tasks as itself (SOURCE_AGENT).
   */
  transition(
    task: AgentTask,
    state: TaskState,
    message?: string,
    reason?: TaskStatusReason,
    healthy?: boolean,
    source: TaskStatusSource = 'SOURCE_EXECUTOR',
  ): void {
    if (isTerminalState(task.state)) return;
    task.state = state;
    if (isTerminalState(state)) {
      task.health?.stop();
      task.checker?.stop();
    }
    const ex = this.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
    const status = this.sendStatus(task.frameworkId, task.info.task_id.value, state, {
      executorId: task.executorId,
      source,
      ...(message ? { message } : {}),
      ...(reason ? { reason } : {}),
      ...(ex ? { containerId: ex.containerId } : {}),
      ...(healthy !== undefined ? { healthy } : task.unhealthyKill && isTerminalState(state) ? { healthy: false } : {}),
      ...(task.checkStatus ? { checkStatus: task.checkStatus } : {}),
    });
    if (status) task.statuses.push(status);
  }

  /** An update about a task the agent does not track (refused before it was recorded). */
  reportUntracked(
    fw: AgentFramework,
    taskId: string,
    state: TaskState,
    opts: { message: string; reason: TaskStatusReason; executorId?: string },
  ): void {
    this.sendStatus(fw.id, taskId, state, { ...opts, source: 'SOURCE_AGENT' });
  }

  private sendStatus(
    frameworkId: string,
    taskId: string,
    state: TaskState,
    opts: {
      executorId?: string;
      message?: string;
      reason?: TaskStatusReason;
      containerId?: string;
      healthy?: boolean;
      source?: TaskStatusSource;
      checkStatus?: CheckStatusInfo;
    },
  ): TaskStatus | undefined {
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: opts.source ?? 'SOURCE_EXECUTOR',
      timestamp: Date.now() / 1000,
      uuid: newStatusUuid(),
    };
    if (opts.executorId) status.executor_id = { value: opts.executorId };
    if (this.id) status.agent_id = { value: this.id };
    if (opts.message) status.message = opts.message;
    if (opts.reason) status.reason = opts.reason;
    if (opts.healthy !== undefined) status.healthy = opts.healthy;
    if (opts.checkStatus) status.check_status = opts.checkStatus;
    if (opts.containerId) status.container_status = { container_id: { value: opts.containerId } };
    void this.forwardStatus(frameworkId, status);
    return status;
  }

  /** A status a custom executor sent about its task: recorded, then checkpointed and forwarded. */
  acceptStatus(task: AgentTask, status: TaskStatus): Promise<void> {
    task.state = status.state;
    task.statuses.push(status);
    return this.forwardStatus(task.frameworkId, status);
  }

  /**
   * Counts an update and hands it to the status update manager; resolves once it is checkpointed.
   * Nobody acknowledges updates of a framework being shut down, so those are not sent.
   */
  forwardStatus(frameworkId: string, status: TaskStatus): Promise<void> {
    this.counters.validStatusUpdates++;
    if (isTerminalState(status.state)) this.counters.terminal.set(status.state, (this.counters.terminal.get(status.state) ?? 0) + 1);
    if (this.frameworks.get(frameworkId)?.shuttingDown) return Promise.resolve();
    return this.statusUpdates.update(frameworkId, status);
  }

  /** Sends a message to the master, retrying every second (up to `attempts`) while the agent is not registered. */
  tellMaster(msg: AgentToMaster, attempts = 120): void {
    const attempt = (left: number) => {
      const sent = this.channel ? this.channel.post(msg) : Promise.resolve(false);
      void sent.then((ok) => {
        if (ok || left <= 1) {
          if (!ok) this.log.warn(`Could not send ${msg.type} to the master; dropped`);
          return;
        }
        setTimeout(() => attempt(left - 1), 1000).unref();
      });
    };
    attempt(attempts);
  }

  /** Ends a task; in a task group a failure ends the rest of the group too. */
  finish(task: AgentTask, state: TaskState, message: string, reason?: TaskStatusReason): void {
    if (isTerminalState(task.state)) return;
    this.transition(task, state, message, reason);
    if (state === 'TASK_FINISHED' || state === 'TASK_KILLED') return;
    const ex = this.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
    if (!ex?.killGroupOnFailure) return;
    for (const other of ex.tasks.values()) {
      if (other === task || isTerminalState(other.state)) continue;
      this.log.info(
        { task: other.info.task_id.value },
        `Killing task ${other.info.task_id.value}: task ${task.info.task_id.value} of its group ended in ${state}`,
      );
      this.kill(other, DEFAULT_KILL_GRACE_MS);
    }
  }

  /** The scheduler acknowledged a task's terminal update: the task (and maybe its executor) is done. */
  private terminalAcknowledged(frameworkId: string, taskId: string): void {
    const fw = this.frameworks.get(frameworkId);
    const task = this.findTask(frameworkId, taskId);
    if (!fw || !task) return;
    const ex = fw.executors.get(task.executorId)!;
    ex.tasks.delete(taskId);
    fw.taskExecutors.delete(taskId);
    ex.completedTasks.push(task);
    // A custom executor outlives its tasks: it is over when its process is.
    if (ex.tasks.size === 0 && (!ex.custom || ex.custom.state === 'TERMINATED')) this.completeExecutor(fw, ex);
  }

  /** Adds to a framework's completed executors, keeping the last --max_completed_executors_per_framework. */
  keepCompletedExecutor(fw: AgentFramework, ex: AgentExecutor): void {
    fw.completedExecutors.push(ex);
    const excess = fw.completedExecutors.length - this.config.maxCompletedExecutorsPerFramework;
    if (excess > 0) fw.completedExecutors.splice(0, excess);
  }

  completeExecutor(fw: AgentFramework, ex: AgentExecutor, checkpoint = true): void {
    fw.executors.delete(ex.id);
    for (const id of [...ex.tasks.keys(), ...ex.completedTasks.map((t) => t.info.task_id.value)]) {
      if (fw.taskExecutors.get(id) === ex) fw.taskExecutors.delete(id);
    }
    this.keepCompletedExecutor(fw, ex);
    this.onExecutorCompleted?.(fw, ex);
    const done = [...ex.completedTasks];
    for (const t of done) this.byContainer.delete(t.containerId);
    if (checkpoint && this.checkpoints) {
      const forget = (): Promise<unknown> =>
        ex.custom
          ? this.containerizers.mesos.forget(ex.containerId).catch(() => undefined)
          : Promise.all(
              done.map((t) =>
                this.containerizerOf(t)
                  .forget(t.containerId)
                  .catch(() => undefined),
              ),
            );
      void this.checkpoints
        .completed(ex.containerId)
        .then(forget)
        .catch((err: unknown) => this.log.warn(`Failed to checkpoint the end of executor ${ex.id}: ${(err as Error).message}`));
    }
    if (fw.executors.size === 0) {
      this.frameworks.delete(fw.id);
      this.completedFrameworks.push(fw);
      const over = this.completedFrameworks.length - this.config.maxCompletedFrameworks;
      if (over > 0) this.completedFrameworks.splice(0, over);
    }
  }

  // ---------------------------------------------------------------- killing

  findTask(frameworkId: string, taskId: string): AgentTask | undefined {
    const fw = this.frameworks.get(frameworkId);
    const ex = fw?.taskExecutors.get(taskId);
    // The executor may have ended (and its id been reused) since the task was added.
    return ex && fw!.executors.get(ex.id) === ex ? ex.tasks.get(taskId) : undefined;
  }

  killTask(frameworkId: string, taskId: string, policy?: KillPolicy): void {
    const task = this.findTask(frameworkId, taskId);
    if (!task) {
      this.log.warn({ framework: frameworkId, task: taskId }, `Cannot kill task ${taskId}: it is not running here`);
      return;
    }
    const fw = this.frameworks.get(frameworkId)!;
    const ex = fw.executors.get(task.executorId);
    if (ex?.custom) {
      this.executors.kill(fw, ex, task, policy);
      return;
    }
    const graceNs = policy?.grace_period?.nanoseconds;
    const graceMs = graceNs !== undefined ? Math.max(0, graceNs / 1e6) : DEFAULT_KILL_GRACE_MS;
    // Killing one task of a group kills the group, as Mesos's default executor does.
    const victims = ex?.killGroupOnFailure ? [...ex.tasks.values()] : [task];
    for (const t of victims) this.kill(t, graceMs);
  }

  kill(task: AgentTask, graceMs: number): void {
    if (isTerminalState(task.state)) return;
    if (!task.running) {
      if (task.state === 'TASK_STAGING') {
        task.killRequested = true;
        this.finish(task, 'TASK_KILLED', 'Task killed before it started', 'REASON_TASK_KILLED_DURING_LAUNCH');
      } else {
        // Being launched right now: kill as soon as the launch completes.
        task.killRequested = true;
        task.killGraceMs = graceMs;
      }
      return;
    }
    if (task.killRequested) return;
    task.killRequested = true;
    const fw = this.frameworks.get(task.frameworkId);
    if (fw?.info.capabilities?.some((c) => c.type === 'TASK_KILLING_STATE')) this.transition(task, 'TASK_KILLING');
    this.containerizerOf(task)
      .kill(task.containerId, graceMs)
      .catch((err: unknown) => this.log.error(`Failed to kill task ${task.info.task_id.value}: ${(err as Error).message}`));
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    const fw = this.frameworks.get(frameworkId);
    const ex = fw?.executors.get(executorId);
    if (!fw || !ex) return;
    if (ex.custom) {
      this.executors.shutdown(fw, ex);
      return;
    }
    for (const t of ex.tasks.values()) this.kill(t, this.config.executorShutdownGraceSecs * 1000);
  }

  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.log.info({ framework: frameworkId }, `Shutting down framework ${frameworkId}`);
    fw.shuttingDown = true;
    this.statusUpdates.removeFramework(frameworkId);
    for (const ex of [...fw.executors.values()]) {
      if (ex.custom) {
        this.executors.frameworkShutdown(fw, ex);
        continue;
      }
      for (const t of ex.tasks.values()) this.kill(t, this.config.executorShutdownGraceSecs * 1000);
      // Nobody will acknowledge these tasks: they complete as soon as they end.
      const settle = () => {
        if ([...ex.tasks.values()].every((t) => isTerminalState(t.state))) {
          for (const t of ex.tasks.values()) ex.completedTasks.push(t);
          ex.tasks.clear();
          if (fw.executors.get(ex.id) === ex) this.completeExecutor(fw, ex);
          return;
        }
        setTimeout(settle, 50).unref();
      };
      settle();
    }
  }

  /** Forgets everything after the master removed this agent: tasks are killed, not recovered. */
  reset(): void {
    this.executors.reset();
    for (const task of this.allTasks()) {
      if (this.frameworks.get(task.frameworkId)?.executors.get(task.executorId)?.custom) continue;
      if (task.running || task.state !== 'TASK_STAGING') void this.destroyContainer(task.containerId, containerizerFor(task.info));
    }
    this.frameworks.clear();
    this.byContainer.clear();
    this.statusUpdates.clear();
    this.id = undefined;
    void this.checkpoints?.close();
    this.checkpoints = undefined;
  }

  /** The containerizer by name; a container nobody knows the task of runs under `via` (default mesos). */
  private containerizerNamed(via: ContainerizerName): Containerizer | undefined {
    return this.containerizers[via];
  }

  killContainer(containerId: string, via: ContainerizerName = 'mesos'): Promise<void> {
    const c = this.containerizerNamed(via);
    if (!c) return Promise.resolve();
    return c
      .kill(containerId, DEFAULT_KILL_GRACE_MS)
      .catch((err: unknown) => this.log.warn(`Failed to kill container ${containerId}: ${(err as Error).message}`));
  }

  forgetContainer(containerId: string, via: ContainerizerName = 'mesos'): Promise<void> {
    return (
      this.containerizerNamed(via)
        ?.forget(containerId)
        .catch(() => undefined) ?? Promise.resolve()
    );
  }

  /** Gets rid of a container no task owns any more (orphans after a restart, or a reset). */
  destroyContainer(containerId: string, via: ContainerizerName = 'mesos'): Promise<void> {
    const c = this.containerizerNamed(via);
    if (!c) return Promise.resolve();
    return c
      .destroy(containerId)
      .catch((err: unknown) => this.log.warn(`Failed to remove container ${containerId}: ${(err as Error).message}`));
  }

  /**
   * After an agent restart: has the task's containerizer follow its container again. False when
   * that containerizer reports exits by itself (the task supervisor), so recovery reports them.
   */
  reattach(task: AgentTask): boolean {
    const c = this.containerizerOf(task);
    if (!c.reattach) return false;
    c.reattach(task.containerId, task.directory).catch((err: unknown) => {
      this.log.error(`Cannot follow container ${task.containerId} of task ${task.info.task_id.value} again: ${(err as Error).message}`);
      this.containerExited(task.containerId, { code: null, signal: null, unknown: true, at: Date.now() });
    });
    return true;
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

  /** Counts of non-terminal tasks by state, for metrics. */
  activeTaskCounts(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const fw of this.frameworks.values())
      for (const ex of fw.executors.values())
        for (const t of ex.tasks.values()) if (!isTerminalState(t.state)) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    return counts;
  }

  /** Every task the agent tracks, for recovery and shutdown. */
  *allTasks(): Generator<AgentTask> {
    for (const fw of this.frameworks.values()) for (const ex of fw.executors.values()) yield* ex.tasks.values();
  }
}

function describeCommand(task: TaskInfo): string {
  const c = task.command;
  if (!c) return '';
  if (c.shell !== false) return `sh -c '${c.value ?? ''}'`;
  return [c.value ?? '', ...(c.arguments ?? []).slice(1)].join(' ');
}

const SIGNAL_NAMES: Record<string, string> = {
  SIGTERM: 'Terminated',
  SIGKILL: 'Killed',
  SIGINT: 'Interrupt',
  SIGHUP: 'Hangup',
  SIGSEGV: 'Segmentation fault',
  SIGABRT: 'Aborted',
  SIGQUIT: 'Quit',
};

function signalName(signal: string): string {
  return SIGNAL_NAMES[signal] ?? signal;
}
