// `#/agents` (also `#/slaves`): every registered agent with its status and resources.
import { useMemo } from 'preact/hooks';
import { formatCpus, formatMB } from '../format.ts';
import { type AgentStatus, agentStatus, scalarOf, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import type { AgentJson } from '../../../daemons/common/state-types.ts';
import { Loading, PageTitle, RouteLink, Time } from '../components/bits.tsx';
import { type Column, DataTable } from '../components/table.tsx';

const STATUS_CLASS: Record<AgentStatus, string> = { Active: 'ok', Deactivated: 'bad' };

function scalarColumn(id: string, title: string, pick: (a: AgentJson) => number, fmt: (n: number) => string): Column<AgentJson> {
  return { id, title, numeric: true, searchable: false, value: pick, render: (a) => fmt(pick(a)) };
}

const COLUMNS: Column<AgentJson>[] = [
  {
    id: 'id',
    title: 'ID',
    value: (a) => a.id,
    render: (a) => <RouteLink to={{ page: 'agent', agentId: a.id }}>{text(a.id)}</RouteLink>,
  },
  {
    id: 'hostname',
    title: 'Host',
    value: (a) => text(a.hostname),
    render: (a) => <RouteLink to={{ page: 'agent', agentId: a.id }}>{text(a.hostname)}</RouteLink>,
  },
  { id: 'pid', title: 'PID', value: (a) => text(a.pid) },
  {
    id: 'status',
    title: 'Status',
    value: (a) => agentStatus(a),
    render: (a) => <span class={`badge badge-${STATUS_CLASS[agentStatus(a)]}`}>{agentStatus(a)}</span>,
  },
  scalarColumn('cpus', 'CPUs', (a) => scalarOf(a.resources, 'cpus'), formatCpus),
  scalarColumn('cpus_used', 'CPUs used', (a) => scalarOf(a.used_resources, 'cpus'), formatCpus),
  scalarColumn('gpus', 'GPUs', (a) => scalarOf(a.resources, 'gpus'), formatCpus),
  scalarColumn('mem', 'Mem', (a) => scalarOf(a.resources, 'mem'), formatMB),
  scalarColumn('mem_used', 'Mem used', (a) => scalarOf(a.used_resources, 'mem'), formatMB),
  scalarColumn('disk', 'Disk', (a) => scalarOf(a.resources, 'disk'), formatMB),
  {
    id: 'registered',
    title: 'Registered',
    value: (a) => a.registered_time,
    searchable: false,
    render: (a) => <Time secs={a.registered_time} />,
  },
  { id: 'version', title: 'Version', value: (a) => text(a.version) },
];

export function AgentsPage() {
  const { state } = useMaster();
  const agents = useMemo(() => state?.slaves ?? [], [state]);
  if (!state) return <Loading what="agents" />;
  return (
    <div class="page agents">
      <PageTitle sub="Also known as slaves in Mesos before 1.0.">Agents</PageTitle>
      <DataTable
        id="agents"
        rows={agents}
        columns={COLUMNS}
        rowKey={(a) => a.id}
        defaultSort={{ column: 'hostname', dir: 'asc' }}
        noun="agents"
        emptyText="No agents are registered. Start one with `mesos agent --master=HOST:5050`."
      />
    </div>
  );
}
