// The registry in ZooKeeper, pure: which operations go to ZooKeeper and which stay in the
// master's local history, the bytes of the state and of its pointer, and how a write of any
// size is cut into chunks and multi-ops that each stay under ZooKeeper's limit (jute.maxbuffer,
// 1 MB by default, for a znode and for a whole multi-op). The layout is in
// daemons/common/zk/README.md.
import { createHash } from 'node:crypto';
import type { MultiOp } from '../common/zk/session.ts';
import type { AgentEntry, RegistryOp, RegistryState, StoredFramework } from './registry-state.ts';

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

/** jute.maxbuffer is 0xfffff bytes by default; this leaves room for the request's framing. */
export const DEFAULT_ZK_LIMITS: ZkLimits = { chunkBytes: 512 * 1024, multiBytes: 1_000_000 };

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
  return { agents: new Map(), unreachable: new Map(), frameworks: state.frameworks, completedFrameworks: state.completedFrameworks };
}

/** The part of the state ZooKeeper holds. */
export interface ZkState {
  agents: AgentEntry[];
  unreachable: Array<{ id: string; time: number; hostname: string }>;
  frameworks: Array<Pick<StoredFramework, 'info' | 'registeredTime'>>;
}

/** The ZooKeeper part of the state as JSON bytes (taken at once: the state moves on). */
export function encodeZkState(state: RegistryState): Buffer {
  const zk: ZkState = {
    agents: [...state.agents.values()],
    unreachable: [...state.unreachable].map(([id, u]) => ({ id, time: u.time, hostname: u.hostname })),
    frameworks: [...state.frameworks.values()].map((f) => ({ info: f.info, registeredTime: f.registeredTime })),
  };
  return Buffer.from(JSON.stringify(zk));
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
    agents: new Map(zk.agents.map((a) => [a.id, a])),
    unreachable: new Map(zk.unreachable.map((u) => [u.id, { time: u.time, hostname: u.hostname }])),
    frameworks: new Map(),
    completedFrameworks: history.completedFrameworks,
  };
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
  | { format: number; writer: string; chunks: string[]; bytes: number; sha256: string };

/** The pointer holding the state inline; the state's bytes are spliced in, not parsed again. */
export function inlinePointer(writer: string, encoded: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{"format":${FORMAT},"writer":${JSON.stringify(writer)},"state":`), encoded, Buffer.from('}')]);
}

export function chunkedPointer(writer: string, chunks: string[], encoded: Buffer): Buffer {
  const pointer: Pointer = { format: FORMAT, writer, chunks, bytes: encoded.length, sha256: sha256(encoded) };
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
  const p = value as Partial<{ format: unknown; writer: unknown; state: unknown; chunks: unknown; bytes: unknown; sha256: unknown }>;
  if (!p || typeof p !== 'object') throw new Error(`the registry pointer ${where} is not an object`);
  if (p.format !== FORMAT)
    throw new Error(
      `the registry pointer ${where} has format ${String(p.format)}; this master reads format ${FORMAT} (a newer master wrote it?)`,
    );
  const writer = typeof p.writer === 'string' ? p.writer : '';
  if (p.state !== undefined) return { format: FORMAT, writer, state: checkedZkState(p.state, where) };
  if (
    !Array.isArray(p.chunks) ||
    !p.chunks.every((c) => typeof c === 'string' && isChunkName(c)) ||
    typeof p.bytes !== 'number' ||
    typeof p.sha256 !== 'string'
  )
    throw new Error(`the registry pointer ${where} holds neither a state nor a list of chunks`);
  return { format: FORMAT, writer, chunks: p.chunks as string[], bytes: p.bytes, sha256: p.sha256 };
}

/**
 * A chunk's name under the pointer: the writer's sequence, a token of the write (so that an
 * abandoned write never collides with a later one) and the chunk's index.
 */
export function chunkName(writerSequence: number, token: string, index: number): string {
  return `chunk-${writerSequence}-${token}-${index}`;
}

export function isChunkName(name: string): boolean {
  return /^chunk-\d+-[0-9a-z]+-\d+$/.test(name);
}

/** Cuts `data` into pieces of at most `size` bytes (at least one piece, possibly empty). */
export function splitChunks(data: Buffer, size: number): Buffer[] {
  if (size <= 0) throw new Error(`chunk size ${size} must be positive`);
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
  return pieces.length > 0 ? pieces : [Buffer.alloc(0)];
}

/** Joins chunks read back and checks them against what the pointer says. */
export function joinChunks(pieces: Buffer[], bytes: number, digest: string, where: string): Buffer {
  const data = Buffer.concat(pieces);
  if (data.length !== bytes) throw new Error(`the registry's chunks under ${where} hold ${data.length} bytes; the pointer says ${bytes}`);
  if (sha256(data) !== digest) throw new Error(`the registry's chunks under ${where} do not match the pointer's sha256`);
  return data;
}

/** The state a pointer stands for, given its chunks' data when it has chunks. */
export function stateOfPointer(pointer: Pointer | undefined, pieces: Buffer[], where: string): ZkState {
  if (!pointer) return { agents: [], unreachable: [], frameworks: [] };
  if ('state' in pointer) return pointer.state;
  const data = joinChunks(pieces, pointer.bytes, pointer.sha256, where);
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

export interface WritePlan {
  /** Chunk creations, in multi-ops, before the flip (none when the state fits in the pointer). */
  staging: MultiOp[][];
  /** The pointer's new data: the one fenced flip that makes the write current. */
  pointer: Buffer;
  /** The chunks the new pointer names. */
  chunks: string[];
}

/**
 * How to write `encoded`: inline in the pointer when it fits in one chunk, else as chunks
 * (packed into multi-ops that leave room for the fence's check) and a pointer naming them.
 */
export function planWrite(
  encoded: Buffer,
  at: { pointer: string; writer: string; writerSequence: number; token: string },
  limits: ZkLimits,
  fenceBytes: number,
): WritePlan {
  if (encoded.length <= limits.chunkBytes) return { staging: [], pointer: inlinePointer(at.writer, encoded), chunks: [] };
  const pieces = splitChunks(encoded, limits.chunkBytes);
  const chunks = pieces.map((_, i) => chunkName(at.writerSequence, at.token, i));
  const creates: MultiOp[] = pieces.map((data, i) => ({ type: 'create', path: `${at.pointer}/${chunks[i]}`, data }));
  return { staging: packMultis(creates, limits.multiBytes, fenceBytes), pointer: chunkedPointer(at.writer, chunks, encoded), chunks };
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
