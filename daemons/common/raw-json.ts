// JSON text assembled from pieces serialized earlier: /master/state at 100,000 tasks spent most
// of its time building and stringifying task objects that had not changed since the last call.
// A RawJson value is inserted as is by jsonText(); JSON.stringify alone does not know it.
import { randomBytes } from 'node:crypto';

export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, with every RawJson value replaced by its text. */
export function jsonText(value: unknown): string {
  const pieces: string[] = [];
  // The marker starts with a control character, which JSON.stringify always escapes, and a
  // per-call nonce, so no string of the document can pass for one.
  const marker = `\u0001${randomBytes(8).toString('hex')}:`;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (!(v instanceof RawJson)) return v;
    pieces.push(v.text);
    return `${marker}${pieces.length - 1}`;
  });
  if (pieces.length === 0) return text;
  const escaped = JSON.stringify(marker).slice(1, -1);
  return text.replace(new RegExp(`"${escaped.replace(/\\/g, '\\\\')}(\\d+)"`, 'g'), (_m, i: string) => pieces[Number(i)]!);
}
