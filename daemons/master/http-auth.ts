// The master's authentication: which realms its flags switch on (the gate and the reading of
// --credentials are common/http-auth.ts's). The principal a request authenticated as is checked
// by the handlers against what the caller claims (FrameworkInfo.principal, an agent's id).
import { type HttpAuth, httpAuthFrom, httpAuthenticatorsProblem } from '../common/http-auth.ts';
import { type Result, failed } from '../common/result.ts';
import { REALM_NAMES, type RealmKind, realmOf } from './endpoint-realms.ts';

export type MasterAuth = HttpAuth<RealmKind>;

export interface AuthFlags {
  authenticate_frameworks: boolean;
  authenticate_agents: boolean;
  authenticate_http_readonly: boolean;
  authenticate_http_readwrite: boolean;
  authenticate_http_frameworks: boolean;
  credentials?: string | undefined;
  authenticators: string;
  http_authenticators: string;
  http_framework_authenticators?: string | undefined;
}

/** What the --authenticate_* flags ask for; undefined when nothing is authenticated. */
export function masterAuthFromFlags(flags: AuthFlags): Result<{ auth?: MasterAuth; warnings: string[] }> {
  const realms = new Set<RealmKind>();
  if (flags.authenticate_http_readonly) realms.add('readonly');
  if (flags.authenticate_http_readwrite) realms.add('readwrite');
  // Every framework here speaks the v1 HTTP API, so the driver-era --authenticate_frameworks
  // asks for what --authenticate_http_frameworks does.
  if (flags.authenticate_http_frameworks || flags.authenticate_frameworks) realms.add('scheduler');
  if (flags.authenticate_agents) realms.add('agent');
  const httpProblem = httpAuthenticatorsProblem(flags.http_authenticators);
  if (httpProblem) return failed(httpProblem);
  if (flags.authenticate_http_frameworks) {
    if (flags.http_framework_authenticators === undefined) {
      return failed(
        'Missing `--http_framework_authenticators` flag. This must be used in conjunction with `--authenticate_http_frameworks`; add --http_framework_authenticators=basic',
      );
    }
    if (flags.http_framework_authenticators.split(',').some((a) => a.trim() !== 'basic')) {
      return failed(`--http_framework_authenticators=${flags.http_framework_authenticators}: only 'basic' is built in`);
    }
  }
  if ((flags.authenticate_frameworks || flags.authenticate_agents) && !['crammd5', 'basic'].includes(flags.authenticators.trim())) {
    return failed(`--authenticators=${flags.authenticators}: only the built-in one (crammd5, which is HTTP Basic here) is available`);
  }
  return httpAuthFrom({
    realms,
    flagOf: FLAG_OF,
    credentialsFlag: 'credentials',
    credentials: flags.credentials,
    credentialsOwner: "the master's --credentials",
    realmOf,
    realmNames: REALM_NAMES,
  });
}

const FLAG_OF: Readonly<Record<RealmKind, string>> = {
  readonly: '--authenticate_http_readonly',
  readwrite: '--authenticate_http_readwrite',
  scheduler: '--authenticate_http_frameworks',
  agent: '--authenticate_agents',
};
