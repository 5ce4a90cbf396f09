// What a master that does not lead does with a request, as Apache Mesos 1.11's master does
// (src/master/http.cpp): the endpoints whose handlers start with `if (!master->elected())
// return redirect(request)` (state, frameworks, slaves, tasks, roles, state-summary, weights,
// quota, maintenance, reservations, volumes, teardown, the scheduler and operator APIs) answer
// 307 to the same URL on the leader, or 503 "No leader elected" while none is known; /health,
// /flags, /version, /metrics/snapshot (and our /metrics/prometheus), /files and the web UI are
// served by the master itself; /redirect and /master/redirect answer 307 to the leader's base
// URL (Master::Http::redirect). Agents register with the leader only, so their endpoint is the
// leader's too, and so is the route that reads agents through the master (/agent/<id>/...). Pure.
import { AGENT_ENDPOINT } from '../common/agent-protocol.ts';
import { AGENT_PROXY_PREFIX } from './agent-proxy-route.ts';
import type { MasterInfo } from '../common/mesos.ts';

/** How a master answers a request it does not serve itself. */
export type Elsewhere = { kind: 'redirect'; location: string } | { kind: 'unavailable'; message: string } | { kind: 'not_found' };
export type RouteDecision = { kind: 'serve' } | Elsewhere;

/** Master::Http handlers that redirect on a master that is not elected, by their route names. */
const LEADER_ONLY_ROUTES = [
  'api/v1',
  'api/v1/scheduler',
  'create-volumes',
  'destroy-volumes',
  'frameworks',
  'reserve',
  'unreserve',
  'roles',
  'roles.json',
  'teardown',
  'slaves',
  'state',
  'state.json',
  'state-summary',
  'tasks',
  'tasks.json',
  'maintenance/schedule',
  'maintenance/status',
  'machine/down',
  'machine/up',
  'weights',
  'quota',
];

/** Under the master's process (`/master/state`) and, as this master also serves them, at the root (`/state`). */
const LEADER_ONLY = new Set([...LEADER_ONLY_ROUTES.flatMap((r) => [`/master/${r}`, `/${r}`]), AGENT_ENDPOINT]);

const REDIRECT_PATHS = ['/redirect', '/master/redirect'];

/** The path of a request URL, without its query. */
function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

/** Whether only the leading master serves `url`. */
export function leaderOnly(url: string): boolean {
  const path = pathOf(url);
  return LEADER_ONLY.has(path) || path.startsWith(AGENT_PROXY_PREFIX);
}

/** `//host:port` of a master: its hostname when it has one, else its IP (Master::Http::redirect). */
export function leaderBase(leader: MasterInfo): string {
  const host = leader.hostname || leader.address?.hostname || leader.address?.ip || networkUint32ToIpv4(leader.ip ?? 0);
  return `//${host}:${leader.port ?? leader.address?.port ?? 5050}`;
}

function networkUint32ToIpv4(ip: number): string {
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, ip >>> 24].join('.');
}

/** Master::Http::redirect: where /redirect (and a leader-only endpoint of a follower) sends `url`. */
export function redirectDecision(url: string, leader: MasterInfo | undefined): Elsewhere {
  if (leader === undefined) return { kind: 'unavailable', message: 'No leader elected' };
  const path = pathOf(url);
  const base = leaderBase(leader);
  if (REDIRECT_PATHS.includes(path)) return { kind: 'redirect', location: base };
  // Prevents a loop of redirects.
  if (REDIRECT_PATHS.some((p) => path.startsWith(`${p}/`))) return { kind: 'not_found' };
  return { kind: 'redirect', location: `${base}${url}` };
}

/** What a master that does not lead does with a request for `url`, given the leader it knows of. */
export function followerDecision(url: string, leader: MasterInfo | undefined): RouteDecision {
  const path = pathOf(url);
  if (leaderOnly(url) || REDIRECT_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return redirectDecision(url, leader);
  return { kind: 'serve' };
}
