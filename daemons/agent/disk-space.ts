// The file system under --work_dir running out: what a launch needs free, freeing space by
// garbage collecting finished sandboxes first (sandbox-gc.ts, --gc_disk_headroom), and messages
// that name the file system that is full (common/disk-errors.ts), so an operator knows which disk
// to look at.
import { statfsSync } from 'node:fs';
import { fileSystemOf } from '../common/disk-errors.ts';

/** Free space a launch needs under --work_dir for its sandbox and checkpoints. */
export const LAUNCH_MIN_FREE_BYTES = 1 << 20;

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
