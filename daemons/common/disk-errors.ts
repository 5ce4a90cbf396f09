// Failed writes in words an operator acts on: which file system is full, read-only or failing
// ("no space left on the file system at /var/lib/mesos (xfs)") rather than "ENOSPC: ..., write".
// The agent's launches and checkpoints and the master's registry say it the same way.
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

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

/** Why a write failed: for a disk error the file system holding `file` and the code, otherwise the error. */
export function diskFailure(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = (err as Error).message;
  if (!isDiskError(err)) return message;
  return `${DISK_ERRORS[code!]} on ${fileSystemOf(file)} (${code})`;
}

/** A failed write in words: what failed, and why (`diskFailure`). */
export function writeFailure(what: string, file: string, err: unknown): string {
  return `${what}: ${diskFailure(file, err)}`;
}
