// What the master answers to RECONCILE and RECONCILE_OPERATIONS, by the rules of Apache Mesos's
// Master::reconcile and Master::reconcileOperations (src/master/master.cpp): a thing the master
// knows is reported as it is; one it does not know is answered from the state of the agent it was
// said to be on (recovered but not yet re-registered, registered, unreachable, or unknown).
// Pure: the master passes in what it knows and sends the statuses this returns.
//
//   asked (task/operation ids, agent ids) + AgentStanding --> statuses for the scheduler
import type { mesos, OperationStatus, TaskStatus } from '../common/mesos.ts';
import type { FrameworkRecord, TaskRecord } from './records.ts';
import { masterStatus } from './status.ts';

/**
 * Where an agent stands with the master. Mesos has a fifth standing, gone (marked gone by an
 * operator: TASK_GONE_BY_OPERATOR, OPERATION_GONE_BY_OPERATOR); this master has no way to mark
 * an agent gone, so no agent is.
 */
export type AgentStanding =
  | { kind: 'registered' }
  /** Known from the registry after a master restart, not re-registered yet. */
  | { kind: 'recovered' }
  /** `since`: when it was marked unreachable (ms since the epoch). */
  | { kind: 'unreachable'; since: number }
  | { kind: 'unknown' };

export interface AgentView {
  standing(agentId: string): AgentStanding;
  /** Whether any agent of the registry has still to re-register after a master restart. */
  anyRecovered(): boolean;
}

export interface TaskQuery {
  taskId: string;
  agentId?: string | undefined;
}

/** An operation a RECONCILE_OPERATIONS call asks about. */
export type OperationQuery = mesos.v1.scheduler.Call.ReconcileOperations.Operation;

/** The latest state of a task the framework has, as Mesos reports it to reconciliation. */
function latestStatus(task: TaskRecord, now: number): TaskStatus {
  // The state of the last update sent to the scheduler, which a LATEST_STATE may have overtaken.
  const status = masterStatus(task.info.task_id.value, task.pendingState ?? task.state, {
    agentId: task.agentId,
    executorId: task.executorId || undefined,
    reason: 'REASON_RECONCILIATION',
    message: 'Reconciliation: Latest task state',
    now,
  });
  const last = task.statuses.at(-1);
  if (last?.healthy !== undefined) status.healthy = last.healthy;
  if (last?.check_status !== undefined) status.check_status = last.check_status;
  if (last?.container_status !== undefined) status.container_status = last.container_status;
  return status;
}

/**
 * Implicit reconciliation of some of a framework's tasks, taken from its table earlier: those
 * still active (a RECONCILE answered over several turns may see some end meanwhile).
 */
export function implicitStatuses(fw: FrameworkRecord, tasks: readonly TaskRecord[], now: number): TaskStatus[] {
  const out: TaskStatus[] = [];
  for (const task of tasks) if (fw.tasks.get(task.info.task_id.value) === task) out.push(latestStatus(task, now));
  return out;
}

/**
 * RECONCILE: no tasks asked means every active task of the framework (implicit); otherwise one
 * status per task asked, or none while its agent may still re-register. Unreachable tasks are
 * not active: they are answered from their agent's standing, as in Mesos. The states are the
 * partition-aware ones; the caller maps them for older schedulers (TASK_LOST).
 */
export function reconcileTasks(fw: FrameworkRecord, asked: readonly TaskQuery[], agents: AgentView, now: number): TaskStatus[] {
  if (asked.length === 0) return implicitStatuses(fw, [...fw.tasks.values()], now);
  const out: TaskStatus[] = [];
  for (const { taskId, agentId } of asked) {
    const task = fw.tasks.get(taskId);
    if (task) {
      out.push(latestStatus(task, now));
      continue;
    }
    const standing: AgentStanding = agentId === undefined ? { kind: 'unknown' } : agents.standing(agentId);
    // The task may be on an agent that has yet to come back: no answer, the scheduler retries.
    if (standing.kind === 'recovered' || (agentId === undefined && agents.anyRecovered())) continue;
    const reason = 'REASON_RECONCILIATION' as const;
    switch (standing.kind) {
      case 'registered':
        out.push(masterStatus(taskId, 'TASK_GONE', { agentId, reason, message: 'Reconciliation: Task is unknown to the agent', now }));
        break;
      case 'unreachable': {
        const status = masterStatus(taskId, 'TASK_UNREACHABLE', { agentId, reason, message: 'Reconciliation: Task is unreachable', now });
        status.unreachable_time = { nanoseconds: standing.since * 1e6 };
        out.push(status);
        break;
      }
      default:
        out.push(masterStatus(taskId, 'TASK_UNKNOWN', { agentId, reason, message: 'Reconciliation: Task is unknown', now }));
    }
  }
  return out;
}

function operationStatus(query: OperationQuery, state: OperationStatus['state'], message: string): OperationStatus {
  const status: OperationStatus = { operation_id: query.operation_id, state, message };
  if (query.agent_id) status.agent_id = query.agent_id;
  if (query.resource_provider_id) status.resource_provider_id = query.resource_provider_id;
  return status;
}

/**
 * RECONCILE_OPERATIONS. This master runs no offer operations (RESERVE, CREATE, ...), so it knows
 * none: implicit reconciliation answers nothing, and every operation asked about is answered from
 * its agent's standing. (Mesos forwards a question about an unknown resource provider to a
 * registered agent with the AGENT_OPERATION_FEEDBACK capability; agents here do not have it.)
 */
export function reconcileOperations(asked: readonly OperationQuery[], agents: AgentView): OperationStatus[] {
  return asked.map((query) => {
    const agentId = query.agent_id?.value;
    if (agentId === undefined) {
      return operationStatus(query, 'OPERATION_UNKNOWN', "Reconciliation: Operation is unknown and no 'agent_id' was provided");
    }
    switch (agents.standing(agentId).kind) {
      case 'recovered':
        return operationStatus(query, 'OPERATION_RECOVERING', 'Reconciliation: Agent is recovered but has not re-registered');
      case 'registered':
        return operationStatus(query, 'OPERATION_UNKNOWN', 'Reconciliation: Operation is unknown');
      case 'unreachable':
        return operationStatus(query, 'OPERATION_UNREACHABLE', 'Reconciliation: Agent is unreachable');
      default:
        return operationStatus(query, 'OPERATION_UNKNOWN', 'Reconciliation: Both operation and agent are unknown');
    }
  });
}
