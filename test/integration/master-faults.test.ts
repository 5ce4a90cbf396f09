// The master under exhaustion and abuse: schedulers that never read their events, bodies and
// fields past every limit, huge RECONCILE calls, a registry it cannot write. Each test checks that
// the master stays up, says clearly what it refused or whom it cut off, and that /health answers
// quickly meanwhile.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Daemon, startMaster, waitFor } from '../helpers/cluster.ts';
import { quantile, reconcileBody, rssBytes, sampleLatency, schedulerCall, stalledSubscriber } from '../helpers/abuse.ts';

const masters: Daemon[] = [];
after(async () => {
  for (const m of masters) await m.stop();
});

async function master(extra: string[] = []): Promise<Daemon> {
  const m = await startMaster(['--registry=in_memory', ...extra]);
  masters.push(m);
  return m;
}

test('20 subscribers that never read are disconnected, with a log line each; memory stays bounded and /health quick', async () => {
  const m = await master(['--max_event_stream_buffer_size=1MB']);
  const pid = m.proc.pid!;
  const subs = await Promise.all(Array.from({ length: 20 }, (_, i) => stalledSubscriber(m.port, `stalled-${i}`)));
  const baseline = rssBytes(pid);
  let peak = baseline;
  const rss = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 20);
  const health = sampleLatency(`${m.url}/health`);
  // Each call makes 2,000 events (about 400 KB) for its framework; without a bound, the 20
  // streams would hold 20 x 60 calls' worth, some 480 MB.
  const statuses = await Promise.all(
    subs.map(async (s) => {
      const body = reconcileBody(s.frameworkId, 2000);
      let last = 202;
      for (let i = 0; i < 60 && last === 202; i++) last = await schedulerCall(m.port, s.streamId, body);
      return last;
    }),
  );
  clearInterval(rss);
  const latencies = await health.stop();
  // Read what the master had sent: each connection then ends.
  for (const s of subs) s.socket.resume();
  await Promise.all(subs.map((s) => s.closed));

  assert.ok(
    statuses.every((s) => s === 403),
    `every framework's calls end refused as not subscribed: ${statuses}`,
  );
  for (const [i, s] of subs.entries()) {
    assert.match(
      m.output,
      new RegExp(
        `Disconnecting framework ${s.frameworkId} \\(stalled-${i}\\) at 127\\.0\\.0\\.1:\\d+: \\d+ bytes of events wait for it, more than --max_event_stream_buffer_size=1048576 bytes`,
      ),
    );
  }
  const frameworks = await m.json<{ frameworks: Array<{ id: string; connected: boolean }> }>('/master/frameworks');
  assert.ok(frameworks.frameworks.every((f) => !f.connected));
  const grownMb = (peak - baseline) / 2 ** 20;
  const p99 = quantile(latencies, 0.99);
  console.log(
    `RSS ${(baseline / 2 ** 20).toFixed(0)} MB -> peak ${(peak / 2 ** 20).toFixed(0)} MB; /health p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (${latencies.length} samples)`,
  );
  assert.ok(grownMb < 150, `RSS grew ${grownMb.toFixed(0)} MB`);
  // The master is well: a new subscriber that reads is served.
  const again = await stalledSubscriber(m.port, 'after');
  assert.equal(await schedulerCall(m.port, again.streamId, reconcileBody(again.frameworkId, 10)), 202);
  again.socket.destroy();
  await waitFor('/health', async () => (await fetch(`${m.url}/health`)).ok);
});
