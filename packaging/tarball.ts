// Reproducible tarballs with GNU tar: a given file list in byte order, every entry owned by
// root with the release date as mtime, modes normalised, compressed without timestamps.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface TarOptions {
  /** Directory the listed paths are relative to. */
  cwd: string;
  /** Paths of regular files and symlinks, relative to cwd. Directories are implied. */
  files: string[];
  output: string;
  /** Top-level directory inside the archive (`mesos-0.1.0/`); none when absent. */
  prefix?: string;
  mtime: number;
  compression: 'gzip' | 'xz';
}

/** Byte order, like `LC_ALL=C sort`: the same on every host. */
export function byteOrder(paths: string[]): string[] {
  return [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export function tarArgs(options: TarOptions): string[] {
  const args = [
    '--create',
    '--file=-',
    '--format=gnu',
    '--no-recursion',
    '--null',
    '--files-from=-',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    `--mtime=@${options.mtime}`,
    '--mode=u+rw,go-w,a+rX',
  ];
  if (options.prefix) args.push(`--transform=s,^,${options.prefix.replace(/,/g, '\\,')}/,S`);
  return args;
}

export async function createTarball(options: TarOptions): Promise<void> {
  const list = `${byteOrder(options.files).join('\0')}\0`;
  // gzip -n: no name or time in the header; xz single-threaded: its output depends on threads.
  const [compressor, compressorArgs] =
    options.compression === 'gzip' ? ['gzip', ['-9', '-n']] : ['xz', ['-6', '--threads=1', '--check=crc64']];
  await execa('tar', tarArgs(options), { cwd: options.cwd, input: list, env: { LC_ALL: 'C' } }).pipe(
    compressor as string,
    compressorArgs as string[],
    { stdout: { file: options.output } },
  );
}

/** Files and symlinks under dir (relative to base), skipping the directories named in skip. */
export async function listFiles(base: string, dir: string, skip: (relative: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(base, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (skip(child)) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(child);
    }
  };
  if ((await lstat(path.join(base, dir))).isDirectory()) await walk(dir);
  else out.push(dir);
  return out;
}
