// Bundles daemons/ into one CommonJS file (build/mesos.cjs): the input of the single executable,
// and what integration tests run with the host's node. CommonJS because Node's SEA loader runs
// a CommonJS main script.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildWebui } from './webui.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const BUNDLE_PATH = path.join(root, 'build', 'mesos.cjs');

/** esbuild's metafile of a bundle (which inputs went into it): packaging lists the npm packages it carries. */
export function metafilePath(outfile: string): string {
  return outfile.replace(/\.cjs$/, '') + '.meta.json';
}

export async function bundle(outfile = BUNDLE_PATH): Promise<string> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const { protoDescriptorJson } = await import('../daemons/common/proto/codec.ts');
  // The web UI goes inside the bundle: the master serves it with no files on disk.
  const webuiAssets = await buildWebui();
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'daemons', 'main.ts')],
    // Paths in the output are relative to this: the same bundle from any working directory.
    absWorkingDir: root,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
    define: {
      __MESOS_PROTO_DESCRIPTOR__: JSON.stringify(protoDescriptorJson()),
      __MESOS_WEBUI_ASSETS__: JSON.stringify(webuiAssets),
      'import.meta.url': '__filename_url',
    },
    banner: { js: "const __filename_url = require('node:url').pathToFileURL(__filename).href;" },
    // Optional native add-ons of dockerode's ssh transport; they are loaded in try/catch and
    // we never use ssh to reach Docker.
    external: ['cpu-features', '*.node'],
    metafile: true,
  });
  await writeFile(metafilePath(outfile), JSON.stringify(result.metafile));
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundle().then(
    (out) => process.stdout.write(`${path.relative(root, out)}\n`),
    (err: unknown) => {
      process.stderr.write(`bundle failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
