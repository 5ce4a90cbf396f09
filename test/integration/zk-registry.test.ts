// The master's registry in ZooKeeper against a real standalone server (test/helpers/zookeeper.ts):
// what one leader wrote is what the next reads, a deposed leader's writes never land (the
// pointer's version history holds only the current leader's), state larger than ZooKeeper's
// 1 MB limit goes through chunks, chunks of a writer that died before its flip are collected,
// and a leader paused (SIGSTOP) past its session writes nothing once it runs again.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../daemons/common/log.ts';
import type { MasterInfo } from '../../daemons/common/mesos.ts';
import { type ZkSession, connectSession } from '../../daemons/common/zk/session.ts';
import { parseZkUrl } from '../../daemons/common/zk/url.ts';
import { type Candidacy, MasterContender } from '../../daemons/master/contender.ts';
import { type AgentEntry, FencedError, Registry, type RegistryOp, type StoredTask } from '../../daemons/master/registry.ts';
import { openZkStore } from '../../daemons/master/registry-zk.ts';
import { decodePointer, encodeZkState, pointerPath } from '../../daemons/master/registry-zk-format.ts';
import { ROOT, sleep } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

const unavailable = zookeeperUnavailable();
const skip = unavailable ? `ZooKeeper tests skipped: ${unavailable}` : false;
const LIMITS = { maxCompletedFrameworks: 10, maxCompletedTasksPerFramework: 10 };

let zk: ZooKeeperCluster;
const sessions: ZkSession[] = [];
let groups = 0;

async function session(): Promise<ZkSession> {
  const url = parseZkUrl(zk.url('/'));
  if (!url.ok) throw new Error(url.error);
  const s = await connectSession({ url: url.value, sessionTimeoutMs: 4000, connectTimeoutMs: 20_000 });
  sessions.push(s);
  return s;
}

function masterInfo(n: number): MasterInfo {
  const port = 5050 + n;
  return { id: `m${n}`, ip: 16777343, port, pid: `master@127.0.0.1:${port}`, hostname: `m${n}`, address: { ip: '127.0.0.1', port } };
}

/** A master's candidacy in `group` on its own session. */
async function candidate(group: string, n: number): Promise<{ session: ZkSession; candidacy: Candidacy }> {
  const s = await session();
  const candidacy = await new MasterContender(s, group, masterInfo(n)).contend();
  return { session: s, candidacy };
}

function agent(n: number, padding = 0): AgentEntry {
  return {
    id: `agent-${n}`,
    hostname: `host${n}.example.com`,
    port: 5051,
    pid: `slave(1)@10.0.${(n >> 8) & 255}.${n & 255}:5051`,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }],
    attributes: padding > 0 ? [{ name: 'rack', type: 'TEXT', text: { value: 'r'.repeat(padding) } }] : [],
    registeredTime: 1000 + n,
  };
}

const fw: RegistryOp = { op: 'ADD_FRAMEWORK', info: { id: { value: 'fw-1' }, name: 'one', user: 'u' } as never, registered_time: 7 };
const doneTask = { taskId: 'finished-task-1', name: 't', state: 'TASK_FINISHED' } as unknown as StoredTask;

/** Applies an operation and waits until it is stored (or refused). */
function store(reg: Registry, op: RegistryOp): Promise<void> {
  return new Promise((resolve, reject) => reg.apply(op, resolve, reject));
}

async function open(
  group: string,
  who: { session: ZkSession; candidacy: Candidacy },
  fenced: string[] = [],
  localDir?: string,
): Promise<Registry> {
  return Registry.openZk({
    session: who.session,
    group,
    candidacyPath: who.candidacy.path,
    localDir,
    limits: LIMITS,
    log: silentLogger(),
    onFenced: (reason) => fenced.push(reason),
  });
}

/** Every version of the pointer with the writer it names, as a watcher sees them one by one. */
class PointerHistory {
  readonly seen: Array<{ version: number; writer: string }> = [];
  private stopped = false;

  constructor(
    private readonly s: ZkSession,
    private readonly pointer: string,
  ) {}

  async start(): Promise<void> {
    const read = async (): Promise<void> => {
      if (this.stopped) return;
      const { data, stat } = await this.s.getData(this.pointer, () => void read().catch(() => undefined));
      if (this.seen.at(-1)?.version !== stat.version)
        this.seen.push({ version: stat.version, writer: decodePointer(data, this.pointer)?.writer ?? '' });
    };
    await read();
  }

  /** Waits until the watcher has seen `version` (so that no version is skipped between writes). */
  async reached(version: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((this.seen.at(-1)?.version ?? -1) < version) {
      if (Date.now() > deadline) throw new Error(`the pointer's version ${version} was not seen: ${JSON.stringify(this.seen)}`);
      await sleep(10);
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

/** A registry writer in its own process (test/helpers/zk-registry-writer.ts), and what it printed. */
class Writer {
  readonly events: Array<Record<string, unknown>> = [];
  readonly proc: ChildProcess;

  constructor(url: string, sessionMs: number) {
    this.proc = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'test/helpers/zk-registry-writer.ts'), url, String(sessionMs)],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let buffered = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        this.events.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>);
        buffered = buffered.slice(i + 1);
      }
    });
  }

  async event(name: string, ms = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find((e) => e.event === name);
      if (found) return found;
      const error = this.events.find((e) => e.event === 'error');
      if (error) throw new Error(`the writer failed: ${String(error.error)}`);
      if (Date.now() > deadline) throw new Error(`no '${name}' from the writer: ${JSON.stringify(this.events)}`);
      await sleep(20);
    }
  }

  admit(n: number): void {
    this.proc.stdin!.write(`admit ${n}\n`);
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

describe('the registry in ZooKeeper', { skip, timeout: 180_000 }, () => {
  before(async () => {
    zk = await ZooKeeperCluster.standalone();
  });
  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await zk?.stop();
  });

  function group(): string {
    return `/mesos-${process.pid}-${++groups}`;
  }

  test('what a leader stored (agents, frameworks, the operators’ weights and marks) is what the next leader reads; the history stays in the local directory', async () => {
    const g = group();
    const localA = mkdtempSync(path.join(os.tmpdir(), 'zk-registry-a-'));
    const a = await candidate(g, 1);
    assert.ok(await a.candidacy.elected);
    const regA = await open(g, a, [], localA);
    await store(regA, { op: 'ADMIT_AGENT', agent: agent(1) });
    await store(regA, { op: 'ADMIT_AGENT', agent: agent(2) });
    await store(regA, { op: 'MARK_UNREACHABLE', agent_id: 'agent-2', time: 99, hostname: 'host2.example.com' });
    await store(regA, { op: 'UPDATE_WEIGHTS', weights: [{ role: 'prod', weight: 3 }] });
    await store(regA, { op: 'DEACTIVATE_AGENT', agent_id: 'agent-1' });
    await store(regA, { op: 'DRAIN_AGENT', agent_id: 'agent-2', config: { mark_gone: false } });
    await store(regA, { op: 'MARK_AGENT_GONE', agent_id: 'agent-3', time: 123 });
    await store(regA, fw);
    await store(regA, { op: 'COMPLETE_TASK', framework_id: 'fw-1', task: doneTask });
    await a.session.close();

    const reader = await session();
    const { data } = await reader.getData(pointerPath(g));
    assert.ok(!data.toString().includes('finished-task-1'), 'completed tasks are not in ZooKeeper');

    const b = await candidate(g, 2);
    assert.ok(await b.candidacy.elected);
    const regB = await open(g, b);
    assert.deepEqual([...regB.state.agents.keys()], ['agent-1']);
    assert.deepEqual([...regB.state.unreachable], [['agent-2', { time: 99, hostname: 'host2.example.com' }]]);
    assert.deepEqual([...regB.state.weights], [['prod', 3]], 'what operators set is in ZooKeeper');
    assert.deepEqual(
      [...regB.state.marks],
      [
        ['agent-1', { deactivated: true }],
        ['agent-2', { deactivated: true, drain: { state: 'DRAINING', config: { mark_gone: false } } }],
      ],
    );
    assert.deepEqual([...regB.state.gone], [['agent-3', 123]]);
    assert.equal(regB.state.frameworks.get('fw-1')?.info.name, 'one');
    assert.equal(regB.state.frameworks.get('fw-1')?.registeredTime, 7);
    assert.deepEqual(regB.state.frameworks.get('fw-1')?.completedTasks, [], "another master's history is not here");

    // The first master, back as leader with its own directory, has its history again.
    await b.session.close();
    const a2 = await candidate(g, 1);
    assert.ok(await a2.candidacy.elected);
    const regA2 = await open(g, a2, [], localA);
    assert.equal(regA2.state.agents.size, 1);
    assert.deepEqual(
      regA2.state.frameworks.get('fw-1')?.completedTasks.map((t) => (t as unknown as { taskId: string }).taskId),
      ['finished-task-1'],
    );
  });

  test('a deposed leader cannot overwrite newer state: its candidacy is gone, or another wrote since', async () => {
    const g = group();
    const watcher = await session();
    const a = await candidate(g, 1);
    assert.ok(await a.candidacy.elected);
    const fencedA: string[] = [];
    const regA = await open(g, a, fencedA);
    const history = new PointerHistory(watcher, pointerPath(g));
    await history.start();
    await store(regA, { op: 'ADMIT_AGENT', agent: agent(1) });
    await history.reached(1);

    // A second master that thinks it leads (A paused past a partition, say) opens and writes.
    const b = await candidate(g, 2);
    const fencedB: string[] = [];
    const regB = await open(g, b, fencedB);
    assert.equal(regB.state.agents.size, 1);
    await store(regB, { op: 'ADMIT_AGENT', agent: agent(2) });
    await history.reached(2);

    // A still has its candidacy znode, but B wrote since A's last write: the pointer's version fences A.
    const refused = await store(regA, { op: 'ADMIT_AGENT', agent: agent(3) }).then(
      () => undefined,
      (err: Error) => err,
    );
    assert.ok(refused instanceof FencedError, String(refused));
    assert.equal(fencedA.length, 1);
    assert.match(fencedA[0]!, /registry pointer .* was written by another leader since version 1/);
    // Once fenced, nothing more is even tried.
    await assert.rejects(store(regA, { op: 'REMOVE_AGENT', agent_id: 'agent-1' }), FencedError);
    assert.equal(fencedA.length, 1, 'onFenced is called once');

    // B goes on; then a third master is elected after B's candidacy znode is deleted (B's session
    // expired, as ZooKeeper sees it): B's writes now fail the candidacy check.
    await store(regB, { op: 'ADMIT_AGENT', agent: agent(4) });
    await history.reached(3);
    const c = await candidate(g, 3);
    await watcher.delete(a.candidacy.path);
    await watcher.delete(b.candidacy.path);
    assert.ok(await c.candidacy.elected);
    const regC = await open(g, c);
    await store(regC, { op: 'ADMIT_AGENT', agent: agent(5) });
    await history.reached(4);
    await assert.rejects(store(regB, { op: 'REMOVE_AGENT', agent_id: 'agent-5' }), FencedError);
    assert.match(fencedB[0] ?? '', new RegExp(`candidacy znode ${b.candidacy.path} is gone`));
    await sleep(200);
    history.stop();

    assert.deepEqual(history.seen, [
      { version: 0, writer: '' },
      { version: 1, writer: a.candidacy.path },
      { version: 2, writer: b.candidacy.path },
      { version: 3, writer: b.candidacy.path },
      { version: 4, writer: c.candidacy.path },
    ]);
    const reader = await open(g, c);
    assert.deepEqual([...reader.state.agents.keys()].sort(), ['agent-1', 'agent-2', 'agent-4', 'agent-5']);
  });

  test('a state over 1 MB goes through chunks and back; old chunks go after the flip', async () => {
    const g = group();
    const a = await candidate(g, 1);
    assert.ok(await a.candidacy.elected);
    const regA = await open(g, a);
    // 3,000 agents of ~700 bytes: about 2 MB, chunks of 128 KiB.
    for (let i = 0; i < 3000; i++) regA.apply({ op: 'ADMIT_AGENT', agent: agent(i, 500) });
    await store(regA, fw);
    const s = await session();
    const pointer = pointerPath(g);
    const { data, stat } = await s.getData(pointer);
    assert.equal(stat.version, 1, 'one group commit, one flip');
    const first = decodePointer(data, pointer);
    assert.ok(first && 'chunks' in first, 'the pointer names chunks');
    assert.ok(first.bytes > 1024 * 1024, `${first.bytes} bytes`);
    assert.equal(first.chunks.length, Math.ceil(first.bytes / (128 * 1024)));
    assert.deepEqual((await s.getChildren(pointer)).children.sort(), [...first.chunks].sort());

    const b = await candidate(g, 2);
    const regB = await open(g, b);
    assert.equal(regB.state.agents.size, 3000);
    assert.deepEqual(regB.state.agents.get('agent-2999'), agent(2999, 500));

    // B writes a larger state: the chunks after the new agent are new, one flip, and the
    // chunks no pointer names any more are gone.
    await store(regB, { op: 'ADMIT_AGENT', agent: agent(3000, 500) });
    await regB.flushed();
    const second = decodePointer((await s.getData(pointer)).data, pointer);
    assert.ok(second && 'chunks' in second);
    assert.deepEqual((await s.getChildren(pointer)).children.sort(), [...second.chunks].sort());
    const kept = second.chunks.filter((c) => first.chunks.includes(c));
    assert.ok(kept.length >= first.chunks.length - 2, `${kept.length} of ${first.chunks.length} chunks kept`);
    assert.ok(kept.length < second.chunks.length);
    // Back under one chunk: the state lives in the pointer, and no chunk is left.
    for (let i = 0; i <= 3000; i++) if (i >= 10) regB.apply({ op: 'REMOVE_AGENT', agent_id: `agent-${i}` });
    await store(regB, { op: 'REMOVE_AGENT', agent_id: 'agent-9' });
    await regB.flushed();
    const third = decodePointer((await s.getData(pointer)).data, pointer);
    assert.ok(third && 'state' in third);
    assert.equal(third.state.agents.length, 9);
    assert.deepEqual((await s.getChildren(pointer)).children, []);
  });

  test('a writer killed between its chunks and its flip leaves the previous state; the next leader collects its chunks', async () => {
    const g = group();
    const a = await candidate(g, 1);
    assert.ok(await a.candidacy.elected);
    const opened = await openZkStore({
      session: a.session,
      group: g,
      candidacyPath: a.candidacy.path,
      limits: LIMITS,
      log: silentLogger(),
      onFenced: () => undefined,
    });
    const state = opened.state;
    for (let i = 0; i < 2000; i++) state.agents.set(`agent-${i}`, agent(i, 500));
    await opened.store.write([{ op: 'ADMIT_AGENT', agent: agent(0) }], state);
    const s = await session();
    const pointer = pointerPath(g);
    const before = (await s.getData(pointer)).data;
    const committed = decodePointer(before, pointer);
    assert.ok(committed && 'chunks' in committed);

    // The next write's chunks are made; the writer dies before its flip.
    // (The first agent goes: every chunk's bytes shift, so every chunk is new.)
    state.agents.delete('agent-0');
    state.agents.set('agent-2000', agent(2000, 500));
    const staged = await opened.store.stage(encodeZkState(state));
    assert.equal(staged.plan.created.length, staged.plan.chunks.length);
    const { children } = await s.getChildren(pointer);
    assert.equal(children.length, committed.chunks.length + staged.plan.created.length);
    await a.session.close();
    assert.deepEqual((await s.getData(pointer)).data, before, 'the pointer still names the previous state');

    const b = await candidate(g, 2);
    assert.ok(await b.candidacy.elected);
    const regB = await open(g, b);
    assert.equal(regB.state.agents.size, 2000);
    assert.ok(regB.state.agents.has('agent-0') && !regB.state.agents.has('agent-2000'));
    assert.deepEqual((await s.getChildren(pointer)).children.sort(), [...committed.chunks].sort(), 'the orphan chunks were collected');
    // The dead writer's flip, were it to come now, is refused: its session is gone.
    await assert.rejects(opened.store.flip(staged), FencedError);
  });
  test('a leader paused past its session timeout writes nothing when it runs again; the next leader writes on', async () => {
    const g = group();
    const watcher = await session();
    const a = new Writer(zk.url(g), 2000);
    try {
      const ready = await a.event('ready');
      const history = new PointerHistory(watcher, pointerPath(g));
      await history.start();
      a.admit(1);
      await a.event('admitted');
      await history.reached(1);

      a.proc.kill('SIGSTOP');
      // ZooKeeper expires A's session and deletes its member znode; B is elected and writes.
      const b = await candidate(g, 2);
      assert.ok(await b.candidacy.elected, 'B leads once A is gone');
      assert.equal((await watcher.exists(String(ready.candidacy))) ?? 'gone', 'gone');
      const regB = await open(g, b);
      await store(regB, { op: 'ADMIT_AGENT', agent: agent(2) });
      await history.reached(2);

      a.proc.kill('SIGCONT');
      a.admit(3);
      const refused = await a.event('refused');
      assert.equal(refused.n, 3);
      assert.match(String(refused.error), /not writing the registry: the ZooKeeper session expired/);
      assert.match(String((await a.event('fenced')).reason), /session expired/);
      await sleep(300);
      history.stop();
      assert.deepEqual(history.seen, [
        { version: 0, writer: '' },
        { version: 1, writer: ready.candidacy },
        { version: 2, writer: b.candidacy.path },
      ]);
      const reader = await open(g, b);
      assert.deepEqual([...reader.state.agents.keys()].sort(), ['agent-1', 'agent-2']);
    } finally {
      a.kill();
    }
  });
});
