// The master's v1 operator API: the call checks (validation/operator-call.ts), each call's
// answer (operator-calls.ts, called without sockets), and the transport's media types and error
// texts (common/operator-api.ts, through the master's request listener on loopback).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { BasicAuthenticator, basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { GZIP_MIN_BYTES } from '../../daemons/common/http.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import { LogVerbosity, pinoLevel } from '../../daemons/common/log-verbosity.ts';
import { AttachedPaths } from '../../daemons/common/files.ts';
import type { FrameworkInfo, mesos } from '../../daemons/common/mesos.ts';
import { decode, encode } from '../../daemons/common/proto/codec.ts';
import { parseAcls } from '../../daemons/common/authorizer/acls.ts';
import { LocalAuthorizer } from '../../daemons/common/authorizer/local.ts';
import { REALM_NAMES, realmOf } from '../../daemons/master/endpoint-realms.ts';
import { followerRequestListener, masterRequestListener } from '../../daemons/master/http-app.ts';
import type { EventSink } from '../../daemons/master/links.ts';
import { Master, type MasterConfig } from '../../daemons/master/master.ts';
import { type Answer, type OperatorContext, dispatchOperatorCall } from '../../daemons/master/operator-calls.ts';
import { validateOperatorCall } from '../../daemons/master/validation/operator-call.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';
import { MasterHarness } from '../helpers/master-harness.ts';
import { UNSERVED_OPERATOR_CALLS } from '../helpers/operator-calls.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

type Call = mesos.v1.master.Call;
type Response = mesos.v1.master.Response;

let masters: Master[] = [];
let contexts: OperatorContext[] = [];
let harnesses: MasterHarness[] = [];
afterEach(() => {
  for (const h of harnesses) h.stop();
  harnesses = [];
  for (const m of masters) m.stop();
  for (const c of contexts) c.logVerbosity.stop();
  masters = [];
  contexts = [];
});

function newContext(config: Partial<MasterConfig> = {}, flags: Record<string, string> = {}): OperatorContext {
  const master = new Master({ ...TEST_MASTER_CONFIG, ...config }, silentLogger());
  masters.push(master);
  const ctx: OperatorContext = { master, flags, buildTime: 0, files: new AttachedPaths(), logVerbosity: new LogVerbosity(master.log) };
  contexts.push(ctx);
  return ctx;
}

/** A harness master (recording schedulers and agents) with an operator context over it. */
function harnessContext(config: Partial<MasterConfig> = {}): { h: MasterHarness; ctx: OperatorContext } {
  const h = new MasterHarness(config);
  harnesses.push(h);
  const ctx: OperatorContext = {
    master: h.master,
    flags: {},
    buildTime: 0,
    files: new AttachedPaths(),
    logVerbosity: new LogVerbosity(h.master.log),
  };
  contexts.push(ctx);
  return { h, ctx };
}

/** A cluster with one agent and one framework running task t1 on it (acknowledged). */
async function runningTask(config: Partial<MasterConfig> = {}) {
  const { h, ctx } = harnessContext(config);
  // Partition-aware: it hears TASK_GONE_BY_OPERATOR as it is (others hear TASK_LOST).
  const sched = h.subscribe({ user: 'alice', name: 'fw-a', capabilities: [{ type: 'PARTITION_AWARE' }] });
  const agent = h.register();
  await h.allocation();
  const offer = sched.offers().at(-1)!;
  sched.call('ACCEPT', {
    accept: {
      offer_ids: [offer.id],
      operations: [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                name: 't1',
                task_id: { value: 't1' },
                agent_id: offer.agent_id,
                resources: (offer.resources ?? [])
                  .filter((r) => r.name === 'cpus' || r.name === 'mem')
                  .map((r) => ({ ...r, scalar: { value: 1 } })),
                command: { value: 'sleep 100' },
              },
            ],
          },
        },
      ],
    },
  });
  const running = {
    task_id: { value: 't1' },
    state: 'TASK_RUNNING' as const,
    uuid: 'AAAAAAAAAAAAAAAAAAAAAA==',
    source: 'SOURCE_EXECUTOR' as const,
  };
  h.master.statusUpdate(agent.agent, sched.fw.id, running);
  h.master.acknowledge(sched.fw, agent.agent.id, 't1', running.uuid);
  return { h, ctx, sched, agent };
}

function authorizer(acls: object): LocalAuthorizer {
  const parsed = parseAcls(acls);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return new LocalAuthorizer(parsed.value);
}

async function answer(ctx: OperatorContext, call: Call, principal?: string): Promise<Answer> {
  return await dispatchOperatorCall(ctx, call, principal, 'application/json');
}

async function response(ctx: OperatorContext, call: Call, principal?: string): Promise<Response> {
  const a = await answer(ctx, call, principal);
  assert.equal(a.kind, 'response', `expected a Response, got ${JSON.stringify(a)}`);
  const r = (a as { response: Response }).response;
  // Every Response must encode as the schema says (a wrong field or type throws).
  assert.deepEqual(decode('mesos.v1.master.Response', encode('mesos.v1.master.Response', r)), JSON.parse(JSON.stringify(r)));
  return r;
}

async function statusOf(ctx: OperatorContext, call: Call, principal?: string): Promise<{ status: number; text?: string }> {
  const a = await answer(ctx, call, principal);
  assert.equal(a.kind, 'status', `expected a bare status, got ${JSON.stringify(a)}`);
  return a as { status: number; text?: string };
}

const nullSink: EventSink = { send: () => {}, close: () => {} };

function subscribeFramework(ctx: OperatorContext, info: Partial<FrameworkInfo> = {}): string {
  return ctx.master.subscribe({ user: 'tester', name: 'fw', ...info }, [], nullSink, `s-${Math.random()}`).id;
}

describe('operator call validation (master::call::validate)', () => {
  test('a call without a type is refused', () => {
    assert.equal(validateOperatorCall({}), "Expecting 'type' to be present");
  });
  test('calls that need a payload name it', () => {
    assert.equal(validateOperatorCall({ type: 'GET_METRICS' }), "Expecting 'get_metrics' to be present");
    assert.equal(validateOperatorCall({ type: 'TEARDOWN' }), "Expecting 'teardown' to be present");
    assert.equal(validateOperatorCall({ type: 'MARK_AGENT_GONE' }), "Expecting 'mark_agent_gone' to be present");
    assert.equal(validateOperatorCall({ type: 'SET_LOGGING_LEVEL' }), "Expecting 'set_logging_level' to be present");
  });
  test('calls without a payload pass', () => {
    for (const type of ['GET_HEALTH', 'GET_STATE', 'GET_AGENTS', 'SUBSCRIBE', 'UNKNOWN'] as const) {
      assert.equal(validateOperatorCall({ type }), undefined, type);
    }
    assert.equal(validateOperatorCall({ type: 'GET_METRICS', get_metrics: {} }), undefined);
  });
  test('GROW_VOLUME and SHRINK_VOLUME need an agent id', () => {
    const volume = { name: 'disk', type: 'SCALAR' as const, scalar: { value: 1 } };
    assert.match(
      validateOperatorCall({ type: 'GROW_VOLUME', grow_volume: { volume, addition: volume } }) ?? '',
      /^Expecting 'agent_id' to be present; only agent default resources are supported right now$/,
    );
  });
});

describe('operator calls: the master itself', () => {
  test('GET_HEALTH is healthy', async () => {
    assert.deepEqual(await response(newContext(), { type: 'GET_HEALTH' }), { type: 'GET_HEALTH', get_health: { healthy: true } });
  });

  test('GET_FLAGS lists the flags by name; view_flags may refuse it with a bare 403', async () => {
    const ctx = newContext({}, { work_dir: '/var/lib/mesos', allocation_interval: '1secs' });
    assert.deepEqual((await response(ctx, { type: 'GET_FLAGS' })).get_flags, {
      flags: [
        { name: 'allocation_interval', value: '1secs' },
        { name: 'work_dir', value: '/var/lib/mesos' },
      ],
    });
    const guarded = newContext({
      authorizer: authorizer({ view_flags: [{ principals: { values: ['ops'] }, flags: { type: 'ANY' } }], permissive: false }),
    });
    assert.deepEqual(await statusOf(guarded, { type: 'GET_FLAGS' }, 'guest'), { kind: 'status', status: 403 });
    assert.equal((await answer(guarded, { type: 'GET_FLAGS' }, 'ops')).kind, 'response');
  });

  test('GET_VERSION and GET_MASTER', async () => {
    const ctx = newContext({ startedAt: 1_000 });
    const version = (await response(ctx, { type: 'GET_VERSION' })).get_version!.version_info;
    assert.equal(version.version, '1.11.0');
    assert.equal(version.build_time, 0);
    const master = (await response(ctx, { type: 'GET_MASTER' })).get_master!;
    assert.equal(master.master_info!.id, ctx.master.id);
    assert.equal(master.master_info!.hostname, 'master.test');
    assert.equal(master.start_time, 1);
    assert.equal(master.elected_time, ctx.master.startTime / 1000);
  });

  test('GET_METRICS lists the master metrics by name', async () => {
    const metrics = (await response(newContext(), { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } })).get_metrics!
      .metrics!;
    assert.equal(metrics.find((m) => m.name === 'master/elected')?.value, 1);
    assert.ok(metrics.some((m) => m.name === 'master/slaves_active'));
  });

  test('SET_LOGGING_LEVEL changes GET_LOGGING_LEVEL and the log level, then reverts after its duration', async () => {
    const ctx = newContext();
    ctx.master.log.level = 'info';
    const v = new LogVerbosity(ctx.master.log);
    const own = { ...ctx, logVerbosity: v };
    contexts.push(own);
    assert.equal((await response(own, { type: 'GET_LOGGING_LEVEL' })).get_logging_level!.level, 0);
    const set = await statusOf(own, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 50e6 } } });
    assert.equal(set.status, 200);
    assert.equal((await response(own, { type: 'GET_LOGGING_LEVEL' })).get_logging_level!.level, 2);
    assert.equal(ctx.master.log.level, 'trace');
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal((await response(own, { type: 'GET_LOGGING_LEVEL' })).get_logging_level!.level, 0);
    assert.equal(ctx.master.log.level, 'info');
  });

  test('a duration past what one timer can wait does not revert at once', async () => {
    const ctx = newContext();
    ctx.logVerbosity.set(1, 30 * 24 * 3600 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(ctx.logVerbosity.level, 1);
  });

  test('SET_LOGGING_LEVEL is refused by set_log_level with a bare 403', async () => {
    const ctx = newContext({ authorizer: authorizer({ set_log_level: [{ principals: { type: 'ANY' }, level: { type: 'NONE' } }] }) });
    assert.deepEqual(
      await statusOf(ctx, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1e9 } } }, 'ops'),
      {
        kind: 'status',
        status: 403,
      },
    );
    assert.equal(ctx.logVerbosity.level, 0);
  });

  test('verbosity maps onto pino levels, never less verbose than the base level', () => {
    assert.equal(pinoLevel('info', 0), 'info');
    assert.equal(pinoLevel('warn', 1), 'debug');
    assert.equal(pinoLevel('info', 3), 'trace');
    assert.equal(pinoLevel('trace', 1), 'trace');
    assert.equal(pinoLevel('silent', 2), 'silent');
  });
});

describe('operator calls: frameworks', () => {
  test('TEARDOWN removes the framework; an unknown one is 400; teardown_frameworks may refuse with 403', async () => {
    const ctx = newContext();
    const id = subscribeFramework(ctx);
    assert.deepEqual(await statusOf(ctx, { type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } }), {
      kind: 'status',
      status: 400,
      text: 'No framework found with specified ID',
    });
    assert.equal((await statusOf(ctx, { type: 'TEARDOWN', teardown: { framework_id: { value: id } } })).status, 200);
    assert.ok(!ctx.master.frameworks.has(id));
    assert.ok(ctx.master.completedFrameworks.some((f) => f.id === id));

    const guarded = newContext({
      authorizer: authorizer({ teardown_frameworks: [{ principals: { type: 'ANY' }, framework_principals: { type: 'NONE' } }] }),
    });
    const other = subscribeFramework(guarded, { principal: 'p' });
    assert.equal((await statusOf(guarded, { type: 'TEARDOWN', teardown: { framework_id: { value: other } } }, 'ops')).status, 403);
    assert.ok(guarded.master.frameworks.has(other));
  });
});

describe('operator calls that this master does not have', () => {
  test('reservation, volume, quota and maintenance calls answer 501 naming the call', async () => {
    const ctx = newContext();
    const calls = UNSERVED_OPERATOR_CALLS;
    for (const call of calls) {
      const a = await statusOf(ctx, call);
      assert.equal(a.status, 501, call.type);
      assert.ok(a.text?.startsWith(`${call.type} is not implemented by this master: `), a.text);
      assert.ok(!a.text?.includes('\n'), 'one line');
    }
  });

  test('SUBSCRIBE answers 501 until the event stream is plugged in, then the stream', async () => {
    const ctx = newContext();
    const a = await statusOf(ctx, { type: 'SUBSCRIBE' });
    assert.equal(a.status, 501);
    assert.match(a.text ?? '', /^SUBSCRIBE is not implemented by this master: /);
    const streamed = { ...ctx, subscribe: (): Answer => ({ kind: 'stream', start: (res) => res.end() }) };
    assert.equal((await answer(streamed, { type: 'SUBSCRIBE' })).kind, 'stream');
  });

  test('UNKNOWN is a bare 501, as in Mesos', async () => {
    assert.deepEqual(await statusOf(newContext(), { type: 'UNKNOWN' }), { kind: 'status', status: 501 });
  });
});

describe('operator API transport (POST /api/v1)', () => {
  let master: Master;
  let server: http.Server;
  let port: number;
  before(async () => {
    master = new Master({ ...TEST_MASTER_CONFIG, ip: '127.0.0.1' }, silentLogger());
    server = http.createServer(masterRequestListener({ master, flags: { port: '5050' }, buildTime: 0 }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    master.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function post(body: string | Uint8Array, headers: Record<string, string>, path = '/api/v1', method = 'POST') {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, ...(method === 'POST' ? { body } : {}) });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  }
  const JSON_HEADERS = { 'Content-Type': 'application/json' };

  test('JSON in, JSON out (no Accept), under /api/v1 and /master/api/v1', async () => {
    for (const path of ['/api/v1', '/master/api/v1']) {
      const r = await post('{"type":"GET_HEALTH"}', JSON_HEADERS, path);
      assert.equal(r.status, 200);
      assert.equal(r.type, 'application/json');
      assert.deepEqual(JSON.parse(r.body.toString()), { type: 'GET_HEALTH', get_health: { healthy: true } });
    }
  });

  test('protobuf in, protobuf out', async () => {
    const r = await post(encode('mesos.v1.master.Call', { type: 'GET_VERSION' }), {
      'Content-Type': 'application/x-protobuf',
      Accept: 'application/x-protobuf',
    });
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/x-protobuf');
    assert.equal(decode('mesos.v1.master.Response', r.body).get_version?.version_info.version, '1.11.0');
  });

  test('JSON is preferred whenever Accept allows it', async () => {
    const r = await post('{"type":"GET_HEALTH"}', { ...JSON_HEADERS, Accept: 'application/x-protobuf, application/json;q=0.1' });
    assert.equal(r.type, 'application/json');
  });

  test("Mesos's errors: 405, 400, 415, 406 and validation", async () => {
    const cases: Array<[string | Uint8Array, Record<string, string>, number, string | RegExp]> = [
      // Bytes: fetch gives a string body a Content-Type of its own.
      [Buffer.from('{"type":"GET_HEALTH"}'), {}, 400, "Expecting 'Content-Type' to be present"],
      [
        '{"type":"GET_HEALTH"}',
        { 'Content-Type': 'text/plain' },
        415,
        "Expecting 'Content-Type' of application/json or application/x-protobuf",
      ],
      ['{', JSON_HEADERS, 400, /^Failed to parse body into JSON: /],
      ['{"type":"GET_METRICS","get_metrics":{"timeout":"5secs"}}', JSON_HEADERS, 400, /^Failed to convert JSON into Call protobuf: /],
      // An enum value it does not know is dropped, as Mesos's JSON parsing does: the call has no type.
      ['{"type":"NO_SUCH_CALL"}', JSON_HEADERS, 400, "Failed to validate master::Call: Expecting 'type' to be present"],
      [Buffer.from([0xff, 0xff, 0xff]), { 'Content-Type': 'application/x-protobuf' }, 400, 'Failed to parse body into Call protobuf'],
      ['{}', JSON_HEADERS, 400, "Failed to validate master::Call: Expecting 'type' to be present"],
      ['{"type":"GET_METRICS"}', JSON_HEADERS, 400, "Failed to validate master::Call: Expecting 'get_metrics' to be present"],
      [
        '{"type":"GET_HEALTH"}',
        { ...JSON_HEADERS, Accept: 'text/html' },
        406,
        "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'",
      ],
    ];
    for (const [body, headers, status, text] of cases) {
      const r = await post(body, headers);
      assert.equal(r.status, status, `${String(body)} ${JSON.stringify(headers)}: ${r.body.toString()}`);
      if (typeof text === 'string') assert.equal(r.body.toString(), text);
      else assert.match(r.body.toString(), text);
    }
    const get = await post('', {}, '/api/v1', 'GET');
    assert.equal(get.status, 405);
    assert.equal(get.body.toString(), "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.");
  });
});

describe('operator calls: the state in v1 shapes', () => {
  test('GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS, GET_EXECUTORS: v1 names and shapes', async () => {
    const { ctx, sched, agent } = await runningTask();
    const state = (await response(ctx, { type: 'GET_STATE' })).get_state!;
    const task = state.get_tasks!.tasks!.find((t) => t.task_id.value === 't1')!;
    assert.equal(task.agent_id.value, agent.agent.id);
    assert.equal(task.framework_id.value, sched.fw.id);
    assert.equal(task.state, 'TASK_RUNNING');
    assert.equal(task.user, 'alice');
    assert.deepEqual(
      task.statuses!.map((st) => st.state),
      ['TASK_STAGING', 'TASK_RUNNING'].filter((x) => task.statuses!.some((st) => st.state === x)),
    );
    assert.ok(!('slave_id' in task));
    const a = state.get_agents!.agents![0]!;
    assert.equal(a.agent_info.id!.value, agent.agent.id);
    assert.equal(a.active, true);
    assert.equal(a.deactivated, false);
    assert.ok(a.registered_time!.nanoseconds > 1e18, 'nanoseconds since the epoch');
    assert.ok(a.allocated_resources!.some((r) => r.name === 'cpus' && r.scalar?.value === 1));
    const f = state.get_frameworks!.frameworks![0]!;
    assert.equal(f.framework_info.id!.value, sched.fw.id);
    assert.equal(f.framework_info.name, 'fw-a');
    assert.equal(f.active, true);
    assert.equal(f.connected, true);
    assert.equal(f.recovered, false);
    assert.deepEqual((await response(ctx, { type: 'GET_AGENTS' })).get_agents, state.get_agents);
    assert.deepEqual((await response(ctx, { type: 'GET_TASKS' })).get_tasks, state.get_tasks);
    assert.deepEqual((await response(ctx, { type: 'GET_FRAMEWORKS' })).get_frameworks, state.get_frameworks);
    assert.deepEqual((await response(ctx, { type: 'GET_EXECUTORS' })).get_executors, {}, 'command tasks have no executor the master knows');
    assert.deepEqual((await response(ctx, { type: 'GET_OPERATIONS' })).get_operations, {});
  });

  test('view_frameworks and view_tasks hide what they hide in /master/state', async () => {
    const acls = authorizer({
      view_frameworks: [
        { principals: { values: ['ops'] }, users: { type: 'ANY' } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
    });
    const { ctx } = await runningTask({ authorizer: acls });
    assert.equal((await response(ctx, { type: 'GET_FRAMEWORKS' }, 'ops')).get_frameworks!.frameworks!.length, 1);
    assert.deepEqual((await response(ctx, { type: 'GET_FRAMEWORKS' }, 'guest')).get_frameworks, {});
    assert.deepEqual((await response(ctx, { type: 'GET_TASKS' }, 'guest')).get_tasks, {});
  });

  test('GET_ROLES lists each role with its weight, frameworks and cpus/mem held', async () => {
    const { ctx, sched } = await runningTask();
    const roles = (await response(ctx, { type: 'GET_ROLES' })).get_roles!.roles!;
    const star = roles.find((r) => r.name === '*')!;
    assert.equal(star.weight, 1);
    assert.deepEqual(star.frameworks, [{ value: sched.fw.id }]);
    assert.ok(star.resources!.some((r) => r.name === 'cpus' && r.scalar!.value >= 1));
  });
});

describe('operator calls: weights', () => {
  test('GET_WEIGHTS lists --weights; UPDATE_WEIGHTS changes them and the allocator; bad ones are 400', async () => {
    const { ctx } = harnessContext({ weights: new Map([['prod', 2]]) });
    assert.deepEqual((await response(ctx, { type: 'GET_WEIGHTS' })).get_weights, { weight_infos: [{ role: 'prod', weight: 2 }] });
    const update = (weight_infos: Array<{ role?: string; weight: number }>) =>
      statusOf(ctx, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos } });
    assert.equal((await update([{ role: ' dev ', weight: 0.5 }])).status, 200);
    assert.deepEqual((await response(ctx, { type: 'GET_WEIGHTS' })).get_weights, {
      weight_infos: [
        { role: 'dev', weight: 0.5 },
        { role: 'prod', weight: 2 },
      ],
    });
    assert.equal(ctx.master.allocator.roleSummary().find((r) => r.role === 'dev')?.weight, 0.5);
    assert.deepEqual(await update([{ role: 'x', weight: 0 }]), {
      kind: 'status',
      status: 400,
      text: "Failed to validate update weights request JSON for role 'x': Invalid weight '0': Weights must be positive",
    });
    assert.deepEqual(await update([{ role: '/x', weight: 1 }]), {
      kind: 'status',
      status: 400,
      text: "Failed to validate update weights request JSON: Invalid role '/x': Role '/x' cannot start with a slash",
    });
  });

  test('update_weights refuses with 403; view_roles hides weights', async () => {
    const acls = authorizer({
      update_weights: [{ principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
      view_roles: [{ principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    });
    const { ctx } = harnessContext({ weights: new Map([['prod', 2]]), authorizer: acls });
    assert.equal(
      (await statusOf(ctx, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: 1 }] } }, 'ops')).status,
      403,
    );
    assert.deepEqual((await response(ctx, { type: 'GET_WEIGHTS' }, 'ops')).get_weights, {});
  });
});

describe('operator calls: agents', () => {
  test('DEACTIVATE_AGENT: no more offers, offers taken back; REACTIVATE_AGENT: offered again', async () => {
    const { h, ctx } = harnessContext();
    const sched = h.subscribe();
    const agent = h.register();
    await h.allocation();
    assert.equal(sched.offers().length, 1);
    const id = agent.agent.id;
    assert.equal((await statusOf(ctx, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: id } } })).status, 200);
    assert.ok(
      sched.events.some((e) => e.type === 'RESCIND'),
      'its offer is rescinded',
    );
    assert.equal(agent.agent.active, false);
    const a = (await response(ctx, { type: 'GET_AGENTS' })).get_agents!.agents![0]!;
    assert.equal(a.deactivated, true);
    await h.allocation();
    assert.equal(sched.offers().length, 1, 'no new offer of a deactivated agent');
    assert.equal(ctx.master.offers.size, 0);
    assert.equal((await statusOf(ctx, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } })).status, 200);
    await h.allocation();
    assert.equal(sched.offers().length, 2, 'offered again');
    assert.deepEqual(await statusOf(ctx, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } }), {
      kind: 'status',
      status: 400,
      text: 'Agent is not deactivated',
    });
    assert.deepEqual(await statusOf(ctx, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'nope' } } }), {
      kind: 'status',
      status: 400,
      text: 'Unknown agent',
    });
  });

  test('DRAIN_AGENT kills the tasks with at most max_grace_period, then the agent is DRAINED once they are acknowledged', async () => {
    const { h, ctx, sched, agent } = await runningTask();
    const id = agent.agent.id;
    const drain: Call = { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id }, max_grace_period: { seconds: 2 } } };
    assert.equal((await statusOf(ctx, drain)).status, 200);
    const kill = agent.messages.find((m) => m.type === 'KILL_TASK');
    assert.deepEqual(kill, {
      type: 'KILL_TASK',
      kill_task: { framework_id: sched.fw.id, task_id: 't1', kill_policy: { grace_period: { nanoseconds: 2e9 } } },
    });
    const drainInfo = async () => (await response(ctx, { type: 'GET_AGENTS' })).get_agents!.agents![0]!.drain_info;
    assert.equal((await drainInfo())?.state, 'DRAINING');
    assert.deepEqual(await statusOf(ctx, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } }), {
      kind: 'status',
      status: 400,
      text: 'Agent is still in the DRAINING state',
    });
    const killed = {
      task_id: { value: 't1' },
      state: 'TASK_KILLED' as const,
      uuid: 'AQAAAAAAAAAAAAAAAAAAAA==',
      source: 'SOURCE_EXECUTOR' as const,
    };
    h.master.statusUpdate(agent.agent, sched.fw.id, killed);
    assert.equal((await drainInfo())?.state, 'DRAINING', 'not until the terminal update is acknowledged');
    h.master.acknowledge(sched.fw, id, 't1', killed.uuid);
    assert.equal((await drainInfo())?.state, 'DRAINED');
    assert.equal((await statusOf(ctx, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } })).status, 200);
    assert.equal(await drainInfo(), undefined);
  });

  test('a drain that starts while the agent is away kills its tasks when it re-registers', async () => {
    const { h, ctx, sched, agent } = await runningTask();
    const id = agent.agent.id;
    const t1 = agent.agent.tasks.values().next().value!;
    h.master.agentDisconnected(id, agent.agent.streamId!);
    assert.equal((await statusOf(ctx, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id } } })).status, 200);
    assert.ok(!agent.messages.some((m) => m.type === 'KILL_TASK'), 'nothing reaches an agent that is away');
    const back = h.register({
      agent_id: id,
      pid: agent.agent.pid,
      tasks: [{ framework_id: sched.fw.id, executor_id: '', task: t1.info, state: 'TASK_RUNNING' }],
      frameworks: [{ ...sched.fw.info, id: { value: sched.fw.id } }],
    });
    assert.deepEqual(
      back.messages.filter((m) => m.type === 'KILL_TASK'),
      [{ type: 'KILL_TASK', kill_task: { framework_id: sched.fw.id, task_id: 't1' } }],
    );
    assert.equal(back.agent.active, false, 'a draining agent stays deactivated');
  });

  test('DRAIN_AGENT with mark_gone marks the drained agent gone', async () => {
    const { h, ctx } = harnessContext();
    const agent = h.register();
    const id = agent.agent.id;
    assert.equal((await statusOf(ctx, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id }, mark_gone: true } })).status, 200);
    assert.ok(!ctx.master.agents.has(id), 'without tasks it is drained at once, and gone');
    assert.ok(agent.messages.some((m) => m.type === 'SHUTDOWN'));
    assert.equal(ctx.master.agentRegistrationRefusal(id, undefined), 'Agent has been marked gone');
  });

  test('MARK_AGENT_GONE: tasks TASK_GONE_BY_OPERATOR, agent shut down and refused; unknown 404; again 200', async () => {
    const { ctx, sched, agent } = await runningTask();
    const id = agent.agent.id;
    const gone: Call = { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: id } } };
    assert.equal((await statusOf(ctx, gone)).status, 200);
    assert.equal(sched.updates().at(-1)?.state, 'TASK_GONE_BY_OPERATOR');
    assert.equal(sched.updates().at(-1)?.reason, 'REASON_AGENT_REMOVED_BY_OPERATOR');
    assert.ok(agent.messages.some((m) => m.type === 'SHUTDOWN'));
    assert.ok(!ctx.master.agents.has(id));
    assert.equal(ctx.master.agentRegistrationRefusal(id, undefined), 'Agent has been marked gone');
    assert.equal((await statusOf(ctx, gone)).status, 200, 'already gone');
    assert.deepEqual(await statusOf(ctx, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'nope' } } }), {
      kind: 'status',
      status: 404,
      text: "Agent 'nope' not found",
    });
  });

  test('the agent actions are refused with a bare 403 by their ACLs', async () => {
    const acls = authorizer({
      deactivate_agents: [{ principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
      drain_agents: [{ principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
      mark_agents_gone: [{ principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
      reactivate_agents: [{ principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
    });
    const { h, ctx } = harnessContext({ authorizer: acls });
    const agent_id = { value: h.register().agent.id };
    for (const call of [
      { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id } },
      { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id } },
      { type: 'DRAIN_AGENT', drain_agent: { agent_id } },
      { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id } },
    ] as Call[]) {
      assert.deepEqual(await statusOf(ctx, call, 'ops'), { kind: 'status', status: 403 }, call.type);
    }
    assert.ok(ctx.master.agents.get(agent_id.value)?.active);
  });
});

describe('operator calls: files', () => {
  test('LIST_FILES and READ_FILE over the attached paths; 404 for what is not there; access_mesos_logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'operator-files-'));
    try {
      writeFileSync(join(dir, 'log'), 'hello world');
      const ctx = newContext({
        authorizer: authorizer({ access_mesos_logs: [{ principals: { values: ['ops'] }, logs: { type: 'ANY' } }], permissive: false }),
      });
      ctx.files.attach(dir, '/master');
      const listed = (await response(ctx, { type: 'LIST_FILES', list_files: { path: '/master' } }, 'ops')).list_files!.file_infos!;
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.path, '/master/log');
      assert.equal(listed[0]!.size, 11);
      assert.equal((listed[0]!.mode ?? 0) & 0o170000, 0o100000, 'a regular file');
      const read = (await response(ctx, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 6, length: 3 } }, 'ops')).read_file!;
      assert.deepEqual(read, { size: 11, data: Buffer.from('wor').toString('base64') });
      const rest = (await response(ctx, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 6 } }, 'ops')).read_file!;
      assert.equal(Buffer.from(rest.data, 'base64').toString(), 'world');
      const past = (await response(ctx, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 100 } }, 'ops')).read_file!;
      assert.deepEqual(past, { size: 11, data: '' });
      assert.equal((await statusOf(ctx, { type: 'READ_FILE', read_file: { path: '/master/nope', offset: 0 } }, 'ops')).status, 404);
      assert.equal(
        (await statusOf(ctx, { type: 'READ_FILE', read_file: { path: '/master', offset: 0 } }, 'ops')).text,
        'Cannot read a directory.\n',
      );
      assert.equal((await statusOf(ctx, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 0 } }, 'guest')).status, 403);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('operator API answers gzipped', () => {
  test('a large answer is gzipped for a client that accepts it, and not for one that does not; a small one never', async () => {
    const master = new Master({ ...TEST_MASTER_CONFIG, ip: '127.0.0.1' }, silentLogger());
    // GET_FLAGS answers the flags it is given: one long value makes the answer large.
    const flags = { port: '5050', acls: 'x'.repeat(GZIP_MIN_BYTES) };
    const server = http.createServer(masterRequestListener({ master, flags, buildTime: 0 }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const call = (type: string, encoding?: string) =>
      new Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: (server.address() as AddressInfo).port,
            method: 'POST',
            path: '/api/v1',
            headers: { 'Content-Type': 'application/json', ...(encoding ? { 'Accept-Encoding': encoding } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ encoding: res.headers['content-encoding'], vary: res.headers.vary, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ type }));
      });
    try {
      const zipped = await call('GET_FLAGS', 'gzip, deflate');
      assert.equal(zipped.encoding, 'gzip');
      assert.equal(zipped.vary, 'Accept-Encoding');
      assert.ok(zipped.body.length < GZIP_MIN_BYTES / 10, `${zipped.body.length} bytes`);
      const unzipped = JSON.parse(gunzipSync(zipped.body).toString()) as mesos.v1.master.Response;
      assert.equal(unzipped.get_flags?.flags?.find((f) => f.name === 'acls')?.value, flags.acls);
      const plain = await call('GET_FLAGS');
      assert.equal(plain.encoding, undefined);
      assert.deepEqual(JSON.parse(plain.body.toString()), unzipped);
      const small = await call('GET_HEALTH', 'gzip');
      assert.equal(small.encoding, undefined);
      assert.deepEqual(JSON.parse(small.body.toString()), { type: 'GET_HEALTH', get_health: { healthy: true } });
    } finally {
      master.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('operator API on a master that does not lead', () => {
  test('POST /api/v1 answers 307 to the leader, 503 with no leader or while recovering', async () => {
    let leader: mesos.v1.MasterInfo | undefined = { id: 'm1', ip: 0, port: 5051, hostname: 'm1.example.com' };
    let recovering = false;
    const server = http.createServer(
      followerRequestListener({ flags: {}, buildTime: 0, startTime: Date.now(), leader: () => leader, recovering: () => recovering }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const post = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"type":"GET_HEALTH"}',
        redirect: 'manual',
      });
      return { status: res.status, location: res.headers.get('location'), text: await res.text() };
    };
    try {
      assert.deepEqual(await post('/api/v1'), { status: 307, location: '//m1.example.com:5051/api/v1', text: '' });
      assert.equal((await post('/master/api/v1')).location, '//m1.example.com:5051/master/api/v1');
      leader = undefined;
      assert.deepEqual(await post('/api/v1'), { status: 503, location: null, text: 'No leader elected' });
      recovering = true;
      assert.deepEqual(await post('/api/v1'), { status: 503, location: null, text: 'Master has not finished recovery' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('operator API behind authentication and ACLs', () => {
  test('the read-write realm asks for credentials; the principal is what the ACLs check', async () => {
    const acls = authorizer({ set_log_level: [{ principals: { values: ['ops'] }, level: { type: 'ANY' } }], permissive: false });
    const master = new Master({ ...TEST_MASTER_CONFIG, ip: '127.0.0.1', authorizer: acls }, silentLogger());
    const auth = {
      realms: new Set(['readwrite'] as const),
      realmOf,
      realmNames: REALM_NAMES,
      authenticator: new BasicAuthenticator([
        { principal: 'ops', secret: 's' },
        { principal: 'dev', secret: 'd' },
      ]),
    };
    const server = http.createServer(masterRequestListener({ master, flags: {}, buildTime: 0 }, auth));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const post = async (credentials?: string) => {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(credentials ? { Authorization: credentials } : {}),
        },
        body: JSON.stringify({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 0, duration: { nanoseconds: 1e9 } } }),
      });
      await res.arrayBuffer();
      return { status: res.status, challenge: res.headers.get('www-authenticate') };
    };
    try {
      assert.deepEqual(await post(), { status: 401, challenge: 'Basic realm="mesos-master-readwrite"' });
      assert.equal((await post(basicAuthorization('dev', 'd'))).status, 403);
      assert.equal((await post(basicAuthorization('ops', 's'))).status, 200);
    } finally {
      master.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
