// The registry in ZooKeeper, pure: which operations go to ZooKeeper and which stay in the
// master's local history, the bytes of the state and of its pointer, and how a write of any
// size is cut into chunks and multi-ops that each stay under ZooKeeper's limit (jute.maxbuffer,
// 1 MB by default, for a znode and for a whole multi-op). The layout is in
// daemons/common/zk/README.md.
import { createHash } from 'node:crypto';
import type { MultiOp } from '../common/zk/session.ts';
import {
  type AgentEntry,
  type OperatorSnapshot,
  type RegistryOp,
  type RegistryState,
  type StoredFramework,
  type UnreachableEntry,
  emptyState,
  operatorSnapshot,
  restoreOperatorSnapshot,
  unreachableEntry,
} from './registry-state.ts';

/** The pointer znode's name in the group: no `_`, so no one reads it as a member (group.ts). */
export const POINTER_NAME = 'registry';
/** What a pointer says its format is; another is refused rather than misread. */
export const FORMAT = 1;

export interface ZkLimits {
  /** State up to this size lives in the pointer itself; larger state in chunks of this size. */
  chunkBytes: number;
  /** The most bytes one multi-op may carry (data and paths); under jute.maxbuffer. */
  multiBytes: number;
}

/**
 * jute.maxbuffer is 0xfffff bytes by default; multi-ops stay under 1,000,000 to leave room for
 * the request's framing. Chunks of 128 KiB: a write sends only the chunks that changed, so
 * smaller chunks mean fewer bytes per write (ZooKeeper keeps its last 500 transactions in
 * memory), at the price of more znodes to read at takeover.
 */
export const DEFAULT_ZK_LIMITS: ZkLimits = { chunkBytes: 128 * 1024, multiBytes: 1_000_000 };

/** What one operation of a multi-op adds to the request besides its data (header, version, ACL). */
const OP_OVERHEAD = 64;

/** The pointer znode of a group (`/mesos` → `/mesos/registry`); its chunks are its children. */
export function pointerPath(group: string): string {
  return `${group}/${POINTER_NAME}`;
}

/** Operations whose effect ZooKeeper holds: agents, unreachable agents, active frameworks. */
export function touchesZk(op: RegistryOp): boolean {
  return op.op !== 'COMPLETE_TASK';
}

/**
 * Operations the local history records: completed tasks and frameworks, and ADD_FRAMEWORK so
 * that replaying the local log knows the frameworks its completed tasks belong to.
 */
export function touchesHistory(op: RegistryOp): boolean {
  return op.op === 'COMPLETE_TASK' || op.op === 'REMOVE_FRAMEWORK' || op.op === 'ADD_FRAMEWORK';
}

/** The part of the state the local history keeps: frameworks and completed frameworks, no agents. */
export function historyView(state: RegistryState): RegistryState {
  return { ...emptyState(), frameworks: state.frameworks, completedFrameworks: state.completedFrameworks };
}

/**
 * The part of the state ZooKeeper holds. The operators' part (weights, marks, gone agents) is
 * missing from states written before it was kept.
 */
export interface ZkState extends Partial<OperatorSnapshot> {
  agents: AgentEntry[];
  unreachable: Array<{ id: string } & UnreachableEntry>;
  frameworks: Array<Pick<StoredFramework, 'info' | 'registeredTime'>>;
}

/**
 * Each admitted agent's JSON bytes, kept with the entry: an operation replaces an agent's entry
 * and never changes one in place, and the agents are most of the bytes, so a write encodes only
 * the agents that are new since the last, and a chunk made of the same agents' bytes as before
 * is known unchanged without reading it (planWrite).
 */
const agentBytes = new WeakMap<AgentEntry, Buffer>();
const HEAD = Buffer.from('{"agents":[');
const COMMA = Buffer.from(',');

function bytesOfAgent(agent: AgentEntry): Buffer {
  let bytes = agentBytes.get(agent);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(agent));
    agentBytes.set(agent, bytes);
  }
  return bytes;
}

/**
 * The ZooKeeper part of the state (ZkState) as JSON, in segments whose concatenation is the
 * bytes (encodeZkState), taken at once: the state moves on. An agent's segment is the same
 * Buffer from one write to the next.
 */
export function zkStateSegments(state: RegistryState): Buffer[] {
  const segments: Buffer[] = [HEAD];
  for (const agent of state.agents.values()) {
    if (segments.length > 1) segments.push(COMMA);
    segments.push(bytesOfAgent(agent));
  }
  const unreachable = [...state.unreachable].map(([id, u]) => ({ id, ...unreachableEntry(u) }));
  const frameworks = [...state.frameworks.values()].map((f) => ({ info: f.info, registeredTime: f.registeredTime }));
  const { weights, marks, gone } = operatorSnapshot(state);
  segments.push(
    Buffer.from(
      `],"unreachable":${JSON.stringify(unreachable)},"frameworks":${JSON.stringify(frameworks)},"weights":${JSON.stringify(weights)},"marks":${JSON.stringify(marks)},"gone":${JSON.stringify(gone)}}`,
    ),
  );
  return segments;
}

/** The ZooKeeper part of the state as JSON bytes. */
export function encodeZkState(state: RegistryState): Buffer {
  return Buffer.concat(zkStateSegments(state));
}

function checkedZkState(value: unknown, where: string): ZkState {
  const v = value as Partial<ZkState> | null;
  if (!v || !Array.isArray(v.agents) || !Array.isArray(v.unreachable) || !Array.isArray(v.frameworks))
    throw new Error(`the registry in ZooKeeper (${where}) is not a registry state (agents, unreachable, frameworks)`);
  return v as ZkState;
}

/**
 * The state a new leader starts from: agents and active frameworks as ZooKeeper holds them,
 * with the completed tasks its own history recorded for those frameworks, and its completed
 * frameworks. History of frameworks that another leader removed meanwhile is dropped: no one
 * knows when they ended.
 */
export function mergeHistory(zk: ZkState, history: RegistryState): RegistryState {
  const state: RegistryState = {
    ...emptyState(),
    agents: new Map(zk.agents.map((a) => [a.id, a])),
    unreachable: new Map(zk.unreachable.map((u) => [u.id, unreachableEntry(u)])),
    completedFrameworks: history.completedFrameworks,
  };
  restoreOperatorSnapshot(state, zk, 'the registry in ZooKeeper');
  for (const f of zk.frameworks) {
    const id = f.info.id?.value;
    if (!id) continue;
    const completedTasks = history.frameworks.get(id)?.completedTasks ?? [];
    state.frameworks.set(id, { info: f.info, registeredTime: f.registeredTime, completedTasks });
  }
  return state;
}

/** The pointer znode's data: the state itself when it is small, else the chunks that hold it. */
export type Pointer =
  | { format: number; writer: string; state: ZkState }
  | { format: number; writer: string; chunks: string[]; bytes: number };

/** The pointer holding the state inline; the state's bytes are spliced in, not parsed again. */
export function inlinePointer(writer: string, encoded: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{"format":${FORMAT},"writer":${JSON.stringify(writer)},"state":`), encoded, Buffer.from('}')]);
}

export function chunkedPointer(writer: string, chunks: string[], bytes: number): Buffer {
  const pointer: Pointer = { format: FORMAT, writer, chunks, bytes };
  return Buffer.from(JSON.stringify(pointer));
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a pointer znode's data; `where` names it in the errors. Empty data is an empty registry. */
export function decodePointer(data: Buffer, where: string): Pointer | undefined {
  if (data.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new Error(`the registry pointer ${where} is not JSON (${(err as Error).message})`);
  }
  const p = value as Partial<{ format: unknown; writer: unknown; state: unknown; chunks: unknown; bytes: unknown }>;
  if (!p || typeof p !== 'object') throw new Error(`the registry pointer ${where} is not an object`);
  if (p.format !== FORMAT)
    throw new Error(
      `the registry pointer ${where} has format ${String(p.format)}; this master reads format ${FORMAT} (a newer master wrote it?)`,
    );
  const writer = typeof p.writer === 'string' ? p.writer : '';
  if (p.state !== undefined) return { format: FORMAT, writer, state: checkedZkState(p.state, where) };
  if (!Array.isArray(p.chunks) || !p.chunks.every((c) => typeof c === 'string' && isChunkName(c)) || typeof p.bytes !== 'number')
    throw new Error(`the registry pointer ${where} holds neither a state nor a list of chunks`);
  return { format: FORMAT, writer, chunks: p.chunks as string[], bytes: p.bytes };
}

/**
 * A chunk's name under the pointer: its content's digest, so that a write creates only the
 * chunks whose bytes changed (a new agent changes the last ones; the rest are kept) and a chunk
 * made twice is the same chunk.
 */
export function chunkName(data: Buffer): string {
  return `chunk-${sha256(data).slice(0, 32)}`;
}

export function isChunkName(name: string): boolean {
  return /^chunk-[0-9a-f]{32}$/.test(name);
}

/** Cuts `data` into pieces of at most `size` bytes (at least one piece, possibly empty). */
export function splitChunks(data: Buffer, size: number): Buffer[] {
  if (size <= 0) throw new Error(`chunk size ${size} must be positive`);
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
  return pieces.length > 0 ? pieces : [Buffer.alloc(0)];
}

/** Joins chunks read back, each checked against its name (its digest) and all against the pointer's length. */
export function joinChunks(pieces: Buffer[], names: readonly string[], bytes: number, where: string): Buffer {
  pieces.forEach((piece, i) => {
    if (chunkName(piece) !== names[i])
      throw new Error(`the registry's chunk ${where}/${names[i]} does not hold the bytes its name is the digest of`);
  });
  const data = Buffer.concat(pieces);
  if (data.length !== bytes) throw new Error(`the registry's chunks under ${where} hold ${data.length} bytes; the pointer says ${bytes}`);
  return data;
}

/** The state a pointer stands for, given its chunks' data when it has chunks. */
export function stateOfPointer(pointer: Pointer | undefined, pieces: Buffer[], where: string): ZkState {
  if (!pointer) return { agents: [], unreachable: [], frameworks: [] };
  if ('state' in pointer) return pointer.state;
  const data = joinChunks(pieces, pointer.chunks, pointer.bytes, where);
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new Error(`the registry's chunks under ${where} are not JSON (${(err as Error).message})`);
  }
  return checkedZkState(value, where);
}

function opBytes(op: MultiOp): number {
  const data = 'data' in op && op.data !== undefined ? Buffer.byteLength(op.data) : 0;
  return OP_OVERHEAD + Buffer.byteLength(op.path) + data;
}

/** Packs operations into as few multi-ops as keep each under `multiBytes` (with `reserve` bytes kept free in each). */
export function packMultis(ops: readonly MultiOp[], multiBytes: number, reserve = 0): MultiOp[][] {
  const multis: MultiOp[][] = [];
  let current: MultiOp[] = [];
  let size = reserve;
  for (const op of ops) {
    const bytes = opBytes(op);
    if (reserve + bytes > multiBytes)
      throw new Error(`one operation on ${op.path} needs ${bytes} bytes; a multi-op may carry ${multiBytes}`);
    if (current.length > 0 && size + bytes > multiBytes) {
      multis.push(current);
      current = [];
      size = reserve;
    }
    current.push(op);
    size += bytes;
  }
  if (current.length > 0) multis.push(current);
  return multis;
}

/** One chunk of a write: the segments its bytes come from, where in the first they start, its name. */
export interface PieceLayout {
  refs: Buffer[];
  start: number;
  length: number;
  name: string;
}

export interface WritePlan {
  /** Creations of the chunks that do not exist yet, in multi-ops, before the flip. */
  staging: MultiOp[][];
  /** The pointer's new data: the one fenced flip that makes the write current. */
  pointer: Buffer;
  /** The chunks the new pointer names, in order. */
  chunks: string[];
  /** The chunks this write creates (those of `chunks` not in `existing`). */
  created: string[];
  /** Where each chunk's bytes came from: the next write's `previous`. */
  layout: PieceLayout[];
}

function sameRefs(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((ref, i) => ref === b[i]);
}

/**
 * How to write the state (its bytes, or its segments as zkStateSegments gives them): inline in
 * the pointer when it fits in one chunk, else as chunks of `chunkBytes` and a pointer naming
 * them. Chunks are named by their digest; those not in `existing` are created, in multi-ops that
 * leave room for the fence's check. A chunk made of the same segments at the same offsets as in
 * the `previous` write's layout has the same bytes, and keeps its name without being rebuilt.
 */
export function planWrite(
  state: Buffer | readonly Buffer[],
  at: { pointer: string; writer: string },
  limits: ZkLimits,
  fenceBytes: number,
  existing: ReadonlySet<string> = new Set(),
  previous: readonly PieceLayout[] = [],
): WritePlan {
  const segments = Buffer.isBuffer(state) ? [state] : state;
  const total = segments.reduce((sum, seg) => sum + seg.length, 0);
  if (total <= limits.chunkBytes)
    return { staging: [], pointer: inlinePointer(at.writer, Buffer.concat(segments)), chunks: [], created: [], layout: [] };
  const layout: PieceLayout[] = [];
  const creates: MultiOp[] = [];
  const created: string[] = [];
  let seg = 0;
  let off = 0;
  for (let pos = 0; pos < total; pos += limits.chunkBytes) {
    const length = Math.min(limits.chunkBytes, total - pos);
    while (segments[seg]!.length === off) {
      seg++;
      off = 0;
    }
    const start = off;
    const refs: Buffer[] = [];
    for (let left = length; left > 0; ) {
      const piece = segments[seg]!;
      const avail = piece.length - off;
      if (avail === 0) {
        seg++;
        off = 0;
        continue;
      }
      refs.push(piece);
      if (avail <= left) {
        left -= avail;
        seg++;
        off = 0;
      } else {
        off += left;
        left = 0;
      }
    }
    const before = previous[layout.length];
    let data: Buffer | undefined;
    let name: string;
    if (before && before.start === start && before.length === length && sameRefs(before.refs, refs)) name = before.name;
    else {
      data = Buffer.concat(refs).subarray(start, start + length);
      name = chunkName(data);
    }
    layout.push({ refs, start, length, name });
    if (existing.has(name) || created.includes(name)) continue;
    data ??= Buffer.concat(refs).subarray(start, start + length);
    created.push(name);
    creates.push({ type: 'create', path: `${at.pointer}/${name}`, data });
  }
  const chunks = layout.map((p) => p.name);
  return {
    staging: packMultis(creates, limits.multiBytes, fenceBytes),
    pointer: chunkedPointer(at.writer, chunks, total),
    chunks,
    created,
    layout,
  };
}

/** The fence's own size in a multi-op (the check of the candidacy znode). */
export function fenceBytes(candidacyPath: string): number {
  return OP_OVERHEAD + Buffer.byteLength(candidacyPath);
}

/** Checks limits given by hand: a chunk and its fence must fit in one multi-op. */
export function checkLimits(limits: ZkLimits, candidacyPath: string, pointer: string): void {
  // The largest multi-op: the fence and a pointer holding a whole chunk's worth of state inline.
  const header = Buffer.byteLength(inlinePointer(candidacyPath, Buffer.alloc(0)));
  const worst = fenceBytes(candidacyPath) + OP_OVERHEAD + Buffer.byteLength(pointer) + header + limits.chunkBytes;
  if (limits.chunkBytes <= 0 || worst > limits.multiBytes)
    throw new Error(`registry chunks of ${limits.chunkBytes} bytes do not fit in multi-ops of ${limits.multiBytes} bytes`);
}
