// Running rpmbuild the same way everywhere: a private _topdir, UTC, the release date as
// SOURCE_DATE_EPOCH, output to a log file.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** The two builds of the one spec. */
export interface Target {
  id: 'fedora' | 'el7';
  /** $releasever of the distribution it is for: the repository directory name. */
  releasever: string;
  /** Name of the mock config in mock/ that builds it. */
  mockConfig: string;
  /**
   * What that distribution's own macros say, for rpmbuild on another host (CI's Debian):
   * the dist tag, and the Python the noarch python-mesos is for. mock/rebuild holds the
   * same values for its clean room.
   */
  defines: Record<string, string>;
}

/** The Fedora release the Fedora build is for (dist tag, Python 3.14, mock config). */
export const FEDORA_RELEASE = '44';

export const TARGETS: Target[] = [
  {
    id: 'fedora',
    releasever: FEDORA_RELEASE,
    mockConfig: `fedora-${FEDORA_RELEASE}-x86_64`,
    defines: {
      dist: `.fc${FEDORA_RELEASE}`,
      fedora: FEDORA_RELEASE,
      python3_sitelib: '/usr/lib/python3.14/site-packages',
    },
  },
  {
    id: 'el7',
    releasever: '7',
    mockConfig: 'epel-7-x86_64',
    defines: {
      dist: '.el7',
      el7: '1',
      rhel: '7',
      bundled: '1',
      python3_sitelib: '/usr/lib/python3.6/site-packages',
    },
  },
];

export function defineArgs(defines: Record<string, string>): string[] {
  return Object.entries(defines).flatMap(([name, value]) => ['--define', `${name} ${value}`]);
}

/**
 * Whether rpmbuild can check BuildRequires here. On an RPM distribution it can; on Debian
 * (CI) the rpm database is empty while the tools come from apt, so builds pass --nodeps and
 * packaging/host-prereqs.sh is what provides the build dependencies.
 */
export async function rpmDatabaseKnowsBuildTools(): Promise<boolean> {
  const result = await execa('rpm', ['-q', '--quiet', 'rpm-build'], { reject: false });
  return result.exitCode === 0;
}

/**
 * The whole environment of an rpmbuild: nothing from the caller's (a PYTHON* or NODE_*
 * variable, a ~/.rpmmacros) may change what it builds. The same as mock/rebuild's clean room.
 */
export function rpmEnv(epoch: number, home: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: home,
    TZ: 'UTC',
    LC_ALL: 'C',
    SOURCE_DATE_EPOCH: String(epoch),
  };
}

export interface RpmbuildRun {
  args: string[];
  topdir: string;
  epoch: number;
  log: string;
}

export async function rpmbuild(run: RpmbuildRun): Promise<void> {
  await mkdir(path.dirname(run.log), { recursive: true });
  const nodeps = (await rpmDatabaseKnowsBuildTools()) ? [] : ['--nodeps'];
  const args = [...run.args, ...nodeps, '--define', `_topdir ${run.topdir}`];
  const log = createWriteStream(run.log);
  log.write(`$ rpmbuild ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  const home = path.join(run.topdir, 'home');
  await mkdir(home, { recursive: true });
  const child = execa('rpmbuild', args, {
    env: rpmEnv(run.epoch, home),
    extendEnv: false,
    reject: false,
    all: true,
    buffer: false,
  });
  child.all?.pipe(log);
  const result = await child;
  await new Promise((resolve) => log.end(resolve));
  if (result.exitCode !== 0) {
    const tail = (await readFile(run.log, 'utf8')).split('\n').slice(-40).join('\n');
    throw new Error(`rpmbuild failed (exit ${result.exitCode}); log: ${run.log}\n${tail}`);
  }
}

/** Files under dir (recursively) whose names end with suffix, sorted. */
export async function findFiles(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith(suffix)) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}
