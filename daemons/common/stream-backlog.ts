// Back-pressure for the long-lived streams a daemon sends (a scheduler's events, an agent's
// messages). A peer that stops reading makes every write pile up in the daemon's memory: Node
// keeps what the kernel's socket buffer cannot take, without bound. A stream whose backlog is
// past its bound is cut instead, and its owner told who it was; the peer reconnects as Mesos
// clients do after a lost connection.
import { encodeRecord, encodeTextRecord } from './recordio.ts';

/** The part of a response a guard needs: Node's count of bytes written but not yet sent, and a way to drop it. */
export interface BackloggedStream {
  /** For an http.ServerResponse: its own buffer plus its socket's. */
  readonly writableLength: number;
  destroy(): void;
}

/**
 * Wraps a stream's writer: a write that finds more than `maxBytes` already waiting for the peer
 * (by `queuedBytes`, by default Node's count) is not made; the stream is destroyed and
 * `onOverflow` told how many bytes were waiting (once).
 * The check comes before the write, so one event larger than the bound still goes to a peer
 * that keeps up, and a stream never holds more than the bound plus one event.
 */
export function boundedWriter<P>(
  stream: BackloggedStream,
  write: (payload: P) => boolean,
  maxBytes: number,
  onOverflow: (queuedBytes: number) => void,
  queuedBytes: () => number = () => stream.writableLength,
): (payload: P) => boolean {
  let cut = false;
  return (payload) => {
    if (cut) return false;
    const queued = queuedBytes();
    if (queued > maxBytes) {
      cut = true;
      onOverflow(queued);
      stream.destroy();
      return false;
    }
    return write(payload);
  };
}

/** `address:port` of a socket's peer, for log lines ('unknown' once it is gone). */
export function peerAddress(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined } | null | undefined): string {
  if (!socket?.remoteAddress) return 'unknown';
  return socket.remoteAddress.includes(':')
    ? `[${socket.remoteAddress}]:${socket.remotePort}`
    : `${socket.remoteAddress}:${socket.remotePort}`;
}

/** What coalescingWriter writes to: a response's write and end, its backlog and its drain event. */
export interface DrainingStream extends BackloggedStream {
  readonly writableNeedDrain: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  write(chunk: string | Uint8Array): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

export interface CoalescingWriter {
  /** Writes an encoded record, or keeps it while the peer is behind; false once it waits or is dropped. */
  write(record: string | Uint8Array): boolean;
  /** Bytes written or kept that the peer has not taken yet (strings counted in characters). */
  queued(): number;
  /** Writes what is kept, then ends the stream. */
  end(): void;
}

/**
 * A writer of encoded records that, while the peer is behind (the socket wants a drain), keeps
 * them itself and writes them as one chunk when it drains. A socket holding thousands of small
 * chunks is costly to cut off: Node fails each one's write with an error object of its own, which
 * for a few streams at once holds the event loop for a second.
 */
export function coalescingWriter(stream: DrainingStream): CoalescingWriter {
  let pending: Array<string | Uint8Array> = [];
  let pendingBytes = 0;
  const closed = () => stream.destroyed || stream.writableEnded;
  const flush = () => {
    const chunks = pending;
    pending = [];
    pendingBytes = 0;
    if (closed() || chunks.length === 0) return;
    if (chunks.every((c) => typeof c === 'string')) stream.write((chunks as string[]).join(''));
    else stream.write(Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))));
  };
  return {
    write(record) {
      if (closed()) return false;
      if (pending.length === 0 && !stream.writableNeedDrain) return stream.write(record);
      if (pending.length === 0) stream.once('drain', flush);
      pending.push(record);
      pendingBytes += typeof record === 'string' ? record.length : record.byteLength;
      return false;
    },
    queued: () => stream.writableLength + pendingBytes,
    end() {
      flush();
      if (!closed()) stream.end();
    },
  };
}

export interface RecordStream {
  /** Sends one record (RecordIO-framed here); false when it had to wait or was dropped. */
  send(payload: string | Uint8Array): boolean;
  /** Bytes the peer has not taken yet. */
  queued(): number;
  /** Sends what waits, then ends the stream. */
  end(): void;
}

/**
 * A stream of RecordIO records on a response whose headers are sent (startRecordIOStream),
 * coalesced while its peer is behind and, with `maxBytes`, cut off past that backlog.
 */
export function recordStream(res: DrainingStream, maxBytes: number | undefined, onOverflow: (queuedBytes: number) => void): RecordStream {
  const out = coalescingWriter(res);
  const framed = (payload: string | Uint8Array) =>
    out.write(typeof payload === 'string' ? encodeTextRecord(payload) : encodeRecord(payload));
  const send = maxBytes === undefined ? framed : boundedWriter(res, framed, maxBytes, onOverflow, out.queued);
  return { send, queued: out.queued, end: out.end };
}
