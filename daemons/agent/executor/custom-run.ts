// A custom executor (TaskInfo.executor, or a task group's ExecutorInfo of type CUSTOM): the
// agent starts ExecutorInfo.command in the executor's sandbox through the Mesos containerizer,
// queues its tasks until it subscribes over the v1 executor API, and from then on relays:
// LAUNCH, KILL and framework messages to it, its status updates (checkpointed, then
// ACKNOWLEDGED to it) and messages to the master. Its life follows Mesos's slave.cpp:
//
//   REGISTERING --SUBSCRIBE--> RUNNING --SHUTDOWN_EXECUTOR / framework shutdown--> TERMINATING
//        |  --executor_registration_timeout-->  TERMINATING (container destroyed)   |  grace period
//        '-----------------------------------> TERMINATED <--container exited-------'
//
// When the container ends, the executor's live tasks fail (REASON_EXECUTOR_TERMINATED, or the
// reason it was terminated for) and the master tells the scheduler (FAILURE). After an agent
// restart a running executor that had subscribed must subscribe again within
// --executor_reregistration_timeout; its unacknowledged updates come with that SUBSCRIBE.
// What the executor's own Calls do is in custom-calls.ts.
import os from 'node:os';
import type { ReportedExecutor } from '../../common/agent-protocol.ts';
import { formatDuration } from '../../common/flags/index.ts';
import { type ExecutorInfo, type KillPolicy, type TaskInfo, isTerminalState } from '../../common/mesos.ts';
import type { RecoveredRun } from '../checkpoints.ts';
import type { FoundContainer } from '../containerizer/containerizer.ts';
import { fetchUris } from '../fetcher/fetcher.ts';
import { commandUser } from '../launch-spec.ts';
import {
  type AgentFramework,
  type AgentTask,
  type ContainerExit,
  type ExecutorLifecycle,
  type Termination,
  newTask,
  placeholderTask,
} from '../records.ts';
import { validateCustomExecutor } from '../validation.ts';
import type { ExecutorEvent } from './calls.ts';
import { Deadline, EventStream } from './event-stream.ts';
import type { RecoverableRun, RunHost, RunRecovery } from './host.ts';
import { TaskQueue } from './task-queue.ts';

/** Mesos's DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL. */
export const DEFAULT_EXECUTOR_HEARTBEAT_SECS = 30 * 60;

/** The wait(2) status Mesos reports in FAILURE: exit code << 8, or the signal number; -1 when unknown. */
export function waitStatus(exit: ContainerExit): number {
  if (exit.unknown) return -1;
  if (exit.code !== null) return (exit.code & 0xff) << 8;
  if (exit.signal) return os.constants.signals[exit.signal as NodeJS.Signals] ?? -1;
  return -1;
}

export function partitionAware(fw: AgentFramework): boolean {
  return fw.info.capabilities?.some((c) => c.type === 'PARTITION_AWARE') ?? false;
}

const UNKNOWN_EXIT: ContainerExit = { code: null, signal: null, unknown: true, at: 0 };

export class CustomExecutorRun implements RecoverableRun {
  readonly kind = 'CUSTOM';
  readonly id: string;
  readonly frameworkId: string;
  readonly info: ExecutorInfo;
  readonly tasks = new Map<string, AgentTask>();
  readonly completedTasks: AgentTask[] = [];
  state: ExecutorLifecycle = 'REGISTERING';
  /** It subscribed at least once (checkpointed in runs.log). */
  subscribed = false;
  /** A LAUNCH went out at least once (Mesos's everSentTask). */
  everSentTask = false;
  /** Tasks waiting for the executor to subscribe. */
  readonly queue = new TaskQueue();
  /** Kills of delivered tasks that arrived while a restarted agent waited for the executor. */
  readonly pendingKills = new Map<string, KillPolicy | undefined>();
  /** Why the agent ended the executor: how its live tasks end when the container does. */
  private pendingTermination: Termination | undefined;
  /** Events to the executor, while it is subscribed. */
  readonly stream = new EventStream();
  readonly deadline = new Deadline();
  /** Why the executor cannot start: its sandbox or launch checkpoint could not be written. */
  private launchProblem: string | undefined;
  /** Nothing launched or recovered yet: the first launch starts the executor. */
  private fresh = true;

  constructor(
    readonly host: RunHost,
    readonly fw: AgentFramework,
    info: ExecutorInfo,
    readonly containerId: string,
    readonly directory: string,
  ) {
    this.id = info.executor_id.value;
    this.frameworkId = fw.id;
    this.info = { ...info, framework_id: { value: fw.id } };
  }

  get queued(): ReadonlySet<string> {
    return this.queue.ids;
  }

  /** The state as it is now (after an await, not as narrowed before it). */
  private now(): ExecutorLifecycle {
    return this.state;
  }

  private get log() {
    return this.host.log;
  }

  /** What every log line about this executor is tagged with. */
  get who(): { framework: string; executor: string } {
    return { framework: this.frameworkId, executor: this.id };
  }

  private get timeouts() {
    return this.host.customExecutors.timeouts;
  }

  // ---------------------------------------------------------------- from the master

  /** Queues tasks for the executor (a task group as one LAUNCH_GROUP); the first launch starts it. */
  async launch(infos: TaskInfo[], asGroup: boolean): Promise<void> {
    const ids = infos.map((t) => t.task_id.value);
    if (this.state === 'TERMINATING' || this.state === 'TERMINATED') {
      const which = this.state === 'TERMINATING' ? 'terminating' : 'terminated';
      this.log.warn(
        { framework: this.frameworkId, tasks: ids },
        `Asked to run ${ids.join(', ')} with executor '${this.id}' which is ${which}`,
      );
      for (const id of ids) {
        this.host.updates.reportUntracked(this.fw, id, partitionAware(this.fw) ? 'TASK_DROPPED' : 'TASK_LOST', {
          message: `Executor ${which}`,
          reason: 'REASON_EXECUTOR_TERMINATED',
          executorId: this.id,
        });
      }
      return;
    }
    const isNew = this.fresh;
    this.fresh = false;
    const tasks = infos.map((info) => this.add(info));
    this.host.counters.tasksLaunched += tasks.length;
    // Queued at once, so that a kill arriving while they are checkpointed finds them.
    this.queue.add(ids, asGroup);
    // A new executor without a sandbox or a checkpoint does not start (start() fails it); tasks
    // for a running one go on without their checkpoint, as before.
    if (isNew) this.launchProblem = await this.host.prepareSandbox(this.directory, this.fw, this.info.command);
    if (!this.launchProblem) {
      try {
        await this.host.checkpointLaunch(this.fw, this, tasks, isNew);
      } catch (err) {
        const why = this.host.launchCheckpointFailure(err);
        this.log.error(`Tasks ${ids.join(', ')}: ${why}`);
        if (isNew) this.launchProblem = why;
      }
    }
    if (isNew) {
      await this.start();
      return;
    }
    if (this.state === 'RUNNING') this.deliver(ids);
    // Still REGISTERING: they go with SUBSCRIBED. TERMINATING meanwhile: exited() fails them.
  }

  private add(info: TaskInfo): AgentTask {
    const task = newTask(this, info, this.directory, this.containerId);
    this.tasks.set(info.task_id.value, task);
    this.host.indexTask(this, task);
    return task;
  }

  /** Starts the executor's container: fetch ExecutorInfo.command.uris, then run its command. */
  private async start(): Promise<void> {
    const { host, fw, info } = this;
    this.deadline.arm(this.timeouts.registrationSecs, () => {
      if (this.state !== 'REGISTERING') return;
      const within = formatDuration(this.timeouts.registrationSecs);
      this.log.info(this.who, `Terminating executor '${this.id}' because it did not register within ${within}`);
      this.terminate({
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
        message: `Executor did not register within ${within}`,
      });
    });
    const user = commandUser(info.command, fw.info, host.config.switchUser, host.isRoot);
    const problem = this.launchProblem ?? validateCustomExecutor(info, host.config.containerizers) ?? (user.ok ? undefined : user.error);
    if (problem) return this.launchFailed(problem);
    const osUser = user.ok ? user.value : undefined;
    const uris = info.command?.uris ?? [];
    if (uris.length > 0) {
      try {
        await fetchUris(uris, { sandbox: this.directory, ...host.fetcherConfig, ...(osUser ? { owner: osUser } : {}) });
      } catch (err) {
        return this.launchFailed(`Failed to fetch all URIs for container '${this.containerId}': ${(err as Error).message}`);
      }
    }
    // Terminated (timed out, shut down) while fetching: no container was started.
    if (this.now() === 'TERMINATING') return this.exited(this.containerId, { ...UNKNOWN_EXIT, at: Date.now() });
    if (this.now() === 'TERMINATED') return;
    const first = [...this.tasks.values()][0];
    try {
      await host.containerizers.mesos.launch({
        task: first?.info ?? { name: this.id, task_id: { value: this.id }, agent_id: { value: host.id ?? '' } },
        framework: fw.info,
        containerId: this.containerId,
        executorId: this.id,
        sandbox: this.directory,
        agentId: host.id ?? '',
        agentEndpoint: `${host.config.ip}:${host.config.port}`,
        agentEnv: host.executorBaseEnv(),
        user: osUser,
        executor: {
          info,
          agentPid: host.pid,
          shutdownGraceSecs: host.config.executorShutdownGraceSecs,
          recoveryTimeoutSecs: this.timeouts.recoverySecs,
          subscriptionBackoffMaxSecs: this.timeouts.reregistrationSecs,
          authenticationToken: host.config.executorIdentity?.issue(fw.id, this.id, this.containerId),
        },
      });
    } catch (err) {
      return this.launchFailed((err as Error).message);
    }
    if (this.now() === 'TERMINATED') return; // it exited before the launch reply arrived
    for (const t of this.tasks.values()) if (!isTerminalState(t.state)) t.running = true;
    this.log.info(this.who, `Launched executor '${this.id}' of framework ${fw.id} in container ${this.containerId}`);
    if (this.now() === 'TERMINATING') this.killExecutorContainer();
  }

  private launchFailed(why: string): void {
    this.log.error(this.who, `Failed to launch executor '${this.id}': ${why}`);
    this.pendingTermination = {
      state: 'TASK_FAILED',
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      message: `Failed to launch container: ${why}`,
    };
    this.exited(this.containerId, { ...UNKNOWN_EXIT, at: Date.now() });
  }

  /** KILL_TASK: a queued task (with its group) is KILLED here; a delivered one gets a KILL event. */
  kill(taskId: string, policy: KillPolicy | undefined): void {
    const task = this.tasks.get(taskId);
    if (!task || isTerminalState(task.state)) return;
    if (this.queue.has(taskId)) {
      this.log.warn(
        { framework: this.frameworkId, task: taskId },
        `Killing task ${taskId} of framework ${this.frameworkId} before it was delivered to executor '${this.id}'`,
      );
      // A task group goes as a whole.
      const removed = this.queue.remove(taskId);
      const why = removed.group
        ? 'A task within the task group was killed before delivery to the executor'
        : 'Killed before delivery to the executor';
      for (const id of removed.ids) {
        const victim = this.tasks.get(id);
        if (victim)
          this.host.updates.transition(victim, 'TASK_KILLED', {
            message: why,
            reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
            source: 'SOURCE_AGENT',
          });
      }
      if (this.state === 'RUNNING' && !this.everSentTask && this.queue.size === 0) this.shutdownUnused();
      return;
    }
    if (this.state === 'REGISTERING') {
      // Delivered before an agent restart: the executor gets the KILL once it is back.
      this.pendingKills.set(taskId, policy);
      return;
    }
    if (this.state !== 'RUNNING') {
      this.log.warn(
        { framework: this.frameworkId, task: taskId },
        `Ignoring kill of task ${taskId}: executor '${this.id}' is ${this.state.toLowerCase()}`,
      );
      return;
    }
    this.send({ type: 'KILL', kill: { task_id: { value: taskId }, ...(policy ? { kill_policy: policy } : {}) } });
  }

  /** FRAMEWORK_MESSAGE from the scheduler: a MESSAGE event, if the executor is subscribed. */
  message(data: string): void {
    if (this.fw.shuttingDown || this.state !== 'RUNNING') {
      this.log.warn(this.who, `Dropping a message for executor '${this.id}' because it is not running`);
      return;
    }
    this.send({ type: 'MESSAGE', message: { data } });
  }

  /**
   * SHUTDOWN_EXECUTOR or framework shutdown: a SHUTDOWN event, and the container is destroyed
   * if it is still there after the grace period (ExecutorInfo.shutdown_grace_period or the flag).
   */
  shutdown(): void {
    if (this.state !== 'REGISTERING' && this.state !== 'RUNNING') return;
    this.log.info(this.who, `Shutting down executor '${this.id}' of framework ${this.frameworkId}`);
    this.state = 'TERMINATING';
    if (this.stream.open) this.send({ type: 'SHUTDOWN' });
    const graceNs = this.info.shutdown_grace_period?.nanoseconds;
    const graceSecs = graceNs !== undefined ? graceNs / 1e9 : this.host.config.executorShutdownGraceSecs;
    this.deadline.arm(graceSecs, () => {
      if (this.state !== 'TERMINATING') return;
      this.log.info(this.who, `Killing executor '${this.id}': it did not exit within ${formatDuration(graceSecs)} of SHUTDOWN`);
      this.killExecutorContainer();
    });
  }

  /** The framework is being shut down: no acknowledgement will come for this executor's tasks. */
  shutdownFramework(): void {
    // One still running completes once it has exited.
    if (this.state === 'TERMINATED') this.host.retire(this.fw, this);
    else this.shutdown();
  }

  /** Mesos's workaround for MESOS-8411: an executor whose every task was killed before delivery goes. */
  shutdownUnused(): void {
    this.log.warn(
      this.who,
      `Shutting down executor '${this.id}' because it has never been sent a task and all of its queued tasks have been killed before delivery`,
    );
    this.shutdown();
  }

  /** Destroys the container now; its live tasks end as `why` says once it has exited. */
  private terminate(why: Termination): void {
    this.state = 'TERMINATING';
    this.pendingTermination = why;
    this.killExecutorContainer();
  }

  killContainer(containerId: string, signal: NodeJS.Signals): boolean {
    if (containerId !== this.containerId || this.state === 'TERMINATED') return false;
    // Its live tasks end as killed once the executor has gone, whatever ends it.
    this.pendingTermination ??= {
      state: 'TASK_KILLED',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Executor container killed by the operator',
    };
    void this.host.containerizers.mesos
      .kill(this.containerId, 0, signal)
      .catch((err: unknown) => this.log.warn(`Failed to signal executor '${this.id}': ${(err as Error).message}`));
    return true;
  }

  private killExecutorContainer(): void {
    void this.host.containerizers.mesos
      .kill(this.containerId, 0)
      .catch((err: unknown) => this.log.warn(`Failed to kill executor '${this.id}': ${(err as Error).message}`));
  }

  // ---------------------------------------------------------------- to the executor

  /** Hands queued tasks to the subscribed executor: LAUNCH each, LAUNCH_GROUP for a task group. */
  deliver(ids: Iterable<string>): void {
    for (const batch of this.queue.take(ids)) {
      const tasks = batch.ids.map((id) => this.tasks.get(id)).filter((t) => t !== undefined && !isTerminalState(t.state));
      if (tasks.length === 0) continue;
      this.everSentTask = true;
      const infos = tasks.map((t) => t!.info);
      const names = infos.map((t) => t.task_id.value).join(', ');
      this.log.info(this.who, `Sending ${batch.group ? 'task group' : 'task'} ${names} to executor '${this.id}'`);
      if (batch.group) this.send({ type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: infos } } });
      else this.send({ type: 'LAUNCH', launch: { task: infos[0]! } });
    }
  }

  send(event: ExecutorEvent): void {
    if (!this.stream.send(event)) {
      this.log.warn(this.who, `Unable to send ${event.type} to executor '${this.id}': it is not connected`);
    }
  }

  // ---------------------------------------------------------------- the container ended

  /** The executor's container ended: its live tasks fail and the master hears of it. */
  exited(_containerId: string, exit: ContainerExit): void {
    if (this.state === 'TERMINATED') return;
    const { fw } = this;
    this.state = 'TERMINATED';
    this.deadline.clear();
    this.stream.detach()?.close();
    const how = exit.unknown
      ? 'terminated with unknown status'
      : exit.signal
        ? `terminated with signal ${exit.signal}`
        : `exited with status ${exit.code}`;
    this.log.info(this.who, `Executor '${this.id}' of framework ${fw.id} ${how}`);
    const end = this.pendingTermination ?? { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' };
    for (const task of this.tasks.values()) {
      task.running = false;
      if (fw.shuttingDown || isTerminalState(task.state)) continue;
      this.host.updates.transition(task, end.state, { message: end.message, reason: end.reason, source: 'SOURCE_AGENT' });
    }
    this.queue.clear();
    this.host.updates.tellMaster({
      type: 'EXECUTOR_EXITED',
      executor_exited: { framework_id: fw.id, executor_id: this.id, status: waitStatus(exit) },
    });
    if (fw.shuttingDown) this.host.retire(fw, this);
    else if (this.tasks.size === 0 && fw.executors.get(this.id) === this) this.host.completeExecutor(fw, this);
  }

  reported(): ReportedExecutor {
    return { framework_id: this.frameworkId, executor: this.info, kind: 'CUSTOM' };
  }

  /** A custom executor outlives its tasks: it is over when its process is. */
  canComplete(): boolean {
    return this.state === 'TERMINATED';
  }

  forget(): Promise<unknown> {
    return this.host.containerizers.mesos.forget(this.containerId).catch(() => undefined);
  }

  destroy(): void {
    this.deadline.clear();
    const connection = this.stream.detach();
    connection?.send({ type: 'SHUTDOWN' });
    connection?.close();
    this.state = 'TERMINATED';
    void this.host.containerizers.mesos.destroy(this.containerId).catch(() => undefined);
  }

  // ---------------------------------------------------------------- agent restart

  /**
   * A running executor waits for its SUBSCRIBE: within --executor_reregistration_timeout if it
   * had subscribed before, else within the registration timeout, its tasks still queued. One
   * that ended meanwhile ends its tasks; one that was never started is started.
   */
  recover(r: RecoveredRun, containers: ReadonlyMap<string, FoundContainer>, rebooted: boolean): RunRecovery {
    const { fw, host } = this;
    this.fresh = false;
    this.everSentTask = r.subscribed;
    this.subscribed = r.subscribed;
    const result: RunRecovery = { running: 0, endedWhileDown: 0, relaunched: 0, lost: 0, containers: [this.containerId], completed: false };
    for (const rt of r.tasks) {
      const task = this.add(rt.info ?? placeholderTask(rt.id, host.id ?? ''));
      task.statuses = [...rt.updates];
      task.state = rt.updates[rt.updates.length - 1]?.state ?? 'TASK_STAGING';
      host.updates.manager.recover(fw.id, rt.id, rt.pending);
      if (isTerminalState(task.state) && rt.pending.length === 0) {
        // Over and acknowledged before the restart.
        this.tasks.delete(rt.id);
        this.completedTasks.push(task);
      } else if (!r.subscribed && !isTerminalState(task.state)) {
        this.queue.add([rt.id], false);
      }
    }
    const live = [...this.tasks.values()].filter((t) => !isTerminalState(t.state));
    for (const rt of r.tasks) {
      const task = this.tasks.get(rt.id);
      if (task && !rt.info && !isTerminalState(task.state)) {
        this.queue.remove(rt.id);
        const message = "The agent could not read this task's checkpoint after a restart (see the agent log)";
        host.updates.transition(task, 'TASK_FAILED', { message, reason: 'REASON_AGENT_RESTARTED', source: 'SOURCE_AGENT' });
      }
    }
    const container = containers.get(this.containerId);
    if (container && !container.exit && !rebooted) {
      for (const t of live) t.running = true;
      this.awaitSubscription(r.subscribed);
      return { ...result, running: live.length };
    }
    if (!container && !rebooted && !r.subscribed && live.length > 0 && live.every((t) => t.state === 'TASK_STAGING')) {
      // Checkpointed, but the agent stopped before the executor was started.
      return { ...result, relaunched: 1, start: () => void this.start() };
    }
    if (rebooted) {
      this.pendingTermination = {
        state: 'TASK_GONE',
        reason: 'REASON_AGENT_RESTARTED',
        message: "The agent's host rebooted; the executor's process is gone",
      };
    }
    this.exited(this.containerId, container?.exit ?? { ...UNKNOWN_EXIT, at: Date.now() });
    return { ...result, endedWhileDown: live.length };
  }

  /** A recovered executor that is still running has until its deadline to subscribe again. */
  private awaitSubscription(hadSubscribed: boolean): void {
    const secs = hadSubscribed ? this.timeouts.reregistrationSecs : this.timeouts.registrationSecs;
    const { frameworkId, id } = this;
    this.log.info(this.who, `Waiting ${formatDuration(secs)} for executor '${id}' of framework ${frameworkId} to subscribe`);
    this.host.customExecutors.whenServing(() =>
      this.deadline.arm(secs, () => {
        if (this.state !== 'REGISTERING') return;
        this.log.info(this.who, `Killing un-reregistered executor '${id}' of framework ${frameworkId}`);
        this.terminate(
          hadSubscribed
            ? {
                state: partitionAware(this.fw) ? 'TASK_GONE' : 'TASK_LOST',
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
  }
}
