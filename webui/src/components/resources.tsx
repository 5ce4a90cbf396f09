// Resource tables: cpus, gpus, mem and disk down the side, total/used/offered/idle across.
import { formatCpus, formatMB } from '../format.ts';
import { type ClusterResources, type ResourceValues, SCALARS, type Scalar, scalarOf, text } from '../model.ts';

const LABELS: Record<Scalar, string> = { cpus: 'CPUs', gpus: 'GPUs', mem: 'Memory', disk: 'Disk' };

export function formatScalar(name: string, value: number): string {
  return name === 'mem' || name === 'disk' ? formatMB(value) : formatCpus(value);
}

export function ResourceBreakdown(props: { resources: ClusterResources; id: string }) {
  const r = props.resources;
  return (
    <table class="resources" data-resources={props.id}>
      <thead>
        <tr>
          <th />
          <th class="num">Total</th>
          <th class="num">Used</th>
          <th class="num">Offered</th>
          <th class="num">Idle</th>
        </tr>
      </thead>
      <tbody>
        {SCALARS.map((s) => (
          <tr key={s} data-resource={s}>
            <th scope="row">{LABELS[s]}</th>
            <td class="num">{formatScalar(s, r.total[s])}</td>
            <td class="num">{formatScalar(s, r.used[s])}</td>
            <td class="num">{formatScalar(s, r.offered[s])}</td>
            <td class="num">{formatScalar(s, r.idle[s])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One resources object as "cpus 1 · mem 128 MB · ports [31000-31005]". */
export function ResourceList(props: { resources: ResourceValues | undefined }) {
  const res: ResourceValues = props.resources ?? {};
  const parts: string[] = [];
  for (const s of SCALARS) if (scalarOf(res, s) > 0) parts.push(`${s} ${formatScalar(s, scalarOf(res, s))}`);
  for (const [k, v] of Object.entries(res)) {
    if ((SCALARS as readonly string[]).includes(k) || v === undefined || v === 0) continue;
    parts.push(`${k} ${typeof v === 'number' ? formatCpus(v) : text(v)}`);
  }
  return <span class="resource-list">{parts.length ? parts.join(' · ') : '—'}</span>;
}
