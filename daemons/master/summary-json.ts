// /master/state-summary and /master/roles in Mesos's field names (ReadOnlyHandler::stateSummary
// and ::roles in src/master/readonly_handler.cpp).
import { isReserved, reservationRole, toQuantitiesJson } from '../common/resources.ts';
import type { Resource } from '../common/mesos.ts';
import type { Built } from '../common/raw-json.ts';
import { isInRoleSubtree } from '../common/roles.ts';
import type { RolesJson, StateSummaryJson, TaskCounts } from '../common/state-types.ts';
import type { Master } from './master.ts';
import { type StateContext, agentJson, frameworkSummaryJson, visibleFrameworks } from './state-json.ts';

interface Tally {
  counts: Map<string, number>;
  /** Agent ids of a framework's tasks, framework ids of an agent's. */
  ids: Set<string>;
}

/** A tally's counts, for the task states state-summary counts (the same for agents and frameworks). */
function taskCounts(t: Tally | undefined): TaskCounts {
  const n = (state: keyof TaskCounts) => t?.counts.get(state) ?? 0;
  return {
    TASK_STAGING: n('TASK_STAGING'),
    TASK_STARTING: n('TASK_STARTING'),
    TASK_RUNNING: n('TASK_RUNNING'),
    TASK_KILLING: n('TASK_KILLING'),
    TASK_FINISHED: n('TASK_FINISHED'),
    TASK_KILLED: n('TASK_KILLED'),
    TASK_FAILED: n('TASK_FAILED'),
    TASK_LOST: n('TASK_LOST'),
    TASK_ERROR: n('TASK_ERROR'),
    TASK_UNREACHABLE: n('TASK_UNREACHABLE'),
  };
}

const tallyIds = (t: Tally | undefined): string[] => [...(t?.ids ?? [])];

/**
 * /master/state-summary. As in Mesos the counts and id lists come from the tasks of the
 * frameworks the master has (active, unreachable and completed ones), so an agent's counts take
 * in the finished tasks it ran for them, and a completed framework counts for nothing.
 */
export function stateSummaryJson(ctx: StateContext): Built<StateSummaryJson> {
  const m = ctx.master;
  const byAgent = new Map<string, Tally>();
  const byFramework = new Map<string, Tally>();
  const tally = (map: Map<string, Tally>, key: string, state: string, id: string) => {
    let t = map.get(key);
    if (t === undefined) {
      t = { counts: new Map(), ids: new Set() };
      map.set(key, t);
    }
    t.counts.set(state, (t.counts.get(state) ?? 0) + 1);
    t.ids.add(id);
  };
  const frameworks = visibleFrameworks(ctx, m.frameworks.values());
  for (const fw of frameworks) {
    for (const tasks of [fw.tasks.values(), fw.unreachableTasks.values(), fw.completedTasks]) {
      for (const task of tasks) {
        tally(byFramework, fw.id, task.state, task.agentId);
        tally(byAgent, task.agentId, task.state, fw.id);
      }
    }
  }
  return {
    hostname: m.config.hostname,
    ...(m.config.cluster ? { cluster: m.config.cluster } : {}),
    slaves: [...m.agents.values()].map((a) => {
      const t = byAgent.get(a.id);
      return agentJson(ctx, a, { ...taskCounts(t), framework_ids: tallyIds(t) });
    }),
    frameworks: frameworks.map((f) => {
      const t = byFramework.get(f.id);
      return { ...frameworkSummaryJson(ctx, f), ...taskCounts(t), slave_ids: tallyIds(t) };
    }),
  };
}

/** A role's resources: the role's own and those of roles below it (a/b is below a). */
function inSubtree(role: string, of: string | undefined): boolean {
  return of !== undefined && isInRoleSubtree(of, role);
}

/**
 * /master/roles: each role the allocator knows, with its resources as quantities (scalars
 * summed, ranges and sets counted): `allocated` to its frameworks' tasks, `offered` to them,
 * `reserved` to it on agents, and `resources` (allocated + offered, Mesos's deprecated field).
 * There are no quotas here, so a quota is empty and what it would consume is what the role
 * holds: allocated plus reservations its tasks do not use.
 */
/** The resources allocated to (held by tasks) and offered to a role and the roles under it. */
export function roleResources(master: Master, role: string): { allocated: Resource[]; offered: Resource[] } {
  const allocated: Resource[] = [];
  const offered: Resource[] = [];
  for (const fw of master.frameworks.values()) {
    for (const task of fw.tasks.values()) if (!task.resourcesRecovered && inSubtree(role, task.role)) allocated.push(...task.resources);
  }
  for (const offer of master.offers.values()) if (inSubtree(role, offer.role)) offered.push(...offer.resources);
  return { allocated, offered };
}

export function rolesJson(master: Master): RolesJson {
  return {
    roles: master.allocator.roleSummary().map((r) => {
      const { allocated, offered } = roleResources(master, r.role);
      const reserved: Resource[] = [];
      const reservedHere = (res: Resource) => isReserved(res) && inSubtree(r.role, reservationRole(res));
      for (const agent of master.agents.values()) for (const res of agent.resources) if (reservedHere(res)) reserved.push(res);
      const usedReserved = toQuantitiesJson(allocated.filter(reservedHere));
      const consumed = toQuantitiesJson(allocated);
      for (const [name, q] of Object.entries(toQuantitiesJson(reserved))) {
        const unused = q - (usedReserved[name] ?? 0);
        if (unused > 0) consumed[name] = (consumed[name] ?? 0) + unused;
      }
      return {
        name: r.role,
        weight: r.weight,
        quota: { role: r.role, guarantee: {}, limit: {}, consumed },
        resources: toQuantitiesJson([...allocated, ...offered]),
        allocated: toQuantitiesJson(allocated),
        offered: toQuantitiesJson(offered),
        reserved: toQuantitiesJson(reserved),
        frameworks: r.frameworks,
      };
    }),
  };
}
