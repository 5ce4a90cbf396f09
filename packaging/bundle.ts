// Bundles daemons/ into one CommonJS file (build/mesos.cjs): the input of the single executable,
// and what integration tests run with the host's node. CommonJS because Node's SEA loader runs
// a CommonJS main script.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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

/** Directory of the program bundles that go with a bundle: build/mesos.programs/ for build/mesos.cjs. */
export function programsDir(outfile: string): string {
  return `${outfile.replace(/\.cjs$/, '')}.programs`;
}

/** Loads a program bundle: an asset of the single executable, or a file beside the bundle under node. */
function programLoader(dirName: string): string {
  return `const { compileFunction } = require('node:vm');
module.exports = function loadProgram(name) {
  const sea = require('node:sea');
  const code = sea.isSea()
    ? sea.getAsset(name, 'utf8')
    : require('node:fs').readFileSync(require('node:path').join(__dirname, ${JSON.stringify(dirName)}, name), 'utf8');
  const mod = { exports: {} };
  compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: 'mesos:' + name })(
    mod.exports, require, mod, __filename, __dirname);
  return mod.exports;
};`;
}

/** File name of the program bundle made from a module: daemons/master/main.ts -> daemons-master-main.cjs. */
export function programName(modulePath: string): string {
  return `${path
    .relative(root, modulePath)
    .replace(/\.[cm]?[jt]s$/, '')
    .replace(/[\\/]/g, '-')}.cjs`;
}

/**
 * Each module the entry loads with import() (the programs: master, agent, execute, ...)
 * becomes a bundle of its own, compiled only when it is loaded. V8 scans all of a script it
 * compiles, even the functions it compiles lazily, so as one script every program's code would
 * be scanned at every start-up (`mesos --version` included). The program bundles are files
 * beside the main one, and assets of the single executable (binary.ts). Each is
 * self-contained; a process runs one program.
 */
function lazyPrograms(
  options: esbuild.BuildOptions,
  outDir: string,
  inputs: esbuild.Metafile['inputs'],
  /** The name the programs' directory will have beside the bundle (outDir may be a temporary one). */
  dirName: string,
): esbuild.Plugin {
  return {
    name: 'lazy-programs',
    setup(build) {
      // The path is relative: esbuild prints it into the bundle, which must not depend on
      // where it is built.
      build.onResolve({ filter: /^\.\.?\// }, (args) =>
        args.kind === 'dynamic-import'
          ? { path: path.relative(root, path.resolve(args.resolveDir, args.path)), namespace: 'lazy-program' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'lazy-program' }, async (args) => {
        const modulePath = path.join(root, args.path);
        const name = programName(modulePath);
        const program = await esbuild.build({
          ...options,
          entryPoints: [modulePath],
          outfile: path.join(outDir, name),
          metafile: true,
        });
        Object.assign(inputs, program.metafile.inputs);
        return {
          contents: `module.exports = require('mesos-program-loader')(${JSON.stringify(name)});`,
          resolveDir: root,
          loader: 'js',
        };
      });
      build.onResolve({ filter: /^mesos-program-loader$/ }, () => ({ path: 'loader', namespace: 'lazy-program-loader' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-program-loader' }, () => ({
        contents: programLoader(dirName),
        loader: 'js',
      }));
    },
  };
}

/**
 * protobufjs uses the `long` package when it can load it; ours never needs it (64-bit fields
 * are JS numbers in our JSON shapes), and loading it compiles a WebAssembly module at every
 * start of `mesos execute`. protobufjs falls back to numbers without it.
 */
const withoutLongJs: esbuild.Plugin = {
  name: 'without-long-js',
  setup(build) {
    build.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'without-long-js' }));
    build.onLoad({ filter: /.*/, namespace: 'without-long-js' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
  },
};

export async function bundle(outfile = BUNDLE_PATH): Promise<string> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const { protoDescriptorJson } = await import('../daemons/common/proto/codec.ts');
  // The web UI goes inside the bundle: the master serves it with no files on disk.
  const webuiAssets = await buildWebui();
  const options: esbuild.BuildOptions = {
    // Paths in the output are relative to this: the same bundle from any working directory.
    absWorkingDir: root,
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
      __MESOS_PROTO_DESCRIPTOR__: JSON.stringify(JSON.stringify(protoDescriptorJson())),
      __MESOS_WEBUI_ASSETS__: JSON.stringify(webuiAssets),
      'import.meta.url': '__filename_url',
    },
    banner: { js: "const __filename_url = require('node:url').pathToFileURL(__filename).href;" },
    // Optional native add-ons of dockerode's ssh transport; they are loaded in try/catch and
    // we never use ssh to reach Docker.
    external: ['cpu-features', '*.node'],
    plugins: [withoutLongJs],
  };
  const programInputs: esbuild.Metafile['inputs'] = {};
  const programs = programsDir(outfile);
  // Build beside the old bundle and swap it in at the end: daemons and tests running the old
  // one keep finding their program files.
  const tmpPrograms = `${programs}.new-${process.pid}`;
  const tmpOutfile = `${outfile}.new-${process.pid}`;
  await rm(tmpPrograms, { recursive: true, force: true });
  const result = await esbuild.build({
    ...options,
    entryPoints: [path.join(root, 'daemons', 'main.ts')],
    outfile: tmpOutfile,
    metafile: true,
    plugins: [withoutLongJs, lazyPrograms(options, tmpPrograms, programInputs, path.basename(programs))],
  });
  const oldPrograms = `${programs}.old-${process.pid}`;
  await rename(programs, oldPrograms).catch(() => undefined);
  await rename(tmpPrograms, programs);
  await rename(tmpOutfile, outfile);
  await rm(oldPrograms, { recursive: true, force: true });
  // The metafile lists what went in, the programs' modules included (packaging lists the npm
  // packages the executable carries from it).
  Object.assign(result.metafile.inputs, programInputs);
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
