// Source2 of the SRPM: the dynamic loader and the C/C++ runtime the node binary links
// against, copied from the host that makes the SRPM, with their licence files. The EL7
// ("bundled") build installs them in /usr/lib64/mesos, because CentOS 7's glibc 2.17 is
// older than the 2.28 that Node needs.
import { copyFile, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { createTarball, listFiles } from './tarball.ts';

export interface LinkedLibrary {
  /** Name the binary asks for (DT_NEEDED), or the interpreter's file name. */
  soname: string;
  /** Where the host's loader found it. */
  path: string;
}

export interface LinkedLibraries {
  interpreter: LinkedLibrary;
  libraries: LinkedLibrary[];
}

/** Parses `ldd` output: `libx.so.1 => /path (0x...)` lines and the interpreter's `/path (0x...)`. */
export function parseLdd(output: string): LinkedLibraries {
  let interpreter: LinkedLibrary | undefined;
  const libraries: LinkedLibrary[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const needed = /^(\S+) => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (needed) {
      libraries.push({ soname: needed[1]!, path: needed[2]! });
      continue;
    }
    if (/=> not found/.test(line)) throw new Error(`the host lacks a library the binary needs: ${line}`);
    const interp = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (interp) interpreter = { soname: path.basename(interp[1]!), path: interp[1]! };
  }
  if (!interpreter) throw new Error('ldd output names no dynamic loader');
  // ldd lists the interpreter also as a DT_NEEDED entry when the binary asks for it by name.
  return { interpreter, libraries: libraries.filter((l) => l.soname !== interpreter!.soname) };
}

export interface RuntimeVersions {
  glibc: string;
  libstdcxx: string;
}

interface HostPackage {
  name: string;
  version: string;
  licenseFiles: string[];
}

async function dpkgOwner(file: string): Promise<HostPackage | undefined> {
  for (const candidate of [file, await realpath(file)]) {
    const found = await execa('dpkg-query', ['-S', candidate], { reject: false });
    if (found.exitCode !== 0) continue;
    const name = found.stdout.split('\n')[0]!.split(':')[0]!;
    // dpkg-query's own format syntax, not a template string.
    const format = '-f=$' + '{Version}';
    const version = (await execa('dpkg-query', ['-W', format, name])).stdout.trim();
    return { name, version, licenseFiles: [`/usr/share/doc/${name.replace(/:.*/, '')}/copyright`] };
  }
  return undefined;
}

async function rpmOwner(file: string): Promise<HostPackage | undefined> {
  const found = await execa('rpm', ['-qf', '--qf', '%{NAME} %{VERSION}\\n', await realpath(file)], { reject: false });
  if (found.exitCode !== 0) return undefined;
  const [name, version] = found.stdout.split('\n')[0]!.split(' ') as [string, string];
  const licenses = await execa('rpm', ['-qL', name], { reject: false });
  return { name, version, licenseFiles: licenses.stdout.split('\n').filter((l) => l.startsWith('/')) };
}

async function hostPackage(file: string): Promise<HostPackage> {
  const owner = (await dpkgOwner(file).catch(() => undefined)) ?? (await rpmOwner(file).catch(() => undefined));
  if (!owner) throw new Error(`cannot tell which host package owns ${file} (neither dpkg nor rpm knows it)`);
  return owner;
}

/** Upstream part of a distribution version: 12.2.0-14+deb12u1 -> 12.2.0, 1:2.36-9 -> 2.36. */
export function upstreamVersion(version: string): string {
  return version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

export async function hostRuntimeVersions(nodeBinary: string): Promise<RuntimeVersions> {
  const glibc = (await execa('getconf', ['GNU_LIBC_VERSION'])).stdout.trim().replace(/^glibc\s+/, '');
  const linked = parseLdd((await execa('ldd', [nodeBinary])).stdout);
  const libstdcxx = linked.libraries.find((l) => l.soname.startsWith('libstdc++'));
  if (!libstdcxx) throw new Error(`${nodeBinary} does not link libstdc++`);
  return { glibc, libstdcxx: upstreamVersion((await hostPackage(libstdcxx.path)).version) };
}

/**
 * Writes the runtime tarball: lib/<soname> for the loader and every library, licenses/ with
 * the owning packages' licence files, and VERSIONS. Returns the versions it holds.
 */
export async function buildRuntimeTarball(nodeBinary: string, output: string, stagingDir: string, mtime: number): Promise<RuntimeVersions> {
  const linked = parseLdd((await execa('ldd', [nodeBinary])).stdout);
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(path.join(stagingDir, 'lib'), { recursive: true });
  await mkdir(path.join(stagingDir, 'licenses'), { recursive: true });
  const packages = new Map<string, HostPackage>();
  for (const lib of [linked.interpreter, ...linked.libraries]) {
    await copyFile(await realpath(lib.path), path.join(stagingDir, 'lib', lib.soname));
    const owner = await hostPackage(lib.path);
    packages.set(owner.name, owner);
  }
  // libstdc++ and libgcc_s come from one source package and share their copyright file.
  const written = new Set<string>();
  for (const owner of [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const file of owner.licenseFiles) {
      const text = await readFile(file);
      if (written.has(text.toString('base64'))) continue;
      written.add(text.toString('base64'));
      await writeFile(path.join(stagingDir, 'licenses', `${owner.name.replace(/:.*/, '')}-${path.basename(file)}`), text);
    }
  }
  const versions = await hostRuntimeVersions(nodeBinary);
  const packageLines = [...packages.values()].map((p) => `${p.name} ${p.version}`).sort();
  await writeFile(
    path.join(stagingDir, 'VERSIONS'),
    `glibc ${versions.glibc}\nlibstdc++ ${versions.libstdcxx}\n# copied from these host packages:\n${packageLines.join('\n')}\n`,
  );
  const files = await listFiles(stagingDir, '.', () => false);
  await createTarball({
    cwd: stagingDir,
    files: files.map((f) => f.replace(/^\.\//, '')),
    output,
    mtime,
    compression: 'xz',
  });
  return versions;
}
