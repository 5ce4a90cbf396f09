// The DRF sorter (Mesos sorter/drf/sorter.cpp, flattened to two levels): who is next in
// line. Roles queue by weighted dominant share, frameworks inside a role by dominant share;
// ties go to the client chosen fewer times, then to the smaller name. Shares are kept up to
// date as allocations change; when the cluster total or a weight changes every share is stale,
// so they are recomputed once, lazily, before the next allocation.

import { IndexedHeap } from './heap.ts';
import { addQuantities, dominantShare, type Quantities, zeroQuantities } from './quantities.ts';

export interface FrameworkState {
  id: string;
  roles: Set<string>;
  suppressed: Set<string>;
  active: boolean;
  /** One entry per role the framework is tracked under (subscribed, or holding resources). */
  entries: Map<string, RoleEntry>;
}

/** A framework as a client of one role: its holdings in that role and its place in the queue. */
export interface RoleEntry {
  frameworkId: string;
  role: RoleState;
  allocated: Quantities;
  /** Agents on which the framework holds resources in this role. */
  agents: number;
  share: number;
  /** Times chosen; breaks ties between equal shares. */
  count: number;
  heapIndex: number;
}

export interface RoleState {
  name: string;
  weight: number;
  allocated: Quantities;
  /** Dominant share divided by weight. */
  share: number;
  count: number;
  heapIndex: number;
  frameworks: Map<string, RoleEntry>;
  /** Frameworks that may receive offers in this role now: active, subscribed, not suppressed. */
  offerable: IndexedHeap<RoleEntry>;
  /** (agent, framework) pairs holding resources in this role, known frameworks or not. */
  holders: number;
  /** Agents whose total reserves something to this role. */
  reservingAgents: number;
}

function ahead(a: { share: number; count: number }, b: { share: number; count: number }): number {
  return a.share !== b.share ? a.share - b.share : a.count - b.count;
}

const entryLess = (a: RoleEntry, b: RoleEntry): boolean => {
  const d = ahead(a, b);
  return d !== 0 ? d < 0 : a.frameworkId < b.frameworkId;
};

const roleLess = (a: RoleState, b: RoleState): boolean => {
  const d = ahead(a, b);
  return d !== 0 ? d < 0 : a.name < b.name;
};

function validWeight(w: number | undefined): w is number {
  return typeof w === 'number' && Number.isFinite(w) && w > 0;
}

export class DrfSorter {
  readonly roles = new Map<string, RoleState>();
  /** Roles with at least one offerable framework. */
  readonly queue = new IndexedHeap<RoleState>(roleLess);
  /** Sum of all agents' totals: the denominator of every share. */
  readonly total: Quantities = zeroQuantities();
  private weights = new Map<string, number>();
  private stale = false;
  /**
   * Counts frameworks put into a role's queue (subscribed, revived, unsuppressed, activated).
   * Each can take what every other framework refused; the allocator skips agents found fully
   * filtered only while this has not moved.
   */
  offerableAdded = 0;

  /** The role's state, created on first use. */
  role(name: string): RoleState {
    let role = this.roles.get(name);
    if (role === undefined) {
      role = {
        name,
        weight: this.weights.get(name) ?? 1,
        allocated: zeroQuantities(),
        share: 0,
        count: 0,
        heapIndex: -1,
        frameworks: new Map(),
        offerable: new IndexedHeap<RoleEntry>(entryLess),
        holders: 0,
        reservingAgents: 0,
      };
      this.roles.set(name, role);
    }
    return role;
  }

  /** The framework's entry under the role, created on first use. */
  entry(fw: FrameworkState, role: RoleState): RoleEntry {
    let entry = fw.entries.get(role.name);
    if (entry === undefined) {
      entry = { frameworkId: fw.id, role, allocated: zeroQuantities(), agents: 0, share: 0, count: 0, heapIndex: -1 };
      fw.entries.set(role.name, entry);
      role.frameworks.set(fw.id, entry);
    }
    return entry;
  }

  hasWeight(role: string): boolean {
    return this.weights.has(role);
  }

  /** Replaces the whole weight table; invalid weights (<= 0, NaN) are ignored. */
  setWeights(weights: Map<string, number>): void {
    this.weights = new Map([...weights].filter(([, w]) => validWeight(w)));
    for (const name of this.weights.keys()) this.role(name);
    for (const role of [...this.roles.values()]) {
      role.weight = this.weights.get(role.name) ?? 1;
      this.dropIfUnused(role);
    }
    this.stale = true;
  }

  /** The cluster grew or shrank by q. */
  changeTotal(q: Quantities, sign: 1 | -1): void {
    addQuantities(this.total, q, sign);
    this.stale = true;
  }

  /** Adds (sign 1) or removes (-1) an allocation of `delta` to the role and the framework's entry. */
  charge(role: RoleState, entry: RoleEntry | undefined, delta: Quantities, sign: 1 | -1): void {
    addQuantities(role.allocated, delta, sign);
    role.share = dominantShare(role.allocated, this.total) / role.weight;
    if (!this.stale) this.queue.update(role);
    if (entry !== undefined) {
      addQuantities(entry.allocated, delta, sign);
      entry.share = dominantShare(entry.allocated, this.total);
      if (!this.stale) role.offerable.update(entry);
    }
  }

  /** Recomputes every share and reorders the queues if totals or weights changed. */
  refresh(): void {
    if (!this.stale) return;
    for (const role of this.roles.values()) {
      role.share = dominantShare(role.allocated, this.total) / role.weight;
      for (const entry of role.frameworks.values()) entry.share = dominantShare(entry.allocated, this.total);
      role.offerable.rebuild();
    }
    this.queue.rebuild();
    this.stale = false;
  }

  /** Puts the framework in or out of the role's queue to match active/subscribed/suppressed. */
  sync(fw: FrameworkState, roleName: string): void {
    const wanted = fw.active && fw.roles.has(roleName) && !fw.suppressed.has(roleName);
    const role = this.role(roleName);
    const entry = fw.roles.has(roleName) ? this.entry(fw, role) : fw.entries.get(roleName);
    if (entry !== undefined) {
      if (wanted && !role.offerable.has(entry)) {
        role.offerable.push(entry);
        this.offerableAdded++;
      } else if (!wanted) role.offerable.remove(entry);
    }
    this.syncQueue(role);
    this.dropIfUnused(role);
  }

  /** A framework stays under a role while subscribed to it or holding resources in it. */
  untrackIfIdle(fw: FrameworkState, entry: RoleEntry): void {
    if (fw.roles.has(entry.role.name) || entry.agents > 0) return;
    this.untrack(fw, entry);
  }

  /** Takes the framework out of all its roles. */
  removeFramework(fw: FrameworkState): void {
    for (const entry of [...fw.entries.values()]) this.untrack(fw, entry);
  }

  /** Forgets a role nobody uses, reserves for or weighs. */
  dropIfUnused(role: RoleState): void {
    if (role.frameworks.size > 0 || role.holders > 0 || role.reservingAgents > 0 || this.weights.has(role.name)) return;
    this.queue.remove(role);
    this.roles.delete(role.name);
  }

  private untrack(fw: FrameworkState, entry: RoleEntry): void {
    const role = entry.role;
    role.offerable.remove(entry);
    role.frameworks.delete(fw.id);
    fw.entries.delete(role.name);
    this.syncQueue(role);
    this.dropIfUnused(role);
  }

  private syncQueue(role: RoleState): void {
    const wanted = role.offerable.size > 0;
    if (wanted && !this.queue.has(role)) this.queue.push(role);
    else if (!wanted) this.queue.remove(role);
  }
}
