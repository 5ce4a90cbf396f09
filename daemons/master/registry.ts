// The master's registry: what must survive a master restart or failover. Agents admitted (and
// those marked unreachable), frameworks with their FrameworkInfo, and the history /master/state
// shows (completed frameworks and tasks). The state lives in memory; each operation is applied
// at once and handed to a store (registry-state.ts RegistryStore) that keeps it durably:
// - without --zk, a snapshot plus an append-only log under <work_dir>/registry (registry-file.ts);
// - with --zk, ZooKeeper for agents and frameworks, written only by the leader with fenced
//   writes, and the local directory for the history (registry-zk.ts);
// - --registry=in_memory: no store.
// Operations that must be durable before the master answers (admitting an agent, registering a
// framework) wait for their write, and every operation of the same moment shares one write
// (group commit).
import type { Logger } from 'pino';
import { FileStore, StoreWriteError } from './registry-file.ts';
import { type RegistryLimits, type RegistryOp, type RegistryState, type RegistryStore, applyOp, emptyState } from './registry-state.ts';
import { type ZkRegistryOptions, openZkStore } from './registry-zk.ts';

export {
  type AgentEntry,
  type RegistryLimits,
  type RegistryOp,
  type RegistryState,
  type RegistryStore,
  type StoredFramework,
  type StoredTask,
  applyOp,
  storedTask,
} from './registry-state.ts';
export { FencedError, type ZkRegistryOptions } from './registry-zk.ts';
export { COMPACT_AFTER_BYTES } from './registry-file.ts';

export class Registry {
  private pending: RegistryOp[] = [];
  private flushing?: Promise<void>;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  /** Use Registry.memory, Registry.open or Registry.openZk. */
  constructor(
    readonly state: RegistryState,
    private readonly store: RegistryStore | undefined,
    private readonly limits: RegistryLimits,
    private readonly log: Logger,
  ) {}

  /** A registry that lives in memory only (--registry=in_memory, tests). */
  static memory(limits: RegistryLimits, log: Logger): Registry {
    return new Registry(emptyState(), undefined, limits, log);
  }

  /** Opens (and recovers) the registry in `dir`; without a dir it lives in memory only. */
  static async open(dir: string | undefined, limits: RegistryLimits, log: Logger): Promise<Registry> {
    if (!dir) return Registry.memory(limits, log);
    const { store, state } = await FileStore.open(dir, limits, log);
    return new Registry(state, store, limits, log);
  }

  /**
   * The registry of an elected master with --zk: reads the state ZooKeeper holds (following its
   * pointer, collecting chunks a dead writer left) and the history in `localDir`, and resolves
   * once this master may write. Every later write is fenced by the master's candidacy znode
   * and by the pointer's version read here; a write that finds itself fenced off rejects what
   * waits for it and calls `onFenced` once (the master then stops leading).
   */
  static async openZk(options: ZkRegistryOptions): Promise<Registry> {
    const { store, state } = await openZkStore(options);
    return new Registry(state, store, options.limits, options.log);
  }

  get durable(): boolean {
    return this.store !== undefined;
  }

  /**
   * Applies an operation now and persists it. `onDurable` runs once it is stored (at once for
   * an in-memory registry, so callers behave the same either way); `onFailure` if it cannot be.
   */
  apply(op: RegistryOp, onDurable?: () => void, onFailure?: (err: Error) => void): void {
    applyOp(this.state, op, this.limits);
    if (!this.store) {
      onDurable?.();
      return;
    }
    this.pending.push(op);
    this.waiters.push({ resolve: onDurable ?? (() => {}), reject: onFailure ?? (() => {}) });
    this.flushing ??= this.flush(this.store);
  }

  /** Writes everything pending in one go (group commit), then anything that came meanwhile. */
  private async flush(store: RegistryStore): Promise<void> {
    // Let the operations of this moment join the batch.
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await store.write(batch, this.state);
        for (const w of waiters) w.resolve();
      } catch (err) {
        if (err instanceof StoreWriteError) {
          const ops = [...new Set(batch.map((o) => o.op))].join(', ');
          this.log.error(
            `Cannot write the registry ${err.file}: ${err.why}. ${batch.length} operation(s) (${ops}) are not durable and fail; they succeed again once it can be written`,
          );
        } else {
          this.log.error(`Registry write failed: ${(err as Error).message}`);
        }
        for (const w of waiters) w.reject(err as Error);
      }
    }
    this.flushing = undefined;
  }

  /** Resolves when every operation so far is stored (or failed to be), and the store is idle. */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.store?.idle?.();
  }
}
