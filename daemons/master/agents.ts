// The master's agents: registration and re-registration (admitted through the registry),
// matching a re-registering agent's tasks with what the master knows, pings, disconnection and
// removal, and the registry's agents that do not come back after a master restart. It reaches
// the rest of the master through AgentHost, declared here. It changes the master's maps and
// tables only through MasterState's methods; an agent record's connection fields (link, stream,
// pings, active) are this book's own.
//
//   REGISTER --registry ADMIT_AGENT--> admit --> reconcile the reported tasks and executors
//   pings (PING_SLOTS per --agent_ping_timeout) --too many missed--> remove: tasks UNREACHABLE/LOST
import type { RegisterMessage, ReportedExecutor, ReportedTask } from '../common/agent-protocol.ts';
import {
  type FrameworkInfo,
  type Resource,
  type TaskState,
  type TaskStatus,
  isTerminalState,
  type mesos,
  sharedStateName,
} from '../common/mesos.ts';
import { add } from '../common/resources.ts';
import type { AgentLink, SchedulerEvent } from './links.ts';
import { type AgentRecord, type FrameworkRecord, TaskTable, type TaskRecord, newTaskRecord, taskKey } from './records.ts';
import type { MasterParts } from './host.ts';
import { masterStatus } from './status.ts';

/** What the agents need of the master. */
export interface AgentHost extends MasterParts {
  readonly startTime: number;
  send(fw: FrameworkRecord, event: SchedulerEvent): void;
  sendMasterStatus(fw: FrameworkRecord, status: TaskStatus): void;
  /** Ends a task the master decided about, telling its scheduler. */
  failTask(fw: FrameworkRecord, task: TaskRecord, status: TaskStatus): void;
  /** A task that left the active tables is kept among its framework's completed ones (and in the registry). */
  keepCompleted(fw: FrameworkRecord, task: TaskRecord): void;
  /** A framework learnt from a re-registering agent, waiting for its scheduler. */
  recoverFramework(info: FrameworkInfo): FrameworkRecord;
}

export type AgentRemovalReason = 'REASON_AGENT_REMOVED' | 'REASON_AGENT_RESTARTED' | 'REASON_AGENT_REMOVED_BY_OPERATOR';

export class AgentBook {
  private nextAgentSeq = 0;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly m: AgentHost) {}

  /** Starts the pings (PING_SLOTS per --agent_ping_timeout) and the registry agents' deadline. */
  start(): void {
    let pingTick = 0;
    const slotMs = (this.m.config.agentPingTimeoutSecs * 1000) / PING_SLOTS;
    this.timers.push(setInterval(() => this.pingAgents(pingTick++ % PING_SLOTS), slotMs));
    this.timers.push(setInterval(() => this.expireRegistryAgents(), 1000));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /**
   * REGISTER from an agent (first time, or again after a restart or a broken stream). Returns
   * the agent's id; it is registered once admission is durable (at once in memory).
   */
  registerAgent(reg: RegisterMessage['register'], link: AgentLink, streamId: string, principal?: string): string {
    let agentId = reg.agent_id;
    if (!agentId) {
      // An agent that lost its work_dir comes back under a new id; the old one is gone. Only
      // its own principal may say so.
      for (const old of this.m.state.agents.values()) {
        if (old.pid === reg.pid && this.mayClaim(old.id, principal))
          this.removeAgent(old, 'TASK_GONE', 'REASON_AGENT_RESTARTED', 'Agent restarted with a new ID');
      }
      agentId = `${this.m.id}-S${this.nextAgentSeq++}`;
    }
    const id = agentId;
    // Admission is recorded durably before the agent is told it is registered.
    const entry = {
      id,
      hostname: reg.hostname,
      port: reg.port,
      pid: reg.pid,
      resources: reg.resources,
      attributes: reg.attributes,
      registeredTime: this.m.registry.state.agents.get(id)?.registeredTime ?? Date.now(),
      ...(principal === undefined ? {} : { principal }),
    };
    this.m.registry.apply(
      { op: 'ADMIT_AGENT', agent: entry },
      () => this.admitAgent(id, reg, link, streamId),
      (err) => {
        this.m.log.error(`Cannot admit agent ${id}: ${err.message}`);
        link.close();
      },
    );
    return id;
  }

  /**
   * Why an agent that authenticated as `principal` may not register under the id it names: the
   * id was admitted for another principal (a known agent's, or an unreachable one's). An id
   * admitted before authentication was switched on goes to the first principal that claims it.
   */
  registrationRefusal(id: string | undefined, principal: string | undefined): string | undefined {
    if (id && this.m.state.agentMarks.isGone(id)) return 'Agent has been marked gone';
    if (principal === undefined || !id || this.mayClaim(id, principal)) return undefined;
    return `Agent ${id} was registered by another principal; '${principal}' may not re-register it`;
  }

  private mayClaim(agentId: string, principal: string | undefined): boolean {
    if (principal === undefined) return true;
    const reg = this.m.registry.state;
    const owner = reg.agents.get(agentId)?.principal ?? reg.unreachable.get(agentId)?.principal;
    return owner === undefined || owner === principal;
  }

  private admitAgent(agentId: string, reg: RegisterMessage['register'], link: AgentLink, streamId: string): void {
    const { state, allocator, log } = this.m;
    const now = Date.now();
    let reregistered = false;
    state.forgetRecoveredAgent(agentId);
    const existing = state.agents.get(agentId);
    if (existing) {
      reregistered = true;
      const oldLink = existing.link;
      existing.link = undefined;
      oldLink?.close();
      existing.link = link;
      existing.streamId = streamId;
      existing.hostname = reg.hostname;
      existing.port = reg.port;
      existing.pid = reg.pid;
      existing.version = reg.version;
      existing.reregisteredTime = now;
      existing.missedPongs = 0;
      existing.disconnectedAt = undefined;
      // Reconciling rebuilds the agent in the allocator from its tasks, which would forget what
      // is on offer and hand the same resources out twice: take the offers back first.
      this.m.offerBook.rescindAgentOffers(existing);
      this.reconcileAgentTasks(existing, reg.tasks, reg.frameworks, reg.executors);
      if (!existing.active && !state.agentMarks.isDeactivated(agentId)) {
        existing.active = true;
        allocator.activateAgent(existing.id);
      }
      log.info({ agent: agentId }, `Agent ${agentId} at ${reg.pid} (${reg.hostname}) re-registered`);
    } else {
      reregistered = reg.agent_id !== undefined;
      const wasUnreachable = state.unreachableAgents.has(agentId);
      const agent: AgentRecord = {
        id: agentId,
        hostname: reg.hostname,
        port: reg.port,
        pid: reg.pid,
        version: reg.version,
        resources: reg.resources,
        attributes: reg.attributes,
        capabilities: reg.capabilities ?? [],
        registeredTime: now,
        ...(reregistered ? { reregisteredTime: now } : {}),
        active: !state.agentMarks.isDeactivated(agentId),
        link,
        streamId,
        tasks: new TaskTable(),
        offers: new Set(),
        missedPongs: 0,
        lastPingSeq: 0,
      };
      state.addAgent(agent);
      allocator.addAgent(agentId, reg.resources);
      if (!agent.active) allocator.deactivateAgent(agentId);
      this.reconcileAgentTasks(agent, reg.tasks, reg.frameworks, reg.executors, wasUnreachable);
      // After its tasks' TASK_ADDED, as Mesos's addSlave sends them.
      this.m.operatorEvents.agentAdded(agent);
      log.info(
        { agent: agentId, resources: reg.resources.map((r) => r.name) },
        `${reregistered ? 'Re-registered' : 'Registered'} agent ${agentId} at ${reg.pid} (${reg.hostname})${wasUnreachable ? ' that was unreachable' : ''}`,
      );
    }
    link.send({
      type: 'REGISTERED',
      registered: {
        agent_id: agentId,
        master_id: this.m.id,
        ping_interval_seconds: this.m.config.agentPingTimeoutSecs,
        max_missed_pings: this.m.config.maxAgentPingTimeouts,
        reregistered,
      },
    });
    // A drain that started while the agent was away reaches it now (Mesos sends DrainSlaveMessage).
    const draining = state.agents.get(agentId);
    if (draining && state.agentMarks.drainInfo(agentId)?.state === 'DRAINING') {
      this.killForDrain(draining);
      this.checkDrained(agentId);
    }
    this.m.offerBook.schedule();
  }

  /**
   * Makes the master's view of an agent's tasks match what the agent reports: tasks the agent
   * no longer has are gone; tasks the master did not know (after a master restart, or from an
   * unreachable agent coming back) are adopted.
   */
  private reconcileAgentTasks(
    agent: AgentRecord,
    reported: ReportedTask[],
    frameworks: FrameworkInfo[],
    executors: ReportedExecutor[] | undefined,
    wasUnreachable = false,
  ): void {
    const { state } = this.m;
    const reportedKeys = new Set(reported.map((t) => taskKey(t.framework_id, t.task.task_id.value)));
    const now = Date.now();
    for (const [key, task] of [...agent.tasks]) {
      if (reportedKeys.has(key) || isTerminalState(task.state)) continue;
      const fw = state.frameworks.get(task.frameworkId);
      if (!fw) {
        state.dropAgentTask(agent, task);
        continue;
      }
      this.m.failTask(
        fw,
        task,
        masterStatus(task.info.task_id.value, 'TASK_GONE', {
          agentId: agent.id,
          reason: 'REASON_AGENT_RESTARTED',
          message: 'Task was not reported by the agent when it re-registered',
          now,
        }),
      );
    }
    // What the agent still runs of a removed framework is shut down, as Mesos does.
    const removed = new Set<string>();
    for (const id of [...reported.map((t) => t.framework_id), ...(executors ?? []).map((e) => e.framework_id)]) {
      if (!state.frameworks.has(id) && state.isRemovedFramework(id)) removed.add(id);
    }
    for (const id of removed) agent.link?.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: id } });
    const usedByFramework = new Map<string, Resource[]>();
    for (const rt of reported) {
      let fw = state.frameworks.get(rt.framework_id);
      if (!fw) {
        if (removed.has(rt.framework_id)) continue;
        const info = frameworks.find((f) => f.id?.value === rt.framework_id);
        if (!info) continue;
        fw = this.m.recoverFramework(info);
      }
      const unreachableTask = fw.unreachableTasks.get(rt.task.task_id.value);
      if (wasUnreachable && !fw.partitionAware && !unreachableTask) {
        // The scheduler was told TASK_LOST; Mesos shuts such tasks down when the agent returns.
        agent.link?.send({ type: 'KILL_TASK', kill_task: { framework_id: fw.id, task_id: rt.task.task_id.value } });
        continue;
      }
      const known = agent.tasks.get(taskKey(rt.framework_id, rt.task.task_id.value)) ?? unreachableTask;
      const task = known ?? adoptedTask(rt, fw, agent, now);
      state.addTask(fw, agent, task);
      if (known === undefined) this.m.operatorEvents.taskAdded(fw, task);
      if (task.state !== rt.state && !isTerminalState(task.state)) {
        this.m.recordStatus(task, { task_id: rt.task.task_id, state: rt.state, timestamp: now / 1000 });
      }
      if (!task.resourcesRecovered) usedByFramework.set(fw.id, add(usedByFramework.get(fw.id) ?? [], task.resources));
    }
    const dropped = this.reconcileExecutors(agent, reported, executors);
    for (const rec of state.executorsOf(agent.id)) {
      if (rec.resources.length > 0) usedByFramework.set(rec.frameworkId, add(usedByFramework.get(rec.frameworkId) ?? [], rec.resources));
    }
    if (usedByFramework.size > 0 || dropped > 0) {
      // Resources of running tasks are not available: tell the allocator they are in use.
      const { allocator } = this.m;
      allocator.removeAgent(agent.id);
      allocator.addAgent(agent.id, agent.resources, usedByFramework);
      if (!agent.active) allocator.deactivateAgent(agent.id);
    }
  }

  /**
   * Executors hold resources of their own: the ones that ended while the agent was away are
   * forgotten, the ones the master does not know (after a master restart) adopted. Returns how
   * many were forgotten.
   */
  private reconcileExecutors(agent: AgentRecord, reported: ReportedTask[], executors: ReportedExecutor[] | undefined): number {
    const { state } = this.m;
    if (!executors) return 0;
    const live = new Set(executors.map((re) => `${re.framework_id}/${re.executor.executor_id.value}`));
    const dropped = state.dropExecutors((rec) => rec.agentId === agent.id && !live.has(`${rec.frameworkId}/${rec.executorId}`));
    for (const re of executors) {
      const executorId = re.executor.executor_id.value;
      if (!state.frameworks.has(re.framework_id) || state.executor(agent.id, re.framework_id, executorId)) continue;
      const taskIds = new Set(
        reported.filter((t) => t.framework_id === re.framework_id && t.executor_id === executorId).map((t) => t.task.task_id.value),
      );
      state.addExecutor({
        frameworkId: re.framework_id,
        agentId: agent.id,
        executorId,
        info: re.executor,
        resources: re.executor.resources ?? [],
        isDefault: re.kind === 'DEFAULT',
        taskIds,
      });
    }
    return dropped;
  }

  /** The agent's stream broke: stop offering it and wait for it to come back. */
  agentDisconnected(agentId: string, streamId: string): void {
    const agent = this.m.state.agents.get(agentId);
    if (!agent || agent.streamId !== streamId) return;
    agent.link = undefined;
    agent.disconnectedAt = Date.now();
    if (agent.active) {
      agent.active = false;
      this.m.allocator.deactivateAgent(agent.id);
      this.m.offerBook.rescindAgentOffers(agent);
    }
    const { agentPingTimeoutSecs, maxAgentPingTimeouts } = this.m.config;
    this.m.log.warn(
      { agent: agentId },
      `Agent ${agentId} at ${agent.pid} disconnected; it is removed unless it re-registers within ${agentPingTimeoutSecs * maxAgentPingTimeouts}s`,
    );
  }

  pong(agent: AgentRecord, seq: number): void {
    if (seq >= agent.lastPingSeq) agent.missedPongs = 0;
  }

  /**
   * Each agent is pinged every --agent_ping_timeout, in one of PING_SLOTS slots of that interval
   * (by its id), so that thousands of agents do not all answer in the same moment; an agent
   * that stopped answering is removed. Without arguments: every agent at once.
   */
  pingAgents(slot?: number): void {
    const max = this.m.config.maxAgentPingTimeouts;
    for (const agent of [...this.m.state.agents.values()]) {
      if (slot !== undefined && pingSlot(agent.id) !== slot) continue;
      // Counts pings sent since the last PONG; a disconnected agent cannot answer either.
      agent.missedPongs++;
      if (agent.missedPongs > max) {
        this.removeAgent(agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', `Agent ${agent.id} did not answer ${max} pings`);
        continue;
      }
      agent.lastPingSeq++;
      agent.link?.send({ type: 'PING', ping: { seq: agent.lastPingSeq } });
    }
  }

  /** Removes an agent: its offers go, its tasks become unreachable (or lost, or `state`), schedulers hear FAILURE. */
  removeAgent(agent: AgentRecord, state: TaskState, reason: AgentRemovalReason, why: string): void {
    const m = this.m;
    m.log.warn({ agent: agent.id }, `Removing agent ${agent.id} at ${agent.pid}: ${why}`);
    m.offerBook.forgetAgentOffers(agent);
    m.allocator.removeAgent(agent.id);
    m.state.removeAgent(agent);
    const now = Date.now();
    const unreachable = state === 'TASK_UNREACHABLE';
    if (unreachable) m.state.markUnreachable(agent.id, { time: now, hostname: agent.hostname });
    m.registry.apply(
      unreachable
        ? { op: 'MARK_UNREACHABLE', agent_id: agent.id, time: now, hostname: agent.hostname }
        : { op: 'REMOVE_AGENT', agent_id: agent.id },
    );
    for (const task of [...agent.tasks.values()]) {
      const fw = m.state.frameworks.get(task.frameworkId);
      if (!fw || isTerminalState(task.state)) continue;
      // The allocator forgot the agent, and its resources with it.
      m.state.markResourcesRecovered(task);
      const status = masterStatus(task.info.task_id.value, state, { agentId: agent.id, reason, message: why, now });
      if (unreachable) {
        status.unreachable_time = { nanoseconds: now * 1e6 };
        if (m.state.enterUnreachable(fw, task, now) === 'lost') m.keepCompleted(fw, task);
        m.operatorEvents.taskUpdated(fw.info, task, status);
        m.sendMasterStatus(fw, status);
      } else {
        m.failTask(fw, task, status);
      }
    }
    m.state.clearAgentTasks(agent);
    m.operatorEvents.agentRemoved(agent.id);
    const link = agent.link;
    agent.link = undefined;
    if (link) {
      link.send({ type: 'SHUTDOWN', shutdown: { message: `Agent removed by the master: ${why}` } });
      link.close();
    }
    for (const fw of m.state.frameworks.values()) m.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
    m.offerBook.schedule();
  }

  // ------------------------------------------------------------ operators' marks (v1 operator API)

  /** Whether the master knows the agent: registered, recovered from the registry, or unreachable. */
  knows(agentId: string): boolean {
    const { state } = this.m;
    return state.agents.has(agentId) || state.recoveredAgents.has(agentId) || state.unreachableAgents.has(agentId);
  }

  /** DEACTIVATE_AGENT: the agent is offered nothing until it is reactivated (Master::deactivate). */
  deactivate(agentId: string): void {
    this.m.state.agentMarks.deactivate(agentId);
    this.stopOffering(agentId);
  }

  private stopOffering(agentId: string): void {
    const agent = this.m.state.agents.get(agentId);
    if (!agent?.active) return;
    agent.active = false;
    this.m.allocator.deactivateAgent(agentId);
    this.m.offerBook.rescindAgentOffers(agent);
  }

  /**
   * REACTIVATE_AGENT: offered again once connected (Master::Http::_reactivateAgent). False when
   * the agent is not registered, which Mesos answers 409.
   */
  reactivate(agentId: string): boolean {
    this.m.state.agentMarks.reactivate(agentId);
    const agent = this.m.state.agents.get(agentId);
    if (!agent) return false;
    if (agent.link && !agent.active) {
      this.m.log.info({ agent: agentId }, `Reactivating agent ${agentId}`);
      agent.active = true;
      this.m.allocator.activateAgent(agentId);
      this.m.offerBook.schedule();
    }
    return true;
  }

  /**
   * DRAIN_AGENT: the agent is deactivated and every task on it killed, with a grace period of at
   * most `max_grace_period`; once its tasks are gone (terminal and acknowledged) it is DRAINED,
   * or marked gone with `mark_gone`. An agent away now is told when it comes back.
   */
  drain(agentId: string, config: mesos.v1.DrainConfig): void {
    this.m.state.agentMarks.startDrain(agentId, config);
    this.stopOffering(agentId);
    const agent = this.m.state.agents.get(agentId);
    if (!agent) return;
    this.m.log.info({ agent: agentId }, `Transitioning agent ${agentId} to the DRAINING state; it has ${agent.tasks.size} tasks`);
    this.killForDrain(agent);
    this.checkDrained(agentId);
  }

  private killForDrain(agent: AgentRecord): void {
    const max = this.m.state.agentMarks.drainInfo(agent.id)?.config.max_grace_period?.nanoseconds;
    for (const task of agent.tasks.values()) {
      if (isTerminalState(task.state)) continue;
      const own = task.info.kill_policy?.grace_period?.nanoseconds;
      const grace = max === undefined ? own : Math.min(own ?? max, max);
      agent.link?.send({
        type: 'KILL_TASK',
        kill_task: {
          framework_id: task.frameworkId,
          task_id: task.info.task_id.value,
          ...(grace === undefined ? {} : { kill_policy: { grace_period: { nanoseconds: grace } } }),
        },
      });
    }
  }

  /** A draining agent without tasks is DRAINED, or gone (Master::checkAndTransitionDrainingAgent). */
  checkDrained(agentId: string): void {
    const marks = this.m.state.agentMarks;
    const drain = marks.drainInfo(agentId);
    if (drain?.state !== 'DRAINING') return;
    const agent = this.m.state.agents.get(agentId);
    if (!agent || agent.tasks.size > 0) return;
    if (drain.config.mark_gone) {
      this.m.log.info({ agent: agentId }, `Marking agent ${agentId} in the DRAINED state as gone`);
      this.markGone(agentId);
      return;
    }
    this.m.log.info({ agent: agentId }, `Transitioning agent ${agentId} to the DRAINED state`);
    marks.markDrained(agentId);
  }

  /**
   * MARK_AGENT_GONE: the agent is removed for good; its tasks are TASK_GONE_BY_OPERATOR, it is
   * told to shut down and never admitted again (Master::markGone).
   */
  markGone(agentId: string): void {
    const m = this.m;
    const now = Date.now();
    m.log.info({ agent: agentId }, `Marking agent ${agentId} as gone`);
    m.state.agentMarks.markGone(agentId, now);
    const agent = m.state.agents.get(agentId);
    if (agent) {
      this.removeAgent(agent, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', 'Agent has been marked gone');
      return;
    }
    const wasKnown = m.state.forgetRecoveredAgent(agentId) || m.state.forgetUnreachable(agentId);
    if (!wasKnown) return;
    m.registry.apply({ op: 'REMOVE_AGENT', agent_id: agentId });
    for (const fw of m.state.frameworks.values()) {
      for (const task of [...fw.unreachableTasks.values()]) {
        if (task.agentId !== agentId) continue;
        const status = masterStatus(task.info.task_id.value, 'TASK_GONE_BY_OPERATOR', {
          agentId,
          reason: 'REASON_AGENT_REMOVED_BY_OPERATOR',
          message: 'Agent has been marked gone',
          now,
        });
        m.failTask(fw, task, status);
      }
    }
  }

  /** Registry agents that did not come back in time are unreachable; old unreachable ones are forgotten. */
  private expireRegistryAgents(): void {
    const { state, registry, config, log } = this.m;
    const now = Date.now();
    const timeout = (config.agentReregisterTimeoutSecs ?? 600) * 1000;
    if (now - this.m.startTime >= timeout) {
      for (const [id, a] of [...state.recoveredAgents]) {
        state.markUnreachable(id, { time: now, hostname: a.hostname });
        registry.apply({ op: 'MARK_UNREACHABLE', agent_id: id, time: now, hostname: a.hostname });
        log.warn(`Agent ${id} (${a.hostname}) did not re-register within ${timeout / 1000}s of the master's start; it is unreachable`);
        for (const fw of state.frameworks.values()) this.m.send(fw, { type: 'FAILURE', failure: { agent_id: { value: id } } });
      }
    }
    const maxAge = (config.registryMaxAgentAgeSecs ?? 14 * 24 * 3600) * 1000;
    const maxCount = config.registryMaxAgentCount ?? 100 * 1024;
    const byAge = [...state.unreachableAgents].sort((a, b) => a[1].time - b[1].time);
    byAge.forEach(([id, u], i) => {
      if (now - u.time > maxAge || byAge.length - i > maxCount) {
        state.forgetUnreachable(id);
        registry.apply({ op: 'REMOVE_AGENT', agent_id: id });
      }
    });
  }
}

/** A task the master learns of from a re-registering agent (after a master restart). */
function adoptedTask(rt: ReportedTask, fw: FrameworkRecord, agent: AgentRecord, now: number): TaskRecord {
  const role = rt.task.resources?.[0]?.allocation_info?.role ?? fw.roles[0] ?? '*';
  const state = sharedStateName(rt.state);
  return newTaskRecord({
    info: rt.task,
    frameworkId: fw.id,
    agentId: agent.id,
    executorId: rt.executor_id,
    role,
    resources: rt.task.resources ?? [],
    state,
    statuses: rt.status ? [{ state, timestamp: rt.status.timestamp ?? now / 1000 }] : [],
    resourcesRecovered: isTerminalState(state),
  });
}

/** How many parts an --agent_ping_timeout interval is cut into for pinging. */
export const PING_SLOTS = 16;

/** An agent's ping slot: a stable hash of its id. */
export function pingSlot(agentId: string): number {
  let h = 0;
  for (let i = 0; i < agentId.length; i++) h = (h * 31 + agentId.charCodeAt(i)) >>> 0;
  return h % PING_SLOTS;
}
