// HTTP Basic authentication (RFC 7617) against a set of credentials, as libprocess's basic
// authenticator answers: the principal on success, else a 401 challenge naming the realm.
// Secrets are compared as SHA-256 digests with timingSafeEqual, so neither a secret's length
// nor its first differing byte shows in the time an answer takes.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Credential } from './credentials.ts';

export type AuthOutcome = { ok: true; principal: string } | { ok: false; status: 401; challenge: string; message: string };

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The value of an Authorization header carrying a credential. */
export function basicAuthorization(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`, 'utf8').toString('base64')}`;
}

export class BasicAuthenticator {
  private readonly secrets = new Map<string, Buffer>();
  /** Compared against when the principal is unknown, so an unknown one costs the same time. */
  private readonly decoy = digest('');

  /** `source` names the flag a client's login must be in, for the 401's text. */
  constructor(
    credentials: readonly Credential[],
    private readonly source = "the master's --credentials",
  ) {
    for (const c of credentials) this.secrets.set(c.principal, digest(c.secret));
  }

  /** Checks an Authorization header for `realm`. */
  authenticate(header: string | undefined, realm: string): AuthOutcome {
    const refuse = (message: string): AuthOutcome => ({ ok: false, status: 401, challenge: `Basic realm="${realm}"`, message });
    if (header === undefined || header === '') {
      return refuse(`Authentication required (realm '${realm}'): send HTTP Basic credentials of a principal in ${this.source}`);
    }
    const space = header.indexOf(' ');
    if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') {
      return refuse("Malformed 'Authorization' request header: expected 'Basic <base64 of principal:secret>'");
    }
    const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return refuse("Malformed 'Authorization' request header: the decoded value has no ':' between principal and secret");
    const principal = decoded.slice(0, colon);
    const known = this.secrets.get(principal);
    const matches = timingSafeEqual(known ?? this.decoy, digest(decoded.slice(colon + 1)));
    if (known === undefined || !matches) return refuse('Incorrect credentials: unknown principal or wrong secret');
    return { ok: true, principal };
  }
}
