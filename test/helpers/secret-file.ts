// Files of secrets for tests (credentials, ACLs), written as an operator should: mode 600 unless
// a test wants another mode (a world-readable one is warned about).
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `content` (text, or a value written as JSON) to `dir/name`; returns its path. */
export function secretFile(dir: string, name: string, content: unknown, mode = 0o600): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(p, mode);
  return p;
}
