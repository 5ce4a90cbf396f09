// Ownership of --runtime_dir: the pure verdict, and the claim on a real directory with a unix
// socket standing in for a live task supervisor.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { StartupError } from '../../daemons/common/program.ts';
import { claimRuntimeDir, runtimeDirVerdict } from '../../daemons/agent/runtime-dir.ts';
import { SOCKET_NAME } from '../../daemons/agent/supervisor/protocol.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'runtime-dir-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const base = { runtimeDir: '/run/r', workDir: '/w2', recordedExists: false, supervisorAnswers: false };

test('verdict: free, ours, live owners refused, a stale record taken over', () => {
  assert.deepEqual(runtimeDirVerdict({ ...base, recorded: undefined }), { action: 'claim' });
  assert.deepEqual(runtimeDirVerdict({ ...base, recorded: '/w2', recordedExists: true }), { action: 'ours' });
  const exists = runtimeDirVerdict({ ...base, recorded: '/w1', recordedExists: true });
  assert.equal(exists.action, 'refuse');
  assert.match(
    (exists as { error: string }).error,
    /^--runtime_dir=\/run\/r belongs to the agent with --work_dir=\/w1; give each agent its own --runtime_dir$/,
  );
  // Even with its supervisor gone, an existing work_dir may get its agent back.
  assert.equal(runtimeDirVerdict({ ...base, recorded: '/w1', recordedExists: true, supervisorAnswers: false }).action, 'refuse');
  const supervised = runtimeDirVerdict({ ...base, recorded: '/w1', supervisorAnswers: true });
  assert.equal(supervised.action, 'refuse');
  assert.match(
    (supervised as { error: string }).error,
    /which no longer exists, but its task supervisor still runs \(pid in \/run\/r\/supervisor\.pid\)/,
  );
  const stale = runtimeDirVerdict({ ...base, recorded: '/w1' });
  assert.equal(stale.action, 'take-over');
  assert.match(
    (stale as { warning: string }).warning,
    /last used by the agent with --work_dir=\/w1, which no longer exists, and its task supervisor is gone; taking it over for --work_dir=\/w2/,
  );
});

test('claim: a stale record is rewritten with a warning; a live supervisor keeps it', async () => {
  const runtimeDir = path.join(tmp, 'run');
  mkdirSync(runtimeDir, { recursive: true });
  writeFileSync(path.join(runtimeDir, 'work_dir'), `${path.join(tmp, 'gone')}\n`);
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(path.join(runtimeDir, SOCKET_NAME), resolve));
  const warnings: string[] = [];
  try {
    await assert.rejects(
      claimRuntimeDir(runtimeDir, path.join(tmp, 'new'), (m) => warnings.push(m)),
      (err: unknown) => err instanceof StartupError && /task supervisor still runs/.test(err.message),
    );
    assert.equal(
      readFileSync(path.join(runtimeDir, 'work_dir'), 'utf8').trim(),
      path.join(tmp, 'gone'),
      'a refusal leaves the record alone',
    );
  } finally {
    await new Promise((r) => server.close(r));
  }
  // The supervisor is gone (its socket file too, as a closed server removes it).
  await claimRuntimeDir(runtimeDir, path.join(tmp, 'new'), (m) => warnings.push(m));
  assert.equal(readFileSync(path.join(runtimeDir, 'work_dir'), 'utf8').trim(), path.join(tmp, 'new'));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`--work_dir=${path.join(tmp, 'gone')}, which no longer exists`));
  // Ours from now on: no second warning.
  await claimRuntimeDir(runtimeDir, path.join(tmp, 'new'), (m) => warnings.push(m));
  assert.equal(warnings.length, 1);
});

test('claim: a runtime_dir that is a file is not a writable directory', async () => {
  const file = path.join(tmp, 'a-file');
  writeFileSync(file, '');
  await assert.rejects(
    claimRuntimeDir(file, '/w', () => undefined),
    /--runtime_dir=.*a-file is not a writable directory \(EEXIST\)/,
  );
});
