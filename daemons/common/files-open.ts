// Opening what /files serves so that no race can leave its attachment: a path checked by name
// and then opened by name can be a different file by the time it is opened (a task swaps a
// directory of its sandbox for a symlink to /etc in between). So the file is opened first, the
// last component without following a symlink, and then what was opened is checked: the real path
// of the descriptor (/proc/self/fd/N, which names the file actually opened, whatever its path
// went through) must be inside the attachment's real root. Symlinks that stay inside the
// attachment keep working, as Mesos's files.cpp allows: the path was resolved before (realpath).
import { type Stats, constants } from 'node:fs';
import { type FileHandle, lstat, open, readlink } from 'node:fs/promises';

/** Whether `p`, a real path, is `root` or under it. */
export function insideRoot(root: string, p: string): boolean {
  return root === '/' || p === root || p.startsWith(`${root}/`);
}

/** Where an open descriptor's file is now, from /proc; undefined once it was deleted. Throws without /proc. */
export async function descriptorPath(fh: FileHandle): Promise<string | undefined> {
  const p = await readlink(`/proc/self/fd/${fh.fd}`);
  return p.startsWith('/') && !p.endsWith(' (deleted)') ? p : undefined;
}

/** The path to reach an open descriptor's file (or, for a directory, its entries) by. */
export function descriptorAlias(fh: FileHandle): string {
  return `/proc/self/fd/${fh.fd}`;
}

/** What a file that is not a regular file (nor a directory) is, in words. */
export function specialKind(st: Stats): string | undefined {
  if (st.isFile() || st.isDirectory()) return undefined;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export type Confined =
  | { fh: FileHandle; st: Stats }
  /** Not there (any more). */
  | { notFound: true }
  /** A FIFO, socket or device: not opened (opening one may block, or do something). */
  | { special: string }
  /** What was opened is not inside the attachment (a swap in between), or no longer a plain path. */
  | { outside: true }
  | { error: NodeJS.ErrnoException; during: 'stat' | 'open' | 'check' };

const gone = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * Opens `file` (a real path found under `root`) read-only and non-blocking, refusing a symlink
 * in its last component, and returns it only when the descriptor's real path is inside `root`.
 * A special file is refused before it is opened (lstat) and, in case one was swapped in, again
 * once open (fstat).
 */
export async function openConfined(file: string, root: string): Promise<Confined> {
  let before: Stats;
  try {
    before = await lstat(file);
  } catch (err) {
    return gone(err) ? { notFound: true } : { error: err as NodeJS.ErrnoException, during: 'stat' };
  }
  // A symlink here was swapped in after the path was resolved: that is the race.
  if (before.isSymbolicLink()) return { outside: true };
  const kind = specialKind(before);
  if (kind) return { special: kind };
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return { outside: true };
    return gone(err) ? { notFound: true } : { error: err as NodeJS.ErrnoException, during: 'open' };
  }
  let real: string | undefined;
  try {
    real = await descriptorPath(fh);
  } catch (err) {
    await fh.close();
    return { error: err as NodeJS.ErrnoException, during: 'check' };
  }
  try {
    if (real === undefined || !insideRoot(root, real)) {
      await fh.close();
      return real === undefined ? { notFound: true } : { outside: true };
    }
    const st = await fh.stat();
    const now = specialKind(st);
    if (now) {
      await fh.close();
      return { special: now };
    }
    return { fh, st };
  } catch (err) {
    await fh.close().catch(() => undefined);
    return { error: err as NodeJS.ErrnoException, during: 'stat' };
  }
}
