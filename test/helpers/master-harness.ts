// An in-process master core with recording schedulers and agents, for unit tests that drive it
// through applyCall() the way the HTTP layer does, and read back what it sent.
import type { MasterToAgent, RegisterMessage } from '../../daemons/common/agent-protocol.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import type { FrameworkInfo, Offer, TaskStatus } from '../../daemons/common/mesos.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import type { AgentLink, EventSink, SchedulerEvent } from '../../daemons/master/links.ts';
import { Master, type MasterConfig } from '../../daemons/master/master.ts';
import type { AgentRecord, FrameworkRecord } from '../../daemons/master/records.ts';
import type { Registry } from '../../daemons/master/registry.ts';
import type { SchedulerCall } from '../../daemons/common/mesos.ts';
import { applyCall } from '../../daemons/master/scheduler-calls.ts';
import { TEST_MASTER_CONFIG } from './master-config.ts';

/** A scheduler as the core sees it, and everything the core sent it. */
export interface RecordedFramework {
  fw: FrameworkRecord;
  events: SchedulerEvent[];
  /** Applies a call as the HTTP layer does after validation; returns its HTTP status. */
  call(type: string, body?: Record<string, unknown>): number;
  offers(): Offer[];
  updates(): TaskStatus[];
}

/** An agent as the core sees it, and every message the core sent it. */
export interface RecordedAgent {
  agent: AgentRecord;
  messages: MasterToAgent[];
}

export class MasterHarness {
  readonly master: Master;
  private streams = 0;

  /** `registry`: what a restarted master recovers (agents waiting to re-register, ...). */
  constructor(config: Partial<MasterConfig> = {}, registry?: Registry) {
    this.master = new Master({ ...TEST_MASTER_CONFIG, ...config }, silentLogger(), registry);
  }

  subscribe(info: Partial<FrameworkInfo> = {}): RecordedFramework {
    const events: SchedulerEvent[] = [];
    const sink: EventSink = { send: (e) => events.push(e), close: () => {} };
    const fw = this.master.subscribe({ user: 'tester', name: 'harness', ...info }, [], sink, `stream-${this.streams++}`);
    const master = this.master;
    return {
      fw,
      events,
      call: (type, body = {}) => applyCall(master, fw, { type, framework_id: { value: fw.id }, ...body } as SchedulerCall),
      offers: () => events.filter((e) => e.type === 'OFFERS').flatMap((e) => (e.offers as { offers: Offer[] }).offers),
      updates: () => events.filter((e) => e.type === 'UPDATE').map((e) => (e.update as { status: TaskStatus }).status),
    };
  }

  register(extra: Partial<RegisterMessage['register']> = {}): RecordedAgent {
    const messages: MasterToAgent[] = [];
    const link: AgentLink = { send: (m) => messages.push(m), close: () => {} };
    const n = this.streams++;
    const id = this.master.registerAgent(
      {
        hostname: `agent${n}.test`,
        port: 5051,
        pid: `slave(1)@10.0.1.${n % 250}:5051`,
        version: '1.11.0',
        resources: parseResources('cpus:4;mem:4096;ports:[31000-31010]'),
        attributes: [],
        tasks: [],
        frameworks: [],
        ...extra,
      },
      link,
      `agent-stream-${n}`,
    );
    return { agent: this.master.agents.get(id)!, messages };
  }

  /** Lets pending allocation runs happen (they are batched to the end of the turn, or a pause later). */
  async allocation(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.master.allocationPending) await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }

  stop(): void {
    this.master.stop();
  }
}
