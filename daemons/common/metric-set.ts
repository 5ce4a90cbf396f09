// What a daemon's metrics are, with the kind its code keeps each one as: a counter (Mesos's
// Counter: only grows while the process lives), a gauge (PullGauge/PushGauge: a value now) or a
// timer (libprocess's Timer). /metrics/snapshot flattens this into Mesos's name -> value map;
// /metrics/prometheus needs the kinds for its `# TYPE` lines. Pure.
import type { MetricsJson } from './state-types.ts';
import { type TimerReading, timerEntries } from './timer-stats.ts';

export interface MetricSet {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  /** Timers with at least one sample (libprocess publishes nothing before the first). */
  timers: TimerReading[];
}

/** /metrics/snapshot's body. */
export function snapshotJson(set: MetricSet): MetricsJson {
  const out: MetricsJson = { ...set.gauges, ...set.counters };
  for (const t of set.timers) Object.assign(out, timerEntries(t));
  return out;
}
