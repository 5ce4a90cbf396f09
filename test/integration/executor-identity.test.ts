// Executor identity on a real master and agent: each custom executor is given its own token;
// with --authenticate_http_executors a forged UPDATE for a running task (no token, another
// executor's token) is refused and never reaches the scheduler while the executor's own updates
// do; without the flag a call without a token goes on, as in Mesos, but one with another
// executor's token or for another executor's task does not; the flag without --jwt_secret_key
// stops the agent.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Endpoint, type RecordStream, openRecordStream, request } from '../../daemons/common/http-client.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import type { ExecutorInfo, Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { type Daemon, runMesos, sleep, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

const API = '/api/v1/executor';
const JSON_TYPE = { 'Content-Type': 'application/json' };

let master: Daemon;
/** An agent with executor authentication switched on. */
let agent: Daemon;
let keyDir: string;

before(async () => {
  master = await startMaster(['--allocation_interval=50ms']);
  keyDir = tempDir('jwt-key');
  writeFileSync(path.join(keyDir, 'key'), 'the agent key', { mode: 0o600 });
  agent = await startAgent(master, [
    '--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]',
    '--authenticate_http_executors',
    `--jwt_secret_key=${path.join(keyDir, 'key')}`,
  ]);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
  for (const dir of [agent?.workDir, master?.workDir, keyDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const endpoint = (d: Daemon): Endpoint => ({ host: '127.0.0.1', port: d.port });

/** An executor that only records its token; the test speaks for it. */
function silentExecutor(id: string): ExecutorInfo {
  return {
    executor_id: { value: id },
    command: { value: 'printf %s "$MESOS_EXECUTOR_AUTHENTICATION_TOKEN" > "$MESOS_SANDBOX/token"; exec sleep 600' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ],
  };
}

function taskWith(id: string, offer: Offer, executor: ExecutorInfo): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    executor,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ],
  };
}

async function tokenOf(d: Daemon, frameworkId: string, executorId: string): Promise<string> {
  return waitFor(`${executorId}'s token`, async () => {
    const state = await d.json<{ frameworks: { id: string; executors: { id: string; directory: string }[] }[] }>('/state');
    const dir = state.frameworks.find((f) => f.id === frameworkId)?.executors.find((e) => e.id === executorId)?.directory;
    if (!dir) return undefined;
    try {
      return readFileSync(path.join(dir, 'token'), 'utf8') || undefined;
    } catch {
      return undefined;
    }
  });
}

const call = (frameworkId: string, executorId: string, type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ framework_id: { value: frameworkId }, executor_id: { value: executorId }, type, ...extra });

const update = (frameworkId: string, executorId: string, taskId: string, state: string) =>
  call(frameworkId, executorId, 'UPDATE', {
    update: { status: { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid: newStatusUuid() } },
  });

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('executor tokens, with --authenticate_http_executors', () => {
  let s: TestScheduler;
  let frameworkId = '';
  let tokenA = '';
  let tokenB = '';
  let stream: RecordStream | undefined;
  let streamB: RecordStream | undefined;

  before(async () => {
    s = new TestScheduler(master.port);
    frameworkId = await s.subscribe();
    await s.launch((o) => [taskWith('a-1', o, silentExecutor('exec-a')), taskWith('b-1', o, silentExecutor('exec-b'))]);
    tokenA = await tokenOf(agent, frameworkId, 'exec-a');
    tokenB = await tokenOf(agent, frameworkId, 'exec-b');
  });
  after(async () => {
    stream?.close();
    streamB?.close();
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  });

  test('each executor gets its own HS256 token naming its framework, executor and container', () => {
    assert.notEqual(tokenA, tokenB);
    const claims = JSON.parse(Buffer.from(tokenA.split('.')[1]!, 'base64url').toString()) as Record<string, string>;
    assert.equal(claims.fid, frameworkId);
    assert.equal(claims.eid, 'exec-a');
    assert.ok(claims.cid, 'a container id claim');
    const header = JSON.parse(Buffer.from(tokenA.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
    assert.equal(header.alg, 'HS256');
  });

  test("a SUBSCRIBE without a token, or with another executor's, is refused", async () => {
    const none = await request(endpoint(agent), 'POST', API, call(frameworkId, 'exec-a', 'SUBSCRIBE', { subscribe: {} }), JSON_TYPE);
    assert.equal(none.status, 401);
    const other = await request(endpoint(agent), 'POST', API, call(frameworkId, 'exec-a', 'SUBSCRIBE', { subscribe: {} }), {
      ...JSON_TYPE,
      ...bearer(tokenB),
    });
    assert.equal(other.status, 403);
    assert.match(other.body.toString(), /does not contain an 'eid' claim with the executor ID exec-a/);
  });

  test('forged UPDATEs for a running task never reach the scheduler; the real ones do', async () => {
    const errors: string[] = [];
    stream = await openRecordStream(
      endpoint(agent),
      API,
      call(frameworkId, 'exec-a', 'SUBSCRIBE', { subscribe: {} }),
      { ...JSON_TYPE, Accept: 'application/json', ...bearer(tokenA) },
      (record, status) => {
        if (status !== 200) errors.push(record.toString());
      },
      () => undefined,
    );
    assert.equal(stream.status, 200, errors.join('; '));
    const running = await request(endpoint(agent), 'POST', API, update(frameworkId, 'exec-a', 'a-1', 'TASK_RUNNING'), {
      ...JSON_TYPE,
      ...bearer(tokenA),
    });
    assert.equal(running.status, 202, running.body.toString());
    await s.waitState('a-1', 'TASK_RUNNING');

    const forged = update(frameworkId, 'exec-a', 'a-1', 'TASK_FINISHED');
    const noToken = await request(endpoint(agent), 'POST', API, forged, JSON_TYPE);
    assert.equal(noToken.status, 401);
    assert.match(String(noToken.headers['www-authenticate']), /^Bearer realm="mesos-agent-executor"/);
    const otherToken = await request(endpoint(agent), 'POST', API, forged, { ...JSON_TYPE, ...bearer(tokenB) });
    assert.equal(otherToken.status, 403);
    const [h, c] = tokenA.split('.');
    const tampered = await request(endpoint(agent), 'POST', API, forged, { ...JSON_TYPE, ...bearer(`${h}.${c}.AAAA`) });
    assert.equal(tampered.status, 401);
    // B, subscribed with its own token, naming itself, for A's task: the task is not B's.
    streamB = await openRecordStream(
      endpoint(agent),
      API,
      call(frameworkId, 'exec-b', 'SUBSCRIBE', { subscribe: {} }),
      { ...JSON_TYPE, Accept: 'application/json', ...bearer(tokenB) },
      () => undefined,
      () => undefined,
    );
    assert.equal(streamB.status, 200);
    const viaB = await request(endpoint(agent), 'POST', API, update(frameworkId, 'exec-b', 'a-1', 'TASK_FINISHED'), {
      ...JSON_TYPE,
      ...bearer(tokenB),
    });
    assert.equal(viaB.status, 403);
    assert.equal(viaB.body.toString(), "Task a-1 belongs to executor 'exec-a', not to executor 'exec-b'");

    await sleep(1500);
    assert.deepEqual(
      s.updates('a-1').map((u) => u.state),
      ['TASK_RUNNING'],
      'the scheduler saw only the real update',
    );
    const finished = await request(endpoint(agent), 'POST', API, update(frameworkId, 'exec-a', 'a-1', 'TASK_FINISHED'), {
      ...JSON_TYPE,
      ...bearer(tokenA),
    });
    assert.equal(finished.status, 202);
    await s.waitState('a-1', 'TASK_FINISHED');
  });

  test('HEARTBEAT without a token is 401 too', async () => {
    const hb = await request(endpoint(agent), 'POST', API, call(frameworkId, 'exec-a', 'HEARTBEAT'), JSON_TYPE);
    assert.equal(hb.status, 401);
  });
});

describe('executor tokens, without --authenticate_http_executors (as Mesos)', () => {
  test("a call without a token goes on; another executor's token is still 403", async () => {
    const open = await startAgent(master, []);
    const s = new TestScheduler(master.port);
    let subscribed: RecordStream | undefined;
    try {
      const frameworkId = await s.subscribe();
      const openId = (await open.json<{ id: string }>('/state')).id;
      await s.launch((o) => [taskWith('d-1', o, silentExecutor('exec-d')), taskWith('e-1', o, silentExecutor('exec-e'))], {
        agentId: openId,
      });
      const tokenE = await tokenOf(open, frameworkId, 'exec-e');
      subscribed = await openRecordStream(
        endpoint(open),
        API,
        call(frameworkId, 'exec-d', 'SUBSCRIBE', { subscribe: {} }),
        { ...JSON_TYPE, Accept: 'application/json' },
        () => undefined,
        () => undefined,
      );
      assert.equal(subscribed.status, 200, 'SUBSCRIBE without a token');
      const running = await request(endpoint(open), 'POST', API, update(frameworkId, 'exec-d', 'd-1', 'TASK_RUNNING'), JSON_TYPE);
      assert.equal(running.status, 202, running.body.toString());
      await s.waitState('d-1', 'TASK_RUNNING');
      const other = await request(endpoint(open), 'POST', API, update(frameworkId, 'exec-d', 'd-1', 'TASK_FINISHED'), {
        ...JSON_TYPE,
        ...bearer(tokenE),
      });
      assert.equal(other.status, 403);
      const viaE = await request(endpoint(open), 'POST', API, update(frameworkId, 'exec-e', 'd-1', 'TASK_FINISHED'), JSON_TYPE);
      assert.equal(viaE.status, 403, 'a task of another executor');
    } finally {
      subscribed?.close();
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
      await open.stop();
      rmSync(open.workDir, { recursive: true, force: true });
    }
  });
});

describe('--authenticate_http_executors', () => {
  test('without --jwt_secret_key the agent does not start, with Mesos words', async () => {
    const dir = tempDir('agent-noauth');
    try {
      const r = await runMesos(
        ['agent', `--master=127.0.0.1:${master.port}`, `--work_dir=${dir}`, '--authenticate_http_executors'],
        30_000,
      );
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /--jwt_secret_key must be specified when --authenticate_http_executors is set to true/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every call without a valid token is 401; the executor key file (--executor_secret_key alias) signs the tokens', async () => {
    const keyDir = tempDir('jwt-key');
    const keyFile = path.join(keyDir, 'key');
    writeFileSync(keyFile, 'a shared secret', { mode: 0o600 });
    const strict = await startAgent(master, ['--authenticate_http_executors', `--executor_secret_key=${keyFile}`]);
    const s = new TestScheduler(master.port);
    try {
      const frameworkId = await s.subscribe();
      const strictId = (await strict.json<{ id: string }>('/state')).id;
      await s.launch((o) => [taskWith('c-1', o, silentExecutor('exec-c'))], { agentId: strictId });
      const token = await tokenOf(strict, frameworkId, 'exec-c');
      const hb = await request(endpoint(strict), 'POST', API, call(frameworkId, 'exec-c', 'HEARTBEAT'), JSON_TYPE);
      assert.equal(hb.status, 401);
      const withToken = await request(endpoint(strict), 'POST', API, call(frameworkId, 'exec-c', 'HEARTBEAT'), {
        ...JSON_TYPE,
        ...bearer(token),
      });
      assert.equal(withToken.status, 202);
      // Signed with the key in the file: verifiable by anyone holding it.
      const { createHmac } = await import('node:crypto');
      const [h, c, sig] = token.split('.');
      assert.equal(sig, createHmac('sha256', 'a shared secret').update(`${h}.${c}`).digest('base64url'));
    } finally {
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
      await strict.stop();
      rmSync(strict.workDir, { recursive: true, force: true });
      rmSync(keyDir, { recursive: true, force: true });
    }
  });
});
