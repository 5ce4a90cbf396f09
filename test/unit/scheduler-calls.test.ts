// The master core answering scheduler calls as Apache Mesos 1.11 does (src/master/master.cpp):
// offers in the format each framework's capabilities ask for, what older schedulers send back,
// calls Mesos accepts and drops, and operation reconciliation from the agents' standing.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { silentLogger } from '../../daemons/common/log.ts';
import type { FrameworkInfo, OperationStatus, Resource, TaskInfo } from '../../daemons/common/mesos.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import type { MasterConfig } from '../../daemons/master/master.ts';
import { Registry } from '../../daemons/master/registry.ts';
import { MasterHarness, type RecordedFramework } from '../helpers/master-harness.ts';

let harnesses: MasterHarness[] = [];
afterEach(() => {
  for (const h of harnesses) h.stop();
  harnesses = [];
});

function harness(registry?: Registry, config: Partial<MasterConfig> = {}): MasterHarness {
  const h = new MasterHarness(config, registry);
  harnesses.push(h);
  return h;
}

const capabilities = (...types: string[]): Partial<FrameworkInfo> => ({
  capabilities: types.map((type) => ({ type }) as { type: 'MULTI_ROLE' }),
});

/** A framework of role `web` with these capabilities, and the offer of an agent with resources reserved to `web`. */
async function offerTo(info: Partial<FrameworkInfo>) {
  const h = harness();
  const multiRole = info.capabilities?.some((c) => c.type === 'MULTI_ROLE');
  const framework = h.subscribe({ ...info, ...(multiRole ? { roles: ['web'] } : { role: 'web' }) });
  const { agent, messages } = h.register({ resources: parseResources('cpus(web):1;cpus:2;mem:512') });
  await h.allocation();
  const offer = framework.offers()[0];
  assert.ok(offer?.resources, 'the framework got an offer');
  return { h, framework, agent, messages, offer, resources: offer.resources };
}

describe('offers in the format of the framework (Master::offer)', () => {
  test('without MULTI_ROLE nor RESERVATION_REFINEMENT: no allocation_info, `role` on every resource, no `reservations`', async () => {
    const { offer, resources } = await offerTo(capabilities());
    assert.equal(offer.allocation_info, undefined);
    for (const r of resources) {
      assert.equal(r.allocation_info, undefined, `${r.name} has no allocation_info`);
      assert.equal(r.reservations, undefined, `${r.name} has no reservations`);
      assert.ok(r.role === '*' || r.role === 'web', `${r.name} has role ${r.role}`);
    }
    assert.deepEqual(
      resources
        .filter((r) => r.name === 'cpus')
        .map((r) => [r.role, r.scalar?.value])
        .sort(),
      [
        ['*', 2],
        ['web', 1],
      ],
    );
  });

  test('MULTI_ROLE without RESERVATION_REFINEMENT: allocation_info, and `role` instead of `reservations`', async () => {
    const { offer, resources } = await offerTo(capabilities('MULTI_ROLE'));
    assert.deepEqual(offer.allocation_info, { role: 'web' });
    for (const r of resources) {
      assert.deepEqual(r.allocation_info, { role: 'web' });
      assert.equal(r.reservations, undefined);
    }
    assert.deepEqual(
      resources
        .filter((r) => r.name === 'cpus')
        .map((r) => r.role)
        .sort(),
      ['*', 'web'],
    );
  });

  test('MULTI_ROLE and RESERVATION_REFINEMENT: the current format, `reservations` and no `role`', async () => {
    const { offer, resources } = await offerTo(capabilities('MULTI_ROLE', 'RESERVATION_REFINEMENT'));
    assert.deepEqual(offer.allocation_info, { role: 'web' });
    const reserved = resources.find((r) => r.name === 'cpus' && r.reservations !== undefined);
    assert.deepEqual(reserved?.reservations, [{ type: 'STATIC', role: 'web' }]);
    assert.ok(resources.every((r) => r.role === undefined && r.allocation_info?.role === 'web'));
  });

  test('what an older scheduler sends back (`role`, no allocation_info) launches, kept and sent in the current format', async () => {
    const { framework, agent, messages, offer } = await offerTo(capabilities());
    const resources: Resource[] = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'web' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: '*' },
    ];
    const task: TaskInfo = { name: 'old', task_id: { value: 'old' }, agent_id: { value: agent.id }, command: { value: 'true' }, resources };
    assert.equal(
      framework.call('ACCEPT', { accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } }),
      202,
    );
    assert.deepEqual(framework.updates(), [], 'no TASK_ERROR');
    const run = messages.find((m) => m.type === 'RUN_TASK');
    assert.ok(run?.type === 'RUN_TASK');
    assert.deepEqual(run.run_task.task.resources, [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'web' } },
      {
        name: 'cpus',
        type: 'SCALAR',
        scalar: { value: 1 },
        reservations: [{ type: 'STATIC', role: 'web' }],
        allocation_info: { role: 'web' },
      },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, allocation_info: { role: 'web' } },
    ]);
  });

  test("an offer lists the framework's executors running on its agent (executor_ids)", async () => {
    const h = harness(undefined, { allocationIntervalSecs: 0.05 });
    const framework = h.subscribe();
    const { agent } = h.register();
    await h.allocation();
    const first = framework.offers()[0]!;
    assert.deepEqual(first.executor_ids, []);
    const task: TaskInfo = {
      name: 'with-executor',
      task_id: { value: 'with-executor' },
      agent_id: { value: agent.id },
      executor: {
        executor_id: { value: 'my-executor' },
        type: 'CUSTOM',
        command: { value: './executor' },
        resources: parseResources('cpus:0.1;mem:32'),
      },
      resources: parseResources('cpus:0.5;mem:64'),
    };
    framework.call('ACCEPT', {
      accept: { offer_ids: [first.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 0 } },
    });
    // The unused rest comes back when its refuse filter (until the next allocation tick) expires.
    await new Promise((resolve) => setTimeout(resolve, 120));
    await h.allocation();
    const second = framework.offers()[1];
    assert.ok(second, 'the rest of the agent is offered again');
    assert.deepEqual(second.executor_ids, [{ value: 'my-executor' }]);
  });
});

describe("ACCEPT's offers checked as validation::offer::validate", () => {
  test('in its order, with its texts in the TASK_DROPPED of each task', async () => {
    const h = harness();
    const mine = h.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    h.register();
    h.register();
    await h.allocation();
    const theirs = h.subscribe({ name: 'theirs' });
    h.register();
    await h.allocation();
    theirs.call('SUPPRESS');
    const [a, b] = mine.offers();
    const other = theirs.offers()[0];
    assert.ok(a && b && other, 'two offers for one framework (an agent each), one for the other');
    const dropped = (offerIds: { value: string }[]) => {
      const task: TaskInfo = {
        name: 't',
        task_id: { value: 't' },
        agent_id: a.agent_id,
        command: { value: 'true' },
        resources: parseResources('cpus:1'),
      };
      mine.call('ACCEPT', { accept: { offer_ids: offerIds, operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
      const status = mine.updates().at(-1)!;
      assert.deepEqual([status.state, status.reason], ['TASK_DROPPED', 'REASON_INVALID_OFFERS']);
      return status.message;
    };
    const prefix = 'Task launched with invalid offers: ';
    assert.equal(dropped([a.id, { value: 'gone' }, a.id]), `${prefix}Duplicate offer ${a.id.value} in offer list`);
    // That ACCEPT gave offer a back; an offer that is no longer valid is named before another framework's.
    assert.equal(dropped([{ value: 'gone' }, other.id]), `${prefix}Offer gone is no longer valid`);
    assert.equal(
      dropped([b.id, other.id]),
      `${prefix}Offer ${other.id.value} has invalid framework ${theirs.fw.id} while framework ${mine.fw.id} is expected`,
    );
    assert.ok(h.master.offers.has(other.id.value), "the other framework's offer stays with it");
    await h.allocation();
    const [c, d] = mine.offers().slice(-2);
    assert.ok(c && d && c.agent_id.value !== d.agent_id.value, 'offers of both agents again');
    assert.equal(
      dropped([c.id, d.id]),
      `${prefix}Aggregated offers must belong to one single agent. Offer ${d.id.value} uses agent ${d.agent_id.value} and agent ${c.agent_id.value}`,
    );
  });
});

test('a task may not reuse the id of an unreachable task of its framework (validateUniqueTaskID)', async () => {
  const h = harness();
  const framework = h.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
  const away = h.register();
  const here = h.register();
  await h.allocation();
  const offerOf = (agentId: string) => framework.offers().findLast((o) => o.agent_id.value === agentId && h.master.offers.has(o.id.value))!;
  const launch = (agentId: string) => {
    const task: TaskInfo = {
      name: 't1',
      task_id: { value: 't1' },
      agent_id: { value: agentId },
      command: { value: 'sleep 9' },
      resources: parseResources('cpus:1;mem:64'),
    };
    framework.call('ACCEPT', {
      accept: { offer_ids: [offerOf(agentId).id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
  };
  launch(away.agent.id);
  h.master.removeAgent(away.agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
  assert.equal(framework.updates().at(-1)?.state, 'TASK_UNREACHABLE');
  launch(here.agent.id);
  const refused = framework.updates().at(-1)!;
  assert.deepEqual([refused.state, refused.message], ['TASK_ERROR', 'Task reuses the ID of an unreachable task: t1']);
  assert.equal(here.messages.filter((m) => m.type === 'RUN_TASK').length, 0);
});

describe('calls Mesos accepts and then drops', () => {
  async function withTask() {
    const h = harness();
    const framework = h.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const recorded = h.register();
    await h.allocation();
    const offer = framework.offers()[0]!;
    const task: TaskInfo = {
      name: 't1',
      task_id: { value: 't1' },
      agent_id: { value: recorded.agent.id },
      command: { value: 'sleep 9' },
      resources: parseResources('cpus:1;mem:64'),
    };
    framework.call('ACCEPT', { accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
    return { h, framework, ...recorded };
  }

  test("REVIVE and SUPPRESS naming a role that is not the framework's, or no valid role, change nothing", async () => {
    const { framework } = await withTask();
    assert.equal(framework.call('SUPPRESS', { suppress: { roles: ['*', 'not-mine'] } }), 202);
    assert.deepEqual([...framework.fw.suppressedRoles], [], 'the whole call is dropped, * included');
    assert.equal(framework.call('SUPPRESS', { suppress: { roles: ['/bad'] } }), 202);
    assert.deepEqual([...framework.fw.suppressedRoles], []);
    assert.equal(framework.call('SUPPRESS'), 202);
    assert.deepEqual([...framework.fw.suppressedRoles], ['*']);
    assert.equal(framework.call('REVIVE', { revive: { roles: ['not-mine'] } }), 202);
    assert.deepEqual([...framework.fw.suppressedRoles], ['*'], 'still suppressed');
  });

  test("KILL naming another agent than the task's kills nothing", async () => {
    const { framework, agent, messages } = await withTask();
    assert.equal(framework.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: 'some-other-agent' } } }), 202);
    assert.equal(messages.filter((m) => m.type === 'KILL_TASK').length, 0);
    framework.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: agent.id } } });
    assert.equal(messages.filter((m) => m.type === 'KILL_TASK').length, 1);
  });

  test('MESSAGE and SHUTDOWN to an agent the master does not know are accepted and go nowhere', async () => {
    const { framework, messages } = await withTask();
    const before = messages.length;
    assert.equal(
      framework.call('MESSAGE', { message: { agent_id: { value: 'unknown' }, executor_id: { value: 'e' }, data: 'aGk=' } }),
      202,
    );
    assert.equal(framework.call('SHUTDOWN', { shutdown: { agent_id: { value: 'unknown' }, executor_id: { value: 'e' } } }), 202);
    assert.equal(messages.length, before);
  });

  test('ACKNOWLEDGE_OPERATION_STATUS is accepted (this master runs no operations, so nothing is acknowledged)', async () => {
    const { framework, agent, messages } = await withTask();
    const before = messages.length;
    const ack = { agent_id: { value: agent.id }, operation_id: { value: 'op' }, uuid: Buffer.alloc(16, 0x40).toString('base64') };
    assert.equal(framework.call('ACKNOWLEDGE_OPERATION_STATUS', { acknowledge_operation_status: ack }), 202);
    assert.equal(messages.length, before);
  });

  test('UNKNOWN is answered 501, as Mesos does', async () => {
    const { framework } = await withTask();
    assert.throws(
      () => framework.call('UNKNOWN'),
      (err: Error & { status?: number }) => err.status === 501 && err.message === '501 Not Implemented.',
    );
  });

  test("UPDATE_FRAMEWORK with another principal, user or checkpointing, or suppressing a foreign role, is a 400 with Mesos's text", async () => {
    const { framework } = await withTask();
    const info = framework.fw.info;
    const update = (changes: Partial<FrameworkInfo>, suppressed: string[] = []) => {
      try {
        return framework.call('UPDATE_FRAMEWORK', {
          update_framework: { framework_info: { ...info, ...changes }, suppressed_roles: suppressed },
        });
      } catch (err) {
        return `${(err as { status: number }).status} ${(err as Error).message}`;
      }
    };
    assert.equal(
      update({ principal: 'someone-else' }),
      "400 FrameworkInfo update is not valid: Changing framework's principal is not allowed.",
    );
    assert.equal(
      update({ user: 'root' }),
      `400 FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from '${info.user}' to 'root'`,
    );
    assert.equal(
      update({ checkpoint: true }),
      "400 FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from 'false' to 'true'",
    );
    assert.equal(
      update({ role: 'a b' }),
      "400 Supplied FrameworkInfo is not valid: 'FrameworkInfo.role' is not a valid role: Role component 'a b' is invalid because it contains backspace or whitespace",
    );
    assert.equal(
      update({}, ['other']),
      "400 'UpdateFramework' call is not valid: Suppressed roles { other } are not contained in the set of roles",
    );
    assert.equal(update({ name: 'renamed' }), 200);
    assert.equal(framework.fw.info.name, 'renamed');
  });
});

describe("RECONCILE and RECONCILE_OPERATIONS from the agents' standing (Master::reconcile, Master::reconcileOperations)", () => {
  function operationUpdates(framework: RecordedFramework): OperationStatus[] {
    return framework.events
      .filter((e) => e.type === 'UPDATE_OPERATION_STATUS')
      .map((e) => (e.update_operation_status as { status: OperationStatus }).status);
  }

  test('every operation is unknown to this master; the answer follows the agent: registered, unreachable, unknown, none given', async () => {
    const h = harness();
    const framework = h.subscribe();
    const registered = h.register();
    const lost = h.register();
    h.master.removeAgent(lost.agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    assert.equal(
      framework.call('RECONCILE_OPERATIONS', {
        reconcile_operations: {
          operations: [
            { operation_id: { value: 'on-registered' }, agent_id: { value: registered.agent.id } },
            { operation_id: { value: 'on-unreachable' }, agent_id: { value: lost.agent.id }, resource_provider_id: { value: 'rp' } },
            { operation_id: { value: 'on-unknown' }, agent_id: { value: 'no-such-agent' } },
            { operation_id: { value: 'nowhere' } },
          ],
        },
      }),
      202,
    );
    assert.deepEqual(operationUpdates(framework), [
      {
        operation_id: { value: 'on-registered' },
        state: 'OPERATION_UNKNOWN',
        message: 'Reconciliation: Operation is unknown',
        agent_id: { value: registered.agent.id },
      },
      {
        operation_id: { value: 'on-unreachable' },
        state: 'OPERATION_UNREACHABLE',
        message: 'Reconciliation: Agent is unreachable',
        agent_id: { value: lost.agent.id },
        resource_provider_id: { value: 'rp' },
      },
      {
        operation_id: { value: 'on-unknown' },
        state: 'OPERATION_UNKNOWN',
        message: 'Reconciliation: Both operation and agent are unknown',
        agent_id: { value: 'no-such-agent' },
      },
      {
        operation_id: { value: 'nowhere' },
        state: 'OPERATION_UNKNOWN',
        message: "Reconciliation: Operation is unknown and no 'agent_id' was provided",
      },
    ]);
    assert.equal(framework.call('RECONCILE_OPERATIONS', { reconcile_operations: {} }), 202);
    assert.equal(operationUpdates(framework).length, 4, 'implicit: this master knows no operations');
  });

  /** A master restarted from a registry that knows agent `waited-S0`, which has not re-registered yet. */
  function restartedMaster(): RecordedFramework {
    const registry = Registry.memory({ maxCompletedFrameworks: 10, maxCompletedTasksPerFramework: 10 }, silentLogger());
    const entry = {
      id: 'waited-S0',
      hostname: 'waited.test',
      port: 5051,
      pid: 'slave(1)@10.0.0.9:5051',
      resources: [],
      attributes: [],
      registeredTime: 0,
    };
    registry.apply({ op: 'ADMIT_AGENT', agent: entry });
    return harness(registry).subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
  }

  test('an agent the restarted master waits for: OPERATION_RECOVERING', () => {
    const framework = restartedMaster();
    framework.call('RECONCILE_OPERATIONS', {
      reconcile_operations: { operations: [{ operation_id: { value: 'op' }, agent_id: { value: 'waited-S0' } }] },
    });
    assert.deepEqual(operationUpdates(framework), [
      {
        operation_id: { value: 'op' },
        state: 'OPERATION_RECOVERING',
        message: 'Reconciliation: Agent is recovered but has not re-registered',
        agent_id: { value: 'waited-S0' },
      },
    ]);
  });

  test('RECONCILE answers nothing for a task that may be on an agent the restarted master waits for', () => {
    const framework = restartedMaster();
    // On that agent, or (no agent id) on any agent still awaited: Mesos stays silent, the scheduler retries.
    framework.call('RECONCILE', {
      reconcile: { tasks: [{ task_id: { value: 't' }, agent_id: { value: 'waited-S0' } }, { task_id: { value: 'u' } }] },
    });
    assert.deepEqual(framework.updates(), []);
    framework.call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 'v' }, agent_id: { value: 'elsewhere' } }] } });
    assert.deepEqual(
      framework.updates().map((u) => [u.task_id.value, u.state, u.message]),
      [['v', 'TASK_UNKNOWN', 'Reconciliation: Task is unknown']],
    );
  });
});
