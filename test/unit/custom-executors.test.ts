// Custom executors in the agent's core, with a fake containerizer and master: the wait status of
// an executor's exit, the executor's environment, and its life (queueing, SUBSCRIBE, LAUNCH,
// updates and ACKNOWLEDGED, KILL, SHUTDOWN, timeouts, exit, HEARTBEAT) and recovery after a
// restart. The executor Call checks are in agent-validation.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import pino from 'pino';
import { CheckpointPaths, readCheckpoints } from '../../daemons/agent/checkpoints.ts';
import type { ExecutorCall, ExecutorConnection, ExecutorEvent } from '../../daemons/agent/executor/calls.ts';
import { disconnected, messageToFramework, subscribe, update } from '../../daemons/agent/executor/custom-calls.ts';
import { waitStatus } from '../../daemons/agent/executor/custom-run.ts';
import { ExecutorIdentity } from '../../daemons/agent/executor-identity.ts';
import { containerSpec, taskEnvironment } from '../../daemons/agent/launch-spec.ts';
import type { AgentConfig } from '../../daemons/agent/records.ts';
import { applyRecovery } from '../../daemons/agent/recovery.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import { verifyJwt } from '../../daemons/common/jwt.ts';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { agentHarness, tick, until } from './agent-harness.ts';

const FW: FrameworkInfo = {
  id: { value: 'fw-1' },
  name: 'test',
  user: 'nobody',
  checkpoint: true,
  capabilities: [{ type: 'PARTITION_AWARE' }],
};

function executorInfo(id = 'ex-1'): ExecutorInfo {
  return {
    executor_id: { value: id },
    command: { value: 'exec my-executor --flag', environment: { variables: [{ name: 'EXTRA', value: 'yes' }] } },
  };
}

function task(id: string, executor = executorInfo()): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: 'agent-1' }, executor, resources: [] };
}

class FakeConnection implements ExecutorConnection {
  events: ExecutorEvent[] = [];
  closed = false;
  send(event: ExecutorEvent): boolean {
    if (this.closed) return false;
    this.events.push(event);
    return true;
  }
  close(): void {
    this.closed = true;
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

function harness(config: Partial<AgentConfig> = {}, workDir?: string) {
  const h = agentHarness(config, workDir);
  /** The run of a custom executor, as the executor API finds it. */
  const run = (executorId = 'ex-1') => {
    const found = h.agent.customExecutors.lookup({ executor_id: { value: executorId }, framework_id: { value: 'fw-1' } });
    assert.ok(!('missing' in found), 'the executor is known');
    return found.run;
  };
  const subscribeNow = (executorId = 'ex-1', sub: ExecutorCall['subscribe'] = {}) => {
    const conn = new FakeConnection();
    const found = run(executorId);
    subscribe(found, sub, conn);
    return { conn, run: found };
  };
  return { ...h, run, subscribe: subscribeNow };
}

function executorStatus(taskId: string, state: TaskStatus['state'], uuid = newStatusUuid()): TaskStatus {
  return { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid };
}

describe('the executor exit the master hears of', () => {
  test('wait status as Mesos reports it in FAILURE', () => {
    assert.equal(waitStatus({ code: 3, signal: null, at: 0 }), 768);
    assert.equal(waitStatus({ code: 0, signal: null, at: 0 }), 0);
    assert.equal(waitStatus({ code: null, signal: 'SIGKILL', at: 0 }), 9);
    assert.equal(waitStatus({ code: null, signal: null, unknown: true, at: 0 }), -1);
  });
});

describe('the executor process', () => {
  test('runs ExecutorInfo.command in its sandbox with the MESOS_* environment of executors', async () => {
    const { agent, containerizer } = harness({ recoveryTimeoutSecs: 900, executorReregistrationTimeoutSecs: 2 });
    await agent.runTask(FW, task('t1'));
    const ctx = containerizer.launched[0]!;
    assert.ok(ctx.executor);
    const spec = containerSpec(ctx);
    assert.deepEqual([spec.file, spec.args], ['/bin/sh', ['-c', 'exec my-executor --flag']]);
    const ex = agent.frameworks.get('fw-1')!.executors.get('ex-1')!;
    assert.equal(spec.cwd, ex.directory);
    const env = taskEnvironment(ctx);
    assert.equal(env.MESOS_FRAMEWORK_ID, 'fw-1');
    assert.equal(env.MESOS_EXECUTOR_ID, 'ex-1');
    assert.equal(env.MESOS_DIRECTORY, ex.directory);
    assert.equal(env.MESOS_SANDBOX, ex.directory);
    assert.equal(env.MESOS_AGENT_ENDPOINT, '127.0.0.1:5051');
    assert.equal(env.MESOS_SLAVE_PID, 'slave(1)@127.0.0.1:5051');
    assert.equal(env.MESOS_SLAVE_ID, 'agent-1');
    assert.equal(env.MESOS_CHECKPOINT, '1');
    assert.equal(env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, '50ms');
    assert.equal(env.MESOS_RECOVERY_TIMEOUT, '15mins');
    assert.equal(env.MESOS_SUBSCRIPTION_BACKOFF_MAX, '2secs');
    assert.equal(env.EXTRA, 'yes');
    assert.equal(env.MESOS_TASK_ID, undefined, 'an executor runs many tasks');
    // Without checkpointing there is no recovery to wait for.
    const noCheckpoint = taskEnvironment({ ...ctx, framework: { ...FW, checkpoint: false } });
    assert.equal(noCheckpoint.MESOS_CHECKPOINT, '0');
    assert.equal(noCheckpoint.MESOS_RECOVERY_TIMEOUT, undefined);
    // ExecutorInfo.shutdown_grace_period wins over the flag.
    const own = taskEnvironment({
      ...ctx,
      executor: { ...ctx.executor, info: { ...ctx.executor.info, shutdown_grace_period: { nanoseconds: 7e9 } } },
    });
    assert.equal(own.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, '7secs');
  });
});

describe("the executor's token", () => {
  test('names its framework, executor and container, and verifies with the agent key', async () => {
    const identity = new ExecutorIdentity(Buffer.from('key'), false);
    const { agent, containerizer } = harness({ executorIdentity: identity });
    await agent.runTask(FW, task('t1'));
    const ctx = containerizer.launched[0]!;
    const token = taskEnvironment(ctx).MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
    assert.ok(token, 'the executor is given a token');
    assert.deepEqual(verifyJwt(token, 'key'), { ok: true, value: { fid: 'fw-1', eid: 'ex-1', cid: ctx.containerId } });
  });

  test("a task of a built-in executor gets none, not even the agent's own", () => {
    const env = taskEnvironment({
      task: { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'true' } },
      framework: FW,
      containerId: 'c',
      executorId: 't',
      sandbox: '/tmp/s',
      agentId: 'a',
      agentEndpoint: '127.0.0.1:5051',
      agentEnv: { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'the agent environment', PATH: '/bin' },
    });
    assert.equal(env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN, undefined);
  });
});

describe("an executor's life", () => {
  test('tasks wait for SUBSCRIBE, then SUBSCRIBED and LAUNCH; a later task is launched at once on the same executor', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    await h.agent.runTask(FW, task('t2'));
    assert.equal(h.containerizer.launched.length, 1, 'one executor for both tasks');
    const { conn } = h.subscribe();
    assert.deepEqual(conn.types(), ['SUBSCRIBED', 'LAUNCH', 'LAUNCH']);
    const subscribed = conn.events[0] as Extract<ExecutorEvent, { type: 'SUBSCRIBED' }>;
    assert.equal(subscribed.subscribed.executor_info.executor_id.value, 'ex-1');
    assert.equal(subscribed.subscribed.framework_info.id?.value, 'fw-1');
    assert.equal(subscribed.subscribed.agent_info.id?.value, 'agent-1');
    await h.agent.runTask(FW, task('t3'));
    assert.deepEqual(conn.types().slice(3), ['LAUNCH']);
    assert.equal(h.containerizer.launched.length, 1);
    assert.deepEqual(await h.states('t1'), [], "the agent itself reports nothing for a custom executor's task");
  });

  test('UPDATE is forwarded after it is checkpointed, then ACKNOWLEDGED; a resent update is only acknowledged again', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { conn, run } = h.subscribe();
    const running = executorStatus('t1', 'TASK_RUNNING');
    update(run, running);
    await h.agent.statusUpdates.flushed();
    await tick();
    assert.equal(h.sent.length, 1);
    assert.equal(h.sent[0]!.uuid, running.uuid);
    assert.equal(h.sent[0]!.agent_id?.value, 'agent-1');
    assert.equal(h.sent[0]!.executor_id?.value, 'ex-1');
    assert.deepEqual(conn.events.at(-1), { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't1' }, uuid: running.uuid } });
    assert.equal(run.tasks.get('t1')!.state, 'TASK_RUNNING');
    update(run, running);
    await tick();
    assert.equal(h.sent.length, 1, 'not forwarded twice');
    assert.equal(conn.types().filter((t) => t === 'ACKNOWLEDGED').length, 2);
    // The scheduler's acknowledgement of a terminal update completes the task, not the executor.
    const finished = executorStatus('t1', 'TASK_FINISHED');
    h.agent.statusUpdates.acknowledge('fw-1', 't1', running.uuid!);
    update(run, finished);
    await h.agent.statusUpdates.flushed();
    h.agent.statusUpdates.acknowledge('fw-1', 't1', finished.uuid!);
    await until('the task to complete', () => run.tasks.size === 0);
    assert.equal(run.completedTasks.length, 1);
    assert.equal(h.agent.frameworks.get('fw-1')?.executors.get('ex-1'), run, 'the executor outlives its tasks');
  });

  test('KILL of a delivered task is an event for the executor; of a queued one, TASK_KILLED, and an executor left with nothing is shut down', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    h.agent.killTask('fw-1', 't1');
    assert.deepEqual(await h.states('t1'), ['TASK_KILLED']);
    const killed = h.sent[0]!;
    assert.equal(killed.reason, 'REASON_TASK_KILLED_DURING_LAUNCH');
    assert.equal(killed.source, 'SOURCE_AGENT');
    assert.equal(killed.message, 'Killed before delivery to the executor');
    const { conn } = h.subscribe();
    assert.deepEqual(conn.types(), ['SHUTDOWN'], 'never sent a task: shut down (MESOS-8411)');

    const h2 = harness();
    await h2.agent.runTask(FW, task('t1'));
    const { conn: conn2 } = h2.subscribe();
    h2.agent.killTask('fw-1', 't1', { grace_period: { nanoseconds: 1e9 } });
    assert.deepEqual(conn2.events.at(-1), {
      type: 'KILL',
      kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } },
    });
    assert.deepEqual(await h2.states('t1'), [], 'the executor reports TASK_KILLED itself');
  });

  test('a task group for a custom executor goes as one LAUNCH_GROUP; killing a queued member kills the group', async () => {
    const h = harness();
    const groupExecutor: ExecutorInfo = { ...executorInfo('gx'), type: 'CUSTOM' };
    const member = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'agent-1' }, resources: [] });
    await h.agent.runTaskGroup(FW, groupExecutor, { tasks: [member('g1'), member('g2')] });
    await h.agent.runTask(FW, task('solo', executorInfo('gx')));
    assert.equal(h.containerizer.launched.length, 1);
    const { conn } = h.subscribe('gx');
    assert.deepEqual(conn.types(), ['SUBSCRIBED', 'LAUNCH_GROUP', 'LAUNCH']);
    const group = conn.events[1] as Extract<ExecutorEvent, { type: 'LAUNCH_GROUP' }>;
    assert.deepEqual(
      group.launch_group.task_group.tasks?.map((t) => t.task_id.value),
      ['g1', 'g2'],
    );

    const h2 = harness();
    await h2.agent.runTaskGroup(FW, groupExecutor, { tasks: [member('g1'), member('g2')] });
    h2.agent.killTask('fw-1', 'g2');
    assert.deepEqual([await h2.states('g1'), await h2.states('g2')], [['TASK_KILLED'], ['TASK_KILLED']]);
    assert.equal(h2.sent[0]!.message, 'A task within the task group was killed before delivery to the executor');
  });

  test('framework messages go both ways', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { conn, run } = h.subscribe();
    h.agent.handle({ type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: 'fw-1', executor_id: 'ex-1', data: 'aGk=' } });
    assert.deepEqual(conn.events.at(-1), { type: 'MESSAGE', message: { data: 'aGk=' } });
    messageToFramework(run, 'aG8=');
    await tick();
    assert.deepEqual(h.posted, [
      { type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: 'fw-1', executor_id: 'ex-1', data: 'aG8=' } },
    ]);
  });

  test('HEARTBEAT events while subscribed', async () => {
    const h = harness({ executorHeartbeatIntervalSecs: 0.02 });
    await h.agent.runTask(FW, task('t1'));
    const { conn, run } = h.subscribe();
    await tick(90);
    assert.ok(conn.types().filter((t) => t === 'HEARTBEAT').length >= 2, conn.types().join(','));
    disconnected(run, conn);
    const count = conn.events.length;
    await tick(60);
    assert.equal(conn.events.length, count, 'no heartbeats after the stream ended');
  });

  test('registration timeout: the container is destroyed and its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT; the master hears of the exit', async () => {
    const h = harness({ executorRegistrationTimeoutSecs: 0.05 });
    await h.agent.runTask(FW, task('t1'));
    const ex = h.run();
    await tick(120);
    assert.deepEqual(h.containerizer.killed, [ex.containerId]);
    h.agent.containerExited(ex.containerId, { code: null, signal: 'SIGKILL', at: Date.now() });
    assert.deepEqual(await h.states('t1'), ['TASK_FAILED']);
    assert.equal(h.sent[0]!.reason, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
    assert.equal(h.sent[0]!.message, 'Executor did not register within 50ms');
    await tick();
    assert.deepEqual(h.posted, [{ type: 'EXECUTOR_EXITED', executor_exited: { framework_id: 'fw-1', executor_id: 'ex-1', status: 9 } }]);
    assert.equal(ex.state, 'TERMINATED');
    // A task for the executor now is dropped (it is gone); the executor completes once its task is acknowledged.
    await h.agent.runTask(FW, task('late'));
    assert.deepEqual(await h.states('late'), ['TASK_DROPPED']);
    h.agent.statusUpdates.acknowledge('fw-1', 't1', h.sent[0]!.uuid!);
    await until('framework and executor to complete', () => h.agent.frameworks.get('fw-1') === undefined);
  });

  test('SHUTDOWN, then the container is killed after the grace period; the exit fails what is left', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { conn, run: ex } = h.subscribe();
    h.agent.handle({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: 'fw-1', executor_id: 'ex-1' } });
    assert.equal(conn.events.at(-1)?.type, 'SHUTDOWN');
    assert.deepEqual(h.containerizer.killed, []);
    await tick(120);
    assert.deepEqual(h.containerizer.killed, [ex.containerId]);
    h.agent.containerExited(ex.containerId, { code: 0, signal: null, at: Date.now() });
    assert.deepEqual(await h.states('t1'), ['TASK_FAILED']);
    assert.equal(h.sent[0]!.reason, 'REASON_EXECUTOR_TERMINATED');
    assert.equal(h.sent[0]!.message, 'Executor terminated');
    assert.ok(conn.closed);
  });

  test("the operator's KILL_CONTAINER signals the executor's container; its live tasks end TASK_KILLED when it exits", async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { conn, run: ex } = h.subscribe();
    assert.equal(h.agent.killContainerOf({ value: ex.containerId }, 'SIGTERM'), true);
    assert.deepEqual([h.containerizer.killed, h.containerizer.signalOf.get(ex.containerId)], [[ex.containerId], 'SIGTERM']);
    h.agent.containerExited(ex.containerId, { code: null, signal: 'SIGTERM', at: Date.now() });
    assert.deepEqual(await h.states('t1'), ['TASK_KILLED']);
    assert.equal(h.sent[0]!.message, 'Executor container killed by the operator');
    assert.ok(conn.closed);
    assert.equal(h.agent.killContainerOf({ value: ex.containerId }, 'SIGKILL'), false, 'an ended container is not found');
  });

  test('a custom executor in a DOCKER container is refused with a clear message', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1', { ...executorInfo(), container: { type: 'DOCKER', docker: { image: 'busybox' } } }));
    assert.deepEqual(await h.states('t1'), ['TASK_FAILED']);
    assert.equal(h.sent[0]!.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(h.sent[0]!.message ?? '', /DOCKER containers .* not supported/);
    assert.equal(h.containerizer.launched.length, 0);
    await tick();
    assert.equal(h.posted[0]?.type, 'EXECUTOR_EXITED');
  });
});

describe('after an agent restart', () => {
  async function restarted(before: ReturnType<typeof harness>, alive: boolean, config: Partial<AgentConfig> = {}, serve = true) {
    await before.agent.statusUpdates.flushed();
    const ex = before.run();
    const log = new CheckpointPaths(before.dir, 'agent-1').runsLog;
    if (ex.subscribed)
      await until('the subscription to be checkpointed', () => existsSync(log) && readFileSync(log, 'utf8').includes('"t":"SUBSCRIBED"'));
    const after = harness(config, before.dir);
    const { state } = await readCheckpoints(new CheckpointPaths(before.dir, 'agent-1'));
    const containers = alive ? [{ id: ex.containerId, pid: 4242, launchedAt: 0, containerizer: 'mesos' as const }] : [];
    const summary = applyRecovery(after.agent, state, containers, { rebooted: false }, pino({ level: 'silent' }));
    if (serve) after.agent.customExecutors.serving();
    return { after, summary, containerId: ex.containerId };
  }

  test('completed runs are recovered up to --max_completed_executors_per_framework, the latest kept', () => {
    const h = harness({ maxCompletedExecutorsPerFramework: 3 });
    const runs = Array.from({ length: 5 }, (_, i) => ({
      run: {
        executor: { executor_id: { value: `done-${i}` } },
        kind: 'COMMAND' as const,
        container_id: `c${i}`,
        directory: path.join(h.dir, `c${i}`),
        kill_group_on_failure: false,
      },
      completed: true,
      subscribed: false,
      tasks: [{ id: `t${i}`, updates: [{ task_id: { value: `t${i}` }, state: 'TASK_FINISHED' as const, uuid: `u${i}` }], pending: [] }],
    }));
    applyRecovery(
      h.agent,
      { frameworks: [{ id: 'fw-1', info: { ...FW, id: { value: 'fw-1' } }, runs }], problems: [], corrupt: [] },
      [],
      { rebooted: false },
      pino({ level: 'silent' }),
    );
    const fw = h.agent.frameworks.get('fw-1') ?? h.agent.completedFrameworks.find((f) => f.id === 'fw-1');
    assert.deepEqual(
      fw!.completedExecutors.map((e) => e.id),
      ['done-2', 'done-3', 'done-4'],
    );
  });

  test('a subscribed executor subscribes again with its unacknowledged updates; a task it never got is dropped', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { run } = h.subscribe();
    update(run, executorStatus('t1', 'TASK_RUNNING'));
    await h.agent.runTask(FW, task('t2')); // LAUNCH sent, but "lost" with the agent
    const { after, summary } = await restarted(h, true);
    assert.equal(summary.running, 2);
    const finished = executorStatus('t1', 'TASK_FINISHED');
    const { conn } = after.subscribe('ex-1', { unacknowledged_updates: [{ status: finished }], unacknowledged_tasks: [] });
    await after.agent.statusUpdates.flushed();
    await tick();
    assert.deepEqual(
      conn.types(),
      ['SUBSCRIBED', 'ACKNOWLEDGED'],
      'no LAUNCH again for delivered tasks; the resent update is acknowledged',
    );
    await after.states('t2');
    const dropped = after.sent.find((s) => s.task_id.value === 't2');
    assert.equal(dropped?.state, 'TASK_DROPPED');
    assert.equal(dropped?.message, 'Task launched during agent restart');
    assert.equal(dropped?.reason, 'REASON_AGENT_RESTARTED');
    const pending = after.agent.statusUpdates.pending('fw-1', 't1').map((s) => `${s.state} ${s.uuid}`);
    assert.deepEqual(pending.slice(-1), [`TASK_FINISHED ${finished.uuid}`], 'queued for the master behind the unacknowledged TASK_RUNNING');
  });

  test('a subscribed executor that does not come back within --executor_reregistration_timeout is killed; its tasks are gone', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { run } = h.subscribe();
    update(run, executorStatus('t1', 'TASK_RUNNING'));
    const { after, containerId } = await restarted(h, true, { executorReregistrationTimeoutSecs: 0.05 }, false);
    await tick(120);
    assert.deepEqual(after.containerizer.killed, [], 'the deadline starts once the executor API is served');
    after.agent.customExecutors.serving();
    await tick(120);
    assert.deepEqual(after.containerizer.killed, [containerId]);
    after.agent.containerExited(containerId, { code: null, signal: 'SIGKILL', at: Date.now() });
    await after.agent.statusUpdates.flushed();
    // Queued behind the TASK_RUNNING the scheduler has not acknowledged yet.
    const gone = after.agent.statusUpdates.pending('fw-1', 't1').at(-1);
    assert.equal(gone?.state, 'TASK_GONE');
    assert.equal(gone?.reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
    assert.equal(gone?.message, 'Executor did not reregister within 50ms');
  });

  test('an executor that had not subscribed yet keeps its queued tasks; one that ended meanwhile fails them', async () => {
    const h = harness();
    await h.agent.runTask(FW, task('t1'));
    const { after } = await restarted(h, true);
    const { conn } = after.subscribe();
    assert.deepEqual(conn.types(), ['SUBSCRIBED', 'LAUNCH']);

    const h2 = harness();
    await h2.agent.runTask(FW, task('t1'));
    const { run } = h2.subscribe();
    update(run, executorStatus('t1', 'TASK_RUNNING'));
    const { after: after2, summary } = await restarted(h2, false);
    assert.equal(summary.endedWhileDown, 1);
    await after2.agent.statusUpdates.flushed();
    const failed = after2.agent.statusUpdates.pending('fw-1', 't1').at(-1);
    assert.equal(failed?.state, 'TASK_FAILED');
    assert.equal(failed?.reason, 'REASON_EXECUTOR_TERMINATED');
    await tick();
    assert.equal(after2.posted[0]?.type, 'EXECUTOR_EXITED');
  });
});
