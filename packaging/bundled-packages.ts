// Which npm packages ended up inside the bundle, from esbuild's metafile: the package
// ships them, so it must say so (the bundled-npm-packages.txt doc file and the spec's
// `Provides: bundled(npm(...))` lines).
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
}

/** The package directory (relative to the bundle's working dir) each input path lives in. */
export function packageDirOf(input: string): string | undefined {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : undefined;
}

export function packageDirs(metafile: { inputs: Record<string, unknown> }): string[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const dir = packageDirOf(input);
    if (dir) dirs.add(dir);
  }
  return [...dirs].sort();
}

export async function bundledPackages(metafileFile: string, cwd: string): Promise<BundledPackage[]> {
  const metafile = JSON.parse(await readFile(metafileFile, 'utf8')) as { inputs: Record<string, unknown> };
  const seen = new Map<string, BundledPackage>();
  for (const dir of packageDirs(metafile)) {
    const pkg = JSON.parse(await readFile(path.join(cwd, dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      license?: string;
      /** The old form, still used by some packages (ssh2). */
      licenses?: { type?: string }[];
    };
    const license = pkg.license ?? pkg.licenses?.map((l) => l.type).join(' OR ') ?? 'UNKNOWN';
    seen.set(`${pkg.name}@${pkg.version}`, { name: pkg.name, version: pkg.version, license });
  }
  return [...seen.values()].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1));
}

export function manifestText(packages: BundledPackage[], nodeVersion: string): string {
  const lines = packages.map((p) => `${p.name} ${p.version} (${p.license})`);
  return [
    '# Software inside /usr/bin/mesos besides mesos-ts itself.',
    `# Node.js ${nodeVersion} runtime (MIT; see its LICENSE, installed as LICENSE.nodejs).`,
    '# npm packages bundled into the application, name version (license):',
    ...lines,
    '',
  ].join('\n');
}
