// The agent's v1 operator API (POST /api/v1 on the agent) against a real master and agent: every
// call it serves in JSON, the state calls and KILL_CONTAINER in protobuf too (through the codec),
// Mesos's transport errors, 501 for the calls it does not have, and KILL_CONTAINER of a running
// task's container ending the task TASK_KILLED at its scheduler (`mesos execute`).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { mesos } from '../../daemons/common/mesos.ts';
import { decode, encode } from '../../daemons/common/proto/codec.ts';
import { type Daemon, sleep, spawnMesos, startCluster, waitFor } from '../helpers/cluster.ts';

type Call = mesos.v1.agent.Call;
type Response = mesos.v1.agent.Response;

let cluster: Awaited<ReturnType<typeof startCluster>>;
let agent: Daemon;
let execute: ChildProcess;
let executeOut = '';
let executeExited: Promise<number | null>;

before(async () => {
  cluster = await startCluster();
  agent = cluster.agent;
  execute = spawnMesos([
    'execute',
    `--master=127.0.0.1:${cluster.master.port}`,
    '--name=victim',
    // USR1 is noted and survived, so a signal that does not end the task can be seen to be sent alone.
    "--command=trap 'echo usr1' USR1; echo started; while :; do sleep 0.2; done",
    '--resources=cpus:0.1;mem:32',
  ]);
  execute.stdout?.on('data', (d: Buffer) => {
    executeOut += d.toString();
  });
  execute.stderr?.on('data', (d: Buffer) => {
    executeOut += d.toString();
  });
  executeExited = new Promise((r) => execute.once('exit', (code) => r(code)));
  await waitFor('the task to run', async () => (await launched()).some((t) => t.name === 'victim' && t.state === 'TASK_RUNNING'), 60_000);
});
after(async () => {
  if (execute.exitCode === null) execute.kill('SIGINT');
  await executeExited;
  await cluster?.stop();
});

async function post(body: string | Uint8Array, headers: Record<string, string>, p = '/api/v1'): Promise<globalThis.Response> {
  return await fetch(`${agent.url}${p}`, { method: 'POST', headers, body });
}

/** A call in JSON; the status and the parsed Response (or text). */
async function json(call: Call, p = '/api/v1'): Promise<{ status: number; response?: Response; text: string; type: string | null }> {
  const res = await post(JSON.stringify(call), { 'Content-Type': 'application/json', Accept: 'application/json' }, p);
  const text = await res.text();
  const type = res.headers.get('content-type');
  return res.status === 200 && text !== ''
    ? { status: res.status, response: JSON.parse(text) as Response, text, type }
    : { status: res.status, text, type };
}

/** A call in protobuf, decoded with the codec. */
async function protobuf(call: Call): Promise<{ status: number; response?: Response; text: string }> {
  const res = await post(encode('mesos.v1.agent.Call', call), {
    'Content-Type': 'application/x-protobuf',
    Accept: 'application/x-protobuf',
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200 || bytes.length === 0) return { status: res.status, text: Buffer.from(bytes).toString() };
  assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
  return { status: res.status, response: decode('mesos.v1.agent.Response', bytes), text: '' };
}

async function ok(call: Call): Promise<Response> {
  const r = await json(call);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.type, 'application/json');
  assert.equal(r.response?.type, call.type);
  return r.response!;
}

async function launched(): Promise<mesos.v1.Task[]> {
  return (await ok({ type: 'GET_TASKS' })).get_tasks?.launched_tasks ?? [];
}

async function victimSandbox(): Promise<string> {
  type State = { frameworks: { executors: { id: string; directory: string }[] }[] };
  const state = await agent.json<State>('/state');
  const ex = state.frameworks.flatMap((f) => f.executors).find((e) => e.id === 'victim');
  assert.ok(ex, 'the victim executor in /state');
  return ex.directory;
}

describe('every call in JSON', () => {
  test('GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS', async () => {
    assert.deepEqual((await ok({ type: 'GET_HEALTH' })).get_health, { healthy: true });
    const flags = new Map((await ok({ type: 'GET_FLAGS' })).get_flags!.flags!.map((f) => [f.name, f.value]));
    assert.equal(flags.get('port'), String(agent.port));
    assert.equal(flags.get('work_dir'), agent.workDir);
    const version = (await ok({ type: 'GET_VERSION' })).get_version!.version_info;
    assert.equal(version.version, (await agent.json<{ version: string }>('/version')).version);
    const metrics = new Map((await ok({ type: 'GET_METRICS', get_metrics: {} })).get_metrics!.metrics!.map((m) => [m.name, m.value]));
    assert.equal(metrics.get('slave/tasks_running'), 1);
    assert.equal(metrics.get('slave/registered'), 1);
  });

  test('SET_LOGGING_LEVEL then GET_LOGGING_LEVEL; it reverts after its duration', async () => {
    assert.deepEqual((await ok({ type: 'GET_LOGGING_LEVEL' })).get_logging_level, { level: 0 });
    const set = await json({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1e9 } } });
    assert.deepEqual([set.status, set.text], [200, '']);
    assert.deepEqual((await ok({ type: 'GET_LOGGING_LEVEL' })).get_logging_level, { level: 1 });
    await waitFor('the level to revert', async () => (await ok({ type: 'GET_LOGGING_LEVEL' })).get_logging_level?.level === 0, 10_000);
  });

  test("LIST_FILES and READ_FILE over the task's sandbox, as /files", async () => {
    const dir = await victimSandbox();
    const listed = (await ok({ type: 'LIST_FILES', list_files: { path: dir } })).list_files!.file_infos!;
    const names = listed.map((f) => path.basename(f.path));
    assert.ok(names.includes('stdout') && names.includes('stderr'), names.join(' '));
    const file = path.join(dir, 'stdout');
    await waitFor('the task to write', async () => {
      const read = (await ok({ type: 'READ_FILE', read_file: { path: file, offset: 0 } })).read_file!;
      return Buffer.from(read.data, 'base64').toString().includes('started');
    });
    const part = (await ok({ type: 'READ_FILE', read_file: { path: file, offset: 1, length: 4 } })).read_file!;
    assert.equal(Buffer.from(part.data, 'base64').toString(), 'tart');
    const outside = await json({ type: 'READ_FILE', read_file: { path: `${dir}${'/..'.repeat(30)}/etc/passwd`, offset: 0 } });
    assert.equal(outside.status, 400, outside.text);
    assert.equal((await json({ type: 'LIST_FILES', list_files: { path: '/not/attached' } })).status, 404);
  });

  test('GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS, GET_AGENT, GET_CONTAINERS', async () => {
    const agentId = (await agent.json<{ id: string }>('/state')).id;
    const frameworks = (await ok({ type: 'GET_FRAMEWORKS' })).get_frameworks!;
    assert.equal(frameworks.frameworks?.length, 1);
    const fwId = frameworks.frameworks![0]!.framework_info.id!.value;
    const executors = (await ok({ type: 'GET_EXECUTORS' })).get_executors!;
    assert.deepEqual(
      executors.executors?.map((e) => e.executor_info.executor_id.value),
      ['victim'],
    );
    const tasks = (await ok({ type: 'GET_TASKS' })).get_tasks!;
    const victim = tasks.launched_tasks?.find((t) => t.name === 'victim');
    assert.ok(victim);
    assert.deepEqual([victim.agent_id.value, victim.framework_id.value, victim.state], [agentId, fwId, 'TASK_RUNNING']);
    assert.ok(victim.statuses?.some((s) => s.state === 'TASK_RUNNING'));
    const state = (await ok({ type: 'GET_STATE' })).get_state!;
    assert.deepEqual(state.get_frameworks, frameworks);
    assert.deepEqual(state.get_executors, executors);
    assert.deepEqual(
      state.get_tasks?.launched_tasks?.map((t) => t.task_id.value),
      tasks.launched_tasks?.map((t) => t.task_id.value),
    );
    const info = (await ok({ type: 'GET_AGENT' })).get_agent!.agent_info!;
    assert.deepEqual([info.id?.value, info.port], [agentId, agent.port]);
    const containers = (await ok({ type: 'GET_CONTAINERS' })).get_containers!.containers!;
    const listed = await agent.json<{ container_id: string; executor_id: string }[]>('/containers');
    assert.deepEqual(
      containers.map((c) => [c.container_id.value, c.executor_id?.value]),
      listed.map((c) => [c.container_id, c.executor_id]),
    );
    assert.ok(containers[0]?.resource_statistics?.timestamp, 'the running container has statistics');
  });

  test('the same API under /slave(1)/api/v1, where Mesos routes it too', async () => {
    const r = await json({ type: 'GET_HEALTH' }, '/slave(1)/api/v1');
    assert.equal(r.status, 200, r.text);
  });
});

describe('protobuf', () => {
  test('GET_STATE, GET_CONTAINERS, GET_AGENT and READ_FILE decode with the codec and match JSON', async () => {
    for (const type of ['GET_STATE', 'GET_CONTAINERS', 'GET_AGENT', 'GET_FRAMEWORKS'] as const) {
      const r = await protobuf({ type });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.response?.type, type);
    }
    const pb = (await protobuf({ type: 'GET_FRAMEWORKS' })).response!.get_frameworks;
    assert.deepEqual(pb, (await ok({ type: 'GET_FRAMEWORKS' })).get_frameworks);
    const file = path.join(await victimSandbox(), 'stdout');
    const read = (await protobuf({ type: 'READ_FILE', read_file: { path: file, offset: 0, length: 7 } })).response!.read_file!;
    assert.equal(Buffer.from(read.data, 'base64').toString(), 'started');
  });
});

describe('errors', () => {
  test("Mesos's transport errors: 405, 400 without a type, 415 for another media type, 400 on a body that is not a Call", async () => {
    const get = await fetch(`${agent.url}/api/v1`);
    assert.equal(get.status, 405);
    const noType = await json({});
    assert.deepEqual([noType.status, noType.text], [400, "Failed to validate agent::Call: Expecting 'type' to be present"]);
    const media = await post('{}', { 'Content-Type': 'text/plain' });
    assert.equal(media.status, 415);
    assert.match(await media.text(), /Expecting 'Content-Type' of application\/json or application\/x-protobuf/);
    const junk = await post('{not json', { 'Content-Type': 'application/json' });
    assert.equal(junk.status, 400);
    assert.match(await junk.text(), /^Failed to parse body into JSON/);
  });

  test('KILL_CONTAINER of an unknown container is 404', async () => {
    const r = await json({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'no-such-container' } } });
    assert.deepEqual([r.status, r.text], [404, "Container 'no-such-container' cannot be found (or is already killed)"]);
    const pb = await protobuf({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'no-such-container' } } });
    assert.equal(pb.status, 404);
  });

  test('the calls this agent does not have answer 501 naming the call', async () => {
    const id = { value: 'c', parent: { value: 'p' } };
    for (const call of [
      { type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: id } },
      { type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: id } },
      { type: 'WAIT_CONTAINER', wait_container: { container_id: id } },
      { type: 'GET_RESOURCE_PROVIDERS' },
      { type: 'GET_OPERATIONS' },
      { type: 'PRUNE_IMAGES', prune_images: {} },
    ] as Call[]) {
      const r = await json(call);
      assert.equal(r.status, 501, `${call.type}: ${r.text}`);
      assert.match(r.text, new RegExp(`^${call.type} is not implemented by this agent: `));
    }
  });
});

describe('KILL_CONTAINER', () => {
  test("of a running task's container: a given signal goes alone; by default SIGKILL, and the scheduler gets TASK_KILLED", async () => {
    const containers = (await protobuf({ type: 'GET_CONTAINERS' })).response!.get_containers!.containers!;
    const victim = containers.find((c) => c.executor_id?.value === 'victim');
    assert.ok(victim, 'the victim container');
    const usr1 = await json({
      type: 'KILL_CONTAINER',
      kill_container: { container_id: victim.container_id, signal: constants.signals.SIGUSR1 },
    });
    assert.equal(usr1.status, 200, usr1.text);
    const stdout = path.join(await victimSandbox(), 'stdout');
    await waitFor('the task to note USR1', async () => {
      const read = (await ok({ type: 'READ_FILE', read_file: { path: stdout, offset: 0 } })).read_file!;
      return Buffer.from(read.data, 'base64').toString().includes('usr1');
    });
    await sleep(500);
    assert.equal((await launched()).find((t) => t.name === 'victim')?.state, 'TASK_RUNNING', 'no SIGKILL followed USR1');
    const kill = await protobuf({ type: 'KILL_CONTAINER', kill_container: { container_id: victim.container_id } });
    assert.deepEqual([kill.status, kill.text], [200, '']);
    const code = await executeExited;
    assert.match(executeOut, /Received status update TASK_KILLED for task 'victim'/, executeOut);
    assert.equal(code, 1, executeOut);
    const again = await json({ type: 'KILL_CONTAINER', kill_container: { container_id: victim.container_id } });
    assert.equal(again.status, 404, 'a killed container is gone');
  });
});
