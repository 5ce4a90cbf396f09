// The registry on a full disk, and compacted by size. /dev/full stands in for a full file
// system: every write to it fails with ENOSPC.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import pino from 'pino';
import { diskFailure } from '../../daemons/common/disk-errors.ts';
import { COMPACT_AFTER_BYTES, Registry } from '../../daemons/master/registry.ts';

const LIMITS = { maxCompletedFrameworks: 10, maxCompletedTasksPerFramework: 10 };
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function registryDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-faults-'));
  dirs.push(dir);
  return dir;
}

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), text: () => lines.join('') };
}

const framework = (id: string, extra: Record<string, unknown> = {}) => ({
  op: 'ADD_FRAMEWORK' as const,
  info: { id: { value: id }, user: 'u', name: id, ...extra },
  registered_time: 1,
});

function applied(reg: Registry, op: Parameters<Registry['apply']>[0]): Promise<void> {
  return new Promise((resolve, reject) => reg.apply(op, resolve, reject));
}

test('an append that fails on a full disk rejects its waiters, says so clearly, and the registry recovers once it can write', async () => {
  const dir = registryDir();
  const log = capturedLogger();
  const reg = await Registry.open(dir, LIMITS, log.logger);
  await applied(reg, framework('before'));
  const logFile = path.join(dir, 'log.0');
  renameSync(logFile, `${logFile}.aside`);
  symlinkSync('/dev/full', logFile);
  const failures = await Promise.all(
    [applied(reg, framework('a')), applied(reg, framework('b'))].map((p) =>
      p.then(
        () => '',
        (e: Error) => e.message,
      ),
    ),
  );
  const why = diskFailure(dir, Object.assign(new Error(), { code: 'ENOSPC' }));
  assert.match(why, /^no space left on the file system at \/\S* \(\w+\) \(ENOSPC\)$/);
  assert.deepEqual(failures, [`the registry cannot be written: ${why}`, `the registry cannot be written: ${why}`]);
  assert.ok(
    log.text().includes(`Cannot write the registry ${logFile}: ${why}. 2 operation(s) (ADD_FRAMEWORK) are not durable and fail`),
    log.text(),
  );
  // Space is back.
  unlinkSync(logFile);
  renameSync(`${logFile}.aside`, logFile);
  await applied(reg, framework('after'));
  const reopened = await Registry.open(dir, LIMITS, log.logger);
  assert.deepEqual([...reopened.state.frameworks.keys()], ['before', 'after']);
  assert.ok(!log.text().includes('torn'), 'no damaged record');
});

test('a master whose registry cannot be written does not open it, and says why', async () => {
  const dir = registryDir();
  symlinkSync('/dev/full', path.join(dir, 'log.0'));
  await assert.rejects(Registry.open(dir, LIMITS, pino({ level: 'silent' })), {
    message: `cannot write ${dir}/log.0: ${diskFailure(dir, Object.assign(new Error(), { code: 'ENOSPC' }))}; free space there (or fix it) and start again`,
  });
});

test('write failures in words', () => {
  const err = (code: string) => Object.assign(new Error(`${code}: something`), { code });
  assert.match(diskFailure('/d', err('EDQUOT')), /^disk quota exhausted on the file system at \/\S* \(\w+\) \(EDQUOT\)$/);
  assert.match(diskFailure('/d', err('EROFS')), /^read-only file system on the file system at \/\S* \(\w+\) \(EROFS\)$/);
  assert.match(diskFailure('/d', err('EIO')), /^I\/O error on the file system at \/\S* \(\w+\) \(EIO\)$/);
  assert.equal(diskFailure('/d', err('EACCES')), 'EACCES: something');
});

test('the log is folded into a snapshot once it is large, however few operations it holds', async () => {
  const dir = registryDir();
  const reg = await Registry.open(dir, LIMITS, pino({ level: 'silent' }));
  const big = { labels: { labels: [{ key: 'k', value: 'v'.repeat(1 << 20) }] } };
  const count = Math.ceil(COMPACT_AFTER_BYTES / (1 << 20)) + 2;
  await Promise.all(Array.from({ length: count }, (_, i) => applied(reg, framework(`f${i}`, big))));
  await reg.flushed();
  const files = readdirSync(dir).sort();
  // The old log is gone; the next starts with the next write.
  assert.deepEqual(files, ['snapshot.json'], `${count} operations, ${files}`);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'snapshot.json'), 'utf8')).frameworks.length, count);
  const reopened = await Registry.open(dir, LIMITS, pino({ level: 'silent' }));
  assert.equal(reopened.state.frameworks.size, count);
  assert.ok(statSync(path.join(dir, 'log.1')).size < 16);
});
