// What operators set through the v1 operator API survives a master restart (SIGTERM, as
// `systemctl restart` does) and a crash (kill -9): the weights UPDATE_WEIGHTS set (over the
// restarted master's --weights), an agent DEACTIVATE_AGENT deactivated, an agent DRAIN_AGENT
// drained, and an agent MARK_AGENT_GONE removed, which is refused when it registers again.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { mesos } from '../../daemons/common/mesos.ts';
import { AGENT_ENDPOINT } from '../../daemons/common/agent-protocol.ts';
import { type Daemon, freePort, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';

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
    const refused = await fetch(`${master.url}${AGENT_ENDPOINT}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'REGISTER',
        register: {
          agent_id: gId,
          hostname: '127.0.0.1',
          port: gone.port,
          pid: `slave(1)@127.0.0.1:${gone.port}`,
          resources: [],
          attributes: [],
          tasks: [],
          frameworks: [],
        },
      }),
    });
    assert.equal(refused.status, 403);
    assert.equal(await refused.text(), 'Agent has been marked gone');

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
