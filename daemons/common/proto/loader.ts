// Where the Mesos v1 schema comes from at run time: the JSON descriptor the bundler injects
// into the single-executable build, or the .proto files next to this module when running
// from source (tests, tsx).
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

// Replaced by esbuild `define` in the bundled binary; undeclared (typeof -> 'undefined') otherwise.
// A string of JSON, not an object literal: V8 would parse an object literal that large at every
// start of every program, while a string is only scanned, and JSON.parse() runs only when the
// schema is needed.
declare const __MESOS_PROTO_DESCRIPTOR__: string | undefined;

/** Our .proto files, relative to this directory, each listed after the files it imports. */
export const PROTO_FILES: readonly string[] = [
  'mesos/v1/mesos.proto',
  'mesos/v1/scheduler/scheduler.proto',
  'mesos/v1/executor/executor.proto',
  'mesos/v1/allocator/allocator.proto',
  'mesos/v1/maintenance/maintenance.proto',
  'mesos/v1/quota/quota.proto',
  'mesos/v1/master/master.proto',
  'mesos/v1/agent/agent.proto',
];

/** Imports satisfied by the definitions protobufjs ships, not by files of ours. */
export const BUILTIN_IMPORTS: readonly string[] = ['google/protobuf/duration.proto'];

let sources: Record<string, string> | undefined;

/** Relative path -> text of every .proto file of ours (read from disk once). */
export function protoFiles(): Record<string, string> {
  if (sources === undefined) {
    const read: Record<string, string> = {};
    // Resolved lazily: in a CommonJS bundle import.meta.url is empty, and this is never reached.
    for (const file of PROTO_FILES) read[file] = readFileSync(new URL(file, import.meta.url), 'utf8');
    sources = read;
  }
  return { ...sources };
}

/** Parses .proto texts (relative path -> text) into one resolved Root. */
export function rootFromSources(files: Record<string, string>): protobuf.Root {
  const root = new protobuf.Root();
  for (const name of BUILTIN_IMPORTS) {
    const builtin = protobuf.common.get(name);
    if (builtin?.nested === undefined) throw new Error(`protobufjs does not ship ${name}`);
    root.addJSON(builtin.nested);
  }
  for (const text of Object.values(files)) protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/**
 * Rebuilds a Root from a protobufjs JSON descriptor (Root#toJSON() of a root that resolved at
 * build time). Types are resolved lazily as the codec plans them: resolving all ~400 up front
 * would lengthen every short-lived program that uses a few of them (`mesos execute`).
 */
export function rootFromDescriptor(descriptor: object): protobuf.Root {
  // Not Root.fromJSON: since protobufjs 8 it ends with resolveAll().
  const json = descriptor as protobuf.INamespace;
  const root = new protobuf.Root();
  if (json.options) root.setOptions(json.options);
  if (json.nested) root.addJSON(json.nested);
  return root;
}

function injectedDescriptor(): object | undefined {
  return typeof __MESOS_PROTO_DESCRIPTOR__ === 'undefined' ? undefined : (JSON.parse(__MESOS_PROTO_DESCRIPTOR__) as object);
}

let root: protobuf.Root | undefined;

/** The schema of this process, loaded on first use. */
export function mesosRoot(): protobuf.Root {
  if (root === undefined) {
    const descriptor = injectedDescriptor();
    root = descriptor !== undefined ? rootFromDescriptor(descriptor) : rootFromSources(protoFiles());
  }
  return root;
}
