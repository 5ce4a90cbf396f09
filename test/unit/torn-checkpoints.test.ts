// runs.log cut short or damaged: a torn last record is dropped and the file truncated, other
// damage is reported for --strict to refuse, and recovery never kills a live task because its
// record could not be read (cut at every record boundary and inside records).
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import pino from 'pino';
import { CheckpointPaths, readCheckpoints } from '../../daemons/agent/checkpoints.ts';
import type { FoundContainer } from '../../daemons/agent/containerizer/containerizer.ts';
import { strictRefusal } from '../../daemons/agent/main.ts';
import { applyRecovery } from '../../daemons/agent/recovery.ts';
import { runsWithSandbox } from '../../daemons/agent/sandbox.ts';
import { scanRecordLog } from '../../daemons/common/checkpoint.ts';
import type { FrameworkInfo, TaskInfo } from '../../daemons/common/mesos.ts';
import { tempDir } from '../helpers/cluster.ts';
import { agentHarness, tick } from './agent-harness.ts';

const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'root', checkpoint: true };

function commandTask(id: string): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: 'agent-1' }, resources: [], command: { value: 'sleep 1000' } };
}

/** Offsets of the newlines that start records: a cut there leaves whole records only. */
function boundaries(text: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) at.push(i);
  at.push(text.length);
  return at;
}

describe('scanRecordLog', () => {
  const dir = tempDir('scan-log');
  const file = `${dir}/log`;
  const records = [{ a: 1 }, { a: 2 }, { a: 3 }];
  const whole = records.map((r) => `\n${JSON.stringify(r)}`).join('');

  test('a cut inside the last record drops it and truncates the file to the record before', async () => {
    const cuts = boundaries(whole);
    for (let cut = 1; cut < whole.length; cut++) {
      if (cuts.includes(cut)) continue;
      writeFileSync(file, whole.slice(0, cut));
      const got: unknown[] = [];
      const scan = await scanRecordLog(file, (r) => got.push(r));
      const kept = cuts.filter((b) => b < cut).pop()!;
      assert.deepEqual(scan.corrupt, [], `cut at ${cut}`);
      assert.equal(scan.tornTail?.truncatedTo, kept, `cut at ${cut}`);
      assert.equal(statSync(file).size, kept);
      assert.equal(got.length, cuts.indexOf(kept));
      // The next append starts on a clean line: the log reads whole again.
      writeFileSync(file, `${whole.slice(kept)}`, { flag: 'a' });
      const again = await scanRecordLog(file, () => undefined);
      assert.equal(again.records, 3);
      assert.equal(again.tornTail, undefined);
    }
  });

  test('a cut at a record boundary loses nothing that was whole and reports nothing', async () => {
    for (const cut of boundaries(whole)) {
      writeFileSync(file, whole.slice(0, cut));
      const scan = await scanRecordLog(file, () => undefined);
      assert.equal(scan.tornTail, undefined);
      assert.deepEqual(scan.corrupt, []);
      assert.equal(statSync(file).size, cut);
    }
  });

  test('a damaged record before the last, or a last one that parses but is no record, is corruption, not a tear', async () => {
    writeFileSync(file, `\n{"a":1}\n{"a":2,"b\n{"a":3}`);
    const got: unknown[] = [];
    const scan = await scanRecordLog(file, (r) => got.push(r));
    assert.deepEqual(scan.corrupt, [`${file}:3`]);
    assert.deepEqual(got, [{ a: 1 }, { a: 3 }]);
    assert.equal(scan.tornTail, undefined);
    writeFileSync(file, `\n{"a":1}\n[1,2]`);
    const last = await scanRecordLog(
      file,
      () => undefined,
      (r) => typeof r === 'object' && r !== null && !Array.isArray(r),
    );
    assert.deepEqual(last.corrupt, [`${file}:3`]);
    assert.equal(readFileSync(file, 'utf8'), `\n{"a":1}\n[1,2]`, 'corruption is not truncated away');
  });

  test('the refusal under --strict names the file and the ways on', () => {
    const msg = strictRefusal('corrupt checkpoint record at /w/meta/slaves/a/runs.log:7', '/w/meta/slaves/a/runs.log');
    assert.match(msg, /^corrupt checkpoint record at \/w\/meta\/slaves\/a\/runs\.log:7: refusing to recover with --strict/);
    assert.match(msg, /--no-strict/);
    assert.match(msg, /move \/w\/meta\/slaves\/a\/runs\.log away/);
    assert.doesNotMatch(msg, /\n/);
  });
});

describe('--no-strict', () => {
  test('the damaged records skipped are removed from runs.log, the rest kept, so the next start is clean', async () => {
    const h = agentHarness({}, undefined, { autoAck: true });
    for (const id of ['a', 'b']) await h.agent.runTask(FW, commandTask(id));
    await h.agent.statusUpdates.flushed();
    const cp = h.agent.checkpointed!;
    await cp.close();
    const lines = readFileSync(cp.paths.runsLog, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"t":"TASK"') && l.includes('"a"'));
    lines[i] = lines[i]!.slice(0, 25);
    writeFileSync(cp.paths.runsLog, lines.join('\n'));
    const damaged = await cp.read();
    assert.deepEqual(damaged.corrupt, [`${cp.paths.runsLog}:${i + 1}`]);
    await cp.dropDamaged();
    await cp.close();
    const again = await readCheckpoints(cp.paths);
    assert.deepEqual(again.state.corrupt, []);
    const after = readFileSync(cp.paths.runsLog, 'utf8').split('\n');
    assert.ok(!after.includes(lines[i]!), 'the damaged record is gone');
    assert.ok(
      lines.filter((l, n) => n !== i && l !== '').every((l) => after.includes(l)),
      'every other record is kept',
    );
    const tasks = again.state.frameworks[0]!.runs.flatMap((r) => r.tasks.map((t) => [t.id, t.info !== undefined]));
    assert.deepEqual(tasks.sort(), [
      ['a', false],
      ['b', true],
    ]);
  });
});

describe('recovery from a cut runs.log', () => {
  test('cut at every record boundary and inside every record: no live task is killed', async () => {
    const h = agentHarness({}, undefined, { autoAck: true });
    const ids = ['t1', 't2', 't3', 't4'];
    for (const id of ids) await h.agent.runTask(FW, commandTask(id));
    for (const id of ids) assert.ok((await h.states(id)).includes('TASK_RUNNING'), `${id} running`);
    await h.agent.statusUpdates.flushed();
    await h.agent.checkpointed!.close();
    const paths = new CheckpointPaths(h.dir, 'agent-1');
    const whole = readFileSync(paths.runsLog, 'utf8');
    const live: FoundContainer[] = h.containerizer.launched.map((ctx) => ({
      id: ctx.containerId,
      pid: 4242,
      launchedAt: 0,
      containerizer: 'mesos',
    }));
    assert.equal(live.length, ids.length);
    const ends = boundaries(whole);
    const cuts = [...ends];
    // Inside every record: just after its newline, in its middle, one byte short of its end.
    for (let i = 0; i + 1 < ends.length; i++) {
      const [from, to] = [ends[i]!, ends[i + 1]!];
      cuts.push(from + 1, Math.floor((from + to) / 2), to - 1);
    }
    for (const cut of cuts) {
      writeFileSync(paths.runsLog, whole.slice(0, cut));
      const { state } = await readCheckpoints(paths);
      assert.deepEqual(state.corrupt, [], `cut at ${cut}`);
      const after = agentHarness({}, h.dir);
      const summary = applyRecovery(
        after.agent,
        state,
        live,
        { rebooted: false, sandboxes: runsWithSandbox(h.dir, 'agent-1') },
        pino({ level: 'silent' }),
      );
      await tick(5);
      assert.deepEqual(after.containerizer.killed, [], `cut at ${cut} of ${whole.length}: nothing killed`);
      assert.equal(summary.orphansKilled, 0);
      assert.equal(summary.running + summary.unreadable, ids.length, `cut at ${cut}: every task followed or left running`);
      await after.agent.checkpointed!.close();
    }
  });

  test('a container without a sandbox of this agent is still an orphan, and killed', async () => {
    const h = agentHarness();
    const { state } = await readCheckpoints(new CheckpointPaths(h.dir, 'agent-1'));
    const stray: FoundContainer = { id: 'stray', pid: 4242, launchedAt: 0, containerizer: 'mesos' };
    const summary = applyRecovery(
      h.agent,
      state,
      [stray],
      { rebooted: false, sandboxes: runsWithSandbox(h.dir, 'agent-1') },
      pino({ level: 'silent' }),
    );
    await tick(5);
    assert.equal(summary.orphansKilled, 1);
    assert.deepEqual(h.containerizer.killed, ['stray']);
  });
});
