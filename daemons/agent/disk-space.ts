// The file system under --work_dir running out: what a launch needs free, freeing space by
// garbage collecting finished sandboxes first (sandbox-gc.ts, --gc_disk_headroom), and messages
// that name the file system that is full, so an operator knows which disk to look at.
import { readFileSync, realpathSync, statfsSync } from 'node:fs';
import path from 'node:path';

/** Free space a launch needs under --work_dir for its sandbox and checkpoints. */
export const LAUNCH_MIN_FREE_BYTES = 1 << 20;

/** Errors of a write that say the disk, not the request, is the problem. */
const DISK_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left',
  EDQUOT: 'disk quota exhausted',
  EIO: 'I/O error',
  EROFS: 'read-only file system',
};

export function isDiskError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && code in DISK_ERRORS;
}

/** The mount point and type of the file system holding `file`, from /proc/self/mountinfo's text. */
export function mountOf(file: string, mountinfo: string): { mountPoint: string; type: string } {
  let best = { mountPoint: '/', type: 'unknown' };
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    const mountPoint = left?.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (!mountPoint || right === undefined) continue;
    const inside = mountPoint === '/' || file === mountPoint || file.startsWith(`${mountPoint}/`);
    if (inside && mountPoint.length >= best.mountPoint.length) best = { mountPoint, type: right.split(' ')[0] ?? 'unknown' };
  }
  return best;
}

/** "the file system at /mnt/x (tmpfs)" for the file system holding `file`. */
export function fileSystemOf(file: string): string {
  // The file itself may be what could not be made: its directory says where it would be.
  let real = path.resolve(file);
  for (const p of [real, path.dirname(real)]) {
    try {
      real = p === real ? realpathSync(p) : path.join(realpathSync(p), path.basename(real));
      break;
    } catch {
      // try its directory
    }
  }
  let mountinfo = '';
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    // not Linux: the root stands for every file system
  }
  const m = mountOf(real, mountinfo);
  return `the file system at ${m.mountPoint} (${m.type})`;
}

/** A failed write in words: what failed, on which file system, and the error. */
export function writeFailure(what: string, file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = (err as Error).message;
  if (!isDiskError(err)) return `${what}: ${message}`;
  return `${what}: ${DISK_ERRORS[code!]} on ${fileSystemOf(file)} (${code}): ${message}`;
}

export interface DiskSpaceOptions {
  /** --work_dir. */
  dir: string;
  minFreeBytes?: number;
  /** Bytes free for the agent under `dir` (statfs's available blocks by default). */
  freeBytes?: () => number;
  /** Garbage collects what it may now; resolves to how many sandboxes went. */
  freeUp?: () => Promise<number>;
}

export class DiskSpace {
  private readonly minFree: number;
  /** Set once garbage collection exists (the agent makes it after recovery). */
  freeUp: (() => Promise<number>) | undefined;

  constructor(private readonly opts: DiskSpaceOptions) {
    this.minFree = opts.minFreeBytes ?? LAUNCH_MIN_FREE_BYTES;
    this.freeUp = opts.freeUp;
  }

  freeBytes(): number {
    if (this.opts.freeBytes) return this.opts.freeBytes();
    try {
      const s = statfsSync(this.opts.dir);
      return s.bavail * s.bsize;
    } catch {
      return Number.POSITIVE_INFINITY; // cannot tell: the writes will say
    }
  }

  /**
   * Undefined when a launch has room; else, once finished sandboxes were garbage collected
   * (as their age and --gc_disk_headroom allow at this usage, which on a full disk is all of
   * them), why it has not.
   */
  async ensureRoom(): Promise<string | undefined> {
    if (this.freeBytes() >= this.minFree) return undefined;
    const removed = this.freeUp ? await this.freeUp() : 0;
    const free = this.freeBytes();
    if (free >= this.minFree) return undefined;
    return `No space left for a launch on ${fileSystemOf(this.opts.dir)} holding --work_dir=${this.opts.dir}: ${free} bytes free, ${this.minFree} needed (garbage collection of finished sandboxes removed ${removed})`;
  }
}
