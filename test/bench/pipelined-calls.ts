// Scheduler calls as libmesos's scheduler library makes them: one persistent connection per
// framework for every call but SUBSCRIBE, requests pipelined on it (process::http::Connection
// sends the next request without waiting for the previous response). Node's http.Agent cannot
// pipeline and builds a ClientRequest per call, which made the emulated schedulers the largest
// load process; this writes the request text itself and reads the answers in order.
import net from 'node:net';

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class PipelinedCaller {
  private socket: net.Socket | undefined;
  private readonly pending: Pending[] = [];
  private input: Buffer = Buffer.alloc(0);
  private flushScheduled = false;
  private out: string[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly frameworkId: string,
    private readonly streamId: string,
  ) {}

  /** Sends a JSON call (framework_id added); resolves on 200/202, rejects with the status otherwise. */
  call(call: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify({ framework_id: { value: this.frameworkId }, ...call });
    this.out.push(
      `POST /api/v1/scheduler HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nMesos-Stream-Id: ${this.streamId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Calls of one turn leave in one write.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  close(): void {
    this.socket?.destroy();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0) return;
    const text = this.out.join('');
    this.out = [];
    this.connection().write(text);
  }

  private connection(): net.Socket {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    const socket = net.connect(this.port, this.host);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    const fail = (err?: Error) => {
      if (this.socket === socket) this.socket = undefined;
      this.input = Buffer.alloc(0);
      // Pipelined requests without an answer are lost with the connection.
      for (const p of this.pending.splice(0)) p.reject(err ?? new Error('connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.socket = socket;
    return socket;
  }

  /** Answers in order: status line, headers, then a Content-Length or chunked body. */
  private read(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    for (;;) {
      const headEnd = this.input.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.input.toString('latin1', 0, headEnd);
      const body = /\r\ntransfer-encoding:\s*chunked/i.test(head)
        ? chunkedBody(this.input, headEnd + 4)
        : fixedBody(this.input, headEnd + 4, Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0));
      if (body === undefined) return;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      this.input = this.input.subarray(body.end);
      const p = this.pending.shift();
      if (p === undefined) continue;
      if (status === 200 || status === 202) p.resolve();
      else p.reject(new Error(`HTTP ${status}: ${body.text.trim()}`));
    }
  }
}

function fixedBody(input: Buffer, from: number, length: number): { text: string; end: number } | undefined {
  if (input.length < from + length) return undefined;
  return { text: input.toString('utf8', from, from + length), end: from + length };
}

/** A chunked body complete in `input` from `from` on, or undefined while more is to come. */
function chunkedBody(input: Buffer, from: number): { text: string; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = input.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(input.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      if (input.length < lineEnd + 4) return undefined;
      return { text: Buffer.concat(parts).toString('utf8'), end: lineEnd + 4 };
    }
    if (input.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(input.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
