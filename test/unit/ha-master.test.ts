// A master behind ZooKeeper, without sockets: the flags checked as Mesos's main.cpp checks them
// (one line naming the fix for each bad value), and what a master that does not lead does with
// each request (src/master/http.cpp: serve it, 307 to the leader, 503 with no leader).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { MasterInfo } from '../../daemons/common/mesos.ts';
import { loadMasterFlags } from '../../daemons/master/flags.ts';
import { type HaFlags, haMode } from '../../daemons/master/ha-flags.ts';
import { followerDecision, leaderBase, leaderOnly, redirectDecision } from '../../daemons/master/leader-routes.ts';

const base: HaFlags = { registry: 'replicated_log', zk_session_timeout: 10 };

function problem(flags: Partial<HaFlags>): string {
  const res = haMode({ ...base, ...flags });
  assert.equal(res.ok, false, `expected a refusal of ${JSON.stringify(flags)}`);
  const error = (res as { error: string }).error;
  assert.ok(!error.includes('\n'), `one line: ${error}`);
  return error;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'ha-master-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('flags of a master behind ZooKeeper (master/main.cpp)', () => {
  test('without --zk the master stands alone, whatever --quorum says', () => {
    assert.deepEqual(haMode(base), { ok: true, value: { kind: 'standalone' } });
    assert.deepEqual(haMode({ ...base, quorum: 2 }), { ok: true, value: { kind: 'standalone' } });
  });

  test('--zk with the replicated_log registry needs --quorum, in Mesos words and with the fix', () => {
    const error = problem({ zk: 'zk://h1:2181,h2:2181/mesos' });
    assert.match(error, /^Need to specify --quorum for replicated log based registry when using ZooKeeper/);
    assert.match(error, /--quorum=2 with three masters/);
  });

  test('--zk and --quorum select the ZooKeeper registry at the URL, with the session timeout in ms', () => {
    assert.deepEqual(haMode({ ...base, zk: 'zk://u:p@h1:2181,h2/mesos', quorum: 2, zk_session_timeout: 2 }), {
      ok: true,
      value: {
        kind: 'zk',
        url: { servers: 'h1:2181,h2', path: '/mesos', credentials: 'u:p' },
        sessionTimeoutMs: 2000,
        registry: 'zookeeper',
        quorum: 2,
      },
    });
  });

  test('--registry=in_memory with --zk: each leader starts empty, no quorum needed (as Mesos)', () => {
    const res = haMode({ ...base, zk: 'zk://h:2181/mesos', registry: 'in_memory' });
    assert.ok(res.ok && res.value.kind === 'zk' && res.value.registry === 'in_memory');
  });

  test('a URL without a path of its own, without servers, or with credentials not user:password', () => {
    assert.match(problem({ zk: 'zk://h:2181/', quorum: 1 }), /Expecting a \(chroot\) path for ZooKeeper .* write a path after the servers/);
    assert.match(problem({ zk: 'zk://h:2181', quorum: 1 }), /Expecting a \(chroot\) path/);
    assert.match(problem({ zk: 'zk:///mesos', quorum: 1 }), /names no ZooKeeper server; write zk:\/\/host1:2181/);
    const creds = problem({ zk: 'zk://secret@h:2181/mesos', quorum: 1 });
    assert.match(creds, /digest 'user:password'; write zk:\/\/user:password@host:2181\/mesos/);
  });

  test('the password is never echoed', () => {
    assert.doesNotMatch(problem({ zk: 'zk://u:hunter2@/mesos', quorum: 1 }), /hunter2/);
  });

  test('a file holding more than one URL is refused', () => {
    assert.match(problem({ zk: 'zk://a:1/mesos\nzk://b:1/mesos', quorum: 1 }), /expected one URL .* got several words or lines/);
  });

  test('--master_contender and --master_detector are refused in one line pointing at --zk', () => {
    for (const name of ['master_contender', 'master_detector'] as const) {
      const error = problem({ [name]: '/usr/lib/contender.so' });
      assert.match(error, new RegExp(`^--${name}: .*C\\+\\+ shared libraries.*--zk=zk://`));
    }
    assert.match(problem({ zk: 'zk://h:2181/mesos', quorum: 1, master_detector: 'x' }), /^--master_detector/);
  });

  test('a zero session timeout is refused', () => {
    assert.match(problem({ zk: 'zk://h:2181/mesos', quorum: 1, zk_session_timeout: 0 }), /--zk_session_timeout.*positive/);
  });

  test('through the flag loader: file:///etc/mesos/zk, MESOS_ZK and MESOS_QUORUM', () => {
    const file = path.join(scratch, 'zk');
    writeFileSync(file, 'zk://10.0.0.1:2181,10.0.0.2:2181/mesos\n');
    const { values } = loadMasterFlags({
      argv: [`--zk=file://${file}`],
      env: { MESOS_QUORUM: '2', MESOS_ZK_SESSION_TIMEOUT: '2secs' },
      progName: 'mesos-master',
    });
    const res = haMode(values);
    assert.ok(res.ok && res.value.kind === 'zk');
    assert.deepEqual(res.value.url, { servers: '10.0.0.1:2181,10.0.0.2:2181', path: '/mesos' });
    assert.equal(res.value.sessionTimeoutMs, 2000);
    const contender = loadMasterFlags({ argv: ['--master_contender=m.so'], env: {}, progName: 'mesos-master' });
    assert.equal(haMode(contender.values).ok, false, 'the module flags are known, and refused by the check');
  });
});

const leader: MasterInfo = {
  id: 'L',
  ip: 16777343,
  port: 5051,
  pid: 'master@127.0.0.1:5051',
  hostname: 'm1.example.com',
  address: { hostname: 'm1.example.com', ip: '127.0.0.1', port: 5051 },
};

describe('a master that does not lead (master/http.cpp)', () => {
  test('the leader-only endpoints answer 307 to the same URL on the leader, query kept', () => {
    for (const url of [
      '/master/state',
      '/state.json',
      '/master/state-summary',
      '/master/frameworks?framework_id=x',
      '/slaves',
      '/master/tasks?limit=10',
      '/master/roles',
      '/master/weights',
      '/master/quota',
      '/master/teardown',
      '/master/maintenance/schedule',
      '/api/v1/scheduler',
      '/master/api/v1/scheduler',
      '/api/v1',
      '/master/api/v1',
      '/master/internal/agent',
    ]) {
      assert.deepEqual(followerDecision(url, leader), { kind: 'redirect', location: `//m1.example.com:5051${url}` }, url);
    }
  });

  test('with no leader known they answer 503 No leader elected', () => {
    assert.deepEqual(followerDecision('/master/state', undefined), { kind: 'unavailable', message: 'No leader elected' });
    assert.deepEqual(followerDecision('/master/redirect', undefined), { kind: 'unavailable', message: 'No leader elected' });
  });

  test('health, flags, version, metrics, files and the web UI are served by the master itself', () => {
    for (const url of [
      '/health',
      '/master/health',
      '/flags',
      '/master/flags',
      '/version',
      '/metrics/snapshot',
      '/metrics/snapshot?jsonp=f',
      '/metrics/prometheus',
      '/master/metrics/prometheus',
      '/files/read?path=/master/log',
      '/',
      '/assets/app.js',
    ]) {
      assert.deepEqual(followerDecision(url, leader), { kind: 'serve' }, url);
      assert.deepEqual(followerDecision(url, undefined), { kind: 'serve' }, url);
      assert.equal(leaderOnly(url), false, url);
    }
  });

  test('/redirect and /master/redirect answer 307 to the base of the leader; below them is 404 (no loop)', () => {
    assert.deepEqual(followerDecision('/master/redirect', leader), { kind: 'redirect', location: '//m1.example.com:5051' });
    assert.deepEqual(followerDecision('/redirect?x=1', leader), { kind: 'redirect', location: '//m1.example.com:5051' });
    assert.deepEqual(followerDecision('/redirect/state', leader), { kind: 'not_found' });
    assert.deepEqual(redirectDecision('/master/redirect/x', leader), { kind: 'not_found' });
  });

  test('the leader is named by its hostname, else its IP (network byte order in MasterInfo.ip)', () => {
    assert.equal(leaderBase(leader), '//m1.example.com:5051');
    assert.equal(leaderBase({ id: 'x', ip: 83886090, port: 5050 }), '//10.0.0.5:5050');
    assert.equal(leaderBase({ id: 'x', ip: 0, port: 5050, address: { ip: '10.1.2.3', port: 5050 } }), '//10.1.2.3:5050');
  });
});
