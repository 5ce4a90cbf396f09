// The tasks the master sent for a custom executor that it has not been handed yet (it has not
// subscribed, or a restarted agent waits for it), in launch order. The members of a task group
// are handed over together (one LAUNCH_GROUP) and killed together while they wait, as Mesos's
// Executor keeps queuedTasks and queuedTaskGroups. Pure.

/** Tasks to hand over in one event: a LAUNCH_GROUP when `group`, else one LAUNCH. */
export interface QueuedBatch {
  ids: string[];
  group: boolean;
}

export class TaskQueue {
  private readonly queued = new Set<string>();
  /** Every task id of a queued group, by each member's id. */
  private readonly groups = new Map<string, string[]>();

  /** The queued task ids, in launch order. */
  get ids(): ReadonlySet<string> {
    return this.queued;
  }

  get size(): number {
    return this.queued.size;
  }

  has(taskId: string): boolean {
    return this.queued.has(taskId);
  }

  add(taskIds: string[], asGroup: boolean): void {
    for (const id of taskIds) {
      this.queued.add(id);
      if (asGroup) this.groups.set(id, taskIds);
    }
  }

  /** Takes these tasks out of the queue, each with its whole group; ids no longer queued are skipped. */
  take(taskIds: Iterable<string>): QueuedBatch[] {
    const batches: QueuedBatch[] = [];
    for (const id of [...taskIds]) {
      if (!this.queued.has(id)) continue; // taken meanwhile, or with its group
      const group = this.groups.get(id);
      const ids = (group ?? [id]).filter((m) => {
        this.groups.delete(m);
        return this.queued.delete(m);
      });
      batches.push({ ids, group: group !== undefined });
    }
    return batches;
  }

  /** Takes a task out before it was handed over, with the rest of its group: the ids that go. */
  remove(taskId: string): QueuedBatch {
    const group = this.groups.get(taskId);
    const ids = group ?? [taskId];
    for (const id of ids) {
      this.queued.delete(id);
      this.groups.delete(id);
    }
    return { ids, group: group !== undefined };
  }

  clear(): void {
    this.queued.clear();
    this.groups.clear();
  }
}
