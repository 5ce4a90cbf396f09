// SUBSCRIBE of the master's v1 operator API: the call's stream (200, the requested media type,
// RecordIO records) joined to the master's operator event source (operator-events.ts). The
// stream is bounded as the scheduler streams are (--max_event_stream_buffer_size): a subscriber
// that stops reading is cut off once that much waits for it, and may subscribe again.
import type { ServerResponse } from 'node:http';
import { type MediaType, startRecordIOStream } from '../common/http.ts';
import type { OperatorAnswer } from '../common/operator-api.ts';
import { peerAddress, recordStream } from '../common/stream-backlog.ts';
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
  const stream = recordStream(res, config.maxEventStreamBufferBytes, (queued) =>
    log.warn(
      `Disconnecting operator event stream subscriber ${id} at ${remote}: ${queued} bytes of events wait for it, more than --max_event_stream_buffer_size=${config.maxEventStreamBufferBytes} bytes; it may subscribe again`,
    ),
  );
  id = operatorEvents.subscribe(principal, mediaType, {
    // A stream cut off (or closed by its reader) takes nothing more.
    send: (payload) => {
      if (!res.destroyed) stream.send(payload);
    },
    close: stream.end,
  });
  log.info(`Added subscriber ${id} at ${remote}${principal === undefined ? '' : ` (${principal})`} to the list of active subscribers`);
  res.on('close', () => {
    if (operatorEvents.unsubscribe(id)) log.info(`Removed subscriber ${id} from the list of active subscribers`);
  });
  res.socket?.setKeepAlive(true, KEEPALIVE_MS);
}
