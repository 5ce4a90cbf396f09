// The master under abuse (npm run bench -- abuse): its resident memory with schedulers that
// subscribe and never read while updates are made for them, against the bound the stream limit
// sets; and /health's latency while one scheduler's 400,000-task RECONCILE is answered.
import { type Daemon, sleep, startMaster } from '../helpers/cluster.ts';
import { quantile, readUntil, reconcileBody, rssBytes, sampleLatency, schedulerCall, stalledSubscriber } from '../helpers/abuse.ts';

export interface StalledResult {
  subscribers: number;
  updatesPerSecond: number;
  bufferBytes: number;
  /** What the streams may hold at most: subscribers x bufferBytes. */
  boundMb: number;
  baselineRssMb: number;
  peakRssMb: number;
  endRssMb: number;
  /** When every subscriber had been cut off, from the first update (undefined: not within the window). */
  allCutSeconds: number | undefined;
  healthP50Ms: number;
  healthP99Ms: number;
  healthMaxMs: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;

/**
 * `subscribers` schedulers that never read, each asking for its share of `updatesPerSecond`
 * (RECONCILE calls of unknown tasks, four a second), for up to `seconds` or until all are cut off.
 */
export async function stalledSubscribers(
  subscribers: number,
  updatesPerSecond: number,
  bufferBytes: number,
  seconds: number,
): Promise<StalledResult> {
  const master = await startMaster(['--quiet', '--registry=in_memory', `--max_event_stream_buffer_size=${bufferBytes}B`]);
  try {
    const pid = master.proc.pid!;
    const subs = await Promise.all(Array.from({ length: subscribers }, (_, i) => stalledSubscriber(master.port, `stalled-${i}`)));
    await sleep(500);
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 50);
    const health = sampleLatency(`${master.url}/health`);
    const perCall = Math.max(1, Math.round(updatesPerSecond / subscribers / 4));
    const started = performance.now();
    const until = started + seconds * 1000;
    const cutAt = await Promise.all(
      subs.map(async (s) => {
        const body = reconcileBody(s.frameworkId, perCall);
        while (performance.now() < until) {
          const next = sleep(250);
          if ((await schedulerCall(master.port, s.streamId, body)) !== 202) return performance.now() - started;
          await next;
        }
        return undefined;
      }),
    );
    clearInterval(sampler);
    const latencies = await health.stop();
    const end = rssBytes(pid);
    for (const s of subs) s.socket.destroy();
    const allCut = cutAt.every((t) => t !== undefined) ? Math.max(...(cutAt as number[])) / 1000 : undefined;
    return {
      subscribers,
      updatesPerSecond,
      bufferBytes,
      boundMb: mb(subscribers * bufferBytes),
      baselineRssMb: mb(baseline),
      peakRssMb: mb(peak),
      endRssMb: mb(end),
      allCutSeconds: allCut,
      healthP50Ms: quantile(latencies, 0.5),
      healthP99Ms: quantile(latencies, 0.99),
      healthMaxMs: latencies.at(-1) ?? Number.NaN,
    };
  } finally {
    await master.stop();
  }
}

export interface ReconcileResult {
  tasks: number;
  bodyMb: number;
  acceptedMs: number;
  answeredMs: number;
  healthSamples: number;
  healthP50Ms: number;
  healthP99Ms: number;
  healthMaxMs: number;
}

/** One scheduler (reading its stream) RECONCILEs `tasks` unknown tasks; /health sampled every 5 ms meanwhile. */
export async function largeReconcile(tasks: number): Promise<ReconcileResult> {
  const master: Daemon = await startMaster(['--quiet', '--registry=in_memory']);
  try {
    const sub = await stalledSubscriber(master.port, 'reconciler');
    const all = readUntil(sub, `"ghost-${tasks - 1}"`);
    const body = reconcileBody(sub.frameworkId, tasks);
    const health = sampleLatency(`${master.url}/health`, 5);
    const started = performance.now();
    const status = await schedulerCall(master.port, sub.streamId, body);
    if (status !== 202) throw new Error(`RECONCILE answered ${status}`);
    const acceptedMs = performance.now() - started;
    await all;
    const answeredMs = performance.now() - started;
    const latencies = await health.stop();
    sub.socket.destroy();
    return {
      tasks,
      bodyMb: mb(Buffer.byteLength(body)),
      acceptedMs,
      answeredMs,
      healthSamples: latencies.length,
      healthP50Ms: quantile(latencies, 0.5),
      healthP99Ms: quantile(latencies, 0.99),
      healthMaxMs: latencies.at(-1) ?? Number.NaN,
    };
  } finally {
    await master.stop();
  }
}
