// How a task's process starts inside its cgroups with no moment outside them.
//
// The supervisor steps into the container's cgroups itself, forks the task there (a child is
// born in its parent's cgroups), and steps back to its own. Node's spawn() forks and execs in one
// synchronous call, so no other launch and no event of the supervisor comes in between, and the
// task has run nothing, not even its exec, before it is in place. The other ways cost more:
// Mesos's launcher gates the child on a pipe between fork and exec, which Node cannot do without
// a native helper; a shell wrapper that writes its own pid to cgroup.procs and execs cannot run
// as the task's user (cgroup.procs belongs to root), and dash has no `exec -a` to keep argv[0];
// moving the task after spawn() returns lets it run user code, and fork children, outside its
// limits for a moment. The cost of this way: while the supervisor is inside, memory it newly
// touches is charged to the container (a few pages; the cgroup is fresh and far from its limit).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseMountinfo } from '../isolation/hierarchy.ts';

/** A cgroup file system mount and the supervisor's own cgroup directory in it. */
export interface Home {
  mountPoint: string;
  dir: string;
}

/** The supervisor's cgroup directory in every mounted cgroup hierarchy (pure: /proc/self/cgroup, mountinfo). */
export function homeDirs(procSelfCgroup: string, mountinfo: string): Home[] {
  const mounts = parseMountinfo(mountinfo).filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2');
  const out: Home[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, , list, cgroupPath] = m as unknown as [string, string, string, string];
    const controllers = list === '' ? [] : list.split(',');
    for (const mount of mounts) {
      const matches =
        controllers.length === 0
          ? mount.fsType === 'cgroup2'
          : mount.fsType === 'cgroup' && controllers.every((c) => mount.superOptions.includes(c));
      if (!matches) continue;
      const rel = path.relative(mount.root, cgroupPath);
      if (rel.startsWith('..')) continue; // its cgroup lies outside what this mount shows
      out.push({ mountPoint: mount.mountPoint, dir: path.join(mount.mountPoint, rel) });
    }
  }
  return out;
}

/** The home whose mount holds `dir` (the longest mount point that is a prefix of it). */
export function homeFor(homes: readonly Home[], dir: string): Home | undefined {
  let best: Home | undefined;
  for (const h of homes) {
    const rel = path.relative(h.mountPoint, dir);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (!best || h.mountPoint.length > best.mountPoint.length) best = h;
  }
  return best;
}

function join(dir: string, pid: number): void {
  writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
}

/**
 * Runs `fork` (a synchronous spawn) with this process inside `dirs`, then puts it back where it
 * was. Throws, with this process back home, when a cgroup cannot be joined.
 */
export function forkInside<T>(dirs: readonly string[], homes: readonly Home[], fork: () => T): T {
  const joined: string[] = [];
  const goHome = () => {
    for (const d of joined) {
      const home = homeFor(homes, d);
      try {
        if (home) join(home.dir, process.pid);
      } catch (err) {
        process.stderr.write(`supervisor: cannot return to ${home?.dir}: ${(err as Error).message}\n`);
      }
    }
  };
  try {
    for (const d of dirs) {
      if (!homeFor(homes, d)) throw new Error(`${d} is in no cgroup hierarchy this supervisor belongs to`);
      join(d, process.pid);
      joined.push(d);
    }
  } catch (err) {
    goHome();
    throw new Error(`cannot enter the container's cgroup: ${(err as NodeJS.ErrnoException).message}`);
  }
  try {
    return fork();
  } finally {
    goHome();
  }
}
