// /files/browse, /files/read, /files/download and /files/debug, answering as Apache Mesos 1.11's
// files.cpp does: only paths under directories (or single files) the daemon has "attached" are
// reachable; a path that resolves outside its attachment (.., symlinks) is refused with 400 and a
// path that does not exist is 404. The status codes and texts are Mesos's, since tools match them.
//
// Beyond Mesos, for a daemon that must keep serving whatever a task leaves in its sandbox: only
// regular files are read or downloaded (a FIFO, device or socket is refused with 400 before it
// is opened, and files are opened non-blocking, so one swapped in meanwhile cannot hold a thread
// of the pool either); downloads are streamed; and each client (remote address) may have
// FILES_LIMITS.perClient requests in flight (429 past that), all clients FILES_LIMITS.total (503).
import { type Stats, constants } from 'node:fs';
import { type FileHandle, open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { Request, Response, Router } from 'express';
import express from 'express';
import { accountNames } from './accounts.ts';
import { ClientLimiter, type ClientLimits } from './client-limits.ts';
import { jsonStringOfBytes, parseReadRequest, readWindow } from './files-read.ts';
import { sendJson, sendText } from './http.ts';
import { downloadType } from './mime-types.ts';
import { requestQuery } from './query.ts';
import { type Built, RawJson } from './raw-json.ts';
import type { FileChunkJson, FileEntryJson } from './state-types.ts';

/** Where a requested path leads: a real path, nowhere, or somewhere it may not go (with why). */
export type Resolution = { found: string } | { notFound: true } | { invalid: string };

const NOT_FOUND: Resolution = { notFound: true };

/** Virtual path -> real path. Virtual paths are what clients ask for. */
export class AttachedPaths {
  private readonly attached = new Map<string, string>();

  attach(realPath: string, virtualPath = realPath): void {
    this.attached.set(normalise(virtualPath), realPath);
  }

  /** Detaches a virtual path; with `realPath`, only while it still leads there. */
  detach(virtualPath: string, realPath?: string): void {
    const key = normalise(virtualPath);
    if (realPath === undefined || this.attached.get(key) === realPath) this.attached.delete(key);
  }

  /** Every attachment, virtual path -> real path (/files/debug). */
  entries(): Record<string, string> {
    return Object.fromEntries(this.attached);
  }

  /**
   * Resolves a requested path through the longest attached virtual path it starts with, as
   * Mesos's FilesProcess::resolve does. Empty and `.` components are skipped (Mesos only
   * tolerates some of them); `..` is not collapsed before the match, so it is resolved on disk
   * with the rest and refused when it leads out of the attachment.
   */
  async resolve(requested: string): Promise<Resolution> {
    const parts = requested
      .replace(/^file:\/\//, '')
      .split('/')
      .filter((p) => p !== '' && p !== '.');
    for (let n = parts.length; n >= 0; n--) {
      const root = this.attached.get(`/${parts.slice(0, n).join('/')}`);
      if (root !== undefined) return within(root, parts.slice(n));
    }
    return NOT_FOUND;
  }
}

/** `rest` (path components) under the attached `root`, confined to it. */
async function within(root: string, rest: string[]): Promise<Resolution> {
  let rootReal: string;
  let rootStat: Stats;
  try {
    rootReal = await realpath(root);
    rootStat = await stat(rootReal);
  } catch {
    return NOT_FOUND;
  }
  // An attached file has nothing under it.
  if (!rootStat.isDirectory()) return rest.length === 0 ? { found: rootReal } : NOT_FOUND;
  // Not path.join: that would collapse `..` before symlinks are followed.
  const joined = rest.length === 0 ? rootReal : `${rootReal === '/' ? '' : rootReal}/${rest.join('/')}`;
  let target: string;
  try {
    target = await realpath(joined);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return NOT_FOUND;
    return { invalid: `Failed to determine canonical path of '${joined}': ${errnoText(err)}` };
  }
  const inside = rootReal === '/' || target === rootReal || target.startsWith(`${rootReal}/`);
  return inside ? { found: target } : { invalid: `'${joined}' is inaccessible` };
}

/**
 * Attaches a daemon's own log under `virtualPath` (`/master/log`, `/slave/log`) as Mesos does:
 * `--external_log_file` when given, else the file under `--log_dir`, else nothing. The web UI
 * offers the log when either flag is set (both show in /state).
 */
export function attachDaemonLog(
  paths: AttachedPaths,
  virtualPath: string,
  externalLogFile: string | undefined,
  logDirFile: string | undefined,
): void {
  const file = externalLogFile || logDirFile;
  if (file) paths.attach(file, virtualPath);
}

function normalise(p: string): string {
  const n = path.posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** "permission denied" out of "EACCES: permission denied, open '/x'". */
function errnoText(err: unknown): string {
  return (err as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/s, '');
}

const TYPE_CHARS: [number, string][] = [
  [0o100000, '-'],
  [0o040000, 'd'],
  [0o020000, 'c'],
  [0o060000, 'b'],
  [0o010000, 'p'],
  [0o120000, 'l'],
  [0o140000, 's'],
];

/** `ls -l`'s mode column: file type, then rwx for owner, group and others. */
export function modeString(mode: number): string {
  const type = mode & 0o170000;
  let out = TYPE_CHARS.find(([bits]) => bits === type)?.[1] ?? '-';
  for (let i = 8; i >= 0; i--) out += mode & (1 << i) ? 'rwx'[(8 - i) % 3] : '-';
  return out;
}

/**
 * A browse entry's path: the path as requested with one trailing slash taken off, then the
 * entry's name (stout's path::join, which Mesos uses).
 */
export function entryPath(requested: string, name: string): string {
  const base = requested.replace(/^file:\/\//, '');
  return `${base.endsWith('/') ? base.slice(0, -1) : base}/${name}`;
}

/** Requests to /files/browse, read and download in flight at once, per client and in all. */
export const FILES_LIMITS: ClientLimits = { perClient: 8, total: 64 };

/** What a file that is not a regular file (nor a directory) is, in words. */
function specialKind(st: Stats): string | undefined {
  if (st.isFile() || st.isDirectory()) return undefined;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

type Opened = { fh: FileHandle; size: number } | { status: number; text: string };

/**
 * Opens a regular file for reading without ever blocking: it is checked before it is opened
 * (opening a FIFO waits for a writer, holding a thread of the pool), opened non-blocking in case
 * something else was put in its place meanwhile, and checked again once open.
 */
async function openRegularFile(file: string, requested: string): Promise<Opened> {
  const refusal = (kind: string): Opened => ({ status: 400, text: `Cannot read '${requested}': it is ${kind}, not a regular file.\n` });
  let before: Stats;
  try {
    before = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? { status: 404, text: '' }
      : { status: 500, text: `Failed to stat '${file}': ${errnoText(err)}.\n` };
  }
  const kind = specialKind(before);
  if (kind) return refusal(kind);
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? { status: 404, text: '' }
      : { status: 500, text: `Failed to open file at '${file}': ${errnoText(err)}.\n` };
  }
  try {
    const st = await fh.stat();
    const now = specialKind(st);
    if (now) {
      await fh.close();
      return refusal(now);
    }
    return { fh, size: st.size };
  } catch (err) {
    await fh.close();
    return { status: 500, text: `Failed to stat '${file}': ${errnoText(err)}.\n` };
  }
}

/** The 400 of a request without a path, the same for every /files endpoint. */
const MISSING_PATH = "Expecting 'path=value' in query.\n";

export function filesRouter(paths: AttachedPaths, limits: ClientLimits = FILES_LIMITS): Router {
  const router = express.Router();
  const limiter = new ClientLimiter('/files', limits);

  // Admitted before any work; the place is held until the answer has ended (a download's last byte).
  router.all(
    ['/files/browse', '/files/browse.json', '/files/read', '/files/read.json', '/files/download', '/files/download.json'],
    (req, res, next) => {
      const admission = limiter.admit(req.socket.remoteAddress ?? 'unknown');
      if (!admission.ok) {
        res.setHeader('Retry-After', '1');
        return sendText(res, admission.status, admission.message);
      }
      res.once('close', admission.release);
      next();
    },
  );

  /** The query and its `path`, or undefined once the error is answered. */
  const pathParam = (req: Request, res: Response): { query: ReadonlyMap<string, string>; path: string } | undefined => {
    const query = requestQuery(req);
    if (!query.ok) {
      sendText(res, 400, `${query.error}.\n`);
      return undefined;
    }
    const p = query.value.get('path');
    if (p === undefined || p === '') {
      sendText(res, 400, MISSING_PATH);
      return undefined;
    }
    return { query: query.value, path: p };
  };

  /** Found: the real path. Otherwise answers Mesos's 400 or 404 (`notFoundText` is its body). */
  const resolved = async (res: Response, requested: string, notFoundText = ''): Promise<string | undefined> => {
    const r = await paths.resolve(requested);
    if ('found' in r) return r.found;
    if ('invalid' in r) sendText(res, 400, `${r.invalid}.\n`);
    else sendText(res, 404, notFoundText);
    return undefined;
  };

  router.all(['/files/browse', '/files/browse.json'], async (req, res) => {
    const p = pathParam(req, res);
    if (!p) return;
    const dir = await resolved(res, p.path);
    if (dir === undefined) return;
    // A file, or a directory that cannot be listed, lists nothing (Mesos's os::ls fails).
    const names = await readdir(dir).catch(() => [] as string[]);
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const accounts = accountNames();
    const entries: FileEntryJson[] = [];
    for (const name of names) {
      // stat, not lstat: a symlink is listed as what it points to; a dangling one is left out.
      const st = await stat(path.join(dir, name)).catch(() => undefined);
      if (!st) continue;
      entries.push({
        path: entryPath(p.path, name),
        nlink: st.nlink,
        size: st.size,
        mtime: Math.floor(st.mtimeMs / 1000),
        mode: modeString(st.mode),
        uid: accounts.user(st.uid),
        gid: accounts.group(st.gid),
      });
    }
    sendJson(req, res, entries);
  });

  router.all(['/files/read', '/files/read.json'], async (req, res) => {
    const p = pathParam(req, res);
    if (!p) return;
    const request = parseReadRequest(p.query);
    if (!request.ok) return sendText(res, 400, request.error);
    const file = await resolved(res, p.path);
    if (file === undefined) return;
    const st = await stat(file).catch(() => undefined);
    if (st?.isDirectory()) return sendText(res, 400, 'Cannot read a directory.\n');
    const opened = await openRegularFile(file, p.path);
    if ('status' in opened) return sendText(res, opened.status, opened.text);
    const { fh, size } = opened;
    try {
      const window = readWindow(size, request.value);
      const buf = Buffer.alloc(window.count);
      const { bytesRead } = window.count > 0 ? await fh.read(buf, 0, window.count, window.start) : { bytesRead: 0 };
      // The bytes as a JSON string, made without decoding them (jsonStringOfBytes).
      const data = new RawJson<string>([jsonStringOfBytes(buf.subarray(0, bytesRead))]);
      const chunk: Built<FileChunkJson> = { offset: window.reportedOffset, data };
      sendJson(req, res, chunk);
    } catch (err) {
      sendText(res, 500, `Failed to read file at '${file}': ${errnoText(err)}.\n`);
    } finally {
      await fh.close();
    }
  });

  router.all(['/files/download', '/files/download.json'], async (req, res) => {
    const p = pathParam(req, res);
    if (!p) return;
    const file = await resolved(res, p.path, '404 Not Found.');
    if (file === undefined) return;
    if ((await stat(file).catch(() => undefined))?.isDirectory()) return sendText(res, 400, 'Cannot download a directory.\n');
    const opened = await openRegularFile(file, p.path);
    if ('status' in opened) {
      const text = opened.status === 404 ? '404 Not Found.' : opened.status === 500 ? '500 Internal Server Error.' : opened.text;
      return sendText(res, opened.status, text);
    }
    // What the file holds now is sent, though it may grow meanwhile.
    const { fh, size } = opened;
    const name = path.basename(file);
    res.writeHead(200, {
      'Content-Type': downloadType(name),
      // Unquoted, as Mesos sends it; the name's UTF-8 bytes go out as they are (latin1 maps
      // each to one byte), control characters, which a header cannot carry, as '_'.
      'Content-Disposition': `attachment; filename=${Buffer.from(name.replace(/[\x00-\x1f\x7f]/g, '_')).toString('latin1')}`,
      'Content-Length': size,
    });
    if (size === 0 || req.method === 'HEAD') {
      await fh.close();
      res.end();
      return;
    }
    // pipeline: a client that leaves mid-file closes the file too.
    pipeline(fh.createReadStream({ start: 0, end: size - 1 }), res, () => undefined);
  });

  router.all('/files/debug', (req, res) => sendJson(req, res, paths.entries()));

  return router;
}
