// Garbage collection of finished sandboxes, as Mesos's agent does it: a finished executor run's
// directory is removed --gc_delay after it finished (the directory's mtime for runs found on disk
// at start-up). Every --disk_watch_interval the agent looks at the disk of its work_dir; when it
// fills, the delay shrinks to gc_delay × max(0, 1 − gc_disk_headroom − usage), so a full disk
// removes every finished sandbox at once.
import { readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { removeRunDir } from './sandbox.ts';

export interface SandboxGcOptions {
  delayMs: number;
  /** Share of the disk to keep free (gc_disk_headroom, 0..1). */
  headroom: number;
  now?: () => number;
  /** Share of the work_dir's disk in use, 0..1. */
  diskUsage: () => Promise<number>;
  remove?: (dir: string) => Promise<void>;
  /** Told of each sandbox removed (to detach it from /files). */
  removed?: (dir: string) => void;
  warn?: (message: string) => void;
}

/** How long a finished sandbox is kept at this disk usage (Mesos's Slave::age). */
export function keepMs(delayMs: number, headroom: number, usage: number): number {
  return delayMs * Math.max(0, 1 - headroom - usage);
}

export class SandboxGc {
  /** Sandbox directory -> when its run finished (ms). */
  private readonly finished = new Map<string, number>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private pruning: Promise<string[]> | undefined;

  constructor(private readonly opts: SandboxGcOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The run in `dir` finished at `at` (default now); it is removed once it is old enough. */
  schedule(dir: string, at = this.now()): void {
    this.finished.set(dir, at);
  }

  /** Sandboxes waiting for removal. */
  get scheduled(): number {
    return this.finished.size;
  }

  /**
   * Removes every scheduled sandbox older than the disk usage allows; returns those removed. One
   * pass at a time: a pass asked for while another runs gets that pass's result.
   */
  prune(): Promise<string[]> {
    this.pruning ??= this.pass().finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  private async pass(): Promise<string[]> {
    let usage = 0;
    try {
      usage = await this.opts.diskUsage();
    } catch (err) {
      this.opts.warn?.(`Cannot read the disk usage of the work_dir: ${(err as Error).message}; sandboxes are kept --gc_delay`);
    }
    const cutoff = this.now() - keepMs(this.opts.delayMs, this.opts.headroom, usage);
    const remove = this.opts.remove ?? removeRunDir;
    const removed: string[] = [];
    for (const [dir, at] of [...this.finished]) {
      if (at > cutoff) continue;
      this.finished.delete(dir);
      try {
        await remove(dir);
        removed.push(dir);
        this.opts.removed?.(dir);
      } catch (err) {
        this.opts.warn?.(`Failed to remove sandbox ${dir}: ${(err as Error).message}`);
      }
    }
    return removed;
  }

  /** Prunes every `intervalMs` (at least once a minute, so gc_delay is kept when it is short). */
  start(intervalMs: number): void {
    this.stop();
    const every = Math.max(100, Math.min(intervalMs, 60_000, this.opts.delayMs));
    this.timer = setInterval(() => void this.prune(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Share of the file system holding `dir` that is in use (Mesos's fs::usage: blocks not free). */
export async function diskUsage(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.blocks > 0 ? 1 - s.bfree / s.blocks : 0;
}

/**
 * Run directories under <work_dir>/slaves that no running executor uses, with their mtimes: what
 * earlier runs of the agent (under this or older agent ids) left behind.
 */
export async function finishedSandboxes(workDir: string, inUse: ReadonlySet<string>): Promise<Array<{ dir: string; at: number }>> {
  const out: Array<{ dir: string; at: number }> = [];
  const list = async (dir: string): Promise<string[]> => {
    try {
      return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
    } catch {
      return [];
    }
  };
  for (const agentDir of await list(path.join(workDir, 'slaves'))) {
    for (const fwDir of await list(path.join(agentDir, 'frameworks'))) {
      for (const exDir of await list(path.join(fwDir, 'executors'))) {
        for (const runDir of await list(path.join(exDir, 'runs'))) {
          if (inUse.has(runDir)) continue;
          try {
            out.push({ dir: runDir, at: (await stat(runDir)).mtimeMs });
          } catch {
            // gone meanwhile
          }
        }
      }
    }
  }
  return out;
}
