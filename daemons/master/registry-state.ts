// The registry's state and its operations, pure: what the master keeps across restarts and
// failovers, how each operation changes it (applyOp, also used to replay a log), and the
// interface of the places it is kept (registry-file.ts, registry-zk.ts).
import type { Attribute, FrameworkInfo, Resource, mesos } from '../common/mesos.ts';
import type { TaskRecord } from './records.ts';

export interface AgentEntry {
  id: string;
  hostname: string;
  port: number;
  pid: string;
  resources: Resource[];
  attributes: Attribute[];
  registeredTime: number;
  /** The principal the agent authenticated as (--authenticate_agents); only it may re-register under this id. */
  principal?: string;
}

/** An unreachable agent; its principal is kept so that only that principal may bring it back. */
export interface UnreachableEntry {
  time: number;
  hostname: string;
  principal?: string;
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

/**
 * What operators decided about an admitted or unreachable agent (Mesos's Registry::Slave
 * `deactivated` and `drain_info`): it follows the agent while it is unreachable and goes when the
 * agent is removed. A draining agent is deactivated too.
 */
export interface AgentMark {
  deactivated: boolean;
  drain?: mesos.v1.DrainInfo;
}

export type RegistryOp =
  | { op: 'ADMIT_AGENT'; agent: AgentEntry }
  | { op: 'REMOVE_AGENT'; agent_id: string }
  | { op: 'MARK_UNREACHABLE'; agent_id: string; time: number; hostname: string }
  | { op: 'ADD_FRAMEWORK'; info: FrameworkInfo; registered_time: number }
  | { op: 'REMOVE_FRAMEWORK'; framework_id: string; unregistered_time: number; completed_tasks: StoredTask[] }
  | { op: 'COMPLETE_TASK'; framework_id: string; task: StoredTask }
  | { op: 'UPDATE_WEIGHTS'; weights: Array<{ role: string; weight: number }> }
  | { op: 'DEACTIVATE_AGENT'; agent_id: string }
  | { op: 'REACTIVATE_AGENT'; agent_id: string }
  | { op: 'DRAIN_AGENT'; agent_id: string; config: mesos.v1.DrainConfig }
  | { op: 'MARK_AGENT_DRAINED'; agent_id: string }
  | { op: 'MARK_AGENT_GONE'; agent_id: string; time: number }
  | { op: 'FORGET_GONE_AGENT'; agent_id: string };

export interface RegistryState {
  agents: Map<string, AgentEntry>;
  unreachable: Map<string, UnreachableEntry>;
  frameworks: Map<string, StoredFramework>;
  completedFrameworks: StoredFramework[];
  /** Role weights set by UPDATE_WEIGHTS (or --weights, stored by the first master that had none here). */
  weights: Map<string, number>;
  /** Operators' marks on admitted and unreachable agents, by agent id. */
  marks: Map<string, AgentMark>;
  /** Agents marked gone (never admitted again), with the time they were, until pruned. */
  gone: Map<string, number>;
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
      state.marks.delete(op.agent_id);
      break;
    case 'MARK_UNREACHABLE': {
      const principal = state.agents.get(op.agent_id)?.principal ?? state.unreachable.get(op.agent_id)?.principal;
      state.agents.delete(op.agent_id);
      state.unreachable.set(op.agent_id, { time: op.time, hostname: op.hostname, ...(principal === undefined ? {} : { principal }) });
      break;
    }
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
    case 'UPDATE_WEIGHTS':
      for (const { role, weight } of op.weights) state.weights.set(role, weight);
      break;
    case 'DEACTIVATE_AGENT':
      state.marks.set(op.agent_id, { ...state.marks.get(op.agent_id), deactivated: true });
      break;
    case 'REACTIVATE_AGENT':
      state.marks.delete(op.agent_id);
      break;
    case 'DRAIN_AGENT':
      state.marks.set(op.agent_id, { deactivated: true, drain: { state: 'DRAINING', config: op.config } });
      break;
    case 'MARK_AGENT_DRAINED': {
      const drain = state.marks.get(op.agent_id)?.drain;
      if (drain) state.marks.set(op.agent_id, { deactivated: true, drain: { ...drain, state: 'DRAINED' } });
      break;
    }
    case 'MARK_AGENT_GONE':
      state.agents.delete(op.agent_id);
      state.unreachable.delete(op.agent_id);
      state.marks.delete(op.agent_id);
      state.gone.set(op.agent_id, op.time);
      break;
    case 'FORGET_GONE_AGENT':
      state.gone.delete(op.agent_id);
      break;
  }
}

export function emptyState(): RegistryState {
  return {
    agents: new Map(),
    unreachable: new Map(),
    frameworks: new Map(),
    completedFrameworks: [],
    weights: new Map(),
    marks: new Map(),
    gone: new Map(),
  };
}

/** The operators' part of the state as a snapshot keeps it (sorted arrays: plain JSON). */
export interface OperatorSnapshot {
  weights: Array<{ role: string; weight: number }>;
  marks: Array<{ id: string } & AgentMark>;
  gone: Array<{ id: string; time: number }>;
}

export function operatorSnapshot(state: RegistryState): OperatorSnapshot {
  return {
    weights: [...state.weights].map(([role, weight]) => ({ role, weight })),
    marks: [...state.marks].map(([id, m]) => ({ id, ...m })),
    gone: [...state.gone].map(([id, time]) => ({ id, time })),
  };
}

/** Puts a snapshot's operators' part into `state`; a snapshot written before it had none holds nothing. */
export function restoreOperatorSnapshot(state: RegistryState, snap: Partial<OperatorSnapshot>, where: string): void {
  for (const w of snap.weights ?? []) {
    if (typeof w?.role !== 'string' || typeof w.weight !== 'number') throw new Error(`${where}: a weight is not {role, weight}`);
    state.weights.set(w.role, w.weight);
  }
  for (const { id, deactivated, drain } of snap.marks ?? []) {
    if (typeof id !== 'string') throw new Error(`${where}: an agent mark has no agent id`);
    state.marks.set(id, { deactivated: deactivated === true, ...(drain === undefined ? {} : { drain }) });
  }
  for (const g of snap.gone ?? []) {
    if (typeof g?.id !== 'string' || typeof g.time !== 'number') throw new Error(`${where}: a gone agent is not {id, time}`);
    state.gone.set(g.id, g.time);
  }
}

/**
 * Where the registry's state is kept durably. `write` is called with the operations of one
 * group commit and the state that already holds them (and nothing newer): a store must take
 * what it needs from `state` before its first await, since the state moves on meanwhile. Writes
 * never overlap: the next is called once the previous one has settled.
 */
export interface RegistryStore {
  write(batch: readonly RegistryOp[], state: RegistryState): Promise<void>;
  /** Resolves once work a write left behind it (such as deleting what it replaced) is done. */
  idle?(): Promise<void>;
}

/** The fields of an unreachable agent the registry keeps, from a stored record. */
export function unreachableEntry(u: UnreachableEntry): UnreachableEntry {
  return { time: u.time, hostname: u.hostname, ...(u.principal === undefined ? {} : { principal: u.principal }) };
}
