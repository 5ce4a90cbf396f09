// Protobuf wire format <-> JSON-shaped objects, driven by plans and protobufjs' Reader/Writer.
// Encoding writes fields in field-number order, as protoc-generated code does, so the bytes
// match protoc's for the same message.
import type protobuf from 'protobufjs';
import { type FieldPlan, Kind, type TypePlan, Wire, wireTypeOf } from './plan.ts';
import { base64Of, depthError, enumValue, formatPath, isObject, MAX_DEPTH, mapKey, type Path, scalarValue, typeError } from './values.ts';

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Writes `obj` (JSON shape) as the body of a `plan` message. Throws FieldError on bad values;
 * appends unset required fields to `missing` (in the same order as collectMissing does).
 */
export function encodeMessage(
  plan: TypePlan,
  obj: Record<string, unknown>,
  w: protobuf.Writer,
  path: Path,
  missing: string[],
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw depthError(path);
  for (const f of plan.required) {
    const v = obj[f.name];
    if (v === undefined || v === null) {
      path.push(f.name);
      missing.push(formatPath(path));
      path.pop();
    }
  }
  for (const f of plan.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    path.push(f.name);
    if (f.map) {
      encodeMap(f, v, w, path, missing, depth);
    } else if (!f.repeated) {
      if (Array.isArray(v)) throw typeError(path, f.kind);
      encodeElement(f, v, w, path, missing, depth);
    } else if (!Array.isArray(v)) {
      encodeElement(f, v, w, path, missing, depth);
    } else if (f.packed) {
      encodePacked(f, v, w, path);
    } else {
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (e === undefined || e === null) continue;
        path.push(i);
        encodeElement(f, e, w, path, missing, depth);
        path.pop();
      }
    }
    path.pop();
  }
}

function encodeElement(f: FieldPlan, v: unknown, w: protobuf.Writer, path: Path, missing: string[], depth: number): void {
  switch (f.kind) {
    case Kind.MESSAGE:
      if (!isObject(v)) throw typeError(path, Kind.MESSAGE);
      w.uint32(f.tag).fork();
      encodeMessage(f.message!, v, w, path, missing, depth + 1);
      w.ldelim();
      return;
    case Kind.ENUM: {
      const n = enumValue(f, v, path);
      if (n !== undefined) w.uint32(f.tag).int32(n);
      return;
    }
    default:
      writeScalar(w.uint32(f.tag), f.kind, scalarValue(f.kind, v, path));
  }
}

function encodePacked(f: FieldPlan, list: unknown[], w: protobuf.Writer, path: Path): void {
  const values: (number | boolean)[] = [];
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    if (e === undefined || e === null) continue;
    path.push(i);
    if (f.kind === Kind.ENUM) {
      const n = enumValue(f, e, path);
      if (n !== undefined) values.push(n);
    } else {
      values.push(scalarValue(f.kind, e, path) as number | boolean);
    }
    path.pop();
  }
  if (values.length === 0) return;
  w.uint32(((f.id << 3) | Wire.LENGTH) >>> 0).fork();
  for (const v of values) writeScalar(w, f.kind === Kind.ENUM ? Kind.INT32 : f.kind, v);
  w.ldelim();
}

const MAP_KEY = 1;
const MAP_VALUE = 2;

function encodeMap(f: FieldPlan, v: unknown, w: protobuf.Writer, path: Path, missing: string[], depth: number): void {
  if (!isObject(v)) throw typeError(path, Kind.MESSAGE);
  for (const [rawKey, value] of Object.entries(v)) {
    if (value === undefined || value === null) continue;
    path.push(`[${rawKey}]`);
    if (Array.isArray(value)) throw typeError(path, f.kind);
    const key = scalarValue(f.keyKind, mapKey(f.keyKind, rawKey, path), path);
    let enumNumber: number | undefined;
    if (f.kind === Kind.ENUM) {
      enumNumber = enumValue(f, value, path);
      if (enumNumber === undefined) {
        path.pop();
        continue;
      }
    }
    w.uint32(f.tag).fork();
    writeScalar(w.uint32(tagOf(MAP_KEY, f.keyKind)), f.keyKind, key);
    switch (f.kind) {
      case Kind.MESSAGE:
        if (!isObject(value)) throw typeError(path, Kind.MESSAGE);
        w.uint32(tagOf(MAP_VALUE, Kind.MESSAGE)).fork();
        encodeMessage(f.message!, value, w, path, missing, depth + 1);
        w.ldelim();
        break;
      case Kind.ENUM:
        w.uint32(tagOf(MAP_VALUE, Kind.ENUM)).int32(enumNumber!);
        break;
      default:
        writeScalar(w.uint32(tagOf(MAP_VALUE, f.kind)), f.kind, scalarValue(f.kind, value, path));
    }
    w.ldelim();
    path.pop();
  }
}

function tagOf(id: number, kind: Kind): number {
  return (id << 3) | wireTypeOf(kind);
}

function writeScalar(w: protobuf.Writer, kind: Kind, v: number | boolean | string | Buffer): void {
  switch (kind) {
    case Kind.DOUBLE:
      w.double(v as number);
      return;
    case Kind.FLOAT:
      w.float(v as number);
      return;
    case Kind.INT32:
    case Kind.ENUM:
      w.int32(v as number);
      return;
    case Kind.UINT32:
      w.uint32(v as number);
      return;
    case Kind.SINT32:
      w.sint32(v as number);
      return;
    case Kind.FIXED32:
      w.fixed32(v as number);
      return;
    case Kind.SFIXED32:
      w.sfixed32(v as number);
      return;
    case Kind.INT64:
      w.int64(v as number);
      return;
    case Kind.UINT64:
      w.uint64(v as number);
      return;
    case Kind.SINT64:
      w.sint64(v as number);
      return;
    case Kind.FIXED64:
      w.fixed64(v as number);
      return;
    case Kind.SFIXED64:
      w.sfixed64(v as number);
      return;
    case Kind.BOOL:
      w.bool(v as boolean);
      return;
    case Kind.STRING:
      w.string(v as string);
      return;
    case Kind.BYTES:
      w.bytes(v as Buffer);
      return;
    default:
      throw new Error(`cannot write kind ${kind} as a scalar`);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Thrown for bytes that are not a valid encoding (truncated, bad lengths, bad wire types). */
export class WireError extends Error {
  override name = 'WireError';
}

/**
 * Reads fields of a `plan` message from `r` up to `end` into `out` (JSON shape). Unknown
 * fields and unknown enum numbers are skipped, as proto2 keeps them out of the known fields.
 */
export function decodeMessage(plan: TypePlan, r: protobuf.Reader, end: number, out: Record<string, unknown>, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireError(`message nested more than ${MAX_DEPTH} levels deep`);
  while (r.pos < end) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    const f = plan.byId.get(id);
    if (f === undefined) {
      r.skipType(wireType, 0, id);
    } else if (wireType === f.wireType) {
      if (f.map) decodeMapEntry(f, r, out, end, depth);
      else decodeElement(f, r, out, end, depth);
    } else if (wireType === Wire.LENGTH && f.packable) {
      const stop = subEnd(r, end);
      while (r.pos < stop) {
        const v = readValue(f, r);
        if (v !== undefined) pushValue(out, f.name, v);
      }
      if (r.pos !== stop) throw new WireError('packed field overruns its length');
    } else {
      // A known number with another wire type is an unknown field to protobuf.
      r.skipType(wireType, 0, id);
    }
  }
  if (r.pos !== end) throw new WireError('field overruns the end of its message');
}

function subEnd(r: protobuf.Reader, end: number): number {
  const len = r.uint32();
  const stop = r.pos + len;
  if (stop > end) throw new WireError('length-delimited field overruns its message');
  return stop;
}

function decodeElement(f: FieldPlan, r: protobuf.Reader, out: Record<string, unknown>, end: number, depth: number): void {
  if (f.kind === Kind.MESSAGE) {
    const stop = subEnd(r, end);
    if (f.repeated) {
      const sub: Record<string, unknown> = {};
      decodeMessage(f.message!, r, stop, sub, depth + 1);
      pushValue(out, f.name, sub);
    } else {
      // A repeated occurrence of a singular message merges into the first, as in protobuf.
      const prev = out[f.name];
      const sub = isObject(prev) ? prev : {};
      decodeMessage(f.message!, r, stop, sub, depth + 1);
      out[f.name] = sub;
    }
    return;
  }
  const v = readValue(f, r);
  if (v === undefined) return;
  if (f.repeated) pushValue(out, f.name, v);
  else out[f.name] = v;
}

/** One non-message value of field `f`; undefined for an enum number the enum does not know. */
function readValue(f: FieldPlan, r: protobuf.Reader): unknown {
  if (f.kind === Kind.ENUM) return f.enumPlan!.byNumber.get(r.int32());
  return readScalar(r, f.kind);
}

function readScalar(r: protobuf.Reader, kind: Kind): number | boolean | string {
  switch (kind) {
    case Kind.DOUBLE:
      return r.double();
    case Kind.FLOAT:
      return r.float();
    case Kind.INT32:
      return r.int32();
    case Kind.UINT32:
      return r.uint32();
    case Kind.SINT32:
      return r.sint32();
    case Kind.FIXED32:
      return r.fixed32();
    case Kind.SFIXED32:
      return r.sfixed32();
    case Kind.INT64:
      return longToNumber(r.int64());
    case Kind.UINT64:
      return longToNumber(r.uint64());
    case Kind.SINT64:
      return longToNumber(r.sint64());
    case Kind.FIXED64:
      return longToNumber(r.fixed64());
    case Kind.SFIXED64:
      return longToNumber(r.sfixed64());
    case Kind.BOOL:
      return r.bool();
    case Kind.STRING:
      return r.string();
    case Kind.BYTES:
      return base64Of(r.bytes());
    default:
      throw new Error(`cannot read kind ${kind} as a scalar`);
  }
}

/** protobufjs returns 64-bit values as Long objects when the `long` package is present. */
function longToNumber(v: unknown): number {
  return typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber();
}

function pushValue(out: Record<string, unknown>, name: string, v: unknown): void {
  const list = out[name];
  if (Array.isArray(list)) list.push(v);
  else out[name] = [v];
}

function decodeMapEntry(f: FieldPlan, r: protobuf.Reader, out: Record<string, unknown>, end: number, depth: number): void {
  const stop = subEnd(r, end);
  let key: unknown = defaultOf(f.keyKind);
  let value: unknown;
  let unknownEnum = false;
  const keyWire = wireTypeOf(f.keyKind);
  const valueWire = wireTypeOf(f.kind);
  while (r.pos < stop) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === MAP_KEY && wireType === keyWire) {
      key = readScalar(r, f.keyKind);
    } else if (id === MAP_VALUE && wireType === valueWire) {
      if (f.kind === Kind.MESSAGE) {
        const valueEnd = subEnd(r, stop);
        const sub: Record<string, unknown> = {};
        decodeMessage(f.message!, r, valueEnd, sub, depth + 1);
        value = sub;
      } else {
        value = readValue(f, r);
        unknownEnum = value === undefined;
      }
    } else {
      r.skipType(wireType, 0, id);
    }
  }
  if (r.pos !== stop) throw new WireError('map entry overruns its length');
  if (unknownEnum) return;
  if (value === undefined) value = f.kind === Kind.MESSAGE ? {} : defaultOf(f.kind, f);
  const prev = out[f.name];
  const map = isObject(prev) ? prev : {};
  map[String(key)] = value;
  out[f.name] = map;
}

function defaultOf(kind: Kind, f?: FieldPlan): unknown {
  switch (kind) {
    case Kind.STRING:
    case Kind.BYTES:
      return '';
    case Kind.BOOL:
      return false;
    case Kind.ENUM:
      return f!.enumPlan!.byNumber.values().next().value;
    default:
      return 0;
  }
}
