// Durable checkpoint writes: they make their directory only when it is missing, and still do
// when it was removed after an earlier write into it; they close what they open.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  AppendLog,
  appendJsonLine,
  forEachLineOfFd,
  checkpointSyncCount,
  isInMemoryFs,
  readJson,
  readJsonLines,
  scanRecordLog,
  skipSyncsIfInMemory,
  writeFileAtomic,
  writeJsonAtomic,
} from '../../daemons/common/checkpoint.ts';
import { tempDir } from '../helpers/cluster.ts';

const root = tempDir('checkpoint');

describe('writeFileAtomic', () => {
  test('makes missing directories, replaces the file and leaves no temporary file', async () => {
    const file = path.join(root, 'w', 'a', 'b', 'task.info');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(readdirSync(path.dirname(file)), ['task.info']);
  });

  test('makes the directory again after it was removed', async () => {
    const file = path.join(root, 'again', 'x', 'run.info');
    await writeJsonAtomic(file, { n: 1 });
    rmSync(path.join(root, 'again'), { recursive: true });
    await writeJsonAtomic(file, { n: 2 });
    assert.deepEqual(await readJson(file), { ok: true, value: { n: 2 } });
  });

  test('other errors than a missing directory are not hidden', async () => {
    const blocker = path.join(root, 'blocker');
    writeFileSync(blocker, '');
    await assert.rejects(writeFileAtomic(path.join(blocker, 'sub', 'f'), 'x'), { code: 'ENOTDIR' });
  });
});

describe('appendJsonLine', () => {
  test('makes missing directories and appends records in order', async () => {
    const file = path.join(root, 'log', 'tasks', 't1', 'task.updates');
    await appendJsonLine(file, { i: 1 });
    await appendJsonLine(file, { i: 2 }, false);
    assert.deepEqual(await readJsonLines(file), { records: [{ i: 1 }, { i: 2 }], damaged: [] });
  });

  test('makes the directory again after it was removed', async () => {
    const file = path.join(root, 'gone', 't', 'task.updates');
    await appendJsonLine(file, { i: 1 });
    rmSync(path.join(root, 'gone'), { recursive: true });
    await appendJsonLine(file, { i: 2 });
    assert.deepEqual((await readJsonLines(file)).records, [{ i: 2 }]);
  });

  test('other errors than a missing directory are not hidden', async () => {
    const blocker = path.join(root, 'blocker2');
    writeFileSync(blocker, '');
    await assert.rejects(appendJsonLine(path.join(blocker, 'f'), {}), { code: 'ENOTDIR' });
  });
});

test('writes close every descriptor they open, also when they fail', async () => {
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  const blocker = path.join(root, 'blocker3');
  writeFileSync(blocker, '');
  for (let i = 0; i < 50; i++) {
    await appendJsonLine(path.join(root, 'fds', 'log'), { i }, i % 2 === 0);
    await writeJsonAtomic(path.join(root, 'fds', `f${i % 5}`), { i });
    await assert.rejects(appendJsonLine(path.join(blocker, 'x'), {}));
  }
  assert.equal(fds(), before);
  assert.equal((await readJsonLines(path.join(root, 'fds', 'log'))).records.length, 50);
});

describe('forEachLineOfFd', () => {
  test('gives every line of a file read in chunks, multi-byte characters across chunk boundaries included', async () => {
    const file = path.join(root, 'lines.txt');
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 9_500_000; i++) {
      const l = `${i}:${'é€x'.repeat(i % 700)}`;
      lines.push(l);
      size += Buffer.byteLength(l) + 1;
    }
    const text = lines.join('\n');
    writeFileSync(file, text);
    const got: string[] = [];
    const fd = openSync(file, 'r');
    try {
      await forEachLineOfFd(fd, Buffer.byteLength(text), (line, n) => {
        assert.equal(n, got.length + 1);
        got.push(line);
      });
      assert.equal(got.length, lines.length);
      assert.ok(
        got.every((l, i) => l === lines[i]),
        'every line intact',
      );
      // Only the first `length` bytes: what was appended after the log was measured is not read.
      const partial: string[] = [];
      await forEachLineOfFd(fd, Buffer.byteLength(`${lines[0]}\n${lines[1]}`), (line) => partial.push(line));
      assert.deepEqual(partial, [lines[0], lines[1]]);
    } finally {
      closeSync(fd);
    }
  });
});

describe('AppendLog', () => {
  test('appends records in order, makes its directory, and reopens after close', async () => {
    const file = path.join(root, 'applog', 'a', 'runs.log');
    const log = new AppendLog(file);
    await log.append([{ i: 1 }, { i: 2 }], true);
    await log.append([{ i: 3 }], false);
    await log.close();
    await log.append([{ i: 4 }], true);
    await log.close();
    assert.deepEqual(await readJsonLines(file), { records: [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }], damaged: [] });
    assert.equal(log.size, 0, 'closed');
  });

  test('durable appends made together share syncs, and each resolves after a sync that followed its write', async () => {
    const file = path.join(root, 'applog', 'group', 'runs.log');
    const log = new AppendLog(file);
    await log.append([{ first: true }], true);
    const before = checkpointSyncCount();
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([{ i }], true)));
    const syncs = checkpointSyncCount() - before;
    // The first waits alone; the 49 written while it syncs share the next one.
    assert.ok(syncs >= 1 && syncs <= 2, `50 durable appends made ${syncs} syncs`);
    const resolved: number[] = [];
    const a = log.append([{ a: 1 }], true).then(() => resolved.push(checkpointSyncCount()));
    const b = log.append([{ b: 1 }], true).then(() => resolved.push(checkpointSyncCount()));
    const start = checkpointSyncCount();
    await Promise.all([a, b]);
    assert.ok(
      resolved.every((n) => n > start),
      'no append resolved before a sync started after it',
    );
    await log.close();
    assert.equal((await readJsonLines(file)).records.length, 53);
  });

  test('a torn record costs only itself', async () => {
    const file = path.join(root, 'applog', 'torn', 'runs.log');
    const log = new AppendLog(file);
    await log.append([{ i: 1 }], true);
    await log.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n{"i": 2, "x`, { flag: 'w' });
    await log.append([{ i: 3 }], true);
    await log.close();
    const read = await readJsonLines(file);
    assert.deepEqual(read.records, [{ i: 1 }, { i: 3 }]);
    assert.equal(read.damaged.length, 1);
  });

  test('compaction keeps the lines chosen, and carries over what is appended while it runs', async () => {
    const dir = path.join(root, 'applog', 'compact');
    const file = path.join(dir, 'runs.log');
    const log = new AppendLog(file);
    for (let i = 0; i < 100; i++) await log.append([{ i }], i % 10 === 0);
    const sizeBefore = log.size;
    const compacting = log.compact({ keep: (l) => (JSON.parse(l) as { i: number }).i % 2 === 0 });
    // Appended after compaction began reading: still in the log afterwards.
    const during = [log.append([{ i: 101 }], true), log.append([{ i: 103 }], false)];
    await compacting;
    await Promise.all(during);
    await log.append([{ i: 105 }], true);
    assert.ok(log.size < sizeBefore, `${log.size} < ${sizeBefore}`);
    await log.close();
    const expected = [...Array.from({ length: 50 }, (_, k) => ({ i: k * 2 })), { i: 101 }, { i: 103 }, { i: 105 }];
    assert.deepEqual(await readJsonLines(file), { records: expected, damaged: [] });
    assert.deepEqual(readdirSync(dir), ['runs.log'], 'no temporary file left');
  });
});

describe('skipSyncsIfInMemory', () => {
  const noTmpfs = isInMemoryFs('/dev/shm') ? false : 'needs /dev/shm on tmpfs';

  test('writes under a tmpfs root make no syncs; writes elsewhere still do', { skip: noTmpfs }, async () => {
    const memory = mkdtempSync('/dev/shm/checkpoint-');
    try {
      assert.equal(skipSyncsIfInMemory(memory), true);
      let before = checkpointSyncCount();
      await writeJsonAtomic(path.join(memory, 'a', 'run.info'), { x: 1 });
      await appendJsonLine(path.join(memory, 'a', 'task.updates'), { u: 1 });
      assert.equal(checkpointSyncCount(), before, 'no sync in memory');
      assert.deepEqual((await readJson(path.join(memory, 'a', 'run.info'))).ok, true);
      assert.deepEqual((await readJsonLines(path.join(memory, 'a', 'task.updates'))).records, [{ u: 1 }]);

      before = checkpointSyncCount();
      await writeJsonAtomic(path.join(root, 'synced', 'run.info'), { x: 1 });
      await appendJsonLine(path.join(root, 'synced', 'task.updates'), { u: 1 });
      await appendJsonLine(path.join(root, 'synced', 'task.updates'), { ack: 1 }, false);
      // The file and its directory, then the durable append.
      assert.equal(checkpointSyncCount(), before + 3);
    } finally {
      rmSync(memory, { recursive: true, force: true });
    }
  });

  test('a directory on a disk, or missing, is not skipped', () => {
    assert.equal(skipSyncsIfInMemory(path.join(root, 'does-not-exist')), false);
    const rootType = statfsSync(root).type;
    assert.equal(isInMemoryFs(root), rootType === 0x01021994 || rootType === 0x858458f6);
    assert.equal(skipSyncsIfInMemory(root), isInMemoryFs(root));
  });
});

describe('a full or read-only disk', { skip: process.getuid?.() === 0 ? false : 'needs root (mount -t tmpfs)' }, () => {
  test('a torn log on a read-only file system is read, its partial record skipped and the file left as it is', async () => {
    const disk = tempDir('ro-disk');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    try {
      const file = path.join(disk, 'log');
      writeFileSync(file, '\n{"a":1}\n{"a":2}\n{"a":');
      execFileSync('mount', ['-o', 'remount,ro', disk]);
      const got: unknown[] = [];
      const scan = await scanRecordLog(file, (r) => got.push(r));
      assert.deepEqual(got, [{ a: 1 }, { a: 2 }]);
      assert.deepEqual(scan.tornTail, { line: 4, bytes: 6 });
      assert.equal(readFileSync(file, 'utf8'), '\n{"a":1}\n{"a":2}\n{"a":');
    } finally {
      execFileSync('umount', ['-l', disk]);
    }
  });

  test('an append cut short by ENOSPC leaves no part of its records: once there is room the log reads whole', async () => {
    const disk = tempDir('tiny-disk');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    try {
      const filler = path.join(disk, 'filler');
      writeFileSync(filler, Buffer.alloc(32 * 1024));
      const file = path.join(disk, 'runs.log');
      const log = new AppendLog(file);
      // Records that do not divide the space left: the last write is cut short.
      const record = (i: number) => ({ i, pad: 'x'.repeat(3001) });
      let failed: NodeJS.ErrnoException | undefined;
      let written = 0;
      for (let i = 0; i < 100 && !failed; i++) {
        await log.append([record(i)], false).then(
          () => written++,
          (err: NodeJS.ErrnoException) => {
            failed = err;
          },
        );
      }
      assert.equal(failed?.code, 'ENOSPC');
      assert.ok(written > 0);
      rmSync(filler);
      await log.append([record(1000)], false);
      await log.close();
      const scan = await scanRecordLog(file, () => undefined);
      assert.deepEqual(scan.corrupt, []);
      assert.equal(scan.tornTail, undefined);
      assert.equal(scan.records, written + 1);
    } finally {
      execFileSync('umount', ['-l', disk]);
    }
  });
});
