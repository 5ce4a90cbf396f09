// /files/browse, /files/read and /files/download, as Mesos serves them: only paths under
// directories (or single files) that the daemon has "attached" are reachable, and a path that
// resolves outside them (.., symlinks) is treated as not found.
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response, Router } from 'express';
import express from 'express';
import { sendJson, sendText } from './http.ts';

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

  /**
   * Resolves a requested path to a real path inside an attached root; undefined when it is not
   * under any attachment or escapes it.
   */
  async resolve(requested: string): Promise<string | undefined> {
    const wanted = normalise(requested);
    let best: string | undefined;
    for (const v of this.attached.keys()) {
      if ((wanted === v || wanted.startsWith(v === '/' ? '/' : `${v}/`)) && (best === undefined || v.length > best.length)) best = v;
    }
    if (best === undefined) return undefined;
    const rootReal = this.attached.get(best)!;
    const rest = wanted.slice(best.length).replace(/^\/+/, '');
    let rootResolved: string;
    let target: string;
    try {
      rootResolved = await realpath(rootReal);
      target = await realpath(path.join(rootResolved, rest));
    } catch {
      return undefined;
    }
    if (target !== rootResolved && !target.startsWith(`${rootResolved}/`)) return undefined;
    return target;
  }
}

/**
 * Attaches a daemon's own log under `virtualPath` (`/master/log`, `/slave/log`) as Mesos does:
 * `--external_log_file` when given, else the file under `--log_dir`, else nothing. The web UI
 * offers the log when either flag is set (both show in /state).
 */
export function attachDaemonLog(paths: AttachedPaths, virtualPath: string, externalLogFile: string | undefined, logDirFile: string | undefined): void {
  const file = externalLogFile || logDirFile;
  if (file) paths.attach(file, virtualPath);
}

function normalise(p: string): string {
  const n = path.posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function modeString(mode: number, isDir: boolean, isLink: boolean): string {
  const kind = isDir ? 'd' : isLink ? 'l' : '-';
  const bits = ['r', 'w', 'x'];
  let out = kind;
  for (let i = 8; i >= 0; i--) out += mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  return out;
}

/** Upper bound of one /files/read answer, as Mesos (16 MB pages). */
const MAX_READ_LENGTH = 16 * 1024 * 1024;

export function filesRouter(paths: AttachedPaths): Router {
  const router = express.Router();

  const pathParam = (req: Request, res: Response): string | undefined => {
    const p = req.query.path;
    if (typeof p !== 'string' || p === '') {
      sendText(res, 400, "Expecting 'path' query parameter");
      return undefined;
    }
    return p;
  };

  router.get(['/files/browse', '/files/browse.json'], async (req, res) => {
    const requested = pathParam(req, res);
    if (requested === undefined) return;
    const dir = await paths.resolve(requested);
    if (!dir) return sendText(res, 404, `Path '${requested}' not found`);
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) return sendText(res, 400, `Path '${requested}' is not a directory`);
    const names = await readdir(dir).catch(() => [] as string[]);
    const entries = [];
    const base = normalise(requested);
    for (const name of names.sort()) {
      const full = path.join(dir, name);
      const ls = await lstat(full).catch(() => undefined);
      if (!ls) continue;
      entries.push({
        path: `${base === '/' ? '' : base}/${name}`,
        nlink: ls.nlink,
        size: ls.size,
        mtime: Math.floor(ls.mtimeMs / 1000),
        mode: modeString(ls.mode, ls.isDirectory(), ls.isSymbolicLink()),
        uid: String(ls.uid),
        gid: String(ls.gid),
      });
    }
    sendJson(req, res, entries);
  });

  router.get(['/files/read', '/files/read.json'], async (req, res) => {
    const requested = pathParam(req, res);
    if (requested === undefined) return;
    const parseNum = (name: string, fallback: number): number | undefined => {
      const v = req.query[name];
      if (v === undefined) return fallback;
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return undefined;
      return Number(v);
    };
    const offset = parseNum('offset', -1);
    const length = parseNum('length', -1);
    if (offset === undefined || length === undefined) return sendText(res, 400, "Failed to parse 'offset' or 'length': expecting integers");
    const file = await paths.resolve(requested);
    if (!file) return sendText(res, 404, `Path '${requested}' not found`);
    const st = await stat(file).catch(() => undefined);
    if (!st) return sendText(res, 404, `Path '${requested}' not found`);
    if (st.isDirectory()) return sendText(res, 400, `Cannot read a directory: '${requested}'`);
    // offset -1: only report the size, so a tailer can start at the end.
    if (offset < 0) return sendJson(req, res, { offset: st.size, data: '' });
    const want = Math.min(length < 0 ? st.size - offset : length, MAX_READ_LENGTH);
    if (offset >= st.size || want <= 0) return sendJson(req, res, { offset, data: '' });
    const fh = await open(file, constants.O_RDONLY);
    try {
      const buf = Buffer.alloc(Math.min(want, st.size - offset));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      sendJson(req, res, { offset, data: buf.subarray(0, bytesRead).toString('utf8') });
    } finally {
      await fh.close();
    }
  });

  router.get(['/files/download', '/files/download.json'], async (req, res) => {
    const requested = pathParam(req, res);
    if (requested === undefined) return;
    const file = await paths.resolve(requested);
    if (!file) return sendText(res, 404, `Path '${requested}' not found`);
    const st = await stat(file).catch(() => undefined);
    if (!st) return sendText(res, 404, `Path '${requested}' not found`);
    if (st.isDirectory()) return sendText(res, 400, `Cannot download a directory: '${requested}'`);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename="${path.basename(file).replace(/"/g, '')}"`);
    res.sendFile(file, { dotfiles: 'allow' });
  });

  return router;
}
