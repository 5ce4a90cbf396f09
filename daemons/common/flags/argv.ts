// Splits a command line into flag entries and positional arguments, stout style: only `--name`,
// `--name=value` and `--no-name` are flags, names are case-insensitive, a bare `--` ends flags.

export interface ArgEntry {
  /** Lower-cased name without the `no-` prefix. */
  name: string;
  /** The flag as written, without any `=value` ('--no-quiet', '--Port'). */
  spelled: string;
  /** Undefined when there was no `=`. */
  value: string | undefined;
  negated: boolean;
  /** The argument after this one when it does not look like a flag, to explain `--port 5050`. */
  next: string | undefined;
}

export interface ScannedArgs {
  entries: ArgEntry[];
  positional: string[];
  help: boolean;
  version: boolean;
}

const TRUE_TEXT = new Set(['', 'true', '1']);

export function scanArgv(argv: readonly string[]): ScannedArgs {
  const scanned: ScannedArgs = { entries: [], positional: [], help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!.trim();
    if (arg === '--') {
      scanned.positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      scanned.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      scanned.positional.push(argv[i]!);
      continue;
    }
    const eq = arg.indexOf('=');
    const spelled = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? undefined : arg.slice(eq + 1);
    const lower = spelled.slice(2).toLowerCase();
    const negated = lower.startsWith('no-');
    const name = negated ? lower.slice(3) : lower;
    if (name === 'help' || name === 'version') {
      // Handled by the caller; `--help=false` and `--no-help` simply do not ask for it.
      const asked = !negated && TRUE_TEXT.has((value ?? '').toLowerCase());
      if (name === 'help') scanned.help ||= asked;
      else scanned.version ||= asked;
      continue;
    }
    const following = argv[i + 1];
    const next = following !== undefined && !following.startsWith('-') ? following : undefined;
    scanned.entries.push({ name, spelled, value, negated, next });
  }
  return scanned;
}

/** True when the command line asks for help (`--help`, `-h`), ignoring everything else on it. */
export function isHelpRequested(argv: readonly string[]): boolean {
  return scanArgv(argv).help;
}

/** True when the command line asks for the version (`--version`). */
export function isVersionRequested(argv: readonly string[]): boolean {
  return scanArgv(argv).version;
}
