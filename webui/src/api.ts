// Reads from the master (same origin as the page, so the UI also works behind /redirect and a
// path prefix), agents included: the master forwards the UI's reads of an agent (agent-urls.ts),
// so the browser needs no route to agents, no trust in their certificates and no second login.
import { agentFilesUrl, agentStateUrl } from './agent-urls.ts';
import { RecordIODecoder } from './recordio.ts';
import { leaderRedirectUrl } from './routes.ts';
import type { V1Event } from './v1-state.ts';
import type {
  AgentStateJson,
  FileChunkJson,
  FileEntryJson,
  MasterStateJson,
  MetricsJson,
  RolesJson,
} from '../../daemons/common/state-types.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The master answered with a redirect: it does not lead, and sends its readers to the leader
 * (307). The browser cannot follow that from a script (the leader is another origin, and
 * masters send no CORS headers), so the page itself goes there.
 */
export class NotLeaderError extends Error {}

/** GET and parse JSON, failing with a readable message on network errors, timeouts and non-2xx answers. */
export async function getJson<T>(url: string, signal: AbortSignal, timeoutMs = 15_000): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let res: Response;
  try {
    res = await fetch(url, { signal: both, cache: 'no-store', headers: { Accept: 'application/json' }, redirect: 'manual' });
  } catch (err) {
    if (timeout.aborted) throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s`);
    throw signal.aborted ? err : new Error(`cannot reach ${url}`);
  }
  if (res.type === 'opaqueredirect') throw new NotLeaderError(`${location.host} does not lead; going to the leading master`);
  if (!res.ok) {
    const body = (await res.text().catch(() => '')).slice(0, 200);
    throw new HttpError(res.status, `${url} answered ${res.status}${body ? `: ${body}` : ''}`);
  }
  return (await res.json()) as T;
}

/** Relative, so that a master reached under a path prefix still finds its endpoints. */
export const MASTER_STATE_URL = 'master/state';
export const MASTER_METRICS_URL = 'metrics/snapshot';
export const MASTER_ROLES_URL = 'master/roles';
export const MASTER_API_URL = 'api/v1';

export interface MasterSnapshot {
  state: MasterStateJson;
  metrics?: MetricsJson;
}

/**
 * Moves the page to the leader this master names, once the leader answers at all (a leader
 * that just died would leave a browser error page; the next poll tries again, and by then this
 * master may know the next leader, or lead).
 */
async function goToLeader(): Promise<void> {
  const target = leaderRedirectUrl(location.href);
  try {
    await fetch(target, { mode: 'no-cors', cache: 'no-store' });
  } catch {
    return;
  }
  location.assign(target);
}

/** One poll of the master: its state, and its metrics when it serves them (401/403 are not outages). */
export async function loadMaster(signal: AbortSignal): Promise<MasterSnapshot> {
  const [state, metrics] = await Promise.all([
    // A master that does not answer within 10 s is shown as unreachable.
    getJson<MasterStateJson>(MASTER_STATE_URL, signal, 10_000).catch((err: unknown) => {
      if (err instanceof NotLeaderError) void goToLeader();
      throw err;
    }),
    getJson<MetricsJson>(MASTER_METRICS_URL, signal, 10_000).catch((err: unknown) => {
      if (err instanceof HttpError) return undefined;
      throw err;
    }),
  ]);
  return metrics ? { state, metrics } : { state };
}

/** The master's metrics alone (undefined when they need a login this page does not have). */
export function loadMetrics(signal: AbortSignal): Promise<MetricsJson | undefined> {
  return getJson<MetricsJson>(MASTER_METRICS_URL, signal, 10_000).catch((err: unknown) => {
    if (err instanceof HttpError) return undefined;
    throw err;
  });
}

/**
 * One SUBSCRIBE to the master's operator event stream: calls `onEvent` with each event (the
 * first is SUBSCRIBED, with the whole state) until the stream ends, when it resolves; fails
 * when the stream cannot start or breaks. A master that does not lead answers 307: that fails
 * too (with NotLeaderError), and the poll of master/state takes the page to the leader.
 */
export async function subscribeMaster(signal: AbortSignal, onEvent: (event: V1Event) => void): Promise<void> {
  let res: Response;
  try {
    res = await fetch(MASTER_API_URL, {
      method: 'POST',
      signal,
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE' }),
      redirect: 'manual',
    });
  } catch (err) {
    throw signal.aborted ? err : new Error(`cannot reach ${MASTER_API_URL}`);
  }
  if (res.type === 'opaqueredirect') throw new NotLeaderError(`${location.host} does not lead`);
  if (!res.ok || !res.body) {
    const body = (await res.text().catch(() => '')).slice(0, 200);
    throw new HttpError(res.status, `SUBSCRIBE on ${MASTER_API_URL} answered ${res.status}${body ? `: ${body}` : ''}`);
  }
  const reader = res.body.getReader();
  const decoder = new RecordIODecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    for (const record of decoder.push(value)) onEvent(JSON.parse(record) as V1Event);
  }
}

export function loadRoles(signal: AbortSignal): Promise<RolesJson> {
  return getJson<RolesJson>(MASTER_ROLES_URL, signal);
}

export function loadAgentState(agentId: string, signal: AbortSignal): Promise<AgentStateJson> {
  return getJson<AgentStateJson>(agentStateUrl(agentId), signal);
}

export function browseFiles(agentId: string, path: string, signal: AbortSignal): Promise<FileEntryJson[]> {
  return getJson<FileEntryJson[]>(agentFilesUrl(agentId, 'browse', { path }), signal);
}

/** `offset` -1 asks only for the file's size (answered as `offset`). */
export function readFile(agentId: string, path: string, offset: number, length: number, signal: AbortSignal): Promise<FileChunkJson> {
  return getJson<FileChunkJson>(agentFilesUrl(agentId, 'read', { path, offset: String(offset), length: String(length) }), signal);
}

export function downloadUrl(agentId: string, path: string): string {
  return agentFilesUrl(agentId, 'download', { path });
}
