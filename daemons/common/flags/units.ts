// Mesos durations ('15secs', '10mins') and byte sizes ('2GB'), read and written the way stout
// does, so values round-trip through /master/flags unchanged.
import { FlagError } from './types.ts';

const NANOS_PER_UNIT = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  secs: 1_000_000_000n,
  mins: 60_000_000_000n,
  hrs: 3_600_000_000_000n,
  days: 86_400_000_000_000n,
  weeks: 604_800_000_000_000n,
} as const;
type DurationUnit = keyof typeof NANOS_PER_UNIT;
const DURATION_UNITS = Object.keys(NANOS_PER_UNIT) as DurationUnit[];

const DURATION_HINT = "expected a duration such as '10secs' (units: ns, us, ms, secs, mins, hrs, days, weeks)";
const BYTES_HINT = "expected a size such as '2GB' (units: B, KB, MB, GB, TB)";

// Spellings people reach for that stout does not accept; named in the error so the fix is obvious.
const UNIT_MISTAKES: Record<string, DurationUnit> = {
  s: 'secs',
  sec: 'secs',
  second: 'secs',
  seconds: 'secs',
  m: 'mins',
  min: 'mins',
  minute: 'mins',
  minutes: 'mins',
  h: 'hrs',
  hr: 'hrs',
  hour: 'hrs',
  hours: 'hrs',
  d: 'days',
  day: 'days',
  w: 'weeks',
  week: 'weeks',
};

/** Why `text` is not a duration, or undefined when it is one. */
export function durationProblem(text: string): string | undefined {
  const match = /^(\d+\.?\d*|\.\d+)([a-z]*)$/i.exec(text);
  if (!match) return DURATION_HINT;
  const unit = match[2] ?? '';
  if (unit === '') return `missing unit; ${DURATION_HINT}`;
  if (unit in NANOS_PER_UNIT) return undefined;
  const lower = unit.toLowerCase();
  const fix = lower in NANOS_PER_UNIT ? (lower as DurationUnit) : UNIT_MISTAKES[lower];
  if (fix) return `unknown unit '${unit}'; write '${match[1]}${fix}'`;
  return `unknown unit '${unit}'; ${DURATION_HINT}`;
}

/** Parses a Mesos duration to seconds. Throws FlagError on anything stout would reject. */
export function parseDuration(text: string): number {
  const problem = durationProblem(text);
  if (problem !== undefined) throw new FlagError(`invalid duration '${text}': ${problem}`);
  const match = /^(\d+\.?\d*|\.\d+)([a-z]+)$/.exec(text)!;
  const unit = match[2] as DurationUnit;
  // stout keeps whole nanoseconds, truncating any finer fraction.
  const nanos = Math.trunc(Number(match[1]) * Number(NANOS_PER_UNIT[unit]));
  return nanos / 1e9;
}

function trimNumber(value: number): string {
  return String(Number(value.toPrecision(15)));
}

/**
 * Formats seconds the way stout prints a Duration: the largest unit the value reaches, unless a
 * smaller unit gives a whole number ('90secs' rather than '1.5mins', '1500ms' not '1.5secs').
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new FlagError(`cannot format duration ${seconds}`);
  const negative = seconds < 0;
  const nanos = BigInt(Math.round(Math.abs(seconds) * 1e9));
  const sign = negative ? '-' : '';
  for (let i = DURATION_UNITS.length - 1; i >= 0; i--) {
    const unit = DURATION_UNITS[i]!;
    const size = NANOS_PER_UNIT[unit];
    if (nanos < size && unit !== 'ns') continue;
    // In the bucket of `unit`; step down one unit when that makes the number whole.
    const smaller = DURATION_UNITS[i - 1];
    if (smaller && nanos % size !== 0n && nanos % NANOS_PER_UNIT[smaller] === 0n) {
      return `${sign}${nanos / NANOS_PER_UNIT[smaller]}${smaller}`;
    }
    if (unit === 'ns' || nanos % size === 0n) return `${sign}${nanos / size}${unit}`;
    return `${sign}${trimNumber(Number(nanos) / Number(size))}${unit}`;
  }
  return `${sign}0ns`;
}

const BYTES_PER_UNIT: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/** Why `text` is not a byte size, or undefined when it is one. */
export function bytesProblem(text: string): string | undefined {
  const match = /^(\d*)(\.?)(.*)$/.exec(text)!;
  if (match[2] === '.') return `fractional sizes are not allowed; ${BYTES_HINT}`;
  if (match[1] === '') return BYTES_HINT;
  const unit = (match[3] ?? '').toUpperCase();
  if (unit === '') return `missing unit; ${BYTES_HINT}`;
  if (!(unit in BYTES_PER_UNIT)) return `unknown unit '${match[3]}'; ${BYTES_HINT}`;
  return undefined;
}

/** Parses a Mesos byte size ('512MB', units case-insensitive, whole numbers only) to bytes. */
export function parseBytes(text: string): number {
  const problem = bytesProblem(text);
  if (problem !== undefined) throw new FlagError(`invalid size '${text}': ${problem}`);
  const match = /^(\d+)(.+)$/.exec(text)!;
  return Number(match[1]) * BYTES_PER_UNIT[match[2]!.toUpperCase()]!;
}

/** Formats bytes the way stout prints Bytes: the largest unit that loses nothing ('2GB', '1536KB'). */
export function formatBytes(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new FlagError(`cannot format size ${bytes}`);
  if (bytes === 0) return '0B';
  const units = ['TB', 'GB', 'MB', 'KB'] as const;
  for (const unit of units) {
    const size = BYTES_PER_UNIT[unit]!;
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
