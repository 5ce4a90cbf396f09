// The cgroups of containers on disk: `<mount>/<cgroups_root>/<container id>` under each v1
// controller's mount (one directory when controllers share a mount, as CentOS 7's cpu,cpuacct),
// or `<root>/<cgroups_root>/<container id>` in the one v2 tree. Creating them with their limits,
// reading their files, finding them again, and emptying and removing them. `base` stands in for
// the mount points' common prefix in tests (a temporary directory).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ControlWrite } from './controls.ts';
import type { Hierarchy } from './hierarchy.ts';
import type { Controller } from './isolators.ts';

export class CgroupTree {
  constructor(
    readonly hierarchy: Hierarchy,
    /** --cgroups_root, relative to each mount (or the v2 root). */
    readonly cgroupsRoot: string,
    /** The controllers the isolators use. */
    readonly controllers: readonly Controller[],
  ) {}

  /** The directory holding every container's cgroup for `controller`. */
  private rootOf(controller: Controller): string {
    const h = this.hierarchy;
    const mount = h.version === 1 ? h.mounts[controller] : h.root;
    if (!mount) throw new Error(`the cgroup controller ${controller} is not mounted`);
    return path.join(mount, this.cgroupsRoot);
  }

  /** The container's cgroup directory for `controller`. */
  dir(containerId: string, controller: Controller): string {
    return path.join(this.rootOf(controller), containerId);
  }

  /** The container's distinct cgroup directories (co-mounted controllers share one). */
  dirs(containerId: string): string[] {
    return [...new Set(this.controllers.map((c) => this.dir(containerId, c)))];
  }

  /** The directories under --cgroups_root that hold containers. */
  private roots(): string[] {
    return [...new Set(this.controllers.map((c) => this.rootOf(c)))];
  }

  /**
   * Makes the container's cgroups and writes its limits. On v2, the controllers are switched on
   * for the children of the root and of --cgroups_root first (a cgroup offers its children only
   * what its cgroup.subtree_control lists).
   */
  create(containerId: string, writes: readonly ControlWrite[]): void {
    if (this.hierarchy.version === 2) this.delegateV2();
    for (const d of this.dirs(containerId)) mkdirSync(d, { recursive: true });
    for (const w of writes) {
      const file = path.join(this.dir(containerId, w.controller), w.file);
      try {
        writeFileSync(file, w.value);
      } catch (err) {
        throw new Error(`cannot write ${w.value} to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  }

  private delegateV2(): void {
    if (this.hierarchy.version !== 2) return;
    const wanted = [...new Set(this.controllers.map((c) => (c === 'cpuacct' ? 'cpu' : c)))];
    const enable = wanted.map((c) => `+${c}`).join(' ');
    let dir = this.hierarchy.root;
    mkdirSync(path.join(dir, this.cgroupsRoot), { recursive: true });
    for (const part of ['', ...this.cgroupsRoot.split('/').filter(Boolean)]) {
      dir = path.join(dir, part);
      const control = path.join(dir, 'cgroup.subtree_control');
      const on = new Set(readText(control)?.trim().split(/\s+/) ?? []);
      if (wanted.every((c) => on.has(c))) continue;
      writeFileSync(control, enable);
    }
  }

  /** A control or statistics file of the container's cgroup, or undefined when it cannot be read. */
  read(containerId: string, controller: Controller, file: string): string | undefined {
    return readText(path.join(this.dir(containerId, controller), file));
  }

  exists(containerId: string): boolean {
    return this.dirs(containerId).some((d) => existsSync(d));
  }

  /** Container ids that have a cgroup under --cgroups_root in any of the controllers. */
  list(): string[] {
    const ids = new Set<string>();
    for (const r of this.roots()) {
      let names: string[];
      try {
        names = readdirSync(r, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        continue;
      }
      for (const n of names) ids.add(n);
    }
    return [...ids];
  }

  /** The pids in the container's cgroups. */
  pids(containerId: string): number[] {
    const out = new Set<number>();
    for (const d of this.dirs(containerId)) {
      for (const line of (readText(path.join(d, 'cgroup.procs')) ?? '').split('\n')) if (line.trim()) out.add(Number(line));
    }
    return [...out];
  }

  /**
   * Kills everything in the container's cgroups and removes them. v2's cgroup.kill kills at once;
   * on v1, what is listed is killed until nothing is left, since a process may fork between the
   * read and the kill. Resolves false when processes outlive `timeoutMs` (the cgroups then stay).
   */
  async destroy(containerId: string, timeoutMs: number, kill = killPid): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (const d of this.dirs(containerId)) {
      const killFile = path.join(d, 'cgroup.kill');
      if (this.hierarchy.version === 2 && existsSync(killFile)) writeText(killFile, '1');
    }
    for (;;) {
      const pids = this.pids(containerId);
      if (pids.length === 0) break;
      if (Date.now() > deadline) return false;
      for (const pid of pids) kill(pid);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const d of this.dirs(containerId)) {
      // A cgroup lingers briefly after its last process is reaped: EBUSY is retried.
      for (;;) {
        try {
          if (existsSync(d)) rmdirSync(d);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    return true;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeText(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    // a cgroup that went away meanwhile has nothing left to kill
  }
}
