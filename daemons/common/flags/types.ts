// The vocabulary of the flag parser: what a flag definition says, what loading returns, and the
// one error type every caller prints as a single line.

export type FlagType = 'string' | 'bool' | 'int' | 'number' | 'duration' | 'bytes' | 'json' | 'path';

export interface FlagDef {
  /** Canonical Mesos name, e.g. 'work_dir'. */
  readonly name: string;
  readonly type: FlagType;
  /** One or two short lines for `--help`. */
  readonly help: string;
  /** Textual default exactly as Mesos shows it ('5050', '15secs', 'cpus:1;mem:128'); parsed like user input. */
  readonly default?: string;
  /** Shown in `--help` when the default is computed at run time by the program. */
  readonly defaultHelp?: string;
  /** Older spellings still accepted (Mesos "deprecated names"); using one yields a warning. */
  readonly aliases?: readonly string[];
  readonly required?: boolean;
  /** Set when the flag is kept only so old configurations load; using it yields this warning. */
  readonly deprecated?: string;
  /**
   * Set when the flag is accepted, so that Apache Mesos configurations load, but changes nothing
   * here; says why. Setting it yields a warning, and `--help` says so.
   */
  readonly inert?: string;
  /**
   * Extra JSON-Schema constraints checked with ajv on the parsed value (enum, minimum, pattern...).
   * Durations are checked in seconds and sizes in bytes. `errorHint` replaces ajv's message for
   * errors on the value itself (useful for `pattern`).
   */
  readonly schema?: object;
}

/** A user-facing, one-line error. Programs print `err.message` and exit 1. */
export class FlagError extends Error {
  override name = 'FlagError';
}

export interface LoadOptions {
  /** The arguments after the program name (process.argv.slice(2)). */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Environment prefix, e.g. 'MESOS_'; without it the environment is not read. */
  prefix?: string;
  /** Reads `file://` values; defaults to fs.readFileSync(path, 'utf8'). */
  readFile?: (path: string) => string;
  /** Used in messages: `mesos-master: unknown flag ...`. */
  progName: string;
  /**
   * Defaults the program computes at run time (for flags with `defaultHelp`), as text. They rank
   * below the environment and the command line, are parsed like user input and appear in `raw`.
   */
  runtimeDefaults?: Readonly<Record<string, string>>;
}

export interface Loaded<T> {
  values: T;
  /** Every flag that has a value, as the string Mesos would show in /master/flags and state.flags. */
  raw: Record<string, string>;
  /** Deprecated names, deprecated flags and deprecated value forms that were used. */
  warnings: string[];
  /** Arguments that are not flags (and everything after a bare `--`). */
  positional: string[];
  /** `--help` or `-h` was given; callers print formatHelp and exit 0. */
  help: boolean;
  /** `--version` was given. */
  version: boolean;
}

type ValueOfType<T extends FlagType> = T extends 'bool'
  ? boolean
  : T extends 'int' | 'number' | 'duration' | 'bytes'
    ? number
    : T extends 'json'
      ? unknown
      : string;

type ValueOfDef<D extends FlagDef> = D extends { readonly default: string } | { readonly required: true }
  ? ValueOfType<D['type']>
  : ValueOfType<D['type']> | undefined;

/**
 * The typed `values` object for a definition list declared `as const`: a flag with a default or
 * `required: true` is always present, every other flag may be undefined.
 */
export type FlagValues<Defs extends readonly FlagDef[]> = {
  [D in Defs[number] as D['name']]: ValueOfDef<D>;
};
