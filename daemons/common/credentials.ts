// Credentials files as Mesos reads them (src/credentials/credentials.hpp): the master's
// --credentials holds many, {"credentials": [{"principal": .., "secret": ..}]}, the agent's
// --credential one, {"principal": .., "secret": ..}; both also in Mesos's older text format, a
// "principal secret" pair per line. Errors name the file and the line or entry, never a secret.
import { readFileSync, statSync } from 'node:fs';
import { type Result, failed as err, ok } from './result.ts';

export interface Credential {
  principal: string;
  secret: string;
}

/** Parses the text of a --credentials file (JSON or the text format); at least one credential. */
export function parseCredentials(text: string): Result<Credential[]> {
  const trimmed = text.trim();
  if (trimmed === '') return err('the file is empty; it must hold at least one credential');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJsonCredentials(trimmed);
  return parseTextCredentials(trimmed);
}

function parseJsonCredentials(text: string): Result<Credential[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return err(`not valid JSON (${(e as Error).message}); expected {"credentials": [{"principal": "...", "secret": "..."}]}`);
  }
  const list = (doc as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list)) return err(`expected {"credentials": [{"principal": "...", "secret": "..."}]}`);
  if (list.length === 0) return err("'credentials' is empty; it must hold at least one credential");
  const out: Credential[] = [];
  for (const [i, entry] of list.entries()) {
    const c = credentialOf(entry);
    if (!c.ok) return err(`credentials[${i}]: ${c.error}`);
    out.push(c.value);
  }
  return checkedUnique(out);
}

function parseTextCredentials(text: string): Result<Credential[]> {
  const out: Credential[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const words = line.trim().split(/\s+/);
    if (words.length !== 2) return err(`line ${i + 1}: expected 'principal secret' (two words), or write the file as JSON`);
    out.push({ principal: words[0]!, secret: words[1]! });
  }
  return checkedUnique(out);
}

function credentialOf(entry: unknown): Result<Credential> {
  if (!entry || typeof entry !== 'object') return err('expected an object {"principal": "...", "secret": "..."}');
  const { principal, secret } = entry as { principal?: unknown; secret?: unknown };
  if (typeof principal !== 'string' || principal === '') return err("'principal' must be a non-empty string");
  if (typeof secret !== 'string') return err(`'secret' of principal '${principal}' must be a string`);
  // A colon cannot be told apart from the separator in an HTTP Basic header's user part.
  if (principal.includes(':')) return err(`principal '${principal}' contains ':', which HTTP Basic cannot carry`);
  return ok({ principal, secret });
}

function checkedUnique(list: Credential[]): Result<Credential[]> {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.principal)) return err(`principal '${c.principal}' is listed twice; give each principal one secret`);
    seen.add(c.principal);
  }
  return ok(list);
}

/** Parses the text of an agent's --credential file: one credential, JSON or "principal secret". */
export function parseCredential(text: string): Result<Credential> {
  const trimmed = text.trim();
  if (trimmed === '') return err('the file is empty; expected {"principal": "...", "secret": "..."}');
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (e) {
      return err(`not valid JSON (${(e as Error).message}); expected {"principal": "...", "secret": "..."}`);
    }
    return credentialOf(doc);
  }
  const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) return err(`expected one credential, found ${lines.length} lines`);
  const words = lines[0]!.trim().split(/\s+/);
  if (words.length !== 2) return err("expected 'principal secret' (two words), or write the file as JSON");
  return credentialOf({ principal: words[0], secret: words[1] });
}

/** A credentials file read from disk, and a warning when others may read it. */
export interface ReadFile<T> {
  value: T;
  warning?: string;
}

function readText(path: string, flag: string): Result<{ text: string; warning?: string }> {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return err(`--${flag}=${path}: cannot read the file (${code}); check the path and that this user may read it`);
  }
  const warning =
    (mode & 0o004) !== 0
      ? `--${flag}=${path}: the file is readable by every user; restrict it (chmod 600 or 640) so the secrets stay secret`
      : undefined;
  return ok(warning === undefined ? { text } : { text, warning });
}

/** Reads the master's --credentials (a path; the flag loader has dropped any file:// prefix). */
export function readCredentialsFile(path: string, flag = 'credentials'): Result<ReadFile<Credential[]>> {
  const read = readText(path, flag);
  if (!read.ok) return read;
  const parsed = parseCredentials(read.value.text);
  if (!parsed.ok) return err(`--${flag}=${path}: ${parsed.error}`);
  return ok({ value: parsed.value, ...(read.value.warning ? { warning: read.value.warning } : {}) });
}

/** Reads an agent's or a client's --credential file. */
export function readCredentialFile(path: string, flag = 'credential'): Result<ReadFile<Credential>> {
  const read = readText(path, flag);
  if (!read.ok) return read;
  const parsed = parseCredential(read.value.text);
  if (!parsed.ok) return err(`--${flag}=${path}: ${parsed.error}`);
  return ok({ value: parsed.value, ...(read.value.warning ? { warning: read.value.warning } : {}) });
}
