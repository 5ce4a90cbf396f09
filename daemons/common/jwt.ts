// JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, "HS256"), the kind Mesos's agent issues its
// executors with --jwt_secret_key. Only HS256 is accepted when verifying: a token naming another
// algorithm ("none" above all) is refused, not trusted.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Result, failed, ok } from './result.ts';

export type Claims = Record<string, string | number>;

const HEADER = b64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

function mac(data: string, key: Buffer | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** A signed token carrying `claims`. */
export function signJwt(claims: Claims, key: Buffer | string): string {
  const body = `${HEADER}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
  return `${body}.${b64url(mac(body, key))}`;
}

function decodePart(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The claims of a token signed with `key`, or why it is not one: malformed, not HS256, a wrong
 * signature, or past its `exp` (seconds since the epoch) when it has one.
 */
export function verifyJwt(token: string, key: Buffer | string, nowMs = Date.now()): Result<Claims> {
  const parts = token.split('.');
  if (parts.length !== 3) return failed('the token is not a JWT (three dot-separated parts)');
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = decodePart(headerPart);
  if (!isObject(header)) return failed('the token header is not a JSON object');
  if (header.alg !== 'HS256') return failed(`the token is signed with '${String(header.alg)}', not HS256`);
  if (!/^[A-Za-z0-9_-]+$/.test(signaturePart)) return failed('the token signature is malformed');
  const expected = mac(`${headerPart}.${claimsPart}`, key);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return failed('the token signature does not match');
  const claims = decodePart(claimsPart);
  if (!isObject(claims)) return failed('the token claims are not a JSON object');
  const out: Claims = {};
  for (const [k, v] of Object.entries(claims)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  if (claims.exp !== undefined) {
    if (typeof claims.exp !== 'number') return failed("the token's 'exp' claim is not a number");
    if (nowMs >= claims.exp * 1000) return failed('the token has expired');
  }
  return ok(out);
}
