import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { SandboxGc, diskUsage, finishedSandboxes, keepMs } from '../../daemons/agent/sandbox-gc.ts';

const WEEK = 7 * 24 * 3600_000;
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** <tmp>/slaves/a/frameworks/f/executors/<ex>/runs/<run> with a stdout file; returns the run dir. */
function run(root: string, ex: string, runId = 'r1'): string {
  const d = path.join(root, 'slaves', 'a', 'frameworks', 'f', 'executors', ex, 'runs', runId);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'stdout'), 'x');
  return d;
}

function workDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'gc-'));
  dirs.push(d);
  return d;
}

describe('keepMs (Mesos: gc_delay × max(0, 1 − headroom − usage))', () => {
  test('shrinks with disk usage and reaches zero when the disk is past its headroom', () => {
    assert.equal(keepMs(WEEK, 0.1, 0), WEEK * 0.9);
    assert.equal(keepMs(WEEK, 0.1, 0.5), WEEK * 0.4);
    assert.equal(keepMs(WEEK, 0.1, 0.95), 0);
  });
});

describe('SandboxGc', () => {
  test('removes a run once it is older than the delay allows, and its emptied parents', async () => {
    const root = workDir();
    let now = 100_000;
    const removed: string[] = [];
    const gc = new SandboxGc({ delayMs: 10_000, headroom: 0, now: () => now, diskUsage: async () => 0, removed: (d) => removed.push(d) });
    const old = run(root, 'old');
    const young = run(root, 'young');
    gc.schedule(old, now - 10_001);
    gc.schedule(young, now - 1_000);
    assert.deepEqual(await gc.prune(), [old]);
    assert.equal(existsSync(old), false);
    assert.equal(
      existsSync(path.join(root, 'slaves', 'a', 'frameworks', 'f', 'executors', 'old')),
      false,
      "the executor's directory went with its only run",
    );
    assert.ok(existsSync(young));
    assert.deepEqual(removed, [old]);
    assert.equal(gc.scheduled, 1);
    now += 9_001;
    assert.deepEqual(await gc.prune(), [young]);
    assert.equal(
      existsSync(path.join(root, 'slaves', 'a', 'frameworks', 'f')),
      false,
      'the framework directory went with its last executor',
    );
    assert.ok(existsSync(path.join(root, 'slaves', 'a', 'frameworks')), 'the agent directory stays');
  });

  test('keeps an executor directory that holds another run', async () => {
    const root = workDir();
    const gc = new SandboxGc({ delayMs: 0, headroom: 0, diskUsage: async () => 0 });
    const first = run(root, 'ex', 'r1');
    run(root, 'ex', 'r2');
    gc.schedule(first, Date.now() - 1);
    await gc.prune();
    assert.equal(existsSync(first), false);
    assert.ok(existsSync(path.join(root, 'slaves', 'a', 'frameworks', 'f', 'executors', 'ex', 'runs', 'r2')));
  });

  test('a fuller disk removes younger sandboxes', async () => {
    const root = workDir();
    const now = 1_000_000;
    let usage = 0.2;
    const gc = new SandboxGc({ delayMs: WEEK, headroom: 0.1, now: () => now, diskUsage: async () => usage });
    const day = run(root, 'a-day-old');
    gc.schedule(day, now - 24 * 3600_000);
    assert.deepEqual(await gc.prune(), [], 'a day old, kept 0.7 weeks at 20 % usage');
    usage = 0.85;
    assert.deepEqual(await gc.prune(), [day], 'kept 0.05 weeks (8.4 hours) at 85 %');
  });

  test('when the disk usage cannot be read, the full delay applies and the failure is reported', async () => {
    const root = workDir();
    const warnings: string[] = [];
    const gc = new SandboxGc({
      delayMs: 60_000,
      headroom: 0.1,
      diskUsage: async () => Promise.reject(new Error('EIO')),
      warn: (m) => warnings.push(m),
    });
    const d = run(root, 'x');
    gc.schedule(d, Date.now() - 1_000);
    assert.deepEqual(await gc.prune(), []);
    assert.match(warnings[0] ?? '', /Cannot read the disk usage.*EIO/);
  });

  test('a sandbox that cannot be removed is reported and dropped from the schedule', async () => {
    const warnings: string[] = [];
    const gc = new SandboxGc({
      delayMs: 0,
      headroom: 0,
      diskUsage: async () => 0,
      remove: async () => Promise.reject(new Error('EBUSY')),
      warn: (m) => warnings.push(m),
    });
    gc.schedule('/nowhere/run', Date.now() - 1);
    assert.deepEqual(await gc.prune(), []);
    assert.match(warnings[0] ?? '', /Failed to remove sandbox \/nowhere\/run: EBUSY/);
    assert.equal(gc.scheduled, 0);
  });
});

describe('finishedSandboxes', () => {
  test('lists run directories not in use, with their mtimes', async () => {
    const root = workDir();
    const done = run(root, 'done');
    const running = run(root, 'running');
    const at = new Date(Date.now() - 3600_000);
    utimesSync(done, at, at);
    const found = await finishedSandboxes(root, new Set([running]));
    assert.deepEqual(
      found.map((f) => f.dir),
      [done],
    );
    assert.ok(Math.abs(found[0]!.at - at.getTime()) < 1000);
    assert.deepEqual(await finishedSandboxes(path.join(root, 'missing'), new Set()), []);
  });
});

describe('diskUsage', () => {
  test('is a share between 0 and 1', async () => {
    const u = await diskUsage(tmpdir());
    assert.ok(u >= 0 && u <= 1, String(u));
  });
});
