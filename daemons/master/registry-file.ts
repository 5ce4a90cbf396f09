// Where the registry lives without ZooKeeper: a snapshot plus an append-only log of operations
// under one directory (<work_dir>/registry). Each write appends one record holding a batch of
// operations and fsyncs it; past COMPACT_AFTER operations the whole state is written as a new
// snapshot instead, which folds the log in. A master with --zk keeps its history (completed
// tasks and frameworks) in one of these too, while ZooKeeper holds the rest (registry-zk.ts).
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from '../common/checkpoint.ts';
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

export class FileStore implements RegistryStore {
  private logRecords = 0;
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
    // Logs of earlier generations were folded into the snapshot before a crash removed them.
    for (const name of await readdir(dir)) {
      const m = /^log\.(\d+)$/.exec(name);
      if (m && Number(m[1]) < store.generation) await rm(path.join(dir, name), { force: true });
    }
    return { store, state };
  }

  private logPath(): string {
    return path.join(this.dir, `log.${this.generation}`);
  }

  write(batch: readonly RegistryOp[], state: RegistryState): Promise<void> {
    if (this.logRecords + batch.length > COMPACT_AFTER) return this.compact(state);
    const written = appendJsonLine(this.logPath(), { batch });
    return written.then(() => {
      this.logRecords += batch.length;
    });
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
    await rm(old, { force: true });
  }
}
