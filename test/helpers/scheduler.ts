// A scheduler for tests: records every event, acknowledges updates (unless told not to), and
// offers small helpers to wait for offers and task states.
import os from 'node:os';
import type { FrameworkInfo, Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { SchedulerClient, type SchedulerEventJson, type WireFormat } from '../../daemons/common/scheduler-client.ts';
import { waitFor } from './cluster.ts';

/** A scheduler recording every event it gets. */
export class TestScheduler {
  readonly events: SchedulerEventJson[] = [];
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
        const status = e.type === 'UPDATE' ? (e.update as { status: TaskStatus }).status : undefined;
        if (status?.uuid && status.agent_id && this.autoAck) {
          // After TEARDOWN late acknowledgements fail; that is expected.
          this.client.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }).catch(() => undefined);
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

  offers(): Offer[] {
    return this.events.filter((e) => e.type === 'OFFERS').flatMap((e) => (e.offers as { offers: Offer[] }).offers);
  }

  async nextOffer(after = 0, timeoutMs = 10_000): Promise<Offer> {
    return waitFor('an offer', () => this.offers()[after], timeoutMs);
  }

  updates(taskId?: string): TaskStatus[] {
    return this.events
      .filter((e) => e.type === 'UPDATE')
      .map((e) => (e.update as { status: TaskStatus }).status)
      .filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  async waitState(taskId: string, state: string): Promise<TaskStatus> {
    return waitFor(`${taskId} ${state}`, () => this.updates(taskId).find((s) => s.state === state));
  }

  async ackAll(taskId: string): Promise<void> {
    for (const s of this.updates(taskId)) {
      if (s.uuid && s.agent_id) await this.client.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } });
    }
  }

  close(): void {
    this.client.close();
  }
}

export function task(id: string, offer: Offer, command: string, cpus = 0.5, mem = 64): TaskInfo {
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

