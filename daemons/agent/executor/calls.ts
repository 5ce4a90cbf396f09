// The v1 executor API's messages in their JSON shape (pure): the Calls an executor sends and the
// Events the agent streams back. The checks of a Call are in ../validation.ts.
import type { mesos, OfType } from '../../common/mesos.ts';

export const CALL_TYPE = 'mesos.v1.executor.Call';
export const EVENT_TYPE = 'mesos.v1.executor.Event';

/** A decoded, schema-checked executor Call (`fromJson`/`decode` of mesos.v1.executor.Call). */
export type ExecutorCall = mesos.v1.executor.Call;

/** An Event the agent sends an executor, its payload set. */
export type ExecutorEvent = OfType<mesos.v1.executor.Event>;

/** Where events to one subscribed executor go (its SUBSCRIBE response); encoding is the HTTP layer's job. */
export interface ExecutorConnection {
  /** False when the stream is gone and the event was dropped. */
  send(event: ExecutorEvent): boolean;
  close(): void;
}
