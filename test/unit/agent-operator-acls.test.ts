// The agent's v1 operator calls under --acls, without sockets: each call allowed and refused (a
// bare 403) or filtered as Mesos's agent authorizes it, over an agent with a fake containerizer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { ResourceMonitor, monitoredExecutors } from '../../daemons/agent/monitor/monitor.ts';
import { type AgentOperatorContext, type Answer, dispatchAgentCall } from '../../daemons/agent/operator-calls.ts';
import { parseAcls } from '../../daemons/common/authorizer/acls.ts';
import { LocalAuthorizer } from '../../daemons/common/authorizer/local.ts';
import { AttachedPaths } from '../../daemons/common/files.ts';
import { LogVerbosity } from '../../daemons/common/log-verbosity.ts';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, mesos } from '../../daemons/common/mesos.ts';
import { agentHarness } from './agent-harness.ts';

type Call = mesos.v1.agent.Call;
type Response = mesos.v1.agent.Response;

const ALICE: FrameworkInfo = { id: { value: 'fw-a' }, name: 'a', user: 'alice', checkpoint: true };
const BOB: FrameworkInfo = { id: { value: 'fw-b' }, name: 'b', user: 'bob', checkpoint: true };

function task(id: string, agentFw: FrameworkInfo): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'agent-1' },
    command: { value: 'sleep 1', user: agentFw.user! },
    resources: [],
  };
}

const GROUP: ExecutorInfo = { executor_id: { value: 'gx' }, framework_id: { value: 'fw-a' }, type: 'DEFAULT', resources: [] };

const contexts: AgentOperatorContext[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of contexts.splice(0)) c.logVerbosity.stop();
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function authorizer(json: unknown): LocalAuthorizer {
  const parsed = parseAcls(json);
  if (!parsed.ok) throw new Error(parsed.error);
  return new LocalAuthorizer(parsed.value);
}

/** An agent with alice's command task `ta` and bob's `tb`, and the operator context over it under `acls`. */
async function agentWith(acls: unknown) {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'agent-operator-acls-'));
  dirs.push(workDir);
  const h = agentHarness({}, workDir);
  const monitor = new ResourceMonitor({
    executors: () => monitoredExecutors(h.agent.frameworks.values()),
    pids: async () => new Map(),
    scan: async () => [],
    system: async () => ({ pageSize: 4096, ticksPerSecond: 100 }),
  });
  await h.agent.runTask(ALICE, task('ta', ALICE));
  await h.agent.runTask(BOB, task('tb', BOB));
  const slavesDir = path.join(realpathSync(workDir), 'slaves');
  mkdirSync(slavesDir, { recursive: true });
  const ctx: AgentOperatorContext = {
    agent: h.agent,
    flags: { acls: 'x' },
    buildTime: 0,
    files: new AttachedPaths(),
    logVerbosity: new LogVerbosity(h.agent.log),
    monitor,
    access: { authorizer: authorizer(acls), slavesDir },
  };
  contexts.push(ctx);
  return { h, ctx, slavesDir };
}

async function answer(ctx: AgentOperatorContext, call: Call, principal: string | undefined): Promise<Answer> {
  return await dispatchAgentCall(ctx, call, principal);
}

async function statusOf(ctx: AgentOperatorContext, call: Call, principal: string | undefined): Promise<number> {
  const a = await answer(ctx, call, principal);
  return a.kind === 'status' ? a.status : 200;
}

async function responseOf(ctx: AgentOperatorContext, call: Call, principal: string | undefined): Promise<Response> {
  const a = await answer(ctx, call, principal);
  assert.equal(a.kind, 'response', `expected a Response, got ${JSON.stringify(a)}`);
  return (a as { response: Response }).response;
}

/** Rules letting `ops` (only) take an action whose object field is `object`. */
const ops = (object: string) => [
  { principals: { values: ['ops'] }, [object]: { type: 'ANY' } },
  { principals: { type: 'ANY' }, [object]: { type: 'NONE' } },
];

describe('agent operator calls under --acls: the agent itself', () => {
  test('GET_FLAGS needs view_flags, SET_LOGGING_LEVEL set_log_level; a refusal is a bare 403', async () => {
    const { ctx } = await agentWith({ view_flags: ops('flags'), set_log_level: ops('level') });
    assert.equal(await statusOf(ctx, { type: 'GET_FLAGS' }, 'ops'), 200);
    assert.deepEqual(await answer(ctx, { type: 'GET_FLAGS' }, 'dev'), { kind: 'status', status: 403 });
    assert.equal(await statusOf(ctx, { type: 'GET_FLAGS' }, undefined), 403);
    const set: Call = { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 60e9 } } };
    assert.deepEqual(await answer(ctx, set, 'dev'), { kind: 'status', status: 403 });
    assert.equal(ctx.logVerbosity.level, 0, 'a refused call changes nothing');
    assert.equal(await statusOf(ctx, set, 'ops'), 200);
    assert.equal(ctx.logVerbosity.level, 2);
  });

  test('GET_HEALTH, GET_VERSION, GET_METRICS, GET_LOGGING_LEVEL and GET_AGENT need no action', async () => {
    const none = { type: 'NONE' };
    const { ctx } = await agentWith({
      permissive: false,
      view_flags: [{ principals: { type: 'ANY' }, flags: none }],
      set_log_level: [{ principals: { type: 'ANY' }, level: none }],
    });
    for (const type of ['GET_HEALTH', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'GET_AGENT'] as const) {
      assert.equal((await answer(ctx, { type }, 'dev')).kind, 'response', type);
    }
  });
});

describe('agent operator calls under --acls: files', () => {
  test("LIST_FILES and READ_FILE of a sandbox need access_sandboxes for its executor's user; the log access_mesos_logs", async () => {
    const { h, ctx, slavesDir } = await agentWith({
      access_sandboxes: [
        { principals: { values: ['alice'] }, users: { values: ['alice'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
      access_mesos_logs: [
        { principals: { values: ['ops'] }, logs: { type: 'ANY' } },
        { principals: { type: 'ANY' }, logs: { type: 'NONE' } },
      ],
    });
    for (const [fw, id] of [
      ['fw-a', 'ta'],
      ['fw-b', 'tb'],
    ] as const) {
      const run = h.agent.frameworks.get(fw)!.executors.get(id)!;
      const dir = path.join(slavesDir, 'A', 'frameworks', fw, 'executors', id, 'runs', 'latest');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'stdout'), `${id} out\n`);
      ctx.files.attach(dir, `/sandbox/${run.id}`);
    }
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'agent-operator-acls-log-'));
    dirs.push(logDir);
    writeFileSync(path.join(logDir, 'mesos-agent.log'), 'log line\n');
    ctx.files.attach(path.join(logDir, 'mesos-agent.log'), '/slave/log');

    const read = (p: string): Call => ({ type: 'READ_FILE', read_file: { path: p, offset: 0 } });
    const list = (p: string): Call => ({ type: 'LIST_FILES', list_files: { path: p } });
    const mine = await responseOf(ctx, read('/sandbox/ta/stdout'), 'alice');
    assert.equal(Buffer.from(mine.read_file!.data, 'base64').toString(), 'ta out\n');
    assert.equal(await statusOf(ctx, read('/sandbox/tb/stdout'), 'alice'), 403);
    assert.equal(await statusOf(ctx, list('/sandbox/ta'), 'alice'), 200);
    assert.equal(await statusOf(ctx, list('/sandbox/tb'), 'alice'), 403);
    assert.equal(await statusOf(ctx, read('/slave/log'), 'alice'), 403);
    assert.equal(await statusOf(ctx, read('/slave/log'), 'ops'), 200);
    assert.equal(await statusOf(ctx, list('/sandbox/ta'), 'ops'), 403, 'access_mesos_logs grants no sandbox');
  });
});

describe('agent operator calls under --acls: frameworks, executors, tasks, containers', () => {
  const viewAcls = {
    view_frameworks: [
      { principals: { values: ['alice'] }, users: { values: ['alice'] } },
      { principals: { values: ['ops'] }, users: { type: 'ANY' } },
      { principals: { type: 'ANY' }, users: { type: 'NONE' } },
    ],
    view_executors: [
      { principals: { values: ['alice', 'ops'] }, users: { type: 'ANY' } },
      { principals: { type: 'ANY' }, users: { type: 'NONE' } },
    ],
    view_tasks: [
      { principals: { values: ['alice'] }, users: { values: ['alice'] } },
      { principals: { values: ['ops'] }, users: { type: 'ANY' } },
      { principals: { type: 'ANY' }, users: { type: 'NONE' } },
    ],
    view_containers: [
      { principals: { values: ['alice'] }, users: { values: ['alice'] } },
      { principals: { values: ['ops'] }, users: { type: 'ANY' } },
      { principals: { type: 'ANY' }, users: { type: 'NONE' } },
    ],
  };
  const ids = (list: { framework_info?: FrameworkInfo; executor_info?: ExecutorInfo; task_id?: { value: string } }[] | undefined) =>
    (list ?? []).map((x) => x.framework_info?.id?.value ?? x.executor_info?.executor_id.value ?? x.task_id?.value);

  test('GET_FRAMEWORKS by view_frameworks; GET_EXECUTORS also by view_executors', async () => {
    const { ctx } = await agentWith(viewAcls);
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_FRAMEWORKS' }, 'alice')).get_frameworks!.frameworks), ['fw-a']);
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_FRAMEWORKS' }, 'ops')).get_frameworks!.frameworks), ['fw-a', 'fw-b']);
    assert.deepEqual((await responseOf(ctx, { type: 'GET_FRAMEWORKS' }, 'dev')).get_frameworks, {});
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_EXECUTORS' }, 'alice')).get_executors!.executors), ['ta']);
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_EXECUTORS' }, 'ops')).get_executors!.executors), ['ta', 'tb']);
  });

  test('an executor view_executors hides its tasks, though view_tasks would show them', async () => {
    const { ctx } = await agentWith({
      ...viewAcls,
      view_executors: [
        { principals: { values: ['ops'] }, users: { values: ['alice'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
    });
    const tasks = (await responseOf(ctx, { type: 'GET_TASKS' }, 'ops')).get_tasks!;
    assert.deepEqual(ids(tasks.launched_tasks), ['ta']);
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_EXECUTORS' }, 'ops')).get_executors!.executors), ['ta']);
  });

  test('GET_TASKS and GET_STATE show a principal only what it may view, as /state', async () => {
    const { ctx } = await agentWith(viewAcls);
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_TASKS' }, 'alice')).get_tasks!.launched_tasks), ['ta']);
    assert.deepEqual(ids((await responseOf(ctx, { type: 'GET_TASKS' }, 'ops')).get_tasks!.launched_tasks), ['ta', 'tb']);
    const state = (await responseOf(ctx, { type: 'GET_STATE' }, 'alice')).get_state!;
    assert.deepEqual(ids(state.get_tasks?.launched_tasks), ['ta']);
    assert.deepEqual(ids(state.get_executors?.executors), ['ta']);
    assert.deepEqual(ids(state.get_frameworks?.frameworks), ['fw-a']);
    const none = (await responseOf(ctx, { type: 'GET_STATE' }, undefined)).get_state!;
    assert.deepEqual(none, { get_tasks: {}, get_executors: {}, get_frameworks: {} });
  });

  test("GET_CONTAINERS by view_containers on the executor's user, nested ones too", async () => {
    const { h, ctx } = await agentWith(viewAcls);
    await h.agent.runTaskGroup(ALICE, GROUP, {
      tasks: [{ ...task('g1', ALICE), executor: GROUP }],
    });
    const containers = async (principal: string | undefined, show_nested = false) =>
      (await responseOf(ctx, { type: 'GET_CONTAINERS', get_containers: { show_nested } }, principal)).get_containers!.containers ?? [];
    const executorIds = (list: Awaited<ReturnType<typeof containers>>) => list.map((c) => c.executor_id?.value ?? c.container_id.value);
    assert.deepEqual(executorIds(await containers('alice', true)), ['ta', 'gx', 'g1']);
    assert.deepEqual(executorIds(await containers('ops')), ['ta', 'gx', 'tb']);
    assert.deepEqual(await containers('dev', true), []);
  });
});

describe('KILL_CONTAINER under --acls', () => {
  test('a top-level container needs kill_standalone_containers, whose object is always ANY (Mesos)', async () => {
    const { h, ctx } = await agentWith({
      kill_standalone_containers: [
        { principals: { values: ['ops'] }, users: { type: 'ANY' } },
        { principals: { values: ['alice'] }, users: { values: ['alice'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
    });
    const ta = h.agent.findTask('fw-a', 'ta')!;
    const kill: Call = { type: 'KILL_CONTAINER', kill_container: { container_id: { value: ta.containerId } } };
    assert.deepEqual(
      await answer(ctx, kill, 'alice'),
      { kind: 'status', status: 403 },
      "a rule on users does not match Mesos's ANY object",
    );
    assert.equal(await statusOf(ctx, kill, undefined), 403);
    assert.deepEqual([...h.containerizer.signalOf.keys()], [], 'nothing was signalled');
    assert.equal(await statusOf(ctx, kill, 'ops'), 200);
    assert.deepEqual([...h.containerizer.signalOf.keys()], [ta.containerId]);
    const unknown: Call = { type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'nope' } } };
    assert.equal(await statusOf(ctx, unknown, 'dev'), 403, 'refused before it is looked for');
    assert.equal(await statusOf(ctx, unknown, 'ops'), 404);
  });

  test("a nested container needs kill_nested_containers for its executor's user", async () => {
    const { h, ctx } = await agentWith({
      kill_nested_containers: [
        { principals: { values: ['alice'] }, users: { values: ['alice'] } },
        { principals: { values: ['bob'] }, users: { values: ['bob'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
      kill_standalone_containers: [{ principals: { type: 'ANY' }, users: { type: 'NONE' } }],
    });
    await h.agent.runTaskGroup(ALICE, GROUP, { tasks: [{ ...task('g1', ALICE), executor: GROUP }] });
    const run = h.agent.frameworks.get('fw-a')!.executors.get('gx')!;
    const kill: Call = { type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'g1', parent: { value: run.containerId } } } };
    assert.equal(await statusOf(ctx, kill, 'bob'), 403);
    assert.deepEqual([...h.containerizer.signalOf.keys()], []);
    assert.equal(await statusOf(ctx, kill, 'alice'), 200);
    assert.deepEqual([...h.containerizer.signalOf.keys()], [h.agent.findTask('fw-a', 'g1')!.containerId]);
    const top: Call = { type: 'KILL_CONTAINER', kill_container: { container_id: { value: run.containerId } } };
    assert.equal(await statusOf(ctx, top, 'alice'), 403, 'the group container itself is top-level');
  });
});
