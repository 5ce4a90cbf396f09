// `#/tasks`: every task the master knows, of active and completed frameworks, with a state
// selector; paged, so 10,000 tasks render as fast as 50.
import { useMemo } from 'preact/hooks';
import { agentHostnames } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { Loading, PageTitle } from '../components/bits.tsx';
import { TaskTable } from '../components/task-table.tsx';

export function TasksPage() {
  const { state, tasks } = useMaster();
  const hostnames = useMemo(() => (state ? agentHostnames(state) : new Map<string, string>()), [state]);
  if (!state) return <Loading what="tasks" />;
  return (
    <div class="page tasks">
      <PageTitle>Tasks</PageTitle>
      <TaskTable id="tasks" rows={tasks} agents={hostnames} showFramework stateFilter />
    </div>
  );
}
