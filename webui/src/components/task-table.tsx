// The task table used by the Tasks, Framework, Agent and Overview pages, with a state selector
// beside the filter box and a link to each task's sandbox.
import { useMemo, useState } from 'preact/hooks';
import { formatCpus, formatMB, shortState } from '../format.ts';
import { TASK_STATES, type TaskRow, isTerminal, scalarOf, taskStarted, taskUpdated, text } from '../model.ts';
import { RouteLink, StateBadge, Time } from './bits.tsx';
import { type Column, DataTable } from './table.tsx';

export interface TaskTableProps {
  id: string;
  rows: readonly TaskRow[];
  /** Agent id -> hostname; the Agent column is shown when given. */
  agents?: Map<string, string>;
  showFramework?: boolean;
  /** Offer the state selector (the full task list); pages showing one category leave it out. */
  stateFilter?: boolean;
  emptyText?: string;
}

type StateChoice = 'all' | 'active' | 'completed' | string;

function matchesState(row: TaskRow, choice: StateChoice): boolean {
  if (choice === 'all') return true;
  if (choice === 'active') return !isTerminal(row.task.state);
  if (choice === 'completed') return isTerminal(row.task.state);
  return row.task.state === choice;
}

export function TaskTable(props: TaskTableProps) {
  const { rows, agents, showFramework } = props;
  const [choice, setChoice] = useState<StateChoice>('all');
  const selected = useMemo(() => (choice === 'all' ? rows : rows.filter((r) => matchesState(r, choice))), [rows, choice]);

  const columns = useMemo(() => {
    const cols: Column<TaskRow>[] = [
      {
        id: 'id',
        title: 'ID',
        value: (r) => r.task.id,
        render: (r) => <RouteLink to={{ page: 'task', frameworkId: r.frameworkId, taskId: r.task.id }}>{text(r.task.id)}</RouteLink>,
      },
      { id: 'name', title: 'Name', value: (r) => text(r.task.name) },
      { id: 'state', title: 'State', value: (r) => r.task.state, render: (r) => <StateBadge state={r.task.state} /> },
    ];
    if (showFramework) {
      cols.push({
        id: 'framework',
        title: 'Framework',
        value: (r) => r.frameworkName,
        render: (r) => <RouteLink to={{ page: 'framework', frameworkId: r.frameworkId }}>{r.frameworkName || r.frameworkId}</RouteLink>,
      });
    }
    if (agents) {
      cols.push({
        id: 'agent',
        title: 'Agent',
        value: (r) => agents.get(r.task.slave_id) ?? r.task.slave_id,
        render: (r) => (
          <RouteLink to={{ page: 'agent', agentId: r.task.slave_id }}>{agents.get(r.task.slave_id) ?? text(r.task.slave_id)}</RouteLink>
        ),
      });
    }
    cols.push(
      {
        id: 'started',
        title: 'Started',
        value: (r) => taskStarted(r.task),
        render: (r) => <Time secs={taskStarted(r.task)} />,
        searchable: false,
      },
      {
        id: 'updated',
        title: 'Updated',
        value: (r) => taskUpdated(r.task),
        render: (r) => <Time secs={taskUpdated(r.task)} />,
        searchable: false,
      },
      {
        id: 'cpus',
        title: 'CPUs',
        numeric: true,
        searchable: false,
        value: (r) => scalarOf(r.task.resources, 'cpus'),
        render: (r) => formatCpus(scalarOf(r.task.resources, 'cpus')),
      },
      {
        id: 'mem',
        title: 'Mem',
        numeric: true,
        searchable: false,
        value: (r) => scalarOf(r.task.resources, 'mem'),
        render: (r) => formatMB(scalarOf(r.task.resources, 'mem')),
      },
      {
        id: 'sandbox',
        title: 'Sandbox',
        sortable: false,
        searchable: false,
        value: () => undefined,
        render: (r) =>
          r.task.slave_id ? (
            <RouteLink
              class="sandbox-link"
              to={{
                page: 'sandbox',
                agentId: r.task.slave_id,
                frameworkId: r.frameworkId,
                executorId: r.task.executor_id || undefined,
                taskId: r.task.id,
              }}
            >
              Sandbox
            </RouteLink>
          ) : null,
      },
    );
    return cols;
  }, [agents, showFramework]);

  const toolbar = props.stateFilter ? (
    <label class="state-filter">
      State{' '}
      <select value={choice} onChange={(e) => setChoice(e.currentTarget.value)} aria-label="Task state">
        <option value="all">All</option>
        <option value="active">Active</option>
        <option value="completed">Completed</option>
        {TASK_STATES.map((s) => (
          <option key={s} value={s}>
            {shortState(s)}
          </option>
        ))}
      </select>
    </label>
  ) : undefined;

  return (
    <DataTable
      id={props.id}
      rows={selected}
      columns={columns}
      rowKey={(r) => `${r.frameworkId}\u0000${r.task.id}\u0000${r.category}\u0000${taskStarted(r.task) ?? ''}`}
      defaultSort={{ column: 'started', dir: 'desc' }}
      noun="tasks"
      emptyText={props.emptyText ?? 'No tasks.'}
      toolbar={toolbar}
    />
  );
}
