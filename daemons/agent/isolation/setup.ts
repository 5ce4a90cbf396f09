// The agent's isolation at start: --isolation read, the hierarchy detected, the isolators it
// cannot provide refused with the reason, one line saying what is used. Without a cgroups
// isolator nothing here touches /sys/fs/cgroup (posix/cpu, posix/mem: usage from /proc).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Result, failed, ok } from '../../common/result.ts';
import { CgroupTree } from './cgroups.ts';
import { describeHierarchy, detectHierarchy, missingControllers } from './hierarchy.ts';
import { CgroupsIsolator } from './isolator.ts';
import { neededControllers, parseIsolation } from './isolators.ts';
import { countsOomKills } from './usage.ts';

export interface IsolationFlags {
  isolation: string;
  cgroups_hierarchy: string;
  cgroups_root: string;
  cgroups_enable_cfs: boolean;
  cgroups_limit_swap: boolean;
  /** Seconds. */
  cgroups_destroy_timeout: number;
}

/** What the host tells about its cgroups (read here; tests pass fixtures). */
export interface HostCgroupFiles {
  mountinfo: string;
  procCgroups: string;
  v2RootControllers?: string;
  /** Whether v1 memory cgroups have memory.memsw.* (swap accounting on: swapaccount=1). */
  swapAccounting?: boolean;
  /** The v1 memory root's memory.oom_control (does this kernel count OOM kills?). */
  rootOomControl?: string;
}

function readHost(hierarchy: string): HostCgroupFiles {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
  };
  const v2 = read(path.join(hierarchy, 'cgroup.controllers'));
  const mountinfo = read('/proc/self/mountinfo') ?? '';
  const procCgroups = read('/proc/cgroups') ?? '';
  const h = detectHierarchy({ mountinfo, procCgroups, hierarchy, ...(v2 !== undefined ? { v2RootControllers: v2 } : {}) });
  const memory = h.ok && h.value.version === 1 ? h.value.mounts.memory : undefined;
  return {
    mountinfo,
    procCgroups,
    ...(v2 !== undefined ? { v2RootControllers: v2 } : {}),
    ...(memory ? { swapAccounting: existsSync(path.join(memory, 'memory.memsw.limit_in_bytes')) } : {}),
    ...(memory ? { rootOomControl: read(path.join(memory, 'memory.oom_control')) ?? '' } : {}),
  };
}

/**
 * What --isolation gives: the cgroups isolator (undefined when none is asked for) and the line
 * the agent logs about it once every other flag has been checked (a start refused for another
 * flag prints that one line alone).
 */
export interface Isolation {
  isolator: CgroupsIsolator | undefined;
  summary: string;
}

/** The isolation the flags ask for, or the one line that stops the agent. */
export function isolationFromFlags(
  flags: IsolationFlags,
  ticksPerSecond: number,
  log: Logger,
  host: HostCgroupFiles = readHost(flags.cgroups_hierarchy),
): Result<Isolation> {
  const iso = parseIsolation(flags.isolation);
  if (!iso.ok) return iso;
  const needed = neededControllers(iso.value);
  if (needed.length === 0)
    return ok({
      isolator: undefined,
      summary: `Isolation: ${iso.value.names.join(',')} (usage read from /proc; no cgroups, no limits enforced)`,
    });
  if (process.platform !== 'linux')
    return failed(`--isolation=${flags.isolation} needs Linux cgroups; use --isolation=posix/cpu,posix/mem`);
  const h = detectHierarchy({ ...host, hierarchy: flags.cgroups_hierarchy });
  if (!h.ok) return h;
  const missing = missingControllers(h.value, needed, flags.isolation);
  if (missing) return failed(missing);
  if (flags.cgroups_limit_swap && h.value.version === 1 && needed.includes('memory') && host.swapAccounting === false)
    return failed(
      '--cgroups_limit_swap needs swap accounting in the memory cgroup (memory.memsw.limit_in_bytes), which this kernel has off; boot it with swapaccount=1 or drop the flag',
    );
  const root = flags.cgroups_root.replace(/^\/+|\/+$/g, '');
  if (root === '' || root.split('/').includes('..'))
    return failed(`--cgroups_root=${flags.cgroups_root}: give a relative cgroup path such as 'mesos'`);
  const tree = new CgroupTree(h.value, root, needed);
  for (const c of needed) {
    const dir = path.dirname(tree.dir('probe', c));
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return failed(
        `--isolation=${flags.isolation}: cannot create the cgroup ${dir} (${code}); run the agent as root with the cgroup file systems mounted read-write`,
      );
    }
  }
  const oomKillerOff =
    h.value.version === 1 && needed.includes('memory') && host.rootOomControl !== undefined && !countsOomKills(host.rootOomControl);
  const summary = `Isolation: ${iso.value.names.join(',')}; ${describeHierarchy(h.value, needed, root)}${oomKillerOff ? '; this kernel does not count OOM kills: the OOM killer is off in container cgroups and the agent kills a container at its memory limit' : ''}`;
  const isolator = new CgroupsIsolator(
    tree,
    iso.value,
    {
      enableCfs: flags.cgroups_enable_cfs,
      limitSwap: flags.cgroups_limit_swap,
      oomKillerOff,
      destroyTimeoutMs: flags.cgroups_destroy_timeout * 1000,
      ticksPerSecond,
    },
    log,
  );
  return ok({ isolator, summary });
}
