// Where the registry lives without ZooKeeper: a snapshot plus an append-only log of operations
// under one directory (<work_dir>/registry). Each write appends one record holding a batch of
// operations and fsyncs it; past COMPACT_AFTER operations or COMPACT_AFTER_BYTES of log the
// whole state is written as a new snapshot instead, which folds the log in. A master with --zk
// keeps its history (completed tasks and frameworks) in one of these too, while ZooKeeper holds
// the rest (registry-zk.ts).
//
// A full disk (or quota, read-only file system, I/O error) fails the write in words an operator
// acts on (StoreWriteError); what a failed append left is cut off, so the log stays whole, and a
// failed compaction is not tried again for COMPACT_RETRY_MS. A registry that cannot be written
// at all is not opened: a master that started anyway would fail every registration.
import { mkdir, open as openFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from '../common/checkpoint.ts';
import { diskFailure, writeFailure } from '../common/disk-errors.ts';
import {
  type AgentEntry,
  type RegistryLimits,
  type RegistryOp,
  type RegistryState,
  type RegistryStore,
  type StoredFramework,
  type UnreachableEntry,
  applyOp,
  emptyState,
  unreachableEntry,
} from './registry-state.ts';

interface Snapshot {
  /** The log that continues this snapshot is log.<generation>; older logs are folded in. */
  generation: number;
  agents: AgentEntry[];
  unreachable: Array<{ id: string } & UnreachableEntry>;
  frameworks: Array<StoredFramework & { id: string }>;
  completed_frameworks: StoredFramework[];
}

/** Operations in the log (each record holds a batch of them) past which it is folded into a new snapshot. */
const COMPACT_AFTER = 5000;

/** Bytes of log past which it is folded into a new snapshot, however few operations it holds. */
export const COMPACT_AFTER_BYTES = 32 * 1024 * 1024;

/** After a failed compaction the next waits this long: on a full disk every write would try again. */
const COMPACT_RETRY_MS = 30_000;

/** A write of the file store that failed: `file` is what could not be written, `why` says why. */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError';
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`the registry cannot be written: ${why}`);
  }
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

export class FileStore implements RegistryStore {
  private logRecords = 0;
  /** Size of the log up to its last complete record: a failed append is cut back to it. */
  private logBytes = 0;
  private compactNotBefore = 0;
  private generation = 0;

  private constructor(private readonly dir: string) {}

  /** Opens (and recovers) the registry in `dir`, which is made when missing. */
  static async open(dir: string, limits: RegistryLimits, log: Logger): Promise<{ store: FileStore; state: RegistryState }> {
    const store = new FileStore(dir);
    const state = emptyState();
    await mkdir(dir, { recursive: true });
    const snap = await readJson<Snapshot>(path.join(dir, 'snapshot.json'));
    if (snap.ok) {
      for (const a of snap.value.agents) state.agents.set(a.id, a);
      for (const u of snap.value.unreachable) state.unreachable.set(u.id, unreachableEntry(u));
      for (const f of snap.value.frameworks) state.frameworks.set(f.id, f);
      state.completedFrameworks.push(...snap.value.completed_frameworks);
    } else if (!snap.missing) {
      throw new Error(`${snap.error}; move it away to start with an empty registry`);
    }
    store.generation = snap.ok ? snap.value.generation : 0;
    const { records, damaged } = await readJsonLines<{ batch: RegistryOp[] }>(store.logPath());
    for (const d of damaged) log.warn(`Registry: ${d}`);
    for (const r of records) {
      for (const op of r.batch ?? []) applyOp(state, op, limits);
      store.logRecords += r.batch?.length ?? 0;
    }
    // Logs of earlier generations were folded into the snapshot before a crash removed them,
    // and snapshots a failed compaction left half-written.
    for (const name of await readdir(dir)) {
      const m = /^log\.(\d+)$/.exec(name);
      if ((m && Number(m[1]) < store.generation) || name.startsWith('snapshot.json.tmp-')) await rm(path.join(dir, name), { force: true });
    }
    await store.checkWritable();
    store.logBytes = await fileSize(store.logPath());
    return { store, state };
  }

  /** Appends an empty line (which a reader skips) to the log and syncs it, or says why it cannot. */
  private async checkWritable(): Promise<void> {
    const file = this.logPath();
    try {
      const handle = await openFile(file, 'a');
      try {
        await handle.write('\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw new Error(`${writeFailure(`cannot write ${file}`, this.dir, err)}; free space there (or fix it) and start again`);
    }
  }

  private logPath(): string {
    return path.join(this.dir, `log.${this.generation}`);
  }

  /**
   * Called as soon as the batch is taken, so `state` holds exactly the operations written so far
   * and this batch: a compaction decided here snapshots no operation that a later log repeats.
   */
  write(batch: readonly RegistryOp[], state: RegistryState): Promise<void> {
    const record = { batch };
    const overdue = this.logRecords + batch.length > COMPACT_AFTER || this.logBytes + JSON.stringify(record).length > COMPACT_AFTER_BYTES;
    if (overdue && Date.now() >= this.compactNotBefore) return this.compactOrFail(state);
    return this.append(record);
  }

  private async append(record: { batch: readonly RegistryOp[] }): Promise<void> {
    const file = this.logPath();
    try {
      await appendJsonLine(file, record);
    } catch (err) {
      // What a failed append may have left is cut off, so the next record starts on a clean line.
      await truncate(file, this.logBytes).catch(() => undefined);
      throw new StoreWriteError(file, diskFailure(this.dir, err));
    }
    this.logRecords += record.batch.length;
    this.logBytes = await fileSize(file);
  }

  private async compactOrFail(state: RegistryState): Promise<void> {
    try {
      await this.compact(state);
    } catch (err) {
      this.compactNotBefore = Date.now() + COMPACT_RETRY_MS;
      const names = await readdir(this.dir).catch(() => [] as string[]);
      for (const name of names) if (name.startsWith('snapshot.json.tmp-')) await rm(path.join(this.dir, name), { force: true });
      throw new StoreWriteError(
        path.join(this.dir, 'snapshot.json'),
        `${diskFailure(this.dir, err)} (compaction; tried again in ${COMPACT_RETRY_MS / 1000}s)`,
      );
    }
  }

  /**
   * Writes `state` (which holds the batch being written) as a new snapshot instead of appending
   * the batch: the snapshot is taken now, before anything else is applied, so no operation is
   * both in it and in the next log.
   */
  private async compact(state: RegistryState): Promise<void> {
    const old = this.logPath();
    const snap: Snapshot = {
      generation: this.generation + 1,
      agents: [...state.agents.values()],
      unreachable: [...state.unreachable].map(([id, u]) => ({ id, ...u })),
      frameworks: [...state.frameworks].map(([id, f]) => ({ id, ...f })),
      completed_frameworks: state.completedFrameworks,
    };
    await writeJsonAtomic(path.join(this.dir, 'snapshot.json'), snap);
    this.generation = snap.generation;
    this.logRecords = 0;
    this.logBytes = 0;
    await rm(old, { force: true });
  }
}
