// Writes of one turn of the event loop leave a socket in one system call. On loopback each
// write costs the TCP path of both ends, and under load one turn handles many connections'
// input, so batching by turn saves most of them.
//
// Corking the socket cannot do this for HTTP answers: a corked write completes only when the
// socket is uncorked, and Node attaches a connection's next pipelined response only after the
// previous one's write completed ('finish'). The answers to calls pipelined on one connection
// would then leave one per turn, each with a write() of its own, and under overload the queue of
// unanswered calls would grow faster than it drains. So a batched socket takes small writes into a
// list and reports them written right away (as the kernel's send buffer would); the list leaves
// in one writev at the end of the turn. A write that fails later fails the socket, which is what
// a failed send does to data already in the kernel's buffer.
import type { Socket } from 'node:net';

type WriteCallback = (err?: Error | null) => void;
type Chunk = string | Uint8Array;

/**
 * Writes at least this large go out at once (after what is waiting), with their real callback:
 * when it runs, the socket no longer needs the buffer.
 */
export const DIRECT_BYTES = 64 * 1024;

interface Batch {
  chunks: Chunk[];
  encodings: Array<BufferEncoding | undefined>;
  bytes: number;
  realWrite: Socket['write'];
}

const batches = new WeakMap<Socket, Batch>();
const waiting = new Set<Socket>();
let flushScheduled = false;

/** Makes small writes to `socket` wait for the end of the turn (or flushTurnWrites()); idempotent. */
export function batchWritesPerTurn(socket: Socket): void {
  if (batches.has(socket)) return;
  const batch: Batch = { chunks: [], encodings: [], bytes: 0, realWrite: socket.write };
  batches.set(socket, batch);
  const realEnd = socket.end;

  socket.write = function batchedWrite(
    this: Socket,
    chunk: Chunk,
    encodingOrCb?: BufferEncoding | WriteCallback,
    cb?: WriteCallback,
  ): boolean {
    const encoding = typeof encodingOrCb === 'string' ? encodingOrCb : undefined;
    const callback = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    const size = typeof chunk === 'string' ? chunk.length : chunk?.byteLength;
    // Let Node handle what it would refuse or report (a closed socket, a bad chunk), and big writes.
    if (this.destroyed || this.writableEnded || size === undefined || size >= DIRECT_BYTES) {
      flushSocket(this);
      return batch.realWrite.call(this, chunk, encoding as BufferEncoding, callback);
    }
    batch.chunks.push(chunk);
    batch.encodings.push(encoding);
    batch.bytes += size;
    if (batch.chunks.length === 1) {
      waiting.add(this);
      scheduleFlush();
    }
    if (callback) process.nextTick(callback);
    if (batch.bytes >= DIRECT_BYTES) flushSocket(this);
    return !this.writableNeedDrain;
  } as Socket['write'];

  socket.end = function batchedEnd(this: Socket, ...args: unknown[]): Socket {
    flushSocket(this);
    return (realEnd as (...a: unknown[]) => Socket).apply(this, args);
  } as Socket['end'];
}

/**
 * Sends what the batched sockets hold now. For work that itself runs from setImmediate (the
 * allocator): its writes would otherwise wait for the next turn's immediates.
 */
export function flushTurnWrites(): void {
  for (const socket of waiting) flushSocket(socket);
}

/** Sockets with writes waiting for the end of the turn (for tests). */
export function socketsWaiting(): number {
  return waiting.size;
}

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    flushTurnWrites();
  });
}

function flushSocket(socket: Socket): void {
  waiting.delete(socket);
  const batch = batches.get(socket);
  if (batch === undefined || batch.chunks.length === 0) return;
  const { chunks, encodings } = batch;
  batch.chunks = [];
  batch.encodings = [];
  batch.bytes = 0;
  if (socket.destroyed) return;
  // Corked, the writes below become one writev when uncorked.
  socket.cork();
  for (let i = 0; i < chunks.length; i++) batch.realWrite.call(socket, chunks[i]!, encodings[i] as BufferEncoding);
  socket.uncork();
}
