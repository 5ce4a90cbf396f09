// What the agent checkpoints under <work_dir>/meta, in Mesos's layout, and reading it back:
//
//   meta/boot_id                                         host boot the tasks belong to
//   meta/slaves/latest -> <agent>                        the agent's identity
//   meta/slaves/<agent>/frameworks/<fw>/framework.info
//   .../executors/<ex>/runs/<container>/run.info         executor, kind, sandbox
//   .../runs/<container>/completed                       the run is over
//   .../runs/<container>/http.marker                     its custom executor subscribed
//   .../runs/<container>/tasks/<task>/task.info          TaskInfo, written before launch
//   .../runs/<container>/tasks/<task>/task.updates       status updates and acks, append-only
import { writeFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from '../common/checkpoint.ts';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskStatus } from '../common/mesos.ts';
import { metaDir } from './sandbox.ts';

export type ExecutorKind = 'COMMAND' | 'DEFAULT' | 'CUSTOM';

export interface RunInfo {
  executor: ExecutorInfo;
  kind: ExecutorKind;
  container_id: string;
  directory: string;
  kill_group_on_failure: boolean;
}

/** Mesos's name for the file saying an HTTP executor subscribed. */
const HTTP_MARKER = 'http.marker';

export type UpdateRecord = { type: 'UPDATE'; status: TaskStatus } | { type: 'ACK'; uuid: string };

// One path.join per path: a command task's checkpoints are written about ten times, and the
// nested joins (each normalizing the whole path again) cost the agent ~40 us per task.
export class CheckpointPaths {
  readonly agentDir: string;

  constructor(
    readonly workDir: string,
    readonly agentId: string,
  ) {
    this.agentDir = path.join(metaDir(workDir), 'slaves', agentId);
  }

  framework(fw: string): string {
    return path.join(this.agentDir, 'frameworks', fw);
  }
  run(fw: string, ex: string, container: string): string {
    return path.join(this.agentDir, 'frameworks', fw, 'executors', ex, 'runs', container);
  }
  task(fw: string, ex: string, container: string, task: string): string {
    return path.join(this.agentDir, 'frameworks', fw, 'executors', ex, 'runs', container, 'tasks', task);
  }
}

export async function checkpointFramework(p: CheckpointPaths, info: FrameworkInfo): Promise<void> {
  await writeJsonAtomic(path.join(p.framework(info.id!.value), 'framework.info'), info);
}

export async function checkpointRun(p: CheckpointPaths, fw: string, run: RunInfo): Promise<void> {
  await writeJsonAtomic(path.join(p.run(fw, run.executor.executor_id.value, run.container_id), 'run.info'), run);
}

// The markers are empty files: making one only touches the page cache, so it is synchronous
// (through the thread pool each cost the agent's event loop ~30 us, once per command task).
export async function checkpointRunCompleted(p: CheckpointPaths, fw: string, ex: string, container: string): Promise<void> {
  writeFileSync(path.join(p.run(fw, ex, container), 'completed'), '');
}

/** A custom executor subscribed: after an agent restart it is expected to subscribe again. */
export async function checkpointExecutorSubscribed(p: CheckpointPaths, fw: string, ex: string, container: string): Promise<void> {
  writeFileSync(path.join(p.run(fw, ex, container), HTTP_MARKER), '');
}

export async function checkpointTask(p: CheckpointPaths, fw: string, ex: string, container: string, task: TaskInfo): Promise<void> {
  await writeJsonAtomic(path.join(p.task(fw, ex, container, task.task_id.value), 'task.info'), task);
}

export async function appendUpdateRecord(p: CheckpointPaths, fw: string, ex: string, container: string, taskId: string, record: UpdateRecord): Promise<void> {
  // An update must be on disk before it is sent; a lost acknowledgement only makes a restarted
  // agent send that update once more, which schedulers handle (they acknowledge it again).
  await appendJsonLine(path.join(p.task(fw, ex, container, taskId), 'task.updates'), record, record.type === 'UPDATE');
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

export async function readCheckpoints(p: CheckpointPaths): Promise<RecoveredState> {
  const problems: string[] = [];
  const frameworks: RecoveredFramework[] = [];
  for (const fwId of await list(path.join(p.agentDir, 'frameworks'))) {
    const fwInfo = await readJson<FrameworkInfo>(path.join(p.framework(fwId), 'framework.info'));
    if (!fwInfo.ok) problems.push(fwInfo.error);
    const fw: RecoveredFramework = { id: fwId, info: fwInfo.ok ? fwInfo.value : { id: { value: fwId }, name: '(unknown: checkpoint unreadable)', user: '' }, runs: [] };
    for (const exId of await list(path.join(p.framework(fwId), 'executors'))) {
      for (const containerId of await list(path.join(p.framework(fwId), 'executors', exId, 'runs'))) {
        const runDir = p.run(fwId, exId, containerId);
        const runInfo = await readJson<RunInfo>(path.join(runDir, 'run.info'));
        if (!runInfo.ok) {
          problems.push(runInfo.error);
          if (runInfo.missing) continue; // crashed before the run was checkpointed: nothing was launched
        }
        const run: RunInfo = runInfo.ok
          ? runInfo.value
          : { executor: { executor_id: { value: exId } }, kind: 'COMMAND', container_id: containerId, directory: '', kill_group_on_failure: false };
        const entries = await list(runDir);
        const completed = entries.includes('completed');
        const subscribed = entries.includes(HTTP_MARKER);
        const tasks: RecoveredTask[] = [];
        for (const taskId of await list(path.join(runDir, 'tasks'))) {
          const taskDir = path.join(runDir, 'tasks', taskId);
          const info = await readJson<TaskInfo>(path.join(taskDir, 'task.info'));
          if (!info.ok) {
            problems.push(info.error);
            if (info.missing) continue; // never launched
          }
          const log = await readJsonLines<UpdateRecord>(path.join(taskDir, 'task.updates'));
          problems.push(...log.damaged);
          const { updates, pending } = replayUpdates(log.records);
          // Launch checkpoints are written together: without framework.info and without any
          // update the agent stopped before launching this task.
          if (!fwInfo.ok && fwInfo.missing && updates.length === 0) continue;
          tasks.push({ id: taskId, ...(info.ok ? { info: info.value } : {}), updates, pending });
        }
        fw.runs.push({ run, completed, subscribed, tasks });
      }
    }
    frameworks.push(fw);
  }
  return { frameworks, problems };
}
