// The limits a container's ResourceStatistics report, computed as Apache Mesos 1.11 computes
// them from an executor's resources and its tasks' (pure):
//   requests = executor resources + every live task's resources (Executor::allocatedResources);
//              a command task's executor brings Mesos's allowance, 0.1 cpus and 32 MB
//              (Slave::getExecutorInfo, DEFAULT_EXECUTOR_CPUS/MEM in slave/constants.hpp)
//   limits   = TaskInfo.limits summed, plus the executor's own request and the requests of
//              tasks without a limit (Slave::computeExecutorLimits); a cpus limit is dropped
//              when some task has none, as on Linux without --cgroups_enable_cfs
//   Mesos containerizer (_usage in containerizer.cpp): cpus_soft_limit = cpus request,
//     cpus_limit = the cpus limit (infinite: the host's cpus), mem_soft_limit_bytes = mem
//     request, mem_limit_bytes = the mem limit (infinite: the host's memory) else the request
//   Docker containerizer (usage in docker.cpp): the same without the command executor's
//     allowance, and mem_soft_limit_bytes only beside a mem limit.
// Without CFS quotas (none are set here) Mesos reports no cpus_limit for a task that has no
// cpus limit of its own, and neither does this agent.
import type { Resource } from '../../common/mesos.ts';
import { scalar } from '../../common/resources.ts';

/** Mesos's allowance for the command executor of a command task (slave/constants.hpp). */
export const COMMAND_EXECUTOR_RESOURCES: readonly Resource[] = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
];

const MB = 1024 * 1024;

export interface LimitedTask {
  resources?: Resource[];
  /**
   * TaskInfo.limits: resource name -> Value.Scalar. A value may be infinite, which JSON has no
   * number for: it may arrive as a string ("Infinity", "inf"), so it is read as unknown.
   */
  limits?: Readonly<Record<string, { readonly value?: unknown } | undefined>> | undefined;
}

export interface ContainerLimits {
  cpus_limit?: number;
  mem_limit_bytes?: number;
  mem_soft_limit_bytes?: number;
  cpus_soft_limit?: number;
}

export interface LimitInputs {
  /** ExecutorInfo.resources as Mesos's agent has them (COMMAND_EXECUTOR_RESOURCES for a command task). */
  executorResources: readonly Resource[];
  /** The executor's tasks that have not ended (queued or launched). */
  tasks: readonly LimitedTask[];
  containerizer: 'mesos' | 'docker';
  /** What an infinite limit means here. */
  host: { cpus: number; memBytes: number };
  /** --cgroups_enable_cfs under cgroups/cpu: a cpus limit takes in the requests of tasks without one instead of being dropped. */
  cfs?: boolean;
}

/** A container's requests and limits, an infinite limit kept infinite (what the cgroups isolators set). */
export interface ContainerResources {
  cpus?: number;
  cpusLimit?: number;
  /** Bytes (whole megabytes, as Resources::mem() keeps them). */
  mem?: number;
  memLimit?: number;
}

/** A task's limit on `name` (a number, possibly Infinity), if it has one. */
function taskLimit(task: LimitedTask, name: string): number | undefined {
  const v = task.limits?.[name]?.value;
  if (v === undefined || v === null) return undefined;
  // Infinity travels in JSON as a string ("Infinity", "inf").
  const n = typeof v === 'string' && /^\+?inf(inity)?$/i.test(v) ? Number.POSITIVE_INFINITY : Number(v);
  return Number.isNaN(n) ? undefined : n;
}

/** Mesos's setLimit: adds to a limit; an infinite limit stays infinite. */
function addLimit(limit: number | undefined, delta: number): number {
  if (limit === Number.POSITIVE_INFINITY) return limit;
  if (limit === undefined || delta === Number.POSITIVE_INFINITY) return delta;
  return limit + delta;
}

function has(resources: readonly Resource[], name: string): boolean {
  return resources.some((r) => r.name === name && r.type === 'SCALAR');
}

/** Slave::computeExecutorLimits for a Linux agent. */
function executorLimits(
  executorResources: readonly Resource[],
  tasks: readonly LimitedTask[],
  cfs: boolean,
): { cpus?: number; mem?: number } {
  let cpuLimit: number | undefined;
  let memLimit: number | undefined;
  const unlimitedCpus: Resource[] = [];
  const unlimitedMem: Resource[] = [];
  for (const t of tasks) {
    const cpus = taskLimit(t, 'cpus');
    if (cpus !== undefined) cpuLimit = addLimit(cpuLimit, cpus);
    else unlimitedCpus.push(...(t.resources ?? []));
    const mem = taskLimit(t, 'mem');
    if (mem !== undefined) memLimit = addLimit(memLimit, mem);
    else unlimitedMem.push(...(t.resources ?? []));
  }
  if (cpuLimit !== undefined) {
    if (has(executorResources, 'cpus')) cpuLimit = addLimit(cpuLimit, scalar(executorResources, 'cpus'));
    // A cpus limit would throttle the tasks that have none: Mesos drops it without CFS.
    const requested = scalar(unlimitedCpus, 'cpus');
    if (requested > 0) cpuLimit = cfs ? addLimit(cpuLimit, requested) : undefined;
  }
  if (memLimit !== undefined) {
    if (has(executorResources, 'mem')) memLimit = addLimit(memLimit, scalar(executorResources, 'mem'));
    const requested = scalar(unlimitedMem, 'mem');
    if (requested > 0) memLimit = addLimit(memLimit, requested);
  }
  return { ...(cpuLimit !== undefined ? { cpus: cpuLimit } : {}), ...(memLimit !== undefined ? { mem: memLimit } : {}) };
}

/** The container's requests and limits, as Mesos's containerizer hands them to its isolators. */
export function containerResources(inputs: Omit<LimitInputs, 'host'>): ContainerResources {
  const executorResources = inputs.containerizer === 'docker' ? [] : inputs.executorResources;
  const requests = [...executorResources, ...inputs.tasks.flatMap((t) => t.resources ?? [])];
  const limits = executorLimits(executorResources, inputs.tasks, inputs.cfs ?? false);
  const out: ContainerResources = {};
  if (has(requests, 'cpus')) out.cpus = scalar(requests, 'cpus');
  if (limits.cpus !== undefined) out.cpusLimit = limits.cpus;
  // Resources::mem() keeps whole megabytes.
  if (has(requests, 'mem')) out.mem = Math.trunc(scalar(requests, 'mem')) * MB;
  if (limits.mem !== undefined) out.memLimit = limits.mem === Number.POSITIVE_INFINITY ? limits.mem : Math.trunc(limits.mem) * MB;
  return out;
}

/** The limit fields of a container's ResourceStatistics. */
export function containerLimits(inputs: LimitInputs): ContainerLimits {
  const r = containerResources(inputs);
  const out: ContainerLimits = {};
  if (r.cpusLimit !== undefined) out.cpus_limit = r.cpusLimit === Number.POSITIVE_INFINITY ? inputs.host.cpus : r.cpusLimit;
  if (r.memLimit !== undefined) out.mem_limit_bytes = r.memLimit === Number.POSITIVE_INFINITY ? inputs.host.memBytes : r.memLimit;
  else if (r.mem !== undefined) out.mem_limit_bytes = r.mem;
  if (r.mem !== undefined && (inputs.containerizer === 'mesos' || r.memLimit !== undefined)) out.mem_soft_limit_bytes = r.mem;
  if (r.cpus !== undefined) out.cpus_soft_limit = r.cpus;
  return out;
}
