// Durable writes for checkpoints and registries: whole files are replaced atomically (write a
// temporary file, fsync it, rename it over the old one, fsync the directory) and logs are
// appended one fsynced line at a time, so a crash leaves either the old or the new content,
// or a torn last line that readers skip. All I/O goes through the thread pool.
//
// Crash injection for tests: MESOS_TEST_CRASH_CHECKPOINT=<p> makes each write step exit the
// process with probability p (0 < p <= 1) at a random point: after a partial write, before the
// fsync, before the rename.
import { constants, renameSync, writeFileSync } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

const crashProbability = Number(process.env.MESOS_TEST_CRASH_CHECKPOINT ?? '0');

function maybeCrash(point: string): void {
  if (crashProbability > 0 && Math.random() < crashProbability) {
    process.stderr.write(`MESOS_TEST_CRASH_CHECKPOINT: crashing ${point}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Opens `file`, making its directory first only when it is missing: a recursive mkdir of a
 * directory that exists cost the agent's event loop ~70 us each, and a task's checkpoints are
 * written a handful of times into the same directory.
 */
async function openMakingDir(file: string, flags: string): Promise<FileHandle> {
  try {
    return await open(file, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(path.dirname(file), { recursive: true });
    return open(file, flags);
  }
}

let tmpCounter = 0;

/** Replaces `file` with `content` atomically and durably. */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`;
  const fh = await openMakingDir(tmp, 'w');
  try {
    const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    if (crashProbability > 0 && data.length > 1) {
      await fh.write(data, 0, Math.floor(data.length / 2));
      maybeCrash(`after a partial write of ${tmp}`);
      await fh.write(data, Math.floor(data.length / 2));
    } else {
      await fh.write(data);
    }
    maybeCrash(`before fsync of ${tmp}`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  maybeCrash(`before renaming ${tmp}`);
  await rename(tmp, file);
  await fsyncDir(dir);
}

/**
 * Replaces `file` with JSON atomically against a crash of the process (the page cache keeps
 * what was written), not of the machine: no fsync, and synchronous, for state that a reboot
 * makes moot anyway.
 */
export function writeJsonAtomicSync(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  renameSync(tmp, file);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value)}\n`);
}

/**
 * Appends one JSON record and (unless `durable` is false) fsyncs it before resolving. Each record starts with a newline
 * rather than ending with one, so a record torn by a crash is cut off by the next one and
 * costs only itself.
 */
export async function appendJsonLine(file: string, value: unknown, durable = true): Promise<void> {
  const fh = await openMakingDir(file, 'a');
  try {
    const line = Buffer.from(`\n${JSON.stringify(value)}`);
    if (crashProbability > 0 && line.length > 1) {
      await fh.write(line, 0, Math.floor(line.length / 2));
      maybeCrash(`after a partial append to ${file}`);
      await fh.write(line, Math.floor(line.length / 2));
    } else {
      await fh.write(line);
    }
    maybeCrash(`before fsync of ${file}`);
    if (durable) await fh.datasync();
  } finally {
    await fh.close();
  }
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; missing: boolean; error: string };

/** Reads a JSON checkpoint; a missing file and a corrupt one are told apart. */
export async function readJson<T>(file: string): Promise<ReadResult<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', error: `cannot read ${file}: ${code ?? (err as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (err) {
    return { ok: false, missing: false, error: `corrupt checkpoint ${file}: ${(err as Error).message}` };
  }
}

export interface JsonLog<T> {
  records: T[];
  /** A torn or unparsable line was skipped (only a torn last line is expected after a crash). */
  damaged: string[];
}

/** Reads an append-only JSON-lines log, skipping lines that do not parse. */
export async function readJsonLines<T>(file: string): Promise<JsonLog<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], damaged: [] };
    return { records: [], damaged: [`cannot read ${file}: ${(err as Error).message}`] };
  }
  const records: T[] = [];
  const damaged: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      damaged.push(`${file}:${i + 1}: ${i === lines.length - 1 ? 'torn last record' : 'torn or unparsable record'} skipped`);
    }
  });
  return { records, damaged };
}

export async function removeFile(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}
