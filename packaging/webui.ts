// Builds the web UI (webui/: Preact + TSX) with esbuild into a map of URL path -> asset, which
// bundle() injects into the master (daemons/master/webui.ts serves it), and writes the same
// files into build/webui/ for a look, or for `mesos master --webui_dir=build/webui`.
// Asset names carry a content hash, so the master can let browsers cache them for good.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { OWN_UI_MARKER, type WebuiAssets, isOwnWebuiPage } from '../daemons/master/webui.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEBUI_SRC = path.join(root, 'webui');

export const WEBUI_OUT_DIR = path.join(root, 'build', 'webui');

/** The most the browser may download, gzipped: a build past it fails, so the UI stays quick to load. */
export const WEBUI_GZIP_BUDGET = 500 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function contentType(file: string): string {
  const type = CONTENT_TYPES[path.extname(file)];
  if (!type) throw new Error(`web UI build produced ${file}, of a type the master does not serve`);
  return type;
}

function hashed(name: string, body: string): string {
  const ext = path.extname(name);
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 10);
  return `${path.basename(name, ext)}-${digest}${ext}`;
}

/** Total gzipped size of the assets, as a browser downloads them. */
export function gzippedSize(assets: WebuiAssets): number {
  let total = 0;
  for (const asset of Object.values(assets)) total += gzipSync(Buffer.from(asset.body, 'utf8'), { level: 9 }).length;
  return total;
}

/** Builds the UI; returns URL path -> asset and writes the files under `outDir` (cleared first). */
export async function buildWebui(outDir = WEBUI_OUT_DIR): Promise<WebuiAssets> {
  const result = await esbuild.build({
    entryPoints: [path.join(WEBUI_SRC, 'src', 'main.tsx')],
    absWorkingDir: root,
    tsconfig: path.join(WEBUI_SRC, 'tsconfig.json'),
    bundle: true,
    write: false,
    outdir: path.join(outDir, 'assets'),
    entryNames: 'app-[hash]',
    format: 'iife',
    platform: 'browser',
    // Current Chromium, Firefox and Safari (the UI uses AbortSignal.any, so nothing older runs it anyway).
    target: ['chrome120', 'firefox121', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });

  const assets: WebuiAssets = {};
  let js: string | undefined;
  let css: string | undefined;
  for (const file of result.outputFiles) {
    const urlPath = `/assets/${path.basename(file.path)}`;
    assets[urlPath] = { type: contentType(file.path), body: file.text };
    if (file.path.endsWith('.js')) js = urlPath;
    if (file.path.endsWith('.css')) css = urlPath;
  }
  if (!js || !css) throw new Error('web UI build produced no script or no stylesheet');

  const favicon = await readFile(path.join(WEBUI_SRC, 'favicon.svg'), 'utf8');
  const faviconPath = `/assets/${hashed('favicon.svg', favicon)}`;
  assets[faviconPath] = { type: contentType(faviconPath), body: favicon };

  // Relative references: the page also works when a proxy serves the master under a prefix.
  const template = await readFile(path.join(WEBUI_SRC, 'index.html'), 'utf8');
  const html = template.replace('%APP_JS%', `.${js}`).replace('%APP_CSS%', `.${css}`).replace('%FAVICON%', `.${faviconPath}`);
  if (html.includes('%')) throw new Error('webui/index.html has a placeholder the build does not fill');
  // A master serving this build from --webui_dir knows it by this mark and keeps its strict policy.
  if (!isOwnWebuiPage(html)) throw new Error(`webui/index.html lost its mark ${OWN_UI_MARKER}`);
  assets['/index.html'] = { type: contentType('index.html'), body: html };

  const size = gzippedSize(assets);
  if (size > WEBUI_GZIP_BUDGET) throw new Error(`web UI assets are ${size} bytes gzipped, over the ${WEBUI_GZIP_BUDGET}-byte budget`);

  await rm(outDir, { recursive: true, force: true });
  for (const [urlPath, asset] of Object.entries(assets)) {
    const file = path.join(outDir, ...urlPath.split('/').filter(Boolean));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, asset.body);
  }
  return assets;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWebui().then(
    (assets) => {
      const kb = (gzippedSize(assets) / 1024).toFixed(1);
      process.stdout.write(`${path.relative(root, WEBUI_OUT_DIR)}: ${Object.keys(assets).length} files, ${kb} KiB gzipped\n`);
    },
    (err: unknown) => {
      process.stderr.write(`web UI build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
