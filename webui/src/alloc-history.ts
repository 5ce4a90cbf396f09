// The overview's allocation chart, as data: one sample per metrics poll of how much of the
// cluster's CPUs and memory is allocated, kept for an hour in a ring buffer in the page, and
// turned into polyline points (downsampled to the chart's width, broken where the master did
// not answer) and a time axis.
import type { MetricsJson } from '../../daemons/common/state-types.ts';

export const HISTORY_MS = 60 * 60 * 1000;

/** Allocated over total, 0..1; undefined when the cluster has none of it (or the master did not answer). */
export interface AllocSample {
  /** Browser clock, ms. */
  t: number;
  cpus?: number;
  mem?: number;
}

/** The sample a metrics snapshot gives, or undefined when it lacks the four gauges. */
export function sampleFromMetrics(t: number, metrics: MetricsJson): AllocSample | undefined {
  const cpusUsed = metrics['master/cpus_used'];
  const cpusTotal = metrics['master/cpus_total'];
  const memUsed = metrics['master/mem_used'];
  const memTotal = metrics['master/mem_total'];
  if (cpusUsed === undefined || cpusTotal === undefined || memUsed === undefined || memTotal === undefined) return undefined;
  const sample: AllocSample = { t };
  if (cpusTotal > 0) sample.cpus = Math.min(1, cpusUsed / cpusTotal);
  if (memTotal > 0) sample.mem = Math.min(1, memUsed / memTotal);
  return sample;
}

/**
 * The last hour of samples, oldest first. A fixed array used as a ring, so a page left open for
 * days holds at most `capacity` samples (one a second for an hour by default).
 */
export class AllocHistory {
  private readonly ring: (AllocSample | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 3_600) {
    this.ring = new Array<AllocSample | undefined>(capacity);
  }

  /** Adds a sample; a sample without values marks the master as unreachable at `t`. */
  push(sample: AllocSample): void {
    this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The samples newer than `now - HISTORY_MS`, oldest first. */
  samples(now: number): AllocSample[] {
    const out: AllocSample[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) {
      const s = this.ring[(start + i) % this.capacity]!;
      if (s.t > now - HISTORY_MS) out.push(s);
    }
    return out;
  }
}

export interface ChartBox {
  width: number;
  height: number;
  /** Samples further apart than this are not joined (the page was asleep or the poll stalled). */
  maxGapMs: number;
}

/**
 * The polylines of one series over the last hour ending at `now`: x from 0 (an hour ago) to
 * `width` (now), y from `height` (0 %) to 0 (100 %). Samples are averaged per pixel column; a
 * column with an unreachable sample, or a jump longer than `maxGapMs`, breaks the line.
 */
export function seriesLines(samples: readonly AllocSample[], key: 'cpus' | 'mem', now: number, box: ChartBox): string[] {
  const start = now - HISTORY_MS;
  const columns = Math.max(1, Math.floor(box.width));
  const lines: string[] = [];
  let line: string[] = [];
  let column = -1;
  let sum = 0;
  let count = 0;
  let lastT: number | undefined;
  const flushColumn = () => {
    if (count === 0) return;
    const x = ((column + 0.5) / columns) * box.width;
    const y = box.height * (1 - sum / count);
    line.push(`${round(x)},${round(y)}`);
    count = 0;
    sum = 0;
  };
  const breakLine = () => {
    flushColumn();
    if (line.length > 0) lines.push(line.join(' '));
    line = [];
  };
  for (const s of samples) {
    if (s.t <= start || s.t > now) continue;
    const value = s[key];
    if (lastT !== undefined && s.t - lastT > box.maxGapMs) breakLine();
    lastT = s.t;
    if (value === undefined) {
      breakLine();
      continue;
    }
    const c = Math.min(columns - 1, Math.floor(((s.t - start) / HISTORY_MS) * columns));
    if (c !== column) {
      flushColumn();
      column = c;
    }
    sum += value;
    count++;
  }
  breakLine();
  // A lone point draws nothing as a polyline: give it the width of its column.
  return lines.map((l) => (l.includes(' ') ? l : widen(l, box.width / columns)));
}

function widen(point: string, w: number): string {
  const [x, y] = point.split(',').map(Number) as [number, number];
  return `${round(x - w / 2)},${y} ${round(x + w / 2)},${y}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The time axis: a tick every 15 minutes, labelled by how long ago, as a fraction of the width. */
export function timeTicks(): { at: number; label: string }[] {
  return [60, 45, 30, 15, 0].map((min) => ({ at: 1 - min / 60, label: min === 0 ? 'now' : `−${min} min` }));
}
