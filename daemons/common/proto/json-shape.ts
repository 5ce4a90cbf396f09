// Walks JSON-shaped messages: normalises request bodies (`fromJson`) and finds missing
// required fields (used after every conversion, like protobuf's IsInitialized()).
import { type FieldPlan, Kind, type TypePlan } from './plan.ts';
import { base64Of, depthError, enumValue, formatPath, isObject, MAX_DEPTH, mapKey, type Path, scalarValue, typeError } from './values.ts';

const DROP = Symbol('drop');

/**
 * Canonical JSON shape of `input` for `plan`: unknown keys and nulls dropped, numbers and
 * booleans given as strings converted, enums by name, bytes as canonical base64, empty
 * repeated fields omitted. Throws FieldError on values of the wrong type.
 */
export function normalizeMessage(plan: TypePlan, input: Record<string, unknown>, path: Path, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw depthError(path);
  const out: Record<string, unknown> = {};
  for (const f of plan.fields) {
    const v = input[f.name];
    if (v === undefined || v === null) continue;
    path.push(f.name);
    if (f.map) {
      const m = normalizeMap(f, v, path, depth);
      if (m !== undefined) out[f.name] = m;
    } else if (f.repeated) {
      const list: unknown[] = [];
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const e = v[i];
          if (e === undefined || e === null) continue;
          path.push(i);
          const n = normalizeValue(f, e, path, depth);
          if (n !== DROP) list.push(n);
          path.pop();
        }
      } else {
        // Mesos' parser applies a lone value to a repeated field as one element.
        const n = normalizeValue(f, v, path, depth);
        if (n !== DROP) list.push(n);
      }
      if (list.length > 0) out[f.name] = list;
    } else {
      if (Array.isArray(v)) throw typeError(path, f.kind);
      const n = normalizeValue(f, v, path, depth);
      if (n !== DROP) out[f.name] = n;
    }
    path.pop();
  }
  return out;
}

function normalizeValue(f: FieldPlan, v: unknown, path: Path, depth: number): unknown {
  switch (f.kind) {
    case Kind.MESSAGE:
      if (!isObject(v)) throw typeError(path, Kind.MESSAGE);
      return normalizeMessage(f.message!, v, path, depth + 1);
    case Kind.ENUM: {
      const n = enumValue(f, v, path);
      return n === undefined ? DROP : f.enumPlan!.byNumber.get(n);
    }
    case Kind.BYTES:
      return base64Of(scalarValue(Kind.BYTES, v, path) as Buffer);
    default:
      return scalarValue(f.kind, v, path);
  }
}

function normalizeMap(f: FieldPlan, v: unknown, path: Path, depth: number): Record<string, unknown> | undefined {
  if (!isObject(v)) throw typeError(path, Kind.MESSAGE);
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [rawKey, value] of Object.entries(v)) {
    if (value === undefined || value === null) continue;
    path.push(`[${rawKey}]`);
    const key = mapKey(f.keyKind, rawKey, path);
    if (Array.isArray(value)) throw typeError(path, f.kind);
    const n = normalizeValue(f, value, path, depth);
    if (n !== DROP) {
      out[key] = n;
      any = true;
    }
    path.pop();
  }
  return any ? out : undefined;
}

/**
 * Appends the paths of unset required fields under `obj` to `missing`, in protobuf's order:
 * a message's own fields (declaration order) before those of its sub-messages.
 */
export function collectMissing(plan: TypePlan, obj: Record<string, unknown>, path: Path, missing: string[]): void {
  for (const f of plan.required) {
    const v = obj[f.name];
    if (v === undefined || v === null) {
      path.push(f.name);
      missing.push(formatPath(path));
      path.pop();
    }
  }
  for (const f of plan.messageFields) {
    const sub = f.message!;
    if (!sub.hasRequiredDeep) continue;
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    path.push(f.name);
    if (f.map) {
      if (isObject(v)) {
        for (const [key, e] of Object.entries(v)) {
          if (!isObject(e)) continue;
          path.push(`[${key}]`);
          collectMissing(sub, e, path, missing);
          path.pop();
        }
      }
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (!isObject(e)) continue;
        path.push(i);
        collectMissing(sub, e, path, missing);
        path.pop();
      }
    } else if (isObject(v)) {
      collectMissing(sub, v, path, missing);
    }
    path.pop();
  }
}
