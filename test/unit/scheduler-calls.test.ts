// The master core answering scheduler calls as Apache Mesos 1.11 does (src/master/master.cpp):
// calls Mesos accepts and drops.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { FrameworkInfo, TaskInfo } from '../../daemons/common/mesos.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import type { MasterConfig } from '../../daemons/master/master.ts';
import type { Registry } from '../../daemons/master/registry.ts';
import { MasterHarness } from '../helpers/master-harness.ts';

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

describe('calls Mesos accepts and then drops', () => {
  async function withTask() {
    const h = harness();
    const framework = h.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const recorded = h.register();
    await h.allocation();
    const offer = framework.offers()[0]!;
    const task: TaskInfo = { name: 't1', task_id: { value: 't1' }, agent_id: { value: recorded.agent.id }, command: { value: 'sleep 9' }, resources: parseResources('cpus:1;mem:64') };
    framework.call('ACCEPT', { accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
    return { h, framework, ...recorded };
  }

  test('REVIVE and SUPPRESS naming a role that is not the framework\'s, or no valid role, change nothing', async () => {
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

  test('KILL naming another agent than the task\'s kills nothing', async () => {
    const { framework, agent, messages } = await withTask();
    assert.equal(framework.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: 'some-other-agent' } } }), 202);
    assert.equal(messages.filter((m) => m.type === 'KILL_TASK').length, 0);
    framework.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: agent.id } } });
    assert.equal(messages.filter((m) => m.type === 'KILL_TASK').length, 1);
  });

  test('MESSAGE and SHUTDOWN to an agent the master does not know are accepted and go nowhere', async () => {
    const { framework, messages } = await withTask();
    const before = messages.length;
    assert.equal(framework.call('MESSAGE', { message: { agent_id: { value: 'unknown' }, executor_id: { value: 'e' }, data: 'aGk=' } }), 202);
    assert.equal(framework.call('SHUTDOWN', { shutdown: { agent_id: { value: 'unknown' }, executor_id: { value: 'e' } } }), 202);
    assert.equal(messages.length, before);
  });

  test('UNKNOWN is answered 501, as Mesos does', async () => {
    const { framework } = await withTask();
    assert.throws(
      () => framework.call('UNKNOWN'),
      (err: Error & { status?: number }) => err.status === 501 && err.message === '501 Not Implemented.',
    );
  });

  test('UPDATE_FRAMEWORK with another principal, user or checkpointing, or suppressing a foreign role, is a 400 with Mesos\'s text', async () => {
    const { framework } = await withTask();
    const info = framework.fw.info;
    const update = (changes: Partial<FrameworkInfo>, suppressed: string[] = []) => {
      try {
        return framework.call('UPDATE_FRAMEWORK', { update_framework: { framework_info: { ...info, ...changes }, suppressed_roles: suppressed } });
      } catch (err) {
        return `${(err as { status: number }).status} ${(err as Error).message}`;
      }
    };
    assert.equal(update({ principal: 'someone-else' }), "400 FrameworkInfo update is not valid: Changing framework's principal is not allowed.");
    assert.equal(update({ user: 'root' }), `400 FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from '${info.user}' to 'root'`);
    assert.equal(update({ checkpoint: true }), "400 FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from 'false' to 'true'");
    assert.equal(update({ role: 'a b' }), "400 Supplied FrameworkInfo is not valid: 'FrameworkInfo.role' is not a valid role: Role component 'a b' is invalid because it contains backspace or whitespace");
    assert.equal(update({}, ['other']), "400 'UpdateFramework' call is not valid: Suppressed roles { other } are not contained in the set of roles");
    assert.equal(update({ name: 'renamed' }), 200);
    assert.equal(framework.fw.info.name, 'renamed');
  });
});
