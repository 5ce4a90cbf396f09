// `npm run binary`: the single executable build/mesos, a Node single-executable application
// (SEA). The bundle becomes a SEA blob, written by the very node that will run it (blobs are
// tied to a Node version), which postject injects into a copy of that node binary.
//
// For the EL7 "bundled" build the result also gets a new ELF interpreter and RPATH pointing
// at the private loader and libraries it ships with. That must come after postject: postject
// rewrites the dynamic string table and loses an RPATH set before it.
import { chmod, copyFile, cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { bundle, metafilePath, programsDir } from './bundle.ts';
import { bundledPackages, manifestText } from './bundled-packages.ts';
import { nodeRuntimeBinary, specNodeVersion } from './node-runtime.ts';
import { BUILD_DIR, ROOT } from './paths.ts';

/** The sentinel Node looks for to know it carries a SEA blob (fixed by Node, see its docs). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface BinaryOptions {
  /** node binary to embed; the official build for the spec's node_version by default. */
  runtime?: string;
  /** node that writes the blob; must be the same Node version as runtime. Default: runtime. */
  blobNode?: string;
  /** Bundle to embed; made by bundle() when absent. */
  input?: string;
  output?: string;
  /** ELF interpreter and RPATH to set (the bundled build's private loader and libraries). */
  interpreter?: string;
  rpath?: string;
  /** Where to write the list of npm packages inside the bundle. */
  manifest?: string;
}

/**
 * V8 options the binary always runs with. A young generation of 8 MB semi-spaces instead of 16:
 * the master's survivors (task records live for the task's life) make each scavenge copy a lot,
 * and on a large cluster those pauses are the tail of the offer cycle. Smaller semi-spaces give
 * shorter pauses, a lower offer-cycle p99 and no more master CPU per task (the interleaved runs
 * that show it are in docs/benchmarks-log.md).
 */
export const SEA_EXEC_ARGV = ['--max-semi-space-size=8'];

/**
 * The SEA configuration. No code cache (V8's cache differs from run to run, so the output
 * would not be reproducible) and no startup snapshot (it needs a main written for it).
 * `execArgvExtension: 'cli'`: the binary can start itself with other V8 options
 * (`--node-options=...`, see selfCommand), and a NODE_OPTIONS in a user's environment does not
 * change how the daemons run.
 */
export function seaConfig(main: string, blob: string, assets: Record<string, string> = {}): Record<string, unknown> {
  return {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    useSnapshot: false,
    execArgv: SEA_EXEC_ARGV,
    execArgvExtension: 'cli',
    assets,
  };
}

async function postject(binary: string, blob: string): Promise<void> {
  const cli = path.join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  // postject prints progress and LIEF's harmless "Can't find string offset" warnings; show
  // them only when it fails.
  const result = await execa(process.execPath, [cli, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`postject failed:\n${result.all}`);
}

export async function buildBinary(options: BinaryOptions = {}): Promise<string> {
  const runtime = options.runtime ?? (await nodeRuntimeBinary(await specNodeVersion()));
  const blobNode = options.blobNode ?? runtime;
  const output = path.resolve(options.output ?? path.join(BUILD_DIR, 'mesos'));
  const work = path.join(path.dirname(output), 'sea');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });

  // The blob records the main script's path as written in the config: a relative one keeps
  // the output independent of where it is built.
  const input = path.join(work, 'mesos.cjs');
  if (options.input) {
    await copyFile(options.input, input);
    await copyFile(metafilePath(options.input), metafilePath(input)).catch(() => undefined);
    await cp(programsDir(options.input), programsDir(input), { recursive: true }).catch(() => undefined);
  } else {
    await bundle(input);
  }
  // The programs the bundle loads on demand travel as assets, named as bundle.ts names them.
  const programs = await readdir(programsDir(input)).catch(() => [] as string[]);
  const assets = Object.fromEntries(programs.sort().map((name) => [name, path.join(path.basename(programsDir(input)), name)]));
  const blob = path.join(work, 'mesos.blob');
  const config = path.join(work, 'sea-config.json');
  await writeFile(config, JSON.stringify(seaConfig(path.basename(input), path.basename(blob), assets)));
  await execa(blobNode, ['--experimental-sea-config', path.basename(config)], { cwd: work });

  const partial = `${output}.partial`;
  await copyFile(runtime, partial);
  await chmod(partial, 0o755);
  await postject(partial, blob);
  if (options.interpreter || options.rpath) {
    const args: string[] = [];
    if (options.interpreter) args.push('--set-interpreter', options.interpreter);
    // DT_RPATH, not RUNPATH: searched before LD_LIBRARY_PATH and for indirect dependencies.
    if (options.rpath) args.push('--force-rpath', '--set-rpath', options.rpath);
    await execa('patchelf', [...args, partial]);
  }
  await rename(partial, output);

  if (options.manifest) {
    const packages = await bundledPackages(metafilePath(input), ROOT);
    const version = (await execa(blobNode, ['--version'])).stdout.trim().replace(/^v/, '');
    await mkdir(path.dirname(path.resolve(options.manifest)), { recursive: true });
    await writeFile(options.manifest, manifestText(packages, version));
  }
  return output;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runtime: { type: 'string' },
      'blob-node': { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      interpreter: { type: 'string' },
      rpath: { type: 'string' },
      manifest: { type: 'string' },
    },
    strict: true,
  });
  const output = await buildBinary({
    runtime: values.runtime,
    blobNode: values['blob-node'],
    input: values.input,
    output: values.output,
    interpreter: values.interpreter,
    rpath: values.rpath,
    manifest: values.manifest,
  });
  // A binary for this host must start; one with a foreign interpreter is checked by its user.
  if (!values.interpreter) {
    const { stdout } = await execa(output, ['--version']);
    process.stdout.write(`${path.relative(process.cwd(), output)}: ${stdout.trim()}\n`);
  } else {
    process.stdout.write(`${path.relative(process.cwd(), output)}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`binary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
