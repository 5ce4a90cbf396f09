// How the master serves the web UI: the real build (packaging/webui.ts) behind webuiRouter, its
// content types, caching and security headers, gzip, --webui_dir, and the "not built" answer of
// a master running from source. No browser needed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { NOT_BUILT_MESSAGE, PAGE_SECURITY_HEADERS, type WebuiAssets, acceptsGzip, webuiRouter } from '../../daemons/master/webui.ts';
import { WEBUI_GZIP_BUDGET, buildWebui, gzippedSize } from '../../packaging/webui.ts';
import { BUNDLE, startMaster } from '../helpers/cluster.ts';

async function serve(router: express.Router): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get('/master/state', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('web UI serving', () => {
  let outDir: string;
  let assets: WebuiAssets;
  let srv: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'mesos-webui-'));
    assets = await buildWebui(outDir);
    srv = await serve(webuiRouter({ assets }));
  });
  after(async () => {
    await srv.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  test('the build is small, hashed, and references only its own assets', () => {
    const paths = Object.keys(assets).sort();
    assert.equal(paths.length, 4, paths.join(' '));
    assert.ok(paths.includes('/index.html'));
    for (const p of paths.filter((x) => x !== '/index.html')) assert.match(p, /^\/assets\/[\w]+-[\w]+\.(js|css|svg)$/);
    const html = assets['/index.html']!.body;
    for (const ref of html.matchAll(/(?:src|href)="([^"]+)"/g))
      assert.ok(assets[ref[1]!.replace(/^\./, '')], `index.html refers to ${ref[1]}`);
    assert.doesNotMatch(html, /https?:\/\//, 'no CDN or other remote resource');
    const size = gzippedSize(assets);
    assert.ok(size < WEBUI_GZIP_BUDGET, `${size} bytes gzipped`);
  });

  test('/ is the page: HTML, revalidated, with a strict content security policy', async () => {
    const res = await fetch(`${srv.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await res.text(), assets['/index.html']!.body);
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${srv.url}/index.html`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  });

  test('assets: their content type, cached for good, gzipped when asked', async () => {
    const js = Object.keys(assets).find((p) => p.endsWith('.js'))!;
    const css = Object.keys(assets).find((p) => p.endsWith('.css'))!;
    const svg = Object.keys(assets).find((p) => p.endsWith('.svg'))!;
    for (const [p, type] of [
      [js, 'text/javascript; charset=utf-8'],
      [css, 'text/css; charset=utf-8'],
      [svg, 'image/svg+xml'],
    ] as const) {
      const res = await fetch(`${srv.url}${p}`, { headers: { 'Accept-Encoding': 'identity' } });
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-type'), type);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(await res.text(), assets[p]!.body);
    }
    // fetch() would decode gzip itself: look at the bytes with node's http through a raw request.
    const raw = await rawGet(`${srv.url}${js}`, { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(raw.headers['content-encoding'], 'gzip');
    assert.equal(raw.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(raw.body).toString('utf8'), assets[js]!.body);
    const noGzip = await rawGet(`${srv.url}${js}`, { 'Accept-Encoding': 'gzip;q=0, br' });
    assert.equal(noGzip.headers['content-encoding'], undefined);
  });

  test('everything else falls through to the master routes or 404', async () => {
    assert.deepEqual(await (await fetch(`${srv.url}/master/state`)).json(), { ok: true });
    assert.equal((await fetch(`${srv.url}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${srv.url}/assets/../package.json`)).status, 404);
  });

  test('Accept-Encoding parsing', () => {
    assert.equal(acceptsGzip('gzip'), true);
    assert.equal(acceptsGzip('br, GZIP;q=0.5'), true);
    assert.equal(acceptsGzip('*'), true);
    assert.equal(acceptsGzip('gzip;q=0'), false);
    assert.equal(acceptsGzip('identity'), false);
    assert.equal(acceptsGzip(undefined), false);
  });

  test('--webui_dir serves a UI from disk, and is ignored without an index.html', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-webui-dir-'));
    try {
      writeFileSync(path.join(dir, 'index.html'), '<!doctype html><p>from disk</p>');
      mkdirSync(path.join(dir, 'app'));
      writeFileSync(path.join(dir, 'app', 'x.js'), 'var x = 1;');
      const disk = await serve(webuiRouter({ assets, dir }));
      try {
        const page = await fetch(`${disk.url}/`);
        assert.equal(page.status, 200);
        assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.equal(page.headers.get('cache-control'), 'no-cache');
        assert.equal(await page.text(), '<!doctype html><p>from disk</p>');
        // Not our build: no policy of ours, no framing ban (see FOREIGN_PAGE_HEADERS).
        assert.equal(page.headers.get('content-security-policy'), null);
        assert.equal(page.headers.get('x-frame-options'), null);
        assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
        const again = await fetch(`${disk.url}/index.html`, { headers: { 'If-None-Match': page.headers.get('etag')! } });
        assert.equal(again.status, 304);
        // Read at each request: edited in place, the page is served anew.
        writeFileSync(path.join(dir, 'index.html'), '<!doctype html><p>edited</p>');
        assert.equal(await (await fetch(`${disk.url}/`)).text(), '<!doctype html><p>edited</p>');
        const js = await fetch(`${disk.url}/app/x.js`);
        assert.match(js.headers.get('content-type') ?? '', /javascript/);
      } finally {
        await disk.close();
      }
      const empty = await serve(webuiRouter({ assets, dir: path.join(dir, 'app') }));
      try {
        assert.equal(await (await fetch(`${empty.url}/`)).text(), assets['/index.html']!.body);
      } finally {
        await empty.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--webui_dir holding our own build keeps the strict policy', async () => {
    // outDir is where buildWebui() wrote this build, as `npx tsx packaging/webui.ts` writes build/webui.
    const disk = await serve(webuiRouter({ assets: undefined, dir: outDir }));
    try {
      const page = await fetch(`${disk.url}/`);
      assert.equal(await page.text(), assets['/index.html']!.body);
      for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) assert.equal(page.headers.get(name), value, name);
      const js = Object.keys(assets).find((p) => p.endsWith('.js'))!;
      assert.equal(await (await fetch(`${disk.url}${js}`)).text(), assets[js]!.body);
    } finally {
      await disk.close();
    }
  });

  test('from source without a build, / says how to build the UI', async () => {
    const bare = await serve(webuiRouter({ assets: undefined }));
    try {
      const res = await fetch(`${bare.url}/`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const body = await res.text();
      assert.equal(body, NOT_BUILT_MESSAGE);
      assert.match(body, /not built/);
      assert.match(body, /packaging\/bundle\.ts/);
    } finally {
      await bare.close();
    }
  });

  test('a master run from source (no injected assets) says the UI is not built', async () => {
    const fromSource = await serve(webuiRouter());
    try {
      assert.equal(await (await fetch(`${fromSource.url}/`)).text(), NOT_BUILT_MESSAGE);
    } finally {
      await fromSource.close();
    }
  });
});

describe('the bundled master serves its UI', {
  skip: existsSync(BUNDLE) ? undefined : `${BUNDLE} is not built (npx tsx packaging/bundle.ts)`,
}, () => {
  test('/ and every asset it references, with no file on disk', async () => {
    const master = await startMaster();
    try {
      const page = await fetch(`${master.url}/`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      const html = await page.text();
      assert.match(html, /<div id="app">/);
      const refs = [...html.matchAll(/(?:src|href)="\.(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.equal(refs.length, 3, html);
      for (const ref of refs) {
        const res = await fetch(`${master.url}${ref}`);
        assert.equal(res.status, 200, ref);
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      }
      // The API is untouched by the UI routes.
      assert.equal((await fetch(`${master.url}/master/state`)).headers.get('content-type'), 'application/json; charset=utf-8');
    } finally {
      await master.stop();
      rmSync(master.workDir, { recursive: true, force: true });
    }
  });
});

async function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}
