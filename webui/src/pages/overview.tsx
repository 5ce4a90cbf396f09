// `#/`: what the cluster is (name, leader, version, uptime), its agents, its resources and its
// tasks by state, then the active and recently completed tasks.
import { useMemo } from 'preact/hooks';
import { formatCount, formatDuration, shortState } from '../format.ts';
import { TASK_STATES, agentHostnames, clusterResources, countByState, isTerminal, taskCountsFromMetrics, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { KeyValues, Loading, PageTitle, RouteLink, Section, Time } from '../components/bits.tsx';
import { ResourceBreakdown } from '../components/resources.tsx';
import { TaskTable } from '../components/task-table.tsx';
import { AllocChart } from '../components/alloc-chart.tsx';

export function OverviewPage() {
  const { state, metrics, tasks, poll, history } = useMaster();
  const hostnames = useMemo(() => (state ? agentHostnames(state) : new Map<string, string>()), [state]);
  const active = useMemo(() => tasks.filter((t) => !isTerminal(t.task.state)), [tasks]);
  const completed = useMemo(() => tasks.filter((t) => isTerminal(t.task.state)), [tasks]);
  if (!state) return <Loading what="the cluster state" />;

  const counts = (metrics && taskCountsFromMetrics(metrics)) ?? countByState(tasks);
  const leader = state.leader_info;
  const now = (poll.updatedAt ?? Date.now()) / 1000;
  const frameworks = state.frameworks ?? [];
  return (
    <div class="page overview">
      <PageTitle sub={state.id ? `Master ${text(state.id)}` : undefined}>{text(state.cluster) || 'Cluster'}</PageTitle>
      <div class="cards">
        <Section title="Master" id="master-info">
          <KeyValues
            id="master"
            items={[
              ['Cluster', text(state.cluster) || '(unnamed)'],
              ['Leader', leader?.hostname ? `${text(leader.hostname)}:${text(leader.port)}` : text(state.leader)],
              ['PID', text(state.pid)],
              ['Version', `${text(state.version)}${state.mesos_ts_version ? ` (mesos-ts ${text(state.mesos_ts_version)})` : ''}`],
              ['Built', text(state.build_date)],
              ['Started', <Time secs={state.start_time} />],
              ['Elected', <Time secs={state.elected_time} />],
              ['Uptime', state.start_time ? formatDuration(now - state.start_time) : ''],
            ]}
          />
        </Section>
        <Section title="Agents" id="agents-summary">
          <KeyValues
            id="agents"
            items={[
              ['Activated', <RouteLink to={{ page: 'agents' }}>{formatCount(state.activated_slaves ?? 0)}</RouteLink>],
              ['Deactivated', formatCount(state.deactivated_slaves ?? 0)],
              ['Unreachable', formatCount(state.unreachable_slaves ?? 0)],
            ]}
          />
          <h3>Frameworks</h3>
          <KeyValues
            id="frameworks"
            items={[
              [
                'Active',
                <RouteLink to={{ page: 'frameworks' }}>{formatCount(frameworks.filter((f) => f.active !== false).length)}</RouteLink>,
              ],
              ['Inactive', formatCount(frameworks.filter((f) => f.active === false).length)],
              ['Completed', formatCount(state.completed_frameworks?.length ?? 0)],
            ]}
          />
        </Section>
        <Section title="Tasks" id="task-counts">
          <KeyValues
            id="task-counts"
            items={TASK_STATES.filter(
              (s) => (counts.get(s) ?? 0) > 0 || !isTerminal(s) || s === 'TASK_FINISHED' || s === 'TASK_FAILED',
            ).map((s) => [shortState(s), formatCount(counts.get(s) ?? 0)])}
          />
        </Section>
      </div>
      <div class="cards cards-wide">
        <Section title="Resources" id="resources">
          <ResourceBreakdown id="cluster" resources={clusterResources(state)} />
        </Section>
        <Section title="Allocation, last hour" id="allocation">
          <AllocChart history={history} metrics={metrics} now={Date.now()} />
        </Section>
      </div>
      <Section title="Active tasks">
        <TaskTable id="active-tasks" rows={active} agents={hostnames} showFramework emptyText="No active tasks." />
      </Section>
      <Section title="Completed tasks">
        <TaskTable id="completed-tasks" rows={completed} agents={hostnames} showFramework emptyText="No completed tasks." />
      </Section>
    </div>
  );
}
