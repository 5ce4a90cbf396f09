// The agent's v1 operator API without sockets: the call checks (operator-validation.ts), each
// call's answer (operator-calls.ts) over an agent with a fake containerizer, and KILL_CONTAINER
// ending the container's tasks TASK_KILLED. Every Response must encode as agent.proto says.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { ResourceMonitor, monitoredExecutors } from '../../daemons/agent/monitor/monitor.ts';
import { type AgentOperatorContext, type Answer, dispatchAgentCall, killSignal } from '../../daemons/agent/operator-calls.ts';
import { MAX_CONTAINER_ID_LENGTH, validateAgentCall } from '../../daemons/agent/operator-validation.ts';
import { AttachedPaths } from '../../daemons/common/files.ts';
import { LogVerbosity } from '../../daemons/common/log-verbosity.ts';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, mesos } from '../../daemons/common/mesos.ts';
import { decode, encode } from '../../daemons/common/proto/codec.ts';
import { agentHarness, until } from './agent-harness.ts';

type Call = mesos.v1.agent.Call;
type Response = mesos.v1.agent.Response;

const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'nobody', checkpoint: true };

function commandTask(id: string): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: 'agent-1' }, command: { value: 'sleep 1', user: 'nobody' }, resources: [] };
}

const GROUP_EXECUTOR: ExecutorInfo = {
  executor_id: { value: 'gx' },
  framework_id: { value: 'fw-1' },
  type: 'DEFAULT',
  resources: [],
};

function member(id: string): TaskInfo {
  return { ...commandTask(id), executor: GROUP_EXECUTOR };
}

const exited = (code: number | null, signal: string | null = null) => ({ code, signal, at: Date.now() });

let contexts: AgentOperatorContext[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of contexts) c.logVerbosity.stop();
  contexts = [];
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newContext(flags: Record<string, string> = {}) {
  // Not Mesos's default port, which the codec leaves out of protobuf as AgentInfo's default.
  const h = agentHarness({ port: 5052, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }] });
  const monitor = new ResourceMonitor({
    executors: () => monitoredExecutors(h.agent.frameworks.values()),
    pids: async () => new Map(),
    scan: async () => [],
    system: async () => ({ pageSize: 4096, ticksPerSecond: 100 }),
  });
  const ctx: AgentOperatorContext = {
    agent: h.agent,
    flags,
    buildTime: 0,
    files: new AttachedPaths(),
    logVerbosity: new LogVerbosity(h.agent.log),
    monitor,
  };
  contexts.push(ctx);
  return { h, ctx };
}

async function answer(ctx: AgentOperatorContext, call: Call): Promise<Answer> {
  return await dispatchAgentCall(ctx, call, undefined);
}

async function response(ctx: AgentOperatorContext, call: Call): Promise<Response> {
  const a = await answer(ctx, call);
  assert.equal(a.kind, 'response', `expected a Response, got ${JSON.stringify(a)}`);
  const r = (a as { response: Response }).response;
  // Every Response must encode as the schema says (a wrong field or type throws); an empty list
  // and no list are the same message.
  assert.deepEqual(decode('mesos.v1.agent.Response', encode('mesos.v1.agent.Response', r)), withoutEmptyLists(r));
  return r;
}

function withoutEmptyLists(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmptyLists);
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined && !(Array.isArray(x) && x.length === 0));
  return Object.fromEntries(entries.map(([k, x]) => [k, withoutEmptyLists(x)]));
}

async function statusOf(ctx: AgentOperatorContext, call: Call): Promise<{ status: number; text?: string }> {
  const a = await answer(ctx, call);
  assert.equal(a.kind, 'status', `expected a bare status, got ${JSON.stringify(a)}`);
  const { status, text } = a as { status: number; text?: string };
  return text === undefined ? { status } : { status, text };
}

describe('agent call validation (agent::call::validate)', () => {
  test('a call without a type is refused', () => {
    assert.equal(validateAgentCall({}), "Expecting 'type' to be present");
  });

  test('calls that need a payload name it', () => {
    const needs: [NonNullable<Call['type']>, string][] = [
      ['GET_METRICS', 'get_metrics'],
      ['SET_LOGGING_LEVEL', 'set_logging_level'],
      ['LIST_FILES', 'list_files'],
      ['READ_FILE', 'read_file'],
      ['KILL_CONTAINER', 'kill_container'],
      ['LAUNCH_NESTED_CONTAINER_SESSION', 'launch_nested_container_session'],
      ['PRUNE_IMAGES', 'prune_images'],
    ];
    for (const [type, payload] of needs) assert.equal(validateAgentCall({ type }), `Expecting '${payload}' to be present`, type);
  });

  test('calls without a payload pass', () => {
    for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_STATE', 'GET_CONTAINERS', 'GET_TASKS', 'GET_AGENT', 'UNKNOWN'] as const) {
      assert.equal(validateAgentCall({ type }), undefined, type);
    }
  });

  test("a container id follows Mesos's ContainerID rules, its parent too", () => {
    const kill = (container_id: mesos.v1.ContainerID) => validateAgentCall({ type: 'KILL_CONTAINER', kill_container: { container_id } });
    assert.equal(kill({ value: 'c1' }), undefined);
    assert.equal(kill({ value: 'c1', parent: { value: 'p' } }), undefined);
    assert.equal(kill({ value: '' }), "'kill_container.container_id' is invalid: ID must not be empty");
    assert.equal(kill({ value: '..' }), "'kill_container.container_id' is invalid: '..' is disallowed");
    assert.equal(kill({ value: 'a/b' }), "'kill_container.container_id' is invalid: 'a/b' contains invalid characters");
    assert.equal(kill({ value: 'a.b' }), "'kill_container.container_id' is invalid: 'ContainerID.value' 'a.b' contains invalid characters");
    assert.equal(kill({ value: 'a b' }), "'kill_container.container_id' is invalid: 'ContainerID.value' 'a b' contains invalid characters");
    const long = 'x'.repeat(MAX_CONTAINER_ID_LENGTH + 1);
    assert.equal(
      kill({ value: long }),
      `'kill_container.container_id' is invalid: 'ContainerID.value' '${long}' exceeds the maximum length (242)`,
    );
    assert.equal(
      kill({ value: 'c', parent: { value: 'p.q' } }),
      "'kill_container.container_id' is invalid: 'ContainerID.parent' is invalid: 'ContainerID.value' 'p.q' contains invalid characters",
    );
  });

  test('the nested-container calls need a parent', () => {
    assert.equal(
      validateAgentCall({ type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: { value: 'c' } } }),
      "Expecting 'kill_nested_container.container_id.parent' to be present",
    );
    assert.equal(
      validateAgentCall({ type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: { value: 'c', parent: { value: 'p' } } } }),
      undefined,
    );
  });
});

describe('agent operator calls: the agent itself', () => {
  test('GET_HEALTH, GET_VERSION, GET_FLAGS sorted by name', async () => {
    const { ctx } = newContext({ work_dir: '/var/lib/mesos', port: '5051' });
    assert.deepEqual(await response(ctx, { type: 'GET_HEALTH' }), { type: 'GET_HEALTH', get_health: { healthy: true } });
    const version = await response(ctx, { type: 'GET_VERSION' });
    assert.match(version.get_version!.version_info.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual((await response(ctx, { type: 'GET_FLAGS' })).get_flags, {
      flags: [
        { name: 'port', value: '5051' },
        { name: 'work_dir', value: '/var/lib/mesos' },
      ],
    });
  });

  test("GET_METRICS lists the agent's metrics by name", async () => {
    const { h, ctx } = newContext();
    await h.agent.runTask(FW, commandTask('t1'));
    const metrics = new Map(
      (await response(ctx, { type: 'GET_METRICS', get_metrics: {} })).get_metrics!.metrics!.map((m) => [m.name, m.value]),
    );
    assert.equal(metrics.get('slave/tasks_running'), 1);
    assert.equal(metrics.get('slave/cpus_total'), 2);
  });

  test('SET_LOGGING_LEVEL changes GET_LOGGING_LEVEL and the log level, then reverts after its duration', async () => {
    const { h, ctx } = newContext();
    h.agent.log.level = 'info';
    const verbosity = new LogVerbosity(h.agent.log);
    const c = { ...ctx, logVerbosity: verbosity };
    contexts.push(c);
    assert.deepEqual((await response(c, { type: 'GET_LOGGING_LEVEL' })).get_logging_level, { level: 0 });
    assert.deepEqual(await statusOf(c, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 50e6 } } }), {
      status: 200,
    });
    assert.deepEqual((await response(c, { type: 'GET_LOGGING_LEVEL' })).get_logging_level, { level: 2 });
    assert.equal(h.agent.log.level, 'trace');
    await until('the level to revert', () => verbosity.level === 0);
    assert.equal(h.agent.log.level, 'info');
  });

  test('GET_AGENT: its AgentInfo with its id', async () => {
    const { ctx } = newContext();
    assert.deepEqual((await response(ctx, { type: 'GET_AGENT' })).get_agent, {
      agent_info: {
        hostname: 'agent.example',
        port: 5052,
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }],
        attributes: [],
        id: { value: 'agent-1' },
      },
    });
  });
});

describe('agent operator calls: files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-operator-files-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'stdout'), 'hello world\n');

  test('LIST_FILES lists an attached directory as FileInfos; an unknown path is 404', async () => {
    const { ctx } = newContext();
    ctx.files.attach(dir, '/sandbox');
    const listed = (await response(ctx, { type: 'LIST_FILES', list_files: { path: '/sandbox' } })).list_files!;
    assert.equal(listed.file_infos?.length, 1);
    const info = listed.file_infos![0]!;
    assert.equal(info.path, '/sandbox/stdout');
    assert.equal(info.size, 12);
    assert.ok((info.mtime?.nanoseconds ?? 0) > 0);
    assert.equal((await statusOf(ctx, { type: 'LIST_FILES', list_files: { path: '/nowhere' } })).status, 404);
  });

  test('READ_FILE reads from an offset, up to a length; past the end nothing; outside the attachment 400', async () => {
    const { ctx } = newContext();
    ctx.files.attach(dir, '/sandbox');
    const read = async (offset: number, length?: number) =>
      (
        await response(ctx, {
          type: 'READ_FILE',
          read_file: { path: '/sandbox/stdout', offset, ...(length === undefined ? {} : { length }) },
        })
      ).read_file!;
    const all = await read(0);
    assert.equal(all.size, 12);
    assert.equal(Buffer.from(all.data, 'base64').toString(), 'hello world\n');
    assert.equal(Buffer.from((await read(6, 5)).data, 'base64').toString(), 'world');
    assert.deepEqual(await read(100), { size: 12, data: '' });
    const outside = await statusOf(ctx, { type: 'READ_FILE', read_file: { path: '/sandbox/../../etc/passwd', offset: 0 } });
    assert.equal(outside.status, 400);
    assert.match(outside.text!, /is inaccessible/);
  });
});

describe('agent operator calls: frameworks, executors, tasks, containers', () => {
  test('GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS over a command task and a task group, in v1 shapes', async () => {
    const { h, ctx } = newContext();
    await h.agent.runTask(FW, commandTask('t1'));
    await h.agent.runTaskGroup(FW, GROUP_EXECUTOR, { tasks: [member('g1')] });
    const frameworks = (await response(ctx, { type: 'GET_FRAMEWORKS' })).get_frameworks!;
    assert.deepEqual(frameworks, { frameworks: [{ framework_info: FW }] });
    const executors = (await response(ctx, { type: 'GET_EXECUTORS' })).get_executors!;
    assert.deepEqual(
      executors.executors!.map((e) => e.executor_info.executor_id.value),
      ['t1', 'gx'],
    );
    const tasks = (await response(ctx, { type: 'GET_TASKS' })).get_tasks!;
    assert.deepEqual(Object.keys(tasks), ['launched_tasks']);
    const [t1, g1] = tasks.launched_tasks!;
    assert.deepEqual(
      { ...t1, statuses: undefined },
      {
        name: 't1',
        task_id: { value: 't1' },
        framework_id: { value: 'fw-1' },
        agent_id: { value: 'agent-1' },
        state: 'TASK_RUNNING',
        statuses: undefined,
        user: 'nobody',
      },
      "a command task names no executor: it is the agent's own",
    );
    assert.deepEqual(
      t1!.statuses!.map((s) => s.state),
      ['TASK_STARTING', 'TASK_RUNNING'],
    );
    assert.deepEqual(g1!.executor_id, { value: 'gx' });
    const state = (await response(ctx, { type: 'GET_STATE' })).get_state!;
    assert.deepEqual(state, { get_tasks: tasks, get_executors: executors, get_frameworks: frameworks });
  });

  test('tasks that ended wait in terminated_tasks until acknowledged, then are completed, under a completed framework', async () => {
    const { h, ctx } = newContext();
    await h.agent.runTask(FW, commandTask('t1'));
    h.agent.containerExited(h.agent.findTask('fw-1', 't1')!.containerId, exited(0));
    const terminated = (await response(ctx, { type: 'GET_TASKS' })).get_tasks!;
    assert.deepEqual(
      terminated.terminated_tasks?.map((t) => [t.task_id.value, t.state]),
      [['t1', 'TASK_FINISHED']],
    );
    await h.agent.statusUpdates.flushed();
    for (const s of h.sent) h.agent.statusUpdates.acknowledge('fw-1', s.task_id.value, s.uuid!);
    await until('the framework to complete', () => h.agent.completedFrameworks.length === 1);
    const done = (await response(ctx, { type: 'GET_STATE' })).get_state!;
    assert.deepEqual(
      done.get_tasks?.completed_tasks?.map((t) => [t.task_id.value, t.state]),
      [['t1', 'TASK_FINISHED']],
    );
    assert.deepEqual(done.get_frameworks, { completed_frameworks: [{ framework_info: FW }] });
    assert.deepEqual(
      done.get_executors?.completed_executors?.map((e) => e.executor_info.executor_id.value),
      ['t1'],
    );
  });

  test("GET_CONTAINERS: each executor run's container, as /containers", async () => {
    const { h, ctx } = newContext();
    await h.agent.runTask(FW, commandTask('t1'));
    const run = h.agent.frameworks.get('fw-1')!.executors.get('t1')!;
    const containers = (await response(ctx, { type: 'GET_CONTAINERS' })).get_containers!;
    assert.deepEqual(containers.containers?.length, 1);
    const c = containers.containers![0]!;
    assert.deepEqual(
      { framework_id: c.framework_id, executor_id: c.executor_id, executor_name: c.executor_name, container_id: c.container_id },
      {
        framework_id: { value: 'fw-1' },
        executor_id: { value: 't1' },
        executor_name: run.info.name,
        container_id: { value: run.containerId },
      },
    );
  });
  test("GET_CONTAINERS with show_nested adds a task group's task containers under the run's", async () => {
    const { h, ctx } = newContext();
    await h.agent.runTaskGroup(FW, GROUP_EXECUTOR, { tasks: [member('g1')] });
    const run = h.agent.frameworks.get('fw-1')!.executors.get('gx')!;
    const plain = (await response(ctx, { type: 'GET_CONTAINERS', get_containers: {} })).get_containers!.containers!;
    assert.deepEqual(
      plain.map((c) => c.container_id),
      [{ value: run.containerId }],
    );
    const all = (await response(ctx, { type: 'GET_CONTAINERS', get_containers: { show_nested: true } })).get_containers!.containers!;
    const nested = { value: 'g1', parent: { value: run.containerId } };
    assert.deepEqual(all[1], { container_id: nested, container_status: { container_id: nested } });
    assert.equal(
      (await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: nested } })).status,
      200,
      'killable by that id',
    );
  });
});

describe('KILL_CONTAINER', () => {
  test("SIGKILL (the default) to a command task's container; the task ends TASK_KILLED", async () => {
    const { h, ctx } = newContext();
    await h.agent.runTask(FW, commandTask('t1'));
    const task = h.agent.findTask('fw-1', 't1')!;
    assert.deepEqual(await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: task.containerId } } }), {
      status: 200,
    });
    assert.equal(h.containerizer.signalOf.get(task.containerId), 'SIGKILL');
    h.agent.containerExited(task.containerId, exited(null, 'SIGKILL'));
    assert.equal(task.state, 'TASK_KILLED');
    assert.equal(task.statuses.at(-1)?.message, 'Command terminated with signal Killed');
  });

  test('a given signal is sent alone; a later kill by the scheduler still stops the task', async () => {
    const { h, ctx } = newContext();
    await h.agent.runTask(FW, commandTask('t1'));
    const task = h.agent.findTask('fw-1', 't1')!;
    await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: task.containerId }, signal: 15 } });
    assert.equal(h.containerizer.signalOf.get(task.containerId), 'SIGTERM');
    h.containerizer.killed.length = 0;
    h.agent.killTask('fw-1', 't1');
    assert.deepEqual(h.containerizer.killed, [task.containerId], 'the signal did not use up the kill');
  });

  test("a task group's task by its nested id, and the group's own container with every task", async () => {
    const { h, ctx } = newContext();
    await h.agent.runTaskGroup(FW, GROUP_EXECUTOR, { tasks: [member('g1'), member('g2')] });
    const run = h.agent.frameworks.get('fw-1')!.executors.get('gx')!;
    const [g1, g2] = ['g1', 'g2'].map((id) => h.agent.findTask('fw-1', id)!);
    const nested = { value: 'g1', parent: { value: run.containerId } };
    assert.equal((await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: nested } })).status, 200);
    assert.deepEqual([...h.containerizer.signalOf.keys()], [g1!.containerId]);
    assert.equal(
      (await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: run.containerId } } })).status,
      200,
    );
    assert.deepEqual([...h.containerizer.signalOf.keys()].sort(), [g1!.containerId, g2!.containerId].sort());
    h.agent.containerExited(g1!.containerId, exited(null, 'SIGKILL'));
    h.agent.containerExited(g2!.containerId, exited(null, 'SIGKILL'));
    assert.deepEqual([g1!.state, g2!.state], ['TASK_KILLED', 'TASK_KILLED']);
  });

  test('an unknown container, or one whose tasks have ended, is 404 in Mesos words; an unknown signal number 400', async () => {
    const { h, ctx } = newContext();
    assert.deepEqual(
      await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'nope', parent: { value: 'p' } } } }),
      {
        status: 404,
        text: "Container 'p.nope' cannot be found (or is already killed)",
      },
    );
    await h.agent.runTask(FW, commandTask('t1'));
    const task = h.agent.findTask('fw-1', 't1')!;
    h.agent.containerExited(task.containerId, exited(0));
    assert.equal(
      (await statusOf(ctx, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: task.containerId } } })).status,
      404,
    );
    const bad = await statusOf(ctx, {
      type: 'KILL_CONTAINER',
      kill_container: { container_id: { value: task.containerId }, signal: 4242 },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text!, /'kill_container.signal' 4242 is not a signal number/);
  });

  test('signal numbers map to this system’s signal names', () => {
    assert.deepEqual(killSignal(undefined), { ok: true, signal: 'SIGKILL' });
    assert.deepEqual(killSignal(15), { ok: true, signal: 'SIGTERM' });
    assert.equal(killSignal(-1).ok, false);
  });
});

describe('agent operator calls that this agent does not have', () => {
  test('nested, standalone, resource provider, operation and image calls answer 501 naming the call', async () => {
    const { ctx } = newContext();
    const id = { value: 'c', parent: { value: 'p' } };
    const calls: Call[] = [
      { type: 'GET_OPERATIONS' },
      { type: 'GET_RESOURCE_PROVIDERS' },
      { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: id } },
      { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id } },
      { type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: id } },
      { type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: id } },
      { type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: id } },
      { type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type: 'CONTAINER_ID', container_id: id } },
      { type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: id } },
      { type: 'LAUNCH_CONTAINER', launch_container: { container_id: id } },
      { type: 'WAIT_CONTAINER', wait_container: { container_id: id } },
      { type: 'REMOVE_CONTAINER', remove_container: { container_id: id } },
      { type: 'ADD_RESOURCE_PROVIDER_CONFIG', add_resource_provider_config: { info: { type: 't', name: 'n' } } },
      { type: 'UPDATE_RESOURCE_PROVIDER_CONFIG', update_resource_provider_config: { info: { type: 't', name: 'n' } } },
      { type: 'REMOVE_RESOURCE_PROVIDER_CONFIG', remove_resource_provider_config: { type: 't', name: 'n' } },
      { type: 'MARK_RESOURCE_PROVIDER_GONE', mark_resource_provider_gone: { resource_provider_id: { value: 'rp' } } },
      { type: 'PRUNE_IMAGES', prune_images: {} },
    ];
    for (const call of calls) {
      assert.equal(validateAgentCall(call), undefined, call.type);
      const a = await statusOf(ctx, call);
      assert.equal(a.status, 501, call.type);
      assert.match(a.text!, new RegExp(`^${call.type} is not implemented by this agent: .+`));
      assert.ok(!a.text!.includes('\n'), 'one line');
    }
  });

  test('UNKNOWN is a bare 501, as in Mesos', async () => {
    const { ctx } = newContext();
    assert.deepEqual(await statusOf(ctx, { type: 'UNKNOWN' }), { status: 501 });
  });
});
