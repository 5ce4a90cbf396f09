// The user's front door: `dnf install mesos python-mesos mesos-devel mesos-java` from the
// repository npm run dist writes, into a Debian root file system (dnf --installroot), then
// an upgrade that must keep an edited env file, then erasing everything.
//
// The Debian root's own libraries and tools were installed by dpkg, so rpm does not know
// them: a small fixture package (test/helpers/rpm-install.ts) stands for them.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { versionLine } from '../../daemons/common/version.ts';
import { TARGETS } from '../../packaging/rpmbuild.ts';
import { PACKAGES, dnfInstallroot, fixtureRepo, localRepo } from '../helpers/rpm-install.ts';
import { exists, isRoot, needsRoot, offlineRebuild, type PackagingBuild, packagingBuild } from './build-cache.ts';
import { freshDebianRoot } from './debian-root.ts';

const fedora = TARGETS.find((t) => t.id === 'fedora')!;
const skip = needsRoot('dnf --installroot and chroot');

let build: PackagingBuild;
let upgrade: string[];
let scratch: string;
let root: string;
const repos: Record<string, string> = {};

const dnf = (...args: string[]): Promise<string> => dnfInstallroot(root, repos, ...args);

const inRoot = (...args: string[]): Promise<{ stdout: string }> => execa('chroot', [root, ...args]);
const rootPath = (p: string): string => path.join(root, p);

before(async () => {
  if (!isRoot) return;
  build = await packagingBuild();
  upgrade = (await offlineRebuild(fedora)).rpms;
  scratch = await mkdtemp(path.join(tmpdir(), 'mesos-install-'));
  root = await freshDebianRoot(path.join(scratch, 'root'));
  repos['fixture'] = await fixtureRepo([...build.sets.fedora, ...upgrade], path.join(scratch, 'fixture'));
  repos['mesos'] = path.join(build.repoDir, fedora.releasever, 'x86_64');
});
after(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('dnf install, upgrade and erase in a Debian root', { skip }, () => {
  it('installs all four packages from the repository, dependencies resolved', async () => {
    await dnf('install', ...PACKAGES);
    const installed = (await execa('rpm', ['--root', root, '-q', ...PACKAGES])).stdout.split('\n');
    assert.deepEqual(
      installed,
      PACKAGES.map((p) => `${p}-0.1.0-1${fedora.defines['dist']}.${p === 'mesos' ? 'x86_64' : 'noarch'}`),
    );
  });

  it('leaves a runnable mesos, its user, directories, units and config', async () => {
    assert.equal((await inRoot('/usr/bin/mesos', '--version')).stdout, versionLine());
    assert.match((await inRoot('getent', 'passwd', 'mesos')).stdout, /^mesos:x:\d+:\d+:Mesos daemon account:\/var\/lib\/mesos:/);
    assert.equal((await inRoot('stat', '-c', '%U:%G %a', '/var/lib/mesos')).stdout, 'mesos:mesos 755');
    assert.equal((await inRoot('stat', '-c', '%U:%G %a', '/var/log/mesos')).stdout, 'mesos:mesos 755');
    for (const f of [
      '/usr/lib/systemd/system/mesos-master.service',
      '/usr/lib/systemd/system/mesos-slave.service',
      '/usr/lib/systemd/system/mesos-agent.service',
      '/etc/mesos/mesos-slave-env.sh',
      '/usr/include/mesos/v1/mesos.proto',
      '/usr/share/java/mesos/mesos.jar',
      '/usr/lib/python3.14/site-packages/mesos/__init__.py',
    ]) {
      assert.ok(await exists(rootPath(f)), f);
    }
    const verify = await execa(
      'chroot',
      [root, 'systemd-analyze', 'verify', '/usr/lib/systemd/system/mesos-master.service', '/usr/lib/systemd/system/mesos-slave.service'],
      { reject: false, all: true },
    );
    assert.equal(verify.exitCode, 0, verify.all);
  });

  it('keeps an edited mesos-slave-env.sh across an upgrade', async () => {
    const env = rootPath('etc/mesos/mesos-slave-env.sh');
    await appendFile(env, 'export MESOS_master=master.example.com:5050\n');
    const edited = await readFile(env, 'utf8');
    repos['mesos-upgrade'] = await localRepo(upgrade, path.join(scratch, 'upgrade'));
    await dnf('upgrade', ...PACKAGES);
    assert.equal((await execa('rpm', ['--root', root, '-q', 'mesos'])).stdout, `mesos-0.1.0-2${fedora.defines['dist']}.x86_64`);
    assert.equal(await readFile(env, 'utf8'), edited);
    assert.equal((await inRoot('/usr/bin/mesos', '--version')).stdout, versionLine());
  });

  it('erases the units and binaries, saving the edited config', async () => {
    await dnf('remove', ...PACKAGES);
    const query = await execa('rpm', ['--root', root, '-q', 'mesos'], { reject: false });
    assert.notEqual(query.exitCode, 0);
    for (const f of [
      '/usr/bin/mesos',
      '/usr/bin/mesos-master',
      '/usr/bin/mesos-slave',
      '/usr/lib/systemd/system/mesos-master.service',
      '/usr/lib/systemd/system/mesos-slave.service',
      '/usr/lib/systemd/system/mesos-agent.service',
      '/etc/systemd/system/multi-user.target.wants/mesos-slave.service',
      '/etc/mesos/mesos-master-env.sh',
      '/usr/share/java/mesos/mesos.jar',
      '/usr/lib/python3.14/site-packages/mesos',
      '/usr/include/mesos',
    ]) {
      assert.ok(!(await exists(rootPath(f))), `${f} is gone`);
    }
    const saved = await readFile(rootPath('etc/mesos/mesos-slave-env.sh.rpmsave'), 'utf8');
    assert.match(saved, /master\.example\.com:5050/);
  });
});
