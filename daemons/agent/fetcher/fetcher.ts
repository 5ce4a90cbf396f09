// The fetcher: puts a task's (or a custom executor's) CommandInfo.uris into its sandbox before it
// starts, as Mesos's mesos-fetcher does — http(s)://, file:// and plain paths; archives extracted
// unless `extract: false`; `executable` files made executable (and never extracted);
// `output_file` names the result; `cache: true` keeps a copy in a size-bounded cache shared by
// all tasks.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, chown, copyFile, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import type { CommandURI } from '../../common/mesos.ts';

export class FetchError extends Error {}

export interface FetchOptions {
  sandbox: string;
  /** Where cached downloads live (--fetcher_cache_dir). */
  cacheDir: string;
  /** Upper bound of the cache (--fetcher_cache_size), in bytes. */
  cacheSizeBytes: number;
  /** Relative URIs are resolved against this (--frameworks_home), as Mesos does. */
  frameworksHome?: string | undefined;
  /** No data for this long fails the download (--fetcher_stall_timeout). */
  stallTimeoutMs?: number;
  /** The user the task (or executor) runs as: fetched files are given to it. */
  owner?: { uid: number; gid: number } | undefined;
}

export interface FetchResult {
  uri: string;
  path: string;
  cacheHit: boolean;
  extracted: boolean;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|zip|gz)$/i;

/** The file name a URI lands under in the sandbox (its last path segment, or output_file). */
export function destinationName(uri: CommandURI): string {
  if (uri.output_file) return uri.output_file;
  let p = uri.value;
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) p = new URL(p).pathname;
  } catch {
    // not a URL: a path
  }
  const base = path.posix.basename(p);
  if (!base || base === '/' || base === '.') throw new FetchError(`cannot tell a file name from URI '${uri.value}'; set output_file`);
  return decodeURIComponent(base);
}

function checkName(name: string, uri: string): void {
  if (name.includes('/') || name === '..' || name === '.') {
    throw new FetchError(`output_file '${name}' of URI '${uri}' must be a plain file name inside the sandbox`);
  }
}

/** Where the bytes of a URI come from: a local file, or an HTTP(S) URL. */
function source(uri: string, frameworksHome: string | undefined): { kind: 'file'; path: string } | { kind: 'http'; url: string } {
  if (/^https?:\/\//i.test(uri)) return { kind: 'http', url: uri };
  if (/^file:\/\//i.test(uri)) return { kind: 'file', path: decodeURIComponent(new URL(uri).pathname) };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  if (scheme) throw new FetchError(`URI scheme '${scheme[1]}' is not supported (use http://, https://, file:// or a path): ${uri}`);
  if (path.isAbsolute(uri)) return { kind: 'file', path: uri };
  if (!frameworksHome) throw new FetchError(`relative URI '${uri}' needs the agent flag --frameworks_home`);
  return { kind: 'file', path: path.join(frameworksHome, uri) };
}

async function download(url: string, to: string, stallTimeoutMs: number): Promise<void> {
  const controller = new AbortController();
  let stall = setTimeout(() => controller.abort(), stallTimeoutMs);
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new FetchError(`HTTP ${res.status} ${res.statusText} for ${url}`);
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', () => {
      clearTimeout(stall);
      stall = setTimeout(() => controller.abort(), stallTimeoutMs);
    });
    await pipeline(body, createWriteStream(to));
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const reason = controller.signal.aborted
      ? `no data for ${stallTimeoutMs / 1000}s`
      : ((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message);
    throw new FetchError(`failed to download ${url}: ${reason}`);
  } finally {
    clearTimeout(stall);
  }
}

async function copyLocal(from: string, to: string): Promise<void> {
  try {
    const st = await stat(from);
    if (!st.isFile()) throw new FetchError(`'${from}' is not a regular file`);
    await copyFile(from, to);
  } catch (err) {
    if (err instanceof FetchError) throw err;
    throw new FetchError(`cannot copy '${from}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function extract(file: string, into: string): Promise<void> {
  const name = file.toLowerCase();
  try {
    if (name.endsWith('.zip')) await execa('unzip', ['-o', '-q', file, '-d', into]);
    else if (/\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/.test(name)) await execa('tar', ['--no-same-owner', '-xf', file, '-C', into]);
    else if (name.endsWith('.gz')) await execa('gzip', ['-d', '-f', file]);
  } catch (err) {
    const e = err as { stderr?: string; shortMessage?: string };
    throw new FetchError(`failed to extract ${path.basename(file)}: ${(e.stderr || e.shortMessage || String(err)).trim().split('\n')[0]}`);
  }
}

/** A size-bounded cache of downloads, evicting the least recently used. */
class FetchCache {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  entry(uri: string): string {
    return path.join(this.dir, createHash('sha256').update(uri).digest('hex'));
  }

  async lookup(uri: string): Promise<string | undefined> {
    const file = this.entry(uri);
    try {
      await stat(file);
      const now = new Date();
      await utimes(file, now, now); // recently used
      return file;
    } catch {
      return undefined;
    }
  }

  /** Adds a fetched file (moved in atomically), then trims the cache to its size. */
  async add(uri: string, fetched: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = this.entry(uri);
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    await copyFile(fetched, tmp);
    await rename(tmp, file);
    await this.trim(file);
    return file;
  }

  private async trim(keep: string): Promise<void> {
    const entries: Array<{ file: string; size: number; used: number }> = [];
    for (const name of await readdir(this.dir)) {
      if (name.includes('.tmp-')) continue;
      const file = path.join(this.dir, name);
      const st = await stat(file).catch(() => undefined);
      if (st) entries.push({ file, size: st.size, used: st.mtimeMs });
    }
    let total = entries.reduce((a, e) => a + e.size, 0);
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (e.file === keep) continue;
      await rm(e.file, { force: true });
      total -= e.size;
    }
  }
}

/** Fetches every URI into the sandbox; throws FetchError naming the URI and the cause. */
export async function fetchUris(uris: readonly CommandURI[], opts: FetchOptions): Promise<FetchResult[]> {
  const results: FetchResult[] = [];
  const cache = new FetchCache(opts.cacheDir, opts.cacheSizeBytes);
  for (const uri of uris) {
    const name = destinationName(uri);
    checkName(name, uri.value);
    const dest = path.join(opts.sandbox, name);
    const src = source(uri.value, opts.frameworksHome);
    let cacheHit = false;
    const cached = uri.cache ? await cache.lookup(uri.value) : undefined;
    if (cached) {
      await copyFile(cached, dest);
      cacheHit = true;
    } else {
      if (src.kind === 'http') await download(src.url, dest, opts.stallTimeoutMs ?? 60_000);
      else await copyLocal(src.path, dest);
      if (uri.cache) await cache.add(uri.value, dest).catch(() => undefined);
    }
    let extracted = false;
    if (uri.executable) {
      await chmod(dest, 0o755);
    } else if (uri.extract !== false && ARCHIVE.test(name)) {
      await extract(dest, opts.sandbox);
      extracted = true;
    }
    results.push({ uri: uri.value, path: dest, cacheHit, extracted });
  }
  if (opts.owner && uris.length > 0) await chownTree(opts.sandbox, opts.owner.uid, opts.owner.gid);
  return results;
}

/** Gives everything fetched (extracted trees included) to the task's user. */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    await chown(p, uid, gid).catch(() => undefined);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
  }
}
