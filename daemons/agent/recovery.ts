// Agent recovery: rebuild frameworks, executors and tasks from the checkpoints, then match them
// with the containers the containerizers still know (supervised processes, Docker containers):
//   running             -> re-attached (the task goes on; TASK_RUNNING if that was never sent)
//   ended meanwhile     -> its real exit status becomes the terminal update
//   never launched      -> launched now (it was checkpointed, so the master expects it)
//   unknown to both     -> TASK_FAILED, exit status unknown
//   host rebooted       -> TASK_GONE
// Unacknowledged updates are queued again and resent once the agent has re-registered.
// A custom executor's run is recovered as a whole (executor/custom-executors.ts): a running
// executor is waited for (it subscribes again), one that ended meanwhile ends its tasks.
// Containers that no checkpoint mentions are killed and discarded (orphans); those of runs that
// completed are forgotten as usual. Docker containers are followed again (reattach): output
// resumes where it stopped, and their exit, also one that happened meanwhile, is reported.
import path from 'node:path';
import type { Logger } from 'pino';
import { isTerminalState, type TaskInfo } from '../common/mesos.ts';
import type { Agent } from './agent.ts';
import type { AgentExecutor, AgentFramework, AgentTask } from './records.ts';
import type { RecoveredRun, RecoveredState } from './checkpoints.ts';
import type { FoundContainer } from './containerizer/containerizer.ts';
import { containerName } from './containerizer/docker-spec.ts';

export interface RecoveryOptions {
  /** The host rebooted since the checkpoints were written: no task process survived. */
  rebooted: boolean;
}

export interface RecoverySummary {
  frameworks: number;
  running: number;
  endedWhileDown: number;
  relaunched: number;
  lost: number;
  orphansKilled: number;
  problems: string[];
}

function completedExecutor(agent: Agent, fw: AgentFramework, r: RecoveredRun): AgentExecutor {
  const ex: AgentExecutor = {
    id: r.run.executor.executor_id.value,
    frameworkId: fw.id,
    kind: r.run.kind,
    info: r.run.executor,
    containerId: r.run.container_id,
    directory: r.run.directory,
    tasks: new Map(),
    completedTasks: [],
    killGroupOnFailure: r.run.kill_group_on_failure,
  };
  for (const t of r.tasks) {
    const last = t.updates[t.updates.length - 1];
    ex.completedTasks.push({
      info: t.info ?? placeholderTask(t.id, agent.id ?? ''),
      frameworkId: fw.id,
      executorId: ex.id,
      containerId: r.run.kind === 'DEFAULT' ? `${ex.containerId}.${t.id}` : ex.containerId,
      state: last?.state ?? 'TASK_LOST',
      statuses: t.updates,
      directory: r.run.kind === 'DEFAULT' ? path.join(ex.directory, 'tasks', t.id) : ex.directory,
      running: false,
      killRequested: false,
    });
  }
  return ex;
}

function placeholderTask(taskId: string, agentId: string): TaskInfo {
  return { name: taskId, task_id: { value: taskId }, agent_id: { value: agentId }, resources: [] };
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
    problems: [...state.problems],
  };
  const byId = new Map(containers.map((c) => [c.id, c]));
  const known = new Set<string>();
  /** Containers of runs that completed before the restart. */
  const finished = new Set<string>();
  const toStart: Array<[AgentFramework, AgentTask]> = [];
  const executorsToStart: Array<() => void> = [];
  const toComplete: Array<[AgentFramework, AgentExecutor]> = [];

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
      const ex = agent.addExecutor(fw, r.run.kind, r.run.executor, r.run.kill_group_on_failure, {
        containerId: r.run.container_id,
        directory: r.run.directory,
      });
      if (r.run.kind === 'CUSTOM') {
        known.add(ex.containerId);
        const rec = agent.executors.recover(fw, ex, r, byId.get(ex.containerId), opts.rebooted);
        summary.running += rec.live;
        summary.endedWhileDown += rec.ended;
        if (rec.start) {
          summary.relaunched++;
          executorsToStart.push(rec.start);
        }
        continue;
      }
      for (const rt of r.tasks) {
        const group = r.run.kind === 'DEFAULT';
        const containerId = group ? `${ex.containerId}.${rt.id}` : ex.containerId;
        const dir = group ? path.join(ex.directory, 'tasks', rt.id) : ex.directory;
        known.add(containerId);
        const task = agent.addTask(ex, rt.info ?? placeholderTask(rt.id, agent.id ?? ''), dir, containerId);
        task.statuses = [...rt.updates];
        task.state = rt.updates[rt.updates.length - 1]?.state ?? 'TASK_STAGING';
        agent.statusUpdates.recover(fw.id, rt.id, rt.pending);
        const container = byId.get(containerId);
        if (container?.pid) task.pid = container.pid;
        if (isTerminalState(task.state)) continue;
        if (!rt.info) {
          if (container && !container.exit) void agent.killContainer(containerId, container.containerizer);
          summary.lost++;
          agent.finish(
            task,
            'TASK_FAILED',
            "The agent could not read this task's checkpoint after a restart (see the agent log); the task was stopped",
            'REASON_AGENT_RESTARTED',
          );
        } else if (opts.rebooted) {
          summary.lost++;
          agent.finish(task, 'TASK_GONE', "The agent's host rebooted; the task's process is gone", 'REASON_AGENT_RESTARTED');
        } else if (container?.exit) {
          summary.endedWhileDown++;
          // A Docker container's last output is copied before its exit is reported.
          if (!agent.reattach(task)) agent.containerExited(containerId, container.exit);
        } else if (container) {
          task.running = true;
          summary.running++;
          if (task.state === 'TASK_STAGING' || task.state === 'TASK_STARTING') agent.transition(task, 'TASK_RUNNING');
          agent.reattach(task);
          agent.resumeHealthChecks(fw, task);
        } else if (task.state === 'TASK_STAGING' || task.state === 'TASK_STARTING') {
          // Checkpointed but the agent stopped before the supervisor started it.
          summary.relaunched++;
          toStart.push([fw, task]);
        } else {
          summary.lost++;
          agent.finish(
            task,
            'TASK_FAILED',
            'The task supervisor has no record of this task after a restart; its exit status is unknown',
            'REASON_EXECUTOR_TERMINATED',
          );
        }
      }
      // A run whose tasks had all ended, with every update acknowledged, is history already.
      if (r.tasks.every((t) => isTerminalState(t.updates[t.updates.length - 1]?.state ?? 'TASK_STAGING') && t.pending.length === 0)) {
        toComplete.push([fw, ex]);
      }
    }
  }
  for (const [fw, ex] of toComplete) {
    for (const t of ex.tasks.values()) ex.completedTasks.push(t);
    ex.tasks.clear();
    agent.completeExecutor(fw, ex);
  }
  for (const c of containers) {
    if (known.has(c.id)) continue;
    if (c.exit && finished.has(c.id)) {
      void agent.forgetContainer(c.id, c.containerizer);
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
  for (const [fw, task] of toStart) {
    task.state = 'TASK_STAGING';
    void agent.start(fw, task);
  }
  for (const start of executorsToStart) start();
  return summary;
}
