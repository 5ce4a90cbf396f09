// The page frame: navigation, the connection banner, and the page of the current hash route.
import { useEffect } from 'preact/hooks';
import { MasterBanner } from './components/banner.tsx';
import { ErrorNote, PageTitle, RouteLink } from './components/bits.tsx';
import { NavBar } from './components/nav.tsx';
import { MasterProvider, useMaster } from './master-store.tsx';
import { AgentPage } from './pages/agent.tsx';
import { AgentsPage } from './pages/agents.tsx';
import { BrowsePage } from './pages/browse.tsx';
import { FilePage } from './pages/file.tsx';
import { FrameworkPage } from './pages/framework.tsx';
import { FrameworksPage } from './pages/frameworks.tsx';
import { OffersPage } from './pages/offers.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { RolesPage } from './pages/roles.tsx';
import { SandboxPage } from './pages/sandbox.tsx';
import { TaskPage } from './pages/task.tsx';
import { TasksPage } from './pages/tasks.tsx';
import { text } from './model.ts';
import { useRoute } from './router.ts';
import { type Route, tabOf } from './routes.ts';

function Page(props: { route: Route }) {
  const r = props.route;
  switch (r.page) {
    case 'overview':
      return <OverviewPage />;
    case 'agents':
      return <AgentsPage />;
    case 'agent':
      return <AgentPage agentId={r.agentId} />;
    case 'frameworks':
      return <FrameworksPage />;
    case 'framework':
      return <FrameworkPage frameworkId={r.frameworkId} />;
    case 'task':
      return <TaskPage frameworkId={r.frameworkId} taskId={r.taskId} />;
    case 'tasks':
      return <TasksPage />;
    case 'offers':
      return <OffersPage />;
    case 'roles':
      return <RolesPage />;
    case 'browse':
      return <BrowsePage agentId={r.agentId} path={r.path} />;
    case 'file':
      return <FilePage agentId={r.agentId} path={r.path} />;
    case 'sandbox':
      return <SandboxPage agentId={r.agentId} frameworkId={r.frameworkId} executorId={r.executorId} taskId={r.taskId} />;
    case 'not-found':
      return (
        <div class="page">
          <PageTitle>Page not found</PageTitle>
          <ErrorNote>
            There is no page at <code>{r.hash}</code>. <RouteLink to={{ page: 'overview' }}>Go to the overview</RouteLink>
          </ErrorNote>
        </div>
      );
  }
}

/** The tab title follows the page and the cluster name. */
function useDocumentTitle(route: Route) {
  const { state } = useMaster();
  const cluster = text(state?.cluster);
  const tab = tabOf(route);
  useEffect(() => {
    const page = tab ? tab[0]!.toUpperCase() + tab.slice(1) : 'Not found';
    document.title = `${page} · Mesos${cluster ? ` · ${cluster}` : ''}`;
  }, [tab, cluster]);
}

function Frame() {
  const route = useRoute();
  useDocumentTitle(route);
  return (
    <>
      <NavBar tab={tabOf(route)} />
      <MasterBanner />
      <main>
        <Page key={JSON.stringify(route)} route={route} />
      </main>
    </>
  );
}

export function App() {
  return (
    <MasterProvider>
      <Frame />
    </MasterProvider>
  );
}
