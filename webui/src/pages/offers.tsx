// `#/offers`: the offers the master has outstanding, with their framework, agent and resources.
import { useMemo } from 'preact/hooks';
import { formatCpus, formatMB } from '../format.ts';
import { type OfferRow, agentHostnames, allOffers, scalarOf, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { Loading, PageTitle, RouteLink } from '../components/bits.tsx';
import { type Column, DataTable } from '../components/table.tsx';

function offerColumns(agents: Map<string, string>): Column<OfferRow>[] {
  const scalar = (id: string, title: string, fmt: (n: number) => string): Column<OfferRow> => ({
    id,
    title,
    numeric: true,
    searchable: false,
    value: (r) => scalarOf(r.offer.resources, id),
    render: (r) => fmt(scalarOf(r.offer.resources, id)),
  });
  return [
    { id: 'id', title: 'Offer', value: (r) => text(r.offer.id) },
    {
      id: 'framework',
      title: 'Framework',
      value: (r) => r.frameworkName,
      render: (r) => (
        <RouteLink to={{ page: 'framework', frameworkId: r.offer.framework_id }}>{r.frameworkName || text(r.offer.framework_id)}</RouteLink>
      ),
    },
    {
      id: 'agent',
      title: 'Agent',
      value: (r) => agents.get(r.offer.slave_id) ?? r.offer.slave_id,
      render: (r) => (
        <RouteLink to={{ page: 'agent', agentId: r.offer.slave_id }}>{agents.get(r.offer.slave_id) ?? text(r.offer.slave_id)}</RouteLink>
      ),
    },
    { id: 'role', title: 'Role', value: (r) => text(r.offer.allocation_info?.role) },
    scalar('cpus', 'CPUs', formatCpus),
    scalar('gpus', 'GPUs', formatCpus),
    scalar('mem', 'Mem', formatMB),
    scalar('disk', 'Disk', formatMB),
    { id: 'ports', title: 'Ports', value: (r) => text(r.offer.resources?.ports) },
  ];
}

export function OfferTable(props: { id: string; rows: readonly OfferRow[]; agents: Map<string, string> }) {
  const columns = useMemo(() => offerColumns(props.agents), [props.agents]);
  return (
    <DataTable
      id={props.id}
      rows={props.rows}
      columns={columns}
      rowKey={(r) => r.offer.id}
      noun="offers"
      emptyText="No outstanding offers."
    />
  );
}

export function OffersPage() {
  const { state } = useMaster();
  const rows = useMemo(() => (state ? allOffers(state) : []), [state]);
  const agents = useMemo(() => (state ? agentHostnames(state) : new Map<string, string>()), [state]);
  if (!state) return <Loading what="offers" />;
  return (
    <div class="page offers">
      <PageTitle sub="Resources the master has offered to frameworks and that they have neither accepted nor declined yet.">
        Offers
      </PageTitle>
      <OfferTable id="offers" rows={rows} agents={agents} />
    </div>
  );
}
