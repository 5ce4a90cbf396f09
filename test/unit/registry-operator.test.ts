// What operators set through the v1 operator API is kept in the registry (issues #22, #27): the
// operations (weights, agent deactivation, drains, gone agents), the file store and the
// ZooKeeper format keeping them (also read from registries written before they were kept), and
// a master started on that registry applying them; a call answers only once its write is durable.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import type { RegisterMessage } from '../../daemons/common/agent-protocol.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import { LogVerbosity } from '../../daemons/common/log-verbosity.ts';
import { AttachedPaths } from '../../daemons/common/files.ts';
import type { mesos } from '../../daemons/common/mesos.ts';
import type { MasterConfig } from '../../daemons/master/master.ts';
import { type OperatorContext, dispatchOperatorCall } from '../../daemons/master/operator-calls.ts';
import { type AgentEntry, Registry, type RegistryOp, type RegistryStore, applyOp, emptyState } from '../../daemons/master/registry.ts';
import { encodeZkState, mergeHistory, stateOfPointer, touchesHistory, touchesZk } from '../../daemons/master/registry-zk-format.ts';
import { MasterHarness } from '../helpers/master-harness.ts';

const LIMITS = { maxCompletedFrameworks: 5, maxCompletedTasksPerFramework: 3 };
const dirs: string[] = [];
let harnesses: MasterHarness[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  for (const h of harnesses) h.stop();
  harnesses = [];
});

function registryDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-operator-'));
  dirs.push(dir);
  return dir;
}

function agent(n: number): AgentEntry {
  return {
    id: `agent-${n}`,
    hostname: `host${n}`,
    port: 5051,
    pid: `slave(1)@10.0.0.${n}:5051`,
    resources: [],
    attributes: [],
    registeredTime: n,
  };
}

const DRAIN: mesos.v1.DrainConfig = { mark_gone: false, max_grace_period: { nanoseconds: 2e9 } };

/** Every kind of operator operation, on agents 1..4. */
const OPERATOR_OPS: RegistryOp[] = [
  { op: 'ADMIT_AGENT', agent: agent(1) },
  { op: 'ADMIT_AGENT', agent: agent(2) },
  { op: 'ADMIT_AGENT', agent: agent(3) },
  { op: 'ADMIT_AGENT', agent: agent(4) },
  { op: 'UPDATE_WEIGHTS', weights: [{ role: 'prod', weight: 3 }] },
  { op: 'UPDATE_WEIGHTS', weights: [{ role: 'dev', weight: 0.5 }] },
  { op: 'DEACTIVATE_AGENT', agent_id: 'agent-1' },
  { op: 'DRAIN_AGENT', agent_id: 'agent-2', config: DRAIN },
  { op: 'DRAIN_AGENT', agent_id: 'agent-3', config: { mark_gone: false } },
  { op: 'MARK_AGENT_DRAINED', agent_id: 'agent-3' },
  { op: 'MARK_AGENT_GONE', agent_id: 'agent-4', time: 1234 },
];

function checkOperatorState(reg: Registry): void {
  const st = reg.state;
  assert.deepEqual(
    [...st.weights],
    [
      ['prod', 3],
      ['dev', 0.5],
    ],
  );
  assert.deepEqual(st.marks.get('agent-1'), { deactivated: true });
  assert.deepEqual(st.marks.get('agent-2'), { deactivated: true, drain: { state: 'DRAINING', config: DRAIN } });
  assert.deepEqual(st.marks.get('agent-3'), { deactivated: true, drain: { state: 'DRAINED', config: { mark_gone: false } } });
  assert.deepEqual([...st.gone], [['agent-4', 1234]]);
  assert.deepEqual([...st.agents.keys()], ['agent-1', 'agent-2', 'agent-3']);
}

describe('the operators’ registry operations', () => {
  test('marks follow an agent while it is unreachable and go when it is removed; gone agents leave the agents', () => {
    const st = emptyState();
    for (const op of OPERATOR_OPS) applyOp(st, op, LIMITS);
    applyOp(st, { op: 'MARK_UNREACHABLE', agent_id: 'agent-1', time: 9, hostname: 'host1' }, LIMITS);
    assert.deepEqual(st.marks.get('agent-1'), { deactivated: true }, 'still deactivated while unreachable');
    applyOp(st, { op: 'ADMIT_AGENT', agent: agent(1) }, LIMITS);
    assert.deepEqual(st.marks.get('agent-1'), { deactivated: true }, 'and when it comes back');
    applyOp(st, { op: 'REACTIVATE_AGENT', agent_id: 'agent-3' }, LIMITS);
    assert.equal(st.marks.has('agent-3'), false, 'reactivation ends a drain');
    applyOp(st, { op: 'REMOVE_AGENT', agent_id: 'agent-2' }, LIMITS);
    assert.equal(st.marks.has('agent-2'), false);
    applyOp(st, { op: 'MARK_AGENT_GONE', agent_id: 'agent-1', time: 5 }, LIMITS);
    assert.equal(st.agents.has('agent-1'), false);
    assert.equal(st.marks.has('agent-1'), false);
    applyOp(st, { op: 'REMOVE_AGENT', agent_id: 'agent-1' }, LIMITS);
    assert.equal(st.gone.get('agent-1'), 5, 'removing a gone agent does not forget that it is gone');
    applyOp(st, { op: 'FORGET_GONE_AGENT', agent_id: 'agent-4' }, LIMITS);
    assert.deepEqual([...st.gone.keys()], ['agent-1']);
  });

  test('they all go to ZooKeeper, none to the local history', () => {
    for (const op of OPERATOR_OPS.slice(4)) assert.deepEqual([op.op, touchesZk(op), touchesHistory(op)], [op.op, true, false]);
  });
});

describe('the file store keeps them', () => {
  test('in the log, read back by a reopened registry', async () => {
    const dir = registryDir();
    const reg = await Registry.open(dir, LIMITS, silentLogger());
    for (const op of OPERATOR_OPS) reg.apply(op);
    await reg.flushed();
    checkOperatorState(await Registry.open(dir, LIMITS, silentLogger()));
  });

  test('in the snapshot a compaction writes', async () => {
    const dir = registryDir();
    const reg = await Registry.open(dir, LIMITS, silentLogger());
    for (const op of OPERATOR_OPS) reg.apply(op);
    await reg.flushed();
    // More operations than the log keeps: the next write folds everything into a snapshot.
    for (let i = 100; i < 5200; i++) reg.apply({ op: 'REMOVE_AGENT', agent_id: `agent-${i}` });
    await reg.flushed();
    const snapshot = JSON.parse(readFileSync(path.join(dir, 'snapshot.json'), 'utf8'));
    assert.deepEqual(snapshot.gone, [{ id: 'agent-4', time: 1234 }]);
    checkOperatorState(await Registry.open(dir, LIMITS, silentLogger()));
  });

  test('a snapshot written before they were kept opens with none', async () => {
    const dir = registryDir();
    const old = { generation: 3, agents: [agent(1)], unreachable: [], frameworks: [], completed_frameworks: [] };
    writeFileSync(path.join(dir, 'snapshot.json'), JSON.stringify(old));
    const reg = await Registry.open(dir, LIMITS, silentLogger());
    assert.deepEqual([...reg.state.agents.keys()], ['agent-1']);
    assert.equal(reg.state.weights.size + reg.state.marks.size + reg.state.gone.size, 0);
  });

  test('a snapshot with a broken weight is refused in a line naming the file', async () => {
    const dir = registryDir();
    const bad = { generation: 0, agents: [], unreachable: [], frameworks: [], completed_frameworks: [], weights: [{ role: 'a' }] };
    writeFileSync(path.join(dir, 'snapshot.json'), JSON.stringify(bad));
    await assert.rejects(Registry.open(dir, LIMITS, silentLogger()), /snapshot\.json: a weight is not \{role, weight\}/);
  });
});

describe('the ZooKeeper format keeps them', () => {
  test('the state ZooKeeper holds carries them to the next leader', () => {
    const st = emptyState();
    for (const op of OPERATOR_OPS) applyOp(st, op, LIMITS);
    const zk = stateOfPointer({ format: 1, writer: 'w', state: JSON.parse(encodeZkState(st).toString()) }, [], '/mesos/registry');
    const next = mergeHistory(zk, emptyState());
    checkOperatorState({ state: next } as Registry);
  });

  test('a state written before they were kept reads as none', () => {
    const zk = stateOfPointer(
      { format: 1, writer: 'w', state: { agents: [agent(1)], unreachable: [], frameworks: [] } },
      [],
      '/mesos/registry',
    );
    const next = mergeHistory(zk, emptyState());
    assert.equal(next.agents.size, 1);
    assert.equal(next.weights.size + next.marks.size + next.gone.size, 0);
  });
});

// ---------------------------------------------------------------- a master on that registry

function contextOf(h: MasterHarness): OperatorContext {
  return { master: h.master, flags: {}, buildTime: 0, files: new AttachedPaths(), logVerbosity: new LogVerbosity(h.master.log) };
}

async function call(
  h: MasterHarness,
  c: mesos.v1.master.Call,
): Promise<{ status?: number; text?: string; response?: mesos.v1.master.Response }> {
  const ctx = contextOf(h);
  try {
    return (await dispatchOperatorCall(ctx, c, undefined, 'application/json')) as never;
  } finally {
    ctx.logVerbosity.stop();
  }
}

async function masterOn(dir: string, config: Partial<MasterConfig> = {}): Promise<{ h: MasterHarness; reg: Registry }> {
  const reg = await Registry.open(dir, LIMITS, silentLogger());
  const h = new MasterHarness(config, reg);
  harnesses.push(h);
  return { h, reg };
}

const agentId = (id: string) => ({ agent_id: { value: id } });

/** Registers an agent and waits for its admission to be durable (the master admits it then). */
async function registered(h: MasterHarness, reg: Registry, extra: Partial<RegisterMessage['register']> = {}) {
  const recorded = h.register(extra);
  await reg.flushed();
  const done = recorded.messages.find((m) => m.type === 'REGISTERED');
  assert.ok(done, 'the agent is registered');
  const id = (done as { registered: { agent_id: string } }).registered.agent_id;
  return { id, agent: h.master.agents.get(id)!, messages: recorded.messages };
}

describe('a restarted master applies them', () => {
  test('weights, deactivated, draining, drained and gone agents survive a restart', async () => {
    const dir = registryDir();
    const first = await masterOn(dir, { weights: new Map([['prod', 2]]) });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await registered(first.h, first.reg)).id);
    const [a1, a2, a3, a4] = ids as [string, string, string, string];
    const ok = async (c: mesos.v1.master.Call) => assert.equal((await call(first.h, c)).status, 200, JSON.stringify(c));
    await ok({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'dev', weight: 0.25 }] } });
    await ok({ type: 'DEACTIVATE_AGENT', deactivate_agent: agentId(a1) });
    first.h.master.agentDisconnected(a2, first.h.master.agents.get(a2)!.streamId!);
    await ok({ type: 'DRAIN_AGENT', drain_agent: { ...agentId(a2), max_grace_period: { seconds: 3 } } });
    await ok({ type: 'DRAIN_AGENT', drain_agent: agentId(a3) });
    await ok({ type: 'MARK_AGENT_GONE', mark_agent_gone: agentId(a4) });
    first.h.stop();
    await first.reg.flushed();

    // --weights says otherwise: the registry wins.
    const second = await masterOn(dir, { weights: new Map([['prod', 7]]) });
    const m = second.h.master;
    assert.deepEqual([...m.weights].sort(), [
      ['dev', 0.25],
      ['prod', 2],
    ]);
    assert.equal(m.allocator.roleSummary().find((r) => r.role === 'dev')?.weight, 0.25);
    const agents = (await call(second.h, { type: 'GET_AGENTS' })).response!.get_agents!;
    const recovered = new Map((agents.recovered_agents ?? []).map((a) => [a.id!.value, a]));
    assert.deepEqual([...recovered.keys()].sort(), [a1, a2, a3].sort(), 'the gone agent is not waited for');
    assert.equal(m.agentRegistrationRefusal(a4, undefined), 'Agent has been marked gone');

    const back1 = await registered(second.h, second.reg, { agent_id: a1 });
    assert.equal(back1.agent.active, false, 'a deactivated agent comes back deactivated');
    const back2 = await registered(second.h, second.reg, { agent_id: a2 });
    assert.equal(back2.agent.active, false);
    const back3 = await registered(second.h, second.reg, { agent_id: a3 });
    assert.equal(back3.agent.active, false, 'a drained agent stays drained');
    const listed = new Map(
      ((await call(second.h, { type: 'GET_AGENTS' })).response!.get_agents!.agents ?? []).map((a) => [a.agent_info.id!.value, a]),
    );
    assert.equal(listed.get(a1)?.deactivated, true);
    assert.equal(listed.get(a1)?.drain_info, undefined);
    assert.deepEqual(listed.get(a3)?.drain_info, { state: 'DRAINED', config: { mark_gone: false } });
    // Without tasks the draining agent is drained once it is back, and that is stored too.
    assert.deepEqual(listed.get(a2)?.drain_info, {
      state: 'DRAINED',
      config: { mark_gone: false, max_grace_period: { nanoseconds: 3e9 } },
    });
    await second.reg.flushed();
    assert.equal((await Registry.open(dir, LIMITS, silentLogger())).state.marks.get(a2)?.drain?.state, 'DRAINED');
    assert.equal((await call(second.h, { type: 'REACTIVATE_AGENT', reactivate_agent: agentId(a1) })).status, 200);
    assert.equal(back1.agent.active, true);
  });

  test('a drain stored while the agent was away survives a restart: the agent keeps draining, its tasks are killed when it is back', async () => {
    const dir = registryDir();
    const first = await masterOn(dir);
    const { id } = await registered(first.h, first.reg);
    first.h.stop();
    await first.reg.flushed();
    // Recovered, not back yet: the drain waits for it.
    const second = await masterOn(dir);
    const drain: mesos.v1.master.Call = { type: 'DRAIN_AGENT', drain_agent: { ...agentId(id), max_grace_period: { seconds: 4 } } };
    assert.equal((await call(second.h, drain)).status, 200);
    second.h.stop();
    await second.reg.flushed();

    const third = await masterOn(dir);
    const fwInfo = { id: { value: 'fw-x' }, user: 'u', name: 'x' };
    const taskInfo = {
      name: 't1',
      task_id: { value: 't1' },
      agent_id: { value: id },
      resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 } }],
      command: { value: 'sleep 1000' },
    };
    const back = await registered(third.h, third.reg, {
      agent_id: id,
      tasks: [{ framework_id: 'fw-x', executor_id: '', task: taskInfo, state: 'TASK_RUNNING' }],
      frameworks: [fwInfo],
    });
    assert.equal(back.agent.active, false, 'a draining agent comes back deactivated');
    assert.deepEqual(
      back.messages.filter((m) => m.type === 'KILL_TASK'),
      [{ type: 'KILL_TASK', kill_task: { framework_id: 'fw-x', task_id: 't1', kill_policy: { grace_period: { nanoseconds: 4e9 } } } }],
    );
    const listed = (await call(third.h, { type: 'GET_AGENTS' })).response!.get_agents!.agents!;
    assert.equal(listed[0]?.drain_info?.state, 'DRAINING', 'still draining while its task runs');
  });

  test('gone agents are pruned by --registry_max_agent_count, oldest first, as unreachable ones are', async () => {
    const h = new MasterHarness({ registryMaxAgentCount: 1 });
    harnesses.push(h);
    const [a, b] = [h.register().agent.id, h.register().agent.id];
    for (const id of [a, b]) assert.equal((await call(h, { type: 'MARK_AGENT_GONE', mark_agent_gone: agentId(id) })).status, 200);
    assert.deepEqual([...h.master.registry.state.gone.keys()], [a, b]);
    h.master.start();
    await new Promise((r) => setTimeout(r, 1300));
    assert.deepEqual([...h.master.registry.state.gone.keys()], [b]);
    assert.equal(h.master.agentRegistrationRefusal(a, undefined), undefined, 'a pruned gone agent is no longer known as gone');
  });

  test('--weights is stored by a master whose registry has none', async () => {
    const dir = registryDir();
    const first = await masterOn(dir, { weights: new Map([['prod', 2]]) });
    first.h.stop();
    await first.reg.flushed();
    const second = await masterOn(dir);
    assert.deepEqual([...second.h.master.weights], [['prod', 2]]);
  });

  test('each call answers only once its write is durable', async () => {
    const writes: Array<{ ops: string[]; done: () => void }> = [];
    const store: RegistryStore = {
      write: (batch) => new Promise<void>((done) => writes.push({ ops: batch.map((o) => o.op), done })),
    };
    const reg = new Registry(emptyState(), store, LIMITS, silentLogger());
    const h = new MasterHarness({}, reg);
    harnesses.push(h);
    const pending = h.register();
    await new Promise((r) => setImmediate(r));
    writes.shift()!.done();
    await new Promise((r) => setImmediate(r));
    const id = (pending.messages.find((m) => m.type === 'REGISTERED') as { registered: { agent_id: string } }).registered.agent_id;
    const calls: mesos.v1.master.Call[] = [
      { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'r', weight: 2 }] } },
      { type: 'DEACTIVATE_AGENT', deactivate_agent: agentId(id) },
      { type: 'REACTIVATE_AGENT', reactivate_agent: agentId(id) },
      { type: 'DRAIN_AGENT', drain_agent: agentId(id) },
      { type: 'MARK_AGENT_GONE', mark_agent_gone: agentId(id) },
    ];
    for (const c of calls) {
      let answered = false;
      const answer = call(h, c).then((a) => {
        answered = true;
        return a;
      });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(answered, false, `${c.type} waits for its write`);
      assert.ok(writes.length > 0, `${c.type} is being written`);
      for (const w of writes.splice(0)) w.done();
      assert.equal((await answer).status, 200, c.type);
    }
  });

  test('a call answers 503 in one line when its write fails, and is stored once called again', async () => {
    const dir = registryDir();
    const { h, reg } = await masterOn(dir);
    const { id } = await registered(h, reg);
    const logFile = path.join(dir, 'log.0');
    renameSync(logFile, `${logFile}.aside`);
    symlinkSync('/dev/full', logFile);
    const gone: mesos.v1.master.Call = { type: 'MARK_AGENT_GONE', mark_agent_gone: agentId(id) };
    const failed = await call(h, gone);
    assert.equal(failed.status, 503);
    assert.match(
      failed.text!,
      /^Failed to store the change in the registry \(the registry cannot be written: .*no space.*\); it is not durable: call again once the registry can be written$/i,
    );
    const weights = await call(h, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'x', weight: 2 }] } });
    assert.equal(weights.status, 503);
    rmSync(logFile);
    renameSync(`${logFile}.aside`, logFile);
    assert.equal((await call(h, gone)).status, 200);
    h.stop();
    await reg.flushed();
    const again = await Registry.open(dir, LIMITS, silentLogger());
    assert.equal(again.state.gone.has(id), true);
  });
});
