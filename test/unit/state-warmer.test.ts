import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import { jsonText } from '../../daemons/common/raw-json.ts';
import type { Master } from '../../daemons/master/master.ts';
import type { TaskRecord } from '../../daemons/master/records.ts';
import { forgetStateJson, isTaskJsonCached, stateJson, stateTasks } from '../../daemons/master/state-json.ts';
import { StateJsonWarmer, type WarmerClock, type WarmerOptions } from '../../daemons/master/state-warmer.ts';
import { populatedMaster } from '../helpers/populated-master.ts';

const OPTS: WarmerOptions = { sliceMs: 4, intervalMs: 20, restMs: 2000, settledMs: 1000, lateMs: 25, busyShare: 0.5 };

/** A clock that moves only when told: `wall` starts at the real time, as the tasks' statuses do. */
class FakeClock implements WarmerClock {
  ms = 0;
  wallMs = Date.now();
  /** Milliseconds added on every read of now(), as if each read took that long. */
  tick = 0;
  busy = 0;
  busyShare(): number {
    return this.busy;
  }
  now(): number {
    this.ms += this.tick;
    return this.ms;
  }
  wall(): number {
    return this.wallMs;
  }
}

const masters: Master[] = [];
afterEach(() => {
  for (const m of masters.splice(0)) m.stop();
  forgetStateJson();
});

async function master(tasks: number): Promise<Master> {
  const m = await populatedMaster(10, 2, tasks);
  masters.push(m);
  return m;
}

const allTasks = (m: Master): TaskRecord[] => [...stateTasks(m)];

/** Slices until a pass ends; returns how many slices that took. */
function untilRest(warmer: StateJsonWarmer): number {
  for (let slices = 1; slices < 10_000; slices++) if (warmer.slice() === OPTS.restMs) return slices;
  throw new Error('the warmer never rested');
}

describe('StateJsonWarmer', () => {
  test('serializes settled tasks and sums used resources ahead of /master/state, which then says the same', async () => {
    const m = await master(200);
    const clock = new FakeClock();
    clock.wallMs += 5000;
    const warmer = new StateJsonWarmer(m, OPTS, clock);
    assert.equal(warmer.slice(), OPTS.restMs, 'one slice was enough for the pass; the next starts after a rest');
    assert.equal(warmer.serialized, 200);
    assert.ok(allTasks(m).every(isTaskJsonCached), 'every task is cached');
    assert.ok(
      [...m.agents.values(), ...m.frameworks.values()].every((o) => o.tasks.usedIsCurrent()),
      'every sum is current',
    );
    assert.equal(warmer.slice(), OPTS.restMs);
    assert.equal(warmer.serialized, 200, 'the next pass found nothing to do');
    const ctx = { master: m, flags: {}, buildTime: 0 };
    const warmed = jsonText(stateJson(ctx));
    forgetStateJson();
    assert.ok(!allTasks(m).some(isTaskJsonCached));
    assert.equal(warmed, jsonText(stateJson(ctx)), 'the document is the one a cold call makes');
  });

  test('leaves tasks whose latest status is recent until they settle', async () => {
    const m = await master(50);
    const clock = new FakeClock();
    const warmer = new StateJsonWarmer(m, OPTS, clock);
    untilRest(warmer);
    assert.equal(warmer.serialized, 0, 'tasks launched under a second ago are left');
    assert.ok(
      [...m.agents.values()].every((a) => a.tasks.usedIsCurrent()),
      'the sums are made anyway',
    );
    clock.wallMs += OPTS.settledMs + 10;
    untilRest(warmer);
    assert.equal(warmer.serialized, 50);
  });

  test('stops a slice when its time is up and goes on from there', async () => {
    const m = await master(500);
    const clock = new FakeClock();
    clock.wallMs += 5000;
    clock.tick = 1; // every read of the clock "takes" 1 ms: a 4 ms slice reads it a few times only
    const warmer = new StateJsonWarmer(m, OPTS, clock);
    assert.equal(warmer.slice(), OPTS.intervalMs, 'the pass goes on soon');
    const afterOne = warmer.serialized;
    assert.ok(afterOne > 0 && afterOne < 500, `one slice serialized ${afterOne} of 500`);
    const slices = untilRest(warmer);
    assert.ok(slices >= 2, `the rest took ${slices} more slices`);
    assert.equal(warmer.serialized, 500, 'each task once');
  });

  test('a task that changes after it was serialized is serialized again', async () => {
    const m = await master(20);
    const clock = new FakeClock();
    clock.wallMs += 5000;
    const warmer = new StateJsonWarmer(m, OPTS, clock);
    untilRest(warmer);
    const fw = [...m.frameworks.values()][0]!;
    const task = fw.tasks.values().next().value!;
    const agent = m.agents.get(task.agentId)!;
    const uuid = newStatusUuid();
    m.statusUpdate(agent, fw.id, {
      task_id: task.info.task_id,
      state: 'TASK_FINISHED',
      uuid,
      source: 'SOURCE_EXECUTOR',
      timestamp: clock.wallMs / 1000,
    });
    assert.ok(!isTaskJsonCached(task));
    assert.ok(!agent.tasks.usedIsCurrent(), 'the finished task gave its resources back');
    untilRest(warmer);
    assert.ok(isTaskJsonCached(task), 'a terminal task is settled at once');
    assert.ok(agent.tasks.usedIsCurrent());
    assert.equal(warmer.serialized, 21);
    const json = JSON.parse(jsonText(stateJson({ master: m, flags: {}, buildTime: 0 }))) as {
      frameworks: { tasks: { id: string; state: string }[]; completed_tasks: { id: string; state: string }[] }[];
    };
    const seen = json.frameworks.flatMap((f) => [...f.tasks, ...f.completed_tasks]).find((t) => t.id === task.info.task_id.value);
    assert.equal(seen?.state, 'TASK_FINISHED');
  });

  test('on its timer, it waits while the event loop is busy', async () => {
    const m = await master(100);
    const clock = new FakeClock();
    clock.wallMs += 5000;
    clock.busy = 0.9;
    const warmer = new StateJsonWarmer(m, { ...OPTS, intervalMs: 1 }, clock);
    warmer.start();
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(warmer.serialized, 0, 'a busy master is left alone');
      clock.busy = 0.2;
      const deadline = Date.now() + 5000;
      while (warmer.serialized < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(warmer.serialized, 100, 'and served once it is not');
    } finally {
      warmer.stop();
    }
  });

  test('runs on its own timer once started, and not after stop()', async () => {
    const m = await master(100);
    const warmer = new StateJsonWarmer(m, { ...OPTS, intervalMs: 1, restMs: 1, settledMs: 0 });
    warmer.start();
    const deadline = Date.now() + 5000;
    while (warmer.serialized < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    warmer.stop();
    assert.equal(warmer.serialized, 100);
    forgetStateJson();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(warmer.serialized, 100, 'stopped: nothing more');
  });
});
