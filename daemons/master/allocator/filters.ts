// Refuse filters: after a framework declines resources on an agent with refuse_seconds, the
// allocator does not offer that framework (in that role) anything on the agent that is a
// subset of what it refused, until the filter expires. More resources than were refused
// (a task finished meanwhile) pass the filter, as in Mesos. Expiries sit in a heap so the
// master can ask when to allocate next without scanning every filter.

import type { Resource } from '../../common/mesos.ts';
import { type PlainResources, contains, plainContains, plainResources } from '../../common/resources.ts';
import { IndexedHeap } from './heap.ts';

interface RefuseFilter {
  frameworkId: string;
  agentId: string;
  role: string;
  /** Unallocated copies of the refused resources. */
  resources: Resource[];
  /** Summed per name when they are plain (plainResources), for the fast comparison. */
  plain: PlainResources | undefined;
  expiresAt: number;
  heapIndex: number;
}

export class RefuseFilters {
  private readonly byFramework = new Map<string, Map<string, RefuseFilter[]>>();
  private readonly expiries = new IndexedHeap<RefuseFilter>((a, b) => a.expiresAt < b.expiresAt);

  /**
   * Filters dropped per agent (expired, or their framework gone). A filter that goes can make
   * its agent offerable again; the allocator skips an agent found fully filtered only while its
   * count has not moved. Per agent, because with short filters some expire all the time.
   */
  private readonly removed = new Map<string, number>();

  /** How many filters on the agent were dropped so far. */
  removals(agentId: string): number {
    return this.removed.get(agentId) ?? 0;
  }

  get size(): number {
    return this.expiries.size;
  }

  add(frameworkId: string, agentId: string, role: string, resources: Resource[], expiresAt: number): void {
    const filter: RefuseFilter = { frameworkId, agentId, role, resources, plain: plainResources(resources), expiresAt, heapIndex: -1 };
    let byAgent = this.byFramework.get(frameworkId);
    if (byAgent === undefined) {
      byAgent = new Map();
      this.byFramework.set(frameworkId, byAgent);
    }
    const list = byAgent.get(agentId);
    if (list === undefined) byAgent.set(agentId, [filter]);
    else list.push(filter);
    this.expiries.push(filter);
  }

  /**
   * True when an unexpired filter of this framework, agent and role covers `offered`.
   * `offeredPlain`: plainResources(offered), when the caller checks the same list often.
   */
  isFiltered(
    frameworkId: string,
    agentId: string,
    role: string,
    offered: readonly Resource[],
    now: number,
    offeredPlain?: PlainResources,
  ): boolean {
    const list = this.byFramework.get(frameworkId)?.get(agentId);
    if (list === undefined) return false;
    for (const f of list) {
      if (f.role !== role || f.expiresAt <= now) continue;
      if (f.plain !== undefined && offeredPlain !== undefined ? plainContains(f.plain, offeredPlain) : contains(f.resources, offered))
        return true;
    }
    return false;
  }

  /** Drops every filter whose time has come. */
  expire(now: number): void {
    for (let top = this.expiries.peek(); top !== undefined && top.expiresAt <= now; top = this.expiries.peek()) {
      this.drop(top);
    }
  }

  /** Earliest expiry among the filters still held. */
  nextExpiry(): number | undefined {
    return this.expiries.peek()?.expiresAt;
  }

  removeFramework(frameworkId: string): void {
    const byAgent = this.byFramework.get(frameworkId);
    if (byAgent === undefined) return;
    for (const [agentId, list] of byAgent) {
      for (const f of list) this.expiries.remove(f);
      this.countRemoval(agentId);
    }
    this.byFramework.delete(frameworkId);
  }

  removeAgent(agentId: string): void {
    for (const [frameworkId, byAgent] of this.byFramework) {
      const list = byAgent.get(agentId);
      if (list === undefined) continue;
      for (const f of list) this.expiries.remove(f);
      byAgent.delete(agentId);
      if (byAgent.size === 0) this.byFramework.delete(frameworkId);
    }
    this.removed.delete(agentId);
  }

  private countRemoval(agentId: string): void {
    this.removed.set(agentId, (this.removed.get(agentId) ?? 0) + 1);
  }

  private drop(filter: RefuseFilter): void {
    this.expiries.remove(filter);
    this.countRemoval(filter.agentId);
    const byAgent = this.byFramework.get(filter.frameworkId);
    const list = byAgent?.get(filter.agentId);
    if (byAgent === undefined || list === undefined) return;
    const i = list.indexOf(filter);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) byAgent.delete(filter.agentId);
    if (byAgent.size === 0) this.byFramework.delete(filter.frameworkId);
  }
}
