// --isolation (pure): Mesos's isolator names (containerizer.cpp, its table of creators and the
// legacy aliases "process" and "cgroups") read into what this agent does for a Mesos-containerizer
// task. A name Mesos knows but this agent does not provide yet stops the agent with the issue
// that tracks it: a cluster that asked for disk quotas or a private /tmp must not run without
// them believing it has them.
import { type Result, failed, ok } from '../../common/result.ts';

/** The controllers a cgroups isolator of this agent needs. */
export type Controller = 'cpu' | 'cpuacct' | 'memory' | 'pids';

export interface Isolation {
  /** Where cpu usage comes from, and whether shares and quotas are set. */
  cpu: 'cgroups' | 'posix' | 'none';
  mem: 'cgroups' | 'posix' | 'none';
  /** cgroups/pids: processes and threads counted from the pids controller (no limit, as Mesos 1.11). */
  pids: boolean;
  /** The names as given, deduplicated, in order (for the start-up line). */
  names: string[];
}

const BUILT = ['posix/cpu', 'posix/mem', 'cgroups/cpu', 'cgroups/mem', 'cgroups/pids', 'cgroups/all', 'filesystem/posix'] as const;

/** Mesos's legacy names (containerizer.cpp): each stands for the isolators it lists. */
const ALIASES: Record<string, readonly string[]> = {
  process: ['posix/cpu', 'posix/mem'],
  cgroups: ['cgroups/cpu', 'cgroups/mem'],
  'posix/disk': ['disk/du'],
};

/** Isolators Mesos 1.11 has that this agent does not run yet, and what tracks each. */
const NOT_BUILT: readonly string[] = [
  'cgroups/blkio',
  'cgroups/cpuset',
  'cgroups/devices',
  'cgroups/hugetlb',
  'cgroups/net_cls',
  'cgroups/net_prio',
  'cgroups/perf_event',
  'disk/du',
  'disk/xfs',
  'filesystem/linux',
  'filesystem/shared',
  'docker/runtime',
  'docker/volume',
  'appc/runtime',
  'namespaces/pid',
  'namespaces/ipc',
  'linux/capabilities',
  'linux/devices',
  'linux/nnp',
  'linux/seccomp',
  'posix/rlimits',
  'volume/sandbox_path',
  'volume/host_path',
  'volume/image',
  'volume/secret',
  'volume/csi',
  'network/cni',
  'network/port_mapping',
  'network/ports',
  'gpu/nvidia',
  'environment_secret',
  'windows/cpu',
  'windows/mem',
  'filesystem/windows',
];

/** The isolators of `--isolation`, or a one-line error naming the one that cannot be had. */
export function parseIsolation(value: string): Result<Isolation> {
  const names: string[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    for (const n of ALIASES[name] ?? [name]) if (!names.includes(n)) names.push(n);
  }
  for (const n of names) {
    if (NOT_BUILT.includes(n))
      return failed(
        `--isolation: the isolator '${n}' is not provided by this agent yet (issue #28); remove it from --isolation (built: ${BUILT.join(', ')})`,
      );
    if (!(BUILT as readonly string[]).includes(n))
      return failed(`--isolation: unknown isolator '${n}'; known isolators: ${BUILT.join(', ')}`);
  }
  const all = names.includes('cgroups/all');
  const pick = (cgroups: string, posix: string): Isolation['cpu'] =>
    all || names.includes(cgroups) ? 'cgroups' : names.includes(posix) ? 'posix' : 'none';
  return ok({
    cpu: pick('cgroups/cpu', 'posix/cpu'),
    mem: pick('cgroups/mem', 'posix/mem'),
    pids: all || names.includes('cgroups/pids'),
    names,
  });
}

/** The cgroup controllers the chosen isolators need (empty: no cgroups at all). */
export function neededControllers(iso: Isolation): Controller[] {
  const out: Controller[] = [];
  if (iso.cpu === 'cgroups') out.push('cpu', 'cpuacct');
  if (iso.mem === 'cgroups') out.push('memory');
  if (iso.pids) out.push('pids');
  return out;
}
