// A Debian root file system to install the RPMs into with dnf --installroot, the way
// DESIGN.md section 5 measured it: debootstrap minbase with systemd, made once and cached
// in test/.cache/packaging (about a minute), then copied for each use.
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CACHE_ROOT, exists, withLock } from './build-cache.ts';

/** The mirror apt uses here (the Debian archive is one of the registries this host reaches). */
async function aptMirror(): Promise<string> {
  if (process.env['MESOS_TEST_DEBIAN_MIRROR']) return process.env['MESOS_TEST_DEBIAN_MIRROR'];
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const m = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s/m.exec(text);
    if (m) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

async function suite(): Promise<string> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^VERSION_CODENAME=(\w+)$/m.exec(osRelease)?.[1] ?? 'bookworm';
}

/** Path of the pristine cached root; never install into it, use freshDebianRoot(). */
export async function debianRoot(): Promise<string> {
  const codename = await suite();
  const dir = path.join(CACHE_ROOT, `debian-${codename}-root`);
  return withLock('debian-root', async () => {
    if (await exists(path.join(dir, '.complete'))) return dir;
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await execa(
      'debootstrap',
      ['--variant=minbase', '--include=systemd,systemd-sysv', codename, partial, await aptMirror()],
      { stdout: 'ignore', stderr: 'pipe' },
    );
    await execa('touch', [path.join(partial, '.complete')]);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    return dir;
  });
}

/** A copy of the cached root at target, to install into. */
export async function freshDebianRoot(target: string): Promise<string> {
  const pristine = await debianRoot();
  await rm(target, { recursive: true, force: true });
  await execa('cp', ['-a', pristine, target]);
  return target;
}
