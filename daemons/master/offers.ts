// Offers: when the allocator runs, how its allocations become offers sent to frameworks, and
// how offers come back (DECLINE, ACCEPT's unused part, rescinds, --offer_timeout). Allocation is
// event-driven: a change that frees resources asks for a run at the end of the turn (or a pause
// later when runs are long, allocationPauseMs); --allocation_interval is the safety net, and the
// earliest a framework that declined with refuse_seconds 0 sees the same resources again.
//
//   freed resources / new agent / REVIVE --schedule()--> run --> DrfAllocator.allocate()
//        --> OfferRecord in MasterState --> OFFERS event (in the framework's format)
import type { Logger } from 'pino';
import type { ExecutorID, Offer, Resource } from '../common/mesos.ts';
import { add, sum } from '../common/resources.ts';
import { type Result, failed, ok } from '../common/result.ts';
import { TimerStats } from '../common/timer-stats.ts';
import { flushTurnWrites } from '../common/turn-writes.ts';
import { type DrfAllocator, allocationPauseMs } from './allocator/index.ts';
import type { SchedulerEvent } from './links.ts';
import { offerForFramework } from './offer-format.ts';
import { type AgentRecord, type FrameworkRecord, type OfferRecord, executorKey } from './records.ts';
import type { MasterState } from './state.ts';
import { offerIdsError } from './validation/offer.ts';

/**
 * Refuse filters expiring this close together (at most a quarter of the allocation interval) are
 * dropped by one allocation run: resources come back at most this much later than
 * refuse_seconds says (Mesos: at its next batch allocation, up to an interval later).
 */
export const FILTER_EXPIRY_BATCH_MS = 50;

/** The offers of an ACCEPT, taken: they are all of one agent and one role. */
export interface TakenOffers {
  agent: AgentRecord;
  resources: Resource[];
  role: string;
}

/** What the offers need of the master. */
export interface OfferHost {
  readonly state: MasterState;
  readonly allocator: DrfAllocator;
  send(fw: FrameworkRecord, event: SchedulerEvent): void;
}

export interface OfferConfig {
  /** Offer ids are `<masterId>-O<n>`, as Mesos's. */
  masterId: string;
  allocationIntervalSecs: number;
  offerTimeoutSecs?: number | undefined;
  log: Logger;
}

export class OfferBook {
  readonly allocationRun = new TimerStats('allocator/mesos/allocation_run_ms');
  readonly allocationRunLatency = new TimerStats('allocator/mesos/allocation_run_latency_ms');
  /** Offers sent since the start. */
  sent = 0;
  private nextOfferSeq = 0;
  private scheduled = false;
  private stopped = false;
  /** When the pending allocation was asked for, for allocation_run_latency_ms. */
  private askedAt = 0;
  /** The last allocation run: when it ended and how long it took (performance.now() ms). */
  private lastEnd = 0;
  private lastMs = 0;
  private filterTimer?: NodeJS.Timeout;
  /** When filterTimer fires (Date.now() ms). */
  private filterTimerDue = 0;
  private tick?: NodeJS.Timeout;
  /** When the periodic allocation runs next (Date.now() ms), once start() armed it. */
  private nextTickAt: number | undefined;

  constructor(
    private readonly host: OfferHost,
    private readonly config: OfferConfig,
  ) {}

  /** Starts the periodic allocation (every --allocation_interval). */
  start(): void {
    this.nextTickAt = Date.now() + this.intervalMs;
    this.tick = setInterval(() => {
      this.nextTickAt = Date.now() + this.intervalMs;
      this.schedule();
    }, this.intervalMs);
  }

  /** No allocation runs any more, not even one already asked for. */
  stop(): void {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    if (this.filterTimer) clearTimeout(this.filterTimer);
  }

  /** An allocation run is due (at the end of the turn, or after allocationPauseMs). */
  get pending(): boolean {
    return this.scheduled;
  }

  /** Asks for an allocation run; runs asked for before it starts are one. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.askedAt = performance.now();
    const run = () => {
      this.scheduled = false;
      if (this.stopped) return;
      const started = performance.now();
      this.allocationRunLatency.record(started - this.askedAt);
      this.allocate();
      this.lastEnd = performance.now();
      this.lastMs = this.lastEnd - started;
      this.allocationRun.record(this.lastMs);
      flushTurnWrites();
    };
    const pause = allocationPauseMs(this.lastMs, this.askedAt - this.lastEnd);
    if (pause > 0) setTimeout(run, pause);
    else setImmediate(run);
  }

  private get intervalMs(): number {
    return Math.max(this.config.allocationIntervalSecs, 0.05) * 1000;
  }

  private allocate(): void {
    const { state, allocator } = this.host;
    const allocations = allocator.allocate();
    if (allocations.length > 0) {
      const byFramework = new Map<FrameworkRecord, Offer[]>();
      const executorIds = state.executors.size > 0 ? this.executorIdsByPlace() : undefined;
      for (const a of allocations) {
        const fw = state.frameworks.get(a.frameworkId);
        const agent = state.agents.get(a.agentId);
        if (!fw?.sink || !fw.active || !agent) {
          allocator.recoverResources(a.frameworkId, a.agentId, a.resources);
          continue;
        }
        const offer: Offer = {
          id: { value: `${this.config.masterId}-O${this.nextOfferSeq++}` },
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
        state.addOffer({ offer, frameworkId: fw.id, agentId: agent.id, role: a.role, resources: a.resources });
        const list = byFramework.get(fw) ?? [];
        list.push(offerForFramework(offer, fw.info));
        byFramework.set(fw, list);
      }
      for (const [fw, offers] of byFramework) {
        this.sent += offers.length;
        this.host.send(fw, { type: 'OFFERS', offers: { offers } });
        const timeoutSecs = this.config.offerTimeoutSecs;
        if (timeoutSecs) {
          for (const o of offers) {
            const id = o.id.value;
            setTimeout(() => {
              const rec = state.offers.get(id);
              if (rec) this.rescind(rec, true);
            }, timeoutSecs * 1000).unref();
          }
        }
      }
    }
    this.armFilterTimer();
  }

  /**
   * Allocates again when refuse filters expire: once for all those expiring within
   * FILTER_EXPIRY_BATCH_MS of the first: with thousands of filters (the unused parts of accepted
   * offers), one run per expiry would keep a master with many agents running allocations back to
   * back, each going through every agent. An armed timer that still fits is kept: allocations run
   * many times a second under load, and each would otherwise replace it.
   */
  private armFilterTimer(): void {
    const next = this.host.allocator.nextFilterExpiry();
    if (next === undefined) {
      if (this.filterTimer) clearTimeout(this.filterTimer);
      this.filterTimer = undefined;
      return;
    }
    const batchMs = Math.min(FILTER_EXPIRY_BATCH_MS, this.intervalMs / 4);
    if (this.filterTimer && this.filterTimerDue > next && this.filterTimerDue <= next + batchMs) return;
    if (this.filterTimer) clearTimeout(this.filterTimer);
    this.filterTimerDue = next + batchMs;
    const delay = Math.max(1, this.filterTimerDue - Date.now());
    this.filterTimer = setTimeout(
      () => {
        this.filterTimer = undefined;
        this.schedule();
      },
      Math.min(delay, 2 ** 31 - 1),
    );
  }

  /**
   * The executors the master knows, by executorKey(agent, framework, ''): an offer lists the
   * framework's executors on its agent (Offer.executor_ids), as Mesos's do.
   */
  private executorIdsByPlace(): Map<string, ExecutorID[]> {
    const byPlace = new Map<string, ExecutorID[]>();
    for (const rec of this.host.state.executors.values()) {
      const key = executorKey(rec.agentId, rec.frameworkId, '');
      const ids = byPlace.get(key) ?? [];
      ids.push({ value: rec.executorId });
      byPlace.set(key, ids);
    }
    return byPlace;
  }

  /** Takes an offer out of circulation, returning its resources to the allocator. */
  private drop(rec: OfferRecord, refuseSeconds?: number): void {
    if (!this.host.state.removeOffer(rec)) return;
    this.host.allocator.recoverResources(rec.frameworkId, rec.agentId, rec.resources, refuseSeconds);
  }

  /** Takes an offer back; its framework hears RESCIND when `notify`. */
  rescind(rec: OfferRecord, notify: boolean): void {
    this.drop(rec);
    const fw = this.host.state.frameworks.get(rec.frameworkId);
    if (notify && fw) this.host.send(fw, { type: 'RESCIND', rescind: { offer_id: rec.offer.id } });
    this.schedule();
  }

  /** Takes back every offer a framework holds. */
  rescindFrameworkOffers(fw: FrameworkRecord, notify = true): void {
    for (const offerId of [...fw.offers]) {
      const rec = this.host.state.offers.get(offerId);
      if (rec) this.rescind(rec, notify && fw.sink !== undefined);
    }
  }

  /** Takes back every offer of an agent, telling their frameworks. */
  rescindAgentOffers(agent: AgentRecord): void {
    for (const offerId of [...agent.offers]) {
      const rec = this.host.state.offers.get(offerId);
      if (rec) this.rescind(rec, true);
    }
  }

  /** The offers of an agent being removed: forgotten (the allocator forgets the agent), frameworks told. */
  forgetAgentOffers(agent: AgentRecord): void {
    for (const offerId of [...agent.offers]) {
      const rec = this.host.state.offers.get(offerId);
      if (!rec || !this.host.state.removeOffer(rec)) continue;
      const fw = this.host.state.frameworks.get(rec.frameworkId);
      if (fw) this.host.send(fw, { type: 'RESCIND', rescind: { offer_id: rec.offer.id } });
    }
  }

  /** Takes back the framework's offers allocated to roles it no longer has. */
  rescindForRoles(fw: FrameworkRecord, roles: readonly string[]): void {
    for (const offerId of [...fw.offers]) {
      const rec = this.host.state.offers.get(offerId);
      if (rec && roles.includes(rec.role)) this.rescind(rec, true);
    }
  }

  /**
   * How long resources a framework turned down stay away from it. Mesos re-offers declined
   * resources at its next batch allocation (every --allocation_interval) at the earliest, even
   * with refuse_seconds 0. This master allocates as soon as resources come back, so a framework
   * declining with refuse_seconds 0 would get the same resources back as fast as they could
   * travel, over and over. They wait for the next periodic allocation for that framework;
   * other frameworks get them at once.
   */
  private refuseSecondsFor(refuseSeconds: number): number {
    if (!(refuseSeconds >= 0)) return refuseSeconds; // negative or NaN: the allocator's default
    // A little before the tick, so that the tick's run (its timer may fire a millisecond early)
    // finds the filter gone rather than waiting for the filter timer.
    const untilTick = ((this.nextTickAt ?? Date.now() + this.intervalMs) - Date.now() - 10) / 1000;
    return Math.max(refuseSeconds, untilTick, 0.001);
  }

  /** DECLINE: the offers go back with a refuse filter (default 5 s). */
  decline(fw: FrameworkRecord, offerIds: string[], refuseSeconds: number): void {
    for (const id of offerIds) {
      const rec = this.host.state.offers.get(id);
      if (!rec || rec.frameworkId !== fw.id) {
        this.config.log.warn({ framework: fw.id, offer: id }, `Ignoring decline of unknown offer ${id}`);
        continue;
      }
      this.drop(rec, this.refuseSecondsFor(refuseSeconds));
    }
    this.schedule();
  }

  /**
   * Takes the offers of an ACCEPT, or returns why they cannot be used (validation/offer.ts); the
   * framework's offers named in an invalid ACCEPT go back to the allocator, as in Mesos.
   */
  take(fw: FrameworkRecord, offerIds: string[]): Result<TakenOffers> {
    const { state } = this.host;
    const recs = offerIds.flatMap((id) => state.offers.get(id) ?? []);
    const agentId = recs[0]?.agentId;
    const agent = agentId === undefined ? undefined : state.agents.get(agentId);
    const error = offerIdsError(
      offerIds,
      fw.id,
      (id) => state.offers.get(id),
      (id) => state.agents.get(id)?.active === true,
    );
    if (error || !agent) {
      for (const rec of new Set(recs)) if (rec.frameworkId === fw.id) this.drop(rec);
      this.schedule();
      return failed(error ?? 'invalid offers');
    }
    let resources: Resource[] = [];
    for (const rec of recs) {
      state.removeOffer(rec);
      resources = add(resources, rec.resources);
    }
    return ok({ agent, resources, role: recs[0]!.role });
  }

  /** Unused resources of an ACCEPT go back, filtered for refuse_seconds. */
  returnUnused(fw: FrameworkRecord, agentId: string, resources: Resource[], refuseSeconds: number): void {
    if (resources.length > 0) this.host.allocator.recoverResources(fw.id, agentId, resources, this.refuseSecondsFor(refuseSeconds));
    this.schedule();
  }

  /** The resources on offer among these offer ids. */
  offered(ids: Iterable<string>): Resource[] {
    return sum(this.offerResources(ids));
  }

  private *offerResources(ids: Iterable<string>): Generator<Resource[]> {
    for (const id of ids) {
      const rec = this.host.state.offers.get(id);
      if (rec) yield rec.resources;
    }
  }
}

function pidIp(pid: string): string {
  const at = pid.lastIndexOf('@');
  const colon = pid.lastIndexOf(':');
  return at >= 0 && colon > at ? pid.slice(at + 1, colon) : '';
}
