// Writes of one turn of the event loop leave a socket in one system call. On loopback each
// write costs the TCP path of both ends, and under load one turn handles many connections'
// input (a framework's acknowledgements arriving on several connections, say), so batching by
// turn rather than by tick saves most of them. The socket itself is corked: on Node 24,
// OutgoingMessage.cork() buffers in the message and then writes every piece with a write() of
// its own (strace: six calls for three records; Node 20 made one writev).
import type { Socket } from 'node:net';

const corked = new Set<Socket>();
let flushPending = false;

/** Corks `socket` until the end of this turn (or flushTurnWrites()), unless already corked. */
export function corkForTurn(socket: Socket | null | undefined): void {
  if (socket == null || socket.destroyed || corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  if (!flushPending) {
    flushPending = true;
    setImmediate(() => {
      flushPending = false;
      flushTurnWrites();
    });
  }
}

/**
 * Sends what the corked sockets hold now. For work that itself runs from setImmediate (the
 * allocator): sockets it corks would otherwise wait for the next turn's immediates.
 */
export function flushTurnWrites(): void {
  for (const s of corked) s.uncork();
  corked.clear();
}

/** Sockets corked and not yet flushed (for tests). */
export function corkedSockets(): number {
  return corked.size;
}
