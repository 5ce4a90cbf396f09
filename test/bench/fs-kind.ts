// Names the file system a directory is on. The launch bench's disk figure depends on it more
// than on anything the agent does: an ext4 without a journal scans past recently freed inodes
// on every file it creates, a journaled one waits on its journal, XFS on its log.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
}

/** /proc/self/mounts: fields are space-separated, spaces and the like inside them octal-escaped. */
export function parseMounts(text: string): MountEntry[] {
  const decode = (s: string) => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, target, fstype] = line.split(' ');
    if (source && target && fstype) out.push({ source: decode(source), target: decode(target), fstype });
  }
  return out;
}

/** The mount `dir` is on: the last-mounted entry whose target is `dir` or one of its parents. */
export function mountOf(dir: string, mounts: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const under = m.target === '/' || dir === m.target || dir.startsWith(`${m.target}/`);
    if (under && (!best || m.target.length >= best.target.length)) best = m;
  }
  return best;
}

/** E.g. "ext4 without a journal: /dev/vda on /", "xfs: /dev/loop0 on /mnt/x". */
export function describeFs(dir: string): string {
  let real: string;
  let mounts: MountEntry[];
  try {
    real = realpathSync(dir);
    mounts = parseMounts(readFileSync('/proc/self/mounts', 'utf8'));
  } catch {
    return 'unknown file system';
  }
  const m = mountOf(real, mounts);
  if (!m) return 'unknown file system';
  let kind = m.fstype;
  if (m.fstype === 'ext4' && m.source.startsWith('/dev/')) {
    // The kernel lists each journal it runs as /proc/fs/jbd2/<device>-8.
    const device = path.basename(existsSync(m.source) ? realpathSync(m.source) : m.source);
    kind = existsSync(`/proc/fs/jbd2/${device}-8`) ? 'ext4 with a journal' : 'ext4 without a journal';
  }
  return `${kind}: ${m.source} on ${m.target}`;
}
