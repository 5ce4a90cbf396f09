// Which authentication realm guards each of the agent's endpoints, after Slave::initialize's
// routes (slave.cpp) and its /files (main.cpp gives Files the read-only realm): /state, /flags,
// /monitor/statistics, /containers, /files/* and /metrics/snapshot under
// --authenticate_http_readonly, the v1 operator API (/api/v1; its calls authorized one by one in operator-calls.ts) and
// /logging/toggle under --authenticate_http_readwrite. /health and /version are open to all;
// the executor API has a realm of its own (executor tokens, --authenticate_http_executors). A
// path not known here counts as read-only, so no spelling or later route is left open.
import { normalizedPath, withoutPrefix } from '../common/endpoint-path.ts';
import { EXECUTOR_API_PATH } from './executor-api.ts';

export type AgentRealm = 'readonly' | 'readwrite';

/** The realm names Mesos's agent challenges with (slave/constants.hpp). */
export const AGENT_REALM_NAMES: Readonly<Record<AgentRealm, string>> = {
  readonly: 'mesos-agent-readonly',
  readwrite: 'mesos-agent-readwrite',
};

/** The libprocess-style prefixes every agent route also answers under (the web UI builds them from the pid). */
export const AGENT_PREFIXES = ['/slave(1)', '/agent(1)'];

const OPEN = new Set(['/health', '/version', EXECUTOR_API_PATH]);

const READWRITE = new Set(['/api/v1', '/logging/toggle']);

/** The path in the spelling endpoint-path.ts makes, without the /slave(1) prefix. */
export function agentCanonicalPath(url: string): string {
  return withoutPrefix(normalizedPath(url), AGENT_PREFIXES);
}

/** The realm guarding a request URL; undefined for the endpoints open to all (and the executor API). */
export function agentRealmOf(url: string): AgentRealm | undefined {
  const p = agentCanonicalPath(url);
  if (OPEN.has(p)) return undefined;
  return READWRITE.has(p) ? 'readwrite' : 'readonly';
}
