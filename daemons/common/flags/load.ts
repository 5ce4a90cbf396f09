// loadFlags: command line > environment (PREFIX<NAME>, name case-insensitive) > defaults, then
// `file://` values are read, text is converted to the flag's type and checked against its schema.
import { readFileSync } from 'node:fs';
import { scanArgv } from './argv.ts';
import type { ArgEntry } from './argv.ts';
import { constraintProblem } from './constraints.ts';
import { convert, display } from './convert.ts';
import { describeSource, quoteValue, readInto } from './sources.ts';
import type { Candidate } from './sources.ts';
import { closestName } from './suggest.ts';
import { FlagError } from './types.ts';
import type { FlagDef, LoadOptions, Loaded } from './types.ts';

interface Known {
  def: FlagDef;
  /** Set when the name looked up is one of the def's aliases. */
  alias?: string;
}

/** Name and alias -> definition; a repeated name is a bug in the definitions, not user error. */
export function indexDefs(defs: readonly FlagDef[]): Map<string, Known> {
  const index = new Map<string, Known>();
  const add = (name: string, known: Known): void => {
    if (index.has(name)) throw new Error(`flag definitions: '${name}' is defined twice`);
    index.set(name, known);
  };
  for (const def of defs) {
    add(def.name, { def });
    for (const alias of def.aliases ?? []) add(alias, { def, alias });
  }
  return index;
}

function commandLineText(entry: ArgEntry, def: FlagDef, fail: (message: string) => never): string {
  if (def.type === 'bool') {
    if (!entry.negated) return entry.value === undefined || entry.value === '' ? 'true' : entry.value;
    if (entry.value === undefined || entry.value === '') return 'false';
    return fail(
      `'${entry.spelled}' takes no value; write '--${entry.name}=${entry.value === 'false' ? 'true' : 'false'}' or '${entry.spelled}'`,
    );
  }
  if (entry.negated) return fail(`flag '--${entry.name}' is not a boolean, so '${entry.spelled}' is not allowed`);
  if (entry.value !== undefined) return entry.value;
  if (entry.next !== undefined) {
    return fail(`flag '--${entry.name}' needs a value: write '--${entry.name}=${entry.next}' (a value after a space is not read)`);
  }
  return fail(`flag '--${entry.name}' needs a value: write '--${entry.name}=VALUE'`);
}

function fromCommandLine(
  entries: readonly ArgEntry[],
  index: Map<string, Known>,
  warnings: string[],
  fail: (message: string) => never,
  helpHint: string,
): Map<string, Candidate> {
  const chosen = new Map<string, Candidate>();
  for (const entry of entries) {
    const known = index.get(entry.name);
    if (!known) {
      const guess = closestName(entry.name, [...index.keys()]);
      const prefix = entry.negated ? '--no-' : '--';
      const suggestion = guess === undefined ? '' : `; did you mean '${prefix}${index.get(guess)!.alias ?? guess}'?`;
      fail(`unknown flag '${entry.spelled}'${suggestion}${suggestion ? ' ' : '. '}${helpHint}`);
    }
    const { def } = known;
    const text = commandLineText(entry, def, fail);
    const earlier = chosen.get(def.name);
    if (earlier) fail(`flag '--${def.name}' is given twice ('--${earlier.spelledName}' and '${entry.spelled}')`);
    if (known.alias !== undefined) {
      warnings.push(`flag '--${known.alias}' is deprecated; use '--${def.name}' instead`);
    }
    chosen.set(def.name, { spelledName: entry.name, origin: { kind: 'command line' }, given: text, text });
  }
  return chosen;
}

function fromEnvironment(
  opts: LoadOptions,
  index: Map<string, Known>,
  chosen: Map<string, Candidate>,
  warnings: string[],
  fail: (message: string) => never,
): void {
  const prefix = opts.prefix;
  if (prefix === undefined) return;
  const seen = new Map<string, Candidate>();
  for (const [variable, value] of Object.entries(opts.env)) {
    if (value === undefined || !variable.startsWith(prefix)) continue;
    const name = variable.slice(prefix.length).toLowerCase();
    const known = index.get(name);
    if (!known) {
      // Mesos ignores unknown MESOS_* variables (tasks and libraries have their own); one that
      // is a near miss of a flag is most likely a typo in an env file, so say so.
      const guess = closestName(name, [...index.keys()]);
      if (guess !== undefined) warnings.push(`${variable} is not a flag and is ignored; did you mean ${prefix}${guess.toUpperCase()}?`);
      continue;
    }
    const { def } = known;
    const text = def.type === 'bool' && value === '' ? 'true' : value;
    const earlier = seen.get(def.name);
    if (earlier && earlier.given !== text) {
      const earlierVar = earlier.origin.kind === 'environment' ? earlier.origin.variable : '';
      fail(`environment variables ${earlierVar} and ${variable} both set flag '--${def.name}' to different values`);
    }
    if (known.alias !== undefined) {
      const replacement = `${prefix}${def.name.toUpperCase()}`;
      warnings.push(`${variable} uses the deprecated flag name '${known.alias}'; use ${replacement} instead`);
    }
    seen.set(def.name, { spelledName: name, origin: { kind: 'environment', variable }, given: text, text });
  }
  for (const [name, candidate] of seen) if (!chosen.has(name)) chosen.set(name, candidate);
}

/** Reads `file://` values and, for JSON flags, stout's older bare absolute path form. */
function fetchFile(def: FlagDef, candidate: Candidate, opts: LoadOptions, warnings: string[]): Candidate {
  const readFile = opts.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  if (def.type === 'path') return candidate;
  if (candidate.text.startsWith('file://')) {
    return readInto(candidate, candidate.text.slice('file://'.length), readFile, opts.progName);
  }
  if (def.type === 'json' && candidate.text.startsWith('/')) {
    warnings.push(`flag '--${def.name}': a bare file path is deprecated; write 'file://${candidate.text}'`);
    return readInto(candidate, candidate.text, readFile, opts.progName);
  }
  return candidate;
}

/**
 * Loads flags for one program. Throws FlagError (one line, starting with the program name) on
 * an unknown flag, a malformed or out-of-range value, an unreadable file or a missing required flag.
 */
export function loadFlags<T = Record<string, unknown>>(defs: readonly FlagDef[], opts: LoadOptions): Loaded<T> {
  const fail = (message: string): never => {
    throw new FlagError(`${opts.progName}: ${message}`);
  };
  const helpHint = `Run '${opts.progName} --help' for all flags.`;
  const index = indexDefs(defs);
  const warnings: string[] = [];
  const scanned = scanArgv(opts.argv);

  const chosen = fromCommandLine(scanned.entries, index, warnings, fail, helpHint);
  fromEnvironment(opts, index, chosen, warnings, fail);

  const values: Record<string, unknown> = {};
  const raw: Record<string, string> = {};
  for (const def of defs) {
    let candidate = chosen.get(def.name);
    if (candidate) {
      candidate = fetchFile(def, candidate, opts, warnings);
      if (def.deprecated !== undefined) warnings.push(`flag '--${def.name}' is deprecated: ${def.deprecated}`);
      if (def.inert !== undefined)
        warnings.push(`flag '--${def.name}' is accepted for Mesos compatibility but has no effect here: ${def.inert}`);
    } else {
      const computed = opts.runtimeDefaults?.[def.name];
      const [text, kind] = computed !== undefined ? [computed, 'computed default' as const] : [def.default, 'default' as const];
      if (text === undefined) {
        if (def.required && !scanned.help && !scanned.version) {
          const envHint = opts.prefix === undefined ? '' : ` (or set ${opts.prefix}${def.name.toUpperCase()})`;
          fail(`missing required flag '--${def.name}'${envHint}. ${helpHint}`);
        }
        values[def.name] = undefined;
        continue;
      }
      candidate = { spelledName: def.name, origin: { kind }, given: text, text };
    }

    const source = candidate;
    const bad = (reason: string): never =>
      fail(`invalid value ${quoteValue(source.text)} for flag '--${source.spelledName}' ${describeSource(source)}: ${reason}`);
    const converted = convert(def.type, source.text);
    if (!converted.ok) return bad(converted.reason);
    // A definition's own default is not checked here: a unit test checks every one, and compiling
    // a schema would lengthen every start of a short-lived program (mesos execute).
    const checked = def.schema !== undefined && source.origin.kind !== 'default';
    const problem = checked && constraintProblem(def.type, def.schema!, converted.value);
    if (problem) bad(problem);
    values[def.name] = converted.value;
    raw[def.name] = display(def.type, converted.value, source.given);
  }

  return { values: values as T, raw, warnings, positional: scanned.positional, help: scanned.help, version: scanned.version };
}
