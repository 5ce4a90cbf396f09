// Following the leading master, the pure parts: what a --master value names (host:port, zk://,
// file:// holding either), where a detected leader's MasterInfo says to connect, and where a
// 307's Location points (Mesos's masters send a protocol-relative `//host:port/path`).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redirectTarget } from '../../daemons/common/http-client.ts';
import { leaderEndpoint, masterSourceText, parseMasterFlag } from '../../daemons/common/leading-master.ts';
import type { MasterInfo } from '../../daemons/common/mesos.ts';

const files: Record<string, string> = {
  '/etc/mesos/zk': 'zk://zk1:2181,zk2:2181/mesos\n',
  '/etc/mesos/master': '  10.0.0.5:5050  \n',
  '/etc/mesos/loop': 'file:///etc/mesos/zk',
};
const readFile = (p: string): string => {
  const text = files[p];
  if (text === undefined) throw new Error(`ENOENT ${p}`);
  return text;
};

describe('--master values', () => {
  test('host:port, http://host:port and [v6]:port are one fixed master', () => {
    assert.deepEqual(parseMasterFlag('127.0.0.1:5050', readFile), {
      ok: true,
      value: { kind: 'fixed', endpoint: { host: '127.0.0.1', port: 5050 } },
    });
    assert.deepEqual(parseMasterFlag('http://m1.example.com:5050/', readFile), {
      ok: true,
      value: { kind: 'fixed', endpoint: { host: 'm1.example.com', port: 5050 } },
    });
    assert.deepEqual(parseMasterFlag('[::1]:5050', readFile), {
      ok: true,
      value: { kind: 'fixed', endpoint: { host: '::1', port: 5050 } },
    });
  });

  test('zk:// is a ZooKeeper group; its path is required, as Mesos requires it', () => {
    const zk = parseMasterFlag('zk://u:secret@zk1:2181,zk2:2181/mesos', readFile);
    assert.deepEqual(zk, {
      ok: true,
      value: { kind: 'zk', url: { servers: 'zk1:2181,zk2:2181', path: '/mesos', credentials: 'u:secret' } },
    });
    const root = parseMasterFlag('zk://zk1:2181', readFile);
    assert.equal(root.ok, false);
    assert.match(root.ok ? '' : root.error, /Expecting a \(chroot\) path for ZooKeeper/);
  });

  test('file:// is read, trimmed and parsed again (the packages ship /etc/mesos/zk)', () => {
    assert.deepEqual(parseMasterFlag('file:///etc/mesos/zk', readFile), {
      ok: true,
      value: { kind: 'zk', url: { servers: 'zk1:2181,zk2:2181', path: '/mesos' } },
    });
    assert.deepEqual(parseMasterFlag('file:///etc/mesos/master', readFile), {
      ok: true,
      value: { kind: 'fixed', endpoint: { host: '10.0.0.5', port: 5050 } },
    });
    assert.deepEqual(parseMasterFlag('file:///etc/mesos/loop', readFile), {
      ok: true,
      value: { kind: 'zk', url: { servers: 'zk1:2181,zk2:2181', path: '/mesos' } },
    });
    const missing = parseMasterFlag('file:///etc/mesos/none', readFile);
    assert.deepEqual(missing, { ok: false, error: "Failed to read from file at '/etc/mesos/none'" });
  });

  test('anything else is refused in one line naming the forms accepted', () => {
    for (const bad of ['localhost', 'host:99999', 'https://h:5050']) {
      const res = parseMasterFlag(bad, readFile);
      assert.equal(res.ok, false, bad);
      const error = res.ok ? '' : res.error;
      assert.doesNotMatch(error, /\n/);
      assert.match(error, new RegExp(bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    }
  });

  test('described for logs without the password', () => {
    const zk = parseMasterFlag('zk://u:secret@zk1:2181/mesos', readFile);
    assert.ok(zk.ok);
    assert.equal(masterSourceText(zk.value), 'zk://u:****@zk1:2181/mesos');
    const fixed = parseMasterFlag('[::1]:5050', readFile);
    assert.ok(fixed.ok);
    assert.equal(masterSourceText(fixed.value), '[::1]:5050');
  });
});

describe('the leader detected in ZooKeeper', () => {
  const info: MasterInfo = {
    id: 'm1',
    ip: 83886090,
    port: 5050,
    pid: 'master@10.0.0.5:5050',
    hostname: 'm1.example.com',
    address: { hostname: 'm1.example.com', ip: '10.0.0.5', port: 5050 },
  };

  test("is reached at its UPID's address, as Mesos's scheduler library and agent reach it", () => {
    assert.deepEqual(leaderEndpoint(info), { host: '10.0.0.5', port: 5050 });
  });

  test('without a pid: address.ip, else the ip field (network byte order), else the hostname', () => {
    const { pid: _pid, ...noPid } = info;
    assert.deepEqual(leaderEndpoint({ ...noPid, port: 5051 }), { host: '10.0.0.5', port: 5050 });
    const { address: _a, ...bare } = noPid;
    assert.deepEqual(leaderEndpoint({ ...bare, ip: 16777343, port: 5051 }), { host: '127.0.0.1', port: 5051 });
    assert.deepEqual(leaderEndpoint({ id: 'x', ip: 0, port: 5052, hostname: 'm9' }), { host: 'm9', port: 5052 });
  });

  test('a MasterInfo naming no reachable address gives none', () => {
    assert.equal(leaderEndpoint({ id: 'x', ip: 0, port: 0 }), undefined);
  });
});

describe('307 Location headers', () => {
  const here = { host: '10.0.0.1', port: 5050 };
  test("Mesos's protocol-relative //host:port/path", () => {
    assert.deepEqual(redirectTarget(here, '//m2.example.com:5050/api/v1/scheduler'), { host: 'm2.example.com', port: 5050 });
    assert.deepEqual(redirectTarget(here, '//10.0.0.2:5051'), { host: '10.0.0.2', port: 5051 });
    assert.deepEqual(redirectTarget(here, '//[::1]:5050/master/state'), { host: '::1', port: 5050 });
  });

  test('absolute http URLs, bare host:port (as the scheduler API docs show it) and paths', () => {
    assert.deepEqual(redirectTarget(here, 'http://10.0.0.3:5050/api/v1/scheduler'), { host: '10.0.0.3', port: 5050 });
    assert.deepEqual(redirectTarget(here, 'http://m3/'), { host: 'm3', port: 80 });
    assert.deepEqual(redirectTarget(here, 'masterhost2:5050'), { host: 'masterhost2', port: 5050 });
    assert.deepEqual(redirectTarget(here, '/api/v1/scheduler'), here);
  });

  test('what cannot be followed gives none', () => {
    assert.equal(redirectTarget(here, ''), undefined);
    assert.equal(redirectTarget(here, 'https://m2:5050/'), undefined);
    assert.equal(redirectTarget(here, '//:5050'), undefined);
  });
});
