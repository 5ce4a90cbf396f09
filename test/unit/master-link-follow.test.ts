// The agent's master link following the leader (daemons/agent/master-link.ts follow), against
// two masters' real request listeners on loopback: registered with the first, it re-registers
// with the second under the same agent id; with no leader it stays away from both and does not
// reconnect to the old one; the old master's stream ending later changes nothing.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { RegisterMessage } from '../../daemons/common/agent-protocol.ts';
import type { Endpoint } from '../../daemons/common/http-client.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import { MasterLink } from '../../daemons/agent/master-link.ts';
import { masterRequestListener } from '../../daemons/master/http-app.ts';
import { Master } from '../../daemons/master/master.ts';
import { sleep, waitFor } from '../helpers/cluster.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';

interface Running {
  master: Master;
  server: http.Server;
  endpoint: Endpoint;
}

const masters: Running[] = [];

async function startMaster(): Promise<Running> {
  const master = new Master({ ...TEST_MASTER_CONFIG, ip: '127.0.0.1' }, silentLogger());
  const server = http.createServer(masterRequestListener({ master, flags: {}, buildTime: 0 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const running = { master, server, endpoint: { host: '127.0.0.1', port: (server.address() as AddressInfo).port } };
  masters.push(running);
  return running;
}

let a: Running;
let b: Running;
before(async () => {
  a = await startMaster();
  b = await startMaster();
});
after(async () => {
  for (const m of masters) {
    m.master.stop();
    m.server.closeAllConnections();
    await new Promise((resolve) => m.server.close(resolve));
  }
});

test('a new leader is registered with at once under the same id; none leading, the link waits', async () => {
  let agentId: string | undefined;
  const registrations: { agentId: string; masterId: string; reregistered: boolean }[] = [];
  const link = new MasterLink(
    a.endpoint,
    {
      registration: (): RegisterMessage['register'] => ({
        ...(agentId ? { agent_id: agentId } : {}),
        hostname: 'agent.test',
        port: 5051,
        pid: 'slave(1)@127.0.0.1:5051',
        version: '1.11.0',
        resources: parseResources('cpus:2;mem:1024'),
        attributes: [],
        tasks: [],
        frameworks: [],
      }),
      registered: (id, masterId, reregistered) => {
        agentId = id;
        registrations.push({ agentId: id, masterId, reregistered });
      },
      message: () => undefined,
      shutdown: () => undefined,
    },
    silentLogger(),
    10,
  );
  try {
    link.start();
    await waitFor('registered with A', () => registrations.length === 1);
    assert.equal(registrations[0]!.masterId, a.master.id);
    const id = registrations[0]!.agentId;

    link.follow(b.endpoint);
    await waitFor('re-registered with B', () => registrations.length === 2);
    assert.deepEqual(registrations[1], { agentId: id, masterId: b.master.id, reregistered: true });
    assert.deepEqual(link.master, b.endpoint);
    assert.ok(b.master.state.agents.has(id), 'B admitted the agent under its id');

    // No leader: the stream to B goes and nothing reconnects, not even to the old master.
    link.follow(undefined);
    assert.equal(link.connected, false);
    await sleep(300);
    assert.equal(registrations.length, 2);
    assert.equal(await link.post({ type: 'PONG', pong: { seq: 1 } }), false, 'nothing is sent without a master');

    link.follow(a.endpoint);
    await waitFor('back with A', () => registrations.length === 3);
    assert.deepEqual(registrations[2], { agentId: id, masterId: a.master.id, reregistered: true });
    // Following the master it is registered with changes nothing.
    link.follow({ ...a.endpoint });
    await sleep(200);
    assert.equal(registrations.length, 3);
  } finally {
    link.stop();
  }
});
