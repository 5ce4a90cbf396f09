// The agent's metrics, typed as Mesos's slave/metrics.hpp registers them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentMetricSet } from '../../daemons/agent/metrics.ts';
import { metricHelp } from '../../daemons/common/metric-help.ts';
import type { FrameworkInfo } from '../../daemons/common/mesos.ts';
import { agentHarness } from './agent-harness.ts';

const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'nobody' };

test('the agent counts finished tasks with counters and keeps the rest as gauges', async () => {
  const h = agentHarness({}, undefined, { autoAck: true });
  await h.agent.runTask(FW, {
    name: 't1',
    task_id: { value: 't1' },
    agent_id: { value: 'agent-1' },
    command: { value: 'true' },
    resources: [],
  });
  const running = agentMetricSet(h.agent);
  assert.equal(running.gauges['slave/tasks_running'], 1);
  assert.equal(running.gauges['slave/executors_running'], 1);
  h.agent.containerExited(h.agent.findTask('fw-1', 't1')!.containerId, { code: 0, signal: null, at: Date.now() });
  const set = agentMetricSet(h.agent);
  const counters = ['finished', 'failed', 'killed', 'lost', 'gone'].map((s) => `slave/tasks_${s}`).concat('slave/valid_status_updates');
  assert.deepEqual(Object.keys(set.counters).sort(), counters.sort());
  assert.equal(set.counters['slave/tasks_finished'], 1);
  assert.equal(set.gauges['slave/tasks_running'], 0);
  for (const g of ['slave/uptime_secs', 'slave/registered', 'slave/frameworks_active', 'slave/cpus_total', 'system/load_1min']) {
    assert.equal(typeof set.gauges[g], 'number', g);
  }
  assert.deepEqual(set.timers, []);
  for (const name of [...Object.keys(set.counters), ...Object.keys(set.gauges)]) {
    assert.notEqual(metricHelp(name), undefined, `${name} has a # HELP description`);
  }
});
