// Agent recovery: rebuild frameworks, executors and tasks from the checkpoints, then match them
// with the containers the containerizers still know (supervised processes, Docker containers):
//   running             -> re-attached (the task goes on; TASK_RUNNING if that was never sent)
//   ended meanwhile     -> its real exit status becomes the terminal update
//   never launched      -> launched now (it was checkpointed, so the master expects it)
//   unknown to both     -> TASK_FAILED, exit status unknown
//   host rebooted       -> TASK_GONE
// Unacknowledged updates are queued again and resent once the agent has re-registered.
// Each run rebuilds itself (ExecutorRun.recover in executor/): the agent's own executors match
// each task with its container; a custom executor's run is recovered as a whole (a running
// executor is waited for, it subscribes again; one that ended meanwhile ends its tasks).
// Containers that no checkpoint mentions are killed and discarded (orphans), except those with a
// sandbox of this agent: a sandbox is made before its run is checkpointed and its container
// launched, so such a container's run record was lost (runs.log cut short or damaged), and a
// live task is never killed because its record could not be read: it is left running, and
// logged. Those of runs that completed are forgotten as usual. Docker containers are followed again (reattach): output
// resumes where it stopped, and their exit, also one that happened meanwhile, is reported.
import type { Logger } from 'pino';
import type { Agent } from './agent.ts';
import type { RecoveredRun, RecoveredState } from './checkpoints.ts';
import type { FoundContainer } from './containerizer/containerizer.ts';
import { containerName } from './containerizer/docker-spec.ts';
import type { RecoverableRun } from './executor/host.ts';
import { taskPlace } from './executor/runs.ts';
import { type AgentFramework, type ExecutorRecord, placeholderTask } from './records.ts';

export interface RecoveryOptions {
  /** The host rebooted since the checkpoints were written: no task process survived. */
  rebooted: boolean;
  /** Container ids of the runs that have a sandbox of this agent (see runsWithSandbox). */
  sandboxes?: ReadonlySet<string>;
}

export interface RecoverySummary {
  frameworks: number;
  running: number;
  endedWhileDown: number;
  relaunched: number;
  lost: number;
  orphansKilled: number;
  /** Running containers of this agent whose run could not be read: left alone. */
  unreadable: number;
  problems: string[];
}

/** A run that completed before the restart, as history (its sandbox may still be browsed). */
function completedExecutor(agent: Agent, fw: AgentFramework, r: RecoveredRun): ExecutorRecord {
  const { kind, executor: info, container_id: containerId, directory } = r.run;
  const ex: ExecutorRecord = {
    id: info.executor_id.value,
    frameworkId: fw.id,
    kind,
    info,
    containerId,
    directory,
    tasks: new Map(),
    completedTasks: [],
  };
  for (const t of r.tasks) {
    const last = t.updates[t.updates.length - 1];
    const place = taskPlace(kind, containerId, directory, t.id);
    ex.completedTasks.push({
      info: t.info ?? placeholderTask(t.id, agent.id ?? ''),
      frameworkId: fw.id,
      executorId: ex.id,
      containerId: place.containerId,
      state: last?.state ?? 'TASK_LOST',
      statuses: t.updates,
      directory: place.directory,
      running: false,
    });
  }
  return ex;
}

export function applyRecovery(
  agent: Agent,
  state: RecoveredState,
  containers: FoundContainer[],
  opts: RecoveryOptions,
  log: Logger,
): RecoverySummary {
  const summary: RecoverySummary = {
    frameworks: 0,
    running: 0,
    endedWhileDown: 0,
    relaunched: 0,
    lost: 0,
    orphansKilled: 0,
    unreadable: 0,
    problems: [...state.problems],
  };
  const byId = new Map(containers.map((c) => [c.id, c]));
  const known = new Set<string>();
  /** Containers of runs that completed before the restart. */
  const finished = new Set<string>();
  const starts: Array<() => void> = [];
  const toComplete: Array<[AgentFramework, RecoverableRun]> = [];

  for (const rf of state.frameworks) {
    const fw = agent.addFramework({ ...rf.info, id: { value: rf.id } });
    summary.frameworks++;
    for (const r of rf.runs) {
      if (r.completed) {
        const ex = completedExecutor(agent, fw, r);
        for (const t of ex.completedTasks) finished.add(t.containerId);
        agent.keepCompletedExecutor(fw, ex);
        continue;
      }
      const run = agent.recoverRun(fw, r.run.kind, r.run.executor, r.run.container_id, r.run.directory);
      const rec = run.recover(r, byId, opts.rebooted);
      for (const c of rec.containers) known.add(c);
      summary.running += rec.running;
      summary.endedWhileDown += rec.endedWhileDown;
      summary.relaunched += rec.relaunched;
      summary.lost += rec.lost;
      if (rec.start) starts.push(rec.start);
      if (rec.completed) toComplete.push([fw, run]);
    }
  }
  for (const [fw, run] of toComplete) {
    for (const t of run.tasks.values()) run.completedTasks.push(t);
    run.tasks.clear();
    agent.completeExecutor(fw, run);
  }
  for (const c of containers) {
    if (known.has(c.id)) continue;
    if (c.exit && finished.has(c.id)) {
      void agent.forgetContainer(c.id, c.containerizer);
      continue;
    }
    // A task group's containers are `<run>.<task>`.
    if (!c.exit && opts.sandboxes?.has(c.id.split('.')[0]!)) {
      summary.unreadable++;
      log.error(
        `Leaving container ${c.id} (pid ${c.pid}) running: it has a sandbox of this agent but its checkpointed run could not be read (runs.log cut short or damaged); the agent does not follow it: stop it by hand (kill -- -${c.pid}) if it must not run`,
      );
      continue;
    }
    if (!c.exit) {
      summary.orphansKilled++;
      log.warn(
        `Killing ${c.containerizer === 'docker' ? `Docker container ${containerName(c.id)}` : `container ${c.id}`} (pid ${c.pid}): no checkpointed task owns it`,
      );
    } else if (c.containerizer === 'docker') {
      log.warn(`Removing Docker container ${containerName(c.id)}: it ended and no checkpointed task owns it`);
    }
    void agent.destroyContainer(c.id, c.containerizer);
  }
  for (const start of starts) start();
  return summary;
}
