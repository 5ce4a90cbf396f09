// Frameworks: SUBSCRIBE (a new framework, or a failover to a new stream), UPDATE_FRAMEWORK,
// REVIVE and SUPPRESS, the stream a call must come on, disconnection and the failover timeout,
// removal (TEARDOWN, failover timeout, the operator), and frameworks the master learns of from
// agents after a restart, which wait for their schedulers as orphans. It reaches the rest of the
// master through FrameworkHost, declared here.
//
//   SUBSCRIBE --registry ADD_FRAMEWORK--> SUBSCRIBED, offers --stream breaks--> failover timeout
//        --> removed: tasks TASK_KILLED, SHUTDOWN_FRAMEWORK to every agent, registry REMOVE_FRAMEWORK
import { type FrameworkInfo, type MasterInfo, type OfferConstraints, isTerminalState } from '../common/mesos.ts';
import { logName } from './limits.ts';
import type { EventSink } from './links.ts';
import type { FrameworkRateLimits } from './rate-limits.ts';
import { type FrameworkRecord, TaskTable, type TaskRecord, frameworkRoles } from './records.ts';
import { storedTask } from './registry.ts';
import type { MasterParts } from './host.ts';
import { masterStatus } from './status.ts';
import { subscribeError } from './validation/framework.ts';

/** What the frameworks need of the master. */
export interface FrameworkHost extends MasterParts {
  readonly info: MasterInfo;
  readonly rateLimits: FrameworkRateLimits;
  /** The master is stopping: the disconnections it causes are not failovers. */
  readonly stopped: boolean;
}

export class FrameworkBook {
  private nextFrameworkSeq = 0;
  private heartbeats?: NodeJS.Timeout;

  constructor(private readonly m: FrameworkHost) {}

  /** Starts the HEARTBEAT events to subscribed schedulers. */
  start(): void {
    this.heartbeats = setInterval(() => {
      for (const fw of this.m.state.frameworks.values()) if (fw.sink && fw.active) fw.sink.send({ type: 'HEARTBEAT' });
    }, this.m.config.heartbeatIntervalSecs * 1000);
  }

  /** Stops the heartbeats and failover timers and closes every stream. */
  stop(): void {
    if (this.heartbeats) clearInterval(this.heartbeats);
    for (const fw of this.m.state.frameworks.values()) {
      if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
      fw.sink?.close();
    }
  }

  /**
   * SUBSCRIBE: registers a new framework or fails over an existing one to a new stream. The
   * caller has asked subscribeRefusal() first.
   */
  subscribe(info: FrameworkInfo, suppressedRoles: string[], sink: EventSink, streamId: string): FrameworkRecord {
    const roles = frameworkRoles(info);
    const requestedId = info.id?.value;
    let fw = requestedId ? this.m.state.frameworks.get(requestedId) : undefined;
    const known = fw !== undefined;
    const now = Date.now();
    if (fw) {
      this.m.log.info({ framework: fw.id }, `Framework ${fw.id} (${logName(info.name)}) failed over to a new stream`);
      if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
      fw.failoverTimer = undefined;
      const old = fw.sink;
      fw.sink = undefined;
      if (old) {
        old.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        old.close();
      }
      this.m.offerBook.rescindFrameworkOffers(fw);
      this.setInfo(fw, info);
      fw.reregisteredTime = now;
      fw.unregisteredTime = undefined;
      this.m.allocator.updateFramework(fw.id, { roles, suppressedRoles });
    } else {
      const id = requestedId ?? `${this.m.id}-${String(this.nextFrameworkSeq++).padStart(4, '0')}`;
      fw = newFrameworkRecord(id, { ...info, id: { value: id } }, now);
      if (requestedId) fw.reregisteredTime = now;
      this.m.state.addFramework(fw);
      this.m.allocator.addFramework(id, { roles, suppressedRoles });
      // No offers before the scheduler has its SUBSCRIBED event.
      this.m.allocator.deactivateFramework(id);
      this.m.log.info(
        { framework: id, framework_name: logName(info.name), user: info.user, roles },
        `Registered framework ${id} (${logName(info.name)})`,
      );
    }
    fw.suppressedRoles = new Set(suppressedRoles);
    fw.sink = sink;
    fw.streamId = streamId;
    fw.connected = true;
    fw.recovered = false;
    const subscribed = fw;
    // The framework id must survive a master restart before the scheduler learns it.
    this.m.registry.apply(
      { op: 'ADD_FRAMEWORK', info: fw.info, registered_time: fw.registeredTime },
      () => {
        if (subscribed.sink !== sink) return; // failed over again, or gone, meanwhile
        subscribed.active = true;
        this.m.allocator.activateFramework(subscribed.id);
        // Told once the framework is active, as Mesos's frameworks are when it tells.
        if (known) this.m.operatorEvents.frameworkUpdated(subscribed);
        else this.m.operatorEvents.frameworkAdded(subscribed);
        sink.send({
          type: 'SUBSCRIBED',
          subscribed: {
            framework_id: { value: subscribed.id },
            heartbeat_interval_seconds: this.m.config.heartbeatIntervalSecs,
            master_info: this.m.info,
          },
        });
        this.m.offerBook.schedule();
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
  subscribeRefusal(info: FrameworkInfo, suppressedRoles: readonly string[] = [], offerConstraints?: OfferConstraints): string | undefined {
    return subscribeError(info, suppressedRoles, offerConstraints, {
      isRemoved: (id) => this.m.state.isRemovedFramework(id),
      existing: (id) => this.m.state.frameworks.get(id)?.info,
    });
  }

  /** A framework's FrameworkInfo, and what the master derives from it. */
  private setInfo(fw: FrameworkRecord, info: FrameworkInfo): void {
    fw.info = { ...info, id: { value: fw.id } };
    fw.roles = frameworkRoles(info);
    applyCapabilities(fw);
  }

  /**
   * UPDATE_FRAMEWORK: new FrameworkInfo (roles, capabilities, name...) without re-subscribing.
   * The caller has checked it (updateFrameworkError).
   */
  updateFramework(fw: FrameworkRecord, info: FrameworkInfo, suppressedRoles: string[]): void {
    const removed = fw.roles.filter((r) => !frameworkRoles(info).includes(r));
    this.setInfo(fw, info);
    fw.suppressedRoles = new Set(suppressedRoles);
    this.m.allocator.updateFramework(fw.id, { roles: fw.roles, suppressedRoles });
    this.m.registry.apply({ op: 'ADD_FRAMEWORK', info: fw.info, registered_time: fw.registeredTime });
    this.m.operatorEvents.frameworkUpdated(fw);
    this.m.offerBook.rescindForRoles(fw, removed);
    this.m.offerBook.schedule();
  }

  /** REVIVE: the framework wants offers again for these roles (all of them when none are named). */
  revive(fw: FrameworkRecord, roles: readonly string[]): void {
    this.m.allocator.revive(fw.id, roles.length > 0 ? [...roles] : undefined);
    for (const r of roles.length > 0 ? roles : fw.roles) fw.suppressedRoles.delete(r);
    this.m.offerBook.schedule();
  }

  /** SUPPRESS: no offers for these roles (all of them when none are named) until REVIVE. */
  suppress(fw: FrameworkRecord, roles: readonly string[]): void {
    this.m.allocator.suppress(fw.id, roles.length > 0 ? [...roles] : undefined);
    for (const r of roles.length > 0 ? roles : fw.roles) fw.suppressedRoles.add(r);
  }

  /** The scheduler's stream broke: deactivate and start the failover timeout. */
  frameworkDisconnected(frameworkId: string, streamId: string): void {
    const fw = this.m.state.frameworks.get(frameworkId);
    if (!fw || fw.streamId !== streamId || this.m.stopped) return;
    fw.sink = undefined;
    fw.connected = false;
    fw.active = false;
    this.m.allocator.deactivateFramework(fw.id);
    this.m.offerBook.rescindFrameworkOffers(fw);
    const timeoutSecs = fw.info.failover_timeout ?? 0;
    this.m.log.info({ framework: fw.id }, `Framework ${fw.id} (${logName(fw.info.name)}) disconnected; failover timeout ${timeoutSecs}s`);
    if (timeoutSecs <= 0) {
      this.removeFramework(fw, 'failover timeout 0 after disconnection');
      return;
    }
    fw.failoverTimer = setTimeout(
      () => {
        const current = this.m.state.frameworks.get(frameworkId);
        if (current && !current.connected) this.removeFramework(current, `failover timeout of ${timeoutSecs}s elapsed`);
      },
      Math.min(timeoutSecs, 2 ** 31 / 1000 - 1) * 1000,
    );
  }

  /** Removes a framework: its tasks are killed, its offers rescinded, it moves to completed. */
  removeFramework(fw: FrameworkRecord, why: string): void {
    if (this.m.state.frameworks.get(fw.id) !== fw) return;
    this.m.log.info({ framework: fw.id }, `Removing framework ${fw.id} (${logName(fw.info.name)}): ${why}`);
    if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
    fw.failoverTimer = undefined;
    this.m.offerBook.rescindFrameworkOffers(fw, false);
    // Every agent is told, as Mesos does: an executor may run there with no task left that the
    // master knows of (its tasks ended), and it must go too.
    for (const agent of this.m.state.agents.values())
      agent.link?.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: fw.id } });
    const now = Date.now();
    const killed = (task: TaskRecord) =>
      masterStatus(task.info.task_id.value, 'TASK_KILLED', {
        agentId: task.agentId,
        reason: 'REASON_FRAMEWORK_REMOVED',
        message: `Framework ${fw.id} removed`,
        now,
      });
    for (const task of [...fw.tasks.values(), ...fw.unreachableTasks.values()]) {
      if (!isTerminalState(task.state)) this.m.recordStatus(task, killed(task));
      this.m.state.completeTask(fw, task);
    }
    this.m.allocator.removeFramework(fw.id);
    this.m.state.dropExecutors((e) => e.frameworkId === fw.id);
    const principal = fw.info.principal;
    fw.connected = false;
    fw.active = false;
    fw.unregisteredTime = now;
    const sink = fw.sink;
    fw.sink = undefined;
    sink?.close();
    this.m.state.retireFramework(fw);
    this.m.operatorEvents.frameworkRemoved(fw.info);
    if (principal !== undefined && ![...this.m.state.frameworks.values()].some((f) => f.info.principal === principal)) {
      this.m.rateLimits.forget(principal);
    }
    this.m.registry.apply({
      op: 'REMOVE_FRAMEWORK',
      framework_id: fw.id,
      unregistered_time: now,
      completed_tasks: fw.completedTasks.map(storedTask),
    });
    this.m.offerBook.schedule();
  }

  /** A framework learnt from an agent (e.g. after a master restart), waiting for its scheduler. */
  recoverFramework(info: FrameworkInfo): FrameworkRecord {
    const id = info.id!.value;
    const fw = newFrameworkRecord(id, info, Date.now());
    fw.recovered = true;
    this.m.state.addFramework(fw);
    this.m.allocator.addFramework(id, { roles: fw.roles });
    this.m.allocator.deactivateFramework(id);
    this.m.operatorEvents.frameworkAdded(fw);
    this.m.log.info({ framework: id }, `Recovered framework ${id} (${logName(info.name)}) from a re-registering agent`);
    return fw;
  }
}

/** A framework's record, with what its FrameworkInfo says (roles, capabilities). */
export function newFrameworkRecord(id: string, info: FrameworkInfo, registeredTime: number): FrameworkRecord {
  const fw: FrameworkRecord = {
    id,
    info,
    roles: frameworkRoles(info),
    suppressedRoles: new Set(),
    registeredTime,
    connected: false,
    active: false,
    tasks: new TaskTable(),
    unreachableTasks: new Map(),
    completedTasks: [],
    offers: new Set(),
    partitionAware: false,
    killingStateCapable: false,
  };
  applyCapabilities(fw);
  return fw;
}

function applyCapabilities(fw: FrameworkRecord): void {
  const caps = new Set((fw.info.capabilities ?? []).map((c) => c.type));
  fw.partitionAware = caps.has('PARTITION_AWARE');
  fw.killingStateCapable = caps.has('TASK_KILLING_STATE');
}
