// Where a task's or executor's sandbox is, from an agent's /state: the part of the lookup the web
// UI's sandbox page and the `mesos cat/tail/ls` commands share. Pure.
import type { AgentStateJson, ExecutorJson } from './state-types.ts';

export interface SandboxQuery {
  frameworkId: string;
  executorId?: string | undefined;
  taskId?: string | undefined;
}

function executorsOf(agent: AgentStateJson, frameworkId: string): ExecutorJson[] {
  const out: ExecutorJson[] = [];
  for (const fw of [...(agent.frameworks ?? []), ...(agent.completed_frameworks ?? [])]) {
    if (fw.id !== frameworkId) continue;
    out.push(...(fw.executors ?? []), ...(fw.completed_executors ?? []));
  }
  return out;
}

function runsTask(ex: ExecutorJson, taskId: string): boolean {
  return [ex.tasks, ex.queued_tasks, ex.completed_tasks].some((list) => list?.some((t) => t.id === taskId));
}

/**
 * The sandbox directory of a task or executor, from the agent's /state: the executor that ran
 * the task (the command executor's id is the task id), plus `/tasks/<id>` under a default
 * executor (task groups). Undefined when the agent no longer knows it.
 */
export function sandboxDirectory(agent: AgentStateJson, q: SandboxQuery): string | undefined {
  const executors = executorsOf(agent, q.frameworkId);
  let ex: ExecutorJson | undefined;
  if (q.taskId !== undefined) {
    const taskId = q.taskId;
    ex =
      executors.find((e) => runsTask(e, taskId) && (!q.executorId || e.id === q.executorId)) ?? executors.find((e) => runsTask(e, taskId));
  }
  ex ??= executors.find((e) => e.id === (q.executorId || q.taskId));
  if (!ex?.directory) return undefined;
  if (q.taskId !== undefined && ex.type === 'DEFAULT') return `${ex.directory}/tasks/${q.taskId}`;
  return ex.directory;
}
