// Back-pressure for the long-lived streams a daemon sends (a scheduler's events, an agent's
// messages). A peer that stops reading makes every write pile up in the daemon's memory: Node
// keeps what the kernel's socket buffer cannot take, without bound. A stream whose backlog is
// past its bound is cut instead, and its owner told who it was; the peer reconnects as Mesos
// clients do after a lost connection.

/** The part of a response a guard needs: Node's count of bytes written but not yet sent, and a way to drop it. */
export interface BackloggedStream {
  /** For an http.ServerResponse: its own buffer plus its socket's. */
  readonly writableLength: number;
  destroy(): void;
}

/**
 * Wraps a stream's writer: a write that finds more than `maxBytes` already waiting for the peer
 * is not made; the stream is destroyed and `onOverflow` told how many bytes were waiting (once).
 * The check comes before the write, so one event larger than the bound still goes to a peer
 * that keeps up, and a stream never holds more than the bound plus one event.
 */
export function boundedWriter<P>(
  stream: BackloggedStream,
  write: (payload: P) => boolean,
  maxBytes: number,
  onOverflow: (queuedBytes: number) => void,
): (payload: P) => boolean {
  let cut = false;
  return (payload) => {
    if (cut) return false;
    const queued = stream.writableLength;
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
