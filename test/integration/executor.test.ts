// Custom executors over the v1 executor API, on a real master and agent: a Python executor built
// on python-mesos (clients/python/mesos/executor.py, JSON) runs tasks and exchanges framework
// messages both ways, takes a second task, kills on request and goes on SHUTDOWN; an executor
// spoken for by the test in protobuf; the registration timeout; an executor's exit failing its
// tasks and reaching the scheduler as FAILURE; an agent kill -9 the executor survives; and the
// API's error codes.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Endpoint, type RecordStream, openRecordStream, request } from '../../daemons/common/http-client.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import type { ExecutorInfo, mesos, Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { decode, encode } from '../../daemons/common/proto/codec.ts';
import { type Daemon, ROOT, sleep, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

const PYTHON_ROOT = path.join(ROOT, 'clients', 'python');
const API = '/api/v1/executor';
const PROTOBUF = 'application/x-protobuf';
const AGENT_FLAGS = [
  '--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]',
  '--executor_registration_timeout=4secs',
  '--executor_shutdown_grace_period=2secs',
];

/** The executor under test: python-mesos's ExecutorClient, driven by framework messages. */
const EXECUTOR_PY = `
import json, os, sys, threading
from mesos.executor import Executor, ExecutorClient

with open(os.path.join(os.environ["MESOS_SANDBOX"], "env.json"), "w") as f:
    json.dump(dict((k, v) for k, v in os.environ.items() if k.startswith("MESOS_")), f)


class TestExecutor(Executor):
    def __init__(self):
        self.live = set()
        self.subscriptions = 0

    def subscribed(self, client, executor_info, framework_info, agent_info, container_id):
        self.subscriptions += 1
        if self.subscriptions > 1:
            client.message("resubscribed:%d" % os.getpid())

    def launch(self, client, task):
        tid = task["task_id"]["value"]
        self.live.add(tid)
        client.send_status(tid, "TASK_RUNNING", message="pid %d" % os.getpid())
        client.message("launched:" + tid)

    def kill(self, client, task_id, kill_policy):
        self.finish(client, task_id, "TASK_KILLED", "killed by the executor")

    def finish(self, client, tid, state, message):
        self.live.discard(tid)
        try:
            client.send_status(tid, state, message=message)
        except Exception as err:  # the agent may be down: the update goes again with SUBSCRIBE
            sys.stderr.write("update of %s failed for now: %s\\n" % (tid, err))

    def message(self, client, data):
        cmd, _, arg = data.decode("utf-8").partition(":")
        if cmd == "ping":
            client.message("pong:" + arg)
        elif cmd == "finish":
            self.finish(client, arg, "TASK_FINISHED", "done")
        elif cmd == "finish-later":
            tid, _, delay = arg.partition("@")
            threading.Timer(float(delay), self.finish, (client, tid, "TASK_FINISHED", "done later")).start()
            client.message("scheduled:" + tid)
        elif cmd == "unacked":
            client.message("unacked:%d" % len(client.unacknowledged_updates))
        elif cmd == "exit":
            os._exit(int(arg))

    def shutdown(self, client):
        for tid in list(self.live):
            self.finish(client, tid, "TASK_KILLED", "executor shut down")
        client.stop()


ExecutorClient(TestExecutor()).run()
`;

let master: Daemon;
let agent: Daemon;
let scriptDir = '';
let executorScript = '';

before(async () => {
  scriptDir = tempDir('executor-src');
  executorScript = path.join(scriptDir, 'test_executor.py');
  writeFileSync(executorScript, EXECUTOR_PY);
  master = await startMaster(['--allocation_interval=50ms']);
  agent = await startAgent(master, AGENT_FLAGS);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
  for (const dir of [agent?.workDir, master?.workDir, scriptDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const agentEndpoint = (): Endpoint => ({ host: '127.0.0.1', port: agent.port });

function resources(cpus: number, mem: number): TaskInfo['resources'] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
  ];
}

function pythonExecutor(id: string): ExecutorInfo {
  return {
    executor_id: { value: id },
    name: `python test executor ${id}`,
    command: {
      value: `exec python3 ${executorScript}`,
      environment: {
        variables: [
          { name: 'PYTHONPATH', value: PYTHON_ROOT },
          { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
        ],
      },
    },
    resources: resources(0.1, 32),
  };
}

/** An executor whose process never subscribes by itself: `sleep`, recording its pid and token. */
function silentExecutor(id: string): ExecutorInfo {
  return {
    executor_id: { value: id },
    command: {
      value: 'printf %s "$MESOS_EXECUTOR_AUTHENTICATION_TOKEN" > "$MESOS_SANDBOX/token"; echo $$ > "$MESOS_SANDBOX/pid"; exec sleep 600',
    },
    resources: resources(0.1, 16),
  };
}

function taskWith(id: string, offer: Offer, executor: ExecutorInfo): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: offer.agent_id, executor, resources: resources(0.1, 16) };
}

function messages(s: TestScheduler): { executor: string; text: string }[] {
  return s.events
    .filter((e) => e.type === 'MESSAGE')
    .map((e) => {
      const m = e.message as { executor_id: { value: string }; data: string };
      return { executor: m.executor_id.value, text: Buffer.from(m.data, 'base64').toString('utf8') };
    });
}

async function waitMessage(s: TestScheduler, text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const matches = (t: string) => (typeof text === 'string' ? t === text : text.test(t));
  const found = await waitFor(`framework message ${text}`, () => messages(s).find((m) => matches(m.text)), timeoutMs);
  return found.text;
}

function failures(s: TestScheduler): { agent_id: { value: string }; executor_id?: { value: string }; status?: number }[] {
  return s.events
    .filter((e) => e.type === 'FAILURE')
    .map((e) => e.failure as { agent_id: { value: string }; executor_id?: { value: string }; status?: number });
}

async function sendMessage(s: TestScheduler, offer: Offer, executorId: string, text: string): Promise<void> {
  await s.client.call({
    type: 'MESSAGE',
    message: { agent_id: offer.agent_id, executor_id: { value: executorId }, data: Buffer.from(text).toString('base64') },
  });
}

interface AgentExecutorJson {
  id: string;
  type: string;
  directory: string;
  tasks: { id: string; state: string }[];
  queued_tasks: { id: string; state: string }[];
  completed_tasks: { id: string; state: string }[];
}

async function agentExecutor(
  frameworkId: string,
  executorId: string,
): Promise<{ running?: AgentExecutorJson; completed?: AgentExecutorJson }> {
  const state = await agent.json<{
    frameworks: { id: string; executors: AgentExecutorJson[]; completed_executors: AgentExecutorJson[] }[];
    completed_frameworks: { id: string; completed_executors: AgentExecutorJson[] }[];
  }>('/state');
  const fw = state.frameworks.find((f) => f.id === frameworkId);
  const done = [
    ...(fw?.completed_executors ?? []),
    ...state.completed_frameworks.filter((f) => f.id === frameworkId).flatMap((f) => f.completed_executors),
  ];
  return { running: fw?.executors.find((e) => e.id === executorId), completed: done.find((e) => e.id === executorId) };
}

/** The token a silent executor was given, as its Authorization header. */
async function bearerOf(frameworkId: string, executorId: string): Promise<Record<string, string>> {
  const sandbox = (await waitFor('the executor', async () => (await agentExecutor(frameworkId, executorId)).running)).directory;
  const token = await waitFor(`the executor's token in ${sandbox}`, () => {
    try {
      return readFileSync(path.join(sandbox, 'token'), 'utf8') || undefined;
    } catch {
      return undefined;
    }
  });
  return { Authorization: `Bearer ${token}` };
}

/** The pid a silent executor wrote into its sandbox. */
function pidOf(sandbox: string): Promise<number> {
  return waitFor(`the executor's pid in ${sandbox}`, () => {
    try {
      return Number(readFileSync(path.join(sandbox, 'pid'), 'utf8')) || undefined;
    } catch {
      return undefined;
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function teardown(s: TestScheduler): Promise<void> {
  await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
  s.close();
}

describe('a Python executor (python-mesos, JSON)', () => {
  test('runs tasks, exchanges framework messages both ways, takes a second task, kills it, and ends on SHUTDOWN with FAILURE', async () => {
    const s = new TestScheduler(master.port);
    try {
      const frameworkId = await s.subscribe({ checkpoint: true });
      const offer = await s.launch((o) => [taskWith('py-1', o, pythonExecutor('py-exec'))]);
      const running = await s.waitState('py-1', 'TASK_RUNNING');
      assert.equal(running.source, 'SOURCE_EXECUTOR');
      assert.equal(running.executor_id?.value, 'py-exec');
      const pid = Number(/^pid (\d+)$/.exec(running.message ?? '')?.[1]);
      assert.ok(pid > 0, `the executor reports its pid: ${running.message}`);

      // The environment Mesos gives executors.
      const ex = (await agentExecutor(frameworkId, 'py-exec')).running;
      assert.ok(ex, 'the agent lists the executor');
      assert.equal(ex.type, 'CUSTOM');
      const env = JSON.parse(readFileSync(path.join(ex.directory, 'env.json'), 'utf8')) as Record<string, string>;
      assert.equal(env.MESOS_AGENT_ENDPOINT, `127.0.0.1:${agent.port}`);
      assert.equal(env.MESOS_FRAMEWORK_ID, frameworkId);
      assert.equal(env.MESOS_EXECUTOR_ID, 'py-exec');
      assert.equal(env.MESOS_DIRECTORY, ex.directory);
      assert.equal(env.MESOS_SANDBOX, ex.directory);
      assert.equal(env.MESOS_CHECKPOINT, '1');
      assert.equal(env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, '2secs');
      assert.equal(env.MESOS_RECOVERY_TIMEOUT, '15mins');
      assert.equal(env.MESOS_SUBSCRIPTION_BACKOFF_MAX, '2secs');
      assert.equal(env.MESOS_SLAVE_ID, running.agent_id?.value);
      assert.equal(env.MESOS_SLAVE_PID, `slave(1)@127.0.0.1:${agent.port}`);

      // Executor -> scheduler, scheduler -> executor -> scheduler.
      await waitMessage(s, 'launched:py-1');
      const fromExecutor = s.events.find((e) => e.type === 'MESSAGE')!.message as {
        agent_id: { value: string };
        executor_id: { value: string };
      };
      assert.equal(fromExecutor.executor_id.value, 'py-exec');
      assert.equal(fromExecutor.agent_id.value, offer.agent_id.value);
      await sendMessage(s, offer, 'py-exec', 'ping:42');
      await waitMessage(s, 'pong:42');

      // A second task with the same executor id goes to the running executor.
      await s.launch((o) => [taskWith('py-2', o, pythonExecutor('py-exec'))]);
      const second = await s.waitState('py-2', 'TASK_RUNNING');
      assert.equal(second.message, `pid ${pid}`, 'the same executor process runs the second task');
      const both = (await agentExecutor(frameworkId, 'py-exec')).running!;
      assert.deepEqual(both.tasks.map((t) => t.id).sort(), ['py-1', 'py-2']);

      // KILL reaches the executor, which reports TASK_KILLED itself.
      await s.client.call({ type: 'KILL', kill: { task_id: { value: 'py-2' }, agent_id: offer.agent_id } });
      const killed = await s.waitState('py-2', 'TASK_KILLED');
      assert.equal(killed.source, 'SOURCE_EXECUTOR');
      assert.equal(killed.message, 'killed by the executor');

      await sendMessage(s, offer, 'py-exec', 'finish:py-1');
      const finished = await s.waitState('py-1', 'TASK_FINISHED');
      assert.equal(finished.message, 'done');
      assert.ok(alive(pid), 'the executor outlives its tasks');
      // Every update the executor sent was ACKNOWLEDGED to it by the agent.
      await waitFor('no unacknowledged updates in the executor', async () => {
        await sendMessage(s, offer, 'py-exec', 'unacked');
        await sleep(200);
        return messages(s).some((m) => m.text === 'unacked:0');
      });

      // SHUTDOWN: the executor exits by itself (status 0) and the scheduler hears FAILURE.
      await s.client.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'py-exec' }, agent_id: offer.agent_id } });
      const failure = await waitFor('FAILURE', () => failures(s)[0]);
      assert.equal(failure.executor_id?.value, 'py-exec');
      assert.equal(failure.agent_id.value, offer.agent_id.value);
      assert.equal(failure.status, 0);
      assert.equal(alive(pid), false);
      const completed = await waitFor(
        'the executor among completed executors',
        async () => (await agentExecutor(frameworkId, 'py-exec')).completed,
      );
      assert.deepEqual(completed.completed_tasks.map((t) => `${t.id}:${t.state}`).sort(), ['py-1:TASK_FINISHED', 'py-2:TASK_KILLED']);
    } finally {
      await teardown(s);
    }
  });

  test('its exit fails its live tasks (TASK_FAILED, REASON_EXECUTOR_TERMINATED) and the scheduler gets FAILURE with the exit status', async () => {
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe();
      const offer = await s.launch((o) => [taskWith('doomed', o, pythonExecutor('exit-exec'))]);
      await s.waitState('doomed', 'TASK_RUNNING');
      await sendMessage(s, offer, 'exit-exec', 'exit:3');
      const failed = await s.waitState('doomed', 'TASK_FAILED');
      assert.equal(failed.reason, 'REASON_EXECUTOR_TERMINATED');
      assert.equal(failed.source, 'SOURCE_AGENT');
      assert.equal(failed.message, 'Executor terminated');
      const failure = await waitFor('FAILURE', () => failures(s)[0]);
      assert.equal(failure.executor_id?.value, 'exit-exec');
      assert.equal(failure.status, 3 << 8, 'the wait status of exit(3)');
    } finally {
      await teardown(s);
    }
  });

  test('TEARDOWN of a framework whose executor outlived its tasks: the agent shuts the executor down and forgets the framework', async () => {
    const s = new TestScheduler(master.port);
    const frameworkId = await s.subscribe();
    const offer = await s.launch((o) => [taskWith('short', o, pythonExecutor('idle-exec'))]);
    const running = await s.waitState('short', 'TASK_RUNNING');
    const pid = Number(/^pid (\d+)$/.exec(running.message ?? '')?.[1]);
    await sendMessage(s, offer, 'idle-exec', 'finish:short');
    await s.waitState('short', 'TASK_FINISHED');
    // The terminal update is acknowledged: the master has no live task of the framework left,
    // only the executor, which keeps running (and holding its resources) on the agent.
    await waitFor(
      'the task to be completed on the agent',
      async () => (await agentExecutor(frameworkId, 'idle-exec')).running?.completed_tasks.length === 1,
    );
    assert.ok(alive(pid));

    await s.client.call({ type: 'TEARDOWN' });
    s.close();
    await waitFor('the executor process to exit', () => !alive(pid), 15_000);
    const state = await waitFor("the framework among the agent's completed frameworks", async () => {
      const st = await agent.json<{ frameworks: { id: string }[]; completed_frameworks: { id: string }[] }>('/state');
      return !st.frameworks.some((f) => f.id === frameworkId) && st.completed_frameworks.some((f) => f.id === frameworkId) && st;
    });
    assert.ok(state);
    const masterState = await master.json<{ slaves: { id: string; used_resources: { cpus: number; mem: number } }[] }>('/master/state');
    assert.deepEqual(
      masterState.slaves.map((a) => [a.used_resources.cpus, a.used_resources.mem]),
      [[0, 0]],
    );
  });

  test('kill -9 of the agent: the executor subscribes again, its running task keeps its state, an update sent meanwhile arrives', async () => {
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe({ checkpoint: true });
      const offer = await s.launch((o) => [taskWith('survivor', o, pythonExecutor('recovering-exec'))]);
      const running = await s.waitState('survivor', 'TASK_RUNNING');
      const pid = Number(/^pid (\d+)$/.exec(running.message ?? '')?.[1]);
      // The executor finishes the task while the agent is down: its UPDATE fails, and it sends
      // it again with its next SUBSCRIBE.
      await sendMessage(s, offer, 'recovering-exec', 'finish-later:survivor@1.5');
      await waitMessage(s, 'scheduled:survivor');
      agent.proc.kill('SIGKILL');
      await agent.waitExit();
      await sleep(2500);
      assert.ok(alive(pid), 'the executor outlived the agent');
      agent = await startAgent(master, AGENT_FLAGS, { workDir: agent.workDir, port: agent.port });
      await waitMessage(s, `resubscribed:${pid}`, 20_000);
      const finished = await s.waitState('survivor', 'TASK_FINISHED');
      assert.equal(finished.message, 'done later');
      const states = [...new Set(s.updates('survivor').map((u) => `${u.state}/${u.uuid}`))].map((x) => x.split('/')[0]);
      assert.deepEqual(states, ['TASK_RUNNING', 'TASK_FINISHED'], 'the task ran once and was never reported lost');
      await sendMessage(s, offer, 'recovering-exec', 'ping:after-restart');
      await waitMessage(s, 'pong:after-restart');
    } finally {
      await teardown(s);
    }
  });
});

type ExecutorCallType = NonNullable<mesos.v1.executor.Call['type']>;

/** The test speaks for an executor whose process (`sleep`) never talks: protobuf both ways. */
class ProtobufExecutor {
  readonly events: mesos.v1.executor.Event[] = [];
  stream?: RecordStream;
  ended = false;
  auth: Record<string, string> = {};

  constructor(
    readonly frameworkId: string,
    readonly executorId: string,
  ) {}

  private body(type: ExecutorCallType, payload: Partial<mesos.v1.executor.Call> = {}): Uint8Array {
    return encode('mesos.v1.executor.Call', {
      executor_id: { value: this.executorId },
      framework_id: { value: this.frameworkId },
      type,
      ...payload,
    });
  }

  async subscribe(): Promise<void> {
    const errors: string[] = [];
    this.stream = await openRecordStream(
      agentEndpoint(),
      API,
      this.body('SUBSCRIBE', { subscribe: {} }),
      { 'Content-Type': PROTOBUF, Accept: PROTOBUF, ...this.auth },
      (record, status) => {
        if (status === 200) this.events.push(decode('mesos.v1.executor.Event', record));
        else errors.push(`${status}: ${record.toString('utf8')}`);
      },
      () => {
        this.ended = true;
      },
    );
    assert.equal(this.stream.status, 200, errors.join('; '));
    assert.equal(this.stream.headers['content-type'], PROTOBUF);
  }

  call(type: ExecutorCallType, payload: Partial<mesos.v1.executor.Call> = {}): Promise<{ status: number; body: Buffer }> {
    return request(agentEndpoint(), 'POST', API, this.body(type, payload), { 'Content-Type': PROTOBUF, ...this.auth });
  }

  async next(type: mesos.v1.executor.Event.Type, after = 0): Promise<mesos.v1.executor.Event> {
    return waitFor(`executor event ${type}`, () => this.events.slice(after).find((e) => e.type === type));
  }
}

test('a protobuf executor: SUBSCRIBED and LAUNCH, UPDATE and ACKNOWLEDGED, KILL, messages both ways, SHUTDOWN and the grace period', async () => {
  const s = new TestScheduler(master.port, 'protobuf');
  try {
    const frameworkId = await s.subscribe();
    const offer = await s.launch((o) => [taskWith('pb-1', o, silentExecutor('pb-exec'))]);
    const ex = new ProtobufExecutor(frameworkId, 'pb-exec');
    ex.auth = await bearerOf(frameworkId, 'pb-exec');
    // Before SUBSCRIBE other calls are refused.
    const early = await ex.call('MESSAGE', { message: { data: Buffer.from('too early').toString('base64') } });
    assert.equal(early.status, 403);
    assert.equal(early.body.toString(), 'Executor is not subscribed');

    await ex.subscribe();
    const subscribed = (await ex.next('SUBSCRIBED')).subscribed as {
      executor_info: ExecutorInfo;
      framework_info: { id: { value: string } };
      agent_info: { id: { value: string }; hostname: string };
      container_id: { value: string };
    };
    assert.equal(subscribed.executor_info.executor_id.value, 'pb-exec');
    assert.equal(subscribed.framework_info.id.value, frameworkId);
    assert.equal(subscribed.agent_info.id.value, offer.agent_id.value);
    assert.ok(subscribed.container_id.value);
    const launched = (await ex.next('LAUNCH')).launch as { task: TaskInfo };
    assert.equal(launched.task.task_id.value, 'pb-1');

    const uuid = newStatusUuid();
    const update = await ex.call('UPDATE', {
      update: {
        status: {
          task_id: { value: 'pb-1' },
          state: 'TASK_RUNNING',
          source: 'SOURCE_EXECUTOR',
          uuid,
          data: Buffer.from('hi').toString('base64'),
        },
      },
    });
    assert.equal(update.status, 202, update.body.toString());
    const ack = (await ex.next('ACKNOWLEDGED')).acknowledged as { task_id: { value: string }; uuid: string };
    assert.deepEqual(ack, { task_id: { value: 'pb-1' }, uuid });
    const running = await s.waitState('pb-1', 'TASK_RUNNING');
    assert.equal(running.uuid, uuid, "the scheduler sees the executor's uuid");
    assert.equal(Buffer.from(running.data ?? '', 'base64').toString(), 'hi');
    assert.equal(running.executor_id?.value, 'pb-exec');
    // The same update again (as after a lost ACKNOWLEDGED) is acknowledged, not forwarded twice.
    const before = ex.events.length;
    await ex.call('UPDATE', { update: { status: { task_id: { value: 'pb-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid } } });
    await ex.next('ACKNOWLEDGED', before);

    // Messages both ways.
    await sendMessage(s, offer, 'pb-exec', 'to the executor');
    const msg = (await ex.next('MESSAGE')).message as { data: string };
    assert.equal(Buffer.from(msg.data, 'base64').toString(), 'to the executor');
    const out = await ex.call('MESSAGE', { message: { data: Buffer.from('to the scheduler').toString('base64') } });
    assert.equal(out.status, 202);
    await waitMessage(s, 'to the scheduler');

    const heartbeat = await ex.call('HEARTBEAT');
    assert.equal(heartbeat.status, 202);
    const unknown = await ex.call('UNKNOWN');
    assert.equal(unknown.status, 501);

    // KILL goes to the executor; its TASK_KILLED ends the task.
    await s.client.call({ type: 'KILL', kill: { task_id: { value: 'pb-1' }, agent_id: offer.agent_id } });
    const kill = (await ex.next('KILL')).kill as { task_id: { value: string } };
    assert.equal(kill.task_id.value, 'pb-1');
    await ex.call('UPDATE', {
      update: { status: { task_id: { value: 'pb-1' }, state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', uuid: newStatusUuid() } },
    });
    await s.waitState('pb-1', 'TASK_KILLED');

    // SHUTDOWN; the process ignores it, so the agent kills it after the grace period (2 s).
    const pid = await pidOf((await agentExecutor(frameworkId, 'pb-exec')).running!.directory);
    const shutdownAt = Date.now();
    await s.client.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'pb-exec' }, agent_id: offer.agent_id } });
    await ex.next('SHUTDOWN');
    const failure = await waitFor('FAILURE', () => failures(s)[0]);
    const waited = Date.now() - shutdownAt;
    assert.ok(waited >= 1900, `the agent waited the grace period (${waited} ms)`);
    assert.equal(failure.executor_id?.value, 'pb-exec');
    assert.ok(failure.status === 9 || failure.status === 15, `killed by a signal: status ${failure.status}`);
    assert.equal(alive(pid), false);
    await waitFor('the event stream to end', () => ex.ended);
  } finally {
    await teardown(s);
  }
});

test('an executor that never subscribes: its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT and it is destroyed', async () => {
  const s = new TestScheduler(master.port);
  try {
    const frameworkId = await s.subscribe();
    const launchedAt = Date.now();
    await s.launch((o) => [taskWith('never-1', o, silentExecutor('mute-exec')), taskWith('never-2', o, silentExecutor('mute-exec'))]);
    const ex = await waitFor('the executor', async () => (await agentExecutor(frameworkId, 'mute-exec')).running);
    // Until it subscribes, its tasks wait in its queue, as the agent's /state says.
    assert.deepEqual(ex.queued_tasks.map((t) => [t.id, t.state]).sort(), [
      ['never-1', 'TASK_STAGING'],
      ['never-2', 'TASK_STAGING'],
    ]);
    assert.deepEqual(ex.tasks, []);
    const pid = await pidOf(ex.directory);
    for (const id of ['never-1', 'never-2']) {
      const failed = await s.waitState(id, 'TASK_FAILED');
      assert.equal(failed.reason, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
      assert.equal(failed.message, 'Executor did not register within 4secs');
      assert.equal(
        s.updates(id).some((u) => u.state === 'TASK_RUNNING'),
        false,
      );
    }
    assert.ok(Date.now() - launchedAt >= 3900, 'not before the timeout');
    await waitFor('the executor process to be gone', () => !alive(pid));
    const failure = await waitFor('FAILURE', () => failures(s)[0]);
    assert.equal(failure.executor_id?.value, 'mute-exec');
  } finally {
    await teardown(s);
  }
});

describe('POST /api/v1/executor errors', () => {
  let frameworkId = '';
  let s: TestScheduler;
  let auth: Record<string, string> = {};
  const json = (body: unknown, headers: Record<string, string> = {}) =>
    request(agentEndpoint(), 'POST', API, typeof body === 'string' ? body : JSON.stringify(body), {
      'Content-Type': 'application/json',
      ...auth,
      ...headers,
    });
  const call = (type: string, extra: Record<string, unknown> = {}, executorId = 'err-exec') => ({
    executor_id: { value: executorId },
    framework_id: { value: frameworkId },
    type,
    ...extra,
  });

  before(async () => {
    s = new TestScheduler(master.port);
    frameworkId = await s.subscribe();
    await s.launch((o) => [taskWith('err-1', o, silentExecutor('err-exec'))]);
    auth = await bearerOf(frameworkId, 'err-exec');
  });
  after(async () => {
    await teardown(s);
  });

  test('transport: 405 for GET, 400 without Content-Type, 415 for text/plain, 406 when SUBSCRIBE accepts neither JSON nor protobuf', async () => {
    const get = await fetch(`http://127.0.0.1:${agent.port}${API}`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const noType = await request(agentEndpoint(), 'POST', API, JSON.stringify(call('MESSAGE')));
    assert.equal(noType.status, 400);
    assert.equal(noType.body.toString(), "Expecting 'Content-Type' to be present");
    const text = await request(agentEndpoint(), 'POST', API, 'hello', { 'Content-Type': 'text/plain' });
    assert.equal(text.status, 415);
    const notAcceptable = await json(call('SUBSCRIBE', { subscribe: {} }), { Accept: 'text/html' });
    assert.equal(notAcceptable.status, 406);
    // Under the agent's libprocess prefix too.
    const prefixed = await request(agentEndpoint(), 'POST', `/slave(1)${API}`, JSON.stringify(call('HEARTBEAT')), {
      'Content-Type': 'application/json',
    });
    assert.equal(prefixed.status, 202);
  });

  test('bodies: 400 for bad JSON, missing fields and the checks Mesos applies to UPDATE', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /^Failed to parse body into JSON: /],
      [{ type: 'MESSAGE' }, /^Failed to convert JSON into Call protobuf: Missing required fields: executor_id, framework_id/],
      [
        { executor_id: { value: 'err-exec' }, framework_id: { value: frameworkId } },
        /^Failed to validate Executor::Call: Expecting 'type' to be present$/,
      ],
      [call('UPDATE'), /^Failed to validate Executor::Call: Expecting 'update' to be present$/],
      [
        call('UPDATE', { update: { status: { task_id: { value: 'err-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' } } }),
        /Expecting 'uuid' to be present$/,
      ],
      [
        call('UPDATE', {
          update: { status: { task_id: { value: 'err-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: 'AAAA' } },
        }),
        /Not a valid UUID$/,
      ],
      [
        call('UPDATE', {
          update: { status: { task_id: { value: 'err-1' }, state: 'TASK_RUNNING', source: 'SOURCE_AGENT', uuid: newStatusUuid() } },
        }),
        /with invalid source, expecting 'SOURCE_EXECUTOR'$/,
      ],
      [
        call('UPDATE', {
          update: { status: { task_id: { value: 'err-1' }, state: 'TASK_STAGING', source: 'SOURCE_EXECUTOR', uuid: newStatusUuid() } },
        }),
        /Received TASK_STAGING from executor err-exec of framework \S+ which is not allowed$/,
      ],
      [
        call('UPDATE', {
          update: {
            status: {
              task_id: { value: 'err-1' },
              state: 'TASK_RUNNING',
              source: 'SOURCE_EXECUTOR',
              uuid: newStatusUuid(),
              executor_id: { value: 'other' },
            },
          },
        }),
        /ExecutorID in Call: err-exec does not match ExecutorID in TaskStatus: other$/,
      ],
      [call('MESSAGE'), /Expecting 'message' to be present$/],
    ];
    for (const [body, expected] of cases) {
      const res = await json(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.body}`);
      assert.match(res.body.toString(), expected);
    }
    const badProto = await request(agentEndpoint(), 'POST', API, Buffer.from([0x0a, 0xff, 0xff]), { 'Content-Type': PROTOBUF });
    assert.equal(badProto.status, 400);
    assert.match(badProto.body.toString(), /^Failed to parse body into Call protobuf/);
  });

  test('lookups: 400 for an unknown framework or executor, 403 before SUBSCRIBE, 202 for HEARTBEAT whatever the ids', async () => {
    const unknownFw = await json({ ...call('MESSAGE', { message: { data: '' } }), framework_id: { value: 'no-such-framework' } });
    assert.equal(unknownFw.status, 400);
    assert.equal(unknownFw.body.toString(), 'Framework cannot be found');
    const unknownEx = await json(call('MESSAGE', { message: { data: '' } }, 'no-such-executor'));
    assert.equal(unknownEx.status, 400);
    assert.equal(unknownEx.body.toString(), 'Executor cannot be found');
    const notSubscribed = await json(
      call('UPDATE', {
        update: { status: { task_id: { value: 'err-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: newStatusUuid() } },
      }),
    );
    assert.equal(notSubscribed.status, 403);
    assert.equal(notSubscribed.body.toString(), 'Executor is not subscribed');
    const heartbeat = await json({ ...call('HEARTBEAT'), framework_id: { value: 'whatever' } });
    assert.equal(heartbeat.status, 202);
  });
});
