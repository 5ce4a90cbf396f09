// Where a flag's text came from, how to say so in an error, and reading `file://` values.
import { FlagError } from './types.ts';

export type Origin =
  | { kind: 'command line' }
  | { kind: 'environment'; variable: string }
  | { kind: 'default' }
  | { kind: 'computed default' };

/** A flag value as text, before conversion, with enough history to explain a bad value. */
export interface Candidate {
  /** The name it was given under (canonical or alias), lower case. */
  spelledName: string;
  origin: Origin;
  /** What the user wrote (`file:///etc/mesos/zk`); shown in `raw`. */
  given: string;
  /** What gets converted: `given`, or the contents of the file it names. */
  text: string;
  /** Set when `text` was read from this file. */
  file?: string;
}

function originText(origin: Origin): string {
  switch (origin.kind) {
    case 'command line':
      return 'the command line';
    case 'environment':
      return origin.variable;
    case 'default':
      return 'the built-in default';
    case 'computed default':
      return 'the computed default';
  }
}

/** '(from MESOS_PORT)', '(from file '/etc/mesos/zk' named on the command line)'. */
export function describeSource(candidate: Candidate): string {
  const origin = originText(candidate.origin);
  if (candidate.file === undefined) return `(from ${origin})`;
  const namedBy = candidate.origin.kind === 'command line' ? 'named on the command line' : `named by ${origin}`;
  return `(from file '${candidate.file}' ${namedBy})`;
}

/** A value as quoted inside a one-line message: single line, long values shortened. */
export function quoteValue(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return `'${flat.length > 60 ? `${flat.slice(0, 57)}...` : flat}'`;
}

/** 'no such file or directory (ENOENT)' from a Node fs error; the first line of anything else. */
export function osReason(err: unknown): string {
  if (err instanceof Error) {
    const errno = /^([A-Z][A-Z0-9_]+): ([^,]+)/.exec(err.message);
    if (errno) return `${errno[2]} (${errno[1]})`;
    return err.message.split('\n')[0] ?? String(err);
  }
  return String(err);
}

/** Replaces `text` by the trimmed contents of `path`, or fails naming the flag, path and OS reason. */
export function readInto(candidate: Candidate, path: string, readFile: (path: string) => string, progName: string): Candidate {
  try {
    return { ...candidate, text: readFile(path).trim(), file: path };
  } catch (err) {
    throw new FlagError(
      `${progName}: cannot read file '${path}' for flag '--${candidate.spelledName}' ${describeSource(candidate)}: ${osReason(err)}`,
    );
  }
}
