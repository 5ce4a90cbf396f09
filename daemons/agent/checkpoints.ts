// What the agent checkpoints under <work_dir>/meta, and reading it back:
//
//   meta/boot_id                                         host boot the tasks belong to
//   meta/slaves/latest -> <agent>                        the agent's identity
//   meta/slaves/<agent>/frameworks/<fw>/framework.info
//   meta/slaves/<agent>/runs.log                         executor runs, their tasks, updates
//
// runs.log is one append-only log of records, each naming the container of its executor run:
// a run (executor, kind, sandbox), a task's TaskInfo (before launch), a status update (synced
// before it is sent), an acknowledgement, "completed", "subscribed" (its custom executor did),
// "gone" (its sandbox was garbage collected). Mesos keeps such records in files of their own
// under .../executors/<ex>/runs/<container>/, and so does the older layout of this agent
// (run.info, completed, http.marker, tasks/<task>/task.info and task.updates): nine inodes and
// up to seven syncs per command task, which on disk slow every launch, where one log lets
// durable appends made together share one sync (the runs: docs/benchmarks-log.md, "one
// checkpoint log per agent"). The older layout is read as well, so an agent upgraded with tasks
// running recovers them, and it is removed with their sandboxes.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppendLog, type LineFilter, readJson, readJsonLines, scanRecordLog, writeJsonAtomic } from '../common/checkpoint.ts';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskStatus } from '../common/mesos.ts';
import type { ExecutorKind, ExecutorRecord } from './records.ts';
import { metaDir, parseSandboxDir, removeRunDir } from './sandbox.ts';

export interface RunInfo {
  executor: ExecutorInfo;
  kind: ExecutorKind;
  container_id: string;
  directory: string;
  /** Implied by the kind (true for a task group's run); written too, for agents that read this field instead. */
  kill_group_on_failure: boolean;
}

/** The checkpoint of an executor run. */
export function runInfoOf(run: ExecutorRecord): RunInfo {
  return {
    executor: run.info,
    kind: run.kind,
    container_id: run.containerId,
    directory: run.directory,
    kill_group_on_failure: run.kind === 'DEFAULT',
  };
}

/** Mesos's name for the file saying an HTTP executor subscribed (the older layout). */
const HTTP_MARKER = 'http.marker';

export type UpdateRecord = { type: 'UPDATE'; status: TaskStatus } | { type: 'ACK'; uuid: string };

/** A record of runs.log; `c` is the container of the executor run, and comes first (see RECORD_HEAD). */
export type RunRecord =
  | { c: string; t: 'RUN'; fw: string; run: RunInfo }
  | { c: string; t: 'TASK'; task: TaskInfo }
  | { c: string; t: 'UPDATE'; status: TaskStatus }
  | { c: string; t: 'ACK'; task: string; uuid: string }
  | { c: string; t: 'COMPLETED' }
  | { c: string; t: 'SUBSCRIBED' }
  | { c: string; t: 'GONE' };

/** A record's container and type, read without parsing the rest (compaction reads every line). */
const RECORD_HEAD = /^\{"c":("(?:[^"\\]|\\.)*"),"t":"([A-Z]+)"/;

/**
 * Compaction's filter for runs.log: it drops the records of runs whose sandbox is gone, and
 * records that do not start as this agent writes them (torn by a crash). Counts the runs kept.
 */
export function liveRunsFilter(): Required<LineFilter> & { runsKept: number } {
  const gone = new Set<string>();
  const filter = {
    runsKept: 0,
    scan(line: string): void {
      const m = RECORD_HEAD.exec(line);
      if (m?.[2] === 'GONE') gone.add(m[1]!);
    },
    keep(line: string): boolean {
      const m = RECORD_HEAD.exec(line);
      if (m === null || gone.has(m[1]!)) return false;
      if (m[2] === 'RUN') filter.runsKept++;
      return true;
    },
  };
  return filter;
}

/** Compaction waits for this many forgotten runs, and for half the runs in the log to be forgotten. */
const COMPACT_AFTER_GONE = 256;

// One path.join per path: these are built for every task.
export class CheckpointPaths {
  readonly agentDir: string;
  readonly runsLog: string;

  constructor(
    readonly workDir: string,
    readonly agentId: string,
  ) {
    this.agentDir = path.join(metaDir(workDir), 'slaves', agentId);
    this.runsLog = path.join(this.agentDir, 'runs.log');
  }

  framework(fw: string): string {
    return path.join(this.agentDir, 'frameworks', fw);
  }
  /** An executor run's directory in the older layout. */
  run(fw: string, ex: string, container: string): string {
    return path.join(this.agentDir, 'frameworks', fw, 'executors', ex, 'runs', container);
  }
}

/** What one agent (id) checkpoints, and its recovery. */
export class Checkpoints {
  readonly paths: CheckpointPaths;
  private readonly log: AppendLog;
  /** Runs and forgotten runs in runs.log, which decide when to compact it. */
  private runs = 0;
  private gone = 0;
  private compacting: Promise<void> | undefined;

  constructor(workDir: string, agentId: string) {
    this.paths = new CheckpointPaths(workDir, agentId);
    this.log = new AppendLog(this.paths.runsLog);
  }

  framework(info: FrameworkInfo): Promise<void> {
    return writeJsonAtomic(path.join(this.paths.framework(info.id!.value), 'framework.info'), info);
  }

  /** A new executor run and the tasks it starts with, durably, before anything is launched. */
  launch(fw: string, run: RunInfo, tasks: readonly TaskInfo[]): Promise<void> {
    const c = run.container_id;
    const records: RunRecord[] = [{ c, t: 'RUN', fw, run }];
    for (const task of tasks) records.push({ c, t: 'TASK', task });
    this.runs++;
    return this.log.append(records, true);
  }

  /** More tasks for a running executor (a custom executor's), durably. */
  tasks(container: string, tasks: readonly TaskInfo[]): Promise<void> {
    return this.log.append(
      tasks.map((task): RunRecord => ({ c: container, t: 'TASK', task })),
      true,
    );
  }

  /** A status update must be on disk before it is sent. */
  update(container: string, status: TaskStatus): Promise<void> {
    return this.log.append([{ c: container, t: 'UPDATE', status } satisfies RunRecord], true);
  }

  /**
   * Not synced: a lost acknowledgement only makes a restarted agent send that update once more,
   * which schedulers handle (they acknowledge it again).
   */
  ack(container: string, taskId: string, uuid: string): Promise<void> {
    return this.log.append([{ c: container, t: 'ACK', task: taskId, uuid } satisfies RunRecord], false);
  }

  /** The run is over. Not synced: a run found unfinished after a crash is finished again. */
  completed(container: string): Promise<void> {
    return this.log.append([{ c: container, t: 'COMPLETED' } satisfies RunRecord], false);
  }

  /** Its custom executor subscribed: after an agent restart it is expected to subscribe again. */
  subscribed(container: string): Promise<void> {
    return this.log.append([{ c: container, t: 'SUBSCRIBED' } satisfies RunRecord], false);
  }

  /**
   * The sandbox `dir` was garbage collected: its run is forgotten (as Mesos removes a run's meta
   * directory with its sandbox), and runs.log is compacted once half its runs are forgotten.
   */
  async forget(dir: string): Promise<void> {
    const run = parseSandboxDir(dir);
    if (!run) return;
    await removeRunDir(new CheckpointPaths(this.paths.workDir, run.agentId).run(run.frameworkId, run.executorId, run.containerId));
    if (run.agentId !== this.paths.agentId) return;
    await this.log.append([{ c: run.containerId, t: 'GONE' } satisfies RunRecord], false);
    this.gone++;
    if (this.gone >= COMPACT_AFTER_GONE && this.gone * 2 >= this.runs) await this.compact();
  }

  /** Drops the records of forgotten runs from runs.log; a call during a compaction gets that one. */
  compact(): Promise<void> {
    this.compacting ??= this.compactOnce().finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  private async compactOnce(): Promise<void> {
    const [runs, gone] = [this.runs, this.gone];
    const filter = liveRunsFilter();
    await this.log.compact(filter);
    // Runs and forgettings appended meanwhile were carried over as they were.
    this.runs = filter.runsKept + (this.runs - runs);
    this.gone -= gone;
  }

  /**
   * Rewrites runs.log without its damaged records (after a --no-strict recovery has skipped
   * them), so that the next start does not stop on them again.
   */
  dropDamaged(): Promise<void> {
    return this.log.compact({
      keep: (line) => {
        try {
          return isRunRecord(JSON.parse(line));
        } catch {
          return false;
        }
      },
    });
  }

  /** Bytes in runs.log. */
  get logSize(): number {
    return this.log.size;
  }

  close(): Promise<void> {
    return this.log.close();
  }

  /**
   * Reads back what this agent checkpointed, from runs.log and from the older layout, and removes
   * the checkpoints of frameworks none of whose runs is left (Mesos removes a framework's meta
   * directory once its executors are gone).
   */
  async read(maxCompletedPerFramework?: number): Promise<RecoveredState> {
    // Reading may truncate a torn last record: the log must be reopened at its new end.
    await this.log.close();
    const { state, runs, gone, emptyFrameworks } = await readCheckpoints(this.paths, maxCompletedPerFramework);
    this.runs = runs;
    this.gone = gone;
    for (const fw of emptyFrameworks) await rm(this.paths.framework(fw), { recursive: true, force: true });
    return state;
  }
}

export async function readBootId(): Promise<string | undefined> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function checkpointBootId(workDir: string, bootId: string): Promise<void> {
  await writeJsonAtomic(path.join(metaDir(workDir), 'boot_id'), bootId);
}

export async function readCheckpointedBootId(workDir: string): Promise<string | undefined> {
  const r = await readJson<string>(path.join(metaDir(workDir), 'boot_id'));
  return r.ok ? r.value : undefined;
}

/** Removes everything the agent checkpointed (--recover=cleanup). */
export async function removeCheckpoints(workDir: string): Promise<void> {
  await rm(path.join(metaDir(workDir), 'slaves'), { recursive: true, force: true });
}

// ---------------------------------------------------------------- reading back

export interface RecoveredTask {
  id: string;
  /** Undefined when task.info is missing or corrupt. */
  info?: TaskInfo;
  /** Every update checkpointed, oldest first. */
  updates: TaskStatus[];
  /** Updates not yet acknowledged, oldest first. */
  pending: TaskStatus[];
}

export interface RecoveredRun {
  run: RunInfo;
  completed: boolean;
  /** Its custom executor had subscribed (so it will subscribe again, or is gone). */
  subscribed: boolean;
  tasks: RecoveredTask[];
}

export interface RecoveredFramework {
  id: string;
  info: FrameworkInfo;
  runs: RecoveredRun[];
}

export interface RecoveredState {
  frameworks: RecoveredFramework[];
  /** Problems found (corrupt or torn files); each was worked around, none is fatal. */
  problems: string[];
  /**
   * Records of runs.log that are damaged other than by a torn last append (`file:line` each):
   * what they said is missing from `frameworks`. Under --strict the agent does not start.
   */
  corrupt: string[];
  /** runs.log could not be read at all (why): under --strict the agent does not start either. */
  unreadable?: string;
  /** runs.log ended in a partial record, which was dropped and the file truncated (said how). */
  truncated?: string;
}

const RECORD_TYPES = new Set(['RUN', 'TASK', 'UPDATE', 'ACK', 'COMPLETED', 'SUBSCRIBED', 'GONE']);

/** A line of runs.log is a record when it names its container and a known type. */
function isRunRecord(r: unknown): boolean {
  if (typeof r !== 'object' || r === null) return false;
  const { c, t } = r as { c?: unknown; t?: unknown };
  return typeof c === 'string' && typeof t === 'string' && RECORD_TYPES.has(t);
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Replays a task's update log: what was sent, and what still waits for an acknowledgement. */
export function replayUpdates(records: UpdateRecord[]): { updates: TaskStatus[]; pending: TaskStatus[] } {
  const updates: TaskStatus[] = [];
  const pending: TaskStatus[] = [];
  for (const r of records) {
    if (r.type === 'UPDATE' && r.status?.task_id && r.status.state) {
      updates.push(r.status);
      pending.push(r.status);
    } else if (r.type === 'ACK') {
      const i = pending.findIndex((s) => s.uuid === r.uuid);
      if (i >= 0) pending.splice(0, i + 1);
    }
  }
  return { updates, pending };
}

/** A run as the checkpoints tell it, before it is checked (the older layout and runs.log add to it). */
interface RunDraft {
  fw: string;
  run?: RunInfo;
  completed: boolean;
  subscribed: boolean;
  gone: boolean;
  tasks: Map<string, { info?: TaskInfo; records: UpdateRecord[] }>;
}

function draftTask(draft: RunDraft, taskId: string): { info?: TaskInfo; records: UpdateRecord[] } {
  let t = draft.tasks.get(taskId);
  if (!t) {
    t = { records: [] };
    draft.tasks.set(taskId, t);
  }
  return t;
}

/**
 * Replays runs.log, record by record, into drafts by container. Records of a container without a
 * run record belong to a run of the older layout; without that either, they are dropped when
 * checked. Of the completed runs it keeps the last `maxCompleted` of each framework, as many as
 * the agent keeps in memory: a log of a week of runs is read without holding all of them.
 */
export class RunReplay {
  /** Run and forgetting records seen. */
  runs = 0;
  gone = 0;
  /** Per framework, its completed runs' containers, oldest first. */
  private readonly completed = new Map<string, string[]>();
  /** Completed runs beyond the bound, with their frameworks, until forgotten: their records are skipped. */
  readonly dropped = new Map<string, string>();

  constructor(
    readonly drafts: Map<string, RunDraft>,
    private readonly maxCompleted = Number.POSITIVE_INFINITY,
  ) {}

  add(r: RunRecord): void {
    if (typeof r?.c !== 'string') return;
    if (r.t === 'RUN') this.runs++;
    else if (r.t === 'GONE') this.gone++;
    if (this.dropped.has(r.c)) {
      if (r.t === 'GONE') this.dropped.delete(r.c);
      return;
    }
    let d = this.drafts.get(r.c);
    if (!d) {
      d = { fw: '', completed: false, subscribed: false, gone: false, tasks: new Map() };
      this.drafts.set(r.c, d);
    }
    switch (r.t) {
      case 'RUN':
        d.fw = r.fw;
        d.run = r.run;
        break;
      case 'TASK':
        if (r.task?.task_id?.value) draftTask(d, r.task.task_id.value).info = r.task;
        break;
      case 'UPDATE':
        if (r.status?.task_id?.value) draftTask(d, r.status.task_id.value).records.push({ type: 'UPDATE', status: r.status });
        break;
      case 'ACK':
        if (typeof r.task === 'string') draftTask(d, r.task).records.push({ type: 'ACK', uuid: r.uuid });
        break;
      case 'COMPLETED':
        if (!d.completed) this.complete(d, r.c);
        break;
      case 'SUBSCRIBED':
        d.subscribed = true;
        break;
      case 'GONE':
        d.gone = true;
        break;
    }
  }

  private complete(d: RunDraft, container: string): void {
    d.completed = true;
    let done = this.completed.get(d.fw);
    if (!done) {
      done = [];
      this.completed.set(d.fw, done);
    }
    done.push(container);
    if (done.length > this.maxCompleted) {
      const oldest = done.shift()!;
      this.drafts.delete(oldest);
      this.dropped.set(oldest, d.fw);
    }
  }
}

/** Reads the older layout's runs (a file per record) into `drafts`. */
async function readRunDirs(p: CheckpointPaths, drafts: Map<string, RunDraft>, problems: string[]): Promise<void> {
  for (const fwId of await list(path.join(p.agentDir, 'frameworks'))) {
    for (const exId of await list(path.join(p.framework(fwId), 'executors'))) {
      for (const containerId of await list(path.join(p.framework(fwId), 'executors', exId, 'runs'))) {
        const runDir = p.run(fwId, exId, containerId);
        const runInfo = await readJson<RunInfo>(path.join(runDir, 'run.info'));
        if (!runInfo.ok) {
          problems.push(runInfo.error);
          if (runInfo.missing) continue; // crashed before the run was checkpointed: nothing was launched
        }
        const entries = await list(runDir);
        const d: RunDraft = {
          fw: fwId,
          run: runInfo.ok
            ? runInfo.value
            : {
                executor: { executor_id: { value: exId } },
                kind: 'COMMAND',
                container_id: containerId,
                directory: '',
                kill_group_on_failure: false,
              },
          completed: entries.includes('completed'),
          subscribed: entries.includes(HTTP_MARKER),
          gone: false,
          tasks: new Map(),
        };
        for (const taskId of await list(path.join(runDir, 'tasks'))) {
          const taskDir = path.join(runDir, 'tasks', taskId);
          const info = await readJson<TaskInfo>(path.join(taskDir, 'task.info'));
          if (!info.ok) {
            problems.push(info.error);
            if (info.missing) continue; // never launched
          }
          const log = await readJsonLines<UpdateRecord>(path.join(taskDir, 'task.updates'));
          problems.push(...log.damaged);
          d.tasks.set(taskId, { ...(info.ok ? { info: info.value } : {}), records: log.records });
        }
        drafts.set(containerId, d);
      }
    }
  }
}

/**
 * Checks the drafts and groups them by framework. A framework none of whose runs is left (all
 * forgotten, or the agent stopped between its framework.info and its first run) is not
 * recovered: it is returned as `empty`, for its checkpoints to be removed.
 */
async function recoveredFrameworks(
  p: CheckpointPaths,
  drafts: Map<string, RunDraft>,
  dropped: ReadonlyMap<string, string>,
  problems: string[],
): Promise<{ frameworks: RecoveredFramework[]; empty: string[] }> {
  const withRuns = new Set(dropped.values());
  for (const d of drafts.values()) if (!d.gone) withRuns.add(d.fw);
  const empty: string[] = [];
  const frameworks = new Map<string, RecoveredFramework>();
  const fwInfoMissing = new Set<string>();
  const framework = async (fwId: string): Promise<RecoveredFramework> => {
    let fw = frameworks.get(fwId);
    if (fw) return fw;
    const info = await readJson<FrameworkInfo>(path.join(p.framework(fwId), 'framework.info'));
    if (!info.ok) {
      problems.push(info.error);
      if (info.missing) fwInfoMissing.add(fwId);
    }
    fw = { id: fwId, info: info.ok ? info.value : { id: { value: fwId }, name: '(unknown: checkpoint unreadable)', user: '' }, runs: [] };
    frameworks.set(fwId, fw);
    return fw;
  };
  for (const fwId of await list(path.join(p.agentDir, 'frameworks'))) {
    if (withRuns.has(fwId)) await framework(fwId);
    else empty.push(fwId);
  }
  for (const [containerId, d] of drafts) {
    if (d.gone) continue;
    if (!d.run || !d.fw) {
      // Records of a run never checkpointed, or one whose run record was damaged.
      problems.push(`${p.runsLog}: records of container ${containerId} without its run record ignored`);
      continue;
    }
    const fw = await framework(d.fw);
    const tasks: RecoveredTask[] = [];
    for (const [taskId, t] of d.tasks) {
      const { updates, pending } = replayUpdates(t.records);
      // A task's launch records are written together, synced before it is launched: without
      // them and without any update it never started. With updates, its TaskInfo was damaged.
      if (!t.info && updates.length === 0) continue;
      if (!t.info) problems.push(`${p.runsLog}: the TaskInfo of task ${taskId} is missing or damaged`);
      // Without framework.info and without any update the agent stopped before launching it.
      if (fwInfoMissing.has(d.fw) && updates.length === 0) continue;
      tasks.push({ id: taskId, ...(t.info ? { info: t.info } : {}), updates, pending });
    }
    fw.runs.push({ run: d.run, completed: d.completed, subscribed: d.subscribed, tasks });
  }
  return { frameworks: [...frameworks.values()], empty };
}

/**
 * Reads back what the agent `p` names checkpointed, keeping the last `maxCompletedPerFramework`
 * completed runs of each framework; `runs` and `gone` count runs.log's runs.
 */
export async function readCheckpoints(
  p: CheckpointPaths,
  maxCompletedPerFramework = Number.POSITIVE_INFINITY,
): Promise<{ state: RecoveredState; runs: number; gone: number; emptyFrameworks: string[] }> {
  const problems: string[] = [];
  const drafts = new Map<string, RunDraft>();
  await readRunDirs(p, drafts, problems);
  const replay = new RunReplay(drafts, maxCompletedPerFramework);
  const scan = await scanRecordLog<RunRecord>(p.runsLog, (r) => replay.add(r), isRunRecord);
  const corrupt = scan.corrupt;
  for (const where of corrupt) problems.push(`${where}: corrupt record skipped`);
  if (scan.error) problems.push(scan.error);
  const torn = scan.tornTail;
  const truncated = torn
    ? `${p.runsLog}:${torn.line}: partial last record (${torn.bytes} bytes) dropped; ${torn.truncatedTo === undefined ? 'file not writable, left as it is' : `file truncated to ${torn.truncatedTo} bytes`}`
    : undefined;
  const { frameworks, empty } = await recoveredFrameworks(p, drafts, replay.dropped, problems);
  return {
    state: { frameworks, problems, corrupt, ...(truncated ? { truncated } : {}), ...(scan.error ? { unreadable: scan.error } : {}) },
    runs: replay.runs,
    gone: replay.gone,
    emptyFrameworks: empty,
  };
}
