// The v1 scheduler API against a real master and agent: JSON and protobuf clients, the HTTP
// errors Mesos returns, offers with DECLINE/SUPPRESS/REVIVE, fair sharing, reconciliation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestScheduler, task } from '../helpers/scheduler.ts';
import { type Daemon, startCluster, startMaster, waitFor } from '../helpers/cluster.ts';

let cluster: Awaited<ReturnType<typeof startCluster>>;
let master: Daemon;

before(async () => {
  cluster = await startCluster(['--allocation_interval=50ms']);
  master = cluster.master;
});
after(async () => {
  await cluster?.stop();
});

async function post(
  body: string | Uint8Array,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${master.url}/api/v1/scheduler`, { method, headers, ...(method === 'POST' ? { body } : {}) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

for (const format of ['json', 'protobuf'] as const) {
  test(`a ${format} scheduler subscribes, launches a task, gets its updates and acknowledges them`, async () => {
    const s = new TestScheduler(master.port, format, false);
    try {
      const id = await s.subscribe();
      const subscribed = s.events[0]!.subscribed as { heartbeat_interval_seconds: number; master_info: { port: number } };
      assert.equal(subscribed.heartbeat_interval_seconds, 15);
      assert.equal(subscribed.master_info.port, master.port);
      const offer = await s.nextOffer();
      assert.equal(offer.framework_id.value, id);
      assert.ok(offer.resources!.some((r) => r.name === 'ports' && r.ranges?.range?.[0]?.begin === 31000));
      await s.client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: [task(`t-${format}`, offer, 'echo hi')] } }],
        },
      });
      // Without acknowledgements the agent sends nothing after the first update.
      await s.waitState(`t-${format}`, 'TASK_STARTING');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        s.updates(`t-${format}`).map((u) => u.state),
        ['TASK_STARTING'],
      );
      // The agent told the master that the task ended (LATEST_STATE): its state and resources
      // are there already, while its terminal update still waits behind the unacknowledged ones.
      await waitFor('the master to know the task finished', async () => {
        const fws = await master.json<{
          frameworks: { id: string; tasks: { id: string; state: string }[]; used_resources: { cpus: number } }[];
        }>('/master/frameworks');
        const fw = fws.frameworks.find((f) => f.id === id);
        return fw?.tasks.some((t) => t.id === `t-${format}` && t.state === 'TASK_FINISHED') && fw.used_resources.cpus === 0;
      });
      assert.deepEqual(
        s.updates(`t-${format}`).map((u) => u.state),
        ['TASK_STARTING'],
      );
      const ackLoop = setInterval(() => void s.ackAll(`t-${format}`).catch(() => {}), 50);
      const finished = await s.waitState(`t-${format}`, 'TASK_FINISHED').finally(() => clearInterval(ackLoop));
      assert.equal(finished.source, 'SOURCE_EXECUTOR');
      assert.equal(typeof finished.uuid, 'string');
      assert.equal(finished.agent_id?.value, offer.agent_id.value);
      await waitFor('the terminal update acknowledged', async () => {
        await s.ackAll(`t-${format}`);
        const fws = await master.json<{ frameworks: { id: string; tasks: unknown[]; completed_tasks: { id: string; state: string }[] }[] }>(
          '/master/frameworks',
        );
        const fw = fws.frameworks.find((f) => f.id === id);
        return fw?.completed_tasks.some((t) => t.id === `t-${format}` && t.state === 'TASK_FINISHED');
      });
    } finally {
      s.close();
    }
  });
}

describe('HTTP errors of /api/v1/scheduler', () => {
  const subscribeJson = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });

  test('405 for GET, 400 without Content-Type, 415 for text/plain, 406 for Accept text/html', async () => {
    const get = await post('', {}, 'GET');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await post(new TextEncoder().encode(subscribeJson), {})).status, 400);
    const plain = await post(subscribeJson, { 'Content-Type': 'text/plain' });
    assert.equal(plain.status, 415);
    assert.match(plain.text, /application\/json or application\/x-protobuf/);
    assert.equal((await post(subscribeJson, { 'Content-Type': 'application/json', Accept: 'text/html' })).status, 406);
  });

  test('400 with a message for malformed bodies', async () => {
    const bad = await post('{not json', { 'Content-Type': 'application/json' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Failed to parse body into JSON/);
    const missing = await post(JSON.stringify({ type: 'ACCEPT', accept: { offer_ids: [{}] } }), { 'Content-Type': 'application/json' });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /Missing required fields/);
    const wrongType = await post(
      JSON.stringify({ type: 'DECLINE', framework_id: { value: 'x' }, decline: { offer_ids: [], filters: { refuse_seconds: 'soon' } } }),
      {
        'Content-Type': 'application/json',
      },
    );
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.text, /refuse_seconds/);
    const garbage = await post(new Uint8Array([0xff, 0xff, 0xff]), { 'Content-Type': 'application/x-protobuf' });
    assert.equal(garbage.status, 400);
  });

  test('stream id rules: 400 on SUBSCRIBE with one, missing or wrong on calls; 400 unknown framework', async () => {
    const withStream = await post(subscribeJson, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'abc' });
    assert.equal(withStream.status, 400);
    const s = new TestScheduler(master.port, 'json');
    try {
      const id = await s.subscribe();
      const revive = JSON.stringify({ type: 'REVIVE', framework_id: { value: id } });
      const noStream = await post(revive, { 'Content-Type': 'application/json' });
      assert.equal(noStream.status, 400);
      assert.match(noStream.text, /Mesos-Stream-Id/);
      const wrong = await post(revive, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'not-the-stream' });
      assert.equal(wrong.status, 400);
      const ok = await post(revive, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': s.client.streamId! });
      assert.equal(ok.status, 202);
      const unknown = await post(JSON.stringify({ type: 'REVIVE', framework_id: { value: 'nope' } }), {
        'Content-Type': 'application/json',
        'Mesos-Stream-Id': 'x',
      });
      assert.equal(unknown.status, 400);
      assert.match(unknown.text, /Framework cannot be found/);
    } finally {
      s.close();
    }
  });

  test('the subscribe response is a RecordIO stream with a Mesos-Stream-Id header', async () => {
    const controller = new AbortController();
    const res = await fetch(`${master.url}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: subscribeJson,
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('mesos-stream-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    const text = Buffer.from(value!).toString();
    const m = /^(\d+)\n/.exec(text);
    assert.ok(m, `starts with a length line: ${text.slice(0, 40)}`);
    const record = JSON.parse(text.slice(m[0].length, m[0].length + Number(m[1])));
    assert.equal(record.type, 'SUBSCRIBED');
    controller.abort();
  });
});

test('DECLINE filters the agent for refuse_seconds; REVIVE lifts the filter; SUPPRESS stops offers', async () => {
  const s = new TestScheduler(master.port, 'json');
  try {
    await s.subscribe();
    const first = await s.nextOffer();
    await s.client.call({ type: 'DECLINE', decline: { offer_ids: [first.id], filters: { refuse_seconds: 3600 } } });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(s.offers().length, 1, 'no new offer while the filter holds');
    await s.client.call({ type: 'REVIVE' });
    const second = await s.nextOffer(1);
    assert.notEqual(second.id.value, first.id.value);
    await s.client.call({ type: 'SUPPRESS' });
    await s.client.call({ type: 'DECLINE', decline: { offer_ids: [second.id], filters: { refuse_seconds: 0 } } });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(s.offers().length, 2, 'suppressed: no offers');
    await s.client.call({ type: 'REVIVE' });
    await s.nextOffer(2);
  } finally {
    s.close();
  }
});

test('DRF: once one framework holds resources, the next offer goes to the other', async () => {
  const a = new TestScheduler(master.port, 'json');
  const b = new TestScheduler(master.port, 'json');
  try {
    await a.subscribe({ name: 'drf-a' });
    const offerA = await a.nextOffer();
    // B subscribes while A holds the whole agent in an offer: B gets nothing yet.
    await b.subscribe({ name: 'drf-b' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.offers().length, 0);
    // A launches a 2-cpu task and returns the rest; the rest must go to B (share 0 < A's).
    await a.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offerA.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [task('drf-long', offerA, 'sleep 30', 2, 256)] } }],
        filters: { refuse_seconds: 0 },
      },
    });
    const offerB = await b.nextOffer();
    const cpus = offerB.resources!.find((r) => r.name === 'cpus')?.scalar?.value;
    assert.equal(cpus, 2, 'B is offered what A left');
    await a.waitState('drf-long', 'TASK_RUNNING');
    await a.client.call({ type: 'KILL', kill: { task_id: { value: 'drf-long' } } });
    await a.waitState('drf-long', 'TASK_KILLED');
  } finally {
    a.close();
    b.close();
  }
});

test('invalid tasks get TASK_ERROR; invalid offers get TASK_DROPPED', async () => {
  const s = new TestScheduler(master.port, 'json');
  try {
    await s.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [task('too-big', offer, 'true', 100, 64), task('bad/id', offer, 'true')] } }],
      },
    });
    const big = await s.waitState('too-big', 'TASK_ERROR');
    assert.equal(big.reason, 'REASON_TASK_INVALID');
    assert.match(big.message ?? '', /more resources/);
    const bad = await s.waitState('bad/id', 'TASK_ERROR');
    assert.match(bad.message ?? '', /'\/' is disallowed/);
    // The offer is used up: launching on it again is an invalid offer.
    await s.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('late', offer, 'true')] } }] },
    });
    const late = await s.waitState('late', 'TASK_DROPPED');
    assert.equal(late.reason, 'REASON_INVALID_OFFERS');
  } finally {
    s.close();
  }
});

test('RECONCILE: implicit returns running tasks, explicit answers unknown tasks', async () => {
  const s = new TestScheduler(master.port, 'protobuf');
  try {
    await s.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('rec-1', offer, 'sleep 30')] } }] },
    });
    await s.waitState('rec-1', 'TASK_RUNNING');
    const before = s.updates('rec-1').length;
    await s.client.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    const implicit = await waitFor('reconciliation update', () =>
      s
        .updates('rec-1')
        .slice(before)
        .find((u) => u.reason === 'REASON_RECONCILIATION'),
    );
    assert.equal(implicit.state, 'TASK_RUNNING');
    assert.equal(implicit.source, 'SOURCE_MASTER');
    assert.equal(implicit.uuid, undefined, 'reconciliation updates need no acknowledgement');
    await s.client.call({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'never-launched' } }, { task_id: { value: 'gone' }, agent_id: offer.agent_id }] },
    });
    assert.equal((await s.waitState('never-launched', 'TASK_UNKNOWN')).reason, 'REASON_RECONCILIATION');
    await s.waitState('gone', 'TASK_GONE');
    await s.client.call({ type: 'KILL', kill: { task_id: { value: 'rec-1' }, agent_id: offer.agent_id } });
    await s.waitState('rec-1', 'TASK_KILLED');
  } finally {
    s.close();
  }
});

test('a disconnected framework with failover_timeout can re-subscribe with its id and keeps its tasks', async () => {
  const s1 = new TestScheduler(master.port, 'json');
  const id = await s1.subscribe({ failover_timeout: 60 });
  const offer = await s1.nextOffer();
  await s1.client.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('survivor', offer, 'sleep 30')] } }] },
  });
  await s1.waitState('survivor', 'TASK_RUNNING');
  s1.close();
  await waitFor('framework disconnected', async () => {
    const fws = await master.json<{ frameworks: { id: string; connected: boolean }[] }>('/master/frameworks');
    return fws.frameworks.find((f) => f.id === id)?.connected === false;
  });
  const s2 = new TestScheduler(master.port, 'json');
  try {
    await s2.subscribe({ id: { value: id }, failover_timeout: 60 });
    assert.equal(s2.client.frameworkId, id);
    await s2.client.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'survivor' } }] } });
    await s2.waitState('survivor', 'TASK_RUNNING');
    await s2.client.call({ type: 'TEARDOWN' });
    await waitFor('framework completed', async () => {
      const fws = await master.json<{ completed_frameworks: { id: string; completed_tasks: { id: string; state: string }[] }[] }>(
        '/master/frameworks',
      );
      return fws.completed_frameworks
        .find((f) => f.id === id)
        ?.completed_tasks.some((t) => t.id === 'survivor' && t.state === 'TASK_KILLED');
    });
  } finally {
    s2.close();
  }
});

test('calls pipelined on one connection (as libmesos sends them) are all answered, in order', async () => {
  const { PipelinedCaller } = await import('../bench/pipelined-calls.ts');
  const s = new TestScheduler(master.port, 'json', false);
  await s.subscribe();
  const caller = new PipelinedCaller('127.0.0.1', master.port, s.client.frameworkId!, s.client.streamId!);
  try {
    // Fifty calls in one turn, so one write; a bad one in the middle gets its 400 in its place.
    const calls = Array.from({ length: 50 }, (_, i) =>
      caller.call(
        i === 25
          ? { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'no-such-agent' }, task_id: { value: 'x' }, uuid: 'not-base64!' } }
          : { type: i % 2 ? 'SUPPRESS' : 'REVIVE' },
      ),
    );
    const results = await Promise.allSettled(calls);
    assert.equal(
      results.filter((r) => r.status === 'fulfilled').length,
      49,
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join(' | '),
    );
    const rejected = results[25] as PromiseRejectedResult;
    assert.equal(rejected.status, 'rejected');
    assert.match(String(rejected.reason), /HTTP 400/);
    // The connection stays usable after the error; the last call (SUPPRESS) took effect.
    await caller.call({ type: 'REVIVE' });
    await s.nextOffer();
  } finally {
    caller.close();
    s.close();
  }
});

test('--rate_limits: a principal with qps is processed that often and refused past its capacity; a listed principal without qps is not throttled', async () => {
  const { PipelinedCaller } = await import('../bench/pipelined-calls.ts');
  const limited = await startMaster([
    '--registry=in_memory',
    '--rate_limits={"limits":[{"principal":"batch","qps":20,"capacity":3},{"principal":"prod"}]}',
  ]);
  const batch = new TestScheduler(limited.port, 'json', false);
  const prod = new TestScheduler(limited.port, 'json', false);
  const callers: Array<{ close(): void }> = [];
  try {
    await batch.subscribe({ principal: 'batch' });
    await prod.subscribe({ principal: 'prod' });
    const caller = (s: TestScheduler) => {
      const c = new PipelinedCaller('127.0.0.1', limited.port, s.client.frameworkId!, s.client.streamId!);
      callers.push(c);
      return c;
    };
    const fire = async (c: InstanceType<typeof PipelinedCaller>) => {
      const t0 = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => c.call({ type: 'REVIVE' }).then(() => performance.now() - t0)),
      );
      return {
        answeredAt: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
        refused: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])),
      };
    };
    // Eight calls in one write: the first runs at once, three wait (the capacity), four are refused.
    const b = await fire(caller(batch));
    assert.equal(b.answeredAt.length, 4, `answered ${b.answeredAt.length}, refused: ${b.refused.join(' | ')}`);
    assert.equal(b.refused.length, 4);
    for (const r of b.refused) assert.match(r, /HTTP 429: Message REVIVE dropped: capacity\(3\) exceeded/);
    // 20 per second: the fourth call ran at least 3 x 50 ms after the first.
    assert.ok(b.answeredAt[3]! - b.answeredAt[0]! >= 140, `answered at ${b.answeredAt.map((t) => t.toFixed(0)).join(', ')} ms`);
    const p = await fire(caller(prod));
    assert.deepEqual(p.refused, []);
    assert.equal(p.answeredAt.length, 8);
    const metrics = await limited.json<Record<string, number>>('/metrics/snapshot');
    assert.equal(metrics['frameworks/batch/messages_received'], 8);
    assert.equal(metrics['frameworks/batch/messages_processed'], 4);
    assert.equal(metrics['frameworks/prod/messages_received'], 8);
    assert.equal(metrics['frameworks/prod/messages_processed'], 8);
  } finally {
    for (const c of callers) c.close();
    batch.close();
    prod.close();
    await limited.stop();
  }
});
