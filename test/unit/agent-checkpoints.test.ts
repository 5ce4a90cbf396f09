// The agent's checkpoints: runs.log round-trips what recovery needs, runs of the older layout (a
// file per record) are still read and continued, forgotten runs go, and compaction keeps the rest.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Checkpoints, CheckpointPaths, type RunInfo, liveRunsFilter, readCheckpoints } from '../../daemons/agent/checkpoints.ts';
import { sandboxDir } from '../../daemons/agent/sandbox.ts';
import type { FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '../../daemons/common/mesos.ts';
import { tempDir } from '../helpers/cluster.ts';

const AGENT = 'agent-1';
const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'root' };

function run(workDir: string, container: string, ex = `ex-${container}`): RunInfo {
  return {
    executor: { executor_id: { value: ex }, framework_id: { value: 'fw-1' } },
    kind: 'COMMAND',
    container_id: container,
    directory: sandboxDir(workDir, AGENT, 'fw-1', ex, container),
    kill_group_on_failure: false,
  };
}

function task(id: string): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: AGENT }, resources: [], command: { value: 'true' } };
}

function status(taskId: string, state: TaskState, uuid: string): TaskStatus {
  return { task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: 1 };
}

/** A command task's whole life: launched, running, finished, acknowledged (all but the last ack). */
async function wholeLife(cp: Checkpoints, workDir: string, container: string, lastAcked = true): Promise<void> {
  await cp.launch('fw-1', run(workDir, container), [task(`t-${container}`)]);
  await cp.update(container, status(`t-${container}`, 'TASK_RUNNING', `${container}-u1`));
  await cp.ack(container, `t-${container}`, `${container}-u1`);
  await cp.update(container, status(`t-${container}`, 'TASK_FINISHED', `${container}-u2`));
  if (lastAcked) await cp.ack(container, `t-${container}`, `${container}-u2`);
  await cp.completed(container);
}

describe('runs.log', () => {
  test('what is checkpointed is read back: runs, tasks, updates, pending updates, markers', async () => {
    const workDir = tempDir('cp-roundtrip');
    const cp = new Checkpoints(workDir, AGENT);
    await cp.framework(FW);
    await wholeLife(cp, workDir, 'c1');
    await cp.launch('fw-1', run(workDir, 'c2'), [task('t-c2')]);
    await cp.update('c2', status('t-c2', 'TASK_RUNNING', 'c2-u1'));
    await cp.subscribed('c2');
    await cp.tasks('c2', [task('t-c2b')]);
    await cp.close();

    const { state, runs, gone } = await readCheckpoints(new CheckpointPaths(workDir, AGENT));
    assert.deepEqual(state.problems, []);
    assert.equal(runs, 2);
    assert.equal(gone, 0);
    assert.equal(state.frameworks.length, 1);
    const [fw] = state.frameworks;
    assert.deepEqual(fw!.info, FW);
    const [r1, r2] = fw!.runs;
    assert.equal(r1!.completed, true);
    assert.deepEqual(r1!.run, run(workDir, 'c1'));
    assert.deepEqual(
      r1!.tasks[0]!.updates.map((u) => u.state),
      ['TASK_RUNNING', 'TASK_FINISHED'],
    );
    assert.deepEqual(r1!.tasks[0]!.pending, []);
    assert.equal(r2!.completed, false);
    assert.equal(r2!.subscribed, true);
    assert.deepEqual(
      r2!.tasks.map((t) => [t.id, t.pending.map((u) => u.uuid)]),
      [
        ['t-c2', ['c2-u1']],
        ['t-c2b', []],
      ],
    );
    assert.deepEqual(r2!.tasks[1]!.info, task('t-c2b'));
    // One file for every run and task: no directory per run in the meta tree.
    assert.equal(existsSync(path.join(workDir, 'meta', 'slaves', AGENT, 'frameworks', 'fw-1', 'executors')), false);
  });

  test('a damaged TaskInfo record is reported as corrupt and costs its task its TaskInfo only; a torn launch is dropped and cut off', async () => {
    const workDir = tempDir('cp-damaged');
    const cp = new Checkpoints(workDir, AGENT);
    await cp.framework(FW);
    await cp.launch('fw-1', run(workDir, 'c1'), [task('broken'), task('fine')]);
    await cp.update('c1', status('broken', 'TASK_RUNNING', 'b1'));
    await cp.update('c1', status('fine', 'TASK_RUNNING', 'f1'));
    await cp.close();
    const file = new CheckpointPaths(workDir, AGENT).runsLog;
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"t":"TASK"') && l.includes('"broken"'));
    lines[i] = lines[i]!.slice(0, 40);
    // A launch torn by a crash: its run record made it, its task record did not.
    writeFileSync(
      file,
      `${lines.join('\n')}\n{"c":"c2","t":"RUN","fw":"fw-1","run":${JSON.stringify(run(workDir, 'c2'))}}\n{"c":"c2","t":"TASK","ta`,
    );

    const { state } = await readCheckpoints(new CheckpointPaths(workDir, AGENT));
    const [r1, r2] = state.frameworks[0]!.runs;
    assert.deepEqual(r1!.tasks.map((t) => [t.id, t.info !== undefined]).sort(), [
      ['broken', false],
      ['fine', true],
    ]);
    assert.deepEqual(r2!.tasks, [], 'the torn launch has no task');
    // The damaged record before the last is corruption (--strict refuses it); the torn last one
    // is dropped and cut off the file.
    assert.deepEqual(state.corrupt, [`${file}:${i + 1}`]);
    assert.match(state.truncated ?? '', /runs\.log:\d+: partial last record \(\d+ bytes\) dropped; file truncated/);
    assert.ok(readFileSync(file, 'utf8').endsWith(`${JSON.stringify(run(workDir, 'c2'))}}`), 'the torn record is cut off');
    assert.ok(state.problems.some((p) => /TaskInfo of task broken is missing or damaged/.test(p)));
  });

  test('without framework.info, a task with no update was never launched', async () => {
    const workDir = tempDir('cp-nofw');
    const cp = new Checkpoints(workDir, AGENT);
    await cp.launch('fw-1', run(workDir, 'c1'), [task('never'), task('ran')]);
    await cp.update('c1', status('ran', 'TASK_RUNNING', 'r1'));
    await cp.close();
    const { state } = await readCheckpoints(new CheckpointPaths(workDir, AGENT));
    assert.deepEqual(
      state.frameworks[0]!.runs[0]!.tasks.map((t) => t.id),
      ['ran'],
    );
    assert.match(state.problems.join('\n'), /framework\.info: ENOENT/);
  });

  test('a run of the older layout is recovered, continued in runs.log, and its files go with its sandbox', async () => {
    const workDir = tempDir('cp-older');
    const p = new CheckpointPaths(workDir, AGENT);
    const old = run(workDir, 'old');
    const runDir = p.run('fw-1', old.executor.executor_id.value, 'old');
    mkdirSync(path.join(runDir, 'tasks', 't-old'), { recursive: true });
    writeFileSync(path.join(p.framework('fw-1'), 'framework.info'), JSON.stringify(FW));
    writeFileSync(path.join(runDir, 'run.info'), JSON.stringify(old));
    writeFileSync(path.join(runDir, 'tasks', 't-old', 'task.info'), JSON.stringify(task('t-old')));
    writeFileSync(
      path.join(runDir, 'tasks', 't-old', 'task.updates'),
      `\n${JSON.stringify({ type: 'UPDATE', status: status('t-old', 'TASK_RUNNING', 'o1') })}`,
    );

    // The upgraded agent recovers it, and the task's end is written to runs.log.
    const cp = new Checkpoints(workDir, AGENT);
    const before = await cp.read();
    assert.deepEqual(
      before.frameworks[0]!.runs[0]!.tasks[0]!.pending.map((u) => u.uuid),
      ['o1'],
    );
    await cp.ack('old', 't-old', 'o1');
    await cp.update('old', status('t-old', 'TASK_FINISHED', 'o2'));
    await cp.completed('old');
    await wholeLife(cp, workDir, 'new');

    const after = await new Checkpoints(workDir, AGENT).read();
    assert.deepEqual(after.problems, []);
    const runs = after.frameworks[0]!.runs;
    assert.deepEqual(
      runs.map((r) => [r.run.container_id, r.completed, r.tasks[0]!.updates.map((u) => u.state), r.tasks[0]!.pending.length]),
      [
        ['old', true, ['TASK_RUNNING', 'TASK_FINISHED'], 1],
        ['new', true, ['TASK_RUNNING', 'TASK_FINISHED'], 0],
      ],
    );

    // Its sandbox is garbage collected: the run is forgotten, its files removed, framework.info kept.
    await cp.forget(old.directory);
    assert.equal(existsSync(path.join(p.framework('fw-1'), 'executors')), false);
    assert.equal(existsSync(path.join(p.framework('fw-1'), 'framework.info')), true);
    await cp.close();
    const last = await new Checkpoints(workDir, AGENT).read();
    assert.deepEqual(
      last.frameworks[0]!.runs.map((r) => r.run.container_id),
      ['new'],
    );
  });

  test('forgotten runs are compacted away once they are half the log; the rest reads back the same', async () => {
    const workDir = tempDir('cp-compact');
    const cp = new Checkpoints(workDir, AGENT);
    await cp.framework(FW);
    const n = 600;
    for (let i = 0; i < n; i++) await wholeLife(cp, workDir, `c${i}`, i !== n - 1);
    const fullSize = cp.logSize;
    // Forgetting the first 299 runs leaves them in the log (under half); the 300th compacts it.
    for (let i = 0; i < 299; i++) await cp.forget(run(workDir, `c${i}`).directory);
    assert.ok(cp.logSize > fullSize, 'not compacted yet');
    await cp.forget(run(workDir, 'c299').directory);
    assert.ok(cp.logSize < fullSize * 0.55, `compacted to ${cp.logSize} of ${fullSize} bytes`);
    // Forgotten all at once, all but one of the rest: compacted while they are forgotten (those
    // forgotten during that compaction stay until the next one, asked for here).
    await Promise.all(Array.from({ length: 299 }, (_, k) => cp.forget(run(workDir, `c${k + 300}`).directory)));
    assert.ok(cp.logSize < fullSize * 0.1, `compacted again to ${cp.logSize} of ${fullSize} bytes`);
    await cp.compact();
    // Forgettings of another agent's sandboxes do not touch this log.
    await cp.forget(sandboxDir(workDir, 'agent-0', 'fw-1', 'ex-c300', 'c300'));
    await cp.close();

    const { state, runs, gone } = await readCheckpoints(new CheckpointPaths(workDir, AGENT));
    assert.deepEqual(state.problems, []);
    assert.equal(runs, 1);
    assert.equal(gone, 0);
    const kept = state.frameworks[0]!.runs;
    assert.deepEqual(
      kept.map((r) => r.run.container_id),
      [`c${n - 1}`],
    );
    assert.ok(kept.every((r) => r.completed && r.tasks[0]!.updates.length === 2));
    assert.deepEqual(
      kept.at(-1)!.tasks[0]!.pending.map((u) => u.uuid),
      [`c${n - 1}-u2`],
      'an unacknowledged update survives compaction',
    );
  });

  test('of the completed runs, the last ones of each framework are read back, as many as the agent keeps', async () => {
    const workDir = tempDir('cp-bounded');
    const cp = new Checkpoints(workDir, AGENT);
    await cp.framework(FW);
    await cp.launch('fw-1', run(workDir, 'running'), [task('t-running')]);
    for (let i = 0; i < 10; i++) await wholeLife(cp, workDir, `c${i}`);
    await cp.forget(run(workDir, 'c0').directory);
    await cp.close();
    const bounded = await new Checkpoints(workDir, AGENT).read(3);
    assert.deepEqual(bounded.problems, []);
    assert.deepEqual(
      bounded.frameworks[0]!.runs.map((r) => r.run.container_id),
      ['running', 'c7', 'c8', 'c9'],
    );
    const all = await new Checkpoints(workDir, AGENT).read();
    assert.equal(all.frameworks[0]!.runs.length, 10, 'all but the forgotten one without a bound');
  });

  test('a framework none of whose runs is left is not recovered, and its checkpoints go', async () => {
    const workDir = tempDir('cp-empty-fw');
    const cp = new Checkpoints(workDir, AGENT);
    const other: FrameworkInfo = { id: { value: 'fw-2' }, name: 'other', user: 'root' };
    await cp.framework(FW);
    await cp.framework(other);
    await wholeLife(cp, workDir, 'c1');
    await cp.forget(run(workDir, 'c1').directory);
    // fw-2: its runs are beyond the bound of completed runs, not forgotten: it stays.
    for (const c of ['d1', 'd2']) {
      await cp.launch('fw-2', { ...run(workDir, c), executor: { executor_id: { value: c }, framework_id: { value: 'fw-2' } } }, [
        task(`t-${c}`),
      ]);
      await cp.completed(c);
    }
    await cp.close();
    const state = await cp.read(0);
    assert.deepEqual(
      state.frameworks.map((f) => [f.id, f.runs.length]),
      [['fw-2', 0]],
    );
    const p = new CheckpointPaths(workDir, AGENT);
    assert.equal(existsSync(p.framework('fw-1')), false, "fw-1's framework.info removed");
    assert.equal(existsSync(path.join(p.framework('fw-2'), 'framework.info')), true);
    await cp.close();
  });

  test('the compaction filter matches container ids exactly, escapes included, and drops lines that are not records', () => {
    const line = (c: string, t: string): string => `{"c":${JSON.stringify(c)},"t":"${t}"}`;
    const lines = [
      line('a"b', 'RUN'),
      line('a', 'RUN'),
      line('a"b', 'GONE'),
      line('ab', 'RUN'),
      line('ab', 'UPDATE'),
      '{"c":"a","t',
      'garbage',
    ];
    const filter = liveRunsFilter();
    for (const l of lines) filter.scan(l);
    assert.deepEqual(
      lines.filter((l) => filter.keep(l)),
      [line('a', 'RUN'), line('ab', 'RUN'), line('ab', 'UPDATE')],
    );
    assert.equal(filter.runsKept, 2);
  });
});
