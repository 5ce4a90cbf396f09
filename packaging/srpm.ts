// `npm run srpm`: checks that spec/mesos.spec agrees with the project (version, bundled npm
// packages, pinned runtimes), writes the Sources and builds the source RPM with rpmbuild -bs.
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, metafilePath } from './bundle.ts';
import { type BundledPackage, bundledPackages } from './bundled-packages.ts';
import { BUILD_DIR, ROOT, SPEC_FILE } from './paths.ts';
import { findFiles, rpmbuild } from './rpmbuild.ts';
import { readSpec, type SpecInfo } from './spec-info.ts';
import { writeSources } from './sources.ts';

/** Scratch directory of the packaging steps: build/rpmbuild by default, a test cache in tests. */
export const DEFAULT_WORK_DIR = path.join(BUILD_DIR, 'rpmbuild');

/**
 * The spec's `Provides: bundled(npm(...))` lines must name exactly the project's direct
 * dependencies that are in the bundle, at their installed versions. Returns the problems.
 */
export function bundledProvidesProblems(
  declared: Record<string, string>,
  bundled: BundledPackage[],
  directDependencies: string[],
): string[] {
  const expected = new Map(bundled.filter((p) => directDependencies.includes(p.name)).map((p) => [p.name, p.version]));
  const problems: string[] = [];
  for (const [name, version] of expected) {
    if (declared[name] !== version) problems.push(`want 'Provides:       bundled(npm(${name})) = ${version}'`);
  }
  for (const name of Object.keys(declared)) {
    if (!expected.has(name)) problems.push(`drop 'bundled(npm(${name}))': it is not in the bundle`);
  }
  return problems;
}

async function checkSpec(spec: SpecInfo, workDir: string): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
  if (pkg.version !== spec.version) {
    throw new Error(`package.json has version ${pkg.version} but spec/mesos.spec has Version: ${spec.version}`);
  }
  const probe = await bundle(path.join(workDir, 'check', 'mesos.cjs'));
  const problems = bundledProvidesProblems(
    spec.bundledNpm,
    await bundledPackages(metafilePath(probe), ROOT),
    Object.keys(pkg.dependencies ?? {}),
  );
  if (problems.length > 0) throw new Error(`spec/mesos.spec is out of date:\n  ${problems.join('\n  ')}`);
}

/** Builds the SRPM into workDir/SRPMS and returns its path. */
export async function buildSrpm(workDir = DEFAULT_WORK_DIR): Promise<string> {
  const spec = await readSpec();
  await checkSpec(spec, workDir);
  const topdir = path.join(workDir, 'srpm');
  await rm(topdir, { recursive: true, force: true });
  const sources = path.join(topdir, 'SOURCES');
  await writeSources(spec, sources);
  // Units, env files and tmpfiles come from the tarball; the spec is the SRPM's own.
  await mkdir(path.join(topdir, 'SPECS'), { recursive: true });
  const specCopy = path.join(topdir, 'SPECS', path.basename(SPEC_FILE));
  await copyFile(SPEC_FILE, specCopy);
  await rpmbuild({
    args: ['-bs', specCopy, '--define', `_sourcedir ${sources}`, '--define', `_srcrpmdir ${path.join(workDir, 'SRPMS')}`],
    topdir,
    epoch: spec.releaseEpoch,
    log: path.join(workDir, 'logs', 'srpm.log'),
  });
  const srpm = (await findFiles(path.join(workDir, 'SRPMS'), '.src.rpm')).find((f) =>
    path.basename(f).startsWith(`${spec.name}-${spec.version}-`),
  );
  if (!srpm) throw new Error(`rpmbuild -bs wrote no ${spec.name}-${spec.version} SRPM into ${workDir}/SRPMS`);
  return srpm;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildSrpm().then(
    (srpm) => process.stdout.write(`${path.relative(process.cwd(), srpm)}\n`),
    (err: unknown) => {
      process.stderr.write(`srpm: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
