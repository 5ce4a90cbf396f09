// Authentication and authorization of the agent's own endpoints (Mesos's agent flags
// --authenticate_http_readonly, --authenticate_http_readwrite, --http_credentials, --acls): the
// gate, the credentials and the local authorizer are common with the master's; what is the
// agent's is its realms (endpoint-realms.ts), the endpoints each ACL action guards and the
// sandboxes (sandbox-access.ts).
import { endpointCheck } from '../common/authorizer/endpoints.ts';
import { type HttpAuth, httpAuthFrom, httpAuthenticatorsProblem } from '../common/http-auth.ts';
import { type Result, failed } from '../common/result.ts';
import { AGENT_REALM_NAMES, type AgentRealm, agentRealmOf } from './endpoint-realms.ts';

export type AgentAuth = HttpAuth<AgentRealm>;

export interface AgentAuthFlags {
  authenticate_http_readonly: boolean;
  authenticate_http_readwrite: boolean;
  http_credentials?: string | undefined;
  http_authenticators?: string | undefined;
}

/** What the --authenticate_http_* flags ask for; undefined when nothing is authenticated. */
export function agentAuthFromFlags(flags: AgentAuthFlags): Result<{ auth?: AgentAuth; warnings: string[] }> {
  // jwt is the executors' (--authenticate_http_executors), which Mesos lists here too.
  const problem = httpAuthenticatorsProblem(flags.http_authenticators, ['basic', 'jwt']);
  if (problem) return failed(problem);
  const realms = new Set<AgentRealm>();
  if (flags.authenticate_http_readonly) realms.add('readonly');
  if (flags.authenticate_http_readwrite) realms.add('readwrite');
  return httpAuthFrom({
    realms,
    flagOf: { readonly: '--authenticate_http_readonly', readwrite: '--authenticate_http_readwrite' },
    credentialsFlag: 'http_credentials',
    credentials: flags.http_credentials,
    credentialsOwner: "the agent's --http_credentials",
    realmOf: agentRealmOf,
    realmNames: AGENT_REALM_NAMES,
  });
}

/** The endpoints that, under --acls, answer GET only (Mesos's Http::flags, statistics, containers). */
export const GET_ONLY_UNDER_ACLS: ReadonlySet<string> = new Set([
  '/flags',
  '/monitor/statistics',
  '/monitor/statistics.json',
  '/containers',
]);

/**
 * Whether a reader may use one of the agent's endpoints (`path` canonical, without /slave(1)):
 * get_endpoints for a GET of those Mesos's agent authorizes by path (and /metrics/prometheus,
 * the same metrics as /metrics/snapshot), view_flags for /flags,
 * access_mesos_logs for the agent's log through /files.
 */
export const agentEndpointAllowed = endpointCheck({
  getEndpoints: new Set([
    '/metrics/snapshot',
    '/metrics/prometheus',
    '/monitor/statistics',
    '/containers',
    '/containerizer/debug',
    '/files/debug',
  ]),
  aliases: { '/monitor/statistics.json': '/monitor/statistics' },
  log: '/slave/log',
});
