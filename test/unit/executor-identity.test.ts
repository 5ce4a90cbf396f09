import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { signJwt, verifyJwt } from '../../daemons/common/jwt.ts';
import { ExecutorIdentity, executorIdentityFromFlags, generatedKeyPath, loadExecutorKey } from '../../daemons/agent/executor-identity.ts';

const KEY = Buffer.from('a secret key');

describe('HS256 JWT', () => {
  test('a signed token verifies and gives its claims back', () => {
    const token = signJwt({ fid: 'f1', eid: 'e1', cid: 'c1' }, KEY);
    assert.equal(token.split('.').length, 3);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(verifyJwt(token, KEY), { ok: true, value: { fid: 'f1', eid: 'e1', cid: 'c1' } });
  });

  test('matches an independent HS256 signature (RFC 7515 layout)', () => {
    const token = signJwt({ sub: 'x' }, 'k');
    const [h, c, s] = token.split('.') as [string, string, string];
    const expected = createHmac('sha256', 'k').update(`${h}.${c}`).digest('base64url');
    assert.equal(s, expected);
  });

  test('another key, tampered claims, a swapped algorithm and garbage are refused', () => {
    const token = signJwt({ fid: 'f1', eid: 'e1' }, KEY);
    assert.match(String((verifyJwt(token, 'other') as { error: string }).error), /signature does not match/);
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ fid: 'f1', eid: 'e2' })).toString('base64url')}.${s}`;
    assert.equal(verifyJwt(forged, KEY).ok, false);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${token.split('.')[1]}.`;
    assert.match(String((verifyJwt(none, KEY) as { error: string }).error), /'none', not HS256/);
    assert.equal(verifyJwt('abc', KEY).ok, false);
    assert.equal(verifyJwt('a.b.c', KEY).ok, false);
  });

  test('an exp in the past is refused, one in the future accepted', () => {
    const now = 1_700_000_000_000;
    assert.equal(verifyJwt(signJwt({ exp: now / 1000 - 1 }, KEY), KEY, now).ok, false);
    assert.equal(verifyJwt(signJwt({ exp: now / 1000 + 60 }, KEY), KEY, now).ok, true);
  });
});

describe('ExecutorIdentity', () => {
  const id = new ExecutorIdentity(KEY, false);
  const mine = `Bearer ${id.issue('f1', 'e1', 'c1')}`;

  test("an executor's own token admits its calls", () => {
    const p = id.presented(mine);
    assert.ok('claims' in p);
    assert.equal(id.admit(p.claims, 'f1', 'e1', 'c1'), undefined);
  });

  test("another executor's token is 403 with Mesos's words; a stale container's too", () => {
    const p = id.presented(mine);
    assert.ok('claims' in p);
    assert.match(id.admit(p.claims, 'f1', 'e2', 'c1')!.text, /does not contain an 'eid' claim with the executor ID e2/);
    assert.equal(id.admit(p.claims, 'f2', 'e1', 'c1')!.status, 403);
    assert.match(id.admit(p.claims, 'f1', 'e1', 'c2')!.text, /'cid' claim with the correct active ContainerID/);
  });

  test('without a token a call goes on, as in Mesos, unless --authenticate_http_executors requires one', () => {
    const p = id.presented(undefined);
    assert.deepEqual(p, { claims: undefined });
    assert.equal(id.admit(undefined, 'f1', 'e1', 'c1'), undefined);
    const strict = new ExecutorIdentity(KEY, true);
    assert.equal((strict.presented(undefined) as { refused: { status: number } }).refused.status, 401);
  });

  test('a token signed with another key, or not a Bearer token, is 401', () => {
    const other = new ExecutorIdentity(Buffer.from('other'), false);
    const p = id.presented(`Bearer ${other.issue('f1', 'e1', 'c1')}`);
    assert.ok('refused' in p && p.refused.status === 401 && /Invalid JWT/.test(p.refused.text));
    assert.ok('refused' in id.presented('Basic dXNlcjpwYXNz'));
  });
});

describe('loadExecutorKey', () => {
  test('reads the file it is given and warns when others may read it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jwt-'));
    const file = path.join(dir, 'key');
    writeFileSync(file, 'k3y');
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const key = loadExecutorKey(file, dir, (m) => warnings.push(m));
    assert.deepEqual(key, { ok: true, value: Buffer.from('k3y') });
    assert.match(warnings[0] ?? '', /too open/);
    chmodSync(file, 0o600);
    warnings.length = 0;
    loadExecutorKey(file, dir, (m) => warnings.push(m));
    assert.deepEqual(warnings, []);
  });

  test('a missing or empty file is a one-line error', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jwt-'));
    assert.match(
      String((loadExecutorKey(path.join(dir, 'nope'), dir, () => {}) as { error: string }).error),
      /^Failed to read the file specified by --jwt_secret_key/,
    );
    writeFileSync(path.join(dir, 'empty'), '');
    assert.match(String((loadExecutorKey(path.join(dir, 'empty'), dir, () => {}) as { error: string }).error), /is empty/);
  });

  test('without a file the agent makes a 0600 key once and keeps it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jwt-'));
    const a = loadExecutorKey(undefined, dir, () => {});
    const b = loadExecutorKey(undefined, dir, () => {});
    assert.ok(a.ok && b.ok);
    assert.equal(a.value.length, 32);
    assert.deepEqual(a.value, b.value);
    assert.equal(statSync(generatedKeyPath(dir)).mode & 0o777, 0o600);
  });

  test("--authenticate_http_executors without --jwt_secret_key is refused with Mesos's words", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jwt-'));
    const r = executorIdentityFromFlags({ authenticate_http_executors: true }, dir, () => {});
    assert.deepEqual(r, { ok: false, error: '--jwt_secret_key must be specified when --authenticate_http_executors is set to true' });
    const file = path.join(dir, 'key');
    writeFileSync(file, 'k', { mode: 0o600 });
    const strict = executorIdentityFromFlags({ authenticate_http_executors: true, jwt_secret_key: file }, dir, () => {});
    assert.ok(strict.ok && strict.value.required);
  });
});
