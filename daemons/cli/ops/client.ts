// HTTP for the day-2 commands: the leading master (fixed, or found in ZooKeeper as `mesos
// execute` finds it), JSON GETs and operator API POSTs with basic authentication, and every
// failure turned into one line naming the problem and what to do about it (OpsError).
import { readFileSync } from 'node:fs';
import { basicAuthorization } from '../../common/basic-auth.ts';
import { type Endpoint, redirectTarget, request } from '../../common/http-client.ts';
import { LeadingMaster, endpointText, masterSourceText, parseMasterFlag } from '../../common/leading-master.ts';
import type { CommonFlags } from './commands-spec.ts';

/** A failure the user can act on: printed as one line, exit 1. */
export class OpsError extends Error {}

/** How many 307s to the leader are followed. */
const MAX_REDIRECTS = 3;

/** What a request is to, for messages: 'the master at 10.0.0.1:5050', "agent 'S0' at ...". */
export interface Target {
  endpoint: Endpoint;
  what: string;
  /** Whether a 307 to another master is followed (masters only). */
  isMaster: boolean;
}

export class OpsClient {
  private readonly authorization: string | undefined;

  constructor(
    readonly master: Endpoint,
    private readonly flags: CommonFlags,
  ) {
    this.authorization =
      flags.principal !== undefined && flags.secret !== undefined ? basicAuthorization(flags.principal, flags.secret) : undefined;
  }

  masterTarget(): Target {
    return { endpoint: this.master, what: `the master at ${endpointText(this.master)}`, isMaster: true };
  }

  /** GETs `path` and returns the body; any answer but 200 is an OpsError. */
  get(target: Target, path: string): Promise<Buffer> {
    return this.send(target, 'GET', path);
  }

  /** POSTs a JSON v1 operator call to `path` (/api/v1) and returns the body; any answer but 200 is an OpsError. */
  postCall(target: Target, path: string, call: unknown): Promise<Buffer> {
    return this.send(target, 'POST', path, JSON.stringify(call));
  }

  private async send(target: Target, method: 'GET' | 'POST', path: string, body?: string): Promise<Buffer> {
    let endpoint = target.endpoint;
    for (let hop = 0; ; hop++) {
      const where = target.isMaster ? `the master at ${endpointText(endpoint)}` : target.what;
      let res: Awaited<ReturnType<typeof request>>;
      try {
        const headers = body === undefined ? this.headers() : { ...this.headers(), 'Content-Type': 'application/json' };
        res = await request(endpoint, method, path, body, headers, this.flags.timeout * 1000);
      } catch (err) {
        throw new OpsError(`cannot reach ${where}: ${connectionProblem(err as NodeJS.ErrnoException, target.isMaster)}`);
      }
      if (res.status === 200) return res.body;
      const location = res.headers.location;
      if (target.isMaster && res.status === 307 && typeof location === 'string' && hop < MAX_REDIRECTS) {
        const next = redirectTarget(endpoint, location);
        if (next !== undefined) {
          endpoint = next;
          continue;
        }
      }
      throw new OpsError(
        `${where} answered ${path} with HTTP ${res.status}${statusHint(res.status, res.body, this.authorization !== undefined)}`,
      );
    }
  }

  async getJson<T>(target: Target, path: string): Promise<T> {
    const body = await this.get(target, path);
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new OpsError(`${target.what} answered ${path} with something that is not JSON (is that address a Mesos master or agent?)`);
    }
  }

  /**
   * GETs JSON whose strings carry raw bytes (/files/read's data): read as latin1, each character
   * of a string is one byte of the file.
   */
  async getByteJson<T>(target: Target, path: string): Promise<T> {
    const body = await this.get(target, path);
    try {
      return JSON.parse(body.toString('latin1')) as T;
    } catch {
      throw new OpsError(`${target.what} answered ${path} with something that is not JSON`);
    }
  }

  private headers(): Record<string, string> {
    return { Accept: 'application/json', ...(this.authorization ? { Authorization: this.authorization } : {}) };
  }
}

function connectionProblem(e: NodeJS.ErrnoException, isMaster: boolean): string {
  const check = isMaster ? 'check --master' : 'is the agent running and reachable from here?';
  if (e.code === 'ECONNREFUSED') return `connection refused (${check})`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot resolve the host name (${check})`;
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return `no route to the host (${check})`;
  return `${e.message}${isMaster ? ' (check --master)' : ''}`;
}

function statusHint(status: number, body: Buffer, authenticated: boolean): string {
  if (status === 401) {
    return authenticated
      ? ': the credential was refused; check --principal and --secret'
      : ': authentication is required; pass --principal and --secret';
  }
  if (status === 403) return ': the principal is not authorized for this; check the ACLs or use another --principal';
  const text = body.toString('utf8').trim().split('\n')[0] ?? '';
  if (status === 503) return `: ${text || 'not available'} (is a master elected? try again, or check --master)`;
  return text ? `: ${text.slice(0, 200)}` : '';
}

/** The leading master's address: the --master endpoint, or the leader ZooKeeper names within --timeout. */
export async function resolveMaster(flags: CommonFlags): Promise<Endpoint> {
  const source = parseMasterFlag(flags.master ?? '', (p) => readFileSync(p, 'utf8'));
  if (!source.ok) throw new OpsError(`invalid --master: ${source.error}`);
  if (source.value.kind === 'fixed') return source.value.endpoint;
  const leading = new LeadingMaster(source.value);
  try {
    leading.start();
    const deadline = Date.now() + flags.timeout * 1000;
    while (leading.current === undefined && Date.now() < deadline) await leading.changed(Math.max(1, deadline - Date.now()));
    const current = leading.current;
    if (current === undefined) {
      const why = leading.problem ?? 'no master leads there (has one joined the group?)';
      throw new OpsError(`no leading master found in ${masterSourceText(source.value)} within ${flags.timeout}s: ${why}`);
    }
    return current;
  } finally {
    await leading.close();
  }
}
