// The overview's live chart: the share of the cluster's CPUs and memory allocated over the last
// hour, as two SVG polylines (no chart library), with today's numbers beside it as text.
import { type AllocHistory, seriesLines, timeTicks } from '../alloc-history.ts';
import { formatCpus, formatMB } from '../format.ts';
import type { MetricsJson } from '../../../daemons/common/state-types.ts';
import { MASTER_POLL_MS } from '../master-store.tsx';

const W = 600;
const H = 120;
/** A poll that takes longer than this (a hidden tab, a stalled master) shows as a gap. */
const MAX_GAP_MS = 15 * MASTER_POLL_MS;

function percent(used: number | undefined, total: number | undefined): string {
  return used !== undefined && total ? `${Math.round((100 * used) / total)} %` : '—';
}

export function AllocChart(props: { history: AllocHistory; metrics: MetricsJson | undefined; now: number }) {
  const samples = props.history.samples(props.now);
  const box = { width: W, height: H, maxGapMs: MAX_GAP_MS };
  const m = props.metrics ?? {};
  const series = [
    {
      key: 'cpus' as const,
      label: 'CPUs',
      value: `${formatCpus(m['master/cpus_used'] ?? 0)} of ${formatCpus(m['master/cpus_total'] ?? 0)}`,
      share: percent(m['master/cpus_used'], m['master/cpus_total']),
    },
    {
      key: 'mem' as const,
      label: 'Memory',
      value: `${formatMB(m['master/mem_used'] ?? 0)} of ${formatMB(m['master/mem_total'] ?? 0)}`,
      share: percent(m['master/mem_used'], m['master/mem_total']),
    },
  ];
  return (
    <figure class="alloc-chart" data-chart="allocation">
      <ul class="alloc-legend">
        {series.map((s) => (
          <li key={s.key} class={`alloc-${s.key}`} data-alloc={s.key}>
            <span class="swatch" />
            {s.label} <strong>{s.share}</strong> <span class="muted">{s.value}</span>
          </li>
        ))}
      </ul>
      <svg viewBox={`0 -3 ${W} ${H + 6}`} preserveAspectRatio="none" role="img" aria-label="CPUs and memory allocated, last hour">
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} class="grid" x1="0" x2={W} y1={H * f} y2={H * f} vector-effect="non-scaling-stroke" />
        ))}
        {series.map((s) =>
          seriesLines(samples, s.key, props.now, box).map((points, i) => (
            <polyline key={`${s.key}${i}`} class={`line alloc-${s.key}`} points={points} vector-effect="non-scaling-stroke" />
          )),
        )}
      </svg>
      <div class="alloc-axis">
        {timeTicks().map((t) => (
          <span key={t.label}>{t.label}</span>
        ))}
      </div>
      <figcaption class="muted">Allocated share of the cluster, 0–100 %, sampled every second while this page is open.</figcaption>
    </figure>
  );
}
