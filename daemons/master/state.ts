// The master's state, with one owner: frameworks (active and completed), agents (registered,
// recovered from the registry, unreachable), offers, the executors it charges, tasks and their
// state transitions. Everything else reads it through read-only views and changes it through
// the methods here, which keep the cross references (a framework's and an agent's task tables
// and offer sets) consistent. It does no I/O and knows nothing of the allocator: what a change
// means for the resources is told to the TaskEffects it is given.
import { type TaskState, isTerminalState } from '../common/mesos.ts';
import { AgentMarks } from './agent-marks.ts';
import type { AgentEntry } from './registry.ts';
import {
  type AgentRecord,
  type ExecutorRecord,
  type FrameworkRecord,
  type OfferRecord,
  type TaskRecord,
  executorKey,
  taskKey,
} from './records.ts';

/** What a task's state change means beyond the state: told to the master, which owns the allocator. */
export interface TaskEffects {
  /** A task entered a terminal state while holding resources: they are free again. */
  resourcesFreed(task: TaskRecord): void;
  /** The last task of a task group's default executor ended: the executor ends with it. */
  defaultExecutorDone(executor: ExecutorRecord): void;
}

/** An agent the master saw go away; it may come back (a partition heals). */
export interface UnreachableAgent {
  time: number;
  hostname: string;
}

export class MasterState {
  private readonly frameworkMap = new Map<string, FrameworkRecord>();
  private readonly completed: FrameworkRecord[] = [];
  private readonly agentMap = new Map<string, AgentRecord>();
  private readonly unreachable = new Map<string, UnreachableAgent>();
  private readonly recovered = new Map<string, AgentEntry>();
  private readonly offerMap = new Map<string, OfferRecord>();
  /** By executorKey(agent, framework, executor). */
  private readonly executorMap = new Map<string, ExecutorRecord>();
  private readonly terminalCounts = new Map<TaskState, number>();
  /** Agents deactivated, draining or gone by an operator's call. */
  readonly agentMarks = new AgentMarks();

  constructor(
    private readonly effects: TaskEffects,
    private readonly limits: {
      maxCompletedFrameworks: number;
      maxCompletedTasksPerFramework: number;
      maxUnreachableTasksPerFramework: number;
    },
  ) {}

  // ---------------------------------------------------------------- read-only views

  get frameworks(): ReadonlyMap<string, FrameworkRecord> {
    return this.frameworkMap;
  }
  /** Removed frameworks, oldest first, bounded by --max_completed_frameworks. */
  get completedFrameworks(): readonly FrameworkRecord[] {
    return this.completed;
  }
  get agents(): ReadonlyMap<string, AgentRecord> {
    return this.agentMap;
  }
  /** Agents removed because they stopped answering; they may come back (partition heals). */
  get unreachableAgents(): ReadonlyMap<string, UnreachableAgent> {
    return this.unreachable;
  }
  /** Agents the registry knows that have not re-registered since this master started. */
  get recoveredAgents(): ReadonlyMap<string, AgentEntry> {
    return this.recovered;
  }
  get offers(): ReadonlyMap<string, OfferRecord> {
    return this.offerMap;
  }
  /** Executors whose resources are charged. */
  get executors(): ReadonlyMap<string, ExecutorRecord> {
    return this.executorMap;
  }

  isRemovedFramework(id: string): boolean {
    return this.completed.some((f) => f.id === id);
  }

  /** Terminal transitions so far, for metrics (`master/tasks_finished` ...). */
  terminalCount(state: TaskState): number {
    return this.terminalCounts.get(state) ?? 0;
  }

  executor(agentId: string, frameworkId: string, executorId: string): ExecutorRecord | undefined {
    return this.executorMap.get(executorKey(agentId, frameworkId, executorId));
  }

  /** The executors the master knows on one agent. */
  executorsOf(agentId: string): ExecutorRecord[] {
    return [...this.executorMap.values()].filter((rec) => rec.agentId === agentId);
  }

  /** An active task of a framework, by the framework's table or else the agent's. */
  findTask(frameworkId: string, taskId: string, agent?: AgentRecord): TaskRecord | undefined {
    return this.frameworkMap.get(frameworkId)?.tasks.get(taskId) ?? agent?.tasks.get(taskKey(frameworkId, taskId));
  }

  // ---------------------------------------------------------------- frameworks

  addFramework(fw: FrameworkRecord): void {
    this.frameworkMap.set(fw.id, fw);
  }

  /** A framework leaves the active ones for the completed ones (which keep the newest). */
  retireFramework(fw: FrameworkRecord): void {
    this.frameworkMap.delete(fw.id);
    this.addCompletedFramework(fw);
  }

  /** A completed framework, e.g. from the registry after a restart. */
  addCompletedFramework(fw: FrameworkRecord): void {
    this.completed.push(fw);
    while (this.completed.length > this.limits.maxCompletedFrameworks) this.completed.shift();
  }

  // ---------------------------------------------------------------- agents

  addAgent(agent: AgentRecord): void {
    this.recovered.delete(agent.id);
    this.unreachable.delete(agent.id);
    this.agentMap.set(agent.id, agent);
  }

  /** The agent leaves the registered ones; its offers must be gone already, its tasks are its caller's. */
  removeAgent(agent: AgentRecord): void {
    this.agentMap.delete(agent.id);
    for (const [key, rec] of this.executorMap) if (rec.agentId === agent.id) this.executorMap.delete(key);
  }

  addRecoveredAgent(entry: AgentEntry): void {
    this.recovered.set(entry.id, entry);
  }

  /** A registry agent re-registered, or its time to do so ran out. */
  forgetRecoveredAgent(agentId: string): boolean {
    return this.recovered.delete(agentId);
  }

  markUnreachable(agentId: string, u: UnreachableAgent): void {
    this.recovered.delete(agentId);
    this.unreachable.set(agentId, u);
  }

  forgetUnreachable(agentId: string): boolean {
    return this.unreachable.delete(agentId);
  }

  // ---------------------------------------------------------------- offers

  addOffer(rec: OfferRecord): void {
    const id = rec.offer.id.value;
    this.offerMap.set(id, rec);
    this.frameworkMap.get(rec.frameworkId)?.offers.add(id);
    this.agentMap.get(rec.agentId)?.offers.add(id);
  }

  /** Takes an offer out of the books; false when it was not there (already taken or rescinded). */
  removeOffer(rec: OfferRecord): boolean {
    const id = rec.offer.id.value;
    if (this.offerMap.get(id) !== rec) return false;
    this.offerMap.delete(id);
    this.frameworkMap.get(rec.frameworkId)?.offers.delete(id);
    this.agentMap.get(rec.agentId)?.offers.delete(id);
    return true;
  }

  // ---------------------------------------------------------------- executors

  addExecutor(rec: ExecutorRecord): void {
    this.executorMap.set(executorKey(rec.agentId, rec.frameworkId, rec.executorId), rec);
  }

  /** The executor's record, removed; undefined when it was not charged. */
  removeExecutor(agentId: string, frameworkId: string, executorId: string): ExecutorRecord | undefined {
    const key = executorKey(agentId, frameworkId, executorId);
    const rec = this.executorMap.get(key);
    if (rec) this.executorMap.delete(key);
    return rec;
  }

  /** Forgets executor records matching a predicate (their agent or framework is gone); how many. */
  dropExecutors(match: (rec: ExecutorRecord) => boolean): number {
    let dropped = 0;
    for (const [key, rec] of this.executorMap) {
      if (!match(rec)) continue;
      this.executorMap.delete(key);
      dropped++;
    }
    return dropped;
  }

  // ---------------------------------------------------------------- tasks

  /** A task enters the active tables of its framework and of its agent. */
  addTask(fw: FrameworkRecord, agent: AgentRecord, task: TaskRecord): void {
    const id = task.info.task_id.value;
    task.agentId = agent.id;
    task.unreachableTime = undefined;
    fw.unreachableTasks.delete(id);
    fw.tasks.set(id, task);
    agent.tasks.set(taskKey(fw.id, id), task);
  }

  /** The tasks of a removed agent leave its table, once the caller has settled each with its framework. */
  clearAgentTasks(agent: AgentRecord): void {
    agent.tasks.clear();
  }

  /** A task leaves an agent that is going away (its framework keeps it, e.g. as unreachable). */
  dropAgentTask(agent: AgentRecord, task: TaskRecord): void {
    agent.tasks.delete(taskKey(task.frameworkId, task.info.task_id.value));
  }

  /**
   * The one way a task changes state. Entering a terminal state counts it, frees its resources
   * (once) and may end its task group's executor.
   */
  enterState(task: TaskRecord, state: TaskState): void {
    task.state = state;
    if (!isTerminalState(state)) return;
    this.terminalCounts.set(state, (this.terminalCounts.get(state) ?? 0) + 1);
    const exec = task.executorId ? this.executor(task.agentId, task.frameworkId, task.executorId) : undefined;
    if (exec?.isDefault) {
      const fw = this.frameworkMap.get(task.frameworkId);
      const allDone = [...exec.taskIds].every((id) => {
        const t = fw?.tasks.get(id);
        return !t || t === task || isTerminalState(t.state);
      });
      if (allDone) this.effects.defaultExecutorDone(exec);
    }
    if (!task.resourcesRecovered) {
      this.markResourcesRecovered(task);
      this.effects.resourcesFreed(task);
    }
  }

  /** The task's resources no longer count as used by its agent and framework. */
  markResourcesRecovered(task: TaskRecord): void {
    task.resourcesRecovered = true;
    this.agentMap.get(task.agentId)?.tasks.resourcesRecovered();
    this.frameworkMap.get(task.frameworkId)?.tasks.resourcesRecovered();
  }

  /**
   * The task's agent became unreachable: TASK_UNREACHABLE, out of the active tables. A
   * partition-aware framework keeps it among its unreachable tasks (the newest, bounded); for
   * the others it is TASK_LOST and completed.
   */
  enterUnreachable(fw: FrameworkRecord, task: TaskRecord, now: number): 'unreachable' | 'lost' {
    const id = task.info.task_id.value;
    task.unreachableTime = now;
    task.statuses.push({ state: 'TASK_UNREACHABLE', timestamp: now / 1000 });
    if (!task.resourcesRecovered) this.markResourcesRecovered(task);
    fw.tasks.delete(id);
    if (fw.partitionAware) {
      this.enterState(task, 'TASK_UNREACHABLE');
      fw.unreachableTasks.set(id, task);
      const excess = fw.unreachableTasks.size - this.limits.maxUnreachableTasksPerFramework;
      if (excess > 0) for (const k of [...fw.unreachableTasks.keys()].slice(0, excess)) fw.unreachableTasks.delete(k);
      return 'unreachable';
    }
    this.enterState(task, 'TASK_LOST');
    return 'lost';
  }

  /** Moves a task out of the active tables into the framework's completed tasks. */
  completeTask(fw: FrameworkRecord, task: TaskRecord): void {
    const id = task.info.task_id.value;
    if (fw.tasks.get(id) === task) fw.tasks.delete(id);
    if (fw.unreachableTasks.get(id) === task) fw.unreachableTasks.delete(id);
    const agent = this.agentMap.get(task.agentId);
    if (agent?.tasks.get(taskKey(fw.id, id)) === task) agent.tasks.delete(taskKey(fw.id, id));
    this.keepCompleted(fw, task);
  }

  /** Adds to the framework's completed tasks, keeping the last --max_completed_tasks_per_framework. */
  keepCompleted(fw: FrameworkRecord, task: TaskRecord): void {
    // A pushed-to array keeps room for 17 entries; the completed task's history will not grow.
    task.statuses = task.statuses.slice();
    fw.completedTasks.push(task);
    const excess = fw.completedTasks.length - this.limits.maxCompletedTasksPerFramework;
    if (excess > 0) fw.completedTasks.splice(0, excess);
  }
}
