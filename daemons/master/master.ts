// The master's core: frameworks, agents, tasks and offers, and the rules that tie them
// together. It does no I/O of its own: schedulers and agents are reached through the
// EventSink/AgentLink the HTTP layer hands in, so the whole core runs in tests with arrays.
//
//   scheduler-api.ts --calls--> Master <--messages-- agent-api.ts
//                                  |  \--offers--> DrfAllocator (pure)
//                     EventSink <--+--> AgentLink
import type { Logger } from 'pino';
import type { RegisterMessage } from '../common/agent-protocol.ts';
import { newUuid } from '../common/ids.ts';
import {
  type FrameworkInfo,
  type MasterInfo,
  type Offer,
  type Resource,
  type TaskState,
  type TaskStatus,
  isTerminalState,
  sharedStateName,
} from '../common/mesos.ts';
import { add, allocatedTo, subtract, sum } from '../common/resources.ts';
import { TimerStats } from '../common/timer-stats.ts';
import { flushTurnWrites } from '../common/turn-writes.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { DrfAllocator, allocationPauseMs } from './allocator/index.ts';
import { AgentBook, PING_SLOTS } from './agents.ts';
import { allocatorOptionsError, frameworkInfoError, frameworkUpdateError, preserveImmutableFields } from './framework-validation.ts';
import { offerForFramework } from './offer-format.ts';
import { offerIdsError } from './offer-validation.ts';
import { type AgentView, type OperationQuery, type TaskQuery, reconcileOperations, reconcileTasks } from './reconciliation.ts';
import type { AgentLink, EventSink, SchedulerEvent } from './links.ts';
import { type AgentEntry, Registry, type StoredTask } from './registry.ts';
import {
  type AgentRecord,
  type ExecutorRecord,
  executorKey,
  type FrameworkRecord,
  type OfferRecord,
  type StatusEntry,
  type TaskRecord,
  TaskTable,
  frameworkRoles,
  newTaskRecord,
  taskKey,
} from './records.ts';
import { FrameworkRateLimits, type RateLimitsConfig } from './rate-limits.ts';
import { masterStatus, stateForScheduler } from './status.ts';

export interface MasterConfig {
  hostname: string;
  ip: string;
  port: number;
  cluster?: string | undefined;
  allocationIntervalSecs: number;
  agentPingTimeoutSecs: number;
  maxAgentPingTimeouts: number;
  /** Agents known to the registry must re-register this soon after a master restart. */
  agentReregisterTimeoutSecs?: number;
  /** Unreachable agents are forgotten after this long (--registry_max_agent_age). */
  registryMaxAgentAgeSecs?: number;
  /** At most this many unreachable agents are remembered (--registry_max_agent_count). */
  registryMaxAgentCount?: number;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  maxUnreachableTasksPerFramework: number;
  offerTimeoutSecs?: number | undefined;
  minAllocatable?: Resource[][] | undefined;
  weights?: Map<string, number> | undefined;
  heartbeatIntervalSecs: number;
  /** --rate_limits, checked (rateLimitsProblem). */
  rateLimits?: RateLimitsConfig | undefined;
}

export class CallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Refuse filters expiring this close together (at most a quarter of the allocation interval) are
 * dropped by one allocation run: resources come back at most this much later than
 * refuse_seconds says (Mesos: at its next batch allocation, up to an interval later).
 */
export const FILTER_EXPIRY_BATCH_MS = 50;

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

export class Master {
  readonly id: string;
  readonly startTime: number;
  readonly info: MasterInfo;
  readonly allocator: DrfAllocator;
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  readonly agents = new Map<string, AgentRecord>();
  /** Agents removed because they stopped answering; they may come back (partition heals). */
  readonly unreachableAgents = new Map<string, { time: number; hostname: string }>();
  readonly offers = new Map<string, OfferRecord>();
  /** Executors whose resources are charged, by executorKey(agent, framework, executor). */
  readonly executors = new Map<string, ExecutorRecord>();
  /** Agents the registry knows that have not re-registered since this master started. */
  readonly recoveredAgents = new Map<string, AgentEntry>();
  readonly registry: Registry;
  /** Agent registration, pings and removal (agents.ts). */
  readonly agentBook: AgentBook = new AgentBook(this);
  /** Counters of terminal transitions, for metrics (`master/tasks_finished` ...). */
  readonly terminalCounts = new Map<TaskState, number>();
  readonly counters = { validStatusUpdates: 0, invalidStatusUpdates: 0, offersSent: 0, tasksLaunched: 0 };
  /** Schedulers' calls per principal, and the limiters of --rate_limits. */
  readonly rateLimits: FrameworkRateLimits;

  private nextFrameworkSeq = 0;
  private nextOfferSeq = 0;
  private allocationScheduled = false;
  /** When the pending allocation was asked for, for allocation_run_latency_ms. */
  private allocationAskedAt = 0;
  /** The last allocation run: when it ended and how long it took (performance.now() ms). */
  private lastAllocationEnd = 0;
  private lastAllocationMs = 0;
  readonly allocationRun = new TimerStats('allocator/mesos/allocation_run_ms');
  readonly allocationRunLatency = new TimerStats('allocator/mesos/allocation_run_latency_ms');
  private stopped = false;
  private filterTimer?: NodeJS.Timeout;
  /** When filterTimer fires (Date.now() ms). */
  private filterTimerDue = 0;
  /** When the periodic allocation runs next (Date.now() ms), once start() armed it. */
  private nextAllocationTickAt: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly config: MasterConfig,
    readonly log: Logger,
    registry?: Registry,
  ) {
    this.id = newUuid();
    this.startTime = Date.now();
    this.info = {
      id: this.id,
      ip: ipv4ToUint32(config.ip),
      port: config.port,
      pid: `master@${config.ip}:${config.port}`,
      hostname: config.hostname,
      version: MESOS_API_VERSION,
      address: { hostname: config.hostname, ip: config.ip, port: config.port },
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
    };
    this.allocator = new DrfAllocator({
      now: () => Date.now(),
      ...(config.minAllocatable ? { minAllocatable: config.minAllocatable } : {}),
      ...(config.weights ? { weights: config.weights } : {}),
    });
    this.rateLimits = new FrameworkRateLimits(config.rateLimits);
    this.registry =
      registry ??
      Registry.memory(
        { maxCompletedFrameworks: config.maxCompletedFrameworks, maxCompletedTasksPerFramework: config.maxCompletedTasksPerFramework },
        log,
      );
    this.recoverFromRegistry();
  }

  /** After a restart: what the registry remembers comes back before any agent or scheduler does. */
  private recoverFromRegistry(): void {
    const st = this.registry.state;
    for (const [id, a] of st.agents) this.recoveredAgents.set(id, a);
    for (const [id, u] of st.unreachable) this.unreachableAgents.set(id, u);
    for (const stored of st.frameworks.values()) {
      const fw = this.recoverFramework(stored.info);
      fw.registeredTime = stored.registeredTime;
      fw.completedTasks.push(...stored.completedTasks.map((t) => ({ ...t })));
    }
    for (const stored of st.completedFrameworks) {
      const id = stored.info.id?.value ?? '';
      this.completedFrameworks.push({
        id,
        info: stored.info,
        roles: frameworkRoles(stored.info),
        suppressedRoles: new Set(),
        registeredTime: stored.registeredTime,
        ...(stored.unregisteredTime !== undefined ? { unregisteredTime: stored.unregisteredTime } : {}),
        connected: false,
        active: false,
        tasks: new TaskTable(),
        unreachableTasks: new Map(),
        completedTasks: stored.completedTasks.map((t) => ({ ...t })),
        offers: new Set(),
        partitionAware: false,
        killingStateCapable: false,
      });
    }
    if (st.agents.size + st.frameworks.size + st.completedFrameworks.length > 0) {
      this.log.info(
        `Recovered from the registry: ${st.agents.size} agents (waiting for them to re-register), ${st.unreachable.size} unreachable agents, ${st.frameworks.size} frameworks, ${st.completedFrameworks.length} completed frameworks`,
      );
    }
  }

  /** Recovered agents that did not come back in time are unreachable; old unreachable ones are forgotten. */
  private expireRegistryAgents(): void {
    const now = Date.now();
    const timeout = (this.config.agentReregisterTimeoutSecs ?? 600) * 1000;
    for (const [id, a] of [...this.recoveredAgents]) {
      if (now - this.startTime < timeout) break;
      this.recoveredAgents.delete(id);
      this.unreachableAgents.set(id, { time: now, hostname: a.hostname });
      this.registry.apply({ op: 'MARK_UNREACHABLE', agent_id: id, time: now, hostname: a.hostname });
      this.log.warn(`Agent ${id} (${a.hostname}) did not re-register within ${timeout / 1000}s of the master's start; it is unreachable`);
      for (const fw of this.frameworks.values()) this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: id } } });
    }
    const maxAge = (this.config.registryMaxAgentAgeSecs ?? 14 * 24 * 3600) * 1000;
    const maxCount = this.config.registryMaxAgentCount ?? 100 * 1024;
    const byAge = [...this.unreachableAgents].sort((a, b) => a[1].time - b[1].time);
    byAge.forEach(([id, u], i) => {
      if (now - u.time > maxAge || byAge.length - i > maxCount) {
        this.unreachableAgents.delete(id);
        this.registry.apply({ op: 'REMOVE_AGENT', agent_id: id });
      }
    });
  }

  /** Starts the periodic work: scheduler heartbeats, agent pings, the allocation safety net. */
  start(): void {
    this.timers.push(setInterval(() => this.heartbeatFrameworks(), this.config.heartbeatIntervalSecs * 1000));
    let pingTick = 0;
    this.timers.push(
      setInterval(() => this.agentBook.pingAgents(pingTick++ % PING_SLOTS), (this.config.agentPingTimeoutSecs * 1000) / PING_SLOTS),
    );
    this.nextAllocationTickAt = Date.now() + this.allocationIntervalMs;
    this.timers.push(
      setInterval(() => {
        this.nextAllocationTickAt = Date.now() + this.allocationIntervalMs;
        this.scheduleAllocation();
      }, this.allocationIntervalMs),
    );
    this.timers.push(setInterval(() => this.expireRegistryAgents(), 1000));
  }

  /**
   * Stops the periodic work and closes every stream. A master that stops decides nothing about
   * the cluster: the disconnections its own closing causes are not failovers (a framework with
   * failover timeout 0 would be removed and its tasks killed by the next master), so they are
   * ignored, as they are when the master crashes. A batched allocation may still be pending: it
   * must neither send offers nor re-arm timers.
   */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.filterTimer) clearTimeout(this.filterTimer);
    for (const fw of this.frameworks.values()) {
      if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
      fw.sink?.close();
    }
    for (const agent of this.agents.values()) agent.link?.close();
  }

  // ---------------------------------------------------------------- frameworks

  /**
   * SUBSCRIBE: registers a new framework or fails over an existing one to a new stream.
   * Returns the framework id; throws CallError for invalid subscriptions.
   */
  subscribe(info: FrameworkInfo, suppressedRoles: string[], sink: EventSink, streamId: string): FrameworkRecord {
    this.checkSubscribe(info);
    const roles = frameworkRoles(info);
    const requestedId = info.id?.value;
    let fw = requestedId ? this.frameworks.get(requestedId) : undefined;
    const now = Date.now();
    if (fw) {
      this.log.info({ framework: fw.id }, `Framework ${fw.id} (${info.name}) failed over to a new stream`);
      if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
      fw.failoverTimer = undefined;
      const old = fw.sink;
      fw.sink = undefined;
      if (old) {
        old.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        old.close();
      }
      this.rescindFrameworkOffers(fw);
      fw.info = { ...info, id: { value: fw.id } };
      fw.roles = roles;
      fw.reregisteredTime = now;
      fw.unregisteredTime = undefined;
      this.applyCapabilities(fw);
      this.allocator.updateFramework(fw.id, { roles, suppressedRoles });
    } else {
      const id = requestedId ?? `${this.id}-${String(this.nextFrameworkSeq++).padStart(4, '0')}`;
      fw = {
        id,
        info: { ...info, id: { value: id } },
        roles,
        suppressedRoles: new Set(suppressedRoles),
        registeredTime: now,
        connected: false,
        active: false,
        tasks: new TaskTable(),
        unreachableTasks: new Map(),
        completedTasks: [],
        offers: new Set(),
        partitionAware: false,
        killingStateCapable: false,
      };
      if (requestedId) fw.reregisteredTime = now;
      this.applyCapabilities(fw);
      this.frameworks.set(id, fw);
      this.allocator.addFramework(id, { roles, suppressedRoles });
      // No offers before the scheduler has its SUBSCRIBED event.
      this.allocator.deactivateFramework(id);
      this.log.info({ framework: id, framework_name: info.name, user: info.user, roles }, `Registered framework ${id} (${info.name})`);
    }
    fw.suppressedRoles = new Set(suppressedRoles);
    fw.sink = sink;
    fw.streamId = streamId;
    fw.connected = true;
    fw.recovered = false;
    const subscribed = fw;
    // The framework id must survive a master restart before the scheduler learns it.
    this.registry.apply(
      { op: 'ADD_FRAMEWORK', info: fw.info, registered_time: fw.registeredTime },
      () => {
        if (subscribed.sink !== sink) return; // failed over again, or gone, meanwhile
        subscribed.active = true;
        this.allocator.activateFramework(subscribed.id);
        sink.send({
          type: 'SUBSCRIBED',
          subscribed: {
            framework_id: { value: subscribed.id },
            heartbeat_interval_seconds: this.config.heartbeatIntervalSecs,
            master_info: this.info,
          },
        });
        this.scheduleAllocation();
      },
      (err: Error) => {
        if (subscribed.sink !== sink) return;
        sink.send({ type: 'ERROR', error: { message: `The master could not record the framework: ${err.message}` } });
        sink.close();
      },
    );
    return fw;
  }

  /**
   * Why Mesos would refuse this SUBSCRIBE (the message of the ERROR event that then ends the
   * stream), or undefined: an invalid FrameworkInfo, a removed framework, suppressed roles or
   * offer constraints naming roles the framework does not have, or a changed principal.
   */
  subscribeRefusal(info: FrameworkInfo, suppressedRoles: readonly string[] = [], offerConstraints?: unknown): string | undefined {
    const isRemoved = (id: string) => this.completedFrameworks.some((f) => f.id === id);
    const error = frameworkInfoError(info, isRemoved) ?? allocatorOptionsError(info, suppressedRoles, offerConstraints);
    if (error) return error;
    const existing = info.id?.value ? this.frameworks.get(info.id.value) : undefined;
    return existing ? frameworkUpdateError(existing.info, preserveImmutableFields(existing.info, info)) : undefined;
  }

  /** Throws a CallError (403) when subscribeRefusal() refuses this FrameworkInfo. */
  checkSubscribe(info: FrameworkInfo): void {
    const refusal = this.subscribeRefusal(info);
    if (refusal) throw new CallError(403, refusal);
  }

  /** @internal for the master's own modules (agents.ts). */
  applyCapabilities(fw: FrameworkRecord): void {
    const caps = new Set((fw.info.capabilities ?? []).map((c) => c.type));
    fw.partitionAware = caps.has('PARTITION_AWARE');
    fw.killingStateCapable = caps.has('TASK_KILLING_STATE');
  }

  /**
   * UPDATE_FRAMEWORK: new FrameworkInfo (roles, capabilities, name...) without re-subscribing.
   * The caller has checked it (updateFrameworkError).
   */
  updateFramework(fw: FrameworkRecord, info: FrameworkInfo, suppressedRoles: string[]): void {
    const roles = frameworkRoles(info);
    const removed = fw.roles.filter((r) => !roles.includes(r));
    fw.info = { ...info, id: { value: fw.id } };
    fw.roles = roles;
    fw.suppressedRoles = new Set(suppressedRoles);
    this.applyCapabilities(fw);
    this.allocator.updateFramework(fw.id, { roles, suppressedRoles });
    this.registry.apply({ op: 'ADD_FRAMEWORK', info: fw.info, registered_time: fw.registeredTime });
    for (const offerId of [...fw.offers]) {
      const rec = this.offers.get(offerId);
      if (rec && removed.includes(rec.role)) this.rescindOffer(rec, true);
    }
    this.scheduleAllocation();
  }

  /** Looks up the framework of a non-SUBSCRIBE call and checks its stream id. */
  frameworkForCall(frameworkId: string | undefined, streamId: string | undefined): FrameworkRecord {
    if (!frameworkId) throw new CallError(400, "Expecting 'framework_id' to be present");
    const fw = this.frameworks.get(frameworkId);
    if (!fw) throw new CallError(400, 'Framework cannot be found');
    if (!fw.connected || !fw.sink) throw new CallError(403, 'Framework is not subscribed');
    if (!streamId) throw new CallError(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (streamId !== fw.streamId) {
      throw new CallError(
        400,
        `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
      );
    }
    return fw;
  }

  /** The scheduler's stream broke: deactivate and start the failover timeout. */
  frameworkDisconnected(frameworkId: string, streamId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw || fw.streamId !== streamId || this.stopped) return;
    fw.sink = undefined;
    fw.connected = false;
    fw.active = false;
    this.allocator.deactivateFramework(fw.id);
    this.rescindFrameworkOffers(fw);
    const timeoutSecs = fw.info.failover_timeout ?? 0;
    this.log.info({ framework: fw.id }, `Framework ${fw.id} (${fw.info.name}) disconnected; failover timeout ${timeoutSecs}s`);
    if (timeoutSecs <= 0) {
      this.removeFramework(fw, 'failover timeout 0 after disconnection');
      return;
    }
    fw.failoverTimer = setTimeout(
      () => {
        const current = this.frameworks.get(frameworkId);
        if (current && !current.connected) this.removeFramework(current, `failover timeout of ${timeoutSecs}s elapsed`);
      },
      Math.min(timeoutSecs, 2 ** 31 / 1000 - 1) * 1000,
    );
  }

  /** Removes a framework: its tasks are killed, its offers rescinded, it moves to completed. */
  removeFramework(fw: FrameworkRecord, why: string): void {
    if (!this.frameworks.has(fw.id)) return;
    this.log.info({ framework: fw.id }, `Removing framework ${fw.id} (${fw.info.name}): ${why}`);
    if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
    fw.failoverTimer = undefined;
    this.rescindFrameworkOffers(fw, false);
    // Every agent is told, as Mesos does: an executor may run there with no task left that the
    // master knows of (its tasks ended), and it must go too.
    for (const agent of this.agents.values()) agent.link?.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: fw.id } });
    const now = Date.now();
    const killed = (task: TaskRecord) =>
      masterStatus(task.info.task_id.value, 'TASK_KILLED', {
        agentId: task.agentId,
        reason: 'REASON_FRAMEWORK_REMOVED',
        message: `Framework ${fw.id} removed`,
        now,
      });
    for (const task of [...fw.tasks.values()]) {
      if (!isTerminalState(task.state)) this.recordStatus(task, killed(task));
      this.completeTask(fw, task);
    }
    for (const task of fw.unreachableTasks.values()) {
      this.recordStatus(task, killed(task));
      this.pushCompleted(fw, task);
    }
    fw.unreachableTasks.clear();
    this.allocator.removeFramework(fw.id);
    this.dropExecutors((e) => e.frameworkId === fw.id);
    this.frameworks.delete(fw.id);
    const principal = fw.info.principal;
    if (principal !== undefined && ![...this.frameworks.values()].some((f) => f.info.principal === principal))
      this.rateLimits.forget(principal);
    fw.connected = false;
    fw.active = false;
    fw.unregisteredTime = now;
    const sink = fw.sink;
    fw.sink = undefined;
    sink?.close();
    this.completedFrameworks.push(fw);
    while (this.completedFrameworks.length > this.config.maxCompletedFrameworks) this.completedFrameworks.shift();
    this.registry.apply({
      op: 'REMOVE_FRAMEWORK',
      framework_id: fw.id,
      unregistered_time: now,
      completed_tasks: fw.completedTasks.map(storedTask),
    });
    this.scheduleAllocation();
  }

  /** @internal for the master's own modules (agents.ts). */
  send(fw: FrameworkRecord, event: SchedulerEvent): void {
    fw.sink?.send(event);
  }

  private heartbeatFrameworks(): void {
    for (const fw of this.frameworks.values()) if (fw.sink && fw.active) fw.sink.send({ type: 'HEARTBEAT' });
  }

  // ---------------------------------------------------------------- offers

  /** An allocation run is due (at the end of the turn, or after allocationPauseMs). */
  get allocationPending(): boolean {
    return this.allocationScheduled;
  }

  scheduleAllocation(): void {
    if (this.allocationScheduled || this.stopped) return;
    this.allocationScheduled = true;
    this.allocationAskedAt = performance.now();
    const run = () => {
      this.allocationScheduled = false;
      if (this.stopped) return;
      const started = performance.now();
      this.allocationRunLatency.record(started - this.allocationAskedAt);
      this.allocate();
      this.lastAllocationEnd = performance.now();
      this.lastAllocationMs = this.lastAllocationEnd - started;
      this.allocationRun.record(this.lastAllocationMs);
      flushTurnWrites();
    };
    const pause = allocationPauseMs(this.lastAllocationMs, this.allocationAskedAt - this.lastAllocationEnd);
    if (pause > 0) setTimeout(run, pause);
    else setImmediate(run);
  }

  private allocate(): void {
    const allocations = this.allocator.allocate();
    if (allocations.length > 0) {
      const byFramework = new Map<string, Offer[]>();
      const executorIds = this.executors.size > 0 ? this.executorIdsByPlace() : undefined;
      for (const a of allocations) {
        const fw = this.frameworks.get(a.frameworkId);
        const agent = this.agents.get(a.agentId);
        if (!fw?.sink || !fw.active || !agent) {
          this.allocator.recoverResources(a.frameworkId, a.agentId, a.resources);
          continue;
        }
        const offerId = `${this.id}-O${this.nextOfferSeq++}`;
        const offer: Offer = {
          id: { value: offerId },
          framework_id: { value: fw.id },
          agent_id: { value: agent.id },
          hostname: agent.hostname,
          url: {
            scheme: 'http',
            address: { hostname: agent.hostname, ip: pidIp(agent.pid), port: agent.port },
            path: '/slave(1)',
          },
          resources: a.resources,
          attributes: agent.attributes,
          executor_ids: executorIds?.get(executorKey(agent.id, fw.id, '')) ?? [],
          allocation_info: { role: a.role },
        };
        this.offers.set(offerId, { offer, frameworkId: fw.id, agentId: agent.id, role: a.role, resources: a.resources });
        fw.offers.add(offerId);
        agent.offers.add(offerId);
        const list = byFramework.get(fw.id) ?? [];
        list.push(offerForFramework(offer, fw.info));
        byFramework.set(fw.id, list);
      }
      for (const [frameworkId, offers] of byFramework) {
        const fw = this.frameworks.get(frameworkId);
        if (!fw) continue;
        this.counters.offersSent += offers.length;
        this.send(fw, { type: 'OFFERS', offers: { offers } });
        if (this.config.offerTimeoutSecs) {
          for (const o of offers) {
            const id = o.id.value;
            setTimeout(() => {
              const rec = this.offers.get(id);
              if (rec) this.rescindOffer(rec, true);
            }, this.config.offerTimeoutSecs * 1000).unref();
          }
        }
      }
    }
    this.armFilterTimer();
  }

  /**
   * Allocates again when refuse filters expire: once for all those expiring within
   * FILTER_EXPIRY_BATCH_MS of the first. One run per expiry had a master with 10,000 agents and
   * thousands of filters (the unused parts of accepted offers) spend 120 runs a second going
   * through every agent. An armed timer that still fits is kept: allocations run hundreds of
   * times a second under load, and each would otherwise replace it.
   */
  private armFilterTimer(): void {
    const next = this.allocator.nextFilterExpiry();
    if (next === undefined) {
      if (this.filterTimer) clearTimeout(this.filterTimer);
      this.filterTimer = undefined;
      return;
    }
    const batchMs = Math.min(FILTER_EXPIRY_BATCH_MS, this.allocationIntervalMs / 4);
    if (this.filterTimer && this.filterTimerDue > next && this.filterTimerDue <= next + batchMs) return;
    if (this.filterTimer) clearTimeout(this.filterTimer);
    this.filterTimerDue = next + batchMs;
    const delay = Math.max(1, this.filterTimerDue - Date.now());
    this.filterTimer = setTimeout(
      () => {
        this.filterTimer = undefined;
        this.scheduleAllocation();
      },
      Math.min(delay, 2 ** 31 - 1),
    );
  }

  /**
   * The executors the master knows, by executorKey(agent, framework, ''): an offer lists the
   * framework's executors on its agent (Offer.executor_ids), as Mesos's do.
   */
  private executorIdsByPlace(): Map<string, { value: string }[]> {
    const byPlace = new Map<string, { value: string }[]>();
    for (const rec of this.executors.values()) {
      const key = executorKey(rec.agentId, rec.frameworkId, '');
      const ids = byPlace.get(key) ?? [];
      ids.push({ value: rec.executorId });
      byPlace.set(key, ids);
    }
    return byPlace;
  }

  /** Takes an offer out of circulation, returning its resources to the allocator. */
  private dropOffer(rec: OfferRecord, refuseSeconds?: number): void {
    this.offers.delete(rec.offer.id.value);
    this.frameworks.get(rec.frameworkId)?.offers.delete(rec.offer.id.value);
    this.agents.get(rec.agentId)?.offers.delete(rec.offer.id.value);
    this.allocator.recoverResources(rec.frameworkId, rec.agentId, rec.resources, refuseSeconds);
  }

  /** @internal for the master's own modules (agents.ts). */
  rescindOffer(rec: OfferRecord, notify: boolean): void {
    this.dropOffer(rec);
    const fw = this.frameworks.get(rec.frameworkId);
    if (notify && fw) this.send(fw, { type: 'RESCIND', rescind: { offer_id: rec.offer.id } });
    this.scheduleAllocation();
  }

  private rescindFrameworkOffers(fw: FrameworkRecord, notify = true): void {
    for (const offerId of [...fw.offers]) {
      const rec = this.offers.get(offerId);
      if (rec) this.rescindOffer(rec, notify && fw.sink !== undefined);
    }
  }

  private get allocationIntervalMs(): number {
    return Math.max(this.config.allocationIntervalSecs, 0.05) * 1000;
  }

  /**
   * How long resources a framework turned down stay away from it. Mesos re-offers declined
   * resources at its next batch allocation (every --allocation_interval) at the earliest, even
   * with refuse_seconds 0. This master allocates as soon as resources come back, so a framework
   * declining with refuse_seconds 0 got the same resources back as fast as they could travel,
   * over and over (a launch benchmark spent most of the master's time on that). They now wait
   * for the next periodic allocation for that framework; other frameworks get them at once.
   */
  private refuseSecondsFor(refuseSeconds: number): number {
    if (!(refuseSeconds >= 0)) return refuseSeconds; // negative or NaN: the allocator's default
    // A little before the tick, so that the tick's run (its timer may fire a millisecond early)
    // finds the filter gone rather than waiting for the filter timer.
    const untilTick = ((this.nextAllocationTickAt ?? Date.now() + this.allocationIntervalMs) - Date.now() - 10) / 1000;
    return Math.max(refuseSeconds, untilTick, 0.001);
  }

  /** DECLINE: the offers go back with a refuse filter (default 5 s). */
  decline(fw: FrameworkRecord, offerIds: string[], refuseSeconds: number): void {
    for (const id of offerIds) {
      const rec = this.offers.get(id);
      if (!rec || rec.frameworkId !== fw.id) {
        this.log.warn({ framework: fw.id, offer: id }, `Ignoring decline of unknown offer ${id}`);
        continue;
      }
      this.dropOffer(rec, this.refuseSecondsFor(refuseSeconds));
    }
    this.scheduleAllocation();
  }

  /**
   * Takes the offers of an ACCEPT, or returns why they cannot be used (offer-validation.ts); the
   * framework's offers named in an invalid ACCEPT go back to the allocator, as in Mesos.
   */
  takeOffers(fw: FrameworkRecord, offerIds: string[]): { agent: AgentRecord; resources: Resource[]; role: string } | { error: string } {
    const recs = offerIds.flatMap((id) => this.offers.get(id) ?? []);
    const agentId = recs[0]?.agentId;
    const agent = agentId === undefined ? undefined : this.agents.get(agentId);
    let error = offerIdsError(offerIds, fw.id, (id) => this.offers.get(id));
    // Mesos rescinds an agent's offers when it deactivates; this one may be on its way out.
    if (!error && !agent?.active) error = `Agent ${agentId} is not available`;
    if (error || !agent) {
      for (const rec of new Set(recs)) if (rec.frameworkId === fw.id) this.dropOffer(rec);
      this.scheduleAllocation();
      return { error: error ?? 'invalid offers' };
    }
    let resources: Resource[] = [];
    for (const rec of recs) {
      this.offers.delete(rec.offer.id.value);
      fw.offers.delete(rec.offer.id.value);
      agent.offers.delete(rec.offer.id.value);
      resources = add(resources, rec.resources);
    }
    return { agent, resources, role: recs[0]!.role };
  }

  /** Unused resources of an ACCEPT go back, filtered for refuse_seconds. */
  returnUnused(fw: FrameworkRecord, agentId: string, resources: Resource[], refuseSeconds: number): void {
    if (resources.length > 0) this.allocator.recoverResources(fw.id, agentId, resources, this.refuseSecondsFor(refuseSeconds));
    this.scheduleAllocation();
  }

  // ---------------------------------------------------------------- tasks

  /** Records a validated task and sends it to its agent. */
  launchTask(
    fw: FrameworkRecord,
    agent: AgentRecord,
    role: string,
    task: import('../common/mesos.ts').TaskInfo,
    executorId: string,
  ): TaskRecord {
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
    fw.tasks.set(task.task_id.value, rec);
    agent.tasks.set(taskKey(fw.id, task.task_id.value), rec);
    this.counters.tasksLaunched++;
    return rec;
  }

  /** A status originated by the master (no uuid: schedulers do not acknowledge it). */
  sendMasterStatus(fw: FrameworkRecord, status: TaskStatus): void {
    this.send(fw, { type: 'UPDATE', update: { status: { ...status, state: stateForScheduler(status.state, fw.partitionAware) } } });
  }

  /** Applies a status to a task record: state, history, resources, counters. */
  /** @internal for the master's own modules (agents.ts). */
  recordStatus(task: TaskRecord, status: TaskStatus): void {
    const wasTerminal = isTerminalState(task.state);
    const state = sharedStateName(status.state);
    // A retried update or a repeated state does not add history.
    if (task.statuses.at(-1)?.state !== state) task.statuses.push(statusEntry(status, state, Date.now() / 1000));
    if (wasTerminal) return;
    this.enterState(task, state);
  }

  /** Moves a task to a state; entering a terminal one counts it and frees its resources. */
  private enterState(task: TaskRecord, state: TaskState): void {
    task.state = state;
    if (isTerminalState(state)) {
      this.terminalCounts.set(state, (this.terminalCounts.get(state) ?? 0) + 1);
      const exec = task.executorId ? this.executorRecord(task.agentId, task.frameworkId, task.executorId) : undefined;
      if (exec?.isDefault) {
        // A task group's default executor ends with the group's last task.
        const fwRec = this.frameworks.get(task.frameworkId);
        const allDone = [...exec.taskIds].every((id) => {
          const t = fwRec?.tasks.get(id);
          return !t || t === task || isTerminalState(t.state);
        });
        if (allDone) queueMicrotask(() => this.releaseExecutor(exec.agentId, exec.frameworkId, exec.executorId));
      }
      if (!task.resourcesRecovered) {
        this.markResourcesRecovered(task);
        if (this.agents.has(task.agentId)) this.allocator.recoverResources(task.frameworkId, task.agentId, task.resources);
        this.scheduleAllocation();
      }
    }
  }

  /** The task's resources no longer count as used by its agent and framework. */
  /** @internal for the master's own modules (agents.ts). */
  markResourcesRecovered(task: TaskRecord): void {
    task.resourcesRecovered = true;
    this.agents.get(task.agentId)?.tasks.resourcesRecovered();
    this.frameworks.get(task.frameworkId)?.tasks.resourcesRecovered();
  }

  /** Moves a task out of the active tables into the framework's completed tasks. */
  private completeTask(fw: FrameworkRecord, task: TaskRecord): void {
    const id = task.info.task_id.value;
    if (fw.tasks.get(id) === task) fw.tasks.delete(id);
    const agent = this.agents.get(task.agentId);
    if (agent?.tasks.get(taskKey(fw.id, id)) === task) agent.tasks.delete(taskKey(fw.id, id));
    this.pushCompleted(fw, task);
  }

  /** @internal for the master's own modules (agents.ts). */
  pushCompleted(fw: FrameworkRecord, task: TaskRecord): void {
    // A pushed-to array keeps room for 17 entries; the completed task's history will not grow.
    task.statuses = task.statuses.slice();
    // Kept for /master/state after a restart; not waited for (Mesos keeps none of it).
    if (this.frameworks.get(fw.id) === fw) this.registry.apply({ op: 'COMPLETE_TASK', framework_id: fw.id, task: storedTask(task) });
    fw.completedTasks.push(task);
    const excess = fw.completedTasks.length - this.config.maxCompletedTasksPerFramework;
    if (excess > 0) fw.completedTasks.splice(0, excess);
  }

  /** Ends a task the master itself decided about (invalid, lost with its agent, ...). */
  failTask(fw: FrameworkRecord, task: TaskRecord, status: TaskStatus): void {
    this.recordStatus(task, status);
    this.sendMasterStatus(fw, status);
    if (isTerminalState(task.state)) this.completeTask(fw, task);
  }

  /**
   * LATEST_STATE from an agent: a task ended before its earlier updates were acknowledged. Its
   * state and resources follow now; its history gets the terminal status when that arrives.
   */
  latestState(agent: AgentRecord, frameworkId: string, taskId: string, state: TaskState): void {
    if (!isTerminalState(state)) return;
    const task = this.frameworks.get(frameworkId)?.tasks.get(taskId) ?? agent.tasks.get(taskKey(frameworkId, taskId));
    if (!task || task.agentId !== agent.id || isTerminalState(task.state)) return;
    this.enterState(task, state);
  }

  /** STATUS_UPDATE from an agent: record it and forward it to the scheduler for acknowledgement. */
  statusUpdate(agent: AgentRecord, frameworkId: string, status: TaskStatus): void {
    const fw = this.frameworks.get(frameworkId);
    const taskId = status.task_id?.value;
    if (!taskId || !status.state) {
      this.counters.invalidStatusUpdates++;
      return;
    }
    this.counters.validStatusUpdates++;
    const task = fw?.tasks.get(taskId) ?? agent.tasks.get(taskKey(frameworkId, taskId));
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

  executorRecord(agentId: string, frameworkId: string, executorId: string): ExecutorRecord | undefined {
    return this.executors.get(executorKey(agentId, frameworkId, executorId));
  }

  /** The executors the master knows on one agent. */
  executorsOf(agentId: string): ExecutorRecord[] {
    return [...this.executors.values()].filter((rec) => rec.agentId === agentId);
  }

  addExecutor(rec: ExecutorRecord): void {
    this.executors.set(executorKey(rec.agentId, rec.frameworkId, rec.executorId), rec);
  }

  /** An executor ended: its resources go back to the allocator. */
  private releaseExecutor(agentId: string, frameworkId: string, executorId: string): void {
    const key = executorKey(agentId, frameworkId, executorId);
    const rec = this.executors.get(key);
    if (!rec) return;
    this.executors.delete(key);
    if (rec.resources.length > 0 && this.agents.has(agentId) && this.frameworks.has(frameworkId)) {
      this.allocator.recoverResources(frameworkId, agentId, rec.resources);
      this.scheduleAllocation();
    }
  }

  /** Forgets executor records matching a predicate (their agent or framework is gone). */
  /** @internal for the master's own modules (agents.ts). */
  dropExecutors(match: (rec: ExecutorRecord) => boolean): void {
    for (const [key, rec] of this.executors) if (match(rec)) this.executors.delete(key);
  }

  /** An agent reports that a custom executor ended: its scheduler hears FAILURE, as from Mesos. */
  executorExited(agent: AgentRecord, frameworkId: string, executorId: string, status: number): void {
    this.releaseExecutor(agent.id, frameworkId, executorId);
    this.log.info(
      { framework: frameworkId, executor: executorId, agent: agent.id },
      `Executor '${executorId}' of framework ${frameworkId} on agent ${agent.id} ended (status ${status})`,
    );
    const fw = this.frameworks.get(frameworkId);
    if (!fw?.connected) {
      this.log.warn(
        { framework: frameworkId },
        `Not forwarding the exit of executor '${executorId}': framework ${frameworkId} is ${fw ? 'disconnected' : 'unknown'}`,
      );
      return;
    }
    this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id }, executor_id: { value: executorId }, status } });
  }

  /** ACKNOWLEDGE from a scheduler: pass it to the agent; a terminal task leaves the active table. */
  acknowledge(fw: FrameworkRecord, agentId: string, taskId: string, uuid: string): void {
    const agent = this.agents.get(agentId);
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
      if (isTerminalState(acked)) this.completeTask(fw, task);
    }
  }

  kill(fw: FrameworkRecord, taskId: string, agentId: string | undefined, killPolicy: unknown): void {
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
    const agent = this.agents.get(task.agentId);
    if (!agent?.link) {
      this.log.warn(
        { framework: fw.id, task: taskId },
        `Agent ${task.agentId} of task ${taskId} is disconnected; the kill is delivered when it re-registers`,
      );
      return;
    }
    agent.link.send({
      type: 'KILL_TASK',
      kill_task: { framework_id: fw.id, task_id: taskId, ...(killPolicy ? { kill_policy: killPolicy as never } : {}) },
    });
  }

  /** RECONCILE, by Mesos's rules (reconciliation.ts): no tasks = implicit (all active tasks). */
  reconcile(fw: FrameworkRecord, tasks: TaskQuery[]): void {
    for (const status of reconcileTasks(fw, tasks, this.agentView, Date.now())) this.sendMasterStatus(fw, status);
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
      if (this.recoveredAgents.has(agentId)) return { kind: 'recovered' };
      if (this.agents.has(agentId)) return { kind: 'registered' };
      const unreachable = this.unreachableAgents.get(agentId);
      return unreachable ? { kind: 'unreachable', since: unreachable.time } : { kind: 'unknown' };
    },
    anyRecovered: () => this.recoveredAgents.size > 0,
  };

  // ---------------------------------------------------------------- agents (agents.ts)

  /** Returns the agent's id; it is registered once admission is durable (at once in memory). */
  registerAgent(reg: RegisterMessage['register'], link: AgentLink, streamId: string): string {
    return this.agentBook.registerAgent(reg, link, streamId);
  }

  /** The agent's stream broke: stop offering it and wait for it to come back. */
  agentDisconnected(agentId: string, streamId: string): void {
    if (this.stopped) return;
    this.agentBook.agentDisconnected(agentId, streamId);
  }

  pong(agent: AgentRecord, seq: number): void {
    this.agentBook.pong(agent, seq);
  }

  /** Removes an agent: its offers go, its tasks become unreachable (or lost), schedulers hear FAILURE. */
  removeAgent(
    agent: AgentRecord,
    state: TaskState,
    reason: 'REASON_AGENT_REMOVED' | 'REASON_AGENT_RESTARTED' | 'REASON_AGENT_REMOVED_BY_OPERATOR',
    why: string,
  ): void {
    this.agentBook.removeAgent(agent, state, reason, why);
  }

  /** A framework learnt from an agent (e.g. after a master restart), waiting for its scheduler. */
  recoverFramework(info: FrameworkInfo): FrameworkRecord {
    const id = info.id!.value;
    const roles = frameworkRoles(info);
    const fw: FrameworkRecord = {
      id,
      info,
      roles,
      suppressedRoles: new Set(),
      registeredTime: Date.now(),
      connected: false,
      active: false,
      tasks: new TaskTable(),
      unreachableTasks: new Map(),
      completedTasks: [],
      offers: new Set(),
      partitionAware: false,
      killingStateCapable: false,
      recovered: true,
    };
    this.applyCapabilities(fw);
    this.frameworks.set(id, fw);
    this.allocator.addFramework(id, { roles });
    this.allocator.deactivateFramework(id);
    this.log.info({ framework: id }, `Recovered framework ${id} (${info.name}) from a re-registering agent`);
    return fw;
  }
  // ---------------------------------------------------------------- read model helpers

  /** Task counts by metric suffix (staging, running, ...) over active tasks. */
  activeTaskCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const fw of this.frameworks.values()) {
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
    return this.terminalCounts.get(state) ?? 0;
  }

  /** Resources in use by tasks on an agent (not yet recovered). */
  agentUsed(agent: AgentRecord): readonly Resource[] {
    return agent.tasks.usedResources();
  }

  agentOffered(agent: AgentRecord): Resource[] {
    return sum(this.offerResources(agent.offers));
  }

  frameworkUsed(fw: FrameworkRecord): readonly Resource[] {
    return fw.tasks.usedResources();
  }

  frameworkOffered(fw: FrameworkRecord): Resource[] {
    return sum(this.offerResources(fw.offers));
  }

  private *offerResources(ids: Iterable<string>): Generator<Resource[]> {
    for (const id of ids) {
      const rec = this.offers.get(id);
      if (rec) yield rec.resources;
    }
  }

  idleResources(agent: AgentRecord): Resource[] {
    return subtract(subtract(agent.resources, this.agentUsed(agent)), this.agentOffered(agent));
  }
}

function pidIp(pid: string): string {
  const at = pid.lastIndexOf('@');
  const colon = pid.lastIndexOf(':');
  return at >= 0 && colon > at ? pid.slice(at + 1, colon) : '';
}

/** MasterInfo.ip is the IPv4 address as a uint32 in network byte order, read as little-endian. */
function ipv4ToUint32(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}

/** A task as the registry keeps it. */
function storedTask(task: TaskRecord): StoredTask {
  const { pendingUuid: _pending, pendingState: _pendingState, ...rest } = task;
  return rest;
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
