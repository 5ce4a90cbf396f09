// Hostile and unlucky clients of a master, for the fault tests and benchmarks: schedulers that
// subscribe and never read their event stream, RECONCILE calls that make events, a process's
// resident memory, and /health's latency sampled while the master is under load.
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface StalledSubscriber {
  frameworkId: string;
  streamId: string;
  socket: net.Socket;
  /** Resolves when the connection closes (noticed once what the master sent has been read: resume the socket). */
  closed: Promise<void>;
}

/**
 * Subscribes a framework over a raw socket, reads the response headers and the SUBSCRIBED event,
 * then stops reading: whatever the master sends next piles up in the kernel and then the master.
 */
export async function stalledSubscriber(port: number, name: string): Promise<StalledSubscriber> {
  const body = JSON.stringify({
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'abuse', name, failover_timeout: 3600, capabilities: [{ type: 'PARTITION_AWARE' }] } },
  });
  const socket = net.connect(port, '127.0.0.1');
  let ended!: () => void;
  const closed = new Promise<void>((resolve) => (ended = resolve));
  socket.once('close', () => ended());
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `POST /api/v1/scheduler HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  let received = '';
  const first = await new Promise<{ frameworkId: string; streamId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SUBSCRIBED for ${name}: ${received.slice(0, 500)}`)), 10_000);
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const streamId = /mesos-stream-id: *([^\r\n]+)/i.exec(received)?.[1];
      const frameworkId = /"framework_id":\{"value":"([^"]+)"/.exec(received)?.[1];
      if (streamId && frameworkId) {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.pause();
        resolve({ frameworkId, streamId });
      }
    };
    socket.on('data', onData);
  });
  return { ...first, socket, closed };
}

/**
 * Reads a stalled subscriber's stream from now on, discarding it; resolves when `marker` has
 * been seen in it (markers split across chunks are found too).
 */
export function readUntil(sub: StalledSubscriber, marker: string): Promise<void> {
  let tail = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      if (text.includes(marker)) {
        sub.socket.off('data', onData);
        resolve();
        return;
      }
      tail = text.slice(-marker.length);
    };
    sub.socket.on('data', onData);
    sub.socket.once('close', () => reject(new Error(`the stream closed before '${marker}'`)));
    sub.socket.resume();
  });
}

/** One explicit RECONCILE of `count` tasks the master does not know: one TASK_UNKNOWN event each. */
export function reconcileBody(frameworkId: string, count: number, prefix = 'ghost'): string {
  const tasks = Array.from({ length: count }, (_, i) => `{"task_id":{"value":"${prefix}-${i}"}}`);
  return `{"type":"RECONCILE","framework_id":{"value":"${frameworkId}"},"reconcile":{"tasks":[${tasks.join(',')}]}}`;
}

/** POSTs a scheduler call on a stream; the HTTP status. */
export async function schedulerCall(port: number, streamId: string, body: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Resident memory of a process, in bytes (Linux). */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

export interface LatencySampler {
  /** Stops sampling; the latencies seen, in ms, sorted. */
  stop(): Promise<number[]>;
}

/** GETs `url` one request after another (with `pauseMs` between) until stopped, timing each. */
export function sampleLatency(url: string, pauseMs = 10): LatencySampler {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      samples.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples.sort((a, b) => a - b);
    },
  };
}

/** The q-quantile (0..1) of sorted samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
