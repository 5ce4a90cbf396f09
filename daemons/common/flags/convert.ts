// Text -> typed value for each FlagType, and typed value -> the string Mesos shows for it.
import { bytesProblem, durationProblem, formatBytes, formatDuration, parseBytes, parseDuration } from './units.ts';
import type { FlagType } from './types.ts';

export type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function convert(type: FlagType, text: string): Converted {
  switch (type) {
    case 'string':
      return { ok: true, value: text };
    case 'path':
      // stout never reads Path flags: a file:// prefix just names the path.
      return { ok: true, value: text.startsWith('file://') ? text.slice('file://'.length) : text };
    case 'bool': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return { ok: true, value: true };
      if (lower === 'false' || lower === '0') return { ok: true, value: false };
      return { ok: false, reason: "expected 'true' or 'false'" };
    }
    case 'int': {
      if (!INTEGER.test(text)) return { ok: false, reason: 'expected an integer' };
      const value = Number(text);
      if (!Number.isSafeInteger(value)) return { ok: false, reason: 'integer is too large' };
      return { ok: true, value };
    }
    case 'number':
      if (!NUMBER.test(text)) return { ok: false, reason: 'expected a number' };
      return { ok: true, value: Number(text) };
    case 'duration': {
      const problem = durationProblem(text);
      if (problem !== undefined) return { ok: false, reason: problem };
      return { ok: true, value: parseDuration(text) };
    }
    case 'bytes': {
      const problem = bytesProblem(text);
      if (problem !== undefined) return { ok: false, reason: problem };
      return { ok: true, value: parseBytes(text) };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch (err) {
        const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
        return { ok: false, reason: `expected JSON (${detail})` };
      }
  }
}

/**
 * The string shown for an effective value: durations and sizes in stout's canonical form (as
 * Mesos stringifies the parsed value), booleans and numbers plainly, anything else as given so
 * `file://` references stay references and secrets read from files are not echoed.
 */
export function display(type: FlagType, value: unknown, text: string): string {
  switch (type) {
    case 'duration':
      return formatDuration(value as number);
    case 'bytes':
      return formatBytes(value as number);
    case 'bool':
    case 'int':
    case 'number':
      return String(value);
    default:
      return text;
  }
}
