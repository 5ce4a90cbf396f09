// The master's state for every page: one poll of /master/state and /metrics/snapshot each
// second, shared through a context, plus the derivations several pages need (memoised per poll).
import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useMemo, useRef } from 'preact/hooks';
import { AllocHistory, sampleFromMetrics } from './alloc-history.ts';
import { type MasterSnapshot, loadMaster } from './api.ts';
import { FIRST_STATE_MARK } from './marks.ts';
import { type TaskRow, allTasks } from './model.ts';
import { type PollResult, usePoll } from './poll.ts';
import { fallbackUrl, takeVia } from './routes.ts';
import type { MasterStateJson, MetricsJson } from '../../daemons/common/state-types.ts';

/** Pages show a change within this long, well inside the UI's target of 2 s. */
export const MASTER_POLL_MS = 1_000;

export interface MasterView {
  poll: PollResult<MasterSnapshot>;
  state?: MasterStateJson;
  metrics?: MetricsJson;
  /** allTasks(state), computed once per poll. */
  tasks: TaskRow[];
  /** The last hour's allocation samples, kept while the page is open (the overview's chart). */
  history: AllocHistory;
}

const MasterContext = createContext<MasterView | undefined>(undefined);

let prefetched: Promise<MasterSnapshot> | undefined;

/** Starts the first poll before the first render, so a big state downloads while the page sets up. */
export function prefetchMaster(): void {
  prefetched = loadMaster(new AbortController().signal).then((snapshot) => {
    performance.mark(FIRST_STATE_MARK);
    return snapshot;
  });
  // Its failure is reported by the poll that takes it over.
  prefetched.catch(() => {});
}

function loadMasterOnce(signal: AbortSignal): Promise<MasterSnapshot> {
  const first = prefetched;
  prefetched = undefined;
  return first ?? loadMaster(signal);
}

const VIA_KEY = 'mesos-webui-via';

/** Keeps (for this tab) which master sent the page here, and takes it out of the address. */
export function rememberVia(): void {
  const { via, hash } = takeVia(location.hash);
  if (via === undefined) return;
  sessionStorage.setItem(VIA_KEY, via);
  history.replaceState(null, '', hash === '#' ? '#/' : hash);
}

/**
 * While this page's master does not answer: the web UI of the master that sent the page here,
 * which knows the next leader. The user follows it (a link, not an automatic move): the
 * fragment that names it could have been written by anyone.
 */
export function fallbackMaster(): string | undefined {
  return fallbackUrl(sessionStorage.getItem(VIA_KEY) ?? undefined, location.href);
}

/** One sample per successful poll of the metrics, and a gap for each failed poll. */
function useAllocHistory(poll: PollResult<MasterSnapshot>): AllocHistory {
  const history = useRef<AllocHistory | undefined>(undefined);
  history.current ??= new AllocHistory();
  const { updatedAt, failures } = poll;
  const metrics = poll.data?.metrics;
  useEffect(() => {
    const sample = updatedAt !== undefined && metrics ? sampleFromMetrics(updatedAt, metrics) : undefined;
    if (sample) history.current!.push(sample);
  }, [updatedAt]);
  useEffect(() => {
    if (failures > 0) history.current!.push({ t: Date.now() });
  }, [failures]);
  return history.current;
}

export function MasterProvider(props: { children: ComponentChildren }) {
  const poll = usePoll('master', loadMasterOnce, { intervalMs: MASTER_POLL_MS, maxBackoffMs: 4_000 });
  const state = poll.data?.state;
  const tasks = useMemo(() => (state ? allTasks(state) : []), [state]);
  const history = useAllocHistory(poll);
  const view: MasterView = { poll, state, metrics: poll.data?.metrics, tasks, history };
  return <MasterContext.Provider value={view}>{props.children}</MasterContext.Provider>;
}

export function useMaster(): MasterView {
  const v = useContext(MasterContext);
  if (!v) throw new Error('useMaster outside MasterProvider');
  return v;
}
