// The master's v1 operator API (POST /api/v1) against a real master and two agents of the bundle:
// every call it serves in JSON (each answer checked against master.proto's Response), a
// representative set in protobuf (the Call encoded, the Response decoded with the codec), the
// transport's errors, the 501s, and what the agent calls do to a running cluster: DRAIN_AGENT
// kills the tasks and the agent ends DRAINED, MARK_AGENT_GONE removes an agent for good.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { mesos } from '../../daemons/common/mesos.ts';
import { decode, encode, fromJson } from '../../daemons/common/proto/codec.ts';
import { type Daemon, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { UNSERVED_OPERATOR_CALLS } from '../helpers/operator-calls.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

type Call = mesos.v1.master.Call;
type Response = mesos.v1.master.Response;

let master: Daemon;
let agent1: Daemon;
let agent2: Daemon;
let scheduler: TestScheduler;
let frameworkId: string;

before(async () => {
  master = await startMaster(['--weights=prod=2', `--log_dir=${tempDir('operator-log')}`]);
  agent1 = await startAgent(master);
  agent2 = await startAgent(master);
  scheduler = new TestScheduler(master.port);
  frameworkId = await scheduler.subscribe({ name: 'operator-fw', capabilities: [{ type: 'PARTITION_AWARE' }] });
});
after(async () => {
  scheduler?.close();
  await agent1?.stop();
  await agent2?.stop();
  await master?.stop();
});

interface Answer {
  status: number;
  type: string | null;
  body: Buffer;
}

async function post(body: string | Uint8Array, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${master.url}/api/v1`, { method: 'POST', headers, body });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

/** A call in JSON; its 200 answer parsed and checked against the Response schema. */
async function json(call: Call): Promise<Response> {
  const r = await post(JSON.stringify(call), { 'Content-Type': 'application/json' });
  assert.equal(r.status, 200, `${call.type}: ${r.body.toString()}`);
  assert.equal(r.type, 'application/json');
  const parsed = fromJson('mesos.v1.master.Response', JSON.parse(r.body.toString()));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.equal(parsed.value.type, call.type);
  return parsed.value;
}

/** A call in JSON answered with a status and no Response. */
async function jsonStatus(call: Call): Promise<{ status: number; text: string }> {
  const r = await post(JSON.stringify(call), { 'Content-Type': 'application/json' });
  return { status: r.status, text: r.body.toString() };
}

/** A call in protobuf, answered in protobuf. */
async function proto(call: Call): Promise<{ status: number; response?: Response; text: string }> {
  const r = await post(encode('mesos.v1.master.Call', call), {
    'Content-Type': 'application/x-protobuf',
    Accept: 'application/x-protobuf',
  });
  if (r.status !== 200 || r.body.length === 0) return { status: r.status, text: r.body.toString() };
  assert.equal(r.type, 'application/x-protobuf');
  return { status: r.status, response: decode('mesos.v1.master.Response', r.body), text: '' };
}

async function agentId(d: Daemon): Promise<string> {
  return (await d.json<{ id: string }>('/state')).id;
}

describe('the master itself', () => {
  test('GET_HEALTH, GET_VERSION, GET_MASTER, GET_FLAGS, GET_METRICS', async () => {
    assert.deepEqual((await json({ type: 'GET_HEALTH' })).get_health, { healthy: true });
    assert.equal((await json({ type: 'GET_VERSION' })).get_version?.version_info.version, '1.11.0');
    const m = (await json({ type: 'GET_MASTER' })).get_master!;
    assert.equal(m.master_info?.port, master.port);
    assert.ok((m.start_time ?? 0) > 0 && (m.elected_time ?? 0) >= (m.start_time ?? 0));
    const flags = (await json({ type: 'GET_FLAGS' })).get_flags!.flags!;
    assert.equal(flags.find((f) => f.name === 'port')?.value, String(master.port));
    assert.equal(flags.find((f) => f.name === 'weights')?.value, 'prod=2');
    const metrics = (await json({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1e9 } } })).get_metrics!.metrics!;
    assert.equal(metrics.find((x) => x.name === 'master/slaves_active')?.value, 2);
  });

  test('GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, which reverts after its duration', async () => {
    assert.equal((await json({ type: 'GET_LOGGING_LEVEL' })).get_logging_level?.level, 0);
    const set = await jsonStatus({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1e9 } } });
    assert.equal(set.status, 200);
    assert.equal((await json({ type: 'GET_LOGGING_LEVEL' })).get_logging_level?.level, 1);
    await waitFor('the level reverts', async () => (await json({ type: 'GET_LOGGING_LEVEL' })).get_logging_level?.level === 0, 5000);
  });

  test('LIST_FILES and READ_FILE read the master log (/master/log)', async () => {
    const listed = (await json({ type: 'LIST_FILES', list_files: { path: '/master/log' } })).list_files;
    assert.deepEqual(listed, {}, 'a file lists nothing, as /files/browse');
    const read = (await json({ type: 'READ_FILE', read_file: { path: '/master/log', offset: 0, length: 4096 } })).read_file!;
    assert.ok(read.size > 0);
    assert.match(Buffer.from(read.data, 'base64').toString(), /Processing call GET_HEALTH|mesos-master|Master/);
    assert.equal((await jsonStatus({ type: 'READ_FILE', read_file: { path: '/nope', offset: 0 } })).status, 404);
    const viaProto = await proto({ type: 'READ_FILE', read_file: { path: '/master/log', offset: 0, length: 10 } });
    assert.equal(Buffer.from(viaProto.response!.read_file!.data, 'base64').length, 10);
  });
});

describe('the cluster state', () => {
  test('GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS, GET_EXECUTORS, GET_OPERATIONS, GET_ROLES in JSON and protobuf', async () => {
    const id1 = await agentId(agent1);
    await scheduler.launch((offer) => [task('op-sleep', offer, 'sleep 300')], { agentId: id1 });
    await scheduler.waitState('op-sleep', 'TASK_RUNNING');
    const state = (await json({ type: 'GET_STATE' })).get_state!;
    const t = state.get_tasks!.tasks!.find((x) => x.task_id.value === 'op-sleep')!;
    assert.equal(t.agent_id.value, id1);
    assert.equal(t.framework_id.value, frameworkId);
    assert.equal(t.state, 'TASK_RUNNING');
    assert.equal(state.get_agents!.agents!.length, 2);
    assert.equal(state.get_frameworks!.frameworks![0]!.framework_info.id?.value, frameworkId);
    const viaProto = (await proto({ type: 'GET_STATE' })).response!.get_state!;
    assert.deepEqual(
      viaProto.get_tasks!.tasks!.map((x) => x.task_id.value),
      state.get_tasks!.tasks!.map((x) => x.task_id.value),
    );
    const agents = (await json({ type: 'GET_AGENTS' })).get_agents!.agents!;
    assert.deepEqual(agents.map((a) => a.agent_info.id?.value).sort(), [id1, await agentId(agent2)].sort());
    assert.equal((await proto({ type: 'GET_AGENTS' })).response!.get_agents!.agents!.length, 2);
    assert.equal((await json({ type: 'GET_FRAMEWORKS' })).get_frameworks!.frameworks!.length, 1);
    assert.ok((await json({ type: 'GET_TASKS' })).get_tasks!.tasks!.some((x) => x.task_id.value === 'op-sleep'));
    assert.ok((await proto({ type: 'GET_TASKS' })).response!.get_tasks!.tasks!.some((x) => x.task_id.value === 'op-sleep'));
    assert.deepEqual((await json({ type: 'GET_EXECUTORS' })).get_executors, {});
    assert.deepEqual((await json({ type: 'GET_OPERATIONS' })).get_operations, {});
    const roles = (await json({ type: 'GET_ROLES' })).get_roles!.roles!;
    assert.deepEqual(roles.find((r) => r.name === '*')?.frameworks, [{ value: frameworkId }]);
  });

  test('GET_WEIGHTS and UPDATE_WEIGHTS', async () => {
    assert.deepEqual((await json({ type: 'GET_WEIGHTS' })).get_weights, { weight_infos: [{ role: 'prod', weight: 2 }] });
    assert.equal(
      (await jsonStatus({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'dev', weight: 3 }] } })).status,
      200,
    );
    assert.deepEqual((await proto({ type: 'GET_WEIGHTS' })).response!.get_weights, {
      weight_infos: [
        { role: 'dev', weight: 3 },
        { role: 'prod', weight: 2 },
      ],
    });
    assert.equal(
      (await jsonStatus({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'dev', weight: -1 }] } })).status,
      400,
    );
  });

  test('GET_MAINTENANCE_SCHEDULE is the empty schedule', async () => {
    assert.deepEqual((await json({ type: 'GET_MAINTENANCE_SCHEDULE' })).get_maintenance_schedule, { schedule: {} });
  });
});

describe('agents', () => {
  test('DEACTIVATE_AGENT and REACTIVATE_AGENT (protobuf): deactivated agents are not offered', async () => {
    const id2 = await agentId(agent2);
    assert.equal((await proto({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: id2 } } })).status, 200);
    const a = (await json({ type: 'GET_AGENTS' })).get_agents!.agents!.find((x) => x.agent_info.id?.value === id2)!;
    assert.equal(a.deactivated, true);
    assert.equal(a.active, false);
    const summary = await master.json<{ slaves: Array<{ id: string; deactivated: boolean }> }>('/master/state');
    assert.equal(summary.slaves.find((s) => s.id === id2)?.deactivated, true);
    const offered = scheduler.offers().length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(
      !scheduler
        .offers()
        .slice(offered)
        .some((o) => o.agent_id.value === id2),
      'no offer of the deactivated agent',
    );
    assert.equal((await proto({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id2 } } })).status, 200);
    await waitFor('an offer of the reactivated agent', () =>
      scheduler
        .offers()
        .slice(offered)
        .some((o) => o.agent_id.value === id2),
    );
  });

  test('DRAIN_AGENT kills the tasks; the agent is DRAINED once their updates are acknowledged, then REACTIVATE_AGENT', async () => {
    const id1 = await agentId(agent1);
    const drain = await jsonStatus({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id1 }, max_grace_period: { seconds: 1 } } });
    assert.equal(drain.status, 200, drain.text);
    await scheduler.waitState('op-sleep', 'TASK_KILLED');
    await waitFor('DRAINED', async () => {
      const a = (await json({ type: 'GET_AGENTS' })).get_agents!.agents!.find((x) => x.agent_info.id?.value === id1);
      return a?.drain_info?.state === 'DRAINED';
    });
    assert.equal((await jsonStatus({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id1 } } })).status, 200);
  });

  test('MARK_AGENT_GONE removes the agent for good', async () => {
    const id2 = await agentId(agent2);
    assert.equal((await jsonStatus({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: id2 } } })).status, 200);
    const agents = (await json({ type: 'GET_AGENTS' })).get_agents!.agents!;
    assert.ok(!agents.some((a) => a.agent_info.id?.value === id2));
    assert.deepEqual(await jsonStatus({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'no-such-agent' } } }), {
      status: 404,
      text: "Agent 'no-such-agent' not found",
    });
    assert.deepEqual(await jsonStatus({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'no-such-agent' } } }), {
      status: 400,
      text: 'Unknown agent',
    });
  });

  test('TEARDOWN removes the framework', async () => {
    assert.deepEqual(await jsonStatus({ type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } }), {
      status: 400,
      text: 'No framework found with specified ID',
    });
    assert.equal((await jsonStatus({ type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } })).status, 200);
    const frameworks = (await json({ type: 'GET_FRAMEWORKS' })).get_frameworks!;
    assert.equal(frameworks.frameworks, undefined);
    assert.equal(frameworks.completed_frameworks?.[0]?.framework_info.id?.value, frameworkId);
  });
});

describe('errors and what this master does not do', () => {
  test('missing type 400, wrong media 415, unacceptable 406, bad protobuf 400', async () => {
    assert.deepEqual(await post('{}', { 'Content-Type': 'application/json' }).then((r) => [r.status, r.body.toString()]), [
      400,
      "Failed to validate master::Call: Expecting 'type' to be present",
    ]);
    assert.equal((await post('{"type":"GET_HEALTH"}', { 'Content-Type': 'text/xml' })).status, 415);
    assert.equal((await post('{"type":"GET_HEALTH"}', { 'Content-Type': 'application/json', Accept: 'text/html' })).status, 406);
    assert.equal((await post(Buffer.from([0x08, 0xff]), { 'Content-Type': 'application/x-protobuf' })).status, 400);
  });

  test('reservation, volume, quota and maintenance calls answer 501', async () => {
    const calls: Call[] = [...UNSERVED_OPERATOR_CALLS];
    for (const call of calls) {
      const r = await jsonStatus(call);
      assert.equal(r.status, 501, call.type);
      assert.match(r.text, new RegExp(`^${call.type} is not implemented by this master: `));
    }
    assert.equal((await proto({ type: 'GET_QUOTA' })).status, 501);
  });
});
