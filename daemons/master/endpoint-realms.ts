// Which authentication realm guards each master endpoint, after Master::initialize's routes
// (master.cpp) and libprocess's: read-only endpoints (state, frameworks, metrics, files, ...)
// under --authenticate_http_readonly, read-write ones (teardown, maintenance, quota, weights,
// reservations) under --authenticate_http_readwrite, the v1 scheduler API under
// --authenticate_http_frameworks, the agents' endpoint under --authenticate_agents. Only
// /health, /version and /redirect are open to all, as in Mesos. A path not known here counts as
// read-only, so a route added later, or a spelling express routes but this table does not list,
// is never left open by mistake.
import { AGENT_ENDPOINT } from '../common/agent-protocol.ts';

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

/**
 * The path as the router may see it, in one spelling: percent-decoded, lower case (express
 * routes without regard to case), repeated and trailing slashes dropped, without the /master
 * prefix that the endpoints also answer under.
 */
export function canonicalPath(url: string): string {
  let p = url.split('?')[0]!.split('#')[0]!;
  try {
    p = decodeURIComponent(p);
  } catch {
    // An undecodable path is classified as it is written; nothing routes it anyway.
  }
  p = p.toLowerCase().replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  if (p === '/master') return '/';
  return p.startsWith('/master/') && p !== AGENT_ENDPOINT ? p.slice('/master'.length) : p;
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
