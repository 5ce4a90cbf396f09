// The master under exhaustion and abuse: schedulers that never read their events, bodies and
// fields past every limit, huge RECONCILE calls, a registry it cannot write. Each test checks that
// the master stays up, says clearly what it refused or whom it cut off, and that /health answers
// quickly meanwhile.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { type Daemon, freePort, runMesos, sleep, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { quantile, readUntil, reconcileBody, rssBytes, sampleLatency, schedulerCall, stalledSubscriber } from '../helpers/abuse.ts';

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
  // Each framework asks for 2,500 updates (about 600 KB) a second, 50,000 a second in all. The
  // kernel's socket buffers take the first few MB of each stream, the master then up to the bound
  // and, for a scheduler that reads nothing for RECONCILE_STALL_MS, past it, which cuts it off.
  // Without a bound, the 20 streams would hold 20 x 40 calls' worth, some 480 MB.
  const statuses = await Promise.all(
    subs.map(async (s) => {
      const body = reconcileBody(s.frameworkId, 2500);
      let last = 202;
      for (let i = 0; i < 40 && last === 202; i++) {
        const next = sleep(1000);
        last = await schedulerCall(m.port, s.streamId, body);
        await next;
      }
      return last;
    }),
  );
  clearInterval(rss);
  const latencies = await health.stop();
  const p99 = quantile(latencies, 0.99);
  console.log(
    `RSS ${(baseline / 2 ** 20).toFixed(0)} MB -> peak ${(peak / 2 ** 20).toFixed(0)} MB; /health p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (${latencies.length} samples)`,
  );
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
  assert.ok(p99 < 100, `/health p99 ${p99.toFixed(1)} ms`);
  const grownMb = (peak - baseline) / 2 ** 20;
  assert.ok(grownMb < 150, `RSS grew ${grownMb.toFixed(0)} MB`);
  // The master is well: a new subscriber that reads is served.
  const again = await stalledSubscriber(m.port, 'after');
  assert.equal(await schedulerCall(m.port, again.streamId, reconcileBody(again.frameworkId, 10)), 202);
  again.socket.destroy();
  await waitFor('/health', async () => (await fetch(`${m.url}/health`)).ok);
});

test('a 70 MB body gets 413 with the limit, not a reset connection, and the master goes on', async () => {
  const m = await master();
  const body = Buffer.alloc(70 * 2 ** 20, 0x20);
  for (const url of ['/api/v1/scheduler', '/master/teardown']) {
    const res = await fetch(`${m.url}${url}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(res.status, 413, url);
    assert.equal(await res.text(), 'Request body is larger than the limit of 67108864 bytes');
  }
  // Without a Content-Length (chunked), the limit is found as the body arrives.
  const chunked = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 70; i++) controller.enqueue(new Uint8Array(2 ** 20).fill(0x20));
      controller.close();
    },
  });
  const res = await fetch(`${m.url}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: chunked,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 413);
  assert.match(await res.text(), /limit of 67108864 bytes/);
  assert.equal((await fetch(`${m.url}/health`)).status, 200);
});

test('fields past their limits are refused before any work, naming the field and the limit', async () => {
  const m = await master();
  const post = async (body: string) => {
    const res = await fetch(`${m.url}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    return { status: res.status, text: await res.text() };
  };
  const subscribe = (info: Record<string, unknown>) =>
    JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', ...info } } });
  const hugeName = await post(subscribe({ name: 'x'.repeat(10 * 2 ** 20) }));
  assert.equal(hugeName.status, 400);
  assert.equal(
    hugeName.text,
    "Failed to validate scheduler::Call: 'subscribe.framework_info.name' is 10485760 bytes long: the limit is 4096 bytes",
  );
  const manyLabels = await post(subscribe({ labels: { labels: Array.from({ length: 100_000 }, (_, i) => ({ key: `k${i}` })) } }));
  assert.equal(manyLabels.status, 400);
  assert.match(manyLabels.text, /'subscribe\.framework_info\.labels\.labels' has 100000 labels: the limit is 1024$/);
  const bigValue = await post(subscribe({ labels: { labels: [{ key: 'k', value: 'v'.repeat(200_000) }] } }));
  assert.match(bigValue.text, /labels\[0\]\.value' is 200000 bytes long: the limit is 131072 bytes$/);
  const deep = await post(`{"type":"SUBSCRIBE","subscribe":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  assert.equal(deep.status, 400);
  assert.equal(deep.text, 'Failed to parse body into JSON: JSON body nests arrays and objects deeper than the limit of 100 levels');
  // Nothing was registered, and nothing huge was logged.
  const state = await m.json<{ frameworks: unknown[] }>('/master/frameworks');
  assert.equal(state.frameworks.length, 0);
  assert.ok(m.output.length < 1_000_000, `the log has ${m.output.length} characters`);
});

test('a framework name at the limit is logged cut short', async () => {
  const m = await master();
  const name = `${'n'.repeat(4000)}-end`;
  const sub = await stalledSubscriber(m.port, name);
  sub.socket.destroy();
  await waitFor('the registration logged', () => m.output.includes(`Registered framework ${sub.frameworkId}`));
  assert.ok(!m.output.includes('-end'), 'the end of the name is not logged');
  assert.match(m.output, new RegExp(`Registered framework ${sub.frameworkId} \\(n{256}\\.\\.\\. \\(3748 more characters\\)\\)`));
});

test('a 400,000-task RECONCILE is answered in full while /health stays quick', async () => {
  const m = await master();
  const sub = await stalledSubscriber(m.port, 'reconciler');
  const all = readUntil(sub, '"ghost-399999"');
  const body = reconcileBody(sub.frameworkId, 400_000);
  const health = sampleLatency(`${m.url}/health`, 5);
  const started = performance.now();
  assert.equal(await schedulerCall(m.port, sub.streamId, body), 202);
  const accepted = performance.now() - started;
  await all;
  const answered = performance.now() - started;
  const latencies = await health.stop();
  sub.socket.destroy();
  const p99 = quantile(latencies, 0.99);
  console.log(
    `400,000-task RECONCILE: 202 after ${accepted.toFixed(0)} ms, every update after ${answered.toFixed(0)} ms; /health p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (${latencies.length} samples)`,
  );
  assert.ok(latencies.length > 20);
  assert.ok(p99 < 100, `/health p99 ${p99.toFixed(1)} ms`);
});

/** A file system of `size` (tmpfs, needs root), unmounted after the tests; undefined when it cannot be made. */
function smallFileSystem(size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = tempDir('small-fs');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  after(() => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }));
  return dir;
}

/** Fills a file system with one file until it is full. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=64k'], { stdio: 'ignore' });
  } catch {
    // dd stops with an error when the disk is full, which is the point.
  }
  return file;
}

/** What a SUBSCRIBE stream says first: up to its SUBSCRIBED event, or all of it when it ends early. */
async function subscribeText(m: Daemon, name: string): Promise<string> {
  const res = await fetch(`${m.url}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name } } }),
  });
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += Buffer.from(value).toString();
    if (text.includes('"SUBSCRIBED"')) {
      await reader.cancel();
      return text;
    }
  }
}

test('a full disk under the registry: a master cannot start, and a running one refuses registrations it cannot record, then recovers', async (t) => {
  const fs = smallFileSystem('2m');
  if (!fs) return t.skip('needs root to mount a small tmpfs');
  const workDir = path.join(fs, 'master');
  mkdirSync(workDir);
  const filler = fill(fs);
  const refused = await runMesos(['master', '--ip=127.0.0.1', `--port=${await freePort()}`, `--work_dir=${workDir}`]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(
      `cannot recover the registry: cannot write ${workDir}/registry/log\\.0: no space left on the file system at \\S+ \\(\\w+\\) \\(ENOSPC\\); free space there`,
    ),
  );
  rmSync(filler);
  const m = await startMaster([], {}, { port: await freePort(), workDir });
  masters.push(m);
  assert.match(await subscribeText(m, 'while-there-is-room'), /"SUBSCRIBED"/);
  fill(fs);
  // A record longer than a page: the log's last page may have room for a short one.
  const text = await subscribeText(m, `on-a-full-disk-${'n'.repeat(4000)}`);
  assert.match(
    text,
    /"ERROR".*The master could not record the framework: the registry cannot be written: no space left on the file system at \S+ \(\w+\) \(ENOSPC\)/,
  );
  assert.match(
    m.output,
    /Cannot write the registry \S+: no space left on the file system at \S+ \(\w+\) \(ENOSPC\)\. 1 operation\(s\) \(ADD_FRAMEWORK\) are not durable and fail/,
  );
  assert.equal((await fetch(`${m.url}/health`)).status, 200);
  rmSync(path.join(fs, 'filler'));
  assert.match(await subscribeText(m, 'after'), /"SUBSCRIBED"/);
});
