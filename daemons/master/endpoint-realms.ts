// Which authentication realm guards each master endpoint, after Master::initialize's routes
// (master.cpp) and libprocess's: read-only endpoints (state, frameworks, metrics, files, ...)
// under --authenticate_http_readonly, read-write ones (teardown, maintenance, quota, weights,
// reservations) under --authenticate_http_readwrite, the v1 scheduler API under
// --authenticate_http_frameworks, the agents' endpoint under --authenticate_agents. Only
// /health, /version and /redirect are open to all, as in Mesos. A path not known here counts as
// read-only, so a route added later, or a spelling express routes but this table does not list,
// is never left open by mistake.
import { AGENT_ENDPOINT } from '../common/agent-protocol.ts';
import { normalizedPath, withoutPrefix } from '../common/endpoint-path.ts';

export type RealmKind = 'readonly' | 'readwrite' | 'scheduler' | 'agent';

/** The realm names Mesos challenges with (master/constants.hpp); the agents' one is ours. */
export const REALM_NAMES: Readonly<Record<RealmKind, string>> = {
  readonly: 'mesos-master-readonly',
  readwrite: 'mesos-master-readwrite',
  scheduler: 'mesos-master-scheduler',
  agent: 'mesos-master-agent',
};

const OPEN = new Set(['/health', '/version', '/redirect']);

const READWRITE = new Set([
  '/teardown',
  '/maintenance/schedule',
  '/machine/down',
  '/machine/up',
  '/reserve',
  '/unreserve',
  '/create-volumes',
  '/destroy-volumes',
  '/weights',
  '/quota',
  '/api/v1',
  '/logging/toggle',
]);

/** The path in the spelling endpoint-path.ts makes, without the /master prefix the endpoints also answer under. */
export function canonicalPath(url: string): string {
  const p = normalizedPath(url);
  return p === AGENT_ENDPOINT ? p : withoutPrefix(p, ['/master']);
}

/** The realm guarding a request URL; undefined for the endpoints open to all. */
export function realmOf(url: string): RealmKind | undefined {
  const p = canonicalPath(url);
  if (OPEN.has(p)) return undefined;
  if (p === AGENT_ENDPOINT) return 'agent';
  if (p === '/api/v1/scheduler') return 'scheduler';
  if (READWRITE.has(p)) return 'readwrite';
  return 'readonly';
}
