// Custom executors (TaskInfo.executor): the agent starts ExecutorInfo.command in the executor's
// sandbox through the Mesos containerizer, queues its tasks until it subscribes over the v1
// executor API, and from then on relays: LAUNCH and KILL and framework messages to it, its
// status updates (checkpointed, then ACKNOWLEDGED to it) and messages to the master. The life of
// an executor follows Mesos's slave.cpp:
//
//   REGISTERING --SUBSCRIBE--> RUNNING --SHUTDOWN_EXECUTOR / framework shutdown--> TERMINATING
//        |  --executor_registration_timeout-->  TERMINATING (container destroyed)   |  grace period
//        '-----------------------------------> TERMINATED <--container exited-------'
//
// When the container ends, the executor's live tasks fail (REASON_EXECUTOR_TERMINATED, or the
// reason it was terminated for) and the master tells the scheduler (FAILURE). After an agent
// restart a running executor that had subscribed must subscribe again within
// --executor_reregistration_timeout; its unacknowledged updates come with that SUBSCRIBE.
import os from 'node:os';
import { formatDuration } from '../../common/flags/index.ts';
import {
  type ExecutorInfo,
  type KillPolicy,
  type TaskGroupInfo,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
  isTerminalState,
} from '../../common/mesos.ts';
import type { Agent } from '../agent.ts';
import type { AgentExecutor, AgentFramework, AgentTask } from '../records.ts';
import type { RecoveredRun } from '../checkpoints.ts';
import type { ContainerExit, Containerizer, FoundContainer } from '../containerizer/containerizer.ts';
import { fetchUris } from '../fetcher/fetcher.ts';
import { commandUser } from '../launch-spec.ts';
import type { ExecutorCall, ExecutorConnection } from './calls.ts';

/** Mesos's DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL. */
export const DEFAULT_EXECUTOR_HEARTBEAT_SECS = 30 * 60;

export interface CustomExecutorTimeouts {
  /** --executor_registration_timeout */
  registrationSecs: number;
  /** --executor_reregistration_timeout (also the executors' MESOS_SUBSCRIPTION_BACKOFF_MAX) */
  reregistrationSecs: number;
  /** --recovery_timeout, passed to executors as MESOS_RECOVERY_TIMEOUT */
  recoverySecs: number;
  heartbeatSecs: number;
}

export type ExecutorLifecycle = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

/** How the executor's live tasks end when its container does (Mesos's pending termination). */
interface Termination {
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
}

/** What the agent tracks of a custom executor beyond AgentExecutor. */
export interface CustomExecutorState {
  state: ExecutorLifecycle;
  connection?: ExecutorConnection;
  /** Tasks waiting for the executor to subscribe, in launch order. */
  queued: Set<string>;
  /** Queued tasks of a task group: every task id of the group, delivered together (LAUNCH_GROUP). */
  groups: Map<string, string[]>;
  /** Kills of delivered tasks that arrived while a restarted agent waited for the executor. */
  pendingKills: Map<string, KillPolicy | undefined>;
  /** A LAUNCH went out at least once (Mesos's everSentTask). */
  everSentTask: boolean;
  /** It subscribed at least once (checkpointed in runs.log). */
  subscribed: boolean;
  pendingTermination?: Termination;
  /** The registration, re-registration or shutdown deadline. */
  deadline?: NodeJS.Timeout;
  heartbeat?: NodeJS.Timeout;
}

export type ExecutorLookup = { fw: AgentFramework; ex: AgentExecutor; custom: CustomExecutorState } | { status: number; message: string };

/** What recovering one run of a custom executor found. */
export interface RecoveredExecutor {
  /** Non-terminal tasks of an executor that is still running. */
  live: number;
  /** Non-terminal tasks whose executor ended while the agent was down. */
  ended: number;
  /** The executor was checkpointed but never started: start it once recovery is done. */
  start?: () => void;
}

/** The wait(2) status Mesos reports in FAILURE: exit code << 8, or the signal number; -1 when unknown. */
export function waitStatus(exit: ContainerExit): number {
  if (exit.unknown) return -1;
  if (exit.code !== null) return (exit.code & 0xff) << 8;
  if (exit.signal) return os.constants.signals[exit.signal as NodeJS.Signals] ?? -1;
  return -1;
}

/** The state as it is now (after an await, not as narrowed before it). */
function now(custom: CustomExecutorState): ExecutorLifecycle {
  return custom.state;
}

function partitionAware(fw: AgentFramework): boolean {
  return fw.info.capabilities?.some((c) => c.type === 'PARTITION_AWARE') ?? false;
}

export class CustomExecutors {
  private isServing = false;
  private readonly waitingForServer: Array<() => void> = [];

  constructor(
    private readonly agent: Agent,
    private readonly containerizer: Containerizer,
    readonly timeouts: CustomExecutorTimeouts,
  ) {}

  private get log() {
    return this.agent.log;
  }

  // ---------------------------------------------------------------- from the master

  /** RUN_TASK with TaskInfo.executor: queue the task for its executor, starting one if needed. */
  run(fw: AgentFramework, task: TaskInfo): Promise<void> {
    return this.runTasks(fw, task.executor!, [task], false);
  }

  /** RUN_TASK_GROUP with an executor of type CUSTOM: the group goes to it as one LAUNCH_GROUP. */
  runGroup(fw: AgentFramework, executor: ExecutorInfo, group: TaskGroupInfo): Promise<void> {
    return this.runTasks(fw, executor, group.tasks, true);
  }

  private async runTasks(fw: AgentFramework, given: ExecutorInfo, tasks: TaskInfo[], asGroup: boolean): Promise<void> {
    const executorId = given.executor_id.value;
    const ids = tasks.map((t) => t.task_id.value);
    let ex = fw.executors.get(executorId);
    if (ex && !ex.custom) {
      for (const id of ids) {
        this.agent.reportUntracked(fw, id, 'TASK_FAILED', {
          message: `Executor '${executorId}' is already in use by a ${ex.kind === 'DEFAULT' ? 'task group' : 'command task'} of this framework; give the custom executor another id`,
          reason: 'REASON_TASK_INVALID',
        });
      }
      return;
    }
    if (ex?.custom && (ex.custom.state === 'TERMINATING' || ex.custom.state === 'TERMINATED')) {
      const which = ex.custom.state === 'TERMINATING' ? 'terminating' : 'terminated';
      this.log.warn({ framework: fw.id, tasks: ids }, `Asked to run ${ids.join(', ')} with executor '${executorId}' which is ${which}`);
      for (const id of ids) {
        this.agent.reportUntracked(fw, id, partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST', {
          message: `Executor ${which}`,
          reason: 'REASON_EXECUTOR_TERMINATED',
          executorId,
        });
      }
      return;
    }
    const isNew = !ex;
    if (!ex) {
      const info: ExecutorInfo = { ...given, framework_id: { value: fw.id } };
      ex = this.agent.addExecutor(fw, 'CUSTOM', info, false);
      ex.custom = {
        state: 'REGISTERING',
        queued: new Set(),
        groups: new Map(),
        pendingKills: new Map(),
        everSentTask: false,
        subscribed: false,
      };
      this.agent.prepareSandbox(ex.directory, fw, info.command);
    }
    const custom = ex.custom!;
    const agentTasks = tasks.map((t) => this.agent.addTask(ex, t, ex.directory, ex.containerId));
    this.agent.counters.tasksLaunched += tasks.length;
    // Queued at once, so that a kill arriving while they are checkpointed finds them.
    for (const id of ids) {
      custom.queued.add(id);
      if (asGroup) custom.groups.set(id, ids);
    }
    await this.agent
      .checkpointLaunch(fw, ex, agentTasks, isNew)
      .catch((err: unknown) => this.log.error(`Failed to checkpoint tasks ${ids.join(', ')}: ${(err as Error).message}`));
    if (isNew) {
      await this.launch(fw, ex);
      return;
    }
    if (custom.state === 'RUNNING') this.deliverQueued(ex, custom, ids);
    // Still REGISTERING: they go with SUBSCRIBED. TERMINATING meanwhile: exited() fails them.
  }

  /** Starts the executor's container: fetch ExecutorInfo.command.uris, then run its command. */
  async launch(fw: AgentFramework, ex: AgentExecutor): Promise<void> {
    const custom = ex.custom!;
    const info = ex.info;
    this.arm(custom, this.timeouts.registrationSecs, () => {
      if (custom.state !== 'REGISTERING') return;
      this.log.info(
        { framework: fw.id, executor: ex.id },
        `Terminating executor '${ex.id}' because it did not register within ${formatDuration(this.timeouts.registrationSecs)}`,
      );
      this.terminate(ex, custom, {
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
        message: `Executor did not register within ${formatDuration(this.timeouts.registrationSecs)}`,
      });
    });
    const unsupported = this.unsupported(info);
    const user = commandUser(info.command, fw.info, this.agent.config.switchUser, this.agent.isRoot);
    const problem = unsupported ?? (user && 'error' in user ? user.error : undefined);
    if (problem) return this.launchFailed(fw, ex, problem);
    const osUser = user && !('error' in user) ? user : undefined;
    const uris = info.command?.uris ?? [];
    if (uris.length > 0) {
      const fetcher = this.agent.fetcherConfig;
      try {
        await fetchUris(uris, { sandbox: ex.directory, ...fetcher, ...(osUser ? { owner: osUser } : {}) });
      } catch (err) {
        return this.launchFailed(fw, ex, `Failed to fetch all URIs for container '${ex.containerId}': ${(err as Error).message}`);
      }
    }
    // Terminated (timed out, shut down) while fetching: no container was started.
    if (now(custom) === 'TERMINATING') return this.exited(fw, ex, { code: null, signal: null, unknown: true, at: Date.now() });
    if (now(custom) === 'TERMINATED') return;
    const first = [...ex.tasks.values()][0];
    try {
      await this.containerizer.launch({
        task: first?.info ?? { name: ex.id, task_id: { value: ex.id }, agent_id: { value: this.agent.id ?? '' } },
        framework: fw.info,
        containerId: ex.containerId,
        executorId: ex.id,
        sandbox: ex.directory,
        agentId: this.agent.id ?? '',
        agentEndpoint: `${this.agent.config.ip}:${this.agent.config.port}`,
        agentEnv: this.agent.executorBaseEnv(),
        user: osUser,
        executor: {
          info,
          agentPid: this.agent.pid,
          shutdownGraceSecs: this.agent.config.executorShutdownGraceSecs,
          recoveryTimeoutSecs: this.timeouts.recoverySecs,
          subscriptionBackoffMaxSecs: this.timeouts.reregistrationSecs,
        },
      });
    } catch (err) {
      return this.launchFailed(fw, ex, (err as Error).message);
    }
    if (now(custom) === 'TERMINATED') return; // it exited before the launch reply arrived
    for (const t of ex.tasks.values()) if (!isTerminalState(t.state)) t.running = true;
    this.log.info(
      { framework: fw.id, executor: ex.id },
      `Launched executor '${ex.id}' of framework ${fw.id} in container ${ex.containerId}`,
    );
    if (now(custom) === 'TERMINATING') void this.containerizer.kill(ex.containerId, 0).catch(() => undefined);
  }

  private unsupported(info: ExecutorInfo): string | undefined {
    if (!this.agent.config.containerizers.includes('mesos')) {
      return `Custom executors run in the Mesos containerizer; this agent has --containerizers=${this.agent.config.containerizers.join(',')}`;
    }
    const c = info.container;
    if (c?.type === 'DOCKER')
      return 'Custom executors in DOCKER containers (ExecutorInfo.container) are not supported by this agent; run the executor as a plain command';
    if ((c?.mesos as { image?: unknown } | undefined)?.image)
      return 'Container images for custom executors (ExecutorInfo.container.mesos.image) are not supported by this agent';
    if (!info.command?.value) return "ExecutorInfo.command must name the executor's program in 'value'";
    return undefined;
  }

  private launchFailed(fw: AgentFramework, ex: AgentExecutor, why: string): void {
    this.log.error({ framework: fw.id, executor: ex.id }, `Failed to launch executor '${ex.id}': ${why}`);
    const custom = ex.custom!;
    custom.pendingTermination = {
      state: 'TASK_FAILED',
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      message: `Failed to launch container: ${why}`,
    };
    this.exited(fw, ex, { code: null, signal: null, unknown: true, at: Date.now() });
  }

  /** KILL_TASK for a task of a custom executor. */
  kill(fw: AgentFramework, ex: AgentExecutor, task: AgentTask, policy?: KillPolicy): void {
    const custom = ex.custom!;
    const taskId = task.info.task_id.value;
    if (isTerminalState(task.state)) return;
    if (custom.queued.has(taskId)) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Killing task ${taskId} of framework ${fw.id} before it was delivered to executor '${ex.id}'`,
      );
      // A task group goes as a whole.
      const group = custom.groups.get(taskId);
      for (const id of group ?? [taskId]) {
        custom.queued.delete(id);
        custom.groups.delete(id);
        const victim = ex.tasks.get(id);
        if (!victim) continue;
        const why = group
          ? 'A task within the task group was killed before delivery to the executor'
          : 'Killed before delivery to the executor';
        this.agent.transition(victim, 'TASK_KILLED', why, 'REASON_TASK_KILLED_DURING_LAUNCH', undefined, 'SOURCE_AGENT');
      }
      if (custom.state === 'RUNNING' && !custom.everSentTask && custom.queued.size === 0) this.shutdownUnused(fw, ex);
      return;
    }
    if (custom.state === 'REGISTERING') {
      // Delivered before an agent restart: the executor gets the KILL once it is back.
      custom.pendingKills.set(taskId, policy);
      return;
    }
    if (custom.state !== 'RUNNING') {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Ignoring kill of task ${taskId}: executor '${ex.id}' is ${custom.state.toLowerCase()}`,
      );
      return;
    }
    this.send(ex, custom, { type: 'KILL', kill: { task_id: { value: taskId }, ...(policy ? { kill_policy: policy } : {}) } });
  }

  /** FRAMEWORK_MESSAGE from the scheduler: a MESSAGE event, if the executor is subscribed. */
  message(fw: AgentFramework, executorId: string, data: string): void {
    const ex = fw.executors.get(executorId);
    const custom = ex?.custom;
    if (!ex || !custom) {
      this.log.warn(
        { framework: fw.id, executor: executorId },
        `Dropping a message for executor '${executorId}': no such custom executor runs here`,
      );
      return;
    }
    if (fw.shuttingDown || custom.state !== 'RUNNING') {
      this.log.warn(
        { framework: fw.id, executor: executorId },
        `Dropping a message for executor '${executorId}' because it is not running`,
      );
      return;
    }
    this.send(ex, custom, { type: 'MESSAGE', message: { data } });
  }

  /**
   * SHUTDOWN_EXECUTOR or framework shutdown: a SHUTDOWN event, and the container is destroyed
   * if it is still there after the grace period (ExecutorInfo.shutdown_grace_period or the flag).
   */
  shutdown(fw: AgentFramework, ex: AgentExecutor): void {
    const custom = ex.custom!;
    if (custom.state !== 'REGISTERING' && custom.state !== 'RUNNING') return;
    this.log.info({ framework: fw.id, executor: ex.id }, `Shutting down executor '${ex.id}' of framework ${fw.id}`);
    custom.state = 'TERMINATING';
    if (custom.connection) this.send(ex, custom, { type: 'SHUTDOWN' });
    const graceNs = (ex.info.shutdown_grace_period as { nanoseconds?: number } | undefined)?.nanoseconds;
    const graceSecs = graceNs !== undefined ? graceNs / 1e9 : this.agent.config.executorShutdownGraceSecs;
    this.arm(custom, graceSecs, () => {
      if (custom.state !== 'TERMINATING') return;
      this.log.info(
        { framework: fw.id, executor: ex.id },
        `Killing executor '${ex.id}': it did not exit within ${formatDuration(graceSecs)} of SHUTDOWN`,
      );
      void this.containerizer
        .kill(ex.containerId, 0)
        .catch((err: unknown) => this.log.warn(`Failed to kill executor '${ex.id}': ${(err as Error).message}`));
    });
  }

  /** The framework is being shut down: no acknowledgement will come for this executor's tasks. */
  frameworkShutdown(fw: AgentFramework, ex: AgentExecutor): void {
    if (ex.custom?.state !== 'TERMINATED') {
      this.shutdown(fw, ex); // its exit completes it
      return;
    }
    for (const t of ex.tasks.values()) ex.completedTasks.push(t);
    ex.tasks.clear();
    if (fw.executors.get(ex.id) === ex) this.agent.completeExecutor(fw, ex);
  }

  /** Mesos's workaround for MESOS-8411: an executor whose every task was killed before delivery goes. */
  private shutdownUnused(fw: AgentFramework, ex: AgentExecutor): void {
    this.log.warn(
      { framework: fw.id, executor: ex.id },
      `Shutting down executor '${ex.id}' because it has never been sent a task and all of its queued tasks have been killed before delivery`,
    );
    this.shutdown(fw, ex);
  }

  /** Destroys the container now; its live tasks end as `why` says once it has exited. */
  private terminate(ex: AgentExecutor, custom: CustomExecutorState, why: Termination): void {
    custom.state = 'TERMINATING';
    custom.pendingTermination = why;
    void this.containerizer
      .kill(ex.containerId, 0)
      .catch((err: unknown) => this.log.warn(`Failed to kill executor '${ex.id}': ${(err as Error).message}`));
  }

  // ---------------------------------------------------------------- from the executor (HTTP)

  /** The framework and executor a call names, or the HTTP error Mesos answers with. */
  lookup(call: ExecutorCall): ExecutorLookup {
    const fw = this.agent.frameworks.get(call.framework_id.value);
    if (!fw) return { status: 400, message: 'Framework cannot be found' };
    const ex = fw.executors.get(call.executor_id.value);
    if (!ex?.custom) return { status: 400, message: 'Executor cannot be found' };
    return { fw, ex, custom: ex.custom };
  }

  subscribe(fw: AgentFramework, ex: AgentExecutor, sub: NonNullable<ExecutorCall['subscribe']>, connection: ExecutorConnection): void {
    const custom = ex.custom!;
    this.log.info({ framework: fw.id, executor: ex.id }, `Received Subscribe request for HTTP executor '${ex.id}' of framework ${fw.id}`);
    if (fw.shuttingDown || custom.state === 'TERMINATING' || custom.state === 'TERMINATED') {
      this.log.warn(
        { framework: fw.id, executor: ex.id },
        `Shutting down executor '${ex.id}': ${fw.shuttingDown ? 'the framework is terminating' : `it is ${custom.state.toLowerCase()}`}`,
      );
      connection.send({ type: 'SHUTDOWN' });
      connection.close();
      return;
    }
    if (custom.connection) {
      this.log.warn({ framework: fw.id, executor: ex.id }, `Closing the existing connection of executor '${ex.id}'`);
      const old = custom.connection;
      this.dropConnection(custom);
      old.close();
    }
    if (custom.deadline) clearTimeout(custom.deadline);
    custom.deadline = undefined;
    custom.state = 'RUNNING';
    custom.connection = connection;
    const heartbeat = setInterval(() => connection.send({ type: 'HEARTBEAT' }), this.timeouts.heartbeatSecs * 1000);
    heartbeat.unref();
    custom.heartbeat = heartbeat;
    if (!custom.subscribed) {
      custom.subscribed = true;
      const checkpoints = this.agent.checkpointed;
      if (checkpoints) {
        void checkpoints
          .subscribed(ex.containerId)
          .catch((err: unknown) =>
            this.log.error(`Failed to checkpoint the subscription of executor '${ex.id}': ${(err as Error).message}`),
          );
      }
    }
    // Updates the executor could not get acknowledged (e.g. across an agent restart); the ones
    // already checkpointed are recognised by their uuid and only acknowledged again.
    for (const u of sub.unacknowledged_updates ?? []) {
      if (u.status?.uuid && u.status.task_id) this.update(fw, ex, u.status);
    }
    const knownToExecutor = new Set((sub.unacknowledged_tasks ?? []).map((t) => t.task_id.value));
    for (const task of ex.tasks.values()) {
      const id = task.info.task_id.value;
      if (task.state !== 'TASK_STAGING' || custom.queued.has(id) || knownToExecutor.has(id)) continue;
      // Sent, but the executor never got it: the agent restarted (or the stream broke) first.
      this.log.info({ framework: fw.id, task: id }, `Transitioning STAGED task ${id} because it is unknown to the executor '${ex.id}'`);
      this.agent.transition(
        task,
        partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST',
        'Task launched during agent restart',
        'REASON_AGENT_RESTARTED',
        undefined,
        'SOURCE_AGENT',
      );
    }
    if (!custom.everSentTask && custom.queued.size === 0) {
      this.shutdownUnused(fw, ex);
      return;
    }
    this.send(ex, custom, {
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: ex.info,
        framework_info: fw.info,
        agent_info: {
          hostname: this.agent.config.hostname,
          port: this.agent.config.port,
          resources: this.agent.config.resources,
          attributes: this.agent.config.attributes,
          ...(this.agent.id ? { id: { value: this.agent.id } } : {}),
        },
        container_id: { value: ex.containerId },
      },
    });
    this.deliverQueued(ex, custom, [...custom.queued]);
    for (const [id, policy] of custom.pendingKills) {
      const task = ex.tasks.get(id);
      if (task && !isTerminalState(task.state))
        this.send(ex, custom, { type: 'KILL', kill: { task_id: { value: id }, ...(policy ? { kill_policy: policy } : {}) } });
    }
    custom.pendingKills.clear();
  }

  /** Sends queued tasks to the subscribed executor: LAUNCH each, LAUNCH_GROUP for a task group. */
  private deliverQueued(ex: AgentExecutor, custom: CustomExecutorState, ids: string[]): void {
    for (const id of ids) {
      if (!custom.queued.has(id)) continue; // killed meanwhile, or sent with its group
      const group = custom.groups.get(id);
      const tasks: TaskInfo[] = [];
      for (const m of group ?? [id]) {
        const wasQueued = custom.queued.delete(m);
        custom.groups.delete(m);
        const task = ex.tasks.get(m);
        if (wasQueued && task && !isTerminalState(task.state)) tasks.push(task.info);
      }
      if (tasks.length === 0) continue;
      custom.everSentTask = true;
      const names = tasks.map((t) => t.task_id.value).join(', ');
      this.log.info(
        { framework: ex.frameworkId, executor: ex.id },
        `Sending ${group ? 'task group' : 'task'} ${names} to executor '${ex.id}'`,
      );
      if (group) this.send(ex, custom, { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks } } });
      else this.send(ex, custom, { type: 'LAUNCH', launch: { task: tasks[0]! } });
    }
  }

  /** UPDATE from the executor: recorded and forwarded like the agent's own, then ACKNOWLEDGED to it. */
  update(fw: AgentFramework, ex: AgentExecutor, given: TaskStatus): void {
    const custom = ex.custom!;
    const taskId = given.task_id.value;
    if (fw.shuttingDown) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Ignoring status update ${given.state} of task ${taskId}: framework ${fw.id} is terminating`,
      );
      return;
    }
    const status: TaskStatus = {
      ...given,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: ex.id },
      timestamp: given.timestamp ?? Date.now() / 1000,
    };
    if (this.agent.id) status.agent_id = { value: this.agent.id };
    if (!status.container_status) status.container_status = { container_id: { value: ex.containerId } };
    const uuid = status.uuid!;
    const acknowledge = () => {
      if (custom.connection) this.send(ex, custom, { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: taskId }, uuid } });
    };
    const task = this.agent.findTask(fw.id, taskId);
    if (task?.statuses.some((s) => s.uuid === uuid)) {
      acknowledge(); // a resent update the agent has already
      return;
    }
    if (task && isTerminalState(task.state)) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Ignoring status update ${status.state} of task ${taskId}: it is already ${task.state}`,
      );
      acknowledge();
      return;
    }
    if (!task)
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Executor '${ex.id}' sent ${status.state} for task ${taskId}, which the agent does not know; forwarding it`,
      );
    const recorded = task ? this.agent.acceptStatus(task, status) : this.agent.forwardStatus(fw.id, status);
    void recorded.then(acknowledge);
  }

  /** MESSAGE from the executor: to the scheduler, through the master. */
  messageToFramework(fw: AgentFramework, ex: AgentExecutor, data: string): void {
    if (fw.shuttingDown) {
      this.log.warn(
        { framework: fw.id, executor: ex.id },
        `Ignoring a framework message from executor '${ex.id}': framework ${fw.id} is terminating`,
      );
      return;
    }
    this.agent.tellMaster({ type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: fw.id, executor_id: ex.id, data } }, 1);
  }

  /** The executor's event stream ended (it closed it, or broke); it may subscribe again. */
  disconnected(ex: AgentExecutor, connection: ExecutorConnection): void {
    const custom = ex.custom;
    if (custom?.connection !== connection) return;
    this.dropConnection(custom);
    if (custom.state === 'RUNNING')
      this.log.info({ framework: ex.frameworkId, executor: ex.id }, `Executor '${ex.id}' closed its connection`);
  }

  private dropConnection(custom: CustomExecutorState): void {
    if (custom.heartbeat) clearInterval(custom.heartbeat);
    custom.heartbeat = undefined;
    custom.connection = undefined;
  }

  private send(ex: AgentExecutor, custom: CustomExecutorState, event: Parameters<ExecutorConnection['send']>[0]): void {
    if (!custom.connection?.send(event)) {
      this.log.warn(
        { framework: ex.frameworkId, executor: ex.id },
        `Unable to send ${event.type} to executor '${ex.id}': it is not connected`,
      );
    }
  }

  private arm(custom: CustomExecutorState, secs: number, fire: () => void): void {
    if (custom.deadline) clearTimeout(custom.deadline);
    custom.deadline = setTimeout(() => {
      custom.deadline = undefined;
      fire();
    }, secs * 1000);
    custom.deadline.unref();
  }

  // ---------------------------------------------------------------- the container ended

  /** The custom executor whose container this is, if any. */
  byContainer(containerId: string): { fw: AgentFramework; ex: AgentExecutor } | undefined {
    for (const fw of this.agent.frameworks.values()) {
      for (const ex of fw.executors.values()) if (ex.custom && ex.containerId === containerId) return { fw, ex };
    }
    return undefined;
  }

  /** The executor's container ended: its live tasks fail and the master hears of it. */
  exited(fw: AgentFramework, ex: AgentExecutor, exit: ContainerExit): void {
    const custom = ex.custom!;
    if (custom.state === 'TERMINATED') return;
    const status = waitStatus(exit);
    custom.state = 'TERMINATED';
    if (custom.deadline) clearTimeout(custom.deadline);
    custom.deadline = undefined;
    const connection = custom.connection;
    this.dropConnection(custom);
    connection?.close();
    const how = exit.unknown
      ? 'terminated with unknown status'
      : exit.signal
        ? `terminated with signal ${exit.signal}`
        : `exited with status ${exit.code}`;
    this.log.info({ framework: fw.id, executor: ex.id }, `Executor '${ex.id}' of framework ${fw.id} ${how}`);
    const end = custom.pendingTermination ?? { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' };
    for (const task of ex.tasks.values()) {
      task.running = false;
      if (fw.shuttingDown || isTerminalState(task.state)) continue;
      this.agent.transition(task, end.state, end.message, end.reason, undefined, 'SOURCE_AGENT');
    }
    custom.queued.clear();
    this.agent.tellMaster({ type: 'EXECUTOR_EXITED', executor_exited: { framework_id: fw.id, executor_id: ex.id, status } });
    if (fw.shuttingDown) {
      for (const t of ex.tasks.values()) ex.completedTasks.push(t);
      ex.tasks.clear();
    }
    if (ex.tasks.size === 0 && fw.executors.get(ex.id) === ex) this.agent.completeExecutor(fw, ex);
  }

  // ---------------------------------------------------------------- agent restart

  /**
   * Rebuilds a checkpointed run of a custom executor. A running executor waits for its
   * SUBSCRIBE: within --executor_reregistration_timeout if it had subscribed before, else
   * within the registration timeout, its tasks still queued. One that ended meanwhile ends its
   * tasks; one that was never started is started.
   */
  recover(
    fw: AgentFramework,
    ex: AgentExecutor,
    r: RecoveredRun,
    container: FoundContainer | undefined,
    rebooted: boolean,
  ): RecoveredExecutor {
    const custom: CustomExecutorState = {
      state: 'REGISTERING',
      queued: new Set(),
      groups: new Map(),
      pendingKills: new Map(),
      everSentTask: r.subscribed,
      subscribed: r.subscribed,
    };
    ex.custom = custom;
    for (const rt of r.tasks) {
      const info = rt.info ?? { name: rt.id, task_id: { value: rt.id }, agent_id: { value: this.agent.id ?? '' }, resources: [] };
      const task = this.agent.addTask(ex, info, ex.directory, ex.containerId);
      task.statuses = [...rt.updates];
      task.state = rt.updates[rt.updates.length - 1]?.state ?? 'TASK_STAGING';
      this.agent.statusUpdates.recover(fw.id, rt.id, rt.pending);
      if (isTerminalState(task.state) && rt.pending.length === 0) {
        // Over and acknowledged before the restart.
        ex.tasks.delete(rt.id);
        ex.completedTasks.push(task);
      } else if (!r.subscribed && !isTerminalState(task.state)) {
        custom.queued.add(rt.id);
      }
    }
    const live = [...ex.tasks.values()].filter((t) => !isTerminalState(t.state));
    for (const rt of r.tasks) {
      const task = ex.tasks.get(rt.id);
      if (task && !rt.info && !isTerminalState(task.state)) {
        custom.queued.delete(rt.id);
        this.agent.transition(
          task,
          'TASK_FAILED',
          "The agent could not read this task's checkpoint after a restart (see the agent log)",
          'REASON_AGENT_RESTARTED',
          undefined,
          'SOURCE_AGENT',
        );
      }
    }
    if (container && !container.exit && !rebooted) {
      for (const t of live) t.running = true;
      const secs = r.subscribed ? this.timeouts.reregistrationSecs : this.timeouts.registrationSecs;
      this.log.info(
        { framework: fw.id, executor: ex.id },
        `Waiting ${formatDuration(secs)} for executor '${ex.id}' of framework ${fw.id} to subscribe`,
      );
      this.whenServing(() =>
        this.arm(custom, secs, () => {
          if (custom.state !== 'REGISTERING') return;
          this.log.info({ framework: fw.id, executor: ex.id }, `Killing un-reregistered executor '${ex.id}' of framework ${fw.id}`);
          this.terminate(
            ex,
            custom,
            r.subscribed
              ? {
                  state: partitionAware(fw) ? 'TASK_GONE' : 'TASK_LOST',
                  reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
                  message: `Executor did not reregister within ${formatDuration(secs)}`,
                }
              : {
                  state: 'TASK_FAILED',
                  reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
                  message: `Executor did not register within ${formatDuration(secs)}`,
                },
          );
        }),
      );
      return { live: live.length, ended: 0 };
    }
    if (!container && !rebooted && !r.subscribed && live.length > 0 && live.every((t) => t.state === 'TASK_STAGING')) {
      // Checkpointed, but the agent stopped before the executor was started.
      return { live: 0, ended: 0, start: () => void this.launch(fw, ex) };
    }
    if (rebooted) {
      custom.pendingTermination = {
        state: 'TASK_GONE',
        reason: 'REASON_AGENT_RESTARTED',
        message: "The agent's host rebooted; the executor's process is gone",
      };
    }
    this.exited(fw, ex, container?.exit ?? { code: null, signal: null, unknown: true, at: Date.now() });
    return { live: 0, ended: live.length };
  }

  /**
   * The agent serves /api/v1/executor now. Recovered executors' deadlines start here, not during
   * recovery: an executor retrying every MESOS_SUBSCRIPTION_BACKOFF_MAX (the same length as
   * --executor_reregistration_timeout) must get a whole window to reach the agent.
   */
  serving(): void {
    this.isServing = true;
    for (const start of this.waitingForServer.splice(0)) start();
  }

  private whenServing(start: () => void): void {
    if (this.isServing) start();
    else this.waitingForServer.push(start);
  }

  /** The agent starts over under a new identity: every executor goes. */
  reset(): void {
    for (const fw of this.agent.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        const custom = ex.custom;
        if (!custom) continue;
        if (custom.deadline) clearTimeout(custom.deadline);
        const connection = custom.connection;
        this.dropConnection(custom);
        connection?.send({ type: 'SHUTDOWN' });
        connection?.close();
        custom.state = 'TERMINATED';
        void this.containerizer.destroy(ex.containerId).catch(() => undefined);
      }
    }
  }
}
