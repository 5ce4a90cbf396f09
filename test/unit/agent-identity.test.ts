// Agent identity under --authenticate_agents, in the master core (no sockets): an agent id is
// bound to the principal that registered it, in the registry, and survives the agent becoming
// unreachable; another principal can neither re-register under it nor push it out by
// registering afresh with its pid.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { RegisterMessage } from '../../daemons/common/agent-protocol.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import type { AgentLink } from '../../daemons/master/links.ts';
import { Master } from '../../daemons/master/master.ts';
import { type RegistryState, applyOp, emptyState } from '../../daemons/master/registry.ts';
import { waitFor } from '../helpers/cluster.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';

const registration = (agentId?: string): RegisterMessage['register'] => ({
  ...(agentId ? { agent_id: agentId } : {}),
  hostname: 'agent.test',
  port: 5051,
  pid: 'slave(1)@10.0.0.1:5051',
  version: '1.11.0',
  resources: parseResources('cpus:2;mem:1024'),
  attributes: [],
  tasks: [],
  frameworks: [],
});
const link = (): AgentLink => ({ send: () => true, close: () => undefined });

const master = new Master({ ...TEST_MASTER_CONFIG, ip: '127.0.0.1' }, silentLogger());
after(() => master.stop());

describe('agent identity', () => {
  test('an id registered by a principal is refused to another, open to the same one', async () => {
    const id = master.registerAgent(registration(), link(), 's1', 'agent');
    await waitFor('the agent admitted', async () => master.agents.has(id));
    assert.equal(master.registry.state.agents.get(id)?.principal, 'agent');
    assert.equal(master.agentRegistrationRefusal(id, 'agent'), undefined);
    assert.match(master.agentRegistrationRefusal(id, 'intruder') ?? '', /registered by another principal; 'intruder' may not/);
    // Without authentication on, there is no principal to hold anyone to.
    assert.equal(master.agentRegistrationRefusal(id, undefined), undefined);

    // A fresh registration with the same pid by another principal does not remove the agent.
    const other = master.registerAgent(registration(), link(), 's2', 'intruder');
    await waitFor('the other agent admitted', async () => master.agents.has(other));
    assert.notEqual(other, id);
    assert.ok(master.agents.get(id), 'the real agent is still there');
  });

  test('an unreachable agent keeps its principal in the registry', () => {
    const state: RegistryState = emptyState();
    const limits = { maxCompletedFrameworks: 1, maxCompletedTasksPerFramework: 1 };
    const agent = { id: 'A', hostname: 'h', port: 1, pid: 'p', resources: [], attributes: [], registeredTime: 0, principal: 'agent' };
    applyOp(state, { op: 'ADMIT_AGENT', agent }, limits);
    applyOp(state, { op: 'MARK_UNREACHABLE', agent_id: 'A', time: 1, hostname: 'h' }, limits);
    assert.deepEqual(state.unreachable.get('A'), { time: 1, hostname: 'h', principal: 'agent' });
  });
});
