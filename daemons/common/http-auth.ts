// HTTP Basic authentication of a daemon's endpoints by realm, as libprocess's authenticators do
// for Mesos's master and agent: each daemon has a table of which realm guards which path (its
// endpoint-realms.ts) and flags switching realms on; a request to a realm that is switched on
// must carry the credentials of a principal in the daemon's credentials file, else it gets 401
// with the realm's challenge (which also makes a browser ask for them). The principal goes on
// the request for the handlers and the authorizer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BasicAuthenticator } from './basic-auth.ts';
import { readCredentialsFile } from './credentials.ts';
import { sendText } from './http.ts';
import { StartupError } from './program.ts';
import { type Result, failed, ok } from './result.ts';

/** A request that passed the gate with credentials: its authenticated principal. */
export type PrincipalRequest = IncomingMessage & { principal?: string };

export interface HttpAuth<R extends string> {
  realms: ReadonlySet<R>;
  authenticator: BasicAuthenticator;
  /** The realm guarding a request URL; undefined for the endpoints open to all. */
  realmOf(url: string): R | undefined;
  /** The name each realm's challenge carries. */
  realmNames: Readonly<Record<R, string>>;
}

/** A daemon's realms and how its flags name them and its credentials. */
export interface RealmsAsked<R extends string> {
  realms: ReadonlySet<R>;
  /** The flag switching each realm on, for the error when no credentials are given. */
  flagOf: Readonly<Record<R, string>>;
  /** The credentials flag's name (credentials, http_credentials) and its value (a path). */
  credentialsFlag: string;
  credentials: string | undefined;
  /** Whose file a refused client is pointed to ("the agent's --http_credentials"). */
  credentialsOwner: string;
  realmOf(url: string): R | undefined;
  realmNames: Readonly<Record<R, string>>;
}

/** The refusal of an --http_authenticators value naming one this build lacks; undefined when all are built in. */
export function httpAuthenticatorsProblem(value: string | undefined, builtIn: readonly string[] = ['basic']): string | undefined {
  if (value === undefined || value.split(',').every((a) => builtIn.includes(a.trim()))) return undefined;
  return `--http_authenticators=${value}: only ${builtIn.map((a) => `'${a}'`).join(' and ')} ${builtIn.length > 1 ? 'are' : 'is'} built in (modules cannot be loaded here)`;
}

/**
 * The authentication the realms ask for, with the credentials read; undefined when no realm is
 * switched on. The file is read even then, as Mesos does, so a broken one shows before
 * authentication is switched on.
 */
export function httpAuthFrom<R extends string>(asked: RealmsAsked<R>): Result<{ auth?: HttpAuth<R>; warnings: string[] }> {
  const warnings: string[] = [];
  if (asked.credentials === undefined) {
    if (asked.realms.size === 0) return ok({ warnings });
    const flags = [...asked.realms].map((r) => asked.flagOf[r]).join(', ');
    return failed(
      `${flags} needs --${asked.credentialsFlag}=file:///path/to/credentials.json: without credentials nobody could authenticate`,
    );
  }
  const read = readCredentialsFile(asked.credentials, asked.credentialsFlag);
  if (!read.ok) return read;
  if (read.value.warning) warnings.push(read.value.warning);
  if (asked.realms.size === 0) return ok({ warnings });
  const authenticator = new BasicAuthenticator(read.value.value, asked.credentialsOwner);
  return ok({ auth: { realms: asked.realms, authenticator, realmOf: asked.realmOf, realmNames: asked.realmNames }, warnings });
}

/** A daemon's authentication as it starts: a broken setting stops it, warnings and the realms asked for are logged. */
export function startupAuth<R extends string>(
  asked: Result<{ auth?: HttpAuth<R>; warnings: string[] }>,
  log: Logger,
): HttpAuth<R> | undefined {
  if (!asked.ok) throw new StartupError(asked.error);
  for (const warning of asked.value.warnings) log.warn(warning);
  const realms = asked.value.auth?.realms;
  if (realms) log.info(`HTTP Basic authentication required for: ${[...realms].join(', ')}`);
  return asked.value.auth;
}

/**
 * The gate: true when the request may go on (its principal set when it authenticated), false
 * when it was answered with 401.
 */
export function authGate<R extends string>(auth: HttpAuth<R> | undefined): (req: PrincipalRequest, res: ServerResponse) => boolean {
  if (auth === undefined) return () => true;
  return (req, res) => {
    const realm = auth.realmOf(req.url ?? '/');
    if (realm === undefined || !auth.realms.has(realm)) return true;
    const outcome = auth.authenticator.authenticate(req.headers.authorization, auth.realmNames[realm]);
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
