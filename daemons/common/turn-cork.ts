// Writes of one turn of the event loop leave a socket in one system call. On loopback each
// write costs the TCP path of both ends, and under load one turn handles many connections'
// input (a framework's acknowledgements arriving on several connections, say), so batching by
// turn rather than by tick saves most of them. The socket itself is corked: on Node 24,
// OutgoingMessage.cork() buffers in the message and then writes every piece with a write() of
// its own (strace: six calls for three records; Node 20 made one writev).
import type { Socket } from 'node:net';

export class TurnCork {
  private corked: Socket | undefined;

  /** Corks `socket` until the end of this turn, unless already corked. */
  cork(socket: Socket | null | undefined): void {
    if (this.corked !== undefined || socket == null || socket.destroyed) return;
    this.corked = socket;
    socket.cork();
    setImmediate(() => {
      const s = this.corked;
      this.corked = undefined;
      s?.uncork();
    });
  }
}
