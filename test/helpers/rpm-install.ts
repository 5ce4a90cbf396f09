// Installing our RPMs into a Debian root with the host's dnf (--installroot), as the guide's
// `yum install` does on a Fedora host.
//
// The Debian root's own libraries and tools were installed by dpkg, so rpm does not know
// them: a small fixture package stands for them, and for the Python 3.14 and Java runtime
// that the noarch clients need and Debian lacks (nothing in the tests runs Python or Java
// from these packages).
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FEDORA_RELEASE } from '../../packaging/rpmbuild.ts';
import { rpmQuery } from '../packaging/build-cache.ts';

/** The guide's `yum install mesos python-mesos mesos-devel mesos-java`. */
export const PACKAGES = ['mesos', 'python-mesos', 'mesos-devel', 'mesos-java'];

/**
 * A repository holding one noarch package that provides what the given packages require
 * from outside themselves.
 */
export async function fixtureRepo(packages: string[], dir: string): Promise<string> {
  const requires = new Set<string>();
  const provided = new Set<string>();
  for (const file of packages) {
    for (const r of (await rpmQuery(file, '-R')).split('\n')) requires.add(r.trim());
    for (const p of (await rpmQuery(file, '--provides')).split('\n')) provided.add(p.replace(/ = .*/, '').trim());
  }
  const provides = [...requires]
    .filter((r) => r !== '' && !r.startsWith('rpmlib(') && !provided.has(r.replace(/ [<>=]+ .*/, '')))
    .map((r) => r.replace(/ >= /, ' = '))
    .sort();
  const spec = [
    'Name: debian-root-provides',
    'Version: 1',
    'Release: 1',
    'Summary: What the Debian test root has (or stands in for) outside the rpm database',
    'License: MIT',
    'BuildArch: noarch',
    ...provides.map((p) => `Provides: ${p}`),
    '%description',
    'Test fixture for the mesos-ts packaging tests.',
    '%files',
    '',
  ].join('\n');
  const top = path.join(dir, 'rpmbuild');
  await mkdir(top, { recursive: true });
  await writeFile(path.join(dir, 'fixture.spec'), spec);
  await execa('rpmbuild', ['-bb', path.join(dir, 'fixture.spec'), '--nodeps', '--define', `_topdir ${top}`]);
  const repo = path.join(dir, 'repo');
  await mkdir(repo, { recursive: true });
  await execa('sh', ['-c', 'cp "$1"/RPMS/noarch/*.rpm "$2"/', 'sh', top, repo]);
  await execa('createrepo_c', ['--quiet', repo]);
  return repo;
}

/** A repository (createrepo_c) of the given RPM files, copied into dir. */
export async function localRepo(rpms: string[], dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const rpm of rpms) await copyFile(rpm, path.join(dir, path.basename(rpm)));
  await execa('createrepo_c', ['--quiet', dir]);
  return dir;
}

/**
 * dnf on the host with --installroot=root, reading only the given repositories (name -> dir);
 * asserts it succeeded and returns its output.
 */
export async function dnfInstallroot(root: string, repos: Record<string, string>, ...args: string[]): Promise<string> {
  const repoArgs = Object.entries(repos).flatMap(([name, dir]) => ['--repofrompath', `${name},file://${dir}`]);
  const result = await execa(
    'dnf',
    [
      `--installroot=${root}`,
      `--releasever=${FEDORA_RELEASE}`,
      '--setopt=reposdir=/nonexistent',
      '--setopt=install_weak_deps=False',
      '--nogpgcheck',
      '--assumeyes',
      ...repoArgs,
      ...args,
    ],
    { reject: false, all: true },
  );
  assert.equal(result.exitCode, 0, result.all);
  return result.all;
}
