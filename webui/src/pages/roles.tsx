// `#/roles`: /master/roles, polled while the page is open: weight, frameworks and what each
// role is allocated, offered and has reserved.
import { loadRoles } from '../api.ts';
import { formatCpus, formatMB } from '../format.ts';
import { scalarOf, text } from '../model.ts';
import { usePoll } from '../poll.ts';
import type { RoleJson } from '../../../daemons/common/state-types.ts';
import { ErrorNote, Loading, PageTitle } from '../components/bits.tsx';
import { ResourceList } from '../components/resources.tsx';
import { type Column, DataTable } from '../components/table.tsx';

function scalar(
  id: string,
  title: string,
  pick: (r: RoleJson) => RoleJson['allocated'],
  name: string,
  fmt: (n: number) => string,
): Column<RoleJson> {
  return {
    id,
    title,
    numeric: true,
    searchable: false,
    value: (r) => scalarOf(pick(r), name),
    render: (r) => fmt(scalarOf(pick(r), name)),
  };
}

const COLUMNS: Column<RoleJson>[] = [
  { id: 'name', title: 'Role', value: (r) => text(r.name) },
  { id: 'weight', title: 'Weight', numeric: true, searchable: false, value: (r) => r.weight ?? 1 },
  { id: 'frameworks', title: 'Frameworks', numeric: true, searchable: false, value: (r) => r.frameworks?.length ?? 0 },
  scalar('alloc_cpus', 'Allocated CPUs', (r) => r.allocated, 'cpus', formatCpus),
  scalar('alloc_gpus', 'Allocated GPUs', (r) => r.allocated, 'gpus', formatCpus),
  scalar('alloc_mem', 'Allocated mem', (r) => r.allocated, 'mem', formatMB),
  scalar('alloc_disk', 'Allocated disk', (r) => r.allocated, 'disk', formatMB),
  {
    id: 'offered',
    title: 'Offered',
    searchable: false,
    value: (r) => scalarOf(r.offered, 'cpus'),
    render: (r) => <ResourceList resources={r.offered} />,
  },
  {
    id: 'reserved',
    title: 'Reserved',
    searchable: false,
    value: (r) => scalarOf(r.reserved, 'cpus'),
    render: (r) => <ResourceList resources={r.reserved} />,
  },
];

export function RolesPage() {
  const poll = usePoll('roles', loadRoles, { intervalMs: 1_000 });
  return (
    <div class="page roles">
      <PageTitle sub="Roles with frameworks, allocations or weights.">Roles</PageTitle>
      {poll.error && <ErrorNote>Cannot read the roles: {poll.error}</ErrorNote>}
      {poll.data ? (
        <DataTable
          id="roles"
          rows={poll.data.roles ?? []}
          columns={COLUMNS}
          rowKey={(r) => r.name}
          defaultSort={{ column: 'name', dir: 'asc' }}
          noun="roles"
          emptyText="No roles are in use."
        />
      ) : (
        !poll.error && <Loading what="roles" />
      )}
    </div>
  );
}
