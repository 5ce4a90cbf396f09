// The registry's stores apart from ZooKeeper: the file store (snapshot + log) recovers what was
// written, and the pure parts of the ZooKeeper store: which operations go where, the state's and
// the pointer's bytes, chunks and multi-ops under ZooKeeper's size limit.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { silentLogger } from '../../daemons/common/log.ts';
import { parseMember } from '../../daemons/common/zk/group.ts';
import { type AgentEntry, Registry, type RegistryOp, type StoredTask, applyOp } from '../../daemons/master/registry.ts';
import { emptyState } from '../../daemons/master/registry-state.ts';
import {
  POINTER_NAME,
  chunkName,
  decodePointer,
  encodeZkState,
  fenceBytes,
  historyView,
  inlinePointer,
  joinChunks,
  mergeHistory,
  packMultis,
  planWrite,
  splitChunks,
  stateOfPointer,
  touchesHistory,
  touchesZk,
  zkStateSegments,
} from '../../daemons/master/registry-zk-format.ts';

const LIMITS = { maxCompletedFrameworks: 5, maxCompletedTasksPerFramework: 3 };

function agent(n: number): AgentEntry {
  return {
    id: `agent-${n}`,
    hostname: `host${n}`,
    port: 5051,
    pid: `slave(1)@10.0.0.${n % 250}:5051`,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }],
    attributes: [],
    registeredTime: 1000 + n,
  };
}

function task(id: string): StoredTask {
  return { taskId: id, name: id, frameworkId: 'fw-1', agentId: 'agent-1', state: 'TASK_FINISHED' } as unknown as StoredTask;
}

const addFw: RegistryOp = { op: 'ADD_FRAMEWORK', info: { id: { value: 'fw-1' }, name: 'one', user: 'u' } as never, registered_time: 7 };

describe('the file registry', () => {
  test('a reopened registry holds what was written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    const reg = await Registry.open(dir, LIMITS, silentLogger());
    reg.apply({ op: 'ADMIT_AGENT', agent: agent(1) });
    reg.apply(addFw);
    reg.apply({ op: 'COMPLETE_TASK', framework_id: 'fw-1', task: task('t1') });
    await reg.flushed();
    const again = await Registry.open(dir, LIMITS, silentLogger());
    assert.deepEqual([...again.state.agents.keys()], ['agent-1']);
    assert.deepEqual(
      again.state.frameworks.get('fw-1')?.completedTasks.map((t) => (t as unknown as { taskId: string }).taskId),
      ['t1'],
    );
  });

  test('an operation applied while the log is folded into a snapshot is recovered once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    const reg = await Registry.open(dir, LIMITS, silentLogger());
    reg.apply(addFw);
    // More operations than the log keeps before compaction, in one batch.
    for (let i = 0; i < 5001; i++) reg.apply({ op: 'ADMIT_AGENT', agent: agent(i) });
    let durable = false;
    await new Promise((r) => setImmediate(r));
    // The batch is being written now; this one joins the next write.
    reg.apply({ op: 'COMPLETE_TASK', framework_id: 'fw-1', task: task('t1') }, () => {
      durable = true;
    });
    await reg.flushed();
    assert.ok(durable);
    const again = await Registry.open(dir, LIMITS, silentLogger());
    assert.equal(again.state.agents.size, 5001);
    assert.equal(again.state.frameworks.get('fw-1')?.completedTasks.length, 1);
  });
});

describe('the registry in ZooKeeper, pure parts', () => {
  test('completed tasks stay local, agents go to ZooKeeper, frameworks to both', () => {
    const ops: RegistryOp[] = [
      { op: 'ADMIT_AGENT', agent: agent(1) },
      { op: 'REMOVE_AGENT', agent_id: 'a' },
      { op: 'MARK_UNREACHABLE', agent_id: 'a', time: 1, hostname: 'h' },
      addFw,
      { op: 'COMPLETE_TASK', framework_id: 'fw-1', task: task('t') },
      { op: 'REMOVE_FRAMEWORK', framework_id: 'fw-1', unregistered_time: 9, completed_tasks: [] },
    ];
    assert.deepEqual(
      ops.map((o) => [o.op, touchesZk(o), touchesHistory(o)]),
      [
        ['ADMIT_AGENT', true, false],
        ['REMOVE_AGENT', true, false],
        ['MARK_UNREACHABLE', true, false],
        ['ADD_FRAMEWORK', true, true],
        ['COMPLETE_TASK', false, true],
        ['REMOVE_FRAMEWORK', true, true],
      ],
    );
  });

  test("the state ZooKeeper holds has no history, and the history's view has no agents", () => {
    const state = emptyState();
    applyOp(state, { op: 'ADMIT_AGENT', agent: agent(1) }, LIMITS);
    applyOp(state, { op: 'MARK_UNREACHABLE', agent_id: 'agent-2', time: 5, hostname: 'host2' }, LIMITS);
    applyOp(state, addFw, LIMITS);
    applyOp(state, { op: 'COMPLETE_TASK', framework_id: 'fw-1', task: task('t1') }, LIMITS);
    const zk = JSON.parse(encodeZkState(state).toString());
    assert.deepEqual(zk, {
      agents: [agent(1)],
      unreachable: [{ id: 'agent-2', time: 5, hostname: 'host2' }],
      frameworks: [{ info: { id: { value: 'fw-1' }, name: 'one', user: 'u' }, registeredTime: 7 }],
      weights: [],
      marks: [],
      gone: [],
    });
    const view = historyView(state);
    assert.equal(view.agents.size, 0);
    assert.equal(view.frameworks.get('fw-1')?.completedTasks.length, 1);
  });

  test("a new leader's state: ZooKeeper's frameworks with its own history's completed tasks", () => {
    const history = emptyState();
    applyOp(history, addFw, LIMITS);
    applyOp(history, { op: 'COMPLETE_TASK', framework_id: 'fw-1', task: task('t1') }, LIMITS);
    applyOp(history, { ...addFw, info: { id: { value: 'fw-gone' } } as never } as RegistryOp, LIMITS);
    applyOp(history, { op: 'COMPLETE_TASK', framework_id: 'fw-gone', task: task('t2') }, LIMITS);
    applyOp(history, { op: 'REMOVE_FRAMEWORK', framework_id: 'fw-gone', unregistered_time: 3, completed_tasks: [task('t2')] }, LIMITS);
    applyOp(history, { ...addFw, info: { id: { value: 'fw-removed-elsewhere' } } as never } as RegistryOp, LIMITS);
    const zk = {
      agents: [agent(3)],
      unreachable: [],
      frameworks: [
        { info: { id: { value: 'fw-1' }, name: 'renamed' } as never, registeredTime: 7 },
        { info: { id: { value: 'fw-new' } } as never, registeredTime: 8 },
      ],
    };
    const state = mergeHistory(zk, history);
    assert.deepEqual([...state.agents.keys()], ['agent-3']);
    assert.deepEqual([...state.frameworks.keys()], ['fw-1', 'fw-new']);
    assert.equal(state.frameworks.get('fw-1')?.info.name, 'renamed');
    assert.equal(state.frameworks.get('fw-1')?.completedTasks.length, 1);
    assert.equal(state.frameworks.get('fw-new')?.completedTasks.length, 0);
    assert.deepEqual(
      state.completedFrameworks.map((f) => f.info.id?.value),
      ['fw-gone'],
    );
  });

  test('no name the registry uses can be read as a member of the group', () => {
    assert.equal(parseMember(POINTER_NAME), undefined);
    for (const data of ['', 'x', '{"agents":[]}']) assert.equal(parseMember(chunkName(Buffer.from(data))), undefined);
  });

  test('chunks split and join back, and a wrong length or digest is named', () => {
    const data = Buffer.from('x'.repeat(2500));
    const pieces = splitChunks(data, 1000);
    assert.deepEqual(
      pieces.map((p) => p.length),
      [1000, 1000, 500],
    );
    const names = pieces.map(chunkName);
    assert.deepEqual(joinChunks(pieces, names, 2500, '/m/registry'), data);
    assert.throws(() => joinChunks(pieces.slice(0, 2), names.slice(0, 2), 2500, '/m/registry'), /hold 2000 bytes; the pointer says 2500/);
    assert.throws(
      () => joinChunks([...pieces.slice(0, 2), Buffer.from('y'.repeat(500))], names, 2500, '/m/registry'),
      new RegExp(`chunk /m/registry/${names[2]} does not hold the bytes its name is the digest of`),
    );
    assert.deepEqual(
      splitChunks(Buffer.alloc(0), 10).map((p) => p.length),
      [0],
    );
  });

  test('a small state lives in the pointer: one flip, no chunks', () => {
    const state = emptyState();
    applyOp(state, { op: 'ADMIT_AGENT', agent: agent(1) }, LIMITS);
    const encoded = encodeZkState(state);
    const plan = planWrite(
      encoded,
      { pointer: '/m/registry', writer: '/m/json.info_0000000001' },
      { chunkBytes: 4096, multiBytes: 10_000 },
      10,
    );
    assert.deepEqual(plan.staging, []);
    assert.deepEqual(plan.chunks, []);
    const pointer = decodePointer(plan.pointer, '/m/registry');
    assert.equal(pointer?.writer, '/m/json.info_0000000001');
    assert.deepEqual(stateOfPointer(pointer, [], '/m/registry').agents, [agent(1)]);
    assert.deepEqual(plan.pointer, inlinePointer('/m/json.info_0000000001', encoded));
  });

  test('a large state is staged as chunks, each multi-op under the limit with room for the fence', () => {
    const state = emptyState();
    for (let i = 0; i < 200; i++) applyOp(state, { op: 'ADMIT_AGENT', agent: agent(i) }, LIMITS);
    const encoded = encodeZkState(state);
    const limits = { chunkBytes: 3000, multiBytes: 10_000 };
    const fence = fenceBytes('/m/json.info_0000000004');
    const plan = planWrite(encoded, { pointer: '/m/registry', writer: '/m/json.info_0000000004' }, limits, fence);
    assert.equal(plan.chunks.length, Math.ceil(encoded.length / 3000));
    assert.deepEqual(plan.created, plan.chunks);
    const created = plan.staging.flat();
    assert.deepEqual(
      created.map((op) => op.path),
      plan.chunks.map((c) => `/m/registry/${c}`),
    );
    for (const multi of plan.staging) {
      const bytes = fence + multi.reduce((sum, op) => sum + 64 + op.path.length + ('data' in op && op.data ? op.data.length : 0), 0);
      assert.ok(bytes <= limits.multiBytes, `a multi-op of ${bytes} bytes`);
    }
    assert.ok(plan.staging.length > 1 && plan.staging.length < plan.chunks.length, 'chunks share multi-ops');
    const pointer = decodePointer(plan.pointer, '/m/registry');
    const pieces = created.map((op) => ('data' in op ? (op.data as Buffer) : Buffer.alloc(0)));
    assert.equal(stateOfPointer(pointer, pieces, '/m/registry').agents.length, 200);
  });

  test('a write creates only the chunks whose bytes changed', () => {
    const state = emptyState();
    for (let i = 0; i < 200; i++) applyOp(state, { op: 'ADMIT_AGENT', agent: agent(i) }, LIMITS);
    const at = { pointer: '/m/registry', writer: '/m/json.info_0000000001' };
    const limits = { chunkBytes: 3000, multiBytes: 10_000 };
    const first = planWrite(encodeZkState(state), at, limits, 80);
    applyOp(state, { op: 'ADMIT_AGENT', agent: agent(200) }, LIMITS);
    const second = planWrite(encodeZkState(state), at, limits, 80, new Set(first.chunks));
    // The new agent is appended to the agents: the chunks before it are the same bytes.
    assert.ok(second.created.length <= 2, `${second.created.length} chunks created`);
    assert.deepEqual(second.chunks.slice(0, first.chunks.length - 1), first.chunks.slice(0, -1));
    assert.deepEqual(
      second.staging.flat().map((op) => op.path),
      second.created.map((c) => `/m/registry/${c}`),
    );
  });

  test('chunks known unchanged from the last layout get the names their bytes would get (random writes)', () => {
    // A small generator with a fixed seed, so that a failure can be replayed.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const at = { pointer: '/m/registry', writer: '/m/json.info_0000000001' };
    for (const chunkBytes of [97, 700, 4096]) {
      const limits = { chunkBytes, multiBytes: 100_000 };
      const state = emptyState();
      let layout: ReturnType<typeof planWrite>['layout'] = [];
      let existing = new Set<string>();
      let reused = 0;
      for (let write = 0; write < 200; write++) {
        const ids = [...state.agents.keys()];
        const what = random(10);
        if (what < 5 || ids.length === 0) applyOp(state, { op: 'ADMIT_AGENT', agent: agent(random(1000)) }, LIMITS);
        else if (what < 7) applyOp(state, { op: 'REMOVE_AGENT', agent_id: ids[random(ids.length)]! }, LIMITS);
        else if (what < 8)
          applyOp(state, { op: 'MARK_UNREACHABLE', agent_id: ids[random(ids.length)]!, time: write, hostname: 'h' }, LIMITS);
        else applyOp(state, { op: 'ADMIT_AGENT', agent: { ...agent(random(1000)), hostname: 'x'.repeat(random(300)) } }, LIMITS);
        const segments = zkStateSegments(state);
        const fast = planWrite(segments, at, limits, 80, existing, layout);
        const full = planWrite(Buffer.concat(segments), at, limits, 80, existing);
        assert.deepEqual(fast.chunks, full.chunks, `write ${write}, chunks of ${chunkBytes} bytes`);
        assert.deepEqual(fast.created, full.created);
        assert.deepEqual(fast.pointer, full.pointer);
        assert.deepEqual(fast.staging, full.staging);
        reused += fast.layout.filter((p, i) => layout[i]?.name === p.name).length;
        layout = fast.layout;
        existing = new Set(fast.chunks);
      }
      assert.ok(reused > 0, `some chunks were known unchanged with chunks of ${chunkBytes} bytes`);
    }
  });

  test('one operation larger than a multi-op is refused in a line', () => {
    assert.throws(
      () => packMultis([{ type: 'create', path: '/m/registry/c', data: Buffer.alloc(2000) }], 1000),
      /needs 2077 bytes; a multi-op may carry 1000/,
    );
  });

  test('a pointer that is not ours is refused with what is wrong', () => {
    assert.equal(decodePointer(Buffer.alloc(0), '/m/registry'), undefined);
    assert.throws(() => decodePointer(Buffer.from('{'), '/m/registry'), /registry pointer \/m\/registry is not JSON/);
    assert.throws(() => decodePointer(Buffer.from('{"format":2,"state":{}}'), '/m/registry'), /has format 2; this master reads format 1/);
    assert.throws(() => decodePointer(Buffer.from('{"format":1,"state":{"agents":[]}}'), '/m/registry'), /not a registry state/);
    assert.throws(() => decodePointer(Buffer.from('{"format":1,"chunks":["x"]}'), '/m/registry'), /neither a state nor a list of chunks/);
  });
});
