// Debian root file systems for the tests that install our RPMs (dnf --installroot) and boot
// them (systemd-nspawn), the way DESIGN.md section 5 measured it: debootstrap minbase plus a
// few packages, made once per package list and cached under test/.cache/packaging (a minute
// or so), then copied for each use.
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CACHE_ROOT, exists, withLock } from '../packaging/build-cache.ts';

/** What every root has: enough of systemd to run units, and nothing else. */
export const MINIMAL_PACKAGES = ['systemd', 'systemd-sysv'];

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

/**
 * Path of a pristine cached root with MINIMAL_PACKAGES plus `extra`; never install into it,
 * copy it (freshDebianRoot). `flavour` names the cache entry of that package list.
 */
export async function debianRoot(flavour = 'root', extra: string[] = []): Promise<string> {
  const codename = await suite();
  const dir = path.join(CACHE_ROOT, `debian-${codename}-${flavour}`);
  return withLock(`debian-${flavour}`, async () => {
    if (await exists(path.join(dir, '.complete'))) return dir;
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    const include = [...MINIMAL_PACKAGES, ...extra].join(',');
    await execa('debootstrap', ['--variant=minbase', `--include=${include}`, codename, partial, await aptMirror()], {
      stdout: 'ignore',
      stderr: 'pipe',
    });
    await execa('touch', [path.join(partial, '.complete')]);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    return dir;
  });
}

/** A copy of a root (by default the minimal cached one) at target, to install into. */
export async function freshDebianRoot(target: string, from?: string): Promise<string> {
  const pristine = from ?? (await debianRoot());
  await rm(target, { recursive: true, force: true });
  await execa('cp', ['-a', pristine, target]);
  return target;
}
