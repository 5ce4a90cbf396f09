// A libprocess-style timer for /metrics/snapshot: the last value plus count, min, max and
// percentiles over a window of recent samples. Mesos keeps a time window; a fixed ring of the
// last samples bounds memory the same way and costs O(1) per sample.

/** The percentile suffixes libprocess publishes for a timer, and their fractions. */
const PERCENTILES: Array<[string, number]> = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p95', 0.95],
  ['p99', 0.99],
  ['p999', 0.999],
  ['p9999', 0.9999],
];

/** A timer read at one moment; /metrics/snapshot and /metrics/prometheus both render it. */
export interface TimerReading {
  /** The metric name, e.g. `allocator/mesos/allocation_run_ms`. */
  name: string;
  last: number;
  /** Samples since start. */
  count: number;
  /** Sum of the samples since start: libprocess publishes none, Prometheus summaries need it. */
  sum: number;
  /** Smallest and largest sample of the window. */
  min: number;
  max: number;
  /** Percentiles of the window: `p50` is q = 0.5. */
  percentiles: Array<{ suffix: string; q: number; value: number }>;
}

export class TimerStats {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  private last: number | undefined;
  private total = 0;
  private sum = 0;

  constructor(
    /** The metric name, e.g. `allocator/mesos/allocation_run_ms`. */
    readonly name: string,
    capacity = 4096,
  ) {
    this.ring = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
    this.last = ms;
    this.total++;
    this.sum += ms;
  }

  /** Samples recorded since start. */
  get count(): number {
    return this.total;
  }

  /** The timer now; undefined before the first sample, which libprocess does not publish either. */
  reading(): TimerReading | undefined {
    if (this.last === undefined) return undefined;
    const sorted = this.ring.slice(0, this.filled).sort();
    return {
      name: this.name,
      last: this.last,
      count: this.total,
      sum: this.sum,
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      percentiles: PERCENTILES.map(([suffix, q]) => ({ suffix, q, value: quantile(sorted, q) })),
    };
  }

  /** The snapshot entries: nothing before the first sample, as libprocess. */
  snapshot(): Record<string, number> {
    const r = this.reading();
    return r === undefined ? {} : timerEntries(r);
  }
}

/** A reading under libprocess's /metrics/snapshot names (`<name>`, `<name>/count`, `<name>/p50` ...). */
export function timerEntries(r: TimerReading): Record<string, number> {
  const out: Record<string, number> = {
    [r.name]: r.last,
    [`${r.name}/count`]: r.count,
    [`${r.name}/min`]: r.min,
    [`${r.name}/max`]: r.max,
  };
  for (const p of r.percentiles) out[`${r.name}/${p.suffix}`] = p.value;
  return out;
}

/** Linear interpolation between the closest ranks of a sorted sample. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
