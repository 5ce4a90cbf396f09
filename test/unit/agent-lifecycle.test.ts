// The lifecycle of the tasks the agent runs itself, against the fake containerizer: a command
// task (STAGING -> STARTING -> RUNNING -> FINISHED / FAILED / KILLED, kills before, during and
// after its launch, the kill grace period) and a task group of the default executor, where one
// task failing or being killed takes the others with it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { taskEnd } from '../../daemons/agent/executor/task-exit.ts';
import { agentStateJson } from '../../daemons/agent/state-json.ts';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import type { AgentStateJson } from '../../daemons/common/state-types.ts';
import { agentHarness, tick, until } from './agent-harness.ts';

const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'nobody', checkpoint: true };

function commandTask(id: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: 'agent-1' }, command: { value: 'sleep 1' }, resources: [], ...extra };
}

const exited = (code: number | null, signal: string | null = null) => ({ code, signal, at: Date.now() });

/** The task's updates, as the agent recorded them in order (sent or queued for the master). */
function statuses(h: ReturnType<typeof agentHarness>, taskId: string): TaskStatus[] {
  const live = h.agent.findTask('fw-1', taskId);
  if (live) return live.statuses;
  const fw = h.agent.frameworks.get('fw-1') ?? h.agent.completedFrameworks.find((f) => f.id === 'fw-1');
  for (const ex of [...(fw?.executors.values() ?? []), ...(fw?.completedExecutors ?? [])]) {
    const done = ex.completedTasks.find((t) => t.info.task_id.value === taskId);
    if (done) return done.statuses;
  }
  return [];
}

const statesOf = (h: ReturnType<typeof agentHarness>, taskId: string) => statuses(h, taskId).map((s) => s.state);

describe("the agent's /state", () => {
  test('a framework capability of a type the agent does not know is written UNKNOWN, as Mesos writes Type_Name(type())', async () => {
    const h = agentHarness();
    await h.agent.runTask({ ...FW, capabilities: [{}, { type: 'MULTI_ROLE' }], roles: ['*'] }, commandTask('t1'));
    const state = JSON.parse(JSON.stringify(agentStateJson({ agent: h.agent, flags: {}, buildTime: 0 }))) as AgentStateJson;
    assert.deepEqual(state.frameworks[0]?.capabilities, ['UNKNOWN', 'MULTI_ROLE']);
  });
});

describe('a command task', () => {
  test('STAGING, then STARTING and RUNNING once its container runs, FINISHED when it exits 0; the run completes once that is acknowledged', async () => {
    const h = agentHarness({}, undefined, { autoAck: true });
    const launching = h.agent.runTask(FW, commandTask('t1'));
    const task = h.agent.findTask('fw-1', 't1')!;
    assert.equal(task.state, 'TASK_STAGING', 'recorded at once, before anything is checkpointed');
    await launching;
    assert.deepEqual(statesOf(h, 't1'), ['TASK_STARTING', 'TASK_RUNNING']);
    const ctx = h.containerizer.launched[0]!;
    assert.equal(ctx.containerId, task.containerId);
    assert.equal(ctx.executorId, 't1', "a command task's executor has the task's id");
    const run = h.agent.frameworks.get('fw-1')!.executors.get('t1')!;
    assert.equal(run.info.name, "Command Executor (Task: t1) (Command: sh -c 'sleep 1')");
    assert.equal(run.directory, task.directory);

    h.agent.containerExited(task.containerId, exited(0));
    assert.deepEqual(statesOf(h, 't1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const finished = statuses(h, 't1').at(-1)!;
    assert.equal(finished.message, 'Command exited with status 0');
    assert.equal(finished.source, 'SOURCE_EXECUTOR', 'the agent speaks as the command executor');
    assert.equal(finished.executor_id?.value, 't1');
    assert.equal(finished.agent_id?.value, 'agent-1');
    assert.deepEqual(finished.container_status, { container_id: { value: task.containerId } });

    await until('the framework to complete', () => h.agent.completedFrameworks.some((f) => f.id === 'fw-1'));
    assert.equal(h.agent.frameworks.get('fw-1'), undefined);
    const fw = h.agent.completedFrameworks.find((f) => f.id === 'fw-1')!;
    assert.deepEqual(
      fw.completedExecutors.map((e) => [e.id, e.completedTasks.map((t) => t.state)]),
      [['t1', ['TASK_FINISHED']]],
    );
    await until('the container to be forgotten', () => h.containerizer.forgotten.includes(task.containerId));
    assert.deepEqual(await h.states('t1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], 'each update reached the master');
  });

  test('FAILED when it exits non-zero or is killed by a signal nobody asked for; an exit the agent could not observe fails it too', async () => {
    const h = agentHarness();
    await h.agent.runTask(FW, commandTask('code'));
    await h.agent.runTask(FW, commandTask('signal'));
    await h.agent.runTask(FW, commandTask('unknown'));
    h.agent.containerExited(h.agent.findTask('fw-1', 'code')!.containerId, exited(3));
    h.agent.containerExited(h.agent.findTask('fw-1', 'signal')!.containerId, exited(null, 'SIGKILL'));
    h.agent.containerExited(h.agent.findTask('fw-1', 'unknown')!.containerId, { code: null, signal: null, unknown: true, at: 0 });
    const last = (id: string) => statuses(h, id).at(-1)!;
    assert.deepEqual(
      ['code', 'signal', 'unknown'].map((id) => [last(id).state, last(id).message, last(id).reason]),
      [
        ['TASK_FAILED', 'Command exited with status 3', undefined],
        ['TASK_FAILED', 'Command terminated with signal Killed', undefined],
        [
          'TASK_FAILED',
          'The task ended while the agent and its task supervisor were down; its exit status is unknown',
          'REASON_EXECUTOR_TERMINATED',
        ],
      ],
    );
  });

  test('an exit reported before the launch reply still says RUNNING before how it ended', async () => {
    const h = agentHarness();
    h.containerizer.hold = true;
    const launching = h.agent.runTask(FW, commandTask('t1'));
    await until('the launch', () => h.containerizer.launched.length === 1);
    assert.deepEqual(statesOf(h, 't1'), ['TASK_STARTING']);
    h.agent.containerExited(h.agent.findTask('fw-1', 't1')!.containerId, exited(0));
    h.containerizer.release();
    await launching;
    assert.deepEqual(statesOf(h, 't1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  });

  test('a launch the containerizer refuses, and a container this agent cannot run, are FAILED with REASON_CONTAINER_LAUNCH_FAILED', async () => {
    const h = agentHarness();
    h.containerizer.failWith = "Failed to exec 'sleep': no such file";
    await h.agent.runTask(FW, commandTask('refused'));
    assert.deepEqual(statesOf(h, 'refused'), ['TASK_STARTING', 'TASK_FAILED']);
    assert.equal(statuses(h, 'refused')[1]!.message, "Failed to exec 'sleep': no such file");
    assert.equal(statuses(h, 'refused')[1]!.reason, 'REASON_CONTAINER_LAUNCH_FAILED');

    h.containerizer.failWith = undefined;
    const launchedBefore = h.containerizer.launched.length;
    await h.agent.runTask(FW, commandTask('tty', { container: { type: 'MESOS', tty_info: {} } }));
    await h.agent.runTask(FW, commandTask('docker', { container: { type: 'DOCKER', docker: { image: 'busybox' } } }));
    assert.equal(h.containerizer.launched.length, launchedBefore, 'nothing is launched');
    assert.deepEqual(
      ['tty', 'docker'].map((id) => statuses(h, id).map((s) => [s.state, s.reason, s.message])),
      [
        [['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', 'A TTY for the task (ContainerInfo.tty_info) is not supported by this agent']],
        [
          [
            'TASK_FAILED',
            'REASON_CONTAINER_LAUNCH_FAILED',
            'DOCKER containers need the Docker containerizer; start the agent with --containerizers=docker,mesos (now --containerizers=mesos)',
          ],
        ],
      ],
    );
  });

  test('a kill while it runs stops its container with the grace period of the kill policy (3 s without one); it ends KILLED', async () => {
    const h = agentHarness();
    await h.agent.runTask(FW, commandTask('policy'));
    await h.agent.runTask(FW, commandTask('default'));
    const policy = h.agent.findTask('fw-1', 'policy')!;
    const plain = h.agent.findTask('fw-1', 'default')!;
    h.agent.killTask('fw-1', 'policy', { grace_period: { nanoseconds: 1.5e9 } });
    h.agent.handle({ type: 'KILL_TASK', kill_task: { framework_id: 'fw-1', task_id: 'default' } });
    assert.deepEqual([h.containerizer.graceOf.get(policy.containerId), h.containerizer.graceOf.get(plain.containerId)], [1500, 3000]);
    assert.deepEqual(
      statesOf(h, 'policy'),
      ['TASK_STARTING', 'TASK_RUNNING'],
      'no TASK_KILLING for a framework without TASK_KILLING_STATE',
    );
    h.agent.killTask('fw-1', 'policy');
    assert.equal(h.containerizer.killed.filter((c) => c === policy.containerId).length, 1, 'a second kill changes nothing');
    h.agent.containerExited(policy.containerId, exited(null, 'SIGTERM'));
    // A command that exits cleanly once asked to stop was still killed.
    h.agent.containerExited(plain.containerId, exited(0));
    assert.deepEqual(
      [statuses(h, 'policy').at(-1), statuses(h, 'default').at(-1)].map((s) => [s!.state, s!.message]),
      [
        ['TASK_KILLED', 'Command terminated with signal Terminated'],
        ['TASK_KILLED', 'Command exited with status 0'],
      ],
    );
  });

  test('a framework with TASK_KILLING_STATE hears TASK_KILLING first', async () => {
    const h = agentHarness();
    const fw = { ...FW, capabilities: [{ type: 'TASK_KILLING_STATE' as const }] };
    await h.agent.runTask(fw, commandTask('t1'));
    h.agent.killTask('fw-1', 't1');
    h.agent.containerExited(h.agent.findTask('fw-1', 't1')!.containerId, exited(null, 'SIGTERM'));
    assert.deepEqual(statesOf(h, 't1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  });

  test('a kill before it is launched ends it KILLED (REASON_TASK_KILLED_DURING_LAUNCH) and nothing is started', async () => {
    const h = agentHarness();
    const launching = h.agent.runTask(FW, commandTask('t1'));
    h.agent.killTask('fw-1', 't1');
    await launching;
    assert.deepEqual(
      statuses(h, 't1').map((s) => [s.state, s.reason, s.message]),
      [['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before it started']],
    );
    assert.equal(h.containerizer.launched.length, 0);
  });

  test('a kill while its container is being started waits for the launch, then stops it with its grace period', async () => {
    const h = agentHarness();
    h.containerizer.hold = true;
    const launching = h.agent.runTask(FW, commandTask('t1'));
    await until('the launch', () => h.containerizer.launched.length === 1);
    const task = h.agent.findTask('fw-1', 't1')!;
    h.agent.killTask('fw-1', 't1', { grace_period: { nanoseconds: 2e9 } });
    assert.deepEqual(h.containerizer.killed, [], 'nothing to stop yet');
    h.containerizer.release();
    await launching;
    assert.deepEqual(h.containerizer.killed, [task.containerId]);
    assert.equal(h.containerizer.graceOf.get(task.containerId), 2000);
    h.agent.containerExited(task.containerId, exited(null, 'SIGTERM'));
    assert.deepEqual(statesOf(h, 't1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });

  test('SHUTDOWN_EXECUTOR kills it with --executor_shutdown_grace_period; a framework shut down completes it without updates', async () => {
    const h = agentHarness({ executorShutdownGraceSecs: 0.25 });
    await h.agent.runTask(FW, commandTask('t1'));
    await h.agent.runTask(FW, commandTask('t2'));
    const t1 = h.agent.findTask('fw-1', 't1')!;
    const t2 = h.agent.findTask('fw-1', 't2')!;
    h.agent.handle({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: 'fw-1', executor_id: 't1' } });
    assert.deepEqual([h.containerizer.killed, h.containerizer.graceOf.get(t1.containerId)], [[t1.containerId], 250]);

    h.agent.handle({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: 'fw-1' } });
    assert.deepEqual(h.containerizer.killed, [t1.containerId, t2.containerId]);
    h.agent.containerExited(t1.containerId, exited(null, 'SIGTERM'));
    h.agent.containerExited(t2.containerId, exited(null, 'SIGTERM'));
    await until('the framework to complete', () => h.agent.frameworks.get('fw-1') === undefined);
    assert.deepEqual(await h.states('t1'), ['TASK_STARTING'], 'nothing after the shutdown is sent');
  });

  test('a reset (the master removed the agent) destroys the containers of started tasks and forgets everything', async () => {
    const h = agentHarness();
    await h.agent.runTask(FW, commandTask('t1'));
    const task = h.agent.findTask('fw-1', 't1')!;
    h.agent.reset();
    assert.deepEqual(h.containerizer.killed, [task.containerId]);
    assert.equal(h.agent.frameworks.size, 0);
    assert.equal(h.agent.id, undefined);
  });
});

describe('a task group (the default executor)', () => {
  const executor: ExecutorInfo = { executor_id: { value: 'gx' }, framework_id: { value: 'fw-1' } };
  const member = (id: string): TaskInfo => commandTask(id);

  test('each task runs in its own container and sandbox under the run; the group is reported as an executor', async () => {
    const h = agentHarness();
    await h.agent.runTaskGroup(FW, executor, { tasks: [member('g1'), member('g2')] });
    const run = h.agent.frameworks.get('fw-1')!.executors.get('gx')!;
    assert.equal(run.info.type, 'DEFAULT');
    const g1 = h.agent.findTask('fw-1', 'g1')!;
    assert.equal(g1.containerId, `${run.containerId}.g1`);
    assert.equal(g1.directory, `${run.directory}/tasks/g1`);
    assert.deepEqual(
      [statesOf(h, 'g1'), statesOf(h, 'g2')],
      [
        ['TASK_STARTING', 'TASK_RUNNING'],
        ['TASK_STARTING', 'TASK_RUNNING'],
      ],
    );
    assert.deepEqual(
      h.containerizer.launched.map((c) => c.containerId),
      [`${run.containerId}.g1`, `${run.containerId}.g2`],
    );
    await h.agent.runTask(FW, commandTask('solo'));
    const reg = h.agent.registration();
    assert.deepEqual(reg.executors, [{ framework_id: 'fw-1', executor: run.info, kind: 'DEFAULT' }], 'command executors are not reported');
    assert.deepEqual(
      reg.tasks.map((t) => [t.task.task_id.value, t.executor_id]),
      [
        ['g1', 'gx'],
        ['g2', 'gx'],
        ['solo', ''],
      ],
    );
  });

  test('one task failing kills the others (3 s grace); they end KILLED', async () => {
    const h = agentHarness();
    await h.agent.runTaskGroup(FW, executor, { tasks: [member('g1'), member('g2'), member('g3')] });
    const [g1, g2, g3] = ['g1', 'g2', 'g3'].map((id) => h.agent.findTask('fw-1', id)!);
    h.agent.containerExited(g3!.containerId, exited(0));
    assert.deepEqual(h.containerizer.killed, [], 'a task finishing takes nobody with it');
    h.agent.containerExited(g1!.containerId, exited(1));
    assert.deepEqual(h.containerizer.killed, [g2!.containerId]);
    assert.equal(h.containerizer.graceOf.get(g2!.containerId), 3000);
    h.agent.containerExited(g2!.containerId, exited(null, 'SIGTERM'));
    assert.deepEqual(
      ['g1', 'g2', 'g3'].map((id) => statesOf(h, id).at(-1)),
      ['TASK_FAILED', 'TASK_KILLED', 'TASK_FINISHED'],
    );
  });

  test('killing one task kills the group with the kill policy', async () => {
    const h = agentHarness();
    await h.agent.runTaskGroup(FW, executor, { tasks: [member('g1'), member('g2')] });
    const [g1, g2] = ['g1', 'g2'].map((id) => h.agent.findTask('fw-1', id)!);
    h.agent.killTask('fw-1', 'g2', { grace_period: { nanoseconds: 1e9 } });
    assert.deepEqual(
      h.containerizer.killed.map((c) => [c, h.containerizer.graceOf.get(c)]),
      [
        [g1!.containerId, 1000],
        [g2!.containerId, 1000],
      ],
    );
    h.agent.containerExited(g1!.containerId, exited(null, 'SIGTERM'));
    h.agent.containerExited(g2!.containerId, exited(null, 'SIGTERM'));
    assert.deepEqual([statesOf(h, 'g1').at(-1), statesOf(h, 'g2').at(-1)], ['TASK_KILLED', 'TASK_KILLED']);
  });

  test('a member the agent cannot run fails the launch: the first task FAILED, the rest KILLED before they start', async () => {
    const h = agentHarness();
    const bad = { ...member('g2'), container: { type: 'MESOS' as const, rlimit_info: {} } };
    await h.agent.runTaskGroup(FW, executor, { tasks: [member('g1'), bad] });
    assert.equal(h.containerizer.launched.length, 0);
    assert.deepEqual(
      ['g1', 'g2'].map((id) => statuses(h, id).map((s) => [s.state, s.reason])),
      [[['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']], [['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH']]],
    );
  });

  test('an executor id already in use refuses the launch: another group (REASON_TASK_GROUP_INVALID), a custom executor (REASON_TASK_INVALID)', async () => {
    const h = agentHarness();
    await h.agent.runTaskGroup(FW, executor, { tasks: [member('g1')] });
    await h.agent.runTaskGroup(FW, executor, { tasks: [member('again')] });
    await h.agent.runTask(FW, {
      ...commandTask('custom'),
      command: undefined,
      executor: { executor_id: { value: 'gx' }, command: { value: 'x' } },
    });
    await tick();
    const [again, custom] = [(await h.states('again'))[0], (await h.states('custom'))[0]];
    assert.deepEqual([again, custom], ['TASK_FAILED', 'TASK_FAILED']);
    const refusal = (id: string) => h.sent.find((s) => s.task_id.value === id)!;
    assert.deepEqual(
      [refusal('again'), refusal('custom')].map((s) => [s.reason, s.source, s.message]),
      [
        ['REASON_TASK_GROUP_INVALID', 'SOURCE_EXECUTOR', 'Executor gx is already running; launch each task group with a new executor id'],
        [
          'REASON_TASK_INVALID',
          'SOURCE_AGENT',
          "Executor 'gx' is already in use by a task group of this framework; give the custom executor another id",
        ],
      ],
    );
    assert.equal(h.agent.findTask('fw-1', 'again'), undefined, 'a refused task is not recorded');
    assert.equal(h.containerizer.launched.length, 1);
  });
});

describe("how a container's exit reads in the task's last update", () => {
  const at = 0;
  test('a Docker container: a clean exit is FINISHED even after a kill; the kernel killing it for memory says so', () => {
    const docker = { containerId: 'c1', via: 'docker' as const, killRequested: false };
    assert.deepEqual(taskEnd({ ...docker, killRequested: true }, { code: 0, signal: null, at }), {
      state: 'TASK_FINISHED',
      message: 'Container exited with status 0',
    });
    assert.deepEqual(taskEnd({ ...docker, killRequested: true }, { code: 137, signal: null, at }), {
      state: 'TASK_KILLED',
      message: 'Container exited with status 137',
    });
    assert.deepEqual(taskEnd(docker, { code: 137, signal: null, at, oomKilled: true }), {
      state: 'TASK_FAILED',
      message: 'Container exited with status 137 (out of memory: the container exceeded its mem limit)',
      reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
    });
    assert.deepEqual(taskEnd(docker, { code: null, signal: null, unknown: true, at }), {
      state: 'TASK_FAILED',
      message: 'Docker container mesos-c1 is gone (removed outside the agent); its exit status is unknown',
      reason: 'REASON_EXECUTOR_TERMINATED',
    });
  });

  test('a kill for failing health checks says why, whatever the exit', () => {
    const why = 'Task is unhealthy after 3 consecutive failed health checks';
    for (const via of ['mesos', 'docker'] as const) {
      assert.deepEqual(taskEnd({ containerId: 'c', via, killRequested: true, unhealthyKill: why }, { code: null, signal: 'SIGTERM', at }), {
        state: 'TASK_KILLED',
        message: why,
        reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      });
    }
  });
});
