// SUBSCRIBE of the master's v1 operator API: the call's stream (200, the requested media type,
// RecordIO records) joined to the master's operator event source (operator-events.ts). The
// stream is bounded as the scheduler streams are (--max_event_stream_buffer_size): a subscriber
// that stops reading is cut off once that much waits for it, and may subscribe again. The bound
// comes on top of the first record, SUBSCRIBED: it carries the whole state, which on a large
// cluster is alone larger than the bound, and the next event would otherwise cut off every
// subscriber before it could read it.
import type { ServerResponse } from 'node:http';
import { type MediaType, startRecordIOStream } from '../common/http.ts';
import type { OperatorAnswer } from '../common/operator-api.ts';
import { type RecordStream, peerAddress, recordStream } from '../common/stream-backlog.ts';
import type { Master } from './master.ts';

/** Keep-alive probes on a quiet stream, as on the scheduler streams. */
const KEEPALIVE_MS = 10_000;

/** The answer to a SUBSCRIBE by `principal` (undefined without authentication). */
export function operatorSubscription<R>(master: Master, principal: string | undefined): OperatorAnswer<R> {
  return { kind: 'stream', start: (res, mediaType) => subscribe(master, principal, res, mediaType) };
}

function subscribe(master: Master, principal: string | undefined, res: ServerResponse, mediaType: MediaType): void {
  const { log, config, operatorEvents } = master;
  const remote = peerAddress(res.socket);
  let id = 0;
  startRecordIOStream(res, mediaType);
  const bound = config.maxEventStreamBufferBytes;
  const overflow = (queued: number) =>
    log.warn(
      `Disconnecting operator event stream subscriber ${id} at ${remote}: ${queued} bytes of events wait for it, more than its SUBSCRIBED and --max_event_stream_buffer_size=${bound} bytes; it may subscribe again`,
    );
  let stream: RecordStream | undefined;
  id = operatorEvents.subscribe(principal, mediaType, {
    send: (payload) => {
      // A stream cut off (or closed by its reader) takes nothing more.
      if (res.destroyed) return;
      stream ??= recordStream(res, bound === undefined ? undefined : bound + recordBytes(payload), overflow);
      stream.send(payload);
    },
    close: () => (stream === undefined ? res.end() : stream.end()),
  });
  log.info(`Added subscriber ${id} at ${remote}${principal === undefined ? '' : ` (${principal})`} to the list of active subscribers`);
  res.on('close', () => {
    if (operatorEvents.unsubscribe(id)) log.info(`Removed subscriber ${id} from the list of active subscribers`);
  });
  res.socket?.setKeepAlive(true, KEEPALIVE_MS);
}

/** A record's size as it waits to be sent: its payload and its length line. */
function recordBytes(payload: string | Uint8Array): number {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  return size + String(size).length + 1;
}
