// `#/frameworks/<id>`: one framework (active or completed): its registration, resources,
// outstanding offers, and its active, unreachable and completed tasks.
import { useMemo } from 'preact/hooks';
import { formatDuration } from '../format.ts';
import { agentHostnames, findFramework, frameworkStatus, safeHttpUrl, tasksOfFramework, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { ErrorNote, KeyValues, Labels, Loading, PageTitle, RouteLink, Section, Time } from '../components/bits.tsx';
import { ResourceList } from '../components/resources.tsx';
import { TaskTable } from '../components/task-table.tsx';
import { OfferTable } from './offers.tsx';
import { rolesOf } from './frameworks.tsx';

export function FrameworkPage(props: { frameworkId: string }) {
  const { state } = useMaster();
  const found = useMemo(() => (state ? findFramework(state, props.frameworkId) : undefined), [state, props.frameworkId]);
  const hostnames = useMemo(() => (state ? agentHostnames(state) : new Map<string, string>()), [state]);
  const rows = useMemo(() => (found ? tasksOfFramework(found.framework, found.completed) : []), [found]);
  const active = useMemo(() => rows.filter((r) => r.category === 'active'), [rows]);
  const unreachable = useMemo(() => rows.filter((r) => r.category === 'unreachable'), [rows]);
  const completed = useMemo(() => rows.filter((r) => r.category === 'completed'), [rows]);
  const offers = useMemo(
    () => (found?.framework.offers ?? []).map((offer) => ({ offer, frameworkName: text(found?.framework.name) })),
    [found],
  );

  if (!state) return <Loading what="the framework" />;
  if (!found) {
    return (
      <div class="page">
        <PageTitle>Framework {props.frameworkId}</PageTitle>
        <ErrorNote>
          The master does not know a framework with this ID (completed frameworks are forgotten after --max_completed_frameworks).{' '}
          <RouteLink to={{ page: 'frameworks' }}>All frameworks</RouteLink>
        </ErrorNote>
      </div>
    );
  }
  const fw = found.framework;
  const webui = safeHttpUrl(fw.webui_url);
  const status = frameworkStatus(fw, found.completed);
  return (
    <div class="page framework">
      <PageTitle sub={`Framework ${text(fw.id)}${found.completed ? ' · completed' : ''}`}>{text(fw.name)}</PageTitle>
      {status === 'Orphaned' && (
        <p class="note orphaned" role="status">
          The master restarted and this framework's scheduler has not subscribed since. Its tasks keep running until it comes back, or until
          an operator tears it down: <code>curl -X POST -d frameworkId={text(fw.id)} http://MASTER:5050/master/teardown</code>
        </p>
      )}
      <div class="cards">
        <Section title="Framework">
          <KeyValues
            id="framework"
            items={[
              ['ID', text(fw.id)],
              ['Name', text(fw.name)],
              ['Status', status],
              ['User', text(fw.user)],
              ['Roles', rolesOf(fw)],
              ['Principal', text(fw.principal)],
              ['Hostname', text(fw.hostname)],
              [
                'Web UI',
                webui ? (
                  <a href={webui} rel="noreferrer noopener" target="_blank">
                    {webui}
                  </a>
                ) : (
                  text(fw.webui_url)
                ),
              ],
              ['Registered', <Time secs={fw.registered_time} />],
              ['Re-registered', <Time secs={fw.reregistered_time} />],
              ['Unregistered', <Time secs={fw.unregistered_time || undefined} />],
              ['Failover timeout', fw.failover_timeout ? formatDuration(fw.failover_timeout) : '0s'],
              ['Checkpoint', fw.checkpoint ? 'yes' : 'no'],
              ['Capabilities', (fw.capabilities ?? []).map(text).join(', ')],
              ['Labels', <Labels labels={fw.labels} />],
            ]}
          />
        </Section>
        <Section title="Resources">
          <KeyValues
            id="framework-resources"
            items={[
              ['Used', <ResourceList resources={fw.used_resources ?? fw.resources} />],
              ['Offered', <ResourceList resources={fw.offered_resources} />],
            ]}
          />
        </Section>
      </div>
      {!found.completed && (
        <Section title="Active tasks">
          <TaskTable id="framework-tasks" rows={active} agents={hostnames} emptyText="No active tasks." />
        </Section>
      )}
      {unreachable.length > 0 && (
        <Section title="Unreachable tasks">
          <TaskTable id="framework-unreachable-tasks" rows={unreachable} agents={hostnames} />
        </Section>
      )}
      <Section title="Completed tasks">
        <TaskTable id="framework-completed-tasks" rows={completed} agents={hostnames} emptyText="No completed tasks." />
      </Section>
      {!found.completed && (
        <Section title="Outstanding offers">
          <OfferTable id="framework-offers" rows={offers} agents={hostnames} />
        </Section>
      )}
    </div>
  );
}
