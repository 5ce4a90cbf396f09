// The facts packaging takes from spec/mesos.spec, the single source of truth: version,
// pinned runtime versions, declared bundled npm packages and the release date.
import { readFile } from 'node:fs/promises';
import { SPEC_FILE } from './paths.ts';

export interface SpecInfo {
  name: string;
  version: string;
  /** `%global NAME VALUE` lines whose value has no macro in it. */
  globals: Record<string, string>;
  /** `Provides: bundled(npm(NAME)) = VERSION` lines, by package name. */
  bundledNpm: Record<string, string>;
  /** Date of the newest %changelog entry, 00:00 UTC, as rpm computes it (seconds). */
  releaseEpoch: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** rpm >= 4.14 sets SOURCE_DATE_EPOCH from the newest changelog date: 00:00 of that day (we run it with TZ=UTC). */
export function changelogEpoch(line: string): number {
  const m = /^\*\s+(Sun|Mon|Tue|Wed|Thu|Fri|Sat)\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{4})\s/.exec(line);
  if (!m) throw new Error(`not a %changelog entry line: ${line}`);
  const month = MONTHS.indexOf(m[2]!);
  if (month < 0) throw new Error(`unknown month in %changelog line: ${line}`);
  const date = new Date(Date.UTC(Number(m[4]), month, Number(m[3])));
  if (date.getUTCDate() !== Number(m[3])) throw new Error(`no such day in %changelog line: ${line}`);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][date.getUTCDay()];
  if (weekday !== m[1]) throw new Error(`%changelog line says ${m[1]} but that day is a ${weekday}: ${line}`);
  return date.getTime() / 1000;
}

export function parseSpec(text: string): SpecInfo {
  const lines = text.split('\n');
  const tag = (name: string): string => {
    const re = new RegExp(`^${name}:\\s*(\\S+)\\s*$`);
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return m[1]!;
    }
    throw new Error(`spec has no ${name}: tag`);
  };
  const globals: Record<string, string> = {};
  const bundledNpm: Record<string, string> = {};
  for (const line of lines) {
    const g = /^%global\s+(\w+)\s+([^%\s]+)\s*$/.exec(line);
    if (g) globals[g[1]!] = g[2]!;
    const p = /^Provides:\s*bundled\(npm\(([^)]+)\)\)\s*=\s*(\S+)\s*$/.exec(line);
    if (p) bundledNpm[p[1]!] = p[2]!;
  }
  const changelogAt = lines.findIndex((l) => l.trim() === '%changelog');
  const firstEntry = changelogAt < 0 ? undefined : lines.slice(changelogAt + 1).find((l) => l.startsWith('*'));
  if (!firstEntry) throw new Error('spec has no %changelog entry');
  return { name: tag('Name'), version: tag('Version'), globals, bundledNpm, releaseEpoch: changelogEpoch(firstEntry) };
}

export function requireGlobal(spec: SpecInfo, name: string): string {
  const value = spec.globals[name];
  if (value === undefined) throw new Error(`spec/mesos.spec has no '%global ${name} <value>' line`);
  return value;
}

export async function readSpec(file = SPEC_FILE): Promise<SpecInfo> {
  return parseSpec(await readFile(file, 'utf8'));
}
