// Weighted DRF allocator, modelled on Mesos's hierarchical allocator with DRF sorters:
// roles compete by weighted dominant share, frameworks inside a role by dominant share,
// and each pick receives everything on one agent that its role may use. Pure bookkeeping:
// no timers and no I/O; the master calls in, passes the clock, and turns the returned
// allocations into offers. See README.md in this folder for the vocabulary.

import type { Resource } from '../../common/mesos.ts';
import {
  add,
  allocatedTo,
  contains,
  isAllocatableTo,
  minimalAllocatable,
  parseMinAllocatable,
  plainResources,
  reservationRole,
  subtract,
  unallocated,
} from '../../common/resources.ts';
import { RefuseFilters } from './filters.ts';
import { type Quantities, quantitiesOf, zeroQuantities, addQuantities, dominantShare } from './quantities.ts';
import { DrfSorter, type FrameworkState, type RoleEntry, type RoleState } from './sorter.ts';

export interface AllocatorOptions {
  /** Milliseconds clock; tests pass a fake. */
  now: () => number;
  /** Alternatives from --min_allocatable_resources; default 'cpus:0.01|mem:32'; [] = anything non-empty. */
  minAllocatable?: Resource[][];
  /** Role -> weight (default 1). */
  weights?: Map<string, number>;
}

/** Resources handed to one framework, for one role, on one agent; they carry allocation_info.role. */
export interface Allocation {
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
}

export interface FrameworkAllocInfo {
  roles: string[];
  /** Roles that get no offers; omitted means none. */
  suppressedRoles?: string[];
}

/** Mesos --min_allocatable_resources default (MIN_CPUS, MIN_MEM in src/master/constants.hpp). */
export const DEFAULT_MIN_ALLOCATABLE = 'cpus:0.01|mem:32';
/** Mesos caps refuse_seconds at 365 days and uses 5 s (the Filters default) for negative values. */
const MAX_REFUSE_SECONDS = 365 * 24 * 3600;
const DEFAULT_REFUSE_SECONDS = 5;

/** What one framework holds (offered or in use) in one role on one agent. */
interface Holding {
  frameworkId: string;
  role: string;
  /** Normalized, without allocation_info (the role says it); replaced, never changed in place. */
  resources: Resource[];
}

interface AgentState {
  id: string;
  total: Resource[];
  totalQ: Quantities;
  /** total minus all holdings; no allocation_info. */
  available: Resource[];
  /** Bumped whenever `available` changes. */
  availableVersion: number;
  /**
   * Set when an allocation run left the agent's resources unallocated (every offerable framework
   * filtered there, or too little to offer): what it depended on. Until one of these moves,
   * later runs skip the agent instead of checking every framework's filters again.
   */
  unallocatable?: { available: number; offerableAdded: number; filterRemovals: number };
  active: boolean;
  holdings: Holding[];
  /** Position in agentOrder. */
  order: number;
  reservedRoles: string[];
}

function reservedRolesOf(total: readonly Resource[]): string[] {
  const roles = new Set<string>();
  for (const r of total) {
    const role = reservationRole(r);
    if (role !== '*') roles.add(role);
  }
  return [...roles];
}

function findHolding(agent: AgentState, frameworkId: string, role: string): number {
  const list = agent.holdings;
  for (let i = 0; i < list.length; i++) {
    const h = list[i]!;
    if (h.frameworkId === frameworkId && h.role === role) return i;
  }
  return -1;
}

export class DrfAllocator {
  private readonly now: () => number;
  private readonly minAllocatable: Resource[][];
  private readonly sorter = new DrfSorter();
  private readonly agents = new Map<string, AgentState>();
  private readonly agentOrder: AgentState[] = [];
  /**
   * Agents with something available: what allocate() visits. Under load it runs many times a
   * second while almost every agent has nothing available, and stepping over all of them each
   * time would cost the master CPU in proportion to the cluster's size.
   */
  private readonly withAvailable = new Set<AgentState>();
  /** Agents whose frameworks allocate() went through, over all runs (for tests and benchmarks). */
  agentsVisited = 0;
  private cursor = 0;
  private readonly frameworks = new Map<string, FrameworkState>();
  /** Agents holding resources of frameworks not (yet) added: frameworkId -> agent ids. */
  private readonly orphans = new Map<string, Set<string>>();
  private readonly filters = new RefuseFilters();
  /** Scratch space for quantity deltas, to keep the hot path free of allocations. */
  private readonly delta: Quantities = zeroQuantities();

  constructor(opts: AllocatorOptions) {
    this.now = opts.now;
    this.minAllocatable = opts.minAllocatable ?? parseMinAllocatable(DEFAULT_MIN_ALLOCATABLE);
    if (opts.weights) this.sorter.setWeights(opts.weights);
  }

  // ------------------------------------------------------------------------------ agents

  /** `used`: frameworkId -> resources of tasks already running there (agent re-registration). */
  addAgent(agentId: string, total: Resource[], used?: Map<string, Resource[]>): void {
    if (this.agents.has(agentId)) this.removeAgent(agentId);
    const normalized = add([], unallocated(total));
    const agent: AgentState = {
      id: agentId,
      total: normalized,
      totalQ: quantitiesOf(normalized),
      available: [],
      availableVersion: 0,
      active: true,
      holdings: [],
      order: this.agentOrder.length,
      reservedRoles: reservedRolesOf(normalized),
    };
    this.agents.set(agentId, agent);
    this.agentOrder.push(agent);
    this.setAvailable(agent, normalized);
    this.sorter.changeTotal(agent.totalQ, 1);
    for (const role of agent.reservedRoles) this.sorter.role(role).reservingAgents++;
    if (used) for (const [frameworkId, resources] of used) this.takeUsed(agent, frameworkId, resources);
  }

  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined) return;
    while (agent.holdings.length > 0) this.release(agent, agent.holdings.length - 1, undefined);
    this.filters.removeAgent(agentId);
    this.sorter.changeTotal(agent.totalQ, -1);
    this.releaseReservedRoles(agent);
    const last = this.agentOrder.pop()!;
    if (last !== agent) {
      this.agentOrder[agent.order] = last;
      last.order = agent.order;
    }
    this.agents.delete(agentId);
    this.withAvailable.delete(agent);
  }

  activateAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = true;
  }

  /** A deactivated agent keeps its allocations but is not offered. */
  deactivateAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = false;
  }

  /** New total for an agent; what is allocated stays allocated, the rest becomes available. */
  updateAgentTotal(agentId: string, total: Resource[]): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined) return;
    this.releaseReservedRoles(agent);
    this.sorter.changeTotal(agent.totalQ, -1);
    agent.total = add([], unallocated(total));
    agent.totalQ = quantitiesOf(agent.total);
    agent.reservedRoles = reservedRolesOf(agent.total);
    this.sorter.changeTotal(agent.totalQ, 1);
    for (const role of agent.reservedRoles) this.sorter.role(role).reservingAgents++;
    let inUse: Resource[] = [];
    for (const h of agent.holdings) inUse = add(inUse, h.resources);
    this.setAvailable(agent, subtract(agent.total, inUse));
  }

  // -------------------------------------------------------------------------- frameworks

  /** `used`: agentId -> resources of its running tasks (a framework re-registering). */
  addFramework(frameworkId: string, info: FrameworkAllocInfo, used?: Map<string, Resource[]>): void {
    let fw = this.frameworks.get(frameworkId);
    if (fw !== undefined) {
      this.updateFramework(frameworkId, info);
    } else {
      fw = {
        id: frameworkId,
        roles: new Set(info.roles),
        suppressed: new Set(info.suppressedRoles ?? []),
        active: true,
        entries: new Map(),
      };
      this.frameworks.set(frameworkId, fw);
      // Agents may have reported this framework's tasks before it came back: count them now.
      for (const agentId of this.orphans.get(frameworkId) ?? []) {
        for (const h of this.agents.get(agentId)?.holdings ?? []) {
          if (h.frameworkId !== frameworkId) continue;
          const entry = this.sorter.entry(fw, this.sorter.role(h.role));
          entry.agents++;
          addQuantities(entry.allocated, quantitiesOf(h.resources));
          entry.share = dominantShare(entry.allocated, this.sorter.total);
        }
      }
      this.orphans.delete(frameworkId);
      for (const role of fw.roles) this.sorter.sync(fw, role);
    }
    if (used) {
      for (const [agentId, resources] of used) {
        const agent = this.agents.get(agentId);
        // The agent's own report wins when both sides told us (as in Mesos).
        if (agent === undefined || agent.holdings.some((h) => h.frameworkId === frameworkId)) continue;
        this.takeUsed(agent, frameworkId, resources);
      }
    }
  }

  /** New roles and suppressed roles (omitted = none). Allocations in dropped roles are kept. */
  updateFramework(frameworkId: string, info: FrameworkAllocInfo): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined) return;
    const touched = new Set([...fw.roles, ...info.roles]);
    fw.roles = new Set(info.roles);
    fw.suppressed = new Set(info.suppressedRoles ?? []);
    for (const role of touched) {
      this.sorter.sync(fw, role);
      const entry = fw.entries.get(role);
      if (entry) this.sorter.untrackIfIdle(fw, entry);
    }
  }

  /** Everything the framework holds returns to the agents' pools; its filters go. */
  removeFramework(frameworkId: string): void {
    for (const agent of this.agentOrder) {
      for (let i = agent.holdings.length - 1; i >= 0; i--) {
        if (agent.holdings[i]!.frameworkId !== frameworkId) continue;
        const removed = this.release(agent, i, undefined);
        this.setAvailable(agent, add(agent.available, removed));
      }
    }
    this.orphans.delete(frameworkId);
    const fw = this.frameworks.get(frameworkId);
    if (fw !== undefined) {
      this.sorter.removeFramework(fw);
      this.frameworks.delete(frameworkId);
    }
    this.filters.removeFramework(frameworkId);
  }

  activateFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined) return;
    fw.active = true;
    for (const role of fw.roles) this.sorter.sync(fw, role);
  }

  /** No offers while inactive; allocations are kept. Filters are cleared (as in Mesos). */
  deactivateFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined) return;
    fw.active = false;
    for (const role of fw.roles) this.sorter.sync(fw, role);
    this.filters.removeFramework(frameworkId);
  }

  suppress(frameworkId: string, roles?: string[]): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined) return;
    for (const role of roles ?? [...fw.roles]) {
      fw.suppressed.add(role);
      this.sorter.sync(fw, role);
    }
  }

  /** Unsuppresses the roles (all when omitted) and clears every refuse filter of the framework. */
  revive(frameworkId: string, roles?: string[]): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined) return;
    for (const role of roles ?? [...fw.suppressed]) {
      fw.suppressed.delete(role);
      this.sorter.sync(fw, role);
    }
    this.filters.removeFramework(frameworkId);
  }

  // ---------------------------------------------------------------------------- resources

  /**
   * Offered or used resources come back to the agent's pool (declined offer, unused part of
   * an accept, finished task). With refuseSeconds > 0 the framework is not offered a subset
   * of them on this agent, in that role, until now + refuseSeconds.
   */
  recoverResources(frameworkId: string, agentId: string, resources: Resource[], refuseSeconds?: number): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined) return;
    const groups = this.groupByRole(frameworkId, resources, agent);
    for (const [role, list] of groups) {
      const index = findHolding(agent, frameworkId, role);
      if (index < 0) continue;
      const removed = this.release(agent, index, list);
      if (removed.length > 0) this.setAvailable(agent, add(agent.available, removed));
    }
    if (refuseSeconds === undefined || !this.frameworks.has(frameworkId)) return;
    let seconds = refuseSeconds;
    if (Number.isNaN(seconds) || seconds < 0) seconds = DEFAULT_REFUSE_SECONDS;
    seconds = Math.min(seconds, MAX_REFUSE_SECONDS);
    if (seconds === 0) return;
    const expiresAt = this.now() + seconds * 1000;
    for (const [role, list] of groups) {
      const refused = add([], list);
      if (refused.length > 0) this.filters.add(frameworkId, agentId, role, refused, expiresAt);
    }
  }

  /** Replaces the whole weight table; roles not in it weigh 1. */
  setWeights(weights: Map<string, number>): void {
    this.sorter.setWeights(weights);
  }

  // ---------------------------------------------------------------------------- allocation

  /**
   * Hands out everything allocatable now. Per active agent (starting one further each call):
   * roles by weighted dominant share, in each the framework with the lowest share that is not
   * filtered there gets all the agent's resources the role may use.
   */
  allocate(): Allocation[] {
    const now = this.now();
    this.filters.expire(now);
    this.sorter.refresh();
    const out: Allocation[] = [];
    const queue = this.sorter.queue;
    const n = this.agentOrder.length;
    if (n === 0 || queue.size === 0) return out;
    const start = this.cursor % n;
    this.cursor = start + 1;
    const candidates = this.candidates(start);
    const visitedRoles: RoleState[] = [];
    const skipped: RoleEntry[] = [];
    for (const agent of candidates) {
      if (!agent.active || agent.available.length === 0) continue;
      const stuck = agent.unallocatable;
      if (
        stuck !== undefined &&
        stuck.available === agent.availableVersion &&
        stuck.offerableAdded === this.sorter.offerableAdded &&
        stuck.filterRemovals === this.filters.removals(agent.id)
      ) {
        continue;
      }
      this.agentsVisited++;
      const versionBefore = agent.availableVersion;
      while (agent.available.length > 0) {
        const role = queue.pop();
        if (role === undefined) break;
        visitedRoles.push(role);
        // Most agents reserve nothing: then every available resource suits every role.
        const usable = agent.reservedRoles.length === 0 ? agent.available : agent.available.filter((r) => isAllocatableTo(r, role.name));
        if (usable.length === 0) continue;
        if (!minimalAllocatable(usable, this.minAllocatable)) {
          // Without reservations every role sees the same too-small leftovers.
          if (usable === agent.available) break;
          continue;
        }
        const usablePlain = this.filters.size > 0 ? plainResources(usable) : undefined;
        let chosen: RoleEntry | undefined;
        for (let entry = role.offerable.pop(); entry !== undefined; entry = role.offerable.pop()) {
          skipped.push(entry);
          if (!this.filters.isFiltered(entry.frameworkId, agent.id, role.name, usable, now, usablePlain)) {
            chosen = entry;
            break;
          }
        }
        if (chosen !== undefined) {
          this.setAvailable(agent, usable === agent.available ? [] : agent.available.filter((r) => !isAllocatableTo(r, role.name)));
          this.hold(agent, chosen.frameworkId, role, usable, chosen);
          chosen.count++;
          role.count++;
          out.push({
            frameworkId: chosen.frameworkId,
            agentId: agent.id,
            role: role.name,
            resources: allocatedTo(usable, role.name),
          });
        }
        for (const entry of skipped) role.offerable.push(entry);
        skipped.length = 0;
      }
      for (const role of visitedRoles) if (role.offerable.size > 0) queue.push(role);
      visitedRoles.length = 0;
      agent.unallocatable =
        agent.availableVersion === versionBefore
          ? { available: versionBefore, offerableAdded: this.sorter.offerableAdded, filterRemovals: this.filters.removals(agent.id) }
          : undefined;
    }
    return out;
  }

  /** Earliest time (ms) a refuse filter expires; the master allocates again then. */
  nextFilterExpiry(): number | undefined {
    return this.filters.nextExpiry();
  }

  // ------------------------------------------------------------------------------ queries

  /** Dominant share of everything the framework holds, over all its roles (unweighted). */
  frameworkShare(frameworkId: string): number {
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined) return 0;
    const sum = zeroQuantities();
    for (const entry of fw.entries.values()) addQuantities(sum, entry.allocated);
    return dominantShare(sum, this.sorter.total);
  }

  /** Dominant share of everything allocated to the role (unweighted; the sort divides by weight). */
  roleShare(role: string): number {
    const state = this.sorter.roles.get(role);
    return state === undefined ? 0 : dominantShare(state.allocated, this.sorter.total);
  }

  /** Roles with frameworks, allocations, reservations or a configured weight, by name. */
  roleSummary(): Array<{ role: string; weight: number; frameworks: string[]; allocated: Resource[] }> {
    const allocatedByRole = new Map<string, Resource[]>();
    for (const agent of this.agentOrder) {
      for (const h of agent.holdings) allocatedByRole.set(h.role, add(allocatedByRole.get(h.role) ?? [], h.resources));
    }
    return [...this.sorter.roles.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((role) => ({
        role: role.name,
        weight: role.weight,
        frameworks: [...role.frameworks.keys()].sort(),
        allocated: allocatedTo(allocatedByRole.get(role.name) ?? [], role.name),
      }));
  }

  /** The agent's total minus what is offered or allocated (no allocation_info). */
  agentAvailable(agentId: string): Resource[] {
    const agent = this.agents.get(agentId);
    return agent === undefined ? [] : add([], agent.available);
  }

  // ------------------------------------------------------------------------- bookkeeping

  private releaseReservedRoles(agent: AgentState): void {
    for (const name of agent.reservedRoles) {
      const role = this.sorter.roles.get(name);
      if (role === undefined) continue;
      role.reservingAgents--;
      this.sorter.dropIfUnused(role);
    }
  }

  /**
   * Records `resources` (normalized, without allocation_info, shared with no caller) as held
   * by the framework in the role on the agent, and charges them to the shares.
   */
  private hold(agent: AgentState, frameworkId: string, role: RoleState, resources: Resource[], entry?: RoleEntry): void {
    const delta = this.delta;
    const index = findHolding(agent, frameworkId, role.name);
    const isNew = index < 0;
    if (isNew) {
      agent.holdings.push({ frameworkId, role: role.name, resources });
      role.holders++;
      quantitiesOf(resources, delta);
    } else {
      const h = agent.holdings[index]!;
      const before = quantitiesOf(h.resources);
      h.resources = add(h.resources, resources);
      quantitiesOf(h.resources, delta);
      addQuantities(delta, before, -1);
    }
    let charged = entry;
    if (charged === undefined) {
      const fw = this.frameworks.get(frameworkId);
      if (fw !== undefined) {
        charged = this.sorter.entry(fw, role);
      } else {
        const agents = this.orphans.get(frameworkId);
        if (agents === undefined) this.orphans.set(frameworkId, new Set([agent.id]));
        else agents.add(agent.id);
      }
    }
    if (isNew && charged !== undefined) charged.agents++;
    this.sorter.charge(role, charged, delta, 1);
  }

  /**
   * Takes `resources` (all when undefined; no allocation_info) out of the agent's holding at
   * `index`, uncharges them and returns what was actually removed. Does not touch `available`.
   */
  private release(agent: AgentState, index: number, resources: Resource[] | undefined): Resource[] {
    const h = agent.holdings[index]!;
    const left = resources === undefined ? [] : subtract(h.resources, resources);
    const removed = left.length === 0 ? h.resources : subtract(h.resources, left);
    const role = this.sorter.role(h.role);
    const fw = this.frameworks.get(h.frameworkId);
    const entry = fw?.entries.get(h.role);
    if (left.length === 0) {
      agent.holdings.splice(index, 1);
      role.holders--;
      if (entry !== undefined) entry.agents--;
      if (fw === undefined && !agent.holdings.some((x) => x.frameworkId === h.frameworkId)) {
        const agents = this.orphans.get(h.frameworkId);
        agents?.delete(agent.id);
        if (agents?.size === 0) this.orphans.delete(h.frameworkId);
      }
    } else {
      h.resources = left;
    }
    this.sorter.charge(role, entry, quantitiesOf(removed, this.delta), -1);
    if (fw !== undefined && entry !== undefined) this.sorter.untrackIfIdle(fw, entry);
    this.sorter.dropIfUnused(role);
    return removed;
  }

  /** Agents with something available, in agentOrder from `start` on, wrapping around. */
  private candidates(start: number): AgentState[] {
    const n = this.agentOrder.length;
    if (this.withAvailable.size * 8 >= n) {
      // Many (a registration storm): one pass over all beats sorting them.
      const out: AgentState[] = [];
      for (let i = 0; i < n; i++) {
        const agent = this.agentOrder[(start + i) % n]!;
        if (agent.available.length > 0) out.push(agent);
      }
      return out;
    }
    const rank = (a: AgentState) => (a.order - start + n) % n;
    return [...this.withAvailable].sort((a, b) => rank(a) - rank(b));
  }

  private setAvailable(agent: AgentState, available: Resource[]): void {
    agent.available = available;
    agent.availableVersion++;
    if (available.length > 0) this.withAvailable.add(agent);
    else this.withAvailable.delete(agent);
  }

  /** Resources already in use on an agent (re-registration): not available, counted in shares. */
  private takeUsed(agent: AgentState, frameworkId: string, resources: readonly Resource[]): void {
    for (const [role, list] of this.groupByRole(frameworkId, resources, undefined)) {
      const held = add([], list);
      if (held.length === 0) continue;
      this.setAvailable(agent, subtract(agent.available, held));
      this.hold(agent, frameworkId, this.sorter.role(role), held);
    }
  }

  /**
   * Splits resources by allocation role, returning them without allocation_info. Resources
   * that lack it (tasks of frameworks that do not set it) get the role they were offered in.
   */
  private groupByRole(frameworkId: string, resources: readonly Resource[], agent: AgentState | undefined): Map<string, Resource[]> {
    const groups = new Map<string, Resource[]>();
    for (const r of resources) {
      const role = r.allocation_info?.role ?? this.inferRole(frameworkId, r, agent);
      const [plain] = unallocated([r]);
      const list = groups.get(role);
      if (list === undefined) groups.set(role, [plain!]);
      else list.push(plain!);
    }
    return groups;
  }

  private inferRole(frameworkId: string, r: Resource, agent: AgentState | undefined): string {
    const held = agent?.holdings.filter((h) => h.frameworkId === frameworkId) ?? [];
    if (held.length === 1) return held[0]!.role;
    for (const h of held) if (contains(h.resources, unallocated([r]))) return h.role;
    const fw = this.frameworks.get(frameworkId);
    const reserved = reservationRole(r);
    if (fw !== undefined) {
      if (reserved !== '*') for (const role of fw.roles) if (isAllocatableTo(r, role)) return role;
      const first = fw.roles.values().next();
      if (!first.done) return first.value;
    }
    return reserved;
  }
}
