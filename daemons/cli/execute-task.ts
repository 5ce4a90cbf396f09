// What `mesos execute` asks for, built from its flags (pure): the FrameworkInfo it subscribes
// with and the task or task group it launches, as Apache Mesos's mesos-execute builds them.
import os from 'node:os';
import type { ContainerInfo, ExecutorInfo, FrameworkCapabilityType, FrameworkInfo, mesos, Resource, TaskInfo } from '../common/mesos.ts';
import { ResourceError, contains, parseResources, unallocated } from '../common/resources.ts';
import type { ExecuteFlags } from './execute-flags.ts';

export class ExecuteUsageError extends Error {}

const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set<FrameworkCapabilityType>([
  'REVOCABLE_RESOURCES',
  'TASK_KILLING_STATE',
  'GPU_RESOURCES',
  'SHARED_RESOURCES',
  'PARTITION_AWARE',
  'MULTI_ROLE',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
]);

function isKnownCapability(c: string): c is FrameworkCapabilityType {
  return KNOWN_CAPABILITIES.has(c);
}

/** Resources of the default executor that runs a task group (Mesos's mesos-execute uses these). */
export const DEFAULT_EXECUTOR_RESOURCES = 'cpus:0.1;mem:32;disk:32';

export interface ExecutePlan {
  framework: FrameworkInfo;
  /** One task (LAUNCH) or several (LAUNCH_GROUP with `executor`). */
  tasks: TaskInfo[];
  executor?: ExecutorInfo;
  /** Everything the launch needs from one offer. */
  needed: Resource[];
}

export function buildFramework(flags: ExecuteFlags): FrameworkInfo {
  const caps = new Set<FrameworkCapabilityType>(['RESERVATION_REFINEMENT', 'TASK_KILLING_STATE']);
  if (flags.partition_aware) caps.add('PARTITION_AWARE');
  for (const raw of (flags.framework_capabilities ?? '').split(',')) {
    const c = raw.trim();
    if (c === '') continue;
    if (!isKnownCapability(c)) {
      throw new ExecuteUsageError(
        `invalid value '${c}' in '--framework_capabilities': known capabilities are ${[...KNOWN_CAPABILITIES].join(', ')}`,
      );
    }
    caps.add(c);
  }
  const info: FrameworkInfo = {
    user: os.userInfo().username,
    name: 'mesos-execute instance',
    checkpoint: flags.checkpoint,
    capabilities: [...caps].map((type) => ({ type })),
    hostname: os.hostname(),
  };
  if (caps.has('MULTI_ROLE')) info.roles = [flags.role];
  else info.role = flags.role;
  if (flags.principal) info.principal = flags.principal;
  return info;
}

function parseTaskResources(text: string, flag: string): Resource[] {
  try {
    return parseResources(text);
  } catch (err) {
    if (err instanceof ResourceError) throw new ExecuteUsageError(`invalid value for '--${flag}': ${err.message}`);
    throw err;
  }
}

/**
 * The task's ContainerInfo from the container flags. The JSON flags (--volumes, --rlimits, the
 * capabilities) are passed on as given: the master checks them against the schema with the
 * whole ACCEPT call.
 */
function container(flags: ExecuteFlags): ContainerInfo | undefined {
  const c: Partial<ContainerInfo> = {};
  if (flags.docker_image) {
    if (flags.containerizer === 'docker') {
      c.type = 'DOCKER';
      c.docker = { image: flags.docker_image, network: 'HOST' };
    } else {
      c.type = 'MESOS';
      c.mesos = { image: { type: 'DOCKER', docker: { name: flags.docker_image } } };
    }
  } else if (flags.appc_image) {
    c.type = 'MESOS';
    c.mesos = { image: { type: 'APPC', appc: { name: flags.appc_image } } };
  }
  if (flags.networks) {
    c.type ??= 'MESOS';
    c.network_infos = flags.networks.split(',').map((name) => ({ name: name.trim() }));
  }
  if (flags.volumes) {
    c.type ??= 'MESOS';
    c.volumes = flags.volumes as mesos.v1.Volume[];
  }
  if (flags.tty) {
    c.type ??= 'MESOS';
    c.tty_info = {};
  }
  if (flags.effective_capabilities || flags.bounding_capabilities) {
    c.type ??= 'MESOS';
    c.linux_info = {
      ...(flags.effective_capabilities ? { effective_capabilities: flags.effective_capabilities as mesos.v1.CapabilityInfo } : {}),
      ...(flags.bounding_capabilities ? { bounding_capabilities: flags.bounding_capabilities as mesos.v1.CapabilityInfo } : {}),
    };
  }
  if (flags.rlimits) {
    c.type ??= 'MESOS';
    c.rlimit_info = flags.rlimits as mesos.v1.RLimitInfo;
  }
  const { type } = c;
  return type ? { ...c, type } : undefined;
}

/** Checks the flag combinations mesos-execute accepts and builds the launch. */
export function buildPlan(flags: ExecuteFlags): ExecutePlan {
  if (flags.task && flags.task_group) throw new ExecuteUsageError("Either '--task' or '--task_group' may be given, not both");
  const whole = flags.task ?? flags.task_group;
  if (whole) {
    const which = flags.task ? '--task' : '--task_group';
    for (const f of ['name', 'command', 'env', 'docker_image', 'appc_image', 'volumes'] as const) {
      if (flags[f] !== undefined) throw new ExecuteUsageError(`'--${f}' cannot be used with '${which}' (put it in the JSON instead)`);
    }
  } else {
    if (!flags.name) throw new ExecuteUsageError("Missing '--name' (the task's name and id), or give '--task' or '--task_group'");
    if (flags.shell && !flags.command) throw new ExecuteUsageError("Missing '--command' (required with --shell, the default)");
  }
  if (flags.package) {
    throw new ExecuteUsageError(
      "'--package' (upload to HDFS) is not supported; serve the file over HTTP and fetch it with CommandInfo.uris in '--task'",
    );
  }
  const framework = buildFramework(flags);

  if (flags.task_group) {
    const group = flags.task_group as { tasks?: TaskInfo[] };
    if (!Array.isArray(group.tasks) || group.tasks.length === 0)
      throw new ExecuteUsageError("'--task_group' must have a non-empty 'tasks' array");
    const executorResources = parseTaskResources(DEFAULT_EXECUTOR_RESOURCES, 'task_group');
    const executor: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'default-executor' }, resources: executorResources };
    let needed = executorResources;
    for (const t of group.tasks) {
      if (!t.task_id?.value || !t.name) throw new ExecuteUsageError("every task in '--task_group' needs 'name' and 'task_id'");
      if (!t.resources || t.resources.length === 0)
        throw new ExecuteUsageError(`task '${t.task_id.value}' in '--task_group' needs 'resources'`);
      needed = needed.concat(t.resources);
    }
    return { framework, tasks: group.tasks, executor, needed };
  }

  if (flags.task) {
    const t = flags.task as TaskInfo;
    if (!t.task_id?.value || !t.name) throw new ExecuteUsageError("'--task' needs 'name' and 'task_id'");
    if (!t.resources || t.resources.length === 0) throw new ExecuteUsageError("'--task' needs 'resources'");
    return { framework, tasks: [t], needed: t.resources };
  }

  const resources = parseTaskResources(flags.resources, 'resources');
  const command: TaskInfo['command'] = { shell: flags.shell };
  if (flags.shell) command.value = flags.command!;
  else {
    // --no-shell: the command line is split on spaces into the executable and its argv.
    const argv = (flags.command ?? '').split(' ').filter(Boolean);
    if (argv.length === 0) throw new ExecuteUsageError("Missing '--command' (the executable to run with --no-shell)");
    command.value = argv[0];
    command.arguments = argv;
  }
  if (flags.env) {
    command.environment = {
      variables: Object.entries(flags.env as Record<string, string>).map(([name, value]) => ({ name, value: String(value) })),
    };
  }
  const task: TaskInfo = { name: flags.name!, task_id: { value: flags.name! }, agent_id: { value: '' }, resources, command };
  const c = container(flags);
  if (c) task.container = c;
  return { framework, tasks: [task], needed: resources };
}

/** Whether an offer can take the launch (its resources, ignoring allocation info, contain it). */
export function offerFits(offerResources: Resource[], needed: Resource[]): boolean {
  return contains(unallocated(offerResources), needed);
}
