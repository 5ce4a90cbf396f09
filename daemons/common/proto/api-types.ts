// Generates, from our .proto files, the types of the v1 messages in Mesos's JSON encoding, the
// encoding the codec (codec.ts) reads and writes: snake_case field names, enums as their names,
// bytes as base64 strings, 64-bit integers as numbers, unset fields absent (defaults are not
// filled in, and an empty repeated field is left out, so only `required` fields are sure to be
// there).
// - `mesos-v1.ts` beside this file: TypeScript declarations of every message and enum, committed
//   and imported by the daemons and the web UI (through ../mesos.ts), so that code which reads or
//   writes a field the .proto files do not have fails the type check. Declarations only: no
//   runtime code, nothing in the bundle. A unit test fails when it is stale.
// - for mesos-devel: the same declarations as mesos-v1.d.ts, and a JSON Schema per API message
//   (Call/Event/Response of the scheduler, executor, master and agent APIs).
//   tsx daemons/common/proto/api-types.ts --write      rewrites mesos-v1.ts (npm run gen-types)
//   tsx daemons/common/proto/api-types.ts --out DIR    writes DIR/schemas/*.schema.json and DIR/typescript/mesos-v1.d.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { protoFiles, rootFromSources } from './loader.ts';

/** The messages a client sends or receives, one schema each. */
export const API_MESSAGES = [
  'mesos.v1.scheduler.Call',
  'mesos.v1.scheduler.Event',
  'mesos.v1.executor.Call',
  'mesos.v1.executor.Event',
  'mesos.v1.master.Call',
  'mesos.v1.master.Response',
  'mesos.v1.master.Event',
  'mesos.v1.agent.Call',
  'mesos.v1.agent.Response',
];

/** The committed typings the code imports. */
export const TYPINGS_FILE = fileURLToPath(new URL('mesos-v1.ts', import.meta.url));

/** biome's line width (biome.json): longer declarations are wrapped as biome wraps them, so `biome check` passes on the file. */
const LINE_WIDTH = 140;

const INTEGER = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function name(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

function resolved(f: protobuf.Field): protobuf.Type | protobuf.Enum | undefined {
  f.resolve();
  const r = f.resolvedType;
  return r instanceof protobuf.Type || r instanceof protobuf.Enum ? r : undefined;
}

type Schema = Record<string, unknown>;

function scalarSchema(type: string): Schema {
  if (INTEGER.has(type)) return { type: 'integer' };
  if (type === 'double' || type === 'float') return { type: 'number' };
  if (type === 'bool') return { type: 'boolean' };
  if (type === 'bytes') return { type: 'string', contentEncoding: 'base64' };
  return { type: 'string' };
}

function fieldSchema(f: protobuf.Field, refs: Set<protobuf.Type | protobuf.Enum>): Schema {
  const r = resolved(f);
  let item: Schema;
  if (r) {
    refs.add(r);
    item = { $ref: `#/definitions/${name(r)}` };
  } else item = scalarSchema(f.type);
  if (f instanceof protobuf.MapField) return { type: 'object', additionalProperties: item };
  return f.repeated ? { type: 'array', items: item } : item;
}

/** A JSON Schema (draft-07) for one message and everything it reaches. */
export function jsonSchema(root: protobuf.Root, messageName: string): Schema {
  const top = root.lookupType(messageName);
  const definitions: Record<string, Schema> = {};
  const pending: Array<protobuf.Type | protobuf.Enum> = [top];
  const seen = new Set<protobuf.Type | protobuf.Enum>();
  while (pending.length > 0) {
    const t = pending.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t instanceof protobuf.Enum) {
      definitions[name(t)] = { type: 'string', enum: Object.keys(t.values) };
      continue;
    }
    const refs = new Set<protobuf.Type | protobuf.Enum>();
    const properties: Record<string, Schema> = {};
    for (const f of t.fieldsArray) properties[f.name] = fieldSchema(f, refs);
    const required = t.fieldsArray.filter((f) => f.required).map((f) => f.name);
    definitions[name(t)] = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
    for (const r of refs) if (!seen.has(r)) pending.push(r);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `mesos-ts:${messageName}`,
    title: `${messageName} in Mesos's JSON encoding`,
    $ref: `#/definitions/${messageName}`,
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

function tsType(f: protobuf.Field): string {
  const r = resolved(f);
  let base: string;
  if (r) base = name(r);
  else if (INTEGER.has(f.type) || f.type === 'double' || f.type === 'float') base = 'number';
  else if (f.type === 'bool') base = 'boolean';
  else base = 'string';
  if (f instanceof protobuf.MapField) return `{ [key: string]: ${base} }`;
  return f.repeated ? `${base}[]` : base;
}

/** A field's proto default, which the JSON leaves to the reader: the codec never fills it in. */
function defaultComment(f: protobuf.Field): string | undefined {
  const d: unknown = f.options?.default;
  if (d === undefined) return undefined;
  return `/** Unset means ${typeof d === 'string' && !(resolved(f) instanceof protobuf.Enum) ? JSON.stringify(d) : String(d)}. */`;
}

/** `export type X = 'A' | 'B';`, one member a line when that is too long, as biome writes it. */
function enumLines(e: protobuf.Enum, indent: string): string[] {
  const members = Object.keys(e.values).map((v) => `'${v}'`);
  const line = `${indent}export type ${e.name} = ${members.join(' | ')};`;
  if (line.length <= LINE_WIDTH) return [line];
  return [`${indent}export type ${e.name} =`, ...members.map((m, i) => `${indent}  | ${m}${i === members.length - 1 ? ';' : ''}`)];
}

/**
 * TypeScript declarations of every message and enum, in namespaces after the proto packages
 * (`mesos.v1.TaskInfo`, `mesos.v1.scheduler.Call.Accept`). Required fields are required, every
 * other field optional.
 */
export function typings(root: protobuf.Root): string {
  const out: string[] = [
    '// Mesos v1 API messages in their JSON encoding (snake_case fields, enums as names, bytes as',
    '// base64 strings, 64-bit integers as numbers, unset fields absent). Generated by mesos-ts from',
    '// its .proto files (daemons/common/proto/api-types.ts): do not edit, run `npm run gen-types`.',
    '',
  ];
  const emit = (ns: protobuf.NamespaceBase, indent: string): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Enum) {
        out.push(...enumLines(obj, indent));
      } else if (obj instanceof protobuf.Type) {
        if (obj.fieldsArray.length === 0) {
          // Not `{}`, which any value but null matches: an empty message is an empty object.
          out.push(`${indent}export type ${obj.name} = Record<string, never>;`);
        } else {
          out.push(`${indent}export interface ${obj.name} {`);
          for (const f of obj.fieldsArray) {
            const comment = defaultComment(f);
            if (comment) out.push(`${indent}  ${comment}`);
            out.push(`${indent}  ${f.name}${f.required ? '' : '?'}: ${tsType(f)};`);
          }
          out.push(`${indent}}`);
        }
        if (obj.nestedArray.length > 0) {
          out.push(`${indent}export namespace ${obj.name} {`);
          emit(obj, `${indent}  `);
          out.push(`${indent}}`);
        }
      } else if (obj instanceof protobuf.Namespace && !(obj instanceof protobuf.Service)) {
        out.push(`${indent}export namespace ${obj.name} {`);
        emit(obj, `${indent}  `);
        out.push(`${indent}}`);
      }
    }
  };
  // mesos.v1.* and what it imports (google.protobuf.Duration).
  const messages: string[] = [];
  const collect = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) messages.push(name(obj));
      if (obj instanceof protobuf.Namespace) collect(obj);
    }
  };
  for (const top of root.nestedArray) {
    if (!(top instanceof protobuf.Namespace)) continue;
    out.push(`export namespace ${top.name} {`);
    emit(top, '  ');
    out.push('}');
    collect(top);
  }
  out.push(
    '',
    '/** Every message by its full name, as the codec is asked for it: `encode(name, message)`. */',
    'export interface Messages {',
    ...messages.map((m) => `  '${m}': ${m};`),
    '}',
    '',
    '/** The full name of a message, e.g. `mesos.v1.scheduler.Call`. */',
    'export type MessageName = keyof Messages;',
    '',
  );
  return out.join('\n');
}

/** The typings of our .proto files, as `mesos-v1.ts` must hold them. */
export function currentTypings(): string {
  return typings(rootFromSources(protoFiles()));
}

export function writeApiTypes(outDir: string): string[] {
  const root = rootFromSources(protoFiles());
  const written: string[] = [];
  mkdirSync(path.join(outDir, 'schemas'), { recursive: true });
  mkdirSync(path.join(outDir, 'typescript'), { recursive: true });
  for (const msg of API_MESSAGES) {
    const file = path.join(outDir, 'schemas', `${msg}.schema.json`);
    writeFileSync(file, `${JSON.stringify(jsonSchema(root, msg), null, 2)}\n`);
    written.push(file);
  }
  const dts = path.join(outDir, 'typescript', 'mesos-v1.d.ts');
  writeFileSync(dts, typings(root));
  written.push(dts);
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? process.argv[i + 1] : undefined;
  if (process.argv.includes('--write')) {
    writeFileSync(TYPINGS_FILE, currentTypings());
    process.stdout.write(`${TYPINGS_FILE}\n`);
  } else if (out) {
    for (const f of writeApiTypes(out)) process.stdout.write(`${f}\n`);
  } else {
    process.stderr.write('usage: tsx daemons/common/proto/api-types.ts --write | --out DIR\n');
    process.exitCode = 2;
  }
}
