// A daemon's metrics as Prometheus metric families, for /metrics/prometheus. Pure.
//
// Names: `mesos_` followed by the Mesos name with every character outside [a-zA-Z0-9_] (the
// `/` separators, and `-`, `.`, `@` ... in principals) replaced by `_`, one `_` per character.
// Colons are left out too, since Prometheus reserves them for recording rules.
// Types: what the code keeps each metric as (metric-set.ts): Mesos Counters are `counter`,
// gauges `gauge`. Counter names keep Mesos's spelling, with no `_total` added.
// Timers: a `summary` under the timer's name, with its percentiles as `quantile` labels
// (`<t>/p99` -> `<t>{quantile="0.99"}`), `<t>/count` as `_count` and the sum of the samples as
// `_sum`; the last sample (Mesos's `<t>`) is the gauge `<t>_last`, `<t>/min` and `<t>/max`
// the gauges `<t>_min` and `<t>_max`.
// Collisions: several Mesos names may become one Prometheus name (`a/b` and `a_b`, or principals
// `x-y` and `x.y`). The metrics are taken in code-unit order of their Mesos names; the first keeps
// the name, each later one gets the first free of `_2`, `_3` ... A timer's families move together.
// HELP names the Mesos metric, so a renamed family can be told apart.
import { metricHelp } from './metric-help.ts';
import type { MetricSet } from './metric-set.ts';
import type { TimerReading } from './timer-stats.ts';

export type FamilyType = 'counter' | 'gauge' | 'summary';

export interface Sample {
  name: string;
  labels: Array<[string, string]>;
  value: number;
}

export interface Family {
  name: string;
  type: FamilyType;
  help: string;
  samples: Sample[];
}

/** A metric before its name is settled: `build` lays out its families under a base name. */
interface Candidate {
  mesosName: string;
  base: string;
  /** Every sample name the candidate writes under `base`. */
  names(base: string): string[];
  build(base: string): Family[];
}

export function prometheusName(mesosName: string): string {
  return `mesos_${mesosName.replace(/[^a-zA-Z0-9_]/gu, '_')}`;
}

export function prometheusFamilies(set: MetricSet): Family[] {
  const candidates = [
    ...Object.entries(set.counters).map(([n, v]) => single(n, v, 'counter')),
    ...Object.entries(set.gauges).map(([n, v]) => single(n, v, 'gauge')),
    ...set.timers.map(timerCandidate),
  ].sort((a, b) => (a.mesosName < b.mesosName ? -1 : a.mesosName > b.mesosName ? 1 : 0));
  const taken = new Set<string>();
  const out: Family[] = [];
  for (const c of candidates) {
    let base = c.base;
    for (let n = 2; c.names(base).some((name) => taken.has(name)); n++) base = `${c.base}_${n}`;
    for (const name of c.names(base)) taken.add(name);
    out.push(...c.build(base));
  }
  return out;
}

/** HELP: the description of `described` (with `note`) and the Mesos name `shown`, or that name alone. */
function help(described: string, note = '', shown = described): string {
  const description = metricHelp(described);
  return description === undefined ? `Mesos metric ${shown}` : `${description}${note} (Mesos: ${shown})`;
}

function single(mesosName: string, value: number, type: 'counter' | 'gauge'): Candidate {
  return {
    mesosName,
    base: prometheusName(mesosName),
    names: (base) => [base],
    build: (base) => [{ name: base, type, help: help(mesosName), samples: [{ name: base, labels: [], value }] }],
  };
}

const TIMER_GAUGES = ['last', 'min', 'max'] as const;

function timerCandidate(t: TimerReading): Candidate {
  const gauge = (base: string, which: (typeof TIMER_GAUGES)[number]): Family => {
    const name = `${base}_${which}`;
    const mesosName = which === 'last' ? t.name : `${t.name}/${which}`;
    const note = which === 'last' ? ': the last sample' : `: the ${which === 'min' ? 'smallest' : 'largest'} recent sample`;
    return { name, type: 'gauge', help: help(t.name, note, mesosName), samples: [{ name, labels: [], value: t[which] }] };
  };
  return {
    mesosName: t.name,
    base: prometheusName(t.name),
    names: (base) => [base, `${base}_sum`, `${base}_count`, ...TIMER_GAUGES.map((g) => `${base}_${g}`)],
    build: (base) => [
      {
        name: base,
        type: 'summary',
        help: help(t.name, '; quantiles of the recent samples, _count and _sum since start'),
        samples: [
          ...t.percentiles.map((p): Sample => ({ name: base, labels: [['quantile', String(p.q)]], value: p.value })),
          { name: `${base}_sum`, labels: [], value: t.sum },
          { name: `${base}_count`, labels: [], value: t.count },
        ],
      },
      ...TIMER_GAUGES.map((g) => gauge(base, g)),
    ],
  };
}
