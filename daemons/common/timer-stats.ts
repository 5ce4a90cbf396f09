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

export class TimerStats {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  private last: number | undefined;
  private total = 0;

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
  }

  /** Samples recorded since start. */
  get count(): number {
    return this.total;
  }

  /** The snapshot entries: nothing before the first sample, as libprocess. */
  snapshot(): Record<string, number> {
    if (this.last === undefined) return {};
    const sorted = this.ring.slice(0, this.filled).sort();
    const out: Record<string, number> = {
      [this.name]: this.last,
      [`${this.name}/count`]: this.total,
      [`${this.name}/min`]: sorted[0]!,
      [`${this.name}/max`]: sorted[sorted.length - 1]!,
    };
    for (const [suffix, q] of PERCENTILES) out[`${this.name}/${suffix}`] = quantile(sorted, q);
    return out;
  }
}

/** Linear interpolation between the closest ranks of a sorted sample. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
