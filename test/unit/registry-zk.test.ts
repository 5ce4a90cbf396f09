// The ZooKeeper registry store's handling of lost connections and of fencing, against an
// in-memory stand-in for ZooKeeper's multi-op semantics (no sockets): a multi-op whose answer
// was lost may have landed or not, and the store must neither write twice nor stop for it.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { silentLogger } from '../../daemons/common/log.ts';
import { type MultiOp, type MultiResult, type Stat, ZkError, ZkMultiError, type ZkSession } from '../../daemons/common/zk/session.ts';
import { applyOp } from '../../daemons/master/registry-state.ts';
import { FencedError, openZkStore } from '../../daemons/master/registry-zk.ts';
import { decodePointer } from '../../daemons/master/registry-zk-format.ts';

interface Node {
  data: Buffer;
  version: number;
}

/** ZooKeeper's znodes and multi-op rules, with answers that can be lost before or after a commit. */
class FakeZk extends EventEmitter {
  readonly nodes = new Map<string, Node>();
  state = 'connected';
  /** What happens to the next multi-op: its answer is lost after it is applied, or before. */
  lose: Array<'after' | 'before' | undefined> = [];
  multis = 0;

  stat(n: Node): Stat {
    return { version: n.version } as Stat;
  }

  async getData(path: string): Promise<{ data: Buffer; stat: Stat }> {
    const n = this.nodes.get(path);
    if (!n) throw new ZkError('NO_NODE', 'no node', 'getData', path);
    return { data: n.data, stat: this.stat(n) };
  }

  async getChildren(path: string): Promise<{ children: string[]; stat: Stat }> {
    const prefix = `${path}/`;
    const children = [...this.nodes.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'));
    return { children: children.map((c) => c.slice(prefix.length)), stat: {} as Stat };
  }

  async multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    this.multis++;
    const lose = this.lose.shift();
    if (lose === 'before') throw new ZkError('CONNECTION_LOSS', 'connection loss', 'multi');
    const next = new Map([...this.nodes].map(([k, v]) => [k, { ...v }]));
    const results: MultiResult[] = [];
    ops.forEach((op, i) => {
      const n = next.get(op.path);
      const fail = (code: 'NO_NODE' | 'BAD_VERSION' | 'NODE_EXISTS') => {
        throw new ZkMultiError(code, code, i, op.path);
      };
      switch (op.type) {
        case 'check':
          if (!n) fail('NO_NODE');
          if (op.version !== -1 && n!.version !== op.version) fail('BAD_VERSION');
          results.push({ type: 'check' });
          break;
        case 'create':
          if (n) fail('NODE_EXISTS');
          next.set(op.path, { data: Buffer.from(op.data ?? ''), version: 0 });
          results.push({ type: 'create', path: op.path });
          break;
        case 'setData': {
          if (!n) fail('NO_NODE');
          if (op.version !== undefined && op.version !== -1 && n!.version !== op.version) fail('BAD_VERSION');
          const changed = { data: Buffer.from(op.data), version: n!.version + 1 };
          next.set(op.path, changed);
          results.push({ type: 'setData', stat: this.stat(changed) });
          break;
        }
        case 'delete':
          if (!n) fail('NO_NODE');
          next.delete(op.path);
          results.push({ type: 'delete' });
          break;
      }
    });
    this.nodes.clear();
    for (const [k, v] of next) this.nodes.set(k, v);
    if (lose === 'after') throw new ZkError('CONNECTION_LOSS', 'connection loss', 'multi');
    return results;
  }
}

const CANDIDACY = '/m/json.info_0000000001';
const LIMITS = { maxCompletedFrameworks: 5, maxCompletedTasksPerFramework: 5 };

async function opened(zk: FakeZk, fenced: string[] = [], zkLimits = { chunkBytes: 400, multiBytes: 2000 }) {
  zk.nodes.set(CANDIDACY, { data: Buffer.alloc(0), version: 0 });
  return openZkStore({
    session: zk as unknown as ZkSession,
    group: '/m',
    candidacyPath: CANDIDACY,
    limits: LIMITS,
    zkLimits,
    log: silentLogger(),
    onFenced: (r) => fenced.push(r),
  });
}

function admit(n: number) {
  return {
    op: 'ADMIT_AGENT' as const,
    agent: { id: `agent-${n}`, hostname: `h${n}`, port: 1, pid: `p${n}`, resources: [], attributes: [], registeredTime: n },
  };
}

describe('the ZooKeeper registry store over a flaky connection', () => {
  test('a flip whose answer was lost but which landed is not written again', async () => {
    const zk = new FakeZk();
    const { store, state } = await opened(zk);
    assert.equal(zk.nodes.get('/m/registry')?.version, 0, 'the pointer is made at takeover');
    applyOp(state, admit(1), LIMITS);
    zk.lose = ['after'];
    await store.write([admit(1)], state);
    assert.equal(zk.nodes.get('/m/registry')?.version, 1);
    applyOp(state, admit(2), LIMITS);
    await store.write([admit(2)], state);
    assert.equal(zk.nodes.get('/m/registry')?.version, 2, 'the next write expects the version the lost answer carried');
  });

  test('a flip lost before it landed is tried again once', async () => {
    const zk = new FakeZk();
    const { store, state } = await opened(zk);
    applyOp(state, admit(1), LIMITS);
    zk.lose = ['before'];
    await store.write([admit(1)], state);
    const pointer = decodePointer(zk.nodes.get('/m/registry')!.data, '/m/registry');
    assert.equal(zk.nodes.get('/m/registry')?.version, 1);
    assert.ok(pointer && 'state' in pointer && pointer.state.agents.length === 1);
  });

  test('chunks whose answer was lost after they were made count as made', async () => {
    const zk = new FakeZk();
    const { store, state } = await opened(zk);
    for (let i = 0; i < 10; i++) applyOp(state, admit(i), LIMITS);
    const before = zk.multis;
    zk.lose = ['after'];
    await store.write([admit(9)], state);
    const pointer = decodePointer(zk.nodes.get('/m/registry')!.data, '/m/registry');
    assert.ok(pointer && 'chunks' in pointer && pointer.chunks.length > 1);
    for (const c of pointer.chunks) assert.ok(zk.nodes.has(`/m/registry/${c}`), c);
    // Three chunks of 400 bytes per multi-op of 2,000 (with the fence): the staging multi-ops, the
    // one tried again, and the flip; nothing was written twice.
    assert.equal(zk.multis - before, Math.ceil(pointer.chunks.length / 3) + 2);
    // A fresh reader gets the whole state back.
    const again = await opened(zk);
    assert.equal(again.state.agents.size, 10);
  });

  test('a lost flip that another writer overtook fences the store, once', async () => {
    const zk = new FakeZk();
    const fenced: string[] = [];
    const { store, state } = await opened(zk, fenced);
    applyOp(state, admit(1), LIMITS);
    zk.lose = ['before'];
    // Another leader writes while this one's answer is lost.
    const original = zk.multi.bind(zk);
    zk.multi = async (ops) => {
      zk.multi = original;
      const p = zk.nodes.get('/m/registry')!;
      zk.nodes.set('/m/registry', {
        data: Buffer.from('{"format":1,"writer":"other","state":{"agents":[],"unreachable":[],"frameworks":[]}}'),
        version: p.version + 1,
      });
      return original(ops);
    };
    await assert.rejects(store.write([admit(1)], state), FencedError);
    assert.equal(fenced.length, 1);
    assert.match(fenced[0]!, /written by another leader/);
    assert.equal(decodePointer(zk.nodes.get('/m/registry')!.data, '/m/registry')?.writer, 'other');
    await assert.rejects(store.write([admit(2)], state), /not writing the registry/);
    assert.equal(fenced.length, 1);
  });
});

describe('the ZooKeeper registry store keeps what operators set', () => {
  test('weights, marks and gone agents written by one leader are read by the next, inline and in chunks', async () => {
    for (const zkLimits of [
      { chunkBytes: 100_000, multiBytes: 200_000 },
      { chunkBytes: 200, multiBytes: 2000 },
    ]) {
      const zk = new FakeZk();
      const { store, state } = await opened(zk, [], zkLimits);
      const ops = [
        admit(1),
        admit(2),
        admit(3),
        { op: 'UPDATE_WEIGHTS' as const, weights: [{ role: 'prod', weight: 2.5 }] },
        { op: 'DEACTIVATE_AGENT' as const, agent_id: 'agent-1' },
        { op: 'DRAIN_AGENT' as const, agent_id: 'agent-2', config: { mark_gone: true } },
        { op: 'MARK_AGENT_GONE' as const, agent_id: 'agent-3', time: 77 },
      ];
      for (const op of ops) applyOp(state, op, LIMITS);
      await store.write(ops, state);
      const pointer = decodePointer(zk.nodes.get('/m/registry')!.data, '/m/registry');
      assert.equal(pointer !== undefined && 'chunks' in pointer, zkLimits.chunkBytes === 200, 'chunked only with small chunks');
      const next = await opened(zk, [], zkLimits);
      assert.deepEqual([...next.state.weights], [['prod', 2.5]]);
      assert.deepEqual(next.state.marks.get('agent-1'), { deactivated: true });
      assert.deepEqual(next.state.marks.get('agent-2'), { deactivated: true, drain: { state: 'DRAINING', config: { mark_gone: true } } });
      assert.deepEqual([...next.state.gone], [['agent-3', 77]]);
      assert.deepEqual([...next.state.agents.keys()], ['agent-1', 'agent-2']);
    }
  });
});
