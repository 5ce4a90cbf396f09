// The ZooKeeper foundation against real ZooKeeper servers (the distribution's package, started by
// test/helpers/zookeeper.ts): the session's operations and failure handling on a standalone
// server, leader election and detection in Apache Mesos's layout (a znode written by hand the
// way Mesos 1.11 writes it is detected, and `mesos resolve` prints it), and a three-node ensemble
// losing one node (the session carries on) and then two (sessions are lost and say so).
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MasterInfo } from '../../daemons/common/mesos.ts';
import { encode } from '../../daemons/common/proto/codec.ts';
import { MasterDetector } from '../../daemons/common/zk/detector.ts';
import { masterInfoJson } from '../../daemons/common/zk/group.ts';
import {
  type SessionOptions,
  type WatchEvent,
  ZkError,
  ZkMultiError,
  type ZkSession,
  ZkUnreachableError,
  connectSession,
} from '../../daemons/common/zk/session.ts';
import { type ZkUrl, parseZkUrl } from '../../daemons/common/zk/url.ts';
import { resolveFlagDefs } from '../../daemons/cli/resolve.ts';
import { MasterContender } from '../../daemons/master/contender.ts';
import { BUNDLE, freePort, runMesos, sleep, tempDir } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

const unavailable = zookeeperUnavailable();
const skip = unavailable ? `ZooKeeper tests skipped: ${unavailable}` : false;

function zkUrl(text: string): ZkUrl {
  const url = parseZkUrl(text);
  if (!url.ok) throw new Error(url.error);
  return url.value;
}

const sessions: ZkSession[] = [];
async function session(cluster: ZooKeeperCluster, extra: Partial<SessionOptions> = {}, znode = '/'): Promise<ZkSession> {
  const s = await connectSession({ url: zkUrl(cluster.url(znode)), sessionTimeoutMs: 4000, connectTimeoutMs: 20_000, ...extra });
  sessions.push(s);
  return s;
}

/** The promise's value, or an error after `ms`. */
function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function masterInfo(n: number, port = 5050 + n): MasterInfo {
  return {
    id: `master-${n}-${process.pid}`,
    ip: 16777343,
    port,
    pid: `master@127.0.0.1:${port}`,
    hostname: `m${n}.example.com`,
    version: '1.11.0',
    address: { hostname: `m${n}.example.com`, ip: '127.0.0.1', port },
    capabilities: [{ type: 'AGENT_UPDATE' }],
  };
}

/** Polls until `fn` is true, or throws after `ms`. */
async function until(what: string, ms: number, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

after(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

test('mesos resolve: listed by mesos help, --help with every flag, one-line errors', async () => {
  const help = await runMesos(['help']);
  assert.match(help.stdout, /^ {2}resolve\s+Print the leading master's ip:port/m);
  const own = await runMesos(['help', 'resolve']);
  assert.equal(own.code, 0);
  assert.match(own.stdout, /^Usage: mesos resolve <master>/);
  for (const def of resolveFlagDefs) assert.match(own.stdout, new RegExp(`--(\\[no-\\])?${def.name}\\b.*\\(default: ${def.default}\\)`));
  for (const [args, message] of [
    [['resolve', '--timeout=soon', 'h:1'], /^mesos resolve: invalid value 'soon' for flag '--timeout'/],
    [['resolve', '--bogus', 'h:1'], /^mesos resolve: unknown flag '--bogus'/],
    [['resolve'], /^mesos resolve: There must be only one argument: <master>\./],
    [['resolve', 'a:1', 'b:2'], /^mesos resolve: There must be only one argument: <master>\./],
    [['resolve', 'file:///nonexistent/zk'], /^Failed to create a master detector: Failed to read from file at '\/nonexistent\/zk'/],
  ] as const) {
    const res = await runMesos([...args], 30_000);
    assert.equal(res.code, 1, `${args.join(' ')}: ${res.stderr}`);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.match(res.stderr, message);
  }
});

test('a connection given up on stays given up on when the server answers later (no crash)', async () => {
  // A stand-in server: refuses the first connection at once, answers later ones with a new
  // session (ConnectResponse: protocol 0, timeout, session id, 16-byte password).
  let connections = 0;
  let answered = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (++connections === 1) return socket.destroy();
    socket.once('data', () => {
      const answer = Buffer.alloc(40);
      answer.writeInt32BE(36, 0);
      answer.writeInt32BE(4000, 8);
      answer.writeBigInt64BE(0x100000007n, 12);
      answer.writeInt32BE(16, 20);
      socket.write(answer);
      answered++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const err = await rejection(connectSession({ url: zkUrl(`zk://127.0.0.1:${port}/m`), sessionTimeoutMs: 1000, connectTimeoutMs: 100 }));
    assert.ok(err instanceof ZkUnreachableError, String(err));
    // The package had already scheduled its next connection (within a second); it is made, and
    // the answer to it must not be read by the abandoned client.
    await sleep(1500);
    assert.ok(connections >= 2, `${connections} connections`);
  } finally {
    server.close();
  }
  assert.ok(answered <= connections);
});

describe('ZooKeeper session on a standalone server', { skip }, () => {
  let zk: ZooKeeperCluster;
  before(async () => {
    zk = await ZooKeeperCluster.standalone();
    process.stderr.write(`# standalone ZooKeeper serving ${zk.startupMs} ms after start\n`);
  });
  after(async () => {
    await zk?.stop();
  });

  test('create in each mode, data with versions, children, exists and delete', async () => {
    const s = await session(zk);
    assert.equal(s.state, 'connected');
    assert.ok(s.timeoutMs >= 1000 && s.timeoutMs <= 4000, `negotiated ${s.timeoutMs}`);
    await s.ensurePath('/ops/deep/er');
    assert.equal((await s.exists('/ops/deep/er'))?.numChildren, 0);
    await s.ensurePath('/ops/deep/er');

    assert.equal(await s.create('/ops/p', 'one'), '/ops/p');
    const seq1 = await s.create('/ops/s_', 'x', 'persistent_sequential');
    const seq2 = await s.create('/ops/s_', 'y', 'persistent_sequential');
    assert.match(seq1, /^\/ops\/s_\d{10}$/);
    assert.ok(seq2 > seq1, 'sequences grow');
    const eph = await s.create('/ops/e', 'mine', 'ephemeral');
    assert.equal((await s.exists(eph))?.ephemeralOwner, s.id);
    assert.equal((await s.exists('/ops/p'))?.ephemeralOwner, '0');
    const ephSeq = await s.create('/ops/es_', undefined, 'ephemeral_sequential');
    assert.match(ephSeq, /^\/ops\/es_\d{10}$/);

    const got = await s.getData('/ops/p');
    assert.equal(got.data.toString(), 'one');
    assert.equal(got.stat.version, 0);
    const stat = await s.setData('/ops/p', 'two', 0);
    assert.equal(stat.version, 1);
    const stale = await rejection(s.setData('/ops/p', 'three', 0));
    assert.ok(stale instanceof ZkError && stale.code === 'BAD_VERSION', String(stale));
    assert.equal(stale.message, "setData '/ops/p': bad version");
    assert.equal((await s.setData('/ops/p', 'any')).version, 2, 'version -1 writes whatever the version');

    const exists = await rejection(s.create('/ops/p'));
    assert.equal((exists as ZkError).code, 'NODE_EXISTS');
    assert.equal((await rejection(s.getData('/ops/none'))).message, "getData '/ops/none': no node");
    assert.equal(await s.exists('/ops/none'), undefined);
    const { children } = await s.getChildren('/ops');
    assert.deepEqual(children.sort(), ['deep', 'e', 'p', ...[ephSeq, seq1, seq2].map((p) => p.slice(5))].sort());

    assert.equal((await rejection(s.delete('/ops/deep'))).message, "delete '/ops/deep': not empty");
    assert.equal((await rejection(s.delete('/ops/p', 0))).message, "delete '/ops/p': bad version");
    await s.delete('/ops/p', 2);
    assert.equal(await s.exists('/ops/p'), undefined);
    assert.equal((await rejection(s.create('/ops/e/child'))).message, "create '/ops/e/child': no children for ephemerals");
  });

  test('watches: children, data, deletion and creation, each firing once', async () => {
    const s = await session(zk);
    const other = await session(zk);
    await s.ensurePath('/watched');
    const seen: WatchEvent[] = [];
    let wake: ((e: WatchEvent) => void) | undefined;
    const watch = (e: WatchEvent) => {
      seen.push(e);
      wake?.(e);
    };
    const next = () => new Promise<WatchEvent>((resolve) => (wake = resolve));

    let fired = next();
    await s.getChildren('/watched', watch);
    await other.create('/watched/a', '1');
    assert.deepEqual(await within('children watch', 5000, fired), { type: 'childrenChanged', path: '/watched' });
    await other.create('/watched/z');
    await sleep(300);
    assert.equal(seen.length, 1, 'a watch fires once');

    fired = next();
    await s.getData('/watched/a', watch);
    await other.setData('/watched/a', '2');
    assert.deepEqual(await within('data watch', 5000, fired), { type: 'dataChanged', path: '/watched/a' });

    fired = next();
    await s.exists('/watched/a', watch);
    await other.delete('/watched/a');
    assert.deepEqual(await within('deletion watch', 5000, fired), { type: 'deleted', path: '/watched/a' });

    fired = next();
    assert.equal(await s.exists('/watched/b', watch), undefined);
    await other.create('/watched/b');
    assert.deepEqual(await within('creation watch', 5000, fired), { type: 'created', path: '/watched/b' });
  });

  test('multi: all or nothing, with fencing on versions, version 0 included', async () => {
    const s = await session(zk);
    await s.ensurePath('/tx');
    await s.create('/tx/leader', 'me');
    await s.create('/tx/state', 'v0');
    // Version 0 is a version: node-zookeeper-client alone would send -1 (any) here.
    const results = await s.multi([
      { type: 'check', path: '/tx/leader', version: 0 },
      { type: 'setData', path: '/tx/state', data: 'v1', version: 0 },
      { type: 'create', path: '/tx/chunk_', data: 'c', mode: 'persistent_sequential' },
      { type: 'delete', path: '/tx/leader', version: 0 },
    ]);
    assert.equal(results[0]!.type, 'check');
    assert.equal(results[1]!.type === 'setData' && results[1]!.stat.version, 1);
    assert.match(results[2]!.type === 'create' ? results[2]!.path : '', /^\/tx\/chunk_\d{10}$/);
    assert.deepEqual(results[3], { type: 'delete' });

    await s.create('/tx/leader', 'me');
    await s.setData('/tx/leader', 'me again');
    const fenced = await rejection(
      s.multi([
        { type: 'setData', path: '/tx/state', data: 'v2' },
        { type: 'check', path: '/tx/leader', version: 0 },
      ]),
    );
    assert.ok(fenced instanceof ZkMultiError, String(fenced));
    assert.equal(fenced.code, 'BAD_VERSION');
    assert.equal(fenced.index, 1);
    assert.equal(fenced.path, '/tx/leader');
    assert.equal((await s.getData('/tx/state')).data.toString(), 'v1', 'nothing of a failed multi is applied');
  });

  test('closing a session removes its ephemeral znodes at once; operations on it fail', async () => {
    const s = await session(zk);
    const watcher = await session(zk);
    await s.ensurePath('/closing');
    const eph = await s.create('/closing/e', '', 'ephemeral');
    await s.close();
    assert.equal(s.state, 'closed');
    assert.equal(await watcher.exists(eph), undefined);
    assert.equal(((await rejection(s.getData(eph))) as ZkError).code, 'CLOSED');
  });

  test('digest credentials (zk://user:password@...): anyone reads, only the creator writes', async () => {
    const owner = await session(zk, { url: zkUrl(zk.url('/', 'alice:secret')) });
    const stranger = await session(zk);
    await owner.ensurePath('/secured/group');
    await owner.create('/secured/group/x', 'data');
    assert.equal((await stranger.getData('/secured/group/x')).data.toString(), 'data');
    const denied = await rejection(stranger.setData('/secured/group/x', 'mine'));
    assert.equal((denied as ZkError).code, 'NO_AUTH');
    assert.equal((await rejection(stranger.create('/secured/group/y'))).message, "create '/secured/group/y': not authenticated");
    const sameUser = await session(zk, { url: zkUrl(zk.url('/', 'alice:secret')) });
    assert.equal((await sameUser.setData('/secured/group/x', 'again')).version, 1);
  });

  test('a server that stops answering: the session is disconnected, then expires locally within its timeout', async () => {
    const own = await ZooKeeperCluster.standalone();
    try {
      const s = await connectSession({ url: zkUrl(own.url()), sessionTimeoutMs: 1000 });
      sessions.push(s);
      assert.equal(s.timeoutMs, 1000);
      const disconnected = new Promise((resolve) => s.once('disconnected', () => resolve(Date.now())));
      const expired = new Promise<string>((resolve) => s.once('expired', resolve));
      const stopped = Date.now();
      own.signal(1, 'SIGSTOP');
      const reason = await within('local expiry', 5000, expired);
      assert.equal(reason, 'no ZooKeeper server answered for 1secs (the session timeout)');
      assert.ok(((await disconnected) as number) < Date.now(), 'disconnected first (read timeout)');
      assert.ok(Date.now() - stopped < 2500, `expired ${Date.now() - stopped} ms after the server stopped`);
      assert.equal(((await rejection(s.exists('/'))) as ZkError).code, 'SESSION_EXPIRED');
      // The server wakes up and answers the connection the client had opened to it meanwhile:
      // nothing of the ended session may read that answer (the package alone would throw).
      own.signal(1, 'SIGCONT');
      await sleep(1500);
      assert.equal(s.state, 'expired');
    } finally {
      own.signal(1, 'SIGCONT');
      await own.stop();
    }
  });

  test('ZooKeeper unreachable: one line naming each server and why; retries until it comes', async () => {
    const port = await freePort();
    const url = zkUrl(`zk://127.0.0.1:${port}/mesos`);
    const started = Date.now();
    const err = await rejection(connectSession({ url, sessionTimeoutMs: 2000, connectTimeoutMs: 1500 }));
    assert.ok(err instanceof ZkUnreachableError, String(err));
    assert.equal(
      err.message,
      `Cannot connect to ZooKeeper at 127.0.0.1:${port}: 127.0.0.1:${port} refused the connection (is ZooKeeper running there?)`,
    );
    assert.ok(Date.now() - started < 3000);

    const retries: string[] = [];
    const connecting = connectSession({ url, sessionTimeoutMs: 2000, onRetry: (m) => retries.push(m) });
    while (retries.length === 0) await sleep(50);
    const late = await ZooKeeperCluster.standalone({ clientPorts: [port] });
    try {
      const s = await within('a session once ZooKeeper is up', 20_000, connecting);
      sessions.push(s);
      assert.equal(s.state, 'connected');
      assert.match(retries[0]!, /refused the connection/);
    } finally {
      await late.stop();
    }
  });
});

/** What an Apache Mesos 1.11 master writes into its znode (JSON::protobuf of its MasterInfo). */
const MESOS_WRITTEN =
  '{"address":{"hostname":"mesos-master-1.example.com","ip":"10.0.0.5","port":5050},' +
  '"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],' +
  '"hostname":"mesos-master-1.example.com","id":"5e2ffb2c-1b66-4a32-a0e1-4d0c7f0f2a71","ip":83886090,' +
  '"pid":"master@10.0.0.5:5050","port":5050,"version":"1.11.0"}';

describe('leader election and detection in Mesos layout', { skip }, () => {
  let zk: ZooKeeperCluster;
  before(async () => {
    zk = await ZooKeeperCluster.standalone();
  });
  after(async () => {
    await zk?.stop();
  });

  test('two contenders: the first leads; its session closes, the second leads; the detector follows', async () => {
    const [info1, info2] = [masterInfo(1), masterInfo(2)];
    const s1 = await session(zk);
    const s2 = await session(zk);
    const detector = new MasterDetector({ url: zkUrl(zk.url('/election')), sessionTimeoutMs: 4000 });
    const changes: (MasterInfo | undefined)[] = [];
    detector.on('leader', (info) => changes.push(info));
    try {
      const c1 = new MasterContender(s1, '/election', info1);
      const first = await c1.contend();
      assert.match(first.path, /^\/election\/json\.info_\d{10}$/);
      assert.equal(await within('election', 5000, first.elected), true);
      assert.ok(first.leading);
      const second = await new MasterContender(s2, '/election', info2).contend();
      assert.ok(second.sequence > first.sequence);
      await sleep(300);
      assert.ok(!second.leading, 'the second waits');

      // The znode holds exactly what a Mesos master writes: its MasterInfo as stout's JSON.
      const raw = await s2.getData(first.path);
      assert.equal(raw.data.toString(), masterInfoJson(info1));
      assert.equal(raw.stat.ephemeralOwner, s1.id);

      const leader = await within('detection', 5000, detector.detect());
      assert.equal(leader?.id, info1.id);
      assert.equal(leader?.pid, 'master@127.0.0.1:5051');

      const next = detector.detect(leader);
      await s1.close();
      assert.equal(await within('loss', 5000, first.lost), 'the ZooKeeper session was closed');
      assert.ok(!first.leading);
      assert.equal(await within('the second elected', 5000, second.elected), true);
      assert.equal((await within('the detector follows', 5000, next))?.id, info2.id);
      assert.deepEqual(
        changes.map((c) => c?.id),
        [info1.id, info2.id],
      );
    } finally {
      await detector.close();
    }
  });

  test('a deleted znode ends the candidacy; a follower contends again', async () => {
    const s = await session(zk);
    const operator = await session(zk);
    const holder = await new MasterContender(await session(zk), '/deleted', masterInfo(3)).contend();
    const contender = new MasterContender(s, '/deleted', masterInfo(4));
    const candidacy = await contender.contend();
    assert.equal(await within('elected', 5000, holder.elected), true);
    await operator.delete(candidacy.path);
    assert.equal(await within('loss', 5000, candidacy.lost), `its znode ${candidacy.path} was deleted`);
    assert.equal(await candidacy.elected, false, 'never elected');
    const again = await contender.contend();
    assert.notEqual(again.path, candidacy.path);
    assert.ok(await operator.exists(again.path));
    assert.equal(await contender.withdraw(), true);
    assert.equal(await within('withdrawn', 5000, again.lost), 'withdrawn');
    assert.equal(await operator.exists(again.path), undefined);
  });

  test('a json.info_ znode written as Apache Mesos writes it is detected, and mesos resolve prints it', async () => {
    const mesos = await session(zk);
    await mesos.ensurePath('/mesos-hand');
    // Mesos's own registrar's znode sits beside the masters' (no member: not a sequence).
    await mesos.create('/mesos-hand/log_replicas');
    const node = await mesos.create('/mesos-hand/json.info_', MESOS_WRITTEN, 'ephemeral_sequential');
    const detector = new MasterDetector({ url: zkUrl(zk.url('/mesos-hand')) });
    try {
      const leader = await within('detection', 5000, detector.detect());
      assert.equal(leader?.pid, 'master@10.0.0.5:5050');
      assert.equal(leader?.address?.hostname, 'mesos-master-1.example.com');
      assert.equal(leader?.ip, 83886090);
    } finally {
      await detector.close();
    }

    const res = await runMesos(['resolve', zk.url('/mesos-hand')], 30_000);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '10.0.0.5:5050\n');

    // As mesos-resolve, through the link and from a file:// (as /etc/mesos/zk).
    const dir = tempDir('resolve');
    const link = path.join(dir, 'mesos-resolve');
    symlinkSync(BUNDLE, link);
    writeFileSync(path.join(dir, 'zk'), `${zk.url('/mesos-hand')}\n`);
    const { spawnSync } = await import('node:child_process');
    const viaLink = spawnSync(process.execPath, [link, `file://${path.join(dir, 'zk')}`], { encoding: 'utf8' });
    assert.equal(viaLink.status, 0, viaLink.stderr);
    assert.equal(viaLink.stdout, '10.0.0.5:5050\n');

    // The member gone, no leader: mesos-resolve gives up after --timeout, exit code 255 (-1).
    await mesos.delete(node);
    const none = await runMesos(['resolve', '--timeout=1secs', zk.url('/mesos-hand')], 30_000);
    assert.equal(none.code, 255);
    assert.equal(
      none.stderr,
      `Failed to detect master from '${zk.url('/mesos-hand')}' within 1secs: no master leads in /mesos-hand (none has joined the group)\n`,
    );
  });

  test('the older forms Mesos 1.11 still reads: info_ (protobuf) and a bare sequence (UPID)', async () => {
    const old = await session(zk);
    await old.ensurePath('/mesos-old');
    const info = masterInfo(7, 5057);
    const node = await old.create('/mesos-old/info_', Buffer.from(encode('mesos.v1.MasterInfo', info)), 'ephemeral_sequential');
    const res = await runMesos(['resolve', zk.url('/mesos-old')], 30_000);
    assert.equal(res.stdout, '127.0.0.1:5057\n', res.stderr);
    await old.delete(node);
    // Mesos joined with no label as `<path>/` + sequence; the package refuses a path ending in /,
    // so the name is given whole.
    const bad = await rejection(old.create('/mesos-old/', 'x', 'ephemeral_sequential'));
    assert.equal((bad as ZkError).code, 'BAD_ARGUMENTS');
    assert.match(bad.message, /^create '\/mesos-old\/': .*must not end with \//);
    await old.create('/mesos-old/0000000099', 'master@10.9.8.7:5050', 'ephemeral');
    const upid = await runMesos(['resolve', zk.url('/mesos-old')], 30_000);
    assert.equal(upid.stdout, '10.9.8.7:5050\n', upid.stderr);
  });

  test("a leader znode holding no MasterInfo: mesos resolve fails with Mesos's message", async () => {
    const s = await session(zk);
    await s.ensurePath('/mesos-bad');
    await s.create('/mesos-bad/json.info_', '{"ip":1}', 'ephemeral_sequential');
    const res = await runMesos(['resolve', zk.url('/mesos-bad')], 30_000);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `Failed to detect master from '${zk.url('/mesos-bad')}': ` +
        'Failed to parse JSON into a valid MasterInfo protocol buffer: Missing required fields: id, port\n',
    );
  });

  test('mesos resolve with ZooKeeper unreachable says why after --timeout; host:port is printed back', async () => {
    const port = await freePort();
    const res = await runMesos(['resolve', '--timeout=2secs', `zk://127.0.0.1:${port}/mesos`], 30_000);
    assert.equal(res.code, 255);
    assert.equal(
      res.stderr,
      `Failed to detect master from 'zk://127.0.0.1:${port}/mesos' within 2secs: Cannot connect to ZooKeeper at 127.0.0.1:${port}: ` +
        `127.0.0.1:${port} refused the connection (is ZooKeeper running there?)\n`,
    );
    const pid = await runMesos(['resolve', 'localhost:5050'], 30_000);
    assert.equal(pid.stdout, '127.0.0.1:5050\n');
    const bad = await runMesos(['resolve', 'zk://h:2181/'], 30_000);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "Failed to create a master detector: Expecting a (chroot) path for ZooKeeper ('/' is not supported)\n");
  });
});

describe('a three-node ensemble', { skip }, () => {
  let zk: ZooKeeperCluster;
  before(async () => {
    zk = await ZooKeeperCluster.ensemble();
    process.stderr.write(`# 3-node ZooKeeper ensemble serving ${zk.startupMs} ms after start\n`);
  });
  after(async () => {
    await zk?.stop();
  });

  test('one node killed: the session, its candidacy and the detector carry on; two killed: sessions are lost and say so', async () => {
    const url = zkUrl(zk.url('/ha'));
    // 4 s: time for the ensemble to elect a new leader of its own (well under 1 s here).
    const s = await connectSession({ url, sessionTimeoutMs: 4000 });
    sessions.push(s);
    const candidacy = await new MasterContender(s, '/ha', masterInfo(1)).contend();
    assert.equal(await within('elected', 5000, candidacy.elected), true);
    const detector = new MasterDetector({ url, sessionTimeoutMs: 4000 });
    try {
      assert.equal((await within('detection', 5000, detector.detect()))?.id, masterInfo(1).id);
      const id = s.id;

      // Kill the ZooKeeper leader: a new one is elected among the other two.
      const leaderNode = (await Promise.all(zk.nodes.map(async (n) => ((await zk.mode(n.id)) === 'leader' ? n.id : 0)))).find((n) => n)!;
      await zk.kill(leaderNode);
      let written = 0;
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline) {
        try {
          await s.setData(candidacy.path, `write ${written}`);
          written++;
          if (written >= 5) break;
        } catch (err) {
          assert.ok(err instanceof ZkError && err.retryable, `only connection losses while the ensemble recovers: ${err}`);
          await sleep(100);
        }
      }
      assert.equal(written, 5, 'writes go through with two of three nodes');
      assert.equal(s.id, id, 'the same session');
      assert.equal(s.state, 'connected');
      assert.ok(candidacy.leading, 'still leading');
      assert.equal(detector.leader?.id, masterInfo(1).id);

      // Kill a second node: no quorum. The session cannot be kept: it expires and says why.
      const survivor = zk.nodes.find((n) => n.id !== leaderNode)!;
      const lost = within('candidacy lost', 15_000, candidacy.lost);
      const expired = new Promise<string>((resolve) => s.once('expired', resolve));
      await zk.kill(survivor.id);
      const reason = await within('session expiry', 15_000, expired);
      assert.match(reason, /^no ZooKeeper server answered for 4secs|^ZooKeeper expired the session$/);
      assert.equal(await lost, 'the ZooKeeper session expired');
      const err = await rejection(s.getData('/ha'));
      assert.equal((err as ZkError).code, 'SESSION_EXPIRED');
      assert.equal(err.message, "getData '/ha': session expired");
      await until('the detector to lose the leader', 15_000, () => detector.leader === undefined);

      // A new session cannot be had either; the error says the last node does not serve.
      const refused = await rejection(connectSession({ url, sessionTimeoutMs: 2000, connectTimeoutMs: 3000 }));
      assert.ok(refused instanceof ZkUnreachableError);
      const lastId = zk.nodes.find((n) => n.id !== leaderNode && n.id !== survivor.id)!;
      assert.match(
        refused.message,
        new RegExp(
          `127\\.0\\.0\\.1:${lastId.clientPort} accepts connections but gives no session \\(is it part of a quorum that is up\\?\\)`,
        ),
      );

      // Quorum back: a new contender leads once ZooKeeper has expired the old session (its
      // znode lives until then; the old leader had already stepped down), and the detector,
      // which kept trying, follows.
      await zk.restart(survivor.id);
      const s2 = await connectSession({ url, sessionTimeoutMs: 4000, connectTimeoutMs: 20_000 });
      sessions.push(s2);
      const back = await new MasterContender(s2, '/ha', masterInfo(2)).contend();
      assert.equal(await within('elected again', 15_000, back.elected), true);
      await until('the detector to find the new leader', 15_000, () => detector.leader?.id === masterInfo(2).id);
    } finally {
      await detector.close();
    }
  });
});
