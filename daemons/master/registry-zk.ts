// The registry of a master with --zk: agents, unreachable agents and active frameworks in
// ZooKeeper under the group's znode, written only by the leader; the history (completed tasks
// and frameworks) in the master's local directory, as it never goes to ZooKeeper.
//
// Every write of the leader is fenced twice, so that a deposed leader (its session expired, or
// another master elected while it was paused) can never overwrite newer state: each multi-op
// checks the leader's own member znode (gone once its session is), and the pointer is set only
// at the version read when this master took over or last wrote. A write that fails either way
// rejects its operations and calls `onFenced` once; the store writes nothing afterwards.
//
// Each write states ZooKeeper's whole part of the state anew, rather than a delta: the next
// leader reads one state with no log to replay or compact, and group commit makes one write
// serve every operation of the same moment. State up to one chunk lives in the pointer itself
// (one multi-op: check + setData). Larger state is cut into chunks named by their digest: the
// chunks not there yet are created first (a new agent changes only the last one), then one
// fenced flip of the pointer makes the new state current, and the chunks it no longer names are
// deleted after it. Chunks of a writer that died before its flip are named by no pointer and are
// collected by the next leader when it opens the registry.
import type { Logger } from 'pino';
import { type MultiOp, type MultiResult, ZkError, ZkMultiError, type ZkSession, reconnected, retrying } from '../common/zk/session.ts';
import { FileStore } from './registry-file.ts';
import { type RegistryLimits, type RegistryOp, type RegistryState, type RegistryStore, emptyState } from './registry-state.ts';
import {
  DEFAULT_ZK_LIMITS,
  type PieceLayout,
  type Pointer,
  type WritePlan,
  type ZkLimits,
  type ZkState,
  checkLimits,
  decodePointer,
  fenceBytes,
  historyView,
  mergeHistory,
  packMultis,
  planWrite,
  pointerPath,
  stateOfPointer,
  touchesHistory,
  touchesZk,
  zkStateSegments,
} from './registry-zk-format.ts';

export interface ZkRegistryOptions {
  session: ZkSession;
  /** The group's znode (url.ts groupZnode), e.g. `/mesos`. */
  group: string;
  /** The elected master's own member znode (Candidacy.path): what every write checks. */
  candidacyPath: string;
  /**
   * Where the history lives, e.g. <work_dir>/registry-history: a directory of its own, so that
   * the file registry of a run without --zk (<work_dir>/registry) and this one never mix.
   * Without it, the history is kept in memory only.
   */
  localDir?: string;
  limits: RegistryLimits;
  /** Chunk and multi-op sizes; DEFAULT_ZK_LIMITS unless a test wants small ones. */
  zkLimits?: ZkLimits;
  log: Logger;
  /** Called once, when a write finds this master fenced off (it must stop leading). */
  onFenced: (reason: string) => void;
}

/** Multi-ops of chunks in flight at once (each up to ~1 MB). */
const STAGING_IN_FLIGHT = 4;

/** A write refused because another leader took over (or this master's session ended). */
export class FencedError extends Error {
  override name = 'FencedError';
}

/** Opens the ZooKeeper registry and the local history; resolves with the merged state. */
export async function openZkStore(options: ZkRegistryOptions): Promise<{ store: ZkRegistryStore; state: RegistryState }> {
  const history = options.localDir ? await FileStore.open(options.localDir, options.limits, options.log) : undefined;
  const store = new ZkRegistryStore(options, history?.store);
  const zk = await store.open();
  return { store, state: mergeHistory(zk, history?.state ?? emptyState()) };
}

/** A staged write: its chunks exist, nothing names them until the flip. */
export interface StagedWrite {
  plan: WritePlan;
}

export class ZkRegistryStore implements RegistryStore {
  readonly pointer: string;
  private readonly session: ZkSession;
  private readonly candidacy: string;
  private readonly zkLimits: ZkLimits;
  /** The pointer's version this master expects: read at takeover, then the one its last flip made. */
  private version = -1;
  /** Chunks the current pointer names. */
  private chunks: string[] = [];
  /** Where the bytes of those chunks came from, when this master wrote them (none after takeover). */
  private layout: PieceLayout[] = [];
  /** Chunks of this master's writes that failed before their flip; deleted after the next one. */
  private orphans: string[] = [];
  private fenced: string | undefined;
  private cleanup: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ZkRegistryOptions,
    private readonly local: FileStore | undefined,
  ) {
    this.session = options.session;
    this.candidacy = options.candidacyPath;
    this.pointer = pointerPath(options.group);
    this.zkLimits = options.zkLimits ?? DEFAULT_ZK_LIMITS;
    checkLimits(this.zkLimits, this.candidacy, this.pointer);
  }

  /** Reads the current state (creating an empty pointer the first time) and collects orphan chunks. */
  async open(): Promise<ZkState> {
    const s = this.session;
    let read: { data: Buffer; stat: { version: number } };
    for (;;) {
      try {
        read = await retrying(s, () => s.getData(this.pointer));
        break;
      } catch (err) {
        if (!(err instanceof ZkError) || err.code !== 'NO_NODE') throw this.openError(err);
      }
      try {
        await this.fencedMulti([{ type: 'create', path: this.pointer, data: Buffer.alloc(0) }], true);
      } catch (err) {
        if (!(err instanceof ZkMultiError && err.code === 'NODE_EXISTS')) throw this.openError(err);
      }
    }
    this.version = read.stat.version;
    const pointer = decodePointer(read.data, this.pointer);
    this.chunks = pointer && 'chunks' in pointer ? pointer.chunks : [];
    // Read together: a failover waits for them.
    const pieces = await Promise.all(
      this.chunks.map((name) =>
        retrying(s, () => s.getData(`${this.pointer}/${name}`)).then(
          (r) => r.data,
          (err: unknown) => {
            throw this.openError(err, `reading chunk ${name} of the registry`);
          },
        ),
      ),
    );
    const state = stateOfPointer(pointer, pieces, this.pointer);
    await this.collectOrphans(pointer);
    this.options.log.info(
      `Recovered the registry from ZooKeeper (${this.pointer} version ${this.version}${this.chunks.length > 0 ? `, ${this.chunks.length} chunks` : ''}): ${state.agents.length} agents, ${state.unreachable.length} unreachable, ${state.frameworks.length} frameworks`,
    );
    return state;
  }

  private openError(err: unknown, what = 'reading the registry'): Error {
    if (err instanceof FencedError) return err;
    return new Error(`${what} at ${this.pointer} in ZooKeeper: ${(err as Error).message}`);
  }

  /** Deletes the pointer's children that it does not name (chunks of writes that never flipped). */
  private async collectOrphans(pointer: Pointer | undefined): Promise<void> {
    const named = new Set(pointer && 'chunks' in pointer ? pointer.chunks : []);
    const { children } = await retrying(this.session, () => this.session.getChildren(this.pointer));
    const orphans = children.filter((c) => !named.has(c));
    if (orphans.length === 0) return;
    await this.deleteChunks(orphans);
    this.options.log.info(`Collected ${orphans.length} registry chunks left in ZooKeeper by a write that never completed`);
  }

  write(batch: readonly RegistryOp[], state: RegistryState): Promise<void> {
    if (this.fenced !== undefined) return Promise.reject(new FencedError(`not writing the registry: ${this.fenced}`));
    const writes: Array<Promise<void>> = [];
    if (batch.some(touchesZk)) writes.push(this.writeZk(zkStateSegments(state)));
    const history = batch.filter(touchesHistory);
    if (history.length > 0 && this.local) writes.push(this.local.write(history, historyView(state)));
    // Both settle before the next write starts: the local store's writes must not overlap.
    return Promise.allSettled(writes).then((results) => {
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }

  private async writeZk(segments: Buffer[]): Promise<void> {
    const staged = await this.stage(segments);
    await this.flip(staged);
  }

  /** Creates the chunks of a write that do not exist yet; nothing reads them until the flip. */
  async stage(state: Buffer | readonly Buffer[]): Promise<StagedWrite> {
    // Deletions after the last flip go first: one of them may be a chunk this write makes again.
    await this.cleanup;
    const plan = planWrite(
      state,
      { pointer: this.pointer, writer: this.candidacy },
      this.zkLimits,
      fenceBytes(this.candidacy),
      new Set(this.chunks),
      this.layout,
    );
    // Sent a few at a time: ZooKeeper syncs its log once for many requests, and a few megabytes
    // in flight are all one session should ask it to hold.
    for (let at = 0; at < plan.staging.length; at += STAGING_IN_FLIGHT) {
      const window = plan.staging.slice(at, at + STAGING_IN_FLIGHT);
      const results = await Promise.allSettled(window.map((multi) => this.createChunks(multi)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        if (!(failed.reason instanceof FencedError)) this.orphans.push(...plan.created);
        throw failed.reason;
      }
    }
    return { plan };
  }

  /** Creates chunks in one fenced multi-op; one that exists already holds the same bytes (its name is their digest). */
  private async createChunks(creates: MultiOp[]): Promise<void> {
    let left = creates;
    while (left.length > 0) {
      try {
        await this.fencedMulti(left, true);
        return;
      } catch (err) {
        if (!(err instanceof ZkMultiError && err.code === 'NODE_EXISTS' && err.index > 0)) throw err;
        const exists = err.path;
        left = left.filter((op) => op.path !== exists);
      }
    }
  }

  /** Makes a staged write current: one fenced setData of the pointer at the expected version. */
  async flip(staged: StagedWrite): Promise<void> {
    const { plan } = staged;
    const expected = this.version;
    const ops: MultiOp[] = [{ type: 'setData', path: this.pointer, data: plan.pointer, version: expected }];
    let results: MultiResult[] | undefined;
    for (;;) {
      try {
        results = await this.fencedMulti(ops, false);
        break;
      } catch (err) {
        if (!(err instanceof ZkError && err.retryable)) {
          if (!(err instanceof FencedError)) this.orphans.push(...plan.created);
          throw err;
        }
      }
      // The flip may have landed before the connection went: the pointer says whether it did.
      const landed = await this.flipLanded(plan.pointer, expected);
      if (landed !== undefined) {
        this.version = landed;
        break;
      }
    }
    const set = results?.[1];
    if (set?.type === 'setData') this.version = set.stat.version;
    const current = new Set(plan.chunks);
    const stale = [...new Set([...this.chunks, ...this.orphans])].filter((c) => !current.has(c));
    this.chunks = plan.chunks;
    this.layout = plan.layout;
    this.orphans = [];
    // No pointer names them any more: their deletion need not delay what waits for this write.
    if (stale.length > 0) this.cleanup = this.cleanup.then(() => this.deleteChunks(stale)).catch(() => undefined);
  }

  /** Resolves once the chunks of earlier writes are deleted (or failed to be). */
  idle(): Promise<void> {
    return this.cleanup;
  }

  /** After a lost connection: the flip's new version if it landed, undefined to try again; fenced if another wrote. */
  private async flipLanded(data: Buffer, expected: number): Promise<number | undefined> {
    let read: { data: Buffer; stat: { version: number } };
    try {
      read = await retrying(this.session, () => this.session.getData(this.pointer));
    } catch (err) {
      throw this.fence(this.fenceReason(err) ?? `cannot read the registry pointer ${this.pointer}: ${(err as Error).message}`);
    }
    if (read.stat.version === expected) return undefined;
    if (read.stat.version === expected + 1 && read.data.equals(data)) return read.stat.version;
    throw this.fence(
      `the registry pointer ${this.pointer} was written by another leader (version ${read.stat.version}, expected ${expected})`,
    );
  }

  /** Deletes chunks in fenced multi-ops; one already gone is skipped, other failures only logged. */
  private async deleteChunks(names: string[]): Promise<void> {
    let left = names.map((n) => `${this.pointer}/${n}`);
    while (left.length > 0) {
      const ops: MultiOp[] = left.map((path) => ({ type: 'delete', path }));
      const multi = packMultis(ops, this.zkLimits.multiBytes, fenceBytes(this.candidacy))[0]!;
      try {
        await this.fencedMulti(multi, true);
        left = left.slice(multi.length);
      } catch (err) {
        if (err instanceof ZkMultiError && err.code === 'NO_NODE' && err.index > 0) {
          left = left.filter((p) => p !== err.path);
          continue;
        }
        if (err instanceof FencedError) throw err;
        this.orphans.push(...left.map((p) => p.slice(this.pointer.length + 1)));
        this.options.log.warn(`Could not delete ${left.length} old registry chunks: ${(err as Error).message}`);
        return;
      }
    }
  }

  /**
   * Runs `ops` after a check of the candidacy znode, all or nothing. A lost connection is tried
   * again once the session is back; when `idempotent`, a create or delete that then finds its
   * work done (NODE_EXISTS, NO_NODE) counts as done. Errors that mean this master no longer
   * leads fence the store.
   */
  private async fencedMulti(ops: readonly MultiOp[], idempotent: boolean): Promise<MultiResult[]> {
    const all: MultiOp[] = [{ type: 'check', path: this.candidacy, version: -1 }, ...ops];
    let retried = false;
    for (;;) {
      try {
        return await this.session.multi(all);
      } catch (err) {
        const fenced = this.fenceReason(err);
        if (fenced) throw this.fence(fenced);
        if (err instanceof ZkError && err.retryable) {
          if (!idempotent) throw err;
          try {
            await reconnected(this.session);
          } catch (ended) {
            throw this.fence(this.fenceReason(ended) ?? (ended as Error).message);
          }
          retried = true;
          continue;
        }
        if (retried && idempotent && err instanceof ZkMultiError && (err.code === 'NODE_EXISTS' || err.code === 'NO_NODE')) {
          const op = all[err.index];
          if (op && ((op.type === 'create' && err.code === 'NODE_EXISTS') || (op.type === 'delete' && err.code === 'NO_NODE'))) return [];
        }
        throw err;
      }
    }
  }

  /** Why an error means this master may no longer write, or undefined when it does not. */
  private fenceReason(err: unknown): string | undefined {
    if (!(err instanceof ZkError)) return undefined;
    if (err.code === 'SESSION_EXPIRED') return 'the ZooKeeper session expired';
    if (err.code === 'CLOSED') return 'the ZooKeeper session was closed';
    if (!(err instanceof ZkMultiError)) return undefined;
    if (err.index === 0 && err.code === 'NO_NODE') return `this master's candidacy znode ${this.candidacy} is gone`;
    if (err.path === this.pointer && err.code === 'BAD_VERSION')
      return `the registry pointer ${this.pointer} was written by another leader since version ${this.version}`;
    if (err.path === this.pointer && err.code === 'NO_NODE') return `the registry pointer ${this.pointer} was deleted`;
    return undefined;
  }

  private fence(reason: string): FencedError {
    if (this.fenced === undefined) {
      this.fenced = reason;
      this.options.log.error(`Fenced off the registry in ZooKeeper: ${reason}`);
      this.options.onFenced(reason);
    }
    return new FencedError(`not writing the registry: ${reason}`);
  }
}
