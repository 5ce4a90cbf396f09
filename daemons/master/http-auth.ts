// The master's authentication: which realms its flags switch on, and the gate every request
// passes before it is routed. A request to a realm that is switched on must carry HTTP Basic
// credentials of a principal in --credentials, else it gets 401 with the realm's challenge (which
// also makes a browser ask for them); the principal goes on the request for the handlers that
// check it against what the caller claims (FrameworkInfo.principal, an agent's id).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BasicAuthenticator } from '../common/basic-auth.ts';
import { readCredentialsFile } from '../common/credentials.ts';
import { sendText } from '../common/http.ts';
import { type Result, failed, ok } from '../common/result.ts';
import { REALM_NAMES, type RealmKind, realmOf } from './endpoint-realms.ts';

/** A request that passed the gate with credentials: its authenticated principal. */
export type PrincipalRequest = IncomingMessage & { principal?: string };

export interface MasterAuth {
  realms: ReadonlySet<RealmKind>;
  authenticator: BasicAuthenticator;
}

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
  const warnings: string[] = [];
  if (flags.http_authenticators.split(',').some((a) => a.trim() !== 'basic')) {
    return failed(`--http_authenticators=${flags.http_authenticators}: only 'basic' is built in (modules cannot be loaded here)`);
  }
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
  if (realms.size === 0) {
    if (flags.credentials !== undefined) {
      // Mesos reads the file anyway; so a broken one is found before authentication is switched on.
      const read = readCredentialsFile(flags.credentials);
      if (!read.ok) return read;
      if (read.value.warning) warnings.push(read.value.warning);
    }
    return ok({ warnings });
  }
  if (flags.credentials === undefined) {
    const asked = [...realms].map((r) => FLAG_OF[r]).join(', ');
    return failed(`${asked} needs --credentials=file:///path/to/credentials.json: without credentials nobody could authenticate`);
  }
  const read = readCredentialsFile(flags.credentials);
  if (!read.ok) return read;
  if (read.value.warning) warnings.push(read.value.warning);
  return ok({ auth: { realms, authenticator: new BasicAuthenticator(read.value.value) }, warnings });
}

const FLAG_OF: Readonly<Record<RealmKind, string>> = {
  readonly: '--authenticate_http_readonly',
  readwrite: '--authenticate_http_readwrite',
  scheduler: '--authenticate_http_frameworks',
  agent: '--authenticate_agents',
};

/**
 * The gate: true when the request may go on (its principal set when it authenticated), false
 * when it was answered with 401.
 */
export function authGate(auth: MasterAuth | undefined): (req: PrincipalRequest, res: ServerResponse) => boolean {
  if (auth === undefined) return () => true;
  return (req, res) => {
    const realm = realmOf(req.url ?? '/');
    if (realm === undefined || !auth.realms.has(realm)) return true;
    const header = req.headers.authorization;
    const outcome = auth.authenticator.authenticate(header, REALM_NAMES[realm]);
    if (outcome.ok) {
      req.principal = outcome.principal;
      return true;
    }
    res.setHeader('WWW-Authenticate', outcome.challenge);
    // The rest of a refused request's body is not read; the connection cannot be reused for the next.
    res.setHeader('Connection', 'close');
    sendText(res, outcome.status, outcome.message);
    req.resume();
    return false;
  };
}
