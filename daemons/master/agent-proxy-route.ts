// What the master's /agent/<agent-id>/<path> route may forward, and where: the web UI reads
// agents through the master (one origin, the master's login and TLS), so only the agents' read
// endpoints the UI and operators' tools use pass, with their query strings. Pure.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export const AGENT_PROXY_PREFIX = '/agent/';

/** The agent read endpoints the route forwards, as written after `/agent/<id>/`. */
export const PROXIED_PATHS: ReadonlySet<string> = new Set([
  'slave(1)/state',
  'state',
  'state.json',
  'files/browse',
  'files/read',
  'files/download',
  'monitor/statistics',
  'containers',
  'metrics/snapshot',
  'flags',
]);

export type ProxyTarget = { ok: true; agentId: string; path: string } | { ok: false; message: string };

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The agent id and the agent path (`/files/read?path=...`) a request URL of the route names.
 * The forwarded path is the allowlisted spelling, never the caller's (so no `..` or prefix
 * trick reaches the agent); the query string goes as it came.
 */
export function parseAgentProxyUrl(url: string): ProxyTarget {
  const q = url.indexOf('?');
  const pathPart = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  if (!pathPart.startsWith(AGENT_PROXY_PREFIX)) return { ok: false, message: `${pathPart} is not under ${AGENT_PROXY_PREFIX}` };
  const rest = pathPart.slice(AGENT_PROXY_PREFIX.length);
  const slash = rest.indexOf('/');
  const agentId = decoded(slash < 0 ? rest : rest.slice(0, slash));
  if (agentId === undefined || agentId === '' || slash < 0) {
    return { ok: false, message: 'Expected /agent/<agent-id>/<path>, e.g. /agent/<agent-id>/slave(1)/state' };
  }
  const agentPath = decoded(rest.slice(slash + 1));
  if (agentPath === undefined || !PROXIED_PATHS.has(agentPath)) {
    return {
      ok: false,
      message: `'${rest.slice(slash + 1)}' is not an agent endpoint the master forwards; use one of ${[...PROXIED_PATHS].join(', ')}`,
    };
  }
  return { ok: true, agentId, path: `/${agentPath}${query}` };
}

export interface AgentHttpAddress {
  host: string;
  port: number;
}

/**
 * Where the master reaches an agent's HTTP server: the address of its pid (`slave(1)@ip:port`,
 * the one the agent bound and reported), as Mesos's master and web UI do; without a pid, its
 * hostname and port.
 */
export function agentHttpAddress(agent: { pid?: string | undefined; hostname: string; port?: number | undefined }): AgentHttpAddress {
  const m = /^[^@]+@(.+):(\d{1,5})$/.exec(agent.pid ?? '');
  if (m) return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  return { host: agent.hostname, port: agent.port ?? 5051 };
}

/** `host:port`, IPv6 in brackets, for messages. */
export function formatAddress(a: AgentHttpAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * The caller's headers the agent gets: the credentials (the agent checks the operator's own
 * login), and what shapes the answer. Cookies, Host, proxies' headers and the rest stay here.
 */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'accept', 'range'] as const;

export function forwardedRequestHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** The agent's headers the caller gets: what describes the body, and an agent's own challenge. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-disposition',
  'content-range',
  'accept-ranges',
  'last-modified',
  'www-authenticate',
] as const;

export function forwardedResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
