import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AttachedPaths, type Resolution, attachDaemonLog, entryPath, modeString } from '../../daemons/common/files.ts';

/** The real path a resolution found, undefined when not found, 'invalid' when refused (400). */
const outcome = (r: Resolution): string | undefined => ('found' in r ? r.found : 'invalid' in r ? 'invalid' : undefined);

describe('AttachedPaths.resolve', () => {
  // tmp/
  //   sandbox/stdout, sandbox/sub/data, sandbox/inner-link -> sandbox/stdout,
  //   sandbox/escape-file -> outside/secret, sandbox/escape-dir -> outside, sandbox/dangling -> nowhere
  //   runs/abc/stderr, runs/latest -> runs/abc
  //   nested/deep/file, nested/top
  //   outside/secret
  //   master.log
  let tmp = '';
  const p = (...parts: string[]) => path.join(tmp, ...parts);

  before(() => {
    tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'files-test-')));
    mkdirSync(p('sandbox', 'sub'), { recursive: true });
    mkdirSync(p('runs', 'abc'), { recursive: true });
    mkdirSync(p('nested', 'deep'), { recursive: true });
    mkdirSync(p('outside'));
    writeFileSync(p('sandbox', 'stdout'), 'out');
    writeFileSync(p('sandbox', 'sub', 'data'), 'data');
    writeFileSync(p('runs', 'abc', 'stderr'), 'err');
    writeFileSync(p('nested', 'deep', 'file'), 'deep');
    writeFileSync(p('nested', 'top'), 'top');
    writeFileSync(p('outside', 'secret'), 'secret');
    writeFileSync(p('master.log'), 'log');
    symlinkSync(p('sandbox', 'stdout'), p('sandbox', 'inner-link'));
    symlinkSync('sub/data', p('sandbox', 'relative-link'));
    symlinkSync(p('outside', 'secret'), p('sandbox', 'escape-file'));
    symlinkSync(p('outside'), p('sandbox', 'escape-dir'));
    symlinkSync('../outside/secret', p('sandbox', 'escape-relative'));
    symlinkSync(p('missing'), p('sandbox', 'dangling'));
    symlinkSync(p('runs', 'abc'), p('runs', 'latest'));
  });

  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a directory attached under its own path resolves its files', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'));
    assert.equal(outcome(await paths.resolve(p('sandbox'))), p('sandbox'));
    assert.equal(outcome(await paths.resolve(p('sandbox', 'stdout'))), p('sandbox', 'stdout'));
    assert.equal(outcome(await paths.resolve(p('sandbox', 'sub', 'data'))), p('sandbox', 'sub', 'data'));
  });

  test('a virtual path maps onto the real directory', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/frameworks/fw/executors/e/runs/latest');
    assert.equal(outcome(await paths.resolve('/frameworks/fw/executors/e/runs/latest')), p('sandbox'));
    assert.equal(outcome(await paths.resolve('/frameworks/fw/executors/e/runs/latest/stdout')), p('sandbox', 'stdout'));
    assert.equal(
      outcome(await paths.resolve('frameworks/fw/executors/e/runs/latest/sub/')),
      p('sandbox', 'sub'),
      'no leading slash, trailing slash',
    );
    assert.equal(outcome(await paths.resolve('//frameworks//fw/executors/e/runs/latest/./sub/data')), p('sandbox', 'sub', 'data'));
    assert.equal(outcome(await paths.resolve(p('sandbox', 'stdout'))), undefined, 'the real path is not attached');
  });

  test('a single attached file resolves only to itself', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('master.log'), '/master/log');
    assert.equal(outcome(await paths.resolve('/master/log')), p('master.log'));
    assert.equal(outcome(await paths.resolve('/master/log/x')), undefined);
    assert.equal(outcome(await paths.resolve('/master')), undefined);
  });

  test('an attached root that is itself a symlink is followed', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('runs', 'latest'), '/latest');
    assert.equal(outcome(await paths.resolve('/latest/stderr')), p('runs', 'abc', 'stderr'));
  });

  test('the longest attached prefix wins, whatever the attach order', async () => {
    for (const order of [0, 1]) {
      const paths = new AttachedPaths();
      const attachments: [string, string][] = [
        [p('nested'), '/a'],
        [p('nested', 'deep'), '/a/b'],
      ];
      if (order === 1) attachments.reverse();
      for (const [real, virtual] of attachments) paths.attach(real, virtual);
      assert.equal(outcome(await paths.resolve('/a/b/file')), p('nested', 'deep', 'file'), `order ${order}`);
      assert.equal(outcome(await paths.resolve('/a/top')), p('nested', 'top'));
      assert.equal(outcome(await paths.resolve('/a/deep/file')), p('nested', 'deep', 'file'));
    }
  });

  test('a prefix only matches at a path component boundary', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    assert.equal(outcome(await paths.resolve('/boxes')), undefined);
    assert.equal(outcome(await paths.resolve('/box2/stdout')), undefined);
  });

  // Mesos answers these 400 "'<path>' is inaccessible" (FilesProcess::resolve).
  test('.. cannot climb out of an attachment: refused, naming the path', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    assert.equal(outcome(await paths.resolve('/box/../outside/secret')), 'invalid');
    assert.deepEqual(await paths.resolve('/box/sub/../../outside/secret'), {
      invalid: `'${p('sandbox')}/sub/../../outside/secret' is inaccessible`,
    });
    assert.equal(outcome(await paths.resolve('/box/sub/../stdout')), p('sandbox', 'stdout'), '.. inside the attachment is fine');
    assert.equal(outcome(await paths.resolve('/box/../nothing')), undefined, 'outside and missing: not found');
  });

  test('.. cannot climb out of a real-path attachment either', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'));
    assert.equal(outcome(await paths.resolve(`${p('sandbox')}/../outside/secret`)), 'invalid');
  });

  test('.. is resolved after symlinks, on disk, as realpath does', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    // escape-dir -> outside: outside/.. is tmp, not the sandbox.
    assert.equal(outcome(await paths.resolve('/box/escape-dir/../sandbox/stdout')), p('sandbox', 'stdout'));
    assert.equal(outcome(await paths.resolve('/box/escape-dir/../master.log')), 'invalid');
  });

  test('symlinks leading outside the attachment are refused', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    assert.equal(outcome(await paths.resolve('/box/escape-file')), 'invalid');
    assert.equal(outcome(await paths.resolve('/box/escape-relative')), 'invalid');
    assert.equal(outcome(await paths.resolve('/box/escape-dir')), 'invalid');
    assert.equal(outcome(await paths.resolve('/box/escape-dir/secret')), 'invalid');
  });

  test('a file:// prefix is taken off, as Mesos does', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    assert.equal(outcome(await paths.resolve('file:///box/stdout')), p('sandbox', 'stdout'));
  });

  test('a symlink inside the root to a file inside the root is allowed', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    assert.equal(outcome(await paths.resolve('/box/inner-link')), p('sandbox', 'stdout'));
    assert.equal(outcome(await paths.resolve('/box/relative-link')), p('sandbox', 'sub', 'data'));
  });

  test('missing files and dangling symlinks are not found', async () => {
    const paths = new AttachedPaths();
    paths.attach(p('sandbox'), '/box');
    paths.attach(p('gone'), '/gone');
    assert.equal(outcome(await paths.resolve('/box/nothing-here')), undefined);
    assert.equal(outcome(await paths.resolve('/box/dangling')), undefined);
    assert.equal(outcome(await paths.resolve('/gone')), undefined, 'the attached directory itself is missing');
  });

  test("a daemon's log: --external_log_file wins over the --log_dir file, and neither attaches nothing", async () => {
    const both = new AttachedPaths();
    attachDaemonLog(both, '/slave/log', p('nested', 'top'), p('master.log'));
    assert.equal(outcome(await both.resolve('/slave/log')), p('nested', 'top'));
    const logDir = new AttachedPaths();
    attachDaemonLog(logDir, '/master/log', undefined, p('master.log'));
    assert.equal(outcome(await logDir.resolve('/master/log')), p('master.log'));
    const neither = new AttachedPaths();
    attachDaemonLog(neither, '/master/log', undefined, undefined);
    attachDaemonLog(neither, '/master/log', '', undefined);
    assert.equal(outcome(await neither.resolve('/master/log')), undefined);
    assert.equal(outcome(await neither.resolve('/')), undefined);
  });

  test('unattached paths are rejected, and detach removes an attachment', async () => {
    const paths = new AttachedPaths();
    assert.equal(outcome(await paths.resolve('/')), undefined);
    assert.equal(outcome(await paths.resolve(p('sandbox', 'stdout'))), undefined);
    paths.attach(p('sandbox'), '/box/');
    assert.equal(outcome(await paths.resolve('/box/stdout')), p('sandbox', 'stdout'), 'the virtual path is normalised on attach');
    paths.detach('/box');
    assert.equal(outcome(await paths.resolve('/box/stdout')), undefined);
  });
});

describe('browse entries', () => {
  test('modeString: the file type letter and rwx bits of ls -l', () => {
    assert.equal(modeString(0o100644), '-rw-r--r--');
    assert.equal(modeString(0o040755), 'drwxr-xr-x');
    assert.equal(modeString(0o020666), 'crw-rw-rw-');
    assert.equal(modeString(0o060660), 'brw-rw----');
    assert.equal(modeString(0o010600), 'prw-------');
    assert.equal(modeString(0o120777), 'lrwxrwxrwx');
    assert.equal(modeString(0o140755), 'srwxr-xr-x');
    assert.equal(modeString(0o104755), '-rwxr-xr-x', 'setuid is not shown, as in Mesos');
  });

  test('entryPath: the requested path (one trailing slash off) and the name', () => {
    assert.equal(entryPath('/box', 'stdout'), '/box/stdout');
    assert.equal(entryPath('/box/', 'stdout'), '/box/stdout');
    assert.equal(entryPath('/', 'x'), '/x');
    assert.equal(entryPath('/box/./sub', 'data'), '/box/./sub/data', 'not normalised: what was asked');
    assert.equal(entryPath('file:///box', 'stdout'), '/box/stdout');
  });
});
