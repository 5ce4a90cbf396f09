// `#/frameworks`: the active frameworks, then the completed ones (torn down or finished, like
// the `mesos-execute instance` of the guide's smoke test).
import { useMemo } from 'preact/hooks';
import { formatCpus, formatMB } from '../format.ts';
import { frameworkStatus, scalarOf, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import type { FrameworkJson } from '../../../daemons/common/state-types.ts';
import { Loading, PageTitle, RouteLink, Section, Time } from '../components/bits.tsx';
import { type Column, DataTable } from '../components/table.tsx';

export function rolesOf(fw: FrameworkJson): string {
  const roles = fw.roles?.length ? fw.roles : fw.role !== undefined ? [fw.role] : [];
  return roles.map(text).join(', ');
}

function columns(completed: boolean): Column<FrameworkJson>[] {
  const cols: Column<FrameworkJson>[] = [
    {
      id: 'id',
      title: 'ID',
      value: (f) => f.id,
      render: (f) => <RouteLink to={{ page: 'framework', frameworkId: f.id }}>{text(f.id)}</RouteLink>,
    },
    {
      id: 'name',
      title: 'Name',
      value: (f) => text(f.name),
      render: (f) => <RouteLink to={{ page: 'framework', frameworkId: f.id }}>{text(f.name)}</RouteLink>,
    },
    { id: 'user', title: 'User', value: (f) => text(f.user) },
    { id: 'roles', title: 'Roles', value: rolesOf },
    { id: 'principal', title: 'Principal', value: (f) => text(f.principal) },
    { id: 'status', title: 'Status', value: (f) => frameworkStatus(f, completed) },
    {
      id: 'tasks',
      title: completed ? 'Completed tasks' : 'Active tasks',
      numeric: true,
      searchable: false,
      value: (f) => (completed ? (f.completed_tasks?.length ?? 0) + (f.tasks?.length ?? 0) : (f.tasks?.length ?? 0)),
    },
  ];
  if (!completed) {
    cols.push(
      {
        id: 'cpus',
        title: 'CPUs',
        numeric: true,
        searchable: false,
        value: (f) => scalarOf(f.used_resources ?? f.resources, 'cpus'),
        render: (f) => formatCpus(scalarOf(f.used_resources ?? f.resources, 'cpus')),
      },
      {
        id: 'mem',
        title: 'Mem',
        numeric: true,
        searchable: false,
        value: (f) => scalarOf(f.used_resources ?? f.resources, 'mem'),
        render: (f) => formatMB(scalarOf(f.used_resources ?? f.resources, 'mem')),
      },
    );
  }
  cols.push({
    id: 'registered',
    title: 'Registered',
    searchable: false,
    value: (f) => f.registered_time,
    render: (f) => <Time secs={f.registered_time} />,
  });
  if (completed) {
    cols.push({
      id: 'unregistered',
      title: 'Unregistered',
      searchable: false,
      value: (f) => f.unregistered_time,
      render: (f) => <Time secs={f.unregistered_time} />,
    });
  }
  return cols;
}

const ACTIVE_COLUMNS = columns(false);
const COMPLETED_COLUMNS = columns(true);

export function FrameworksPage() {
  const { state } = useMaster();
  const active = useMemo(() => state?.frameworks ?? [], [state]);
  const completed = useMemo(() => state?.completed_frameworks ?? [], [state]);
  if (!state) return <Loading what="frameworks" />;
  return (
    <div class="page frameworks">
      <PageTitle>Frameworks</PageTitle>
      <Section title="Active frameworks">
        <DataTable
          id="active-frameworks"
          rows={active}
          columns={ACTIVE_COLUMNS}
          rowKey={(f) => f.id}
          defaultSort={{ column: 'registered', dir: 'desc' }}
          noun="frameworks"
          emptyText="No active frameworks."
        />
      </Section>
      <Section title="Completed frameworks">
        <DataTable
          id="completed-frameworks"
          rows={completed}
          columns={COMPLETED_COLUMNS}
          rowKey={(f) => f.id}
          defaultSort={{ column: 'unregistered', dir: 'desc' }}
          noun="frameworks"
          emptyText="No completed frameworks."
        />
      </Section>
    </div>
  );
}
