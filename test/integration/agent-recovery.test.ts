// Breaking the agent on purpose: kill -9 while tasks run, restart it, and nothing is lost —
// running tasks go on, tasks that ended meanwhile report their real exit status, nothing is
// launched twice, and unacknowledged updates arrive.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { AgentExitedError, Daemon, sleep, spawnMesos, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

let master: Daemon;
let agent: Daemon;

before(async () => {
  master = await startMaster(['--allocation_interval=50ms']);
  agent = await startAgent(master, ['--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]']);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

function commandTask(id: string, offer: Offer, command: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    // Every launch appends a line to a file in the sandbox: two lines would be a duplicate launch.
    command: { value: `echo launched >> "$MESOS_SANDBOX/launches"; ${command}` },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ],
  };
}

/** Lets the tasks blocked reading the FIFO `gate` go on (opening it for writing and closing it). */
function releaseGate(gate: string, timeoutMs = 10_000): void {
  execFileSync('sh', ['-c', `: > ${gate}`], { timeout: timeoutMs });
}

/** After a failed test: a task must not wait at its gate forever; nobody waiting is fine. */
function releaseGateIfWaiting(gate: string): void {
  try {
    releaseGate(gate, 2_000);
  } catch {
    // nobody was reading: the task never started or is gone already
  }
}

function distinctStates(s: TestScheduler, taskId: string): string[] {
  const seen = new Set<string>();
  const states: string[] = [];
  for (const u of s.updates(taskId)) {
    const key = u.uuid ?? `${u.state}-${u.timestamp}`;
    if (seen.has(key)) continue;
    seen.add(key);
    states.push(u.state);
  }
  return states;
}

async function agentSandbox(taskId: string): Promise<string> {
  const state = await agent.json<{
    frameworks: { executors: { id: string; directory: string }[]; completed_executors: { id: string; directory: string }[] }[];
    completed_frameworks: { completed_executors: { id: string; directory: string }[] }[];
  }>('/state');
  const all = [
    ...state.frameworks.flatMap((f) => [...f.executors, ...f.completed_executors]),
    ...state.completed_frameworks.flatMap((f) => f.completed_executors),
  ];
  const ex = all.find((e) => e.id === taskId);
  assert.ok(
    ex,
    `executor of ${taskId} in the agent's state: ${JSON.stringify(state.completed_frameworks.map((f) => f.completed_executors.map((e) => e.id)))} / ${JSON.stringify(state.frameworks.map((f) => f.executors.map((e) => e.id)))}`,
  );
  return ex.directory;
}

test('kill -9 of the agent with 50 running tasks: all are recovered, none is launched twice, exits during the outage keep their status', async () => {
  const s = new TestScheduler(master.port, 'json');
  try {
    await s.subscribe({ checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = await s.nextOffer();
    const tasks: TaskInfo[] = [];
    // Gates make the timing deterministic: 10 tasks end while the agent is down (exit 7), 40
    // outlive the outage and finish after it.
    // A task blocks opening a FIFO for reading until the test opens and closes it for writing.
    const gates = tempDir('gates');
    const duringOutage = path.join(gates, 'outage');
    const afterRestart = path.join(gates, 'restarted');
    execFileSync('mkfifo', [duringOutage, afterRestart]);
    for (let i = 0; i < 10; i++) tasks.push(commandTask(`early-${i}`, offer, `read x < ${duringOutage}; exit 7`));
    for (let i = 0; i < 40; i++) tasks.push(commandTask(`late-${i}`, offer, `read x < ${afterRestart}; exit 0`));
    await s.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] },
    });
    await waitFor('50 tasks running', () => tasks.every((t) => s.updates(t.task_id.value).some((u) => u.state === 'TASK_RUNNING')), 30_000);

    const agentId = (await agent.json<{ id: string }>('/state')).id;
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    releaseGate(duringOutage);
    await sleep(1000); // the early tasks exit now, with nobody but the supervisor watching
    agent = await startAgent(master, ['--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]'], {
      workDir: agent.workDir,
      port: agent.port,
    });
    assert.equal((await agent.json<{ id: string }>('/state')).id, agentId, 'same agent id after the restart');
    assert.match(
      agent.output,
      /Recovered agent \S+: 1 frameworks, 40 running tasks re-attached, 10 ended while the agent was down, 0 launched now, 0 lost/,
    );
    // Recovered sandboxes are browsable under their latest-run path before anything new launches.
    const latest = `/slaves/${agentId}/frameworks/${s.client.frameworkId}/executors/late-0/runs/latest/launches`;
    assert.equal((await agent.json<{ data: string }>(`/files/read?path=${encodeURIComponent(latest)}&offset=0`)).data, 'launched\n');
    releaseGate(afterRestart);

    await waitFor(
      'every task terminal',
      () => tasks.every((t) => s.updates(t.task_id.value).some((u) => u.state === 'TASK_FINISHED' || u.state === 'TASK_FAILED')),
      30_000,
    );
    for (const t of tasks) {
      const id = t.task_id.value;
      const states = distinctStates(s, id);
      const terminal = s.updates(id).find((u) => u.state === 'TASK_FINISHED' || u.state === 'TASK_FAILED') as TaskStatus;
      if (id.startsWith('early')) {
        assert.equal(terminal.state, 'TASK_FAILED', id);
        assert.equal(terminal.message, 'Command exited with status 7', `${id} keeps its real exit status`);
      } else {
        assert.equal(terminal.state, 'TASK_FINISHED', id);
      }
      assert.deepEqual(
        states.filter((x) => x === 'TASK_RUNNING'),
        ['TASK_RUNNING'],
        `${id} ran once: ${states.join(',')}`,
      );
      const launches = readFileSync(path.join(await agentSandbox(id), 'launches'), 'utf8');
      assert.equal(launches, 'launched\n', `${id} was launched exactly once`);
    }
    const fw = await master.json<{ frameworks: { tasks: { state: string }[]; completed_tasks: { id: string; state: string }[] }[] }>(
      '/master/frameworks',
    );
    await waitFor('master saw every terminal state', async () => {
      const f = (
        await master.json<{ frameworks: { tasks: { state: string }[]; completed_tasks: { id: string; state: string }[] }[] }>(
          '/master/frameworks',
        )
      ).frameworks[0];
      return f && f.completed_tasks.length === 50 && f.tasks.length === 0;
    });
    assert.ok(fw);
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('a corrupt task checkpoint: --strict refuses to start saying how on; --no-strict recovers, and the task is not killed for it', async () => {
  const s = new TestScheduler(master.port, 'json');
  try {
    await s.subscribe({ checkpoint: true });
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: { task_infos: [commandTask('corrupt-me', offer, 'sleep 6'), commandTask('intact', offer, 'sleep 3')] },
          },
        ],
      },
    });
    await s.waitState('corrupt-me', 'TASK_RUNNING');
    await s.waitState('intact', 'TASK_RUNNING');
    const agentId = (await agent.json<{ id: string }>('/state')).id;
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    // Damage the checkpointed TaskInfo of one task.
    const log = path.join(agent.workDir, 'meta', 'slaves', agentId, 'runs.log');
    const lines = readFileSync(log, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"t":"TASK"') && l.includes('"corrupt-me"'));
    assert.ok(i >= 0, 'the TaskInfo of corrupt-me is in runs.log');
    lines[i] = lines[i]!.slice(0, lines[i]!.indexOf('"corrupt-me"'));
    writeFileSync(log, lines.join('\n'));
    const at = { workDir: agent.workDir, port: agent.port };
    const refused = new Daemon(
      'agent',
      spawnMesos([
        'agent',
        '--ip=127.0.0.1',
        `--port=${agent.port}`,
        `--master=127.0.0.1:${master.port}`,
        `--work_dir=${agent.workDir}`,
        `--runtime_dir=${agent.runtimeDir}`,
      ]),
      agent.port,
      agent.workDir,
    );
    await refused.waitExit();
    assert.notEqual(refused.exited?.code, 0);
    assert.match(refused.output, new RegExp(`corrupt checkpoint record at .*runs\\.log:${i + 1}: .*--no-strict`));
    agent = await startAgent(master, ['--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]', '--no-strict'], at);
    assert.match(agent.output, new RegExp(`Recovery: .*runs\\.log:${i + 1}: corrupt record skipped`));
    assert.match(agent.output, /Recovery: .*the TaskInfo of task corrupt-me is missing or damaged/);
    await s.waitState('intact', 'TASK_FINISHED');
    // Followed to its end rather than killed.
    await s.waitState('corrupt-me', 'TASK_FINISHED').catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}: ${JSON.stringify(s.updates('corrupt-me').map((u) => [u.state, u.message]))}\n${agent.output.slice(-3000)}`,
      );
    });
    assert.ok(!s.updates('corrupt-me').some((u) => u.state === 'TASK_FAILED' || u.state === 'TASK_KILLED'));
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('crashes at random points of checkpoint writing never corrupt the agent state', async () => {
  const s = new TestScheduler(master.port, 'json');
  const args = ['--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]'];
  let crashes = 0;
  let watching = true;
  let restartLoop: Promise<void> | undefined;
  let watcherError: unknown;
  try {
    await s.subscribe({ checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] });
    // The agent kills itself at random checkpoint steps; a watcher restarts it, as systemd would.
    await agent.stop('SIGTERM', 10_000, true);
    restartLoop = (async () => {
      while (watching) {
        const crashing = crashes < 6;
        let current: Daemon;
        try {
          agent = await startAgent(master, args, {
            workDir: agent.workDir,
            port: agent.port,
            ...(crashing ? { env: { MESOS_TEST_CRASH_CHECKPOINT: '0.01' } } : {}),
          });
          current = agent;
          // Told to stop while this one was starting (the last one had just crashed): nobody
          // else will stop it, and waiting for its exit would hang the test (a CI run did).
          if (!watching) {
            await current.stop('SIGTERM', 10_000, true);
            break;
          }
          await current.waitExit();
        } catch (err) {
          if (!(err instanceof AgentExitedError)) throw err;
          current = err.daemon; // crashed while recovering or registering
        }
        if (!watching) break;
        if (/MESOS_TEST_CRASH_CHECKPOINT: crashing/.test(current.output)) crashes++;
        else throw new Error(`the agent died without an injected crash:\n${current.output}`);
      }
    })().catch((err: unknown) => {
      watcherError = err;
    });
    const expected = new Map<string, { state: string; message: string }>();
    let launched = 0;
    const ranSoFar = () => [...expected.keys()].filter((id) => s.updates(id).some((u) => u.state === 'TASK_RUNNING')).length;
    while (launched < 100 && (ranSoFar() < 20 || crashes < 2)) {
      const fresh = await waitFor(
        'an unused offer',
        () => {
          if (watcherError) throw watcherError;
          return s.offers().find((o) => !s.usedOffers.has(o.id.value));
        },
        30_000,
      );
      s.usedOffers.add(fresh.id.value);
      const cpus = fresh.resources!.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
      const mem = fresh.resources!.find((r) => r.name === 'mem')?.scalar?.value ?? 0;
      const fit = Math.min(5, Math.floor(cpus / 0.1 + 1e-9), Math.floor(mem / 16));
      const batch: TaskInfo[] = [];
      for (let i = 0; i < fit; i++, launched++) {
        const code = launched % 3;
        const id = `crashy-${launched}`;
        batch.push(commandTask(id, fresh, `sleep 0.2; exit ${code}`));
        expected.set(
          id,
          code === 0
            ? { state: 'TASK_FINISHED', message: 'Command exited with status 0' }
            : { state: 'TASK_FAILED', message: `Command exited with status ${code}` },
        );
      }
      await s.client
        .call({
          type: 'ACCEPT',
          accept: {
            offer_ids: [fresh.id],
            operations: [{ type: 'LAUNCH', launch: { task_infos: batch } }],
            filters: { refuse_seconds: 0 },
          },
        })
        .catch(() => undefined);
      await sleep(300);
    }
    const terminal = (id: string) =>
      s
        .updates(id)
        .find((u) => ['TASK_FINISHED', 'TASK_FAILED', 'TASK_GONE', 'TASK_DROPPED', 'TASK_LOST', 'TASK_KILLED'].includes(u.state));
    await waitFor(
      'every task ends in a definite state',
      async () => {
        await s.client.call({ type: 'RECONCILE', reconcile: { tasks: [] } }).catch(() => undefined);
        return [...expected.keys()].every((id) => terminal(id));
      },
      90_000,
      1000,
    ).catch((err: Error) => {
      const stuck = [...expected.keys()]
        .filter((id) => !terminal(id))
        .map(
          (id) =>
            `${id}: ${
              s
                .updates(id)
                .map((u) => `${u.state} ${u.message ?? ''}`)
                .join(',') || '(no update)'
            }`,
        );
      throw new Error(`${err.message}; stuck: ${stuck.join('; ')}`);
    });
    // A reconciliation answer may come first; the task's own terminal update, with its exit
    // status, must still follow for every task that ran.
    const gone = (id: string) => ['TASK_GONE', 'TASK_DROPPED'].includes(terminal(id)!.state);
    const own = (id: string) =>
      s.updates(id).find((u) => u.source === 'SOURCE_EXECUTOR' && ['TASK_FINISHED', 'TASK_FAILED'].includes(u.state));
    await waitFor(
      'the terminal update of every task that ran',
      () => [...expected.keys()].every((id) => gone(id) || own(id)),
      60_000,
      200,
    ).catch((err: Error) => {
      const missing = [...expected.keys()]
        .filter((id) => !gone(id) && !own(id))
        .map(
          (id) =>
            `${id}: ${s
              .updates(id)
              .map((u) => `${u.state} ${u.message ?? ''}`)
              .join(',')}`,
        );
      throw new Error(`${err.message}; missing: ${missing.join('; ')}`);
    });
    watching = false;
    if (watcherError) throw watcherError;
    let ran = 0;
    for (const [id, want] of expected) {
      if (gone(id)) {
        // The agent died before the task was checkpointed: it never ran, and the master says so.
        assert.equal(
          s.updates(id).some((u) => u.state === 'TASK_RUNNING'),
          false,
          `${id} is reported gone but had been running`,
        );
        continue;
      }
      ran++;
      const end = own(id)!;
      assert.equal(end.state, want.state, `${id}: ${JSON.stringify(s.updates(id).map((u) => [u.state, u.message]))}`);
      assert.equal(end.message, want.message, id);
      assert.equal(terminal(id)!.state, want.state, `${id}: reconciliation agrees`);
    }
    assert.ok(ran >= 20, `tasks ran despite the crashes (${ran} of ${expected.size})`);
    assert.ok(crashes >= 2, `crashes were injected (${crashes})`);
  } finally {
    // Also when a wait above failed: a watcher left running would restart the agent after()
    // stops, for ever, and the test file would never end.
    watching = false;
    await agent.stop('SIGTERM', 10_000, true);
    await restartLoop;
    agent = await startAgent(master, args, { workDir: agent.workDir, port: agent.port });
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('kill -9 of the task supervisor: a new one adopts the running task from its record; it stays RUNNING, is not launched again, and its end is reported', async () => {
  const s = new TestScheduler(master.port, 'json');
  const gate = path.join(tempDir('gates'), 'end');
  execFileSync('mkfifo', [gate]);
  let released = false;
  try {
    await s.subscribe({ checkpoint: true });
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('adopted', offer, `read x < ${gate}; exit 0`)] } }],
      },
    });
    await s.waitState('adopted', 'TASK_RUNNING');
    const pidFile = path.join(agent.runtimeDir ?? path.join(agent.workDir, 'run'), 'supervisor.pid');
    const first = Number(readFileSync(pidFile, 'utf8'));
    process.kill(first, 'SIGKILL');
    const second = await waitFor('a new task supervisor', () => {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      return pid !== first && pid > 0 ? pid : undefined;
    });
    assert.notEqual(second, first);
    // Started by the agent with a small young generation (each task's fork copies less).
    const supervisorLog = path.join(path.dirname(pidFile), 'supervisor.log');
    const started = await waitFor('the new supervisor to log its start', () =>
      readFileSync(supervisorLog, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`supervisor: pid ${second} `)),
    );
    assert.match(started, /Node options: .*--max-semi-space-size=1$/);
    await sleep(1500);
    assert.deepEqual(distinctStates(s, 'adopted'), ['TASK_STARTING', 'TASK_RUNNING'], 'still running under the new supervisor');
    releaseGate(gate);
    released = true;
    // Not its child: the new supervisor sees the task gone, but not how it ended.
    const end = await waitFor('the end of the adopted task', () => s.updates('adopted').find((u) => u.state === 'TASK_FAILED'));
    assert.match(end.message ?? '', /exit status is unknown/);
    assert.equal(readFileSync(path.join(await agentSandbox('adopted'), 'launches'), 'utf8'), 'launched\n');
  } finally {
    // A failed run must not leave the task waiting at its gate forever.
    if (!released) releaseGateIfWaiting(gate);
    s.close();
  }
});

test('an agent upgraded from the older checkpoint layout (a file per record) recovers its running task, which finishes once', async () => {
  const s = new TestScheduler(master.port, 'json');
  const gate = path.join(tempDir('upgrade-gate'), 'gate');
  execFileSync('mkfifo', [gate]);
  let released = false;
  try {
    await s.subscribe({ checkpoint: true });
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('upgraded', offer, `read x < ${gate}; exit 0`)] } }],
      },
    });
    await s.waitState('upgraded', 'TASK_RUNNING');
    const agentId = (await agent.json<{ id: string }>('/state')).id;
    agent.proc.kill('SIGKILL');
    await agent.waitExit();

    // What an agent before runs.log left: run.info, task.info, task.updates, completed markers.
    const meta = path.join(agent.workDir, 'meta', 'slaves', agentId);
    const log = path.join(meta, 'runs.log');
    type Record = {
      c: string;
      t: string;
      fw: string;
      run: { executor: { executor_id: { value: string } } };
      task: TaskInfo;
      status: TaskStatus;
      uuid: string;
    };
    // Lines torn by the crash tests above are skipped, as the agent skips them.
    const records = readFileSync(log, 'utf8')
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record];
        } catch {
          return [];
        }
      });
    const runDirs = new Map<string, string>();
    const taskDir = (r: Record, id: string) => {
      const dir = path.join(runDirs.get(r.c)!, 'tasks', id);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    for (const r of records) {
      if (r.t === 'RUN') {
        const dir = path.join(meta, 'frameworks', r.fw, 'executors', r.run.executor.executor_id.value, 'runs', r.c);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'run.info'), JSON.stringify(r.run));
        runDirs.set(r.c, dir);
      } else if (r.t === 'TASK') {
        writeFileSync(path.join(taskDir(r, r.task.task_id.value), 'task.info'), JSON.stringify(r.task));
      } else if (r.t === 'UPDATE') {
        appendFileSync(
          path.join(taskDir(r, r.status.task_id.value), 'task.updates'),
          `\n${JSON.stringify({ type: 'UPDATE', status: r.status })}`,
        );
      } else if (r.t === 'ACK') {
        appendFileSync(
          path.join(taskDir(r, (r as unknown as { task: string }).task), 'task.updates'),
          `\n${JSON.stringify({ type: 'ACK', uuid: r.uuid })}`,
        );
      } else if (r.t === 'COMPLETED') {
        writeFileSync(path.join(runDirs.get(r.c)!, 'completed'), '');
      }
    }
    rmSync(log);

    agent = await startAgent(master, ['--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]'], {
      workDir: agent.workDir,
      port: agent.port,
    });
    assert.match(
      agent.output,
      /Recovered agent \S+: \d+ frameworks, 1 running tasks re-attached, 0 ended while the agent was down, 0 launched now, 0 lost/,
    );
    releaseGate(gate);
    released = true;
    await s.waitState('upgraded', 'TASK_FINISHED');
    assert.deepEqual(distinctStates(s, 'upgraded'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.equal(readFileSync(path.join(await agentSandbox('upgraded'), 'launches'), 'utf8'), 'launched\n', 'launched exactly once');
    // The task's end went to the new log, after the older files it continues.
    await waitFor('the end in runs.log', () => existsSync(log) && readFileSync(log, 'utf8').includes('"state":"TASK_FINISHED"'));
  } finally {
    if (!released) releaseGateIfWaiting(gate);
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});
