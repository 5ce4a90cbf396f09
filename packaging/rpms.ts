// `npm run rpms`: rebuilds the SRPM into binary RPMs for both targets (in parallel: each is
// mostly one single-threaded compressor). The result per target is a directory of RPMs.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineArgs, findFiles, rpmbuild, TARGETS, type Target } from './rpmbuild.ts';
import { readSpec } from './spec-info.ts';
import { buildSrpm, DEFAULT_WORK_DIR } from './srpm.ts';

export type RpmSets = Record<Target['id'], string[]>;

export function rebuildArgs(srpm: string, target: Target): string[] {
  return ['--rebuild', srpm, ...defineArgs(target.defines)];
}

/** Binary RPMs of one target, built from the SRPM into workDir/<target>/RPMS. */
export async function buildTarget(srpm: string, target: Target, workDir: string, epoch: number): Promise<string[]> {
  const topdir = path.join(workDir, target.id);
  await rm(topdir, { recursive: true, force: true });
  await rpmbuild({ args: rebuildArgs(srpm, target), topdir, epoch, log: path.join(workDir, 'logs', `${target.id}.log`) });
  const built = await findFiles(path.join(topdir, 'RPMS'), '.rpm');
  if (built.length === 0) throw new Error(`rpmbuild wrote no RPM for ${target.id}`);
  // rpmbuild's scratch trees are large (the buildroot holds the single executable twice).
  const out = path.join(workDir, 'RPMS', target.id);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const moved: string[] = [];
  for (const rpm of built) {
    const dest = path.join(out, path.basename(rpm));
    await rename(rpm, dest);
    moved.push(dest);
  }
  await rm(topdir, { recursive: true, force: true });
  return moved;
}

export async function buildRpms(srpm: string, workDir = DEFAULT_WORK_DIR): Promise<RpmSets> {
  const { releaseEpoch } = await readSpec();
  const sets = await Promise.all(TARGETS.map((t) => buildTarget(srpm, t, workDir, releaseEpoch)));
  return Object.fromEntries(TARGETS.map((t, i) => [t.id, sets[i]!])) as RpmSets;
}

/** The SRPM built by `npm run srpm`, or a new one when there is none. */
export async function currentSrpm(workDir = DEFAULT_WORK_DIR): Promise<string> {
  const { name, version } = await readSpec();
  const existing = (await findFiles(path.join(workDir, 'SRPMS'), '.src.rpm')).find((f) =>
    path.basename(f).startsWith(`${name}-${version}-`),
  );
  return existing ?? buildSrpm(workDir);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  currentSrpm()
    .then((srpm) => buildRpms(srpm))
    .then(
      (sets) => {
        for (const files of Object.values(sets)) {
          for (const f of files) process.stdout.write(`${path.relative(process.cwd(), f)}\n`);
        }
      },
      (err: unknown) => {
        process.stderr.write(`rpms: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
}
