// /metrics/snapshot of the master, with Mesos's metric names.
import { systemMetrics } from '../common/system-metrics.ts';
import { scalarTotals } from '../common/resources.ts';
import type { TaskState } from '../common/mesos.ts';
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

export function masterMetrics(master: Master): MetricsJson {
  const agents = [...master.agents.values()];
  const frameworks = [...master.frameworks.values()];
  const m: Record<string, number> = {
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
    'master/valid_status_updates': master.counters.validStatusUpdates,
    'master/invalid_status_updates': master.counters.invalidStatusUpdates,
    'master/messages_launch_tasks': master.counters.tasksLaunched,
  };
  const active = master.activeTaskCounts();
  for (const s of GAUGE_STATES) m[`master/tasks_${s}`] = active.get(s) ?? 0;
  for (const [name, state] of COUNTER_STATES) m[`master/tasks_${name}`] = master.terminalCount(state);
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
    m[`master/${r}_total`] = t;
    m[`master/${r}_used`] = u;
    m[`master/${r}_percent`] = t > 0 ? u / t : 0;
  }
  m['allocator/mesos/allocation_runs'] = master.offerBook.allocationRun.count;
  return {
    ...m,
    ...master.rateLimits.metrics(),
    ...master.offerBook.allocationRun.snapshot(),
    ...master.offerBook.allocationRunLatency.snapshot(),
    ...systemMetrics(),
  };
}

/** /metrics/snapshot of a master that does not lead: it is up, and not elected. */
export function followerMetrics(startTime: number): MetricsJson {
  return {
    'master/uptime_secs': (Date.now() - startTime) / 1000,
    'master/elected': 0,
    ...systemMetrics(),
  };
}
