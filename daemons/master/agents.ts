// The master's agents: registration and re-registration (admitted through the registry),
// matching a re-registering agent's tasks with what the master knows, pings, disconnection
// and removal. Part of the master core (master.ts), split off to keep each file readable; it
// reaches the rest of the core through `m`.
import type { RegisterMessage, ReportedExecutor, ReportedTask } from '../common/agent-protocol.ts';
import { type FrameworkInfo, type Resource, type TaskState, isTerminalState, sharedStateName } from '../common/mesos.ts';
import { add } from '../common/resources.ts';
import type { AgentLink } from './links.ts';
import type { Master } from './master.ts';
import { type AgentRecord, TaskTable, newTaskRecord, taskKey } from './records.ts';
import { masterStatus } from './status.ts';

export class AgentBook {
  private nextAgentSeq = 0;

  constructor(private readonly m: Master) {}

  /** REGISTER from an agent (first time, or again after a restart or a broken stream). */
  /** Returns the agent's id; it is registered once admission is durable (at once in memory). */
  registerAgent(reg: RegisterMessage['register'], link: AgentLink, streamId: string): string {
    let agentId = reg.agent_id;
    if (!agentId) {
      // An agent that lost its work_dir comes back under a new id; the old one is gone.
      for (const old of this.m.agents.values()) {
        if (old.pid === reg.pid) this.removeAgent(old, 'TASK_GONE', 'REASON_AGENT_RESTARTED', 'Agent restarted with a new ID');
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

  private admitAgent(agentId: string, reg: RegisterMessage['register'], link: AgentLink, streamId: string): void {
    const now = Date.now();
    let reregistered = false;
    this.m.recoveredAgents.delete(agentId);
    const existing = this.m.agents.get(agentId);
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
      for (const offerId of [...existing.offers]) {
        const rec = this.m.offers.get(offerId);
        if (rec) this.m.rescindOffer(rec, true);
      }
      this.reconcileAgentTasks(existing, reg.tasks, reg.frameworks, reg.executors);
      if (!existing.active) {
        existing.active = true;
        this.m.allocator.activateAgent(existing.id);
      }
      this.m.log.info({ agent: agentId }, `Agent ${agentId} at ${reg.pid} (${reg.hostname}) re-registered`);
    } else {
      reregistered = reg.agent_id !== undefined;
      const wasUnreachable = this.m.unreachableAgents.delete(agentId);
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
        active: true,
        link,
        streamId,
        tasks: new TaskTable(),
        offers: new Set(),
        missedPongs: 0,
        lastPingSeq: 0,
      };
      this.m.agents.set(agentId, agent);
      this.m.allocator.addAgent(agentId, reg.resources);
      this.reconcileAgentTasks(agent, reg.tasks, reg.frameworks, reg.executors, wasUnreachable);
      this.m.log.info(
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
    this.m.scheduleAllocation();
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
    const reportedKeys = new Set(reported.map((t) => taskKey(t.framework_id, t.task.task_id.value)));
    const now = Date.now();
    for (const [key, task] of [...agent.tasks]) {
      if (reportedKeys.has(key) || isTerminalState(task.state)) continue;
      const fw = this.m.frameworks.get(task.frameworkId);
      if (!fw) {
        agent.tasks.delete(key);
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
      if (!this.m.frameworks.has(id) && this.m.completedFrameworks.some((f) => f.id === id)) removed.add(id);
    }
    for (const id of removed) agent.link?.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: id } });
    const usedByFramework = new Map<string, Resource[]>();
    for (const rt of reported) {
      const key = taskKey(rt.framework_id, rt.task.task_id.value);
      let fw = this.m.frameworks.get(rt.framework_id);
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
      let task = agent.tasks.get(key) ?? unreachableTask;
      if (unreachableTask) fw.unreachableTasks.delete(rt.task.task_id.value);
      if (!task) {
        const role = rt.task.resources?.[0]?.allocation_info?.role ?? fw.roles[0] ?? '*';
        const state = sharedStateName(rt.state);
        task = newTaskRecord({
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
      task.agentId = agent.id;
      task.unreachableTime = undefined;
      if (task.state !== rt.state && !isTerminalState(task.state))
        this.m.recordStatus(task, { task_id: rt.task.task_id, state: rt.state, timestamp: now / 1000 });
      fw.tasks.set(rt.task.task_id.value, task);
      agent.tasks.set(key, task);
      if (!task.resourcesRecovered) usedByFramework.set(fw.id, add(usedByFramework.get(fw.id) ?? [], task.resources));
    }
    // Executors hold resources of their own: forget the ones that ended while the agent was
    // away, adopt the ones the master does not know (after a master restart) and count every
    // live one of this agent.
    let dropped = 0;
    if (executors) {
      const live = new Set(executors.map((re) => `${re.framework_id}/${re.executor.executor_id.value}`));
      this.m.dropExecutors((rec) => {
        const stale = rec.agentId === agent.id && !live.has(`${rec.frameworkId}/${rec.executorId}`);
        if (stale) dropped++;
        return stale;
      });
    }
    for (const re of executors ?? []) {
      const executorId = re.executor.executor_id.value;
      if (!this.m.frameworks.has(re.framework_id) || this.m.executorRecord(agent.id, re.framework_id, executorId)) continue;
      const taskIds = new Set(
        reported.filter((t) => t.framework_id === re.framework_id && t.executor_id === executorId).map((t) => t.task.task_id.value),
      );
      this.m.addExecutor({
        frameworkId: re.framework_id,
        agentId: agent.id,
        executorId,
        resources: re.executor.resources ?? [],
        isDefault: re.kind === 'DEFAULT',
        taskIds,
      });
    }
    for (const rec of this.m.executorsOf(agent.id)) {
      if (rec.resources.length > 0) usedByFramework.set(rec.frameworkId, add(usedByFramework.get(rec.frameworkId) ?? [], rec.resources));
    }
    if (usedByFramework.size > 0 || dropped > 0) {
      // Resources of running tasks are not available: tell the allocator they are in use.
      this.m.allocator.removeAgent(agent.id);
      this.m.allocator.addAgent(agent.id, agent.resources, usedByFramework);
      if (!agent.active) this.m.allocator.deactivateAgent(agent.id);
    }
  }

  /** The agent's stream broke: stop offering it and wait for it to come back. */
  agentDisconnected(agentId: string, streamId: string): void {
    const agent = this.m.agents.get(agentId);
    if (!agent || agent.streamId !== streamId) return;
    agent.link = undefined;
    agent.disconnectedAt = Date.now();
    if (agent.active) {
      agent.active = false;
      this.m.allocator.deactivateAgent(agent.id);
      for (const offerId of [...agent.offers]) {
        const rec = this.m.offers.get(offerId);
        if (rec) this.m.rescindOffer(rec, true);
      }
    }
    this.m.log.warn(
      { agent: agentId },
      `Agent ${agentId} at ${agent.pid} disconnected; it is removed unless it re-registers within ${this.m.config.agentPingTimeoutSecs * this.m.config.maxAgentPingTimeouts}s`,
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
    for (const agent of [...this.m.agents.values()]) {
      if (slot !== undefined && pingSlot(agent.id) !== slot) continue;
      // Counts pings sent since the last PONG; a disconnected agent cannot answer either.
      agent.missedPongs++;
      if (agent.missedPongs > this.m.config.maxAgentPingTimeouts) {
        this.removeAgent(
          agent,
          'TASK_UNREACHABLE',
          'REASON_AGENT_REMOVED',
          `Agent ${agent.id} did not answer ${this.m.config.maxAgentPingTimeouts} pings`,
        );
        continue;
      }
      agent.lastPingSeq++;
      agent.link?.send({ type: 'PING', ping: { seq: agent.lastPingSeq } });
    }
  }

  /** Removes an agent: its offers go, its tasks become unreachable (or lost), schedulers hear FAILURE. */
  removeAgent(
    agent: AgentRecord,
    state: TaskState,
    reason: 'REASON_AGENT_REMOVED' | 'REASON_AGENT_RESTARTED' | 'REASON_AGENT_REMOVED_BY_OPERATOR',
    why: string,
  ): void {
    this.m.log.warn({ agent: agent.id }, `Removing agent ${agent.id} at ${agent.pid}: ${why}`);
    for (const offerId of [...agent.offers]) {
      const rec = this.m.offers.get(offerId);
      if (rec) {
        this.m.offers.delete(offerId);
        const fw = this.m.frameworks.get(rec.frameworkId);
        fw?.offers.delete(offerId);
        if (fw) this.m.send(fw, { type: 'RESCIND', rescind: { offer_id: rec.offer.id } });
      }
    }
    agent.offers.clear();
    this.m.allocator.removeAgent(agent.id);
    this.m.dropExecutors((e) => e.agentId === agent.id);
    this.m.agents.delete(agent.id);
    const now = Date.now();
    const unreachable = state === 'TASK_UNREACHABLE';
    if (unreachable) this.m.unreachableAgents.set(agent.id, { time: now, hostname: agent.hostname });
    this.m.registry.apply(
      unreachable
        ? { op: 'MARK_UNREACHABLE', agent_id: agent.id, time: now, hostname: agent.hostname }
        : { op: 'REMOVE_AGENT', agent_id: agent.id },
    );
    for (const task of agent.tasks.values()) {
      const fw = this.m.frameworks.get(task.frameworkId);
      if (!fw || isTerminalState(task.state)) continue;
      this.m.markResourcesRecovered(task);
      const status = masterStatus(task.info.task_id.value, state, { agentId: agent.id, reason, message: why, now });
      if (unreachable) {
        status.unreachable_time = { nanoseconds: now * 1e6 };
        task.unreachableTime = now;
        task.state = 'TASK_UNREACHABLE';
        task.statuses.push({ state: 'TASK_UNREACHABLE', timestamp: now / 1000 });
        fw.tasks.delete(task.info.task_id.value);
        if (fw.partitionAware) {
          fw.unreachableTasks.set(task.info.task_id.value, task);
          const excess = fw.unreachableTasks.size - this.m.config.maxUnreachableTasksPerFramework;
          if (excess > 0) for (const k of [...fw.unreachableTasks.keys()].slice(0, excess)) fw.unreachableTasks.delete(k);
        } else {
          task.state = 'TASK_LOST';
          this.m.terminalCounts.set('TASK_LOST', (this.m.terminalCounts.get('TASK_LOST') ?? 0) + 1);
          this.m.pushCompleted(fw, task);
        }
        this.m.sendMasterStatus(fw, status);
      } else {
        this.m.failTask(fw, task, status);
      }
    }
    agent.tasks.clear();
    const link = agent.link;
    agent.link = undefined;
    if (link) {
      link.send({ type: 'SHUTDOWN', shutdown: { message: `Agent removed by the master: ${why}` } });
      link.close();
    }
    for (const fw of this.m.frameworks.values()) this.m.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
    this.m.scheduleAllocation();
  }
}

/** How many parts an --agent_ping_timeout interval is cut into for pinging. */
export const PING_SLOTS = 16;

/** An agent's ping slot: a stable hash of its id. */
export function pingSlot(agentId: string): number {
  let h = 0;
  for (let i = 0; i < agentId.length; i++) h = (h * 31 + agentId.charCodeAt(i)) >>> 0;
  return h % PING_SLOTS;
}
