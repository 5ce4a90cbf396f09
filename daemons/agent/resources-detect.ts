// What an agent offers when `--resources` does not say: Mesos's defaults
// (src/slave/containerizer/containerizer.cpp). cpus = online cores; mem = total memory minus
// 1 GiB, or half of it below 2 GiB; disk = size of the filesystem holding the work dir minus
// 5 GiB, or half of it below 10 GiB; ports [31000-32000]. Whatever `--resources` names
// replaces the detected value of that name; the rest is kept.

import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '../common/mesos.ts';
import { add, parseResourceEntries, parseResources } from '../common/resources.ts';

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** Fallbacks Mesos uses when detection fails (src/slave/constants.hpp). */
const DEFAULT_CPUS = 1;
const DEFAULT_MEM_BYTES = 1 * GB;
const DEFAULT_DISK_BYTES = 10 * GB;
const DEFAULT_PORTS = '[31000-32000]';

/** Leaves min(reserve, 50%) of `total` to the host. */
function afterHostShare(total: number, reserve: number): number {
  return total >= 2 * reserve ? total - reserve : Math.floor(total / 2);
}

/** Total bytes of the filesystem holding `dir`, looking at the nearest existing ancestor. */
async function filesystemSize(dir: string): Promise<number | undefined> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const s = await statfs(current);
      return s.bsize * s.blocks;
    } catch (err) {
      const parent = path.dirname(current);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) return undefined;
      current = parent;
    }
  }
}

/** Detected resources, reserved to `defaultRole` when it is not '*' (Mesos --default_role). */
export async function detectResources(workDir: string, defaultRole = '*'): Promise<Resource[]> {
  const cores = os.cpus().length;
  const cpus = cores > 0 ? cores : DEFAULT_CPUS;
  const totalMem = os.totalmem();
  const memBytes = totalMem > 0 ? afterHostShare(totalMem, GB) : DEFAULT_MEM_BYTES;
  const fsBytes = await filesystemSize(workDir);
  const diskBytes = fsBytes !== undefined && fsBytes > 0 ? afterHostShare(fsBytes, 5 * GB) : DEFAULT_DISK_BYTES;
  return parseResources(
    `cpus:${cpus};mem:${Math.floor(memBytes / MB)};disk:${Math.floor(diskBytes / MB)};ports:${DEFAULT_PORTS}`,
    defaultRole,
  );
}

/**
 * The agent's resources: those named in `--resources` (even with value 0) replace the
 * detected ones of the same name, the others are kept. Throws ResourceError on bad flags.
 */
export function mergeWithFlag(detected: readonly Resource[], flagText: string | undefined, defaultRole = '*'): Resource[] {
  if (flagText === undefined || flagText.trim() === '') return add([], detected);
  const entries = parseResourceEntries(flagText, defaultRole);
  const named = new Set(entries.map((r) => r.name));
  const given = add([], entries);
  return add(
    detected.filter((r) => !named.has(r.name)),
    given,
  );
}
