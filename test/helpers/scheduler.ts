// A scheduler for tests: records every event, acknowledges updates (unless told not to), and
// offers small helpers to wait for offers and task states.
import os from 'node:os';
import type { FrameworkInfo, mesos, Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { SchedulerClient, type WireFormat } from '../../daemons/common/scheduler-client.ts';
import { sleep, waitFor } from './cluster.ts';

/** A scheduler recording every event it gets. */
export class TestScheduler {
  readonly events: mesos.v1.scheduler.Event[] = [];
  readonly client: SchedulerClient;
  disconnected = false;
  /** Offers a test has already used or declined. */
  readonly usedOffers = new Set<string>();

  constructor(
    masterPort: number,
    format: WireFormat = 'json',
    readonly autoAck = true,
  ) {
    this.client = new SchedulerClient({
      master: { host: '127.0.0.1', port: masterPort },
      format,
      onEvent: (e) => {
        this.events.push(e);
        // Updates of a task reach us one at a time, each after the previous one is acknowledged.
        const status = e.type === 'UPDATE' ? e.update?.status : undefined;
        if (status?.uuid && status.agent_id && this.autoAck) {
          // After TEARDOWN late acknowledgements fail; that is expected.
          this.client
            .call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } })
            .catch(() => undefined);
        }
      },
      onDisconnected: () => {
        this.disconnected = true;
      },
    });
  }

  async subscribe(info: Partial<FrameworkInfo> = {}): Promise<string> {
    await this.client.subscribe({ user: os.userInfo().username, name: 'test-scheduler', ...info });
    await waitFor('SUBSCRIBED', () => this.events.some((e) => e.type === 'SUBSCRIBED'));
    return this.client.frameworkId!;
  }

  /** Every offer received, in order (rescinded ones too). */
  offers(): Offer[] {
    return this.events.filter((e) => e.type === 'OFFERS').flatMap((e) => e.offers?.offers ?? []);
  }

  /** The offers received but for those the master has rescinded since. */
  liveOffers(): Offer[] {
    const rescinded = new Set(this.events.flatMap((e) => (e.type === 'RESCIND' && e.rescind ? [e.rescind.offer_id.value] : [])));
    return this.offers().filter((o) => !rescinded.has(o.id.value));
  }

  async nextOffer(after = 0, timeoutMs = 10_000): Promise<Offer> {
    return waitFor('an offer', () => this.offers()[after], timeoutMs);
  }

  /**
   * Launches tasks on an offer not used yet (of `agentId` when given), returning the offer. What
   * the tasks leave is refused for `refuseSeconds` (default 0, so the next launch has an offer at
   * once; undefined sends no filter, Mesos's default of 5 s).
   */
  /** Launches on an unused offer (of `agentId`, and that `fits`, when given) what `make` makes of it. */
  async launch(
    make: (offer: Offer) => TaskInfo[],
    opts: { agentId?: string; refuseSeconds?: number | undefined; fits?: (offer: Offer) => boolean } = {},
  ): Promise<Offer> {
    const offer = await waitFor(`an unused offer${opts.agentId ? ` of agent ${opts.agentId}` : ''}`, () =>
      this.liveOffers().find(
        (o) =>
          !this.usedOffers.has(o.id.value) &&
          (opts.agentId === undefined || o.agent_id.value === opts.agentId) &&
          (opts.fits === undefined || opts.fits(o)),
      ),
    );
    this.usedOffers.add(offer.id.value);
    const refuseSeconds = 'refuseSeconds' in opts ? opts.refuseSeconds : 0;
    await this.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: make(offer) } }],
        ...(refuseSeconds === undefined ? {} : { filters: { refuse_seconds: refuseSeconds } }),
      },
    });
    return offer;
  }

  /** Declines every live offer not used yet, refusing their resources for `refuseSeconds`: other frameworks get them. */
  async declineUnused(refuseSeconds: number): Promise<void> {
    const unused = this.liveOffers().filter((o) => !this.usedOffers.has(o.id.value));
    for (const o of unused) this.usedOffers.add(o.id.value);
    if (unused.length > 0)
      await this.client.call({
        type: 'DECLINE',
        decline: { offer_ids: unused.map((o) => o.id), filters: { refuse_seconds: refuseSeconds } },
      });
  }

  updates(taskId?: string): TaskStatus[] {
    return this.events
      .flatMap((e) => (e.type === 'UPDATE' && e.update ? [e.update.status] : []))
      .filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  async waitState(taskId: string, state: string): Promise<TaskStatus> {
    return waitFor(`${taskId} ${state}`, () => this.updates(taskId).find((s) => s.state === state));
  }

  async ackAll(taskId: string): Promise<void> {
    for (const s of this.updates(taskId)) {
      if (s.uuid && s.agent_id)
        await this.client.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } });
    }
  }

  close(): void {
    this.client.close();
  }
}

/** The scalar `name` an offer holds (0 when none). */
export function scalar(offer: Offer, name: string): number {
  return (offer.resources ?? []).filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

export function task(id: string, offer: Pick<Offer, 'agent_id'>, command: string, cpus = 0.5, mem = 64): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: command },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
    ],
  };
}

/** A scheduler that re-subscribes with its framework id whenever its stream breaks. */
export class ResilientScheduler {
  client!: SchedulerClient;
  readonly updates: TaskStatus[] = [];
  readonly offers: Offer[] = [];
  frameworkId?: string;
  subscriptions = 0;
  private closed = false;

  constructor(
    private readonly masterPort: number,
    private readonly info: FrameworkInfo,
  ) {}

  async connect(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      this.client = new SchedulerClient({
        master: { host: '127.0.0.1', port: this.masterPort },
        format: 'protobuf',
        onEvent: (e) => this.onEvent(e),
        onDisconnected: () => void this.connect(),
      });
      try {
        await this.client.subscribe({ ...this.info, ...(this.frameworkId ? { id: { value: this.frameworkId } } : {}) });
        await waitFor('SUBSCRIBED', () => this.client.frameworkId !== undefined, 10_000);
        this.frameworkId = this.client.frameworkId;
        this.subscriptions++;
        return;
      } catch {
        await sleep(100);
      }
    }
  }

  private onEvent(e: mesos.v1.scheduler.Event): void {
    if (e.type === 'OFFERS') this.offers.push(...(e.offers?.offers ?? []));
    if (e.type === 'UPDATE' && e.update) {
      const s = e.update.status;
      this.updates.push(s);
      if (s.uuid && s.agent_id) {
        this.client
          .call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } })
          .catch(() => undefined);
      }
    }
  }

  statesOf(taskId: string): string[] {
    const seen = new Set<string>();
    return this.updates
      .filter((u) => u.task_id.value === taskId)
      .filter((u) => {
        const k = u.uuid ?? `${u.state}:${u.reason}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .map((u) => u.state);
  }

  /** Stops subscribing again, leaving the current stream as it is: a scheduler that dies with the master. */
  abandon(): void {
    this.closed = true;
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }
}

/**
 * The payload each v1 scheduler Call type must carry, and the field Mesos names when it is
 * missing (scheduler::call::validate in src/master/validation.cpp).
 */
export const MESOS_CALL_PAYLOADS: Readonly<Record<string, string>> = {
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};
