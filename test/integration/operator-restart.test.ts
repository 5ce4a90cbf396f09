// What operators set through the v1 operator API survives a master restart (SIGTERM, as
// `systemctl restart` does) and a crash (kill -9): the weights UPDATE_WEIGHTS set (over the
// restarted master's --weights), an agent DEACTIVATE_AGENT deactivated, an agent DRAIN_AGENT
// drained, and an agent MARK_AGENT_GONE removed, which is refused when it registers again. With
// --zk, the master elected after the leader's kill -9 finds them in ZooKeeper.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { mesos } from '../../daemons/common/mesos.ts';
import { AGENT_ENDPOINT } from '../../daemons/common/agent-protocol.ts';
import { type Daemon, freePort, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

type Call = mesos.v1.master.Call;
type Response = mesos.v1.master.Response;

const daemons: Daemon[] = [];
after(async () => {
  for (const d of daemons.reverse()) await d.stop();
});

async function call(master: Daemon, c: Call): Promise<{ status: number; text: string }> {
  const res = await fetch(`${master.url}/api/v1`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(c),
  });
  return { status: res.status, text: await res.text() };
}

async function ok(master: Daemon, c: Call): Promise<void> {
  const r = await call(master, c);
  assert.equal(r.status, 200, `${c.type}: ${r.text}`);
}

async function ask(master: Daemon, c: Call): Promise<Response> {
  const r = await call(master, c);
  assert.equal(r.status, 200, `${c.type}: ${r.text}`);
  return JSON.parse(r.text) as Response;
}

const agentId = (id: string) => ({ agent_id: { value: id } });

function agentsById(agents: mesos.v1.master.Response.GetAgents): Map<string, mesos.v1.master.Response.GetAgents.Agent> {
  return new Map((agents.agents ?? []).map((a) => [a.agent_info.id!.value, a]));
}

async function idOf(agent: Daemon): Promise<string> {
  return (await agent.json<{ id: string }>('/state')).id;
}

/** POSTs a REGISTER under `id` to the master's agents' endpoint: what an agent coming back sends. */
async function registerAs(master: Daemon, id: string, port: number): Promise<{ status: number; text: string }> {
  const res = await fetch(`${master.url}${AGENT_ENDPOINT}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: 'REGISTER',
      register: {
        agent_id: id,
        hostname: '127.0.0.1',
        port,
        pid: `slave(1)@127.0.0.1:${port}`,
        resources: [],
        attributes: [],
        tasks: [],
        frameworks: [],
      },
    }),
  });
  return { status: res.status, text: await res.text() };
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`${signal} of the master: weights, a deactivated, a drained and a gone agent are as the operator left them`, async () => {
    const port = await freePort();
    const workDir = tempDir(`operator-restart-${signal}`);
    const flags = ['--allocation_interval=50ms'];
    let master = await startMaster([...flags, '--weights=prod=2'], {}, { port, workDir });
    daemons.push(master);
    const agentFlags = ['--registration_backoff_factor=50ms'];
    const [deactivated, drained, gone] = [
      await startAgent(master, agentFlags),
      await startAgent(master, agentFlags),
      await startAgent(master, agentFlags),
    ];
    daemons.push(deactivated, drained, gone);
    const [dId, drId, gId] = [await idOf(deactivated), await idOf(drained), await idOf(gone)];

    await ok(master, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'dev', weight: 0.5 }] } });
    await ok(master, { type: 'DEACTIVATE_AGENT', deactivate_agent: agentId(dId) });
    await ok(master, { type: 'DRAIN_AGENT', drain_agent: { ...agentId(drId), max_grace_period: { seconds: 5 } } });
    await ok(master, { type: 'MARK_AGENT_GONE', mark_agent_gone: agentId(gId) });
    const before = agentsById((await ask(master, { type: 'GET_AGENTS' })).get_agents!);
    assert.equal(before.get(drId)?.drain_info?.state, 'DRAINED', 'an agent without tasks is drained at once');
    assert.equal(before.has(gId), false);

    master.proc.kill(signal);
    await master.waitExit();
    // The restarted master's --weights says otherwise: what the operator set wins.
    master = await startMaster([...flags, '--weights=prod=7'], {}, { port, workDir });
    daemons.push(master);

    assert.match(master.output, /from operators: 2 role weights, 2 agents deactivated \(0 draining\), 1 agents marked gone/);
    const weights = (await ask(master, { type: 'GET_WEIGHTS' })).get_weights!;
    assert.deepEqual(weights.weight_infos, [
      { role: 'dev', weight: 0.5 },
      { role: 'prod', weight: 2 },
    ]);

    const back = await waitFor(
      'the deactivated and the drained agent re-registered',
      async () => {
        const agents = agentsById((await ask(master, { type: 'GET_AGENTS' })).get_agents!);
        return agents.has(dId) && agents.has(drId) ? agents : undefined;
      },
      60_000,
    );
    assert.equal(back.get(dId)?.deactivated, true, 'deactivated as before');
    assert.equal(back.get(dId)?.drain_info, undefined);
    assert.equal(back.get(drId)?.deactivated, true);
    assert.deepEqual(back.get(drId)?.drain_info, {
      state: 'DRAINED',
      config: { mark_gone: false, max_grace_period: { nanoseconds: 5e9 } },
    });
    assert.equal(back.has(gId), false, 'the gone agent is not admitted');

    const state = (await ask(master, { type: 'GET_STATE' })).get_state!;
    const inState = agentsById(state.get_agents!);
    assert.equal(inState.get(dId)?.deactivated, true);
    assert.equal(inState.get(drId)?.drain_info?.state, 'DRAINED');
    assert.equal(inState.has(gId), false);
    // (The gone agent's process started over under a new id, which may still be awaited.)
    const awaited = (state.get_agents!.recovered_agents ?? []).map((a) => a.id!.value);
    assert.ok(!awaited.includes(gId), `the gone agent is not awaited: ${awaited.join(', ')}`);

    // The gone agent's id is refused, whoever comes with it.
    assert.deepEqual(await registerAs(master, gId, gone.port), { status: 403, text: 'Agent has been marked gone' });

    // Reactivating is stored too: it is offered again after the next restart.
    await ok(master, { type: 'REACTIVATE_AGENT', reactivate_agent: agentId(dId) });
    master.proc.kill(signal);
    await master.waitExit();
    master = await startMaster(flags, {}, { port, workDir });
    daemons.push(master);
    const again = await waitFor(
      'the reactivated agent re-registered',
      async () => agentsById((await ask(master, { type: 'GET_AGENTS' })).get_agents!).get(dId),
      60_000,
    );
    assert.equal(again.deactivated, false);
  });
}

const unavailable = zookeeperUnavailable();

describe('with --zk', { skip: unavailable ? `ZooKeeper tests skipped: ${unavailable}` : false }, () => {
  let zk: ZooKeeperCluster | undefined;
  after(async () => {
    // The masters go before the ZooKeeper they lead through.
    for (const d of daemons.splice(0).reverse()) await d.stop('SIGKILL');
    await zk?.stop();
  });

  /** The master of `masters` that serves /master/state (the others redirect or are dead). */
  async function leaderAmong(masters: Daemon[]): Promise<Daemon> {
    return waitFor(
      'a leader',
      async () => {
        const live = masters.filter((m) => !m.exited);
        const codes = await Promise.all(
          live.map((m) =>
            fetch(`${m.url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(2000) }).then(
              (r) => r.status,
              () => 0,
            ),
          ),
        );
        const leaders = live.filter((_, i) => codes[i] === 200);
        return leaders.length === 1 ? leaders[0] : undefined;
      },
      30_000,
      100,
    );
  }

  test('kill -9 of the leader: the next one has the weights, the deactivated agent and the gone agent', async () => {
    zk = await ZooKeeperCluster.standalone();
    const url = zk.url('/operator-failover');
    const masters: Daemon[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await startMaster([`--zk=${url}`, '--quorum=1', '--zk_session_timeout=2secs', '--hostname=127.0.0.1', '--weights=prod=2']);
      daemons.push(m);
      masters.push(m);
    }
    const first = await leaderAmong(masters);
    const kept = await startAgent(first);
    const gone = await startAgent(first);
    daemons.push(kept, gone);
    const [kId, gId] = [await idOf(kept), await idOf(gone)];
    await ok(first, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'prod', weight: 5 }] } });
    await ok(first, { type: 'DEACTIVATE_AGENT', deactivate_agent: agentId(kId) });
    await ok(first, { type: 'MARK_AGENT_GONE', mark_agent_gone: agentId(gId) });

    first.proc.kill('SIGKILL');
    await first.waitExit();
    const second = await leaderAmong(masters);
    assert.deepEqual((await ask(second, { type: 'GET_WEIGHTS' })).get_weights!.weight_infos, [{ role: 'prod', weight: 5 }]);
    const awaited = ((await ask(second, { type: 'GET_AGENTS' })).get_agents!.recovered_agents ?? []).map((a) => a.id!.value);
    assert.ok(awaited.includes(kId) && !awaited.includes(gId), `awaited: ${awaited.join(', ')}`);
    assert.deepEqual(await registerAs(second, gId, gone.port), { status: 403, text: 'Agent has been marked gone' });

    // The kept agent, pointed at the new leader, comes back deactivated.
    await kept.stop('SIGTERM', 10_000, true);
    const back = await startAgent(second, [], { workDir: kept.workDir, runtimeDir: kept.runtimeDir!, port: kept.port });
    daemons.push(back);
    const listed = agentsById((await ask(second, { type: 'GET_AGENTS' })).get_agents!);
    assert.equal(listed.get(kId)?.deactivated, true);
  });
});
