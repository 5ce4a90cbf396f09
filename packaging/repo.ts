// `npm run repo`: lays out rpms/ as yum/dnf repositories (one per target, named by the
// target's $releasever so that one mesos.repo serves both) plus the source repository.
//
//   rpms/README.md                  (committed; explains this)
//   rpms/mesos.repo                 baseurl=<base>/$releasever/$basearch/
//   rpms/7/x86_64/*.el7.*.rpm       CentOS 7 ("bundled" build) + repodata/
//   rpms/44/x86_64/*.fc44.*.rpm     Fedora 44 + repodata/
//   rpms/SRPMS/*.src.rpm            + repodata/
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { RPMS_DIR } from './paths.ts';
import { findFiles, TARGETS } from './rpmbuild.ts';
import { buildRpms, currentSrpm, type RpmSets } from './rpms.ts';
import { readSpec } from './spec-info.ts';
import { DEFAULT_WORK_DIR } from './srpm.ts';

export function repoFile(baseurl: string): string {
  const base = baseurl.replace(/\/+$/, '');
  return `# mesos-ts packages: copy this file to /etc/yum.repos.d/, then
#   yum install mesos python-mesos mesos-devel mesos-java
# $releasever picks the build for the distribution: 7 is the CentOS 7 ("bundled") build,
# 44 the Fedora 44 build. The packages are not signed.
[mesos]
name=mesos-ts $releasever - $basearch
baseurl=${base}/$releasever/$basearch/
enabled=1
gpgcheck=0
repo_gpgcheck=0
skip_if_unavailable=False

[mesos-source]
name=mesos-ts - Source
baseurl=${base}/SRPMS/
enabled=0
gpgcheck=0
repo_gpgcheck=0
`;
}

async function createrepo(dir: string, epoch: number): Promise<void> {
  // gzip metadata (the default of createrepo_c before 1.0) so EL7's yum reads it; a fixed
  // revision and timestamps make the metadata reproducible.
  await execa('createrepo_c', ['--quiet', '--general-compress-type=gz', `--revision=${epoch}`, '--set-timestamp-to-revision', dir]);
}

export interface RepoOptions {
  sets: RpmSets;
  srpm: string;
  repoDir?: string;
  /** URL the published tree is reachable at; file://<repoDir> by default. */
  baseurl?: string;
}

export async function makeRepo(options: RepoOptions): Promise<string> {
  const repoDir = options.repoDir ?? RPMS_DIR;
  const { releaseEpoch } = await readSpec();
  await mkdir(repoDir, { recursive: true });
  // Everything generated goes; the committed README stays.
  for (const entry of await readdir(repoDir)) {
    if (entry !== 'README.md') await rm(path.join(repoDir, entry), { recursive: true, force: true });
  }
  for (const target of TARGETS) {
    const dir = path.join(repoDir, target.releasever, 'x86_64');
    await mkdir(dir, { recursive: true });
    for (const rpm of options.sets[target.id]) await copyFile(rpm, path.join(dir, path.basename(rpm)));
    await createrepo(dir, releaseEpoch);
  }
  const srpms = path.join(repoDir, 'SRPMS');
  await mkdir(srpms, { recursive: true });
  await copyFile(options.srpm, path.join(srpms, path.basename(options.srpm)));
  await createrepo(srpms, releaseEpoch);
  await writeFile(path.join(repoDir, 'mesos.repo'), repoFile(options.baseurl ?? pathToFileURL(repoDir).href));
  return repoDir;
}

/** The RPM sets `npm run rpms` left in the work dir; built when missing. */
export async function currentRpmSets(srpm: string, workDir = DEFAULT_WORK_DIR): Promise<RpmSets> {
  const sets = {} as RpmSets;
  for (const target of TARGETS) {
    sets[target.id] = await findFiles(path.join(workDir, 'RPMS', target.id), '.rpm');
  }
  return TARGETS.every((t) => sets[t.id].length > 0) ? sets : buildRpms(srpm, workDir);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  (async () => {
    const srpm = await currentSrpm();
    const sets = await currentRpmSets(srpm);
    const dir = await makeRepo({ sets, srpm, baseurl: process.env['MESOS_REPO_BASEURL'] });
    process.stdout.write(`${path.relative(process.cwd(), dir)}/mesos.repo\n`);
  })().catch((err: unknown) => {
    process.stderr.write(`repo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
