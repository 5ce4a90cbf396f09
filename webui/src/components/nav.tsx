// The navigation bar. "Agents (Slaves)": the Fedora guide tells its reader to check the Slaves tab.
import { formatTime } from '../format.ts';
import { text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import type { Tab } from '../routes.ts';

const TABS: Array<[Tab, string, string]> = [
  ['frameworks', 'Frameworks', '#/frameworks'],
  ['agents', 'Agents (Slaves)', '#/agents'],
  ['tasks', 'Tasks', '#/tasks'],
  ['offers', 'Offers', '#/offers'],
  ['roles', 'Roles', '#/roles'],
];

export function NavBar(props: { tab: Tab | undefined }) {
  const { state, poll, streaming } = useMaster();
  const cluster = text(state?.cluster);
  return (
    <nav class="navbar" aria-label="Main">
      <a class={`brand${props.tab === 'overview' ? ' active' : ''}`} href="#/" aria-current={props.tab === 'overview' ? 'page' : undefined}>
        Mesos{cluster ? <span class="cluster"> · {cluster}</span> : null}
      </a>
      <ul>
        {TABS.map(([tab, label, hash]) => (
          <li key={tab}>
            <a
              href={hash}
              class={props.tab === tab ? 'active' : undefined}
              aria-current={props.tab === tab ? 'page' : undefined}
              data-tab={tab}
            >
              {label}
            </a>
          </li>
        ))}
      </ul>
      <span class="master-at" title="The master this page talks to" data-master-at={location.host}>
        {location.host}
        {state && state.leader !== undefined && state.leader === state.pid ? ' (leader)' : ''}
      </span>
      <span
        class="updated"
        data-source={streaming ? 'stream' : 'poll'}
        title={
          streaming
            ? "Live: the master's event stream keeps this page current; time of the latest metrics"
            : 'Time of the latest answer from the master (polled each second)'
        }
      >
        {streaming ? 'Live · ' : ''}
        {poll.updatedAt !== undefined ? `Updated ${formatTime(poll.updatedAt / 1000).slice(11)}` : ''}
      </span>
    </nav>
  );
}
