// Which cgroup hierarchy serves the isolators (pure, over the text of /proc/self/mountinfo,
// /proc/cgroups and, for cgroup v2, the root's cgroup.controllers):
//   v1   each controller mounted on its own (this build machine: cpu and cpuacct apart), or
//        several on one mount (CentOS 7: cpu,cpuacct); a hybrid host's cgroup2 `unified` tree
//        beside them carries no controller and is ignored
//   v2   --cgroups_hierarchy itself is a cgroup2 mount (Fedora): one tree, the controllers the
//        root offers in cgroup.controllers, switched on for children through cgroup.subtree_control
// Mesos 1.11 knows only v1 (it looks for each subsystem under --cgroups_hierarchy); v2 follows
// what later Mesos and systemd do with the same controllers.
import path from 'node:path';
import { type Result, failed, ok } from '../../common/result.ts';
import type { Controller } from './isolators.ts';

export type Hierarchy =
  | { version: 1 /** controller -> mount point */; mounts: Partial<Record<Controller, string>> }
  | { version: 2; root: string; controllers: Controller[] };

export interface Mount {
  /** The directory of the file system that is mounted (a cgroup's path when only a subtree is). */
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** /proc/self/mountinfo's lines: mount point, file system type and super options. */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 4) continue;
    out.push({
      root: unescapeOctal(fields[3]!),
      mountPoint: unescapeOctal(fields[4]!),
      fsType: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(','),
    });
  }
  return out;
}

/** Octal escapes (\040 for a space) as the kernel writes them. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Controllers /proc/cgroups lists as enabled (a controller disabled with cgroup_disable= is 0). */
export function enabledControllers(procCgroups: string): Set<string> {
  const out = new Set<string>();
  for (const line of procCgroups.split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, , , enabled] = line.trim().split(/\s+/);
    if (name && enabled === '1') out.add(name);
  }
  return out;
}

const KNOWN: readonly Controller[] = ['cpu', 'cpuacct', 'memory', 'pids'];

function under(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface HierarchyInputs {
  mountinfo: string;
  procCgroups: string;
  /** --cgroups_hierarchy */
  hierarchy: string;
  /** The root's cgroup.controllers when --cgroups_hierarchy is a cgroup2 mount. */
  v2RootControllers?: string;
}

/** The hierarchy at --cgroups_hierarchy, or why there is none. */
export function detectHierarchy(inputs: HierarchyInputs): Result<Hierarchy> {
  const root = path.resolve(inputs.hierarchy);
  const mounts = parseMountinfo(inputs.mountinfo);
  const top = mounts.filter((m) => path.resolve(m.mountPoint) === root).at(-1);
  if (top?.fsType === 'cgroup2') {
    const offered = new Set((inputs.v2RootControllers ?? '').trim().split(/\s+/));
    // cgroup v2 has no cpuacct: cpu.stat carries the times.
    const controllers = KNOWN.filter((c) => offered.has(c === 'cpuacct' ? 'cpu' : c));
    return ok({ version: 2, root, controllers });
  }
  const enabled = enabledControllers(inputs.procCgroups);
  const v1: Partial<Record<Controller, string>> = {};
  for (const m of mounts) {
    if (m.fsType !== 'cgroup' || !under(root, m.mountPoint)) continue;
    for (const c of KNOWN) if (m.superOptions.includes(c) && enabled.has(c) && !v1[c]) v1[c] = m.mountPoint;
  }
  if (Object.keys(v1).length === 0)
    return failed(
      `--cgroups_hierarchy=${inputs.hierarchy}: no cgroup v1 controller is mounted under it and it is not a cgroup2 mount; mount the cgroup file systems or point --cgroups_hierarchy at them`,
    );
  return ok({ version: 1, mounts: v1 });
}

/** What an isolator needs that the hierarchy lacks, as the one line that stops the agent. */
export function missingControllers(h: Hierarchy, needed: readonly Controller[], isolation: string): string | undefined {
  const have = h.version === 1 ? new Set(Object.keys(h.mounts)) : new Set<string>(h.controllers);
  // cgroup v2 has no cpuacct of its own: cpu stands for both.
  const missing = needed.filter((c) => !have.has(c) && !(h.version === 2 && c === 'cpuacct'));
  if (missing.length === 0) return undefined;
  const where =
    h.version === 1
      ? 'not mounted as cgroup v1 controllers under --cgroups_hierarchy'
      : `not offered in ${path.join(h.root, 'cgroup.controllers')} (cgroup v2)`;
  return `--isolation=${isolation} needs the cgroup controller${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, ${where}; mount or delegate ${missing.length > 1 ? 'them' : 'it'}, or drop the isolator`;
}

/** The one start-up line: which hierarchy and controllers the isolators use. */
export function describeHierarchy(h: Hierarchy, needed: readonly Controller[], cgroupsRoot: string): string {
  if (h.version === 2)
    return `cgroups isolation: cgroup v2 at ${h.root}, controllers ${needed.filter((c) => c !== 'cpuacct').join(', ')}, containers under ${path.join(h.root, cgroupsRoot)}`;
  const parts = needed.map((c) => `${c} at ${h.mounts[c]}`);
  return `cgroups isolation: cgroup v1, ${parts.join(', ')}, containers under <controller>/${cgroupsRoot}`;
}
