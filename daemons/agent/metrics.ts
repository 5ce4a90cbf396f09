// The agent's metrics (/metrics/snapshot, /metrics/prometheus), with Mesos's names and the kinds
// slave/metrics.hpp registers them as: task terminal states and status updates are counters.
import type { Resource, TaskState } from '../common/mesos.ts';
import type { MetricSet } from '../common/metric-set.ts';
import { scalar } from '../common/resources.ts';
import { systemMetrics } from '../common/system-metrics.ts';
import type { Agent } from './agent.ts';

const ACTIVE_STATES: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];
const TERMINAL_STATES: TaskState[] = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_GONE'];

/** `TASK_RUNNING` -> `slave/tasks_running`. */
const metricOf = (state: TaskState) => `slave/tasks_${state.slice('TASK_'.length).toLowerCase()}`;

export function agentMetricSet(a: Agent): MetricSet {
  const active = a.activeTaskCounts();
  let executors = 0;
  let used: Resource[] = [];
  for (const fw of a.frameworks.values()) {
    executors += fw.executors.size;
    for (const ex of fw.executors.values()) for (const t of ex.tasks.values()) if (t.running) used = used.concat(t.info.resources ?? []);
  }
  const gauges: Record<string, number> = {
    'slave/uptime_secs': (Date.now() - a.startTime) / 1000,
    'slave/registered': a.id && a.masterHostname !== undefined ? 1 : 0,
    'slave/executors_running': executors,
    'slave/frameworks_active': a.frameworks.size,
  };
  const counters: Record<string, number> = { 'slave/valid_status_updates': a.counters.validStatusUpdates };
  for (const s of ACTIVE_STATES) gauges[metricOf(s)] = active.get(s) ?? 0;
  for (const s of TERMINAL_STATES) counters[metricOf(s)] = a.counters.terminal.get(s) ?? 0;
  for (const r of ['cpus', 'mem', 'disk', 'gpus']) {
    const total = scalar(a.config.resources, r);
    const u = scalar(used, r);
    gauges[`slave/${r}_total`] = total;
    gauges[`slave/${r}_used`] = u;
    gauges[`slave/${r}_percent`] = total > 0 ? u / total : 0;
  }
  return { counters, gauges: { ...gauges, ...systemMetrics() }, timers: [] };
}
