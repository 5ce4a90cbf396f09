// The master's state for every page, shared through a context, plus the derivations several
// pages need (memoised per change). While the operator event stream is up its events keep the
// state current, and the poll each second reads only /metrics/snapshot (master/state every
// 30 s, for what the stream does not tell: the master's own fields, offers, resource use); while
// it is down, the poll reads both each second.
import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useMemo, useRef } from 'preact/hooks';
import { AllocHistory, sampleFromMetrics } from './alloc-history.ts';
import { type MasterSnapshot, NotLeaderError, loadMaster, loadMetrics } from './api.ts';
import { useEventStream } from './event-stream.ts';
import { FIRST_STATE_MARK } from './marks.ts';
import { type TaskRow, allTasks } from './model.ts';
import { type PollResult, usePoll } from './poll.ts';
import { fallbackUrl, takeVia } from './routes.ts';
import { toMasterState } from './v1-state.ts';
import type { MasterStateJson, MetricsJson } from '../../daemons/common/state-types.ts';

/** Pages show a change within this long, well inside the UI's target of 2 s. */
export const MASTER_POLL_MS = 1_000;
/** How often master/state is read while the event stream is up. */
export const STATE_RESYNC_MS = 30_000;

export interface MasterView {
  poll: PollResult<MasterSnapshot>;
  state?: MasterStateJson;
  metrics?: MetricsJson;
  /** allTasks(state), computed once per poll. */
  tasks: TaskRow[];
  /** The last hour's allocation samples, kept while the page is open (the overview's chart). */
  history: AllocHistory;
  /** Whether the state is kept current by the event stream (else by polling master/state). */
  streaming: boolean;
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
  const stream = useEventStream(true);
  const streaming = stream.model !== undefined;
  const last = useRef<{ snapshot?: MasterSnapshot; stateAt: number }>({ stateAt: 0 });
  const load = async (signal: AbortSignal): Promise<MasterSnapshot> => {
    const prev = last.current.snapshot;
    let snapshot: MasterSnapshot | undefined;
    if (!streaming || !prev || Date.now() - last.current.stateAt >= STATE_RESYNC_MS) {
      try {
        snapshot = await loadMasterOnce(signal);
        last.current.stateAt = Date.now();
      } catch (err) {
        // With the stream up, a missed resync only leaves the master's own fields older.
        if (!streaming || !prev || err instanceof NotLeaderError) throw err;
      }
    }
    if (!snapshot) {
      const metrics = await loadMetrics(signal);
      snapshot = metrics ? { state: prev!.state, metrics } : { state: prev!.state };
    }
    last.current.snapshot = snapshot;
    return snapshot;
  };
  const poll = usePoll('master', load, { intervalMs: MASTER_POLL_MS, maxBackoffMs: 4_000 });
  const polled = poll.data?.state;
  // The stream's model changes in place: its version says when.
  const state = useMemo(() => (stream.model && polled ? toMasterState(stream.model, polled) : polled), [stream.version, polled]);
  const tasks = useMemo(() => (state ? allTasks(state) : []), [state]);
  const history = useAllocHistory(poll);
  const view: MasterView = { poll, state, metrics: poll.data?.metrics, tasks, history, streaming };
  return <MasterContext.Provider value={view}>{props.children}</MasterContext.Provider>;
}

export function useMaster(): MasterView {
  const v = useContext(MasterContext);
  if (!v) throw new Error('useMaster outside MasterProvider');
  return v;
}
