// The pure parts of the ZooKeeper foundation: zk:// URLs and master specifications as Mesos reads
// them (url.hpp, detector.cpp), the group's members and election, the MasterInfo a leader's znode
// holds in each of the three forms Mesos 1.11's detector reads, and the connect backoff.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { invokedCommand } from '../../daemons/cli/dispatch.ts';
import type { MasterInfo } from '../../daemons/common/mesos.ts';
import { decode, encode, fromJson } from '../../daemons/common/proto/codec.ts';
import { failed, ok } from '../../daemons/common/result.ts';
import {
  leaderInfo,
  leaderOf,
  masterAddress,
  masterInfoJson,
  masterInfoOfPid,
  membersOf,
  parseMember,
  sameMaster,
  sequenceOfPath,
} from '../../daemons/common/zk/group.ts';
import { nextConnectDelay } from '../../daemons/common/zk/session.ts';
import { formatZkUrl, groupZnode, parseGroupUrl, parseMasterSpec, parseZkUrl, zkServers } from '../../daemons/common/zk/url.ts';

const noFile = (p: string): string => {
  throw new Error(`no ${p}`);
};

describe('zk:// URLs (url.hpp URL::parse)', () => {
  test('servers and path; the path starts at the first / after zk://', () => {
    assert.deepEqual(parseZkUrl('zk://host1:2181,host2:2181/mesos'), ok({ servers: 'host1:2181,host2:2181', path: '/mesos' }));
    assert.deepEqual(parseZkUrl('zk://h:2181/a/b/'), ok({ servers: 'h:2181', path: '/a/b/' }));
    assert.deepEqual(parseZkUrl('  zk://h:2181/mesos\n'), ok({ servers: 'h:2181', path: '/mesos' }), 'trimmed, as strings::trim');
  });

  test('no path is the root', () => {
    assert.deepEqual(parseZkUrl('zk://h:2181'), ok({ servers: 'h:2181', path: '/' }));
  });

  test('user:password@ before the servers are digest credentials; the last @ separates them', () => {
    assert.deepEqual(parseZkUrl('zk://user:password@host/path'), ok({ servers: 'host', path: '/path', credentials: 'user:password' }));
    assert.deepEqual(parseZkUrl('zk://u:p@ss@h1:1,h2:2/m'), ok({ servers: 'h1:1,h2:2', path: '/m', credentials: 'u:p@ss' }));
  });

  test("anything else is refused in Mesos's words", () => {
    assert.deepEqual(parseZkUrl('http://h:2181/mesos'), failed("Expecting 'zk://' at the beginning of the URL"));
    assert.deepEqual(parseZkUrl('h:2181/mesos'), failed("Expecting 'zk://' at the beginning of the URL"));
  });

  test('the contender and the detector need a path of their own (MasterContender/MasterDetector::create)', () => {
    assert.deepEqual(parseGroupUrl('zk://h:2181/'), failed("Expecting a (chroot) path for ZooKeeper ('/' is not supported)"));
    assert.deepEqual(parseGroupUrl('zk://h:2181'), failed("Expecting a (chroot) path for ZooKeeper ('/' is not supported)"));
    assert.equal(parseGroupUrl('zk://h:2181/mesos').ok, true);
  });

  test('the group znode loses one trailing /; servers get ZooKeeper port 2181 when they name none', () => {
    assert.equal(groupZnode({ servers: 'h', path: '/mesos/' }), '/mesos');
    assert.equal(groupZnode({ servers: 'h', path: '/mesos' }), '/mesos');
    assert.deepEqual(zkServers({ servers: 'a:1, b ,,c:3', path: '/' }), ['a:1', 'b:2181', 'c:3']);
    assert.deepEqual(zkServers({ servers: '', path: '/' }), []);
  });

  test('printed without the password', () => {
    assert.equal(formatZkUrl({ servers: 'h:1', path: '/m', credentials: 'user:secret' }), 'zk://user:****@h:1/m');
    assert.equal(formatZkUrl({ servers: 'h:1', path: '/m' }), 'zk://h:1/m');
  });
});

describe('master specifications (MasterDetector::create)', () => {
  test('zk:// is a ZooKeeper group', () => {
    assert.deepEqual(parseMasterSpec('zk://h:2181/mesos', noFile), ok({ kind: 'zk', url: { servers: 'h:2181', path: '/mesos' } }));
    assert.deepEqual(parseMasterSpec('zk://h:2181/', noFile), failed("Expecting a (chroot) path for ZooKeeper ('/' is not supported)"));
  });

  test('file:// is read, trimmed and parsed again', () => {
    const files: Record<string, string> = { '/etc/mesos/zk': 'zk://a:1,b:2/mesos\n', '/m': ' 10.0.0.1:5050 \n' };
    const read = (p: string) => files[p] ?? noFile(p);
    assert.deepEqual(parseMasterSpec('file:///etc/mesos/zk', read), ok({ kind: 'zk', url: { servers: 'a:1,b:2', path: '/mesos' } }));
    assert.deepEqual(parseMasterSpec('file:///m', read), ok({ kind: 'pid', host: '10.0.0.1', port: 5050 }));
    assert.deepEqual(parseMasterSpec('file:///missing', read), failed("Failed to read from file at '/missing'"));
  });

  test('anything else is a UPID, master@ optional', () => {
    assert.deepEqual(parseMasterSpec('127.0.0.1:5050', noFile), ok({ kind: 'pid', host: '127.0.0.1', port: 5050 }));
    assert.deepEqual(parseMasterSpec('master@m.example.com:5050', noFile), ok({ kind: 'pid', host: 'm.example.com', port: 5050 }));
    assert.deepEqual(parseMasterSpec('host:5050 trailing words', noFile), ok({ kind: 'pid', host: 'host', port: 5050 }), 'the first word');
    // sscanf("%hu"): leading digits, kept modulo 2^16.
    assert.deepEqual(parseMasterSpec('h:5050abc', noFile), ok({ kind: 'pid', host: 'h', port: 5050 }));
    assert.deepEqual(parseMasterSpec('h:70000', noFile), ok({ kind: 'pid', host: 'h', port: 70000 - 65536 }));
    for (const bad of ['h', 'h:', ':5050', 'h:x', '']) assert.deepEqual(parseMasterSpec(bad, noFile), failed(`Failed to parse '${bad}'`));
  });
});

describe('the masters group (group.cpp, detector.cpp)', () => {
  test('a child is a member when its last _-separated word is a number; the first word is its label', () => {
    assert.deepEqual(parseMember('json.info_0000000007'), { name: 'json.info_0000000007', sequence: 7, label: 'json.info' });
    assert.deepEqual(parseMember('info_0000000003'), { name: 'info_0000000003', sequence: 3, label: 'info' });
    assert.deepEqual(parseMember('0000000012'), { name: '0000000012', sequence: 12 });
    assert.deepEqual(parseMember('a__b_0000000001'), { name: 'a__b_0000000001', sequence: 1, label: 'a' }, 'tokenize drops empty words');
    assert.equal(parseMember('log_replicas'), undefined, "the replicated log's znode is no member");
    assert.equal(parseMember('json.info_'), undefined);
    assert.equal(parseMember('json.info_99999999999'), undefined, 'beyond int32');
  });

  test('the leader is the member with the smallest sequence, whatever its label', () => {
    const children = ['json.info_0000000005', 'log_replicas', 'json.info_0000000003', 'info_0000000004'];
    assert.equal(leaderOf(children)?.name, 'json.info_0000000003');
    assert.equal(leaderOf(['0000000002', 'json.info_0000000009'])?.name, '0000000002');
    assert.equal(leaderOf(['log_replicas']), undefined);
    assert.equal(leaderOf([]), undefined);
    assert.equal(membersOf(children).length, 3);
  });

  test('the sequence of a created sequential path', () => {
    assert.equal(sequenceOfPath('/mesos/json.info_0000000042'), 42);
    assert.throws(() => sequenceOfPath('/mesos/leader'), /not a sequential znode/);
  });
});

const INFO: MasterInfo = {
  id: '7b8d5f3c-1b2a-4c1e-9d3f-0a1b2c3d4e5f',
  ip: 16777343,
  port: 5050,
  pid: 'master@127.0.0.1:5050',
  hostname: 'localhost',
  version: '1.11.0',
  address: { hostname: 'localhost', ip: '127.0.0.1', port: 5050 },
  capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
};

const viaCodec = (json: unknown) => {
  const r = fromJson('mesos.v1.MasterInfo', json);
  return r.ok ? ok(r.value as unknown as MasterInfo) : failed(r.error.replace('Failed to convert JSON into MasterInfo protobuf: ', ''));
};
const viaProtobuf = (bytes: Uint8Array) => {
  try {
    return ok(decode('mesos.v1.MasterInfo', bytes) as unknown as MasterInfo);
  } catch (err) {
    return failed((err as Error).message);
  }
};

describe('MasterInfo in a leader znode', () => {
  test('written as stout writes JSON::protobuf: compact, keys of every object in order', () => {
    assert.equal(
      masterInfoJson(INFO),
      '{"address":{"hostname":"localhost","ip":"127.0.0.1","port":5050},' +
        '"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],' +
        '"hostname":"localhost","id":"7b8d5f3c-1b2a-4c1e-9d3f-0a1b2c3d4e5f","ip":16777343,' +
        '"pid":"master@127.0.0.1:5050","port":5050,"version":"1.11.0"}',
    );
  });

  test('json.info_: read back as JSON', () => {
    const member = parseMember('json.info_0000000001')!;
    const read = leaderInfo(member, Buffer.from(masterInfoJson(INFO)), viaCodec, viaProtobuf);
    assert.ok(read.ok);
    assert.ok(sameMaster(read.value, INFO));
    assert.equal(masterAddress(read.value), '127.0.0.1:5050');
  });

  test("json.info_ that is not a MasterInfo: Mesos's messages", () => {
    const member = parseMember('json.info_0000000001')!;
    const read = (text: string) => leaderInfo(member, Buffer.from(text), viaCodec, viaProtobuf);
    assert.match((read('{not json') as { error: string }).error, /^Failed to parse data into valid JSON: /);
    assert.deepEqual(read('[1]'), failed('Failed to parse data into valid JSON: not a JSON object'));
    assert.deepEqual(
      read('{"ip":1}'),
      failed('Failed to parse JSON into a valid MasterInfo protocol buffer: Missing required fields: id, port'),
    );
  });

  test('info_: protobuf bytes (Mesos < 0.24), still read by Mesos 1.11', () => {
    const member = parseMember('info_0000000002')!;
    const bytes = Buffer.from(encode('mesos.v1.MasterInfo', INFO));
    const read = leaderInfo(member, bytes, viaCodec, viaProtobuf);
    assert.ok(read.ok && sameMaster(read.value, INFO));
    assert.deepEqual(leaderInfo(member, Buffer.from('{"id":"x"}'), viaCodec, viaProtobuf), failed('Failed to parse data into MasterInfo'));
  });

  test('a bare sequence holds the UPID (the oldest masters)', () => {
    const member = parseMember('0000000003')!;
    const read = leaderInfo(member, Buffer.from('master@10.1.2.3:5050'), viaCodec, viaProtobuf);
    assert.deepEqual(
      read,
      ok({ id: 'master@10.1.2.3:5050', ip: 0x0302010a, port: 5050, pid: 'master@10.1.2.3:5050', address: { ip: '10.1.2.3', port: 5050 } }),
    );
    assert.equal(masterInfoOfPid('nonsense').ok, false);
  });

  test('another label is refused', () => {
    const read = leaderInfo(parseMember('foo_0000000001')!, Buffer.from('{}'), viaCodec, viaProtobuf);
    assert.deepEqual(read, failed("Failed to parse data of unknown label 'foo'"));
  });

  test("equality is Mesos's operator== (id, ip, port, pid, hostname, version, domain)", () => {
    assert.ok(sameMaster(INFO, { ...INFO, address: { ip: '10.0.0.9', port: 1 }, capabilities: [] }));
    assert.ok(!sameMaster(INFO, { ...INFO, id: 'other' }));
    assert.ok(!sameMaster(INFO, { ...INFO, version: '1.10.0' }));
    assert.ok(!sameMaster(INFO, { ...INFO, domain: { fault_domain: { region: { name: 'r' }, zone: { name: 'z' } } } } as MasterInfo));
    assert.ok(sameMaster(undefined, undefined));
    assert.ok(!sameMaster(INFO, undefined));
  });

  test('mesos-resolve prints the UPID without master@, else the address', () => {
    assert.equal(masterAddress({ id: 'x', ip: 0, port: 5050, address: { ip: '10.0.0.1', port: 5051 } }), '10.0.0.1:5051');
  });
});

test('the binary runs mesos resolve when invoked as mesos-resolve, as Mesos ships it', () => {
  assert.equal(invokedCommand('/usr/bin/mesos-resolve', undefined), 'resolve');
  assert.equal(invokedCommand('node', '/opt/x/mesos-resolve'), 'resolve');
});

describe('connect backoff', () => {
  test('doubles from 1 s up to the session timeout (Mesos makes a new handle every session timeout)', () => {
    const delays: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 6; i++) {
      d = nextConnectDelay(d, 10_000);
      delays.push(d);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert.equal(nextConnectDelay(undefined, 500), 1000, 'never below 1 s');
  });
});
