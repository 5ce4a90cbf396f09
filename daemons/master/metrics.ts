// The master's metrics (/metrics/snapshot, /metrics/prometheus), with Mesos's names and kinds.
import { systemMetrics } from '../common/system-metrics.ts';
import { scalarTotals } from '../common/resources.ts';
import type { TaskState } from '../common/mesos.ts';
import { type MetricSet, snapshotJson } from '../common/metric-set.ts';
import type { MetricsJson } from '../common/state-types.ts';
import type { Master } from './master.ts';

const GAUGE_STATES = ['staging', 'starting', 'running', 'killing', 'unreachable'];
const COUNTER_STATES: Array<[string, TaskState]> = [
  ['finished', 'TASK_FINISHED'],
  ['failed', 'TASK_FAILED'],
  ['killed', 'TASK_KILLED'],
  ['lost', 'TASK_LOST'],
  ['error', 'TASK_ERROR'],
  ['dropped', 'TASK_DROPPED'],
  ['gone', 'TASK_GONE'],
  ['gone_by_operator', 'TASK_GONE_BY_OPERATOR'],
];

/** The master's metrics, typed as Mesos's master/metrics.hpp and allocator metrics register them. */
export function masterMetricSet(master: Master): MetricSet {
  const agents = [...master.agents.values()];
  const frameworks = [...master.frameworks.values()];
  const gauges: Record<string, number> = {
    'master/uptime_secs': (Date.now() - master.startTime) / 1000,
    'master/elected': 1,
    'master/slaves_active': agents.filter((a) => a.active).length,
    'master/slaves_inactive': agents.filter((a) => !a.active).length,
    'master/slaves_connected': agents.filter((a) => a.link !== undefined).length,
    'master/slaves_disconnected': agents.filter((a) => a.link === undefined).length,
    'master/slaves_unreachable': master.unreachableAgents.size,
    'master/frameworks_active': frameworks.filter((f) => f.active).length,
    'master/frameworks_inactive': frameworks.filter((f) => !f.active).length,
    'master/frameworks_connected': frameworks.filter((f) => f.connected).length,
    'master/frameworks_disconnected': frameworks.filter((f) => !f.connected).length,
    'master/outstanding_offers': master.offers.size,
    'master/operator_event_stream_subscribers': master.operatorEvents.size,
  };
  const counters: Record<string, number> = {
    'master/valid_status_updates': master.counters.validStatusUpdates,
    'master/invalid_status_updates': master.counters.invalidStatusUpdates,
    'master/messages_launch_tasks': master.counters.tasksLaunched,
    'allocator/mesos/allocation_runs': master.offerBook.allocationRun.count,
    ...master.rateLimits.metrics(),
  };
  const active = master.activeTaskCounts();
  for (const s of GAUGE_STATES) gauges[`master/tasks_${s}`] = active.get(s) ?? 0;
  for (const [name, state] of COUNTER_STATES) counters[`master/tasks_${name}`] = master.terminalCount(state);
  const names = ['cpus', 'mem', 'disk', 'gpus'];
  const totals = scalarTotals(
    agents.map((a) => a.resources),
    names,
  );
  const used = scalarTotals(
    agents.map((a) => master.agentUsed(a)),
    names,
  );
  for (const [i, r] of names.entries()) {
    const t = totals[i]!;
    const u = used[i]!;
    gauges[`master/${r}_total`] = t;
    gauges[`master/${r}_used`] = u;
    gauges[`master/${r}_percent`] = t > 0 ? u / t : 0;
  }
  const timers = [master.offerBook.allocationRun.reading(), master.offerBook.allocationRunLatency.reading()];
  return { counters, gauges: { ...gauges, ...systemMetrics() }, timers: timers.filter((t) => t !== undefined) };
}

export function masterMetrics(master: Master): MetricsJson {
  return snapshotJson(masterMetricSet(master));
}

/** The metrics of a master that does not lead: it is up, and not elected. */
export function followerMetricSet(startTime: number): MetricSet {
  return {
    counters: {},
    gauges: { 'master/uptime_secs': (Date.now() - startTime) / 1000, 'master/elected': 0, ...systemMetrics() },
    timers: [],
  };
}
