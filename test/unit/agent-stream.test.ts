// The agent's registration stream (daemons/common/http-client.ts openRecordStream duplex, as
// daemons/agent/master-link.ts uses it) against the master's real request listener on loopback:
// REGISTER first, then the frequent messages on the same request, applied in order; refused
// when it does not start with REGISTER; ended when the agent registers again elsewhere.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  AGENT_ENDPOINT,
  AGENT_STREAM_CONTENT_TYPE,
  type AgentToMaster,
  type MasterToAgent,
  type RegisterMessage,
} from '../../daemons/common/agent-protocol.ts';
import { type RecordStream, openRecordStream } from '../../daemons/common/http-client.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import { masterRequestListener } from '../../daemons/master/http-app.ts';
import { Master } from '../../daemons/master/master.ts';
import { waitFor } from '../helpers/cluster.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';

function registration(ip: string): RegisterMessage['register'] {
  return {
    hostname: 'agent.test',
    port: 5051,
    pid: `slave(1)@${ip}:5051`,
    version: '1.11.0',
    resources: parseResources('cpus:2;mem:1024'),
    attributes: [],
    tasks: [],
    frameworks: [],
  };
}

let master: Master;
let server: http.Server;
let endpoint: { host: string; port: number };
const open: RecordStream[] = [];

before(async () => {
  master = new Master({ ...TEST_MASTER_CONFIG, ip: '127.0.0.1' }, silentLogger());
  server = http.createServer(masterRequestListener({ master, flags: {}, buildTime: 0 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
});
after(async () => {
  for (const u of open) u.close();
  master.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Opened {
  stream: RecordStream;
  status: number;
  messages: MasterToAgent[];
  ended: boolean;
  send(msg: AgentToMaster): boolean;
}

async function connect(register: unknown): Promise<Opened> {
  const o = { messages: [] as MasterToAgent[], ended: false } as Opened;
  o.stream = await openRecordStream(
    endpoint,
    AGENT_ENDPOINT,
    JSON.stringify(register),
    { 'Content-Type': AGENT_STREAM_CONTENT_TYPE },
    (record, status) => {
      if (status === 200) o.messages.push(JSON.parse(record.toString('utf8')) as MasterToAgent);
    },
    () => {
      o.ended = true;
    },
    undefined,
    true,
  );
  o.status = o.stream.status;
  o.send = (msg) => o.stream.send(JSON.stringify(msg));
  open.push(o.stream);
  return o;
}

async function registered(o: Opened): Promise<string> {
  const reg = await waitFor('REGISTERED', () => o.messages.find((m) => m.type === 'REGISTERED'), 5000, 10);
  return (reg as Extract<MasterToAgent, { type: 'REGISTERED' }>).registered.agent_id;
}

const update = (taskId: string): AgentToMaster => ({
  type: 'STATUS_UPDATE',
  status_update: { framework_id: 'fw-unknown', status: { task_id: { value: taskId }, state: 'TASK_RUNNING' } },
});

describe('agent registration stream', () => {
  it('registers with its first record and applies the next ones in order', async () => {
    const o = await connect({ type: 'REGISTER', register: registration('10.0.0.2') });
    assert.equal(o.status, 200);
    const agent = master.agents.get(await registered(o))!;
    const before = master.counters.validStatusUpdates;
    agent.missedPongs = 3;
    for (let i = 0; i < 3; i++) assert.equal(o.send(update(`t${i}`)), true);
    assert.equal(o.send({ type: 'PONG', pong: { seq: agent.lastPingSeq } }), true);
    await waitFor(
      'the messages to be applied',
      () => master.counters.validStatusUpdates === before + 3 && agent.missedPongs === 0,
      5000,
      10,
    );
  });

  it('drops what is not sent on the stream and goes on', async () => {
    const o = await connect({ type: 'REGISTER', register: registration('10.0.0.3') });
    const agent = master.agents.get(await registered(o))!;
    o.send({ type: 'EXECUTOR_EXITED', executor_exited: { framework_id: 'f', executor_id: 'e', status: 0 } });
    agent.missedPongs = 2;
    o.send({ type: 'PONG', pong: { seq: agent.lastPingSeq } });
    await waitFor('the PONG after it', () => agent.missedPongs === 0, 5000, 10);
    assert.equal(o.ended, false);
  });

  it('is refused with 400 when the first record is not a REGISTER', async () => {
    const o = await connect({ type: 'PONG', pong: { seq: 1 } });
    assert.equal(o.status, 400);
    await waitFor('the end', () => o.ended, 5000, 10);
  });

  it('is ended by the master once the agent registered again on another stream; its agent is disconnected when it ends', async () => {
    const first = await connect({ type: 'REGISTER', register: registration('10.0.0.5') });
    const agentId = await registered(first);
    const second = await connect({ type: 'REGISTER', register: { ...registration('10.0.0.5'), agent_id: agentId } });
    assert.equal(await registered(second), agentId);
    const before = master.counters.validStatusUpdates;
    first.send(update('late'));
    await waitFor('the old stream to end', () => first.ended, 5000, 10);
    assert.equal(master.counters.validStatusUpdates, before, 'the message of the old stream is not applied');
    assert.equal(master.agents.get(agentId)!.link !== undefined, true, "the new stream is the agent's");

    second.stream.close();
    await waitFor('the agent to be disconnected', () => master.agents.get(agentId)!.link === undefined, 5000, 10);
  });
});
