// The one place that converts between the Mesos v1 protobuf wire format and the JSON-shaped
// objects the rest of the code uses (see ../mesos.ts): snake_case names as in the .proto files,
// enums by name, bytes as base64, 64-bit integers as numbers, unset fields absent. Each
// conversion is typed by the message name it is given (mesos-v1.ts, generated from the same
// .proto files): what it returns has been checked against that message's schema.
import protobuf from 'protobufjs';
import { collectMissing, normalizeMessage } from './json-shape.ts';
import { mesosRoot } from './loader.ts';
import { PlanCache, type TypePlan } from './plan.ts';
import { FieldError, isObject } from './values.ts';
import { decodeMessage, encodeMessage } from './wire.ts';
import type { MessageName, Messages } from './mesos-v1.ts';
import type { Result } from '../result.ts';

export { protoFiles } from './loader.ts';

/** Bytes or a JSON object that do not make a valid message of the requested type. */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** The conversions bound to one schema; the module-level functions use the process schema. */
export interface Codec {
  encode<N extends MessageName>(typeName: N, message: Messages[N]): Uint8Array;
  decode<N extends MessageName>(typeName: N, bytes: Uint8Array): Messages[N];
  fromJson<N extends MessageName>(typeName: N, json: unknown): Result<Messages[N]>;
}

/**
 * A message the walkers made and checked against `typeName`'s schema (every field of the type
 * it declares, required ones present), as the type generated from the same schema.
 */
function checked<N extends MessageName>(_typeName: N, message: Record<string, unknown>): Messages[N] {
  return message as Messages[N];
}

export function createCodec(root: protobuf.Root): Codec {
  const plans = new PlanCache(root);
  return {
    encode(typeName, message) {
      const obj: unknown = message;
      const plan = plans.get(typeName);
      const fail = (detail: string) => new ProtoError(`Failed to encode ${plan.shortName} protobuf: ${detail}`);
      if (!isObject(obj)) throw fail('Expecting an object');
      const w = protobuf.Writer.create();
      const missing: string[] = [];
      try {
        encodeMessage(plan, obj, w, [], missing, 0);
      } catch (err) {
        throw err instanceof FieldError ? fail(err.message) : err;
      }
      if (missing.length > 0) throw fail(missingText(missing));
      return w.finish();
    },

    decode(typeName, bytes) {
      const plan = plans.get(typeName);
      // Bare detail: HTTP handlers prefix it with Mesos' "Failed to parse body into Call protobuf".
      const fail = (detail: string) => new ProtoError(detail);
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out: Record<string, unknown> = {};
      try {
        const r = protobuf.Reader.create(buf);
        decodeMessage(plan, r, r.len, out, 0);
      } catch (err) {
        // WireError from our walker; protobufjs' Reader throws RangeError/Error on truncated input.
        if (err instanceof Error) throw fail(err.message);
        throw err;
      }
      const missing = missingFields(plan, out);
      if (missing !== undefined) throw fail(missing);
      return checked(typeName, out);
    },

    fromJson(typeName, json) {
      const plan = plans.get(typeName);
      const prefix = `Failed to convert JSON into ${plan.shortName} protobuf: `;
      if (!isObject(json)) return { ok: false, error: `${prefix}Expecting a JSON object` };
      let value: Record<string, unknown>;
      try {
        value = normalizeMessage(plan, json, [], 0);
      } catch (err) {
        if (err instanceof FieldError) return { ok: false, error: prefix + err.message };
        throw err;
      }
      const missing = missingFields(plan, value);
      if (missing !== undefined) return { ok: false, error: prefix + missing };
      return { ok: true, value: checked(typeName, value) };
    },
  };
}

function missingFields(plan: TypePlan, obj: Record<string, unknown>): string | undefined {
  if (!plan.hasRequiredDeep) return undefined;
  const missing: string[] = [];
  collectMissing(plan, obj, [], missing);
  return missing.length > 0 ? missingText(missing) : undefined;
}

/** Same wording as protobuf's InitializationErrorString() behind Mesos' messages. */
function missingText(paths: string[]): string {
  return `Missing required fields: ${paths.join(', ')}`;
}

let processCodec: Codec | undefined;

function codec(): Codec {
  processCodec ??= createCodec(mesosRoot());
  return processCodec;
}

/** JSON-shaped message -> protobuf bytes. Throws ProtoError on values the schema rejects. */
export function encode<N extends MessageName>(typeName: N, message: Messages[N]): Uint8Array {
  return codec().encode(typeName, message);
}

/**
 * Protobuf bytes -> JSON-shaped message. Throws ProtoError on malformed or incomplete input; its
 * message is the bare reason (e.g. `Missing required fields: framework_id.value`).
 */
export function decode<N extends MessageName>(typeName: N, bytes: Uint8Array): Messages[N] {
  return codec().decode(typeName, bytes);
}

/** Validates and normalises a JSON request body the way Mesos' JSON->protobuf parser does. */
export function fromJson<N extends MessageName>(typeName: N, json: unknown): Result<Messages[N]> {
  return codec().fromJson(typeName, json);
}

/** protobufjs JSON descriptor of all our protos, for the bundler to inject. */
export function protoDescriptorJson(): object {
  return mesosRoot().toJSON();
}
