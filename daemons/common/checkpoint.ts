// Durable writes for checkpoints and registries: whole files are replaced atomically (write a
// temporary file, fsync it, rename it over the old one, fsync the directory) and logs get a
// line per record, synced before a durable append resolves (appends made together share one
// sync, see AppendLog), so a crash leaves either the old or the new content, or a torn last
// line that readers skip. The syncs go through the thread pool; the rest is synchronous (see
// syncFd). On tmpfs there are no syncs (see skipSyncsIfInMemory).
//
// Crash injection for tests: MESOS_TEST_CRASH_CHECKPOINT=<p> makes each write step exit the
// process with probability p (0 < p <= 1) at a random point: after a partial write, before the
// fsync, before the rename.
import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  read,
  readSync,
  renameSync,
  statfsSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

const crashProbability = Number(process.env.MESOS_TEST_CRASH_CHECKPOINT ?? '0');

function maybeCrash(point: string): void {
  if (crashProbability > 0 && Math.random() < crashProbability) {
    process.stderr.write(`MESOS_TEST_CRASH_CHECKPOINT: crashing ${point}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

// Opening, writing, renaming and closing only touch the page cache and take microseconds, so
// they are synchronous; only the syncs, which wait for the disk, go through the thread pool.
// Each hand-off to the pool and back costs the event loop a callback of its own, and the agent
// makes several for every command task.
function syncFd(fd: number, dataOnly = false): Promise<void> {
  syncCount++;
  return new Promise((resolve, reject) => (dataOnly ? fdatasync : fsync)(fd, (err) => (err ? reject(err) : resolve())));
}

let syncCount = 0;

/** How many fsync/fdatasync calls the checkpoint writes of this process have made. */
export function checkpointSyncCount(): number {
  return syncCount;
}

/** tmpfs and ramfs: their fsync does nothing, and what they hold never outlives the machine. */
const MEMORY_FS_TYPES = new Set([0x01021994, 0x858458f6]);
const unsyncedRoots: string[] = [];

/**
 * Checkpoints under `dir` skip their syncs when `dir` is on tmpfs or ramfs (an agent's work
 * dir in /dev/shm, say): the kernel would do nothing, but each sync would still cost a round
 * trip through the thread pool, several per command task. Returns whether `dir` is such a file
 * system.
 */
export function skipSyncsIfInMemory(dir: string): boolean {
  if (!isInMemoryFs(dir)) return false;
  const root = path.resolve(dir) + path.sep;
  if (!unsyncedRoots.includes(root)) unsyncedRoots.push(root);
  return true;
}

/** Whether `dir` is on tmpfs or ramfs (false when it cannot be checked). */
export function isInMemoryFs(dir: string): boolean {
  try {
    return MEMORY_FS_TYPES.has(statfsSync(dir).type);
  } catch {
    return false;
  }
}

/** Whether a write to `file` needs its syncs (a path that is not absolute is synced). */
function needsSync(file: string): boolean {
  for (const root of unsyncedRoots) if (file.startsWith(root)) return false;
  return true;
}

/** Writes `length` bytes of `data` from `offset`, looping over short writes. */
function writeFd(fd: number, data: Buffer, offset = 0, length = data.length - offset): void {
  let done = 0;
  while (done < length) done += writeSync(fd, data, offset + done, length - done);
}

/** Runs `use` on `fd` and closes it whatever happens; a failure to close is reported only when `use` succeeded. */
async function withFd(fd: number, use: (fd: number) => Promise<void> | void): Promise<void> {
  try {
    await use(fd);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // the first error is the one to report
    }
    throw err;
  }
  closeSync(fd);
}

async function fsyncDir(dir: string): Promise<void> {
  await withFd(openSync(dir, constants.O_RDONLY), (fd) => syncFd(fd));
}

/**
 * Opens `file`, making its directory first only when it is missing: a recursive mkdir of a
 * directory that exists still makes system calls on the event loop, and a task's checkpoints
 * are written a handful of times into the same directory.
 */
function openMakingDir(file: string, flags: string): number {
  try {
    return openSync(file, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(path.dirname(file), { recursive: true });
    return openSync(file, flags);
  }
}

/** Writes `data`; with crash injection on, in two halves with a chance to crash between them. */
function writeMaybeTorn(fd: number, data: Buffer, what: string): void {
  if (crashProbability > 0 && data.length > 1) {
    const half = Math.floor(data.length / 2);
    writeFd(fd, data, 0, half);
    maybeCrash(what);
    writeFd(fd, data, half);
  } else {
    writeFd(fd, data);
  }
}

let tmpCounter = 0;

/** Replaces `file` with `content` atomically and durably. */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`;
  const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  const sync = needsSync(file);
  try {
    await withFd(openMakingDir(tmp, 'w'), async (fd) => {
      writeMaybeTorn(fd, data, `after a partial write of ${tmp}`);
      maybeCrash(`before fsync of ${tmp}`);
      if (sync) await syncFd(fd);
    });
    maybeCrash(`before renaming ${tmp}`);
    renameSync(tmp, file);
  } catch (err) {
    // A full disk must not keep the half-written temporary file as well.
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
    throw err;
  }
  if (sync) await fsyncDir(dir);
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
  const line = Buffer.from(`\n${JSON.stringify(value)}`);
  await withFd(openMakingDir(file, 'a'), async (fd) => {
    writeMaybeTorn(fd, line, `after a partial append to ${file}`);
    maybeCrash(`before fsync of ${file}`);
    if (durable && needsSync(file)) await syncFd(fd, true);
  });
}

/** Opens an append-only log for reading and appending; the file and its directory are made when missing. */
function openLog(file: string): { fd: number; created: boolean } {
  const flags = constants.O_RDWR | constants.O_APPEND;
  try {
    return { fd: openSync(file, flags), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(path.dirname(file), { recursive: true });
    return { fd: openSync(file, flags | constants.O_CREAT, 0o644), created: true };
  }
}

/** Reads `length` bytes at `position`, looping over short reads. */
function readFdSync(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/** Bytes read at a time from a log: a log may be larger than the longest string V8 makes (~512 MB). */
const LOG_CHUNK = 4 << 20;

/**
 * Calls `each` with every line of the first `length` bytes of `fd` (without its newline) and its
 * number from 1, reading in chunks. UTF-8 is decoded per line: a newline byte is never part of
 * a multi-byte character.
 */
export async function forEachLineOfFd(fd: number, length: number, each: (line: string, n: number, start: number) => void): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  /** Offset in the file of carry's first byte. */
  let carryStart = 0;
  let n = 0;
  for (let position = 0; position < length; ) {
    const want = Math.min(LOG_CHUNK, length - position);
    const chunk = Buffer.alloc(want);
    const got = await new Promise<number>((resolve, reject) =>
      read(fd, chunk, 0, want, position, (err, bytes) => (err ? reject(err) : resolve(bytes))),
    );
    if (got === 0) break;
    position += got;
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, got)]) : chunk.subarray(0, got);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      each(buf.toString('utf8', start, nl), ++n, carryStart + start);
      start = nl + 1;
    }
    carryStart += start;
    carry = Buffer.from(buf.subarray(start));
  }
  each(carry.toString('utf8'), ++n, carryStart);
}

/** What compaction keeps of a log: `scan` sees every line first, then `keep` decides for each. */
export interface LineFilter {
  scan?(line: string): void;
  keep(line: string): boolean;
}

/**
 * An append-only log of JSON records, one per line, kept open: for checkpoints written many
 * times a second, where a file per record would cost an inode, a directory entry and a sync
 * each. Appends are written at once (the page cache) and those that must be durable share
 * fdatasyncs: an append resolves after a sync that began after its write (group commit).
 * Records start with a newline, as with appendJsonLine, so a torn one costs only itself.
 *
 * `compact` rewrites the log with the lines it is told to keep, atomically: appends go on into
 * the old file meanwhile and are carried over before the new file takes its name.
 */
export class AppendLog {
  private fd: number | undefined;
  /** Bytes in the file `fd` is open on. */
  private bytes = 0;
  private readonly syncs: boolean;
  /** The file's name is new (made, or renamed over): its directory must be synced too. */
  private dirSyncNeeded = false;
  private waiters: Array<(err?: unknown) => void> = [];
  private syncing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;

  constructor(readonly file: string) {
    this.syncs = needsSync(file);
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const { fd, created } = openLog(this.file);
    this.fd = fd;
    this.bytes = fstatSync(fd).size;
    this.dirSyncNeeded = created;
    return fd;
  }

  /** Size of the log in bytes (what this process wrote included). */
  get size(): number {
    return this.fd === undefined ? 0 : this.bytes;
  }

  /** Appends `records` in one write; with `durable`, resolves once they are on disk. */
  append(records: readonly unknown[], durable: boolean): Promise<void> {
    try {
      let text = '';
      for (const r of records) text += `\n${JSON.stringify(r)}`;
      const data = Buffer.from(text);
      const fd = this.open();
      try {
        writeMaybeTorn(fd, data, `after a partial append to ${this.file}`);
      } catch (err) {
        // A write cut short (a full disk) must not leave part of a record for the next append
        // to follow: that would be damage in the middle of the log, not a torn end.
        try {
          ftruncateSync(fd, this.bytes);
        } catch {
          // the first error is the one to report
        }
        throw err;
      }
      this.bytes += data.length;
      if (!durable || !this.syncs) return Promise.resolve();
      maybeCrash(`before fsync of ${this.file}`);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.waiters.push((err) => (err ? reject(err) : resolve()));
      this.syncNext();
    });
  }

  private syncNext(): void {
    if (this.syncing || this.waiters.length === 0 || this.fd === undefined) return;
    const batch = this.waiters;
    this.waiters = [];
    const fd = this.fd;
    const dir = this.dirSyncNeeded;
    this.dirSyncNeeded = false;
    this.syncing = (dir ? fsyncDir(path.dirname(this.file)) : Promise.resolve())
      .then(() => syncFd(fd, true))
      .then(
        () => {
          for (const w of batch) w();
        },
        (err: unknown) => {
          if (dir) this.dirSyncNeeded = true;
          for (const w of batch) w(err);
        },
      )
      .finally(() => {
        this.syncing = undefined;
        this.syncNext();
      });
  }

  /**
   * Rewrites the log with the lines `filter` keeps and resolves when the new file is durable.
   * The log is read twice, a chunk at a time: first every line goes to `filter.scan`, then each
   * is kept when `filter.keep` says so. One compaction at a time: a call during one gets that one.
   */
  compact(filter: LineFilter): Promise<void> {
    this.compacting ??= this.rewrite(filter).finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  private async rewrite(filter: LineFilter): Promise<void> {
    const fd = this.open();
    let copied = this.bytes;
    if (filter.scan) await forEachLineOfFd(fd, copied, (line) => line !== '' && filter.scan!(line));
    const tmp = `${this.file}.tmp-${process.pid}-${tmpCounter++}`;
    const out = openSync(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o644);
    try {
      let pending = '';
      await forEachLineOfFd(fd, copied, (line) => {
        if (line === '' || !filter.keep(line)) return;
        pending += `\n${line}`;
        if (pending.length >= LOG_CHUNK) {
          writeFd(out, Buffer.from(pending));
          pending = '';
        }
      });
      writeFd(out, Buffer.from(pending));
      // Carry over what was appended meanwhile until a sync of the new file leaves nothing new:
      // the rename then happens before any other append can run.
      for (;;) {
        if (this.bytes > copied) {
          const tail = readFdSync(fd, this.bytes - copied, copied);
          writeFd(out, tail);
          copied += tail.length;
        }
        if (!this.syncs) break;
        await syncFd(out, true);
        if (this.bytes === copied) break;
      }
      renameSync(tmp, this.file);
    } catch (err) {
      closeSync(out);
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was made
      }
      throw err;
    }
    this.fd = out;
    this.bytes = fstatSync(out).size;
    // The new name is durable once the directory is synced: the next sync does that first, and
    // one is asked for now so that no later append has to wait for it.
    this.dirSyncNeeded = this.syncs;
    const closeOld = (): void => closeSync(fd);
    if (this.syncing) void this.syncing.finally(closeOld);
    else closeOld();
    if (this.syncs) {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push((err) => (err ? reject(err) : resolve()));
        this.syncNext();
      });
    }
  }

  /** Closes the file once its syncs and compaction are done (an append after opens it again). */
  async close(): Promise<void> {
    await this.compacting?.catch(() => undefined);
    while (this.syncing) await this.syncing;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
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
  const records: T[] = [];
  const damaged: string[] = [];
  const failed = await forEachJsonLine<T>(
    file,
    (record) => records.push(record),
    (problem) => damaged.push(problem),
  );
  if (failed) damaged.push(failed);
  return { records, damaged };
}

/**
 * Reads an append-only JSON-lines log a chunk at a time, calling `each` with every record and
 * `damaged` with each line that does not parse (only a torn last line is expected after a
 * crash). Resolves to why the file could not be read, if it could not; a missing file is empty.
 */
export async function forEachJsonLine<T>(
  file: string,
  each: (record: T) => void,
  damaged: (problem: string) => void,
): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `cannot read ${file}: ${(err as Error).message}`;
  }
  try {
    // A line that does not parse is reported once the next line shows whether it was the last.
    let unparsed = 0;
    await forEachLineOfFd(fd, fstatSync(fd).size, (line, n) => {
      if (unparsed) damaged(`${file}:${unparsed}: torn or unparsable record skipped`);
      unparsed = 0;
      if (line === '') return;
      try {
        each(JSON.parse(line) as T);
      } catch {
        unparsed = n;
      }
    });
    if (unparsed) damaged(`${file}:${unparsed}: torn last record skipped`);
    return undefined;
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  } finally {
    closeSync(fd);
  }
}

export interface RecordLogScan {
  /** The file could not be read (why); nothing else is meaningful then. */
  error?: string;
  /** The last record was torn (by a crash, or the file was cut short): what was dropped. */
  /** `truncatedTo` is absent when the file could not be opened for writing (it is only skipped then). */
  tornTail?: { line: number; bytes: number; truncatedTo?: number };
  /** Records before the last that do not parse or are not records: `file:line` each. */
  corrupt: string[];
  records: number;
}

/**
 * Reads an append-only log of JSON records (each starting with a newline, see appendJsonLine),
 * calling `each` with every record that parses and passes `valid`. A partial last record is what
 * a crash during an append leaves, so, as Mesos's checkpoint reader does, it is dropped and the
 * file truncated to the last complete record (the next append then starts on a clean line). Any
 * other bad record is corruption: it is reported, skipped, and left for the caller to judge. A
 * missing file is an empty log.
 */
export async function scanRecordLog<T>(
  file: string,
  each: (record: T) => void,
  valid: (record: unknown) => boolean = () => true,
): Promise<RecordLogScan> {
  const scan: RecordLogScan = { corrupt: [], records: 0 };
  let fd: number;
  let writable = true;
  try {
    try {
      fd = openSync(file, constants.O_RDWR);
    } catch (err) {
      // A log that may be read but not written (a read-only file system) is still read.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw err;
      fd = openSync(file, constants.O_RDONLY);
      writable = false;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return scan;
    return { ...scan, error: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  try {
    const size = fstatSync(fd).size;
    // A bad line is judged once the next line shows whether it was the last.
    let bad: { n: number; start: number; parsed: boolean } | undefined;
    let last = { n: 0, start: 0, empty: true };
    await forEachLineOfFd(fd, size, (line, n, start) => {
      if (bad) scan.corrupt.push(`${file}:${bad.n}`);
      bad = undefined;
      last = { n, start, empty: line === '' };
      if (line === '') return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        bad = { n, start, parsed: false };
        return;
      }
      if (!valid(record)) {
        bad = { n, start, parsed: true };
        return;
      }
      scan.records++;
      each(record as T);
    });
    // The last line is torn when it does not parse, and also when it is empty after a newline:
    // a record cut right after its leading newline. Its leading newline goes with it. A last
    // record that parses but is not a record was not torn: it is corrupt.
    if (bad?.parsed) scan.corrupt.push(`${file}:${bad.n}`);
    const torn = bad && !bad.parsed ? bad : last.empty && last.start > 0 ? last : undefined;
    if (torn) {
      const to = torn.start - 1;
      scan.tornTail = { line: torn.n, bytes: size - to };
      if (writable) {
        ftruncateSync(fd, to);
        if (needsSync(file)) await syncFd(fd, true);
        scan.tornTail.truncatedTo = to;
      }
    }
    return scan;
  } catch (err) {
    return { ...scan, error: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

export async function removeFile(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}
