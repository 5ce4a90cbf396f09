// A large RECONCILE is answered a slice at a time, at the pace its scheduler reads.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { silentLogger } from '../../daemons/common/log.ts';
import type { TaskStatus } from '../../daemons/common/mesos.ts';
import type { EventSink, SchedulerEvent } from '../../daemons/master/links.ts';
import { Master, RECONCILE_STALL_MS } from '../../daemons/master/master.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';

class Sink implements EventSink {
  readonly updates: TaskStatus[] = [];
  queued = 0;
  send(event: SchedulerEvent): void {
    if (event.type === 'UPDATE') this.updates.push((event.update as { status: TaskStatus }).status);
  }
  close(): void {}
  queuedBytes(): number {
    return this.queued;
  }
}

const masters: Master[] = [];
afterEach(() => {
  for (const m of masters.splice(0)) m.stop();
});

function subscribed(limit?: number) {
  const master = new Master({ ...TEST_MASTER_CONFIG, maxEventStreamBufferBytes: limit }, silentLogger());
  masters.push(master);
  const sink = new Sink();
  const fw = master.subscribe({ user: 'u', name: 'n', capabilities: [{ type: 'PARTITION_AWARE' }] }, [], sink, 'stream-1');
  return { master, fw, sink };
}

const ghosts = (n: number) => Array.from({ length: n }, (_, i) => ({ taskId: `ghost-${i}` }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a small RECONCILE is answered at once; a large one over many turns, every task in order', async () => {
  const { master, fw, sink } = subscribed();
  master.reconcile(fw, ghosts(100));
  assert.equal(sink.updates.length, 100);
  sink.updates.length = 0;
  master.reconcile(fw, ghosts(200_000));
  const first = sink.updates.length;
  assert.ok(first > 0 && first < 200_000, `${first} answered in the call's turn`);
  let timers = 0;
  const ticking = setInterval(() => timers++, 1);
  while (sink.updates.length < 200_000) await sleep(5);
  clearInterval(ticking);
  assert.ok(timers > 3, `timers ran ${timers} times meanwhile`);
  assert.equal(sink.updates.length, 200_000);
  assert.ok(sink.updates.every((u, i) => u.task_id.value === `ghost-${i}` && u.state === 'TASK_UNKNOWN'));
});

test('a large RECONCILE waits while half the stream bound is unread, and stops when the scheduler goes', async () => {
  const { master, fw, sink } = subscribed(1000);
  sink.queued = 600;
  master.reconcile(fw, ghosts(50_000));
  const before = sink.updates.length;
  assert.ok(before <= 256, `${before} sent before the pause`);
  await sleep(60);
  assert.equal(sink.updates.length, before, 'nothing more while the scheduler is behind');
  sink.queued = 0;
  // The next few turns, each at most one slice (the pause check waits 10 ms).
  while (sink.updates.length === before) await new Promise((r) => setImmediate(r));
  master.frameworkDisconnected(fw.id, 'stream-1');
  const atDisconnect = sink.updates.length;
  await sleep(50);
  assert.equal(sink.updates.length, atDisconnect, 'nothing more once the scheduler is gone');
  assert.ok(atDisconnect < 50_000);
});

test('a scheduler that reads nothing is not waited for: the answer goes on, for the stream bound to cut it', async () => {
  const { master, fw, sink } = subscribed(1000);
  sink.queued = 600;
  master.reconcile(fw, ghosts(5_000));
  const before = sink.updates.length;
  await sleep(RECONCILE_STALL_MS - 1000);
  assert.equal(sink.updates.length, before);
  while (sink.updates.length < 5_000) await sleep(20);
  assert.equal(sink.updates.length, 5_000);
});

test("the answers to one scheduler's RECONCILE calls come one after another, in order", async () => {
  const { master, fw, sink } = subscribed();
  master.reconcile(fw, ghosts(30_000));
  master.reconcile(fw, [{ taskId: 'second' }]);
  master.reconcile(fw, ghosts(3));
  while (sink.updates.length < 30_004) await sleep(5);
  const ids = sink.updates.map((u) => u.task_id.value);
  assert.deepEqual(ids.slice(29_999), ['ghost-29999', 'second', 'ghost-0', 'ghost-1', 'ghost-2']);
});
