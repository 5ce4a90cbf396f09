// `#/agents/<id>`: one agent's resources, attributes and tasks (from the master), and its
// executors with their sandboxes (from the agent's own /state).
import { useMemo } from 'preact/hooks';
import { loadAgentState } from '../api.ts';
import { formatCpus } from '../format.ts';
import { agentHostnames, agentResources, agentStatus, findAgent, isTerminal, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { usePoll } from '../poll.ts';
import type { AgentStateJson, ExecutorJson } from '../../../daemons/common/state-types.ts';
import { ErrorNote, KeyValues, Loading, PageTitle, RouteLink, Section, Time } from '../components/bits.tsx';
import { ResourceBreakdown, ResourceList } from '../components/resources.tsx';
import { type Column, DataTable } from '../components/table.tsx';
import { TaskTable } from '../components/task-table.tsx';

interface ExecutorRow {
  executor: ExecutorJson;
  frameworkId: string;
  frameworkName: string;
  completed: boolean;
}

function executorRows(agent: AgentStateJson): ExecutorRow[] {
  const rows: ExecutorRow[] = [];
  for (const fw of [...(agent.frameworks ?? []), ...(agent.completed_frameworks ?? [])]) {
    const name = text(fw.name);
    for (const executor of fw.executors ?? []) rows.push({ executor, frameworkId: fw.id, frameworkName: name, completed: false });
    for (const executor of fw.completed_executors ?? []) rows.push({ executor, frameworkId: fw.id, frameworkName: name, completed: true });
  }
  return rows;
}

function executorColumns(agentId: string): Column<ExecutorRow>[] {
  return [
    { id: 'id', title: 'Executor', value: (r) => text(r.executor.id) },
    { id: 'name', title: 'Name', value: (r) => text(r.executor.name) },
    {
      id: 'framework',
      title: 'Framework',
      value: (r) => r.frameworkName,
      render: (r) => <RouteLink to={{ page: 'framework', frameworkId: r.frameworkId }}>{r.frameworkName || r.frameworkId}</RouteLink>,
    },
    { id: 'status', title: 'Status', value: (r) => (r.completed ? 'Completed' : 'Running') },
    {
      id: 'tasks',
      title: 'Tasks',
      numeric: true,
      searchable: false,
      value: (r) => (r.executor.tasks?.length ?? 0) + (r.executor.completed_tasks?.length ?? 0),
    },
    {
      id: 'cpus',
      title: 'CPUs',
      numeric: true,
      searchable: false,
      value: (r) => Number(r.executor.resources?.cpus ?? 0),
      render: (r) => formatCpus(Number(r.executor.resources?.cpus ?? 0)),
    },
    {
      id: 'sandbox',
      title: 'Sandbox',
      sortable: false,
      searchable: false,
      value: () => undefined,
      render: (r) =>
        r.executor.directory ? <RouteLink to={{ page: 'browse', agentId, path: r.executor.directory }}>Sandbox</RouteLink> : null,
    },
  ];
}

export function AgentPage(props: { agentId: string }) {
  const { state, tasks } = useMaster();
  const agent = state ? findAgent(state, props.agentId) : undefined;
  const known = agent !== undefined;
  const agentPoll = usePoll(`agent:${props.agentId}`, known ? (signal) => loadAgentState(props.agentId, signal) : undefined, {
    intervalMs: 1_000,
    maxBackoffMs: 5_000,
  });
  const hostnames = useMemo(() => (state ? agentHostnames(state) : new Map<string, string>()), [state]);
  const onAgent = useMemo(() => tasks.filter((t) => t.task.slave_id === props.agentId), [tasks, props.agentId]);
  const running = useMemo(() => onAgent.filter((t) => !isTerminal(t.task.state)), [onAgent]);
  const completed = useMemo(() => onAgent.filter((t) => isTerminal(t.task.state)), [onAgent]);
  const executors = useMemo(() => (agentPoll.data ? executorRows(agentPoll.data) : []), [agentPoll.data]);
  const columns = useMemo(() => executorColumns(props.agentId), [props.agentId]);

  if (!state) return <Loading what="the agent" />;
  if (!agent) {
    return (
      <div class="page">
        <PageTitle>Agent {props.agentId}</PageTitle>
        <ErrorNote>
          The master does not know an agent with this ID (it may have been removed).{' '}
          <RouteLink to={{ page: 'agents' }}>All agents</RouteLink>
        </ErrorNote>
      </div>
    );
  }
  const attributes = Object.entries(agent.attributes ?? {});
  const reserved = Object.entries(agent.reserved_resources ?? {});
  return (
    <div class="page agent">
      <PageTitle sub={`Agent ${text(agent.id)}`}>{text(agent.hostname)}</PageTitle>
      <div class="cards">
        <Section title="Agent">
          <KeyValues
            id="agent"
            items={[
              ['ID', text(agent.id)],
              ['PID', text(agent.pid)],
              ['Status', agentStatus(agent)],
              ['Version', text(agent.version)],
              ['Registered', <Time secs={agent.registered_time} />],
              ['Re-registered', <Time secs={agent.reregistered_time} />],
            ]}
          />
        </Section>
        <Section title="Resources">
          <ResourceBreakdown id="agent" resources={agentResources(agent)} />
          {reserved.length > 0 && (
            <>
              <h3>Reserved</h3>
              <KeyValues id="reserved" items={reserved.map(([role, res]) => [role, <ResourceList resources={res} />])} />
            </>
          )}
        </Section>
        <Section title="Attributes">
          {attributes.length === 0 ? (
            <p class="muted">No attributes.</p>
          ) : (
            <KeyValues id="attributes" items={attributes.map(([k, v]) => [k, text(v)])} />
          )}
        </Section>
      </div>
      <Section title="Running tasks">
        <TaskTable id="agent-tasks" rows={running} showFramework emptyText="No tasks are running on this agent." />
      </Section>
      <Section title="Completed tasks">
        <TaskTable
          id="agent-completed-tasks"
          rows={completed}
          showFramework
          agents={hostnames}
          emptyText="No completed tasks on this agent."
        />
      </Section>
      <Section title="Executors and sandboxes">
        {agentPoll.error && (
          <ErrorNote>
            Cannot read this agent's own state: {agentPoll.error}. The master reads it for this page from the address of the agent's PID, so
            the master must reach that address, and the agent must accept your login if it asks for one.
          </ErrorNote>
        )}
        {agentPoll.data ? (
          <DataTable
            id="executors"
            rows={executors}
            columns={columns}
            rowKey={(r) => `${r.frameworkId}\u0000${r.executor.id}\u0000${r.executor.container ?? ''}\u0000${r.completed}`}
            noun="executors"
            emptyText="No executors on this agent."
          />
        ) : (
          !agentPoll.error && <Loading what="the agent's executors" />
        )}
      </Section>
    </div>
  );
}
