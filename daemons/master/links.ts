// The master's outgoing channels, as the core sees them: a scheduler's event stream and an
// agent's message stream. The HTTP layer implements them over chunked RecordIO responses;
// tests can implement them with arrays.
import type { MasterToAgent } from '../common/agent-protocol.ts';
import type { mesos, OfType } from '../common/mesos.ts';

/** A scheduler subscription: JSON-shaped v1 scheduler Events go in, encoding is the sink's job. */
export interface EventSink {
  send(event: SchedulerEvent): void;
  /** Ends the stream (the framework sees its connection close). */
  close(): void;
  /** Bytes sent that the scheduler has not read yet, where the sink can tell. */
  queuedBytes?(): number;
}

export interface AgentLink {
  send(message: MasterToAgent): void;
  close(): void;
}

/** A v1 scheduler Event in its JSON shape, its payload set: `{type: 'OFFERS', offers: {...}}`. */
export type SchedulerEvent = OfType<mesos.v1.scheduler.Event>;
