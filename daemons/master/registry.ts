// The master's registry: what must survive a master restart. Agents admitted (and those
// marked unreachable), frameworks with their FrameworkInfo, and the history /master/state
// shows (completed frameworks and tasks). It is a snapshot plus an append-only log of
// operations under <work_dir>/registry; operations that must be durable before the master
// answers (admitting an agent, registering a framework) wait for their fsync, and every
// operation of the same moment shares one write (group commit). --registry=in_memory keeps
// it all in memory only.
import { mkdir, open as openFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from '../common/checkpoint.ts';
import type { Attribute, FrameworkInfo, Resource } from '../common/mesos.ts';
import type { TaskRecord } from './records.ts';

export interface AgentEntry {
  id: string;
  hostname: string;
  port: number;
  pid: string;
  resources: Resource[];
  attributes: Attribute[];
  registeredTime: number;
}

/** A task as kept in the registry (what /master/state needs). */
export type StoredTask = Omit<TaskRecord, 'pendingUuid' | 'pendingState'>;

/** A task as the registry keeps it. */
export function storedTask(task: TaskRecord): StoredTask {
  const { pendingUuid: _pending, pendingState: _pendingState, ...rest } = task;
  return rest;
}

export interface StoredFramework {
  info: FrameworkInfo;
  registeredTime: number;
  unregisteredTime?: number;
  completedTasks: StoredTask[];
}

export type RegistryOp =
  | { op: 'ADMIT_AGENT'; agent: AgentEntry }
  | { op: 'REMOVE_AGENT'; agent_id: string }
  | { op: 'MARK_UNREACHABLE'; agent_id: string; time: number; hostname: string }
  | { op: 'ADD_FRAMEWORK'; info: FrameworkInfo; registered_time: number }
  | { op: 'REMOVE_FRAMEWORK'; framework_id: string; unregistered_time: number; completed_tasks: StoredTask[] }
  | { op: 'COMPLETE_TASK'; framework_id: string; task: StoredTask };

export interface RegistryState {
  agents: Map<string, AgentEntry>;
  unreachable: Map<string, { time: number; hostname: string }>;
  frameworks: Map<string, StoredFramework>;
  completedFrameworks: StoredFramework[];
}

export interface RegistryLimits {
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
}

/** Applies one operation to the in-memory state (pure; also used to replay the log). */
export function applyOp(state: RegistryState, op: RegistryOp, limits: RegistryLimits): void {
  switch (op.op) {
    case 'ADMIT_AGENT':
      state.agents.set(op.agent.id, op.agent);
      state.unreachable.delete(op.agent.id);
      break;
    case 'REMOVE_AGENT':
      state.agents.delete(op.agent_id);
      state.unreachable.delete(op.agent_id);
      break;
    case 'MARK_UNREACHABLE':
      state.agents.delete(op.agent_id);
      state.unreachable.set(op.agent_id, { time: op.time, hostname: op.hostname });
      break;
    case 'ADD_FRAMEWORK': {
      const id = op.info.id?.value;
      if (!id) break;
      const existing = state.frameworks.get(id);
      if (existing) existing.info = op.info;
      else state.frameworks.set(id, { info: op.info, registeredTime: op.registered_time, completedTasks: [] });
      break;
    }
    case 'COMPLETE_TASK': {
      const fw = state.frameworks.get(op.framework_id);
      if (!fw) break;
      fw.completedTasks.push(op.task);
      const excess = fw.completedTasks.length - limits.maxCompletedTasksPerFramework;
      if (excess > 0) fw.completedTasks.splice(0, excess);
      break;
    }
    case 'REMOVE_FRAMEWORK': {
      const fw = state.frameworks.get(op.framework_id);
      if (!fw) break;
      state.frameworks.delete(op.framework_id);
      fw.unregisteredTime = op.unregistered_time;
      fw.completedTasks = op.completed_tasks.slice(-limits.maxCompletedTasksPerFramework);
      state.completedFrameworks.push(fw);
      const excess = state.completedFrameworks.length - limits.maxCompletedFrameworks;
      if (excess > 0) state.completedFrameworks.splice(0, excess);
      break;
    }
  }
}

interface Snapshot {
  /** The log that continues this snapshot is log.<generation>; older logs are folded in. */
  generation: number;
  agents: AgentEntry[];
  unreachable: Array<{ id: string; time: number; hostname: string }>;
  frameworks: Array<StoredFramework & { id: string }>;
  completed_frameworks: StoredFramework[];
}

function emptyState(): RegistryState {
  return { agents: new Map(), unreachable: new Map(), frameworks: new Map(), completedFrameworks: [] };
}

/** Operations in the log (each record holds a batch of them) past which it is folded into a new snapshot. */
const COMPACT_AFTER = 5000;

/** Bytes of log past which it is folded into a new snapshot, however few operations it holds. */
export const COMPACT_AFTER_BYTES = 32 * 1024 * 1024;

/** After a failed compaction the next waits this long: on a full disk every write would try again. */
const COMPACT_RETRY_MS = 30_000;

/** Why a write failed, in words an operator acts on (a full disk rather than "ENOSPC: ..., write"). */
export function writeFailure(err: unknown, where: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return `the file system of ${where} is full (ENOSPC)`;
    case 'EDQUOT':
      return `the disk quota of ${where} is used up (EDQUOT)`;
    case 'EROFS':
      return `the file system of ${where} is read-only (EROFS)`;
    case 'EIO':
      return `an I/O error on ${where} (EIO): the disk may be failing`;
    default:
      return `${where}: ${(err as Error).message}`;
  }
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

export class Registry {
  readonly state: RegistryState = emptyState();
  private pending: RegistryOp[] = [];
  private flushing?: Promise<void>;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private logRecords = 0;
  /** Size of the log up to its last complete record: a failed append is cut back to it. */
  private logBytes = 0;
  private compactNotBefore = 0;
  private generation = 0;
  private readonly dir?: string;

  private constructor(
    dir: string | undefined,
    private readonly limits: RegistryLimits,
    private readonly log: Logger,
  ) {
    if (dir) this.dir = dir;
  }

  /** A registry that lives in memory only (--registry=in_memory, tests). */
  static memory(limits: RegistryLimits, log: Logger): Registry {
    return new Registry(undefined, limits, log);
  }

  /** Opens (and recovers) the registry in `dir`; without a dir it lives in memory only. */
  static async open(dir: string | undefined, limits: RegistryLimits, log: Logger): Promise<Registry> {
    const reg = new Registry(dir, limits, log);
    if (!dir) return reg;
    await mkdir(dir, { recursive: true });
    const snap = await readJson<Snapshot>(path.join(dir, 'snapshot.json'));
    if (snap.ok) {
      for (const a of snap.value.agents) reg.state.agents.set(a.id, a);
      for (const u of snap.value.unreachable) reg.state.unreachable.set(u.id, { time: u.time, hostname: u.hostname });
      for (const f of snap.value.frameworks) reg.state.frameworks.set(f.id, f);
      reg.state.completedFrameworks.push(...snap.value.completed_frameworks);
    } else if (!snap.missing) {
      throw new Error(`${snap.error}; move it away to start with an empty registry`);
    }
    reg.generation = snap.ok ? snap.value.generation : 0;
    const { records, damaged } = await readJsonLines<{ batch: RegistryOp[] }>(reg.logPath());
    for (const d of damaged) log.warn(`Registry: ${d}`);
    for (const r of records) {
      for (const op of r.batch ?? []) applyOp(reg.state, op, limits);
      reg.logRecords += r.batch?.length ?? 0;
    }
    // Logs of earlier generations were folded into the snapshot before a crash removed them,
    // and snapshots a failed compaction left half-written.
    for (const name of await readdir(dir)) {
      const m = /^log\.(\d+)$/.exec(name);
      if ((m && Number(m[1]) < reg.generation) || name.startsWith('snapshot.json.tmp-')) await rm(path.join(dir, name), { force: true });
    }
    await reg.checkWritable();
    reg.logBytes = await fileSize(reg.logPath());
    return reg;
  }

  /**
   * Appends an empty line (which a reader skips) to the log, and syncs it: a master whose
   * registry cannot be written must not start, for every registration would then fail.
   */
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
      throw new Error(`cannot write ${file}: ${writeFailure(err, this.dir!)}; free space there (or fix it) and start again`);
    }
  }

  private logPath(): string {
    return path.join(this.dir!, `log.${this.generation}`);
  }

  get durable(): boolean {
    return this.dir !== undefined;
  }

  /**
   * Applies an operation now and persists it. `onDurable` runs once it is on disk (at once for
   * an in-memory registry, so callers behave the same either way); `onFailure` if it cannot be.
   */
  apply(op: RegistryOp, onDurable?: () => void, onFailure?: (err: Error) => void): void {
    applyOp(this.state, op, this.limits);
    if (!this.dir) {
      onDurable?.();
      return;
    }
    this.pending.push(op);
    this.waiters.push({ resolve: onDurable ?? (() => {}), reject: onFailure ?? (() => {}) });
    this.flushing ??= this.flush();
  }

  /** Writes everything pending in one go (group commit), then anything that came meanwhile. */
  private async flush(): Promise<void> {
    // Let the operations of this moment join the batch.
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      const file = this.logPath();
      try {
        await appendJsonLine(file, { batch });
        this.logRecords += batch.length;
        this.logBytes = await fileSize(file);
        for (const w of waiters) w.resolve();
      } catch (err) {
        const why = writeFailure(err, this.dir!);
        this.log.error(
          `Cannot write the registry ${file}: ${why}. ${batch.length} operation(s) (${[...new Set(batch.map((o) => o.op))].join(', ')}) are not durable and fail; they succeed again once it can be written`,
        );
        // What a failed append may have left is cut off, so the next record starts on a clean line.
        await truncate(file, this.logBytes).catch(() => undefined);
        const failure = new Error(`the registry cannot be written: ${why}`);
        for (const w of waiters) w.reject(failure);
      }
      if ((this.logRecords > COMPACT_AFTER || this.logBytes > COMPACT_AFTER_BYTES) && Date.now() >= this.compactNotBefore) {
        await this.compact().catch(async (err: unknown) => {
          this.compactNotBefore = Date.now() + COMPACT_RETRY_MS;
          this.log.error(`Cannot compact the registry: ${writeFailure(err, this.dir!)}; trying again in ${COMPACT_RETRY_MS / 1000}s`);
          await this.removeTornSnapshots();
        });
      }
    }
    this.flushing = undefined;
  }

  /** Folds the log into a new snapshot. */
  private async compact(): Promise<void> {
    const old = this.logPath();
    const snap: Snapshot = {
      generation: this.generation + 1,
      agents: [...this.state.agents.values()],
      unreachable: [...this.state.unreachable].map(([id, u]) => ({ id, ...u })),
      frameworks: [...this.state.frameworks].map(([id, f]) => ({ id, ...f })),
      completed_frameworks: this.state.completedFrameworks,
    };
    await writeJsonAtomic(path.join(this.dir!, 'snapshot.json'), snap);
    this.generation = snap.generation;
    this.logRecords = 0;
    this.logBytes = 0;
    await rm(old, { force: true });
  }

  /** Snapshots a failed compaction left half-written: on a full disk they hold what space is left. */
  private async removeTornSnapshots(): Promise<void> {
    const names = await readdir(this.dir!).catch(() => [] as string[]);
    for (const name of names) if (name.startsWith('snapshot.json.tmp-')) await rm(path.join(this.dir!, name), { force: true });
  }

  /** Resolves when every operation so far is on disk. */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
