// What the master remembers about frameworks, agents, tasks and offers. Plain data; MasterState
// (state.ts) owns the maps and keeps the cross references consistent.
import { sum } from '../common/resources.ts';
import type { AgentLink } from './links.ts';
import type { Attribute, ExecutorInfo, FrameworkInfo, Offer, Resource, TaskInfo, TaskState, TaskStatus } from '../common/mesos.ts';
import type { EventSink } from './links.ts';

/**
 * One state change in a task's history: what /master/state lists of a TaskStatus (Mesos's JSON
 * of it has no task id, uuid, source or message). Kept small: a completed task holds three.
 */
export interface StatusEntry extends Pick<TaskStatus, 'healthy' | 'labels' | 'container_status' | 'check_status'> {
  state: TaskState;
  timestamp: number;
}

export interface TaskRecord {
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  /** Executor id as Mesos reports it: '' for command tasks. */
  executorId: string;
  role: string;
  resources: Resource[];
  state: TaskState;
  /** Every state change, oldest first, for /master/state (`statuses`). */
  statuses: StatusEntry[];
  /** The latest update forwarded to the scheduler and not yet acknowledged. */
  pendingUuid?: string;
  /**
   * Its state (Mesos's status_update_state): the task leaves the active table when a terminal
   * one is acknowledged, even if `state` went terminal earlier (LATEST_STATE).
   */
  pendingState?: TaskState;
  /** Resources went back to the allocator (on the first terminal update). */
  resourcesRecovered: boolean;
  unreachableTime?: number;
}

/**
 * A new task record with every field from its creation: V8 then keeps them all in the object,
 * where a field added later goes to a second array (more memory for every task, for as long as
 * the master keeps it).
 */
export function newTaskRecord(
  f: Pick<
    TaskRecord,
    'info' | 'frameworkId' | 'agentId' | 'executorId' | 'role' | 'resources' | 'state' | 'statuses' | 'resourcesRecovered'
  >,
): TaskRecord {
  return {
    info: f.info,
    frameworkId: f.frameworkId,
    agentId: f.agentId,
    executorId: f.executorId,
    role: f.role,
    resources: f.resources,
    state: f.state,
    statuses: f.statuses,
    pendingUuid: undefined,
    pendingState: undefined,
    resourcesRecovered: f.resourcesRecovered,
    unreachableTime: undefined,
  };
}

/**
 * A framework's or an agent's active tasks, and the sum of the resources they hold. /master/state
 * reports that sum for every agent and framework; summing it on every call is linear in the
 * number of tasks, and /master/state is read often, so it is summed again only after the table
 * changed: a task added or removed, or one's resources recovered (resourcesRecovered(), which
 * whoever sets that flag must call).
 */
export class TaskTable extends Map<string, TaskRecord> {
  private version = 0;
  private used: { version: number; resources: Resource[] } | undefined;

  override set(key: string, task: TaskRecord): this {
    this.version++;
    return super.set(key, task);
  }

  override delete(key: string): boolean {
    this.version++;
    return super.delete(key);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }

  /** A task of the table gave its resources back. */
  resourcesRecovered(): void {
    this.version++;
  }

  /** Whether usedResources() would answer from its cache. */
  usedIsCurrent(): boolean {
    return this.used?.version === this.version;
  }

  /** The resources of tasks that still hold theirs; shared, so not to be modified. */
  usedResources(): readonly Resource[] {
    if (this.used?.version !== this.version) {
      const lists: Resource[][] = [];
      for (const task of this.values()) if (!task.resourcesRecovered) lists.push(task.resources);
      this.used = { version: this.version, resources: sum(lists) };
    }
    return this.used.resources;
  }
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  roles: string[];
  suppressedRoles: Set<string>;
  registeredTime: number;
  reregisteredTime?: number;
  unregisteredTime?: number;
  /** Connected with a live event stream. */
  connected: boolean;
  /** Offers may be sent (connected and not deactivated). */
  active: boolean;
  sink?: EventSink;
  streamId?: string;
  tasks: TaskTable;
  unreachableTasks: Map<string, TaskRecord>;
  /** Terminal, acknowledged tasks, oldest first, bounded by --max_completed_tasks_per_framework. */
  completedTasks: TaskRecord[];
  offers: Set<string>;
  failoverTimer?: NodeJS.Timeout;
  partitionAware: boolean;
  killingStateCapable: boolean;
  /** Known from the registry or an agent after a master restart; its scheduler has not come back yet. */
  recovered?: boolean;
}

export interface AgentRecord {
  id: string;
  hostname: string;
  port: number;
  pid: string;
  version: string;
  resources: Resource[];
  attributes: Attribute[];
  capabilities: string[];
  registeredTime: number;
  reregisteredTime?: number;
  /** Connected and registered; deactivated agents are not offered. */
  active: boolean;
  link?: AgentLink;
  streamId?: string;
  /** Tasks on this agent, keyed `${frameworkId}/${taskId}`. */
  tasks: TaskTable;
  offers: Set<string>;
  missedPongs: number;
  lastPingSeq: number;
  /** When the stream broke; the agent is removed if it does not come back in time. */
  disconnectedAt?: number;
}

export interface OfferRecord {
  offer: Offer;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
}

/** An executor the master charged resources for (custom executors, task groups' default executor). */
export interface ExecutorRecord {
  frameworkId: string;
  agentId: string;
  executorId: string;
  /** As the framework gave it (or the agent reported it): GET_EXECUTORS lists it. */
  info: ExecutorInfo;
  resources: Resource[];
  /** A task group's default executor: it ends with its last task. */
  isDefault: boolean;
  taskIds: Set<string>;
}

export function executorKey(agentId: string, frameworkId: string, executorId: string): string {
  return `${agentId}/${frameworkId}/${executorId}`;
}

export interface CompletedFramework {
  record: FrameworkRecord;
  unregisteredTime: number;
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}/${taskId}`;
}

export function frameworkRoles(info: FrameworkInfo): string[] {
  const multiRole = info.capabilities?.some((c) => c.type === 'MULTI_ROLE') ?? false;
  if (multiRole) return info.roles && info.roles.length > 0 ? [...info.roles] : [];
  return [info.role ?? '*'];
}
