// `#/frameworks/<id>/tasks/<task id>`: one task, its status history and its sandbox.
import { useMemo } from 'preact/hooks';
import { findAgent, findTask, taskStarted, taskUpdated, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import type { TaskStatusJson } from '../../../daemons/common/state-types.ts';
import { ErrorNote, KeyValues, Labels, Loading, PageTitle, RouteLink, Section, StateBadge, Time } from '../components/bits.tsx';
import { ResourceList } from '../components/resources.tsx';
import { type Column, DataTable } from '../components/table.tsx';

const STATUS_COLUMNS: Column<TaskStatusJson & { index: number }>[] = [
  { id: 'index', title: '#', numeric: true, searchable: false, value: (s) => s.index + 1 },
  { id: 'state', title: 'State', value: (s) => text(s.state), render: (s) => <StateBadge state={s.state} /> },
  { id: 'time', title: 'Time', searchable: false, value: (s) => s.timestamp, render: (s) => <Time secs={s.timestamp} /> },
  { id: 'healthy', title: 'Healthy', value: (s) => (s.healthy === undefined ? '' : s.healthy ? 'yes' : 'no') },
];

export function TaskPage(props: { frameworkId: string; taskId: string }) {
  const { state } = useMaster();
  const row = useMemo(
    () => (state ? findTask(state, props.frameworkId, props.taskId) : undefined),
    [state, props.frameworkId, props.taskId],
  );
  const statuses = useMemo(() => (row?.task.statuses ?? []).map((s, index) => ({ ...s, index })), [row]);
  if (!state) return <Loading what="the task" />;
  if (!row) {
    return (
      <div class="page">
        <PageTitle>Task {props.taskId}</PageTitle>
        <ErrorNote>
          The master does not know this task (completed tasks are forgotten after --max_completed_tasks_per_framework).{' '}
          <RouteLink to={{ page: 'framework', frameworkId: props.frameworkId }}>Its framework</RouteLink>
        </ErrorNote>
      </div>
    );
  }
  const t = row.task;
  const agent = findAgent(state, t.slave_id);
  return (
    <div class="page task">
      <PageTitle sub={`Task ${text(t.id)}`}>{text(t.name) || text(t.id)}</PageTitle>
      <div class="cards">
        <Section title="Task">
          <KeyValues
            id="task"
            items={[
              ['ID', text(t.id)],
              ['Name', text(t.name)],
              ['State', <StateBadge state={t.state} />],
              [
                'Framework',
                <RouteLink to={{ page: 'framework', frameworkId: row.frameworkId }}>{row.frameworkName || row.frameworkId}</RouteLink>,
              ],
              [
                'Agent',
                <RouteLink to={{ page: 'agent', agentId: t.slave_id }}>{agent ? text(agent.hostname) : text(t.slave_id)}</RouteLink>,
              ],
              ['Executor', text(t.executor_id) || '(command executor)'],
              ['Role', text(t.role)],
              ['User', text(t.user)],
              ['Started', <Time secs={taskStarted(t)} />],
              ['Updated', <Time secs={taskUpdated(t)} />],
              ['Resources', <ResourceList resources={t.resources} />],
              ['Labels', <Labels labels={t.labels} />],
              [
                'Sandbox',
                <RouteLink
                  class="sandbox-link"
                  to={{
                    page: 'sandbox',
                    agentId: t.slave_id,
                    frameworkId: row.frameworkId,
                    executorId: t.executor_id || undefined,
                    taskId: t.id,
                  }}
                >
                  Browse the sandbox
                </RouteLink>,
              ],
            ]}
          />
        </Section>
      </div>
      <Section title="Status updates">
        <DataTable id="statuses" rows={statuses} columns={STATUS_COLUMNS} rowKey={(s) => String(s.index)} noun="status updates" />
      </Section>
    </div>
  );
}
