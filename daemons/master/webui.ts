// The web UI at `/` on the master's port. Its assets are built by packaging/webui.ts and injected
// into the bundled binary (esbuild `define` of __MESOS_WEBUI_ASSETS__), so the UI works offline
// and needs no files on disk. `--webui_dir=DIR` serves a UI from a directory instead (Mesos's
// flag): our own build keeps its strict page policy there, any other UI (Apache Mesos's own, a
// fork) is served without one. Running from source without either, `/` says how to build the UI.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import express, { type Request, type Response, type Router } from 'express';

/** One built file: its Content-Type and its text. */
export interface WebuiAsset {
  type: string;
  body: string;
}

/** URL path (`/index.html`, `/assets/app-<hash>.js`) -> asset. */
export type WebuiAssets = Record<string, WebuiAsset>;

// Replaced by esbuild `define` in the bundled binary; undeclared (typeof -> 'undefined') otherwise.
declare const __MESOS_WEBUI_ASSETS__: WebuiAssets | undefined;

/** The assets bundled into this binary, or undefined when running from source. */
export function bundledWebuiAssets(): WebuiAssets | undefined {
  return typeof __MESOS_WEBUI_ASSETS__ === 'undefined' ? undefined : __MESOS_WEBUI_ASSETS__;
}

export const NOT_BUILT_MESSAGE =
  'The web UI is not built into this master (it runs from source). ' +
  "Build the binary with 'npx tsx packaging/bundle.ts' and run 'node build/mesos.cjs master ...', " +
  "or build the UI alone with 'npx tsx packaging/webui.ts' and pass --webui_dir=build/webui.\n";

/**
 * The page itself: scripts only from this origin, data from this master (agents too, read
 * through it), and a probe of the leading master, which may be any http(s) origin, before the
 * page moves there; no framing, no plugins.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The page of a UI from `--webui_dir` that is not our build: the operator chose it, and what it
 * loads is its business. Apache Mesos's UI polls the leader and every agent with JSONP
 * `<script>`s at their host names (any origin), styles itself inline, loads its fonts, and its log
 * pailer runs an inline script; a policy that allowed all of that would allow script from any
 * host and inline, which protects nothing, and a narrower one breaks it. So, as Apache Mesos
 * serves it: no Content-Security-Policy and no framing ban, only the headers that change nothing
 * a correctly served page does.
 */
export const FOREIGN_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The `<meta>` webui/index.html carries, so a directory holding our build is known as ours. */
export const OWN_UI_MARKER = 'name="generator" content="mesos-ts web UI"';

/** Whether an index page is our build's (packaging/webui.ts checks that it stays so). */
export function isOwnWebuiPage(html: string): boolean {
  return html.includes(OWN_UI_MARKER);
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface Prepared {
  type: string;
  body: Buffer;
  gzip: Buffer | undefined;
  etag: string;
}

function prepare(asset: WebuiAsset): Prepared {
  const body = Buffer.from(asset.body, 'utf8');
  const gzip = body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { type: asset.type, body, gzip: gzip && gzip.length < body.length ? gzip : undefined, etag };
}

/** Whether Accept-Encoding allows gzip (`gzip` or `*`, with a non-zero q). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function send(req: Request, res: Response, asset: Prepared, cacheControl: string, extra: Readonly<Record<string, string>> = {}): void {
  res.setHeader('Content-Type', asset.type);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', asset.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  if (req.headers['if-none-match'] === asset.etag) {
    res.status(304).end();
    return;
  }
  const gz = asset.gzip && acceptsGzip(req.headers['accept-encoding']) ? asset.gzip : undefined;
  if (gz) res.setHeader('Content-Encoding', 'gzip');
  const body = gz ?? asset.body;
  res.setHeader('Content-Length', String(body.length));
  res.status(200);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

function assetsRouter(assets: WebuiAssets): Router {
  const prepared = new Map<string, Prepared>();
  for (const [urlPath, asset] of Object.entries(assets)) prepared.set(urlPath, prepare(asset));
  const index = prepared.get('/index.html');
  if (!index) throw new Error('web UI assets have no /index.html');
  const router = express.Router();
  router.get(['/', '/index.html'], (req, res) => send(req, res, index, REVALIDATE, PAGE_SECURITY_HEADERS));
  router.get('/assets/*name', (req, res, next) => {
    const asset = prepared.get(req.path);
    if (!asset) return next();
    send(req, res, asset, IMMUTABLE, { 'X-Content-Type-Options': 'nosniff' });
  });
  return router;
}

/**
 * `--webui_dir`: files served as they are on disk (revalidated, since they can change). The page
 * is read at each request, so a UI rebuilt or swapped in place gets the right policy.
 */
function directoryRouter(dir: string): Router {
  const router = express.Router();
  router.get(['/', '/index.html'], async (req, res, next) => {
    let html: string;
    try {
      html = await readFile(path.join(dir, 'index.html'), 'utf8');
    } catch {
      return next();
    }
    const page = prepare({ type: 'text/html; charset=utf-8', body: html });
    send(req, res, page, REVALIDATE, isOwnWebuiPage(html) ? PAGE_SECURITY_HEADERS : FOREIGN_PAGE_HEADERS);
  });
  router.use(express.static(dir, { index: false, dotfiles: 'ignore', cacheControl: true, maxAge: 0, fallthrough: true }));
  return router;
}

function notBuiltRouter(): Router {
  const router = express.Router();
  router.get(['/', '/index.html'], (_req, res) => {
    res.status(404).type('text/plain').send(NOT_BUILT_MESSAGE);
  });
  return router;
}

export interface WebuiOptions {
  /** Built assets; defaults to those bundled into the binary. */
  assets?: WebuiAssets | undefined;
  /** `--webui_dir`: a directory holding index.html; wins over `assets` when it has one. */
  dir?: string | undefined;
}

/**
 * Routes of the UI: `/` (and `/index.html`) and `/assets/*`, or with `--webui_dir` any file of
 * that directory. Mount after the API routes; every other path falls through.
 */
export function webuiRouter(opts: WebuiOptions = {}): Router {
  if (opts.dir && existsSync(path.join(opts.dir, 'index.html'))) return directoryRouter(path.resolve(opts.dir));
  const assets = 'assets' in opts ? opts.assets : bundledWebuiAssets();
  return assets ? assetsRouter(assets) : notBuiltRouter();
}
