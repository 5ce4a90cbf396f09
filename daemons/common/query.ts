// Query strings (and form bodies) decoded the way libprocess decodes them for Apache Mesos's
// endpoints: pairs separated by '&' or ';', a key without '=' has the empty value, the last of
// repeated keys wins, '+' is a space, and a malformed %-escape makes the whole string an error.
// Express's parser differs on each of these (a repeated key becomes an array, ';' is data).
import type { IncomingMessage } from 'node:http';
import { type Result, failed, ok } from './result.ts';

export type QueryParams = ReadonlyMap<string, string>;

function decodeComponent(s: string): Result<string> {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '%') {
      for (const b of Buffer.from(c === '+' ? ' ' : c)) bytes.push(b);
      continue;
    }
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return failed(`Malformed % escape in '${s}': '${s.slice(i, i + 3)}'`);
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return ok(Buffer.from(bytes).toString('utf8'));
}

/** Decodes `a=1&b=2;c` into its parameters, or the error libprocess gives for it. */
export function decodeQuery(text: string): Result<Map<string, string>> {
  const out = new Map<string, string>();
  for (const token of text.split(/[;&]/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    const key = decodeComponent(eq < 0 ? token : token.slice(0, eq));
    if (!key.ok) return key;
    const value = eq < 0 ? ok('') : decodeComponent(token.slice(eq + 1));
    if (!value.ok) return value;
    out.set(key.value, value.value);
  }
  return ok(out);
}

const parsed = new WeakMap<IncomingMessage, Result<Map<string, string>>>();

/** The request's query parameters as Mesos sees them (decoded once per request). */
export function requestQuery(req: IncomingMessage): Result<Map<string, string>> {
  let q = parsed.get(req);
  if (q === undefined) {
    const url = req.url ?? '';
    const at = url.indexOf('?');
    q = decodeQuery(at < 0 ? '' : url.slice(at + 1));
    parsed.set(req, q);
  }
  return q;
}
