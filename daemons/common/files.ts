// /files/browse, /files/read, /files/download and /files/debug, answering as Apache Mesos 1.11's
// files.cpp does: only paths under directories (or single files) the daemon has "attached" are
// reachable; a path that resolves outside its attachment (.., symlinks) is refused with 400 and a
// path that does not exist is 404. The status codes and texts are Mesos's, since tools match them.
//
// Beyond Mesos, for a daemon that must keep serving whatever a task leaves in its sandbox: what
// is served is opened first and checked after (files-open.ts: no symlink in the last component,
// the descriptor's real path inside the attachment), so a directory swapped for a symlink to /etc
// between the check and the open cannot lead out; only regular files are read or downloaded (a
// FIFO, device or socket is refused with 400 before it is opened, and files are opened
// non-blocking, so one swapped in meanwhile cannot hold a thread of the pool either); downloads
// are streamed; and each client (remote address) may have FILES_LIMITS.perClient requests in
// flight (429 past that), all clients FILES_LIMITS.total (503).
import type { Stats } from 'node:fs';
import { type FileHandle, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { Request, Response, Router } from 'express';
import express from 'express';
import { accountNames } from './accounts.ts';
import { ClientLimiter, type ClientLimits } from './client-limits.ts';
import { descriptorAlias, insideRoot, openConfined } from './files-open.ts';
import { jsonStringOfBytes, parseReadRequest, readWindow } from './files-read.ts';
import { sendJson, sendText } from './http.ts';
import { downloadType } from './mime-types.ts';
import { requestQuery } from './query.ts';
import { type Built, RawJson } from './raw-json.ts';
import type { FileChunkJson, FileEntryJson } from './state-types.ts';

/**
 * Where a requested path leads: a real path (with the real path of the attachment it must stay
 * in), nowhere, or somewhere it may not go (with why).
 */
export type Resolution = { found: string; root: string } | { notFound: true } | { invalid: string };

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
  if (!rootStat.isDirectory()) return rest.length === 0 ? { found: rootReal, root: rootReal } : NOT_FOUND;
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
  return insideRoot(rootReal, target) ? { found: target, root: rootReal } : { invalid: `'${joined}' is inaccessible` };
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

type Opened = { fh: FileHandle; st: Stats } | { status: number; text: string };

/**
 * Opens what a path resolved to, confined to its attachment (files-open.ts): answers 404 when it
 * went away, 400 when it is a special file or what was opened lies outside (a swap raced the
 * resolution), 500 on other errors.
 */
async function openResolved(found: Found, requested: string): Promise<Opened> {
  const r = await openConfined(found.path, found.root);
  if ('fh' in r) return r;
  if ('notFound' in r) return { status: 404, text: '' };
  if ('special' in r) return { status: 400, text: `Cannot read '${requested}': it is ${r.special}, not a regular file.\n` };
  if ('outside' in r) return { status: 400, text: `'${found.path}' is inaccessible.\n` };
  const what = r.during === 'open' ? 'open file at' : r.during === 'stat' ? 'stat' : 'determine what was opened at';
  return { status: 500, text: `Failed to ${what} '${found.path}': ${errnoText(r.error)}.\n` };
}

/** A resolved path and the real root of its attachment. */
export interface Found {
  path: string;
  root: string;
}

/**
 * Decides, once a path has resolved, whether it may be served (Mesos authorizes each
 * attachment, e.g. a sandbox with access_sandboxes): what to serve, with the root it must stay
 * in while it is opened (narrower than the attachment's when the decision holds for part of
 * it), or undefined for 403.
 */
export type FoundCheck = (found: Found) => Found | undefined;

/** A FoundCheck made for each /files request (its principal is on it). */
export type FilesAuthorizer = (req: Request, found: Found) => Found | undefined;

/** One entry of a directory listing, before /files/browse or the operator API's LIST_FILES writes it. */
export interface FileStat {
  path: string;
  nlink: number;
  size: number;
  mtimeMs: number;
  mode: number;
  uid: string;
  gid: string;
}

/** The entries of the directory reached by `dir` (a descriptor's alias), as /files/browse lists them. */
async function listInto(entries: FileStat[], dir: string, requested: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const accounts = accountNames();
  for (const name of names) {
    // stat, not lstat: a symlink is listed as what it points to; a dangling one is left out.
    const st = await stat(`${dir}/${name}`).catch(() => undefined);
    if (!st) continue;
    entries.push({
      path: entryPath(requested, name),
      nlink: st.nlink,
      size: st.size,
      mtimeMs: st.mtimeMs,
      mode: st.mode,
      uid: accounts.user(st.uid),
      gid: accounts.group(st.gid),
    });
  }
}

function entryJson(e: FileStat): FileEntryJson {
  return {
    path: e.path,
    nlink: e.nlink,
    size: e.size,
    mtime: Math.floor(e.mtimeMs / 1000),
    mode: modeString(e.mode),
    uid: e.uid,
    gid: e.gid,
  };
}

/** What a files operation comes to: its value, or Mesos's status and text. */
export type FilesOutcome<T> = { ok: true; value: T } | { ok: false; status: number; text: string };

/** Where a requested path leads, or Mesos's 400, 403 (a bare Forbidden) or 404 (`notFoundText` its body). */
async function resolveFound(
  paths: AttachedPaths,
  requested: string,
  check: FoundCheck | undefined,
  notFoundText = '',
): Promise<FilesOutcome<Found>> {
  const r = await paths.resolve(requested);
  if ('found' in r) {
    const found = { path: r.found, root: r.root };
    const allowed = check === undefined ? found : check(found);
    return allowed === undefined ? { ok: false, status: 403, text: '' } : { ok: true, value: allowed };
  }
  if ('invalid' in r) return { ok: false, status: 400, text: `${r.invalid}.\n` };
  return { ok: false, status: 404, text: notFoundText };
}

/**
 * The entries of an attached directory (FilesProcess::browse). The directory is opened first
 * and listed through its descriptor, so a swap cannot list another. A file, a special file, or a
 * directory that cannot be listed lists nothing (Mesos's os::ls fails); one swapped for a way
 * out is refused as at resolution.
 */
export async function browseFiles(paths: AttachedPaths, requested: string, check?: FoundCheck): Promise<FilesOutcome<FileStat[]>> {
  const found = await resolveFound(paths, requested, check);
  if (!found.ok) return found;
  const opened = await openConfined(found.value.path, found.value.root);
  if ('outside' in opened) return { ok: false, status: 400, text: `'${found.value.path}' is inaccessible.\n` };
  const entries: FileStat[] = [];
  if ('fh' in opened) {
    try {
      if (opened.st.isDirectory()) await listInto(entries, descriptorAlias(opened.fh), requested);
    } finally {
      await opened.fh.close();
    }
  }
  return { ok: true, value: entries };
}

/**
 * Reads part of an attached file (FilesProcess::_read): `window` picks the part from the
 * file's size. Answers the size and the bytes read.
 */
export async function readFilePart(
  paths: AttachedPaths,
  requested: string,
  window: (size: number) => { start: number; count: number },
  check?: FoundCheck,
): Promise<FilesOutcome<{ size: number; data: Buffer }>> {
  const found = await resolveFound(paths, requested, check);
  if (!found.ok) return found;
  const opened = await openResolved(found.value, requested);
  if ('status' in opened) return { ok: false, status: opened.status, text: opened.text };
  const { fh, st } = opened;
  try {
    if (st.isDirectory()) return { ok: false, status: 400, text: 'Cannot read a directory.\n' };
    const { start, count } = window(st.size);
    const buf = Buffer.alloc(count);
    const { bytesRead } = count > 0 ? await fh.read(buf, 0, count, start) : { bytesRead: 0 };
    return { ok: true, value: { size: st.size, data: buf.subarray(0, bytesRead) } };
  } catch (err) {
    return { ok: false, status: 500, text: `Failed to read file at '${found.value.path}': ${errnoText(err)}.\n` };
  } finally {
    await fh.close();
  }
}

/** The 400 of a request without a path, the same for every /files endpoint. */
const MISSING_PATH = "Expecting 'path=value' in query.\n";

export function filesRouter(paths: AttachedPaths, limits: ClientLimits = FILES_LIMITS, authorize?: FilesAuthorizer): Router {
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

  /** The check of a request's resolved path: the authorizer's, for this request. */
  const checkFor = (req: Request): FoundCheck | undefined => authorize && ((found) => authorize(req, found));

  router.all(['/files/browse', '/files/browse.json'], async (req, res) => {
    const p = pathParam(req, res);
    if (!p) return;
    const listed = await browseFiles(paths, p.path, checkFor(req));
    if (!listed.ok) return sendText(res, listed.status, listed.text);
    sendJson(req, res, listed.value.map(entryJson));
  });

  router.all(['/files/read', '/files/read.json'], async (req, res) => {
    const p = pathParam(req, res);
    if (!p) return;
    const request = parseReadRequest(p.query);
    if (!request.ok) return sendText(res, 400, request.error);
    let reportedOffset = 0;
    const part = await readFilePart(
      paths,
      p.path,
      (size) => {
        const window = readWindow(size, request.value);
        reportedOffset = window.reportedOffset;
        return window;
      },
      checkFor(req),
    );
    if (!part.ok) return sendText(res, part.status, part.text);
    // The bytes as a JSON string, made without decoding them (jsonStringOfBytes).
    const data = new RawJson<string>([jsonStringOfBytes(part.value.data)]);
    const chunk: Built<FileChunkJson> = { offset: reportedOffset, data };
    sendJson(req, res, chunk);
  });

  router.all(['/files/download', '/files/download.json'], async (req, res) => {
    const p = pathParam(req, res);
    if (!p) return;
    const resolved = await resolveFound(paths, p.path, checkFor(req), '404 Not Found.');
    if (!resolved.ok) return sendText(res, resolved.status, resolved.text);
    const found = resolved.value;
    const file = found.path;
    const opened = await openResolved(found, p.path);
    if ('status' in opened) {
      const text = opened.status === 404 ? '404 Not Found.' : opened.status === 500 ? '500 Internal Server Error.' : opened.text;
      return sendText(res, opened.status, text);
    }
    // What the file holds now is sent, though it may grow meanwhile.
    const { fh, st } = opened;
    const size = st.size;
    if (st.isDirectory()) {
      await fh.close();
      return sendText(res, 400, 'Cannot download a directory.\n');
    }
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
