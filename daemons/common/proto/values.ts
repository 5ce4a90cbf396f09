// Single-value rules shared by the JSON normaliser and the wire encoder, so that
// `encode(x)` and `encode(fromJson(x).value)` accept and reject exactly the same inputs.
// The leniencies follow Mesos' JSON->protobuf parser: numbers and booleans may arrive as
// strings, bytes are base64 with whitespace ignored and anything after '=' dropped, and
// `null` means "not set".
import { type EnumPlan, type FieldPlan, Kind } from './plan.ts';

/** Field path while walking: names, repeated indexes, and `[key]` segments for map entries. */
export type Path = (string | number)[];

/** A problem at one place in a message; `message` already names the field path. */
export class FieldError extends Error {
  override name = 'FieldError';
}

/** Nesting limit, the same as protobuf's default recursion limit. */
export const MAX_DEPTH = 100;

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg.startsWith('[')) out += seg;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a field of this kind must look like, for error messages. */
export function expectation(kind: Kind): string {
  switch (kind) {
    case Kind.MESSAGE:
      return 'an object';
    case Kind.ENUM:
      return 'an enum value name';
    case Kind.STRING:
      return 'a string';
    case Kind.BYTES:
      return 'a base64 string';
    case Kind.BOOL:
      return 'a boolean';
    default:
      return 'a number';
  }
}

export function typeError(path: Path, kind: Kind): FieldError {
  return new FieldError(`'${formatPath(path)}' must be ${expectation(kind)}`);
}

export function depthError(path: Path): FieldError {
  return new FieldError(`'${formatPath(path)}' is nested more than ${MAX_DEPTH} levels deep`);
}

const JSON_NUMBER = /^\s*-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?\s*$/;

/** Numeric field value in the range protobuf stores it in, or undefined if `v` is no number. */
export function numberFrom(kind: Kind, v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string') {
    if (JSON_NUMBER.test(v)) n = Number(v);
    else if (v === 'Infinity' || v === '-Infinity') n = Number(v);
    else return undefined;
  } else {
    return undefined;
  }
  switch (kind) {
    case Kind.DOUBLE:
      return n;
    case Kind.FLOAT:
      return Math.fround(n);
    case Kind.INT32:
    case Kind.SINT32:
    case Kind.SFIXED32:
      return Number.isFinite(n) ? n | 0 : undefined;
    case Kind.UINT32:
    case Kind.FIXED32:
      return Number.isFinite(n) ? n >>> 0 : undefined;
    default:
      return Number.isFinite(n) ? Math.trunc(n) : undefined;
  }
}

export function boolFrom(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

const CANONICAL_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;
const WHITESPACE = /\s+/g;

/** Decodes base64 the way Mesos does (whitespace skipped, stops at '='); undefined if invalid. */
export function bytesFrom(v: unknown): Buffer | undefined {
  if (typeof v !== 'string') return undefined;
  let text = v;
  if (!CANONICAL_BASE64.test(text)) {
    const pad = text.indexOf('=');
    if (pad >= 0) text = text.slice(0, pad);
    text = text.replace(WHITESPACE, '');
    if (!BASE64_ALPHABET.test(text)) return undefined;
  }
  return Buffer.from(text, 'base64');
}

export function base64Of(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('base64');
}

/** Enum number for a name or a known number; undefined when the value names no enum member. */
function enumNumberFrom(plan: EnumPlan, v: string | number): number | undefined {
  if (typeof v === 'string') return plan.byName.get(v);
  return plan.byNumber.has(v) ? v : undefined;
}

/**
 * Enum number for field `f` at `path`. Unknown values of optional/repeated fields are dropped
 * (undefined), as proto2 and Mesos do; for a required field they are an error.
 */
export function enumValue(f: FieldPlan, v: unknown, path: Path): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') throw typeError(path, Kind.ENUM);
  const n = enumNumberFrom(f.enumPlan!, v);
  if (n === undefined && f.required) {
    throw new FieldError(`'${formatPath(path)}' has unknown ${f.enumPlan!.name} value '${v}'`);
  }
  return n;
}

/** Scalar (non-enum, non-message) value in canonical form; bytes come back as a Buffer. */
export function scalarValue(kind: Kind, v: unknown, path: Path): number | boolean | string | Buffer {
  let out: number | boolean | string | Buffer | undefined;
  switch (kind) {
    case Kind.STRING:
      out = typeof v === 'string' ? v : undefined;
      break;
    case Kind.BYTES:
      out = bytesFrom(v);
      break;
    case Kind.BOOL:
      out = boolFrom(v);
      break;
    default:
      out = numberFrom(kind, v);
  }
  if (out === undefined) throw typeError(path, kind);
  return out;
}

/** Map key from a JSON object key, as the canonical string decode produces. */
export function mapKey(kind: Kind, key: string, path: Path): string {
  if (kind === Kind.STRING) return key;
  const v = scalarValue(kind, key, path);
  return String(v);
}
