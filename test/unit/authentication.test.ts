import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BasicAuthenticator, basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { parseCredential, parseCredentials, readCredentialFile, readCredentialsFile } from '../../daemons/common/credentials.ts';
import { canonicalPath, realmOf } from '../../daemons/master/endpoint-realms.ts';
import { type AuthFlags, masterAuthFromFlags } from '../../daemons/master/http-auth.ts';
import { adoptPrincipal, callPrincipalProblem, subscribePrincipalProblem } from '../../daemons/master/scheduler-principal.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import type { SchedulerCall } from '../../daemons/common/mesos.ts';
import { secretFile } from '../helpers/secret-file.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'auth-unit-'));
const file = (name: string, text: string, mode?: number) => secretFile(dir, name, text, mode);

describe('credentials files', () => {
  test("Mesos 1.11's JSON format and the older 'principal secret' lines", () => {
    const json = parseCredentials('{"credentials": [{"principal": "sherman", "secret": "kitesurf"}, {"principal": "a", "secret": ""}]}');
    assert.deepEqual(json, {
      ok: true,
      value: [
        { principal: 'sherman', secret: 'kitesurf' },
        { principal: 'a', secret: '' },
      ],
    });
    const text = parseCredentials('sherman kitesurf\n\n  agent   s3cret \n');
    assert.deepEqual(text, {
      ok: true,
      value: [
        { principal: 'sherman', secret: 'kitesurf' },
        { principal: 'agent', secret: 's3cret' },
      ],
    });
  });

  test('bad files get one line naming the problem, never the secret', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['{"credentials": []}', /'credentials' is empty/],
      ['{"credentials": [{"principal": "a"}]}', /credentials\[0\]: 'secret' of principal 'a' must be a string/],
      ['{"credentials": [{"secret": "hunter2"}]}', /credentials\[0\]: 'principal' must be a non-empty string/],
      ['{"creds": 1}', /expected \{"credentials"/],
      ['{"credentials": [', /not valid JSON/],
      ['a b c', /line 1: expected 'principal secret'/],
      ['a x\na y', /principal 'a' is listed twice/],
      ['{"credentials": [{"principal": "a:b", "secret": "s"}]}', /contains ':'/],
    ];
    for (const [text, expected] of cases) {
      const r = parseCredentials(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) {
        assert.match(r.error, expected);
        assert.doesNotMatch(r.error, /hunter2|\n/);
      }
    }
  });

  test("an agent's --credential: one credential, JSON or text", () => {
    assert.deepEqual(parseCredential('{"principal": "agent", "secret": "s"}'), { ok: true, value: { principal: 'agent', secret: 's' } });
    assert.deepEqual(parseCredential('agent s\n'), { ok: true, value: { principal: 'agent', secret: 's' } });
    assert.equal(parseCredential('a s\nb t').ok, false);
    assert.equal(parseCredential('{"principal": "agent"}').ok, false);
  });

  test('files are read by path; a world-readable one gets a warning; a missing one a clear error', () => {
    const closed = readCredentialsFile(file('closed.json', 'p s'));
    assert.ok(closed.ok && closed.value.warning === undefined);
    const open = readCredentialsFile(file('open.json', 'p s', 0o644));
    assert.ok(open.ok);
    assert.match(open.value.warning ?? '', /readable by every user; restrict it/);
    const missing = readCredentialFile(path.join(dir, 'nope'));
    assert.ok(!missing.ok);
    assert.match(missing.error, /^--credential=.*nope: cannot read the file \(ENOENT\)/);
    const bad = readCredentialsFile(file('bad.json', '{"credentials": 5}'));
    assert.ok(!bad.ok);
    assert.match(bad.error, /^--credentials=.*bad\.json: expected/);
  });
});

describe('HTTP Basic', () => {
  const auth = new BasicAuthenticator([
    { principal: 'ops', secret: 'pa:ss word' },
    { principal: 'fw', secret: 'x' },
  ]);

  test('the right secret gives the principal; a colon in the secret is kept', () => {
    assert.deepEqual(auth.authenticate(basicAuthorization('ops', 'pa:ss word'), 'r'), { ok: true, principal: 'ops' });
    assert.deepEqual(auth.authenticate(`basic ${Buffer.from('fw:x').toString('base64')}`, 'r'), { ok: true, principal: 'fw' });
  });

  test('no, malformed or wrong credentials are refused with the realm challenge', () => {
    for (const header of [
      undefined,
      '',
      'Bearer abc',
      'Basic',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
      basicAuthorization('ops', 'wrong'),
      basicAuthorization('ops', 'pa:ss wor'),
      basicAuthorization('nobody', 'x'),
      basicAuthorization('fw', 'pa:ss word'),
    ]) {
      const out = auth.authenticate(header, 'mesos-master-readonly');
      assert.equal(out.ok, false, String(header));
      if (!out.ok) {
        assert.equal(out.status, 401);
        assert.equal(out.challenge, 'Basic realm="mesos-master-readonly"');
        assert.doesNotMatch(out.message, /pa:ss/);
      }
    }
  });
});

describe('endpoint realms (master.cpp routes)', () => {
  test('read-only, read-write, scheduler, agents and the open ones', () => {
    const expect: Record<string, string | undefined> = {
      '/master/state': 'readonly',
      '/state.json': 'readonly',
      '/master/frameworks?framework_id=x': 'readonly',
      '/slaves': 'readonly',
      '/master/tasks.json': 'readonly',
      '/roles': 'readonly',
      '/master/state-summary': 'readonly',
      '/master/flags': 'readonly',
      '/metrics/snapshot': 'readonly',
      '/metrics/prometheus': 'readonly',
      '/master/metrics/prometheus': 'readonly',
      '/files/read?path=/master/log': 'readonly',
      '/master/maintenance/status': 'readonly',
      '/': 'readonly',
      '/static/app.js': 'readonly',
      '/master/teardown': 'readwrite',
      '/teardown': 'readwrite',
      '/master/maintenance/schedule': 'readwrite',
      '/master/machine/down': 'readwrite',
      '/master/reserve': 'readwrite',
      '/quota': 'readwrite',
      '/weights': 'readwrite',
      '/api/v1': 'readwrite',
      '/api/v1/scheduler': 'scheduler',
      '/master/api/v1/scheduler': 'scheduler',
      '/master/internal/agent': 'agent',
      '/health': undefined,
      '/master/health': undefined,
      '/version': undefined,
      '/master/redirect': undefined,
    };
    for (const [url, realm] of Object.entries(expect)) assert.equal(realmOf(url), realm, url);
  });

  test('spellings express routes the same way are classified the same way', () => {
    for (const url of ['/MASTER/TEARDOWN', '/master/teardown/', '/master//teardown', '/master/t%65ardown', '/Teardown?x=1']) {
      assert.equal(realmOf(url), 'readwrite', url);
    }
    assert.equal(realmOf('/API/V1/SCHEDULER'), 'scheduler');
    assert.equal(realmOf('/master/internal/agent/'), 'agent');
    assert.equal(realmOf('/health/x'), 'readonly');
    assert.equal(canonicalPath('/master'), '/');
  });
});

describe('master authentication flags', () => {
  const base: AuthFlags = {
    authenticate_frameworks: false,
    authenticate_agents: false,
    authenticate_http_readonly: false,
    authenticate_http_readwrite: false,
    authenticate_http_frameworks: false,
    authenticators: 'crammd5',
    http_authenticators: 'basic',
  };
  const creds = file('master-creds.json', '{"credentials": [{"principal": "p", "secret": "s"}]}');

  test('nothing switched on: no gate', () => {
    const r = masterAuthFromFlags(base);
    assert.ok(r.ok && r.value.auth === undefined);
  });

  test('each flag switches on its realm', () => {
    const r = masterAuthFromFlags({
      ...base,
      credentials: creds,
      authenticate_agents: true,
      authenticate_http_readonly: true,
      authenticate_frameworks: true,
    });
    assert.ok(r.ok);
    assert.deepEqual([...(r.value.auth?.realms ?? [])].sort(), ['agent', 'readonly', 'scheduler']);
  });

  test('what cannot work is refused in one line', () => {
    const noCreds = masterAuthFromFlags({ ...base, authenticate_http_readwrite: true });
    assert.ok(!noCreds.ok);
    assert.match(noCreds.error, /--authenticate_http_readwrite needs --credentials=file:/);
    const noFwAuth = masterAuthFromFlags({ ...base, credentials: creds, authenticate_http_frameworks: true });
    assert.ok(!noFwAuth.ok);
    assert.match(noFwAuth.error, /Missing `--http_framework_authenticators`.*--http_framework_authenticators=basic/);
    const otherHttp = masterAuthFromFlags({ ...base, credentials: creds, http_authenticators: 'custom' });
    assert.ok(!otherHttp.ok);
    const badFile = masterAuthFromFlags({ ...base, credentials: path.join(dir, 'absent'), authenticate_agents: true });
    assert.ok(!badFile.ok);
    assert.match(badFile.error, /cannot read the file \(ENOENT\)/);
  });
});

describe('scheduler principals (Master::Http::scheduler)', () => {
  const subscribe = (principal?: string): SchedulerCall => ({
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'u', name: 'n', ...(principal ? { principal } : {}) } },
  });

  test('a SUBSCRIBE naming another principal is refused with Mesos words; naming none adopts the authenticated one', () => {
    assert.equal(subscribePrincipalProblem(subscribe('fw'), 'fw'), undefined);
    assert.equal(subscribePrincipalProblem(subscribe('ops'), undefined), undefined);
    assert.equal(
      subscribePrincipalProblem(subscribe('ops'), 'fw'),
      "Authenticated principal 'fw' does not match principal 'ops' set in `FrameworkInfo`",
    );
    const anonymous = subscribe();
    assert.equal(subscribePrincipalProblem(anonymous, 'fw'), undefined);
    adoptPrincipal(silentLogger(), anonymous, 'fw');
    assert.equal(anonymous.subscribe?.framework_info.principal, 'fw');
    const unauthenticated = subscribe();
    adoptPrincipal(silentLogger(), unauthenticated, undefined);
    assert.equal(unauthenticated.subscribe?.framework_info.principal, undefined);
  });

  test("other calls must come from the framework's principal", () => {
    assert.equal(callPrincipalProblem({ user: 'u', name: 'n', principal: 'fw' }, 'fw'), undefined);
    assert.equal(callPrincipalProblem({ user: 'u', name: 'n', principal: 'fw' }, undefined), undefined);
    assert.match(callPrincipalProblem({ user: 'u', name: 'n', principal: 'fw' }, 'ops') ?? '', /'ops' does not match principal 'fw'/);
    assert.match(callPrincipalProblem({ user: 'u', name: 'n' }, 'ops') ?? '', /'ops' does not match principal ''/);
  });
});
