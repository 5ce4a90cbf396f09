// The master's core: what happens when schedulers call and agents report. It does no I/O of
// its own: schedulers and agents are reached through the EventSink/AgentLink the HTTP layer
// hands in, so the whole core runs in tests with arrays. The state has one owner (state.ts);
// agents (agents.ts) and offers (offers.ts) are run by books of their own.
//
//   scheduler-api.ts --calls--> Master <--messages-- agent-api.ts
//                                 |  state.ts: frameworks, agents, offers, executors, tasks
//                                 |  agents.ts: registration, pings, removal
//                                 |  offers.ts: allocation runs --> DrfAllocator (pure)
//                     EventSink <-+-> AgentLink
import type { Logger } from 'pino';
import type { RegisterMessage } from '../common/agent-protocol.ts';
import { newUuid } from '../common/ids.ts';
import {
  type ExecutorInfo,
  type FrameworkInfo,
  type KillPolicy,
  type MasterInfo,
  type OfferConstraints,
  type Resource,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  isTerminalState,
  sharedStateName,
} from '../common/mesos.ts';
import { allocatedTo, subtract } from '../common/resources.ts';
import { runInSlices } from '../common/slices.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { DrfAllocator } from './allocator/index.ts';
import { type AgentHost, AgentBook, type AgentRemovalReason } from './agents.ts';
import type { MasterConfig } from './config.ts';
import { type FrameworkHost, FrameworkBook, newFrameworkRecord } from './frameworks.ts';
import type { AgentLink, EventSink, SchedulerEvent } from './links.ts';
import { type OfferHost, OfferBook } from './offers.ts';
import { FrameworkRateLimits } from './rate-limits.ts';
import {
  type AgentView,
  type OperationQuery,
  type TaskQuery,
  implicitStatuses,
  reconcileOperations,
  reconcileTasks,
} from './reconciliation.ts';
import {
  type AgentRecord,
  type ExecutorRecord,
  type FrameworkRecord,
  type StatusEntry,
  type TaskRecord,
  newTaskRecord,
} from './records.ts';
import { OperatorEvents } from './operator-events.ts';
import { type OperatorViewer, operatorEventFormat } from './operator-event-format.ts';
import { Registry, storedTask } from './registry.ts';
import { MasterState } from './state.ts';
import { stateForScheduler } from './status.ts';

export type { MasterConfig } from './config.ts';
export { FILTER_EXPIRY_BATCH_MS } from './offers.ts';

/** Tasks a RECONCILE answers in one step of its slices. */
const RECONCILE_STEP_TASKS = 256;
/** How long a RECONCILE waits for its scheduler to read when half its stream's bound is waiting. */
const RECONCILE_BACKOFF_MS = 10;
/** A scheduler that has read nothing for this long is not waited for: its stream's bound cuts it off. */
export const RECONCILE_STALL_MS = 5000;

/**
 * The pause of a long answer to one scheduler (slices.ts): none while less than half the
 * stream's bound waits to be read; a short wait while more does and the scheduler is reading.
 */
function readerPace(sink: EventSink, limit: number): () => number {
  let lastQueued = 0;
  let progressAt = Date.now();
  return () => {
    const queued = sink.queuedBytes?.() ?? 0;
    const now = Date.now();
    if (queued < lastQueued || queued <= limit / 2) progressAt = now;
    lastQueued = queued;
    if (queued <= limit / 2 || now - progressAt > RECONCILE_STALL_MS) return 0;
    return RECONCILE_BACKOFF_MS;
  };
}

const TASK_STATE_METRIC: Record<TaskState, string> = {
  TASK_STAGING: 'staging',
  TASK_STARTING: 'starting',
  TASK_RUNNING: 'running',
  TASK_KILLING: 'killing',
  TASK_FINISHED: 'finished',
  TASK_FAILED: 'failed',
  TASK_KILLED: 'killed',
  TASK_ERROR: 'error',
  TASK_LOST: 'lost',
  TASK_DROPPED: 'dropped',
  TASK_UNREACHABLE: 'unreachable',
  TASK_GONE: 'gone',
  TASK_GONE_BY_OPERATOR: 'gone_by_operator',
  TASK_UNKNOWN: 'unknown',
};

/** The MasterInfo of a master with this configuration and id (what its ZooKeeper znode holds too). */
export function masterInfoOf(config: MasterConfig, id: string): MasterInfo & { pid: string } {
  return {
    id,
    ip: ipv4ToUint32(config.ip),
    port: config.port,
    pid: `master@${config.ip}:${config.port}`,
    hostname: config.hostname,
    version: MESOS_API_VERSION,
    address: { hostname: config.hostname, ip: config.ip, port: config.port },
    capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
  };
}

export class Master implements AgentHost, FrameworkHost, OfferHost {
  readonly id: string;
  readonly startTime: number;
  /** Its pid is always set: the web UI and /master/state give it as `pid` and `leader`. */
  readonly info: MasterInfo & { pid: string };
  readonly allocator: DrfAllocator;
  readonly registry: Registry;
  readonly state: MasterState;
  /** Agent registration, pings and removal. */
  readonly agentBook: AgentBook;
  /** Allocation runs, offers sent and taken back. */
  readonly offerBook: OfferBook;
  /** Schedulers' calls per principal, and the limiters of --rate_limits. */
  readonly rateLimits: FrameworkRateLimits;
  readonly counters = { validStatusUpdates: 0, invalidStatusUpdates: 0, tasksLaunched: 0 };
  /** The operator API's event stream: told of each change operators follow (operator-events.ts). */
  readonly operatorEvents: OperatorEvents<OperatorViewer>;

  /** Subscriptions, failovers and removal of frameworks. */
  readonly frameworkBook: FrameworkBook;
  /** Role weights: --weights, changed by UPDATE_WEIGHTS (in memory: a restart goes back to --weights). */
  readonly weights: Map<string, number>;
  private isStopping = false;

  constructor(
    readonly config: MasterConfig,
    readonly log: Logger,
    registry?: Registry,
  ) {
    this.id = config.id ?? newUuid();
    this.startTime = Date.now();
    this.info = masterInfoOf(config, this.id);
    this.allocator = new DrfAllocator({
      now: () => Date.now(),
      ...(config.minAllocatable ? { minAllocatable: config.minAllocatable } : {}),
      ...(config.weights ? { weights: config.weights } : {}),
    });
    this.weights = new Map(config.weights ?? []);
    this.rateLimits = new FrameworkRateLimits(config.rateLimits);
    const limits = {
      maxCompletedFrameworks: config.maxCompletedFrameworks,
      maxCompletedTasksPerFramework: config.maxCompletedTasksPerFramework,
    };
    this.registry = registry ?? Registry.memory(limits, log);
    this.state = new MasterState(
      {
        resourcesFreed: (task) => {
          if (this.state.agents.has(task.agentId)) this.allocator.recoverResources(task.frameworkId, task.agentId, task.resources);
          this.offerBook.schedule();
        },
        defaultExecutorDone: (exec) => queueMicrotask(() => this.releaseExecutor(exec.agentId, exec.frameworkId, exec.executorId)),
      },
      { ...limits, maxUnreachableTasksPerFramework: config.maxUnreachableTasksPerFramework },
    );
    this.offerBook = new OfferBook(this, {
      masterId: this.id,
      allocationIntervalSecs: config.allocationIntervalSecs,
      offerTimeoutSecs: config.offerTimeoutSecs,
      log,
    });
    this.agentBook = new AgentBook(this);
    this.frameworkBook = new FrameworkBook(this);
    this.operatorEvents = new OperatorEvents(operatorEventFormat(this), {
      maxSubscribers: config.maxOperatorEventStreamSubscribers ?? 1000,
      heartbeatIntervalSecs: config.heartbeatIntervalSecs,
      onDropped: (id) =>
        log.info(`Closing operator event stream subscriber ${id}: more than --max_operator_event_stream_subscribers subscribed`),
    });
    this.recoverFromRegistry();
  }

  // ---------------------------------------------------------------- read-only views of the state

  get frameworks(): ReadonlyMap<string, FrameworkRecord> {
    return this.state.frameworks;
  }
  get completedFrameworks(): readonly FrameworkRecord[] {
    return this.state.completedFrameworks;
  }
  get agents(): ReadonlyMap<string, AgentRecord> {
    return this.state.agents;
  }
  get unreachableAgents(): MasterState['unreachableAgents'] {
    return this.state.unreachableAgents;
  }
  get recoveredAgents(): MasterState['recoveredAgents'] {
    return this.state.recoveredAgents;
  }
  get offers(): MasterState['offers'] {
    return this.state.offers;
  }

  // ---------------------------------------------------------------- life

  /** The master is stopping: the disconnections it causes are not failovers (FrameworkHost). */
  get stopped(): boolean {
    return this.isStopping;
  }

  /** After a restart: what the registry remembers comes back before any agent or scheduler does. */
  private recoverFromRegistry(): void {
    const st = this.registry.state;
    for (const a of st.agents.values()) this.state.addRecoveredAgent(a);
    for (const [id, u] of st.unreachable) this.state.markUnreachable(id, u);
    for (const stored of st.frameworks.values()) {
      const fw = this.recoverFramework(stored.info);
      fw.registeredTime = stored.registeredTime;
      fw.completedTasks.push(...stored.completedTasks.map((t) => ({ ...t })));
    }
    for (const stored of st.completedFrameworks) {
      const fw = newFrameworkRecord(stored.info.id?.value ?? '', stored.info, stored.registeredTime);
      if (stored.unregisteredTime !== undefined) fw.unregisteredTime = stored.unregisteredTime;
      fw.completedTasks.push(...stored.completedTasks.map((t) => ({ ...t })));
      this.state.addCompletedFramework(fw);
    }
    if (st.agents.size + st.frameworks.size + st.completedFrameworks.length > 0) {
      this.log.info(
        `Recovered from the registry: ${st.agents.size} agents (waiting for them to re-register), ${st.unreachable.size} unreachable agents, ${st.frameworks.size} frameworks, ${st.completedFrameworks.length} completed frameworks`,
      );
    }
  }

  /** Starts the periodic work: scheduler heartbeats, agent pings, the allocation safety net. */
  start(): void {
    this.frameworkBook.start();
    this.agentBook.start();
    this.offerBook.start();
    this.operatorEvents.start();
  }

  /**
   * Stops the periodic work and closes every stream. A master that stops decides nothing about
   * the cluster: the disconnections its own closing causes are not failovers (a framework with
   * failover timeout 0 would be removed and its tasks killed by the next master), so they are
   * ignored, as they are when the master crashes. A batched allocation may still be pending: it
   * must neither send offers nor re-arm timers.
   */
  stop(): void {
    this.isStopping = true;
    this.frameworkBook.stop();
    this.agentBook.stop();
    this.offerBook.stop();
    this.operatorEvents.stop();
    for (const agent of this.state.agents.values()) agent.link?.close();
  }

  // ---------------------------------------------------------------- frameworks (frameworks.ts)

  /** SUBSCRIBE: a new framework, or a failover to a new stream; the caller asked subscribeRefusal() first. */
  subscribe(info: FrameworkInfo, suppressedRoles: string[], sink: EventSink, streamId: string): FrameworkRecord {
    return this.frameworkBook.subscribe(info, suppressedRoles, sink, streamId);
  }

  /** Why Mesos would refuse this SUBSCRIBE, or undefined. */
  subscribeRefusal(info: FrameworkInfo, suppressedRoles: readonly string[] = [], offerConstraints?: OfferConstraints): string | undefined {
    return this.frameworkBook.subscribeRefusal(info, suppressedRoles, offerConstraints);
  }

  updateFramework(fw: FrameworkRecord, info: FrameworkInfo, suppressedRoles: string[]): void {
    this.frameworkBook.updateFramework(fw, info, suppressedRoles);
  }

  revive(fw: FrameworkRecord, roles: readonly string[]): void {
    this.frameworkBook.revive(fw, roles);
  }

  suppress(fw: FrameworkRecord, roles: readonly string[]): void {
    this.frameworkBook.suppress(fw, roles);
  }

  frameworkDisconnected(frameworkId: string, streamId: string): void {
    this.frameworkBook.frameworkDisconnected(frameworkId, streamId);
  }

  /**
   * UPDATE_WEIGHTS: the roles' new weights go to the allocator; offers outstanding to frameworks
   * of those roles are taken back so that the next allocation follows the new weights
   * (WeightsHandler::__updateWeights, rescindOffers).
   */
  updateWeights(weights: ReadonlyArray<{ role: string; weight: number }>): void {
    for (const { role, weight } of weights) this.weights.set(role, weight);
    this.allocator.setWeights(this.weights);
    const roles = new Set(weights.map((w) => w.role));
    if (![...this.frameworks.values()].some((fw) => fw.roles.some((r) => roles.has(r)))) return;
    for (const fw of this.frameworks.values()) this.offerBook.rescindFrameworkOffers(fw);
  }

  removeFramework(fw: FrameworkRecord, why: string): void {
    this.frameworkBook.removeFramework(fw, why);
    // Its tasks left their agents: a draining agent may have none left.
    for (const agentId of this.state.agentMarks.draining()) this.agentBook.checkDrained(agentId);
  }

  recoverFramework(info: FrameworkInfo): FrameworkRecord {
    return this.frameworkBook.recoverFramework(info);
  }

  send(fw: FrameworkRecord, event: SchedulerEvent): void {
    fw.sink?.send(event);
  }

  // ---------------------------------------------------------------- offers (offers.ts)

  /** An allocation run is due (at the end of the turn, or after a pause). */
  get allocationPending(): boolean {
    return this.offerBook.pending;
  }

  decline(fw: FrameworkRecord, offerIds: string[], refuseSeconds: number): void {
    this.offerBook.decline(fw, offerIds, refuseSeconds);
  }

  takeOffers(fw: FrameworkRecord, offerIds: string[]): ReturnType<OfferBook['take']> {
    return this.offerBook.take(fw, offerIds);
  }

  returnUnused(fw: FrameworkRecord, agentId: string, resources: Resource[], refuseSeconds: number): void {
    this.offerBook.returnUnused(fw, agentId, resources, refuseSeconds);
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Launches a validated task on an agent (RUN_TASK). A custom executor not running there yet is
   * charged its resources now; they come back when it ends. Returns the resources it used.
   */
  launchTask(fw: FrameworkRecord, agent: AgentRecord, role: string, task: TaskInfo): Resource[] {
    const executorId = task.executor?.executor_id.value ?? '';
    let used = task.resources ?? [];
    if (task.executor && !this.state.executor(agent.id, fw.id, executorId)) {
      used = [...used, ...(task.executor.resources ?? [])];
      this.chargeExecutor(fw, agent, task.executor, false);
    }
    this.addTask(fw, agent, role, task, executorId);
    this.log.info(
      { framework: fw.id, task: task.task_id.value, agent: agent.id },
      `Launching task ${task.task_id.value} of framework ${fw.id} on agent ${agent.id}`,
    );
    agent.link?.send({ type: 'RUN_TASK', run_task: { framework: fw.info, task } });
    return used;
  }

  /** Launches a validated task group with its executor (RUN_TASK_GROUP). Returns the resources it used. */
  launchTaskGroup(fw: FrameworkRecord, agent: AgentRecord, role: string, executor: ExecutorInfo, tasks: TaskInfo[]): Resource[] {
    const executorId = executor.executor_id.value;
    let used: Resource[] = [];
    if (!this.state.executor(agent.id, fw.id, executorId)) {
      used = executor.resources ?? [];
      this.chargeExecutor(fw, agent, executor, executor.type !== 'CUSTOM');
    }
    for (const task of tasks) {
      this.addTask(fw, agent, role, task, executorId);
      used = [...used, ...(task.resources ?? [])];
    }
    this.log.info(
      { framework: fw.id, agent: agent.id, tasks: tasks.map((t) => t.task_id.value) },
      `Launching task group of ${tasks.length} tasks with executor ${executorId} on agent ${agent.id}`,
    );
    agent.link?.send({ type: 'RUN_TASK_GROUP', run_task_group: { framework: fw.info, executor, task_group: { tasks } } });
    return used;
  }

  private chargeExecutor(fw: FrameworkRecord, agent: AgentRecord, executor: ExecutorInfo, isDefault: boolean): void {
    this.state.addExecutor({
      frameworkId: fw.id,
      agentId: agent.id,
      executorId: executor.executor_id.value,
      info: executor,
      resources: executor.resources ?? [],
      isDefault,
      taskIds: new Set(),
    });
  }

  /** Records a task in STAGING on its agent. */
  private addTask(fw: FrameworkRecord, agent: AgentRecord, role: string, task: TaskInfo, executorId: string): TaskRecord {
    const resources = allocatedTo(task.resources ?? [], role);
    // The agent's id string rather than the scheduler's copy: the master may keep it for long.
    const rec = newTaskRecord({
      info: { ...task, resources, agent_id: { value: agent.id } },
      frameworkId: fw.id,
      agentId: agent.id,
      executorId,
      role,
      resources,
      state: 'TASK_STAGING',
      statuses: [],
      resourcesRecovered: false,
    });
    this.state.executor(agent.id, fw.id, executorId)?.taskIds.add(task.task_id.value);
    this.state.addTask(fw, agent, rec);
    this.counters.tasksLaunched++;
    this.operatorEvents.taskAdded(fw, rec);
    return rec;
  }

  /** A status originated by the master (no uuid: schedulers do not acknowledge it). */
  sendMasterStatus(fw: FrameworkRecord, status: TaskStatus): void {
    this.send(fw, { type: 'UPDATE', update: { status: { ...status, state: stateForScheduler(status.state, fw.partitionAware) } } });
  }

  /** Applies a status to a task record: its history, and its state through MasterState.enterState. */
  recordStatus(task: TaskRecord, status: TaskStatus): void {
    const wasTerminal = isTerminalState(task.state);
    const state = sharedStateName(status.state);
    // A retried update or a repeated state does not add history, nor an operator event.
    const isNew = task.statuses.at(-1)?.state !== state;
    if (isNew) task.statuses.push(statusEntry(status, state, Date.now() / 1000));
    if (!wasTerminal) this.state.enterState(task, state);
    const fw = this.state.frameworks.get(task.frameworkId);
    if (isNew && fw !== undefined) this.operatorEvents.taskUpdated(fw.info, task, status);
  }

  /** Keeps a task that left the active tables among its framework's completed ones, and in the registry. */
  keepCompleted(fw: FrameworkRecord, task: TaskRecord): void {
    this.state.keepCompleted(fw, task);
    // Kept for /master/state after a restart; not waited for (Mesos keeps none of it).
    if (this.state.frameworks.get(fw.id) === fw) this.registry.apply({ op: 'COMPLETE_TASK', framework_id: fw.id, task: storedTask(task) });
  }

  /** Moves a task out of the active tables into its framework's completed tasks. */
  private completeTask(fw: FrameworkRecord, task: TaskRecord): void {
    this.state.completeTask(fw, task);
    if (this.state.frameworks.get(fw.id) === fw) this.registry.apply({ op: 'COMPLETE_TASK', framework_id: fw.id, task: storedTask(task) });
  }

  /** Ends a task the master itself decided about (invalid, lost with its agent, ...). */
  failTask(fw: FrameworkRecord, task: TaskRecord, status: TaskStatus): void {
    this.recordStatus(task, status);
    this.sendMasterStatus(fw, status);
    if (isTerminalState(task.state)) {
      this.completeTask(fw, task);
      this.agentBook.checkDrained(task.agentId);
    }
  }

  /**
   * LATEST_STATE from an agent: a task ended before its earlier updates were acknowledged. Its
   * state and resources follow now; its history gets the terminal status when that arrives.
   */
  latestState(agent: AgentRecord, frameworkId: string, taskId: string, state: TaskState): void {
    if (!isTerminalState(state)) return;
    const task = this.state.findTask(frameworkId, taskId, agent);
    if (!task || task.agentId !== agent.id || isTerminalState(task.state)) return;
    this.state.enterState(task, state);
  }

  /** STATUS_UPDATE from an agent: record it and forward it to the scheduler for acknowledgement. */
  statusUpdate(agent: AgentRecord, frameworkId: string, status: TaskStatus): void {
    const fw = this.state.frameworks.get(frameworkId);
    const taskId = status.task_id?.value;
    if (!taskId || !status.state) {
      this.counters.invalidStatusUpdates++;
      return;
    }
    this.counters.validStatusUpdates++;
    const task = this.state.findTask(frameworkId, taskId, agent);
    if (task) {
      this.recordStatus(task, status);
      if (status.uuid) {
        task.pendingUuid = status.uuid;
        task.pendingState = status.state;
      }
    }
    if (!fw) {
      this.log.warn(
        { framework: frameworkId, task: taskId },
        `Dropping status update ${status.state} of task ${taskId}: framework ${frameworkId} is unknown`,
      );
      return;
    }
    const forwarded: TaskStatus = { ...status, agent_id: { value: agent.id } };
    forwarded.state = stateForScheduler(status.state, fw.partitionAware);
    if (status.state === 'TASK_KILLING' && !fw.killingStateCapable) return;
    this.send(fw, { type: 'UPDATE', update: { status: forwarded } });
  }

  /** ACKNOWLEDGE from a scheduler: pass it to the agent; a terminal task leaves the active table. */
  acknowledge(fw: FrameworkRecord, agentId: string, taskId: string, uuid: string): void {
    const agent = this.state.agents.get(agentId);
    if (!agent?.link) {
      // Mesos drops it too (the call was valid; the agent resends the update when it is back).
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Cannot send status update acknowledgement for task ${taskId} of framework ${fw.id} to agent ${agentId}: the agent is ${agent ? 'disconnected' : 'not registered'}`,
      );
      return;
    }
    const task = fw.tasks.get(taskId);
    agent.link.send({ type: 'ACKNOWLEDGE', acknowledge: { framework_id: fw.id, task_id: taskId, uuid } });
    if (task && task.pendingUuid === uuid) {
      const acked = task.pendingState ?? task.state;
      task.pendingUuid = undefined;
      task.pendingState = undefined;
      if (isTerminalState(acked)) {
        this.completeTask(fw, task);
        this.agentBook.checkDrained(agentId);
      }
    }
  }

  kill(fw: FrameworkRecord, taskId: string, agentId: string | undefined, killPolicy: KillPolicy | undefined): void {
    const task = fw.tasks.get(taskId);
    if (!task) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Cannot kill task ${taskId} of framework ${fw.id}: it is unknown; reconciling instead`,
      );
      this.reconcile(fw, [{ taskId, ...(agentId ? { agentId } : {}) }]);
      return;
    }
    if (agentId !== undefined && agentId !== task.agentId) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Cannot kill task ${taskId} of agent ${agentId} of framework ${fw.id}: it belongs to agent ${task.agentId}`,
      );
      return;
    }
    const agent = this.state.agents.get(task.agentId);
    if (!agent?.link) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Agent ${task.agentId} of task ${taskId} is disconnected; the kill is delivered when it re-registers`,
      );
      return;
    }
    agent.link.send({
      type: 'KILL_TASK',
      kill_task: { framework_id: fw.id, task_id: taskId, ...(killPolicy ? { kill_policy: killPolicy } : {}) },
    });
  }

  /**
   * Per scheduler stream: its RECONCILE answers not finished (each waits for the one before),
   * the last of them, and the pace of its reader.
   */
  private readonly reconciling = new WeakMap<EventSink, { unfinished: number; last: Promise<void>; pace: (() => number) | undefined }>();

  /**
   * RECONCILE, by Mesos's rules (reconciliation.ts): no tasks = implicit (all active tasks). A
   * large one is answered a slice at a time (slices.ts), never faster than its scheduler reads:
   * hundreds of thousands of tasks would otherwise hold the master for seconds, and their
   * updates overrun the scheduler's stream. The answers to one scheduler's RECONCILE calls come
   * one after another, in the order of the calls; they stop if it goes or subscribes anew.
   */
  reconcile(fw: FrameworkRecord, tasks: TaskQuery[]): void {
    const sink = fw.sink;
    if (!sink) return;
    const limit = this.config.maxEventStreamBufferBytes;
    let entry = this.reconciling.get(sink);
    if (!entry) {
      entry = { unfinished: 0, last: Promise.resolve(), pace: limit === undefined ? undefined : readerPace(sink, limit) };
      this.reconciling.set(sink, entry);
    }
    const queue = entry;
    const implicit = tasks.length === 0 ? [...fw.tasks.values()] : undefined;
    const total = implicit ? implicit.length : tasks.length;
    let next = 0;
    const step = () => {
      if (next < total && fw.sink === sink) {
        const to = Math.min(total, next + RECONCILE_STEP_TASKS);
        const now = Date.now();
        const statuses = implicit
          ? implicitStatuses(fw, implicit.slice(next, to), now)
          : reconcileTasks(fw, tasks.slice(next, to), this.agentView, now);
        for (const status of statuses) this.sendMasterStatus(fw, status);
        next = to;
      }
      if (next < total && fw.sink === sink) return false;
      queue.unfinished--;
      return true;
    };
    const run = () => runInSlices(step, queue.pace ? { pause: queue.pace } : {});
    // With nothing before it, the first slice runs now: a small RECONCILE is answered in the call.
    const started = queue.unfinished === 0 ? run() : queue.last.then(run);
    queue.unfinished++;
    queue.last = started.catch((err: unknown) =>
      this.log.error({ err, framework: fw.id }, `Failed to reconcile the tasks of framework ${fw.id}`),
    );
  }

  /** RECONCILE_OPERATIONS, by Mesos's rules (reconciliation.ts). */
  reconcileOperations(fw: FrameworkRecord, operations: OperationQuery[]): void {
    for (const status of reconcileOperations(operations, this.agentView)) {
      this.send(fw, { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status } });
    }
  }

  /** Where agents stand, for reconciliation. */
  private readonly agentView: AgentView = {
    standing: (agentId) => {
      if (this.state.recoveredAgents.has(agentId)) return { kind: 'recovered' };
      if (this.state.agents.has(agentId)) return { kind: 'registered' };
      const unreachable = this.state.unreachableAgents.get(agentId);
      return unreachable ? { kind: 'unreachable', since: unreachable.time } : { kind: 'unknown' };
    },
    anyRecovered: () => this.state.recoveredAgents.size > 0,
  };

  // ---------------------------------------------------------------- executors and messages

  executorRecord(agentId: string, frameworkId: string, executorId: string): ExecutorRecord | undefined {
    return this.state.executor(agentId, frameworkId, executorId);
  }

  /** An executor ended: its resources go back to the allocator. */
  private releaseExecutor(agentId: string, frameworkId: string, executorId: string): void {
    const rec = this.state.removeExecutor(agentId, frameworkId, executorId);
    if (rec && rec.resources.length > 0 && this.state.agents.has(agentId) && this.state.frameworks.has(frameworkId)) {
      this.allocator.recoverResources(frameworkId, agentId, rec.resources);
      this.offerBook.schedule();
    }
  }

  /** An agent reports that a custom executor ended: its scheduler hears FAILURE, as from Mesos. */
  executorExited(agent: AgentRecord, frameworkId: string, executorId: string, status: number): void {
    this.releaseExecutor(agent.id, frameworkId, executorId);
    this.log.info(
      { framework: frameworkId, executor: executorId, agent: agent.id },
      `Executor '${executorId}' of framework ${frameworkId} on agent ${agent.id} ended (status ${status})`,
    );
    const fw = this.state.frameworks.get(frameworkId);
    if (!fw?.connected) {
      this.log.warn(
        { framework: frameworkId },
        `Not forwarding the exit of executor '${executorId}': framework ${frameworkId} is ${fw ? 'disconnected' : 'unknown'}`,
      );
      return;
    }
    this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id }, executor_id: { value: executorId }, status } });
  }

  /** MESSAGE from a scheduler to one of its executors. */
  messageToExecutor(fw: FrameworkRecord, agentId: string, executorId: string, data: string): void {
    const agent = this.state.agents.get(agentId);
    if (!agent?.link) {
      this.log.warn(
        { framework: fw.id },
        `Cannot send framework message for framework ${fw.id} to agent ${agentId} because agent is ${agent ? 'disconnected' : 'not registered'}`,
      );
      return;
    }
    agent.link.send({ type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: fw.id, executor_id: executorId, data } });
  }

  /** A message an executor sent to its scheduler, through its agent. */
  messageFromExecutor(agent: AgentRecord, frameworkId: string, executorId: string, data: string): void {
    const fw = this.state.frameworks.get(frameworkId);
    if (fw) this.send(fw, { type: 'MESSAGE', message: { agent_id: { value: agent.id }, executor_id: { value: executorId }, data } });
  }

  /** SHUTDOWN from a scheduler: one of its executors is to end. */
  shutdownExecutor(fw: FrameworkRecord, agentId: string, executorId: string): void {
    const agent = this.state.agents.get(agentId);
    if (!agent) {
      this.log.warn({ framework: fw.id }, `Unable to shutdown executor '${executorId}' of framework ${fw.id} of unknown agent ${agentId}`);
      return;
    }
    agent.link?.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: fw.id, executor_id: executorId } });
  }

  // ---------------------------------------------------------------- agents (agents.ts)

  /** Returns the agent's id; it is registered once admission is durable (at once in memory). */
  registerAgent(reg: RegisterMessage['register'], link: AgentLink, streamId: string, principal?: string): string {
    return this.agentBook.registerAgent(reg, link, streamId, principal);
  }

  /** Why an agent authenticated as `principal` may not register as it asks (another principal's id). */
  agentRegistrationRefusal(agentId: string | undefined, principal: string | undefined): string | undefined {
    return this.agentBook.registrationRefusal(agentId, principal);
  }

  /** The agent's stream broke: stop offering it and wait for it to come back. */
  agentDisconnected(agentId: string, streamId: string): void {
    if (this.isStopping) return;
    this.agentBook.agentDisconnected(agentId, streamId);
  }

  pong(agent: AgentRecord, seq: number): void {
    this.agentBook.pong(agent, seq);
  }

  /** Removes an agent: its offers go, its tasks become unreachable (or lost), schedulers hear FAILURE. */
  removeAgent(agent: AgentRecord, state: TaskState, reason: AgentRemovalReason, why: string): void {
    this.agentBook.removeAgent(agent, state, reason, why);
  }

  // ---------------------------------------------------------------- read model helpers

  /** Task counts by metric suffix (staging, running, ...) over active tasks. */
  activeTaskCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const fw of this.state.frameworks.values()) {
      for (const task of fw.tasks.values()) {
        if (isTerminalState(task.state)) continue;
        const k = TASK_STATE_METRIC[task.state];
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      if (fw.unreachableTasks.size > 0) counts.set('unreachable', (counts.get('unreachable') ?? 0) + fw.unreachableTasks.size);
    }
    return counts;
  }

  terminalCount(state: TaskState): number {
    return this.state.terminalCount(state);
  }

  /** Resources in use by tasks on an agent (not yet recovered). */
  agentUsed(agent: AgentRecord): readonly Resource[] {
    return agent.tasks.usedResources();
  }

  agentOffered(agent: AgentRecord): Resource[] {
    return this.offerBook.offered(agent.offers);
  }

  frameworkUsed(fw: FrameworkRecord): readonly Resource[] {
    return fw.tasks.usedResources();
  }

  frameworkOffered(fw: FrameworkRecord): Resource[] {
    return this.offerBook.offered(fw.offers);
  }

  idleResources(agent: AgentRecord): Resource[] {
    return subtract(subtract(agent.resources, this.agentUsed(agent)), this.agentOffered(agent));
  }
}

/** MasterInfo.ip is the IPv4 address as a uint32 in network byte order, read as little-endian. */
function ipv4ToUint32(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}

/** The history entry of `status`: its state and time, and the optional fields /master/state shows. */
function statusEntry(status: TaskStatus, state: TaskState, now: number): StatusEntry {
  const entry: StatusEntry = { state, timestamp: status.timestamp ?? now };
  if (status.healthy !== undefined) entry.healthy = status.healthy;
  if (status.labels) entry.labels = status.labels;
  if (status.container_status) entry.container_status = status.container_status;
  if (status.check_status) entry.check_status = status.check_status;
  return entry;
}
