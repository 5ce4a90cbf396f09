// Executor identity: the token the agent issues each executor it launches (Mesos's
// --jwt_secret_key; slave.cpp generateSecret: an HS256 JWT whose claims are the framework id
// `fid`, executor id `eid` and container id `cid`), passed as MESOS_EXECUTOR_AUTHENTICATION_TOKEN
// and presented as `Authorization: Bearer <token>` on /api/v1/executor.
//
// As Mesos: a token's claims are checked against the call whenever a token is presented, and a
// token is required only with --authenticate_http_executors (then of every call, as Mesos
// authenticates the whole endpoint). Executors that predate tokens, or third-party executors
// that never send one, keep working by default; switching the flag on is what closes the API
// to anyone who reaches the agent. The agent keeps a key of its own in the work_dir when it is
// given none, so every executor it launches has a token to send.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync, constants } from 'node:fs';
import path from 'node:path';
import { type Claims, signJwt, verifyJwt } from '../common/jwt.ts';
import { type Result, failed, ok } from '../common/result.ts';

/** The realm in the 401's WWW-Authenticate, Mesos's EXECUTOR_HTTP_AUTHENTICATION_REALM. */
export const EXECUTOR_REALM = 'mesos-agent-executor';

export const AUTHENTICATE_WITHOUT_KEY = '--jwt_secret_key must be specified when --authenticate_http_executors is set to true';

/** A refusal: 401 (no or no valid token) or 403 (someone else's token). */
export interface Refusal {
  status: 401 | 403;
  text: string;
}

/** What a request's Authorization header says: no token, a token's claims, or a refusal. */
export type Presented = { claims: Claims | undefined } | { refused: Refusal };

const unauthorized = (text: string): { refused: Refusal } => ({ refused: { status: 401, text } });

export class ExecutorIdentity {
  constructor(
    private readonly key: Buffer,
    /** --authenticate_http_executors: every call needs a valid token. */
    readonly required: boolean,
  ) {}

  /** The token of the executor `executorId` of `frameworkId` in `containerId`. */
  issue(frameworkId: string, executorId: string, containerId: string): string {
    return signJwt({ fid: frameworkId, eid: executorId, cid: containerId }, this.key);
  }

  /** The claims of the token in `authorization`; a refusal for a bad one, or none when required. */
  presented(authorization: string | undefined): Presented {
    if (authorization === undefined || authorization === '') {
      return this.required ? unauthorized('Missing authorization header') : { claims: undefined };
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return unauthorized("Unrecognized authorization header: expecting 'Bearer <token>'");
    const verified = verifyJwt(m[1]!, this.key);
    if (!verified.ok) return unauthorized(`Invalid JWT: ${verified.error}`);
    return { claims: verified.value };
  }

  /**
   * Whether a call naming `frameworkId`/`executorId`, whose run is in `containerId`,
   * may go on with `claims` (undefined: no token): Mesos's verifyExecutorClaims texts.
   */
  admit(claims: Claims | undefined, frameworkId: string, executorId: string, containerId: string): Refusal | undefined {
    // Without a token there is nothing to check: presented() already refused it when required.
    if (claims === undefined) return undefined;
    const who = `Authenticated principal '${JSON.stringify({ claims })}'`;
    if (claims.fid !== frameworkId) {
      return { status: 403, text: `${who} does not contain an 'fid' claim with the framework ID ${frameworkId}, which is set in the call` };
    }
    if (claims.eid !== executorId) {
      return { status: 403, text: `${who} does not contain an 'eid' claim with the executor ID ${executorId}, which is set in the call` };
    }
    if (claims.cid !== containerId) {
      return { status: 403, text: `${who} does not contain a 'cid' claim with the correct active ContainerID` };
    }
    return undefined;
  }
}

/** The identity the flags ask for: --jwt_secret_key (or the agent's own key) and --authenticate_http_executors. */
export function executorIdentityFromFlags(
  flags: { jwt_secret_key?: string | undefined; authenticate_http_executors: boolean },
  workDir: string,
  warn: (m: string) => void,
): Result<ExecutorIdentity> {
  if (flags.authenticate_http_executors && !flags.jwt_secret_key) return failed(AUTHENTICATE_WITHOUT_KEY);
  const key = loadExecutorKey(flags.jwt_secret_key, workDir, warn);
  return key.ok ? ok(new ExecutorIdentity(key.value, flags.authenticate_http_executors)) : key;
}

/** Where the agent keeps the key it made itself, when --jwt_secret_key names none. */
export function generatedKeyPath(workDir: string): string {
  return path.join(workDir, 'meta', 'jwt_secret_key');
}

/**
 * The signing key: the contents of --jwt_secret_key's file (a warning when others may read it,
 * as Mesos gives), else the agent's own key under the work_dir, made once (0600) so executors
 * keep their tokens across agent restarts.
 */
export function loadExecutorKey(keyFile: string | undefined, workDir: string, warn: (m: string) => void): Result<Buffer> {
  if (keyFile !== undefined && keyFile !== '') {
    let key: Buffer;
    try {
      key = readFileSync(keyFile);
    } catch (err) {
      return failed(`Failed to read the file specified by --jwt_secret_key: ${(err as Error).message}`);
    }
    if (key.length === 0)
      return failed(`--jwt_secret_key: '${keyFile}' is empty; put a random secret in it (e.g. openssl rand -base64 32)`);
    try {
      if (statSync(keyFile).mode & 0o007) {
        warn(
          `Permissions on executor secret key file '${keyFile}' are too open; it is recommended that your key file is NOT accessible by others`,
        );
      }
    } catch (err) {
      warn(`Failed to stat jwt secret key file '${keyFile}': ${(err as Error).message}`);
    }
    return ok(key);
  }
  const file = generatedKeyPath(workDir);
  try {
    return ok(readExisting(file) ?? createKey(file));
  } catch (err) {
    return failed(`Failed to keep the executor token key at '${file}': ${(err as Error).message}; check that the work_dir is writable`);
  }
}

function readExisting(file: string): Buffer | undefined {
  try {
    const key = readFileSync(file);
    return key.length > 0 ? key : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function createKey(file: string): Buffer {
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
  return key;
}
