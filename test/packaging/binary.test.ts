// The executable as the packages install it: it runs from the extracted payload, answers to
// its link names, prints no SEA warning, and the EL7 build runs inside an empty chroot
// holding nothing but the package's own files.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { versionLine } from '../../daemons/common/version.ts';
import { byName, extractPayload, needsRoot, type PackagingBuild, packagingBuild } from './build-cache.ts';

let build: PackagingBuild;
const scratch = await mkdtemp(path.join(tmpdir(), 'mesos-binary-'));
const payload = { fedora: path.join(scratch, 'fedora'), el7: path.join(scratch, 'el7') };

before(async () => {
  build = await packagingBuild();
  for (const id of ['fedora', 'el7'] as const) {
    const mesos = (await byName(build.sets[id])).get('mesos')!;
    await extractPayload(mesos, payload[id]);
  }
});
after(() => rm(scratch, { recursive: true, force: true }));

describe('the Fedora executable', () => {
  it('prints the version, and nothing on stderr', async () => {
    const result = await execa(path.join(payload.fedora, 'usr/bin/mesos'), ['--version']);
    assert.equal(result.stdout, versionLine());
    assert.equal(result.stderr, '');
  });

  it('dispatches on the name it is invoked by', async () => {
    const help = async (name: string): Promise<string> => {
      const { stdout, stderr } = await execa(path.join(payload.fedora, 'usr/bin', name), ['--help'], { reject: false });
      return stdout + stderr;
    };
    const mesos = await help('mesos');
    const master = await help('mesos-master');
    const agent = await help('mesos-agent');
    const slave = await help('mesos-slave');
    const execute = await help('mesos-execute');
    assert.match(master, /mesos-master/);
    assert.match(agent, /mesos-agent/);
    assert.match(slave, /mesos-slave/);
    assert.match(execute, /mesos[- ]execute/);
    assert.notEqual(master, agent);
    assert.notEqual(master, mesos);
    assert.notEqual(execute, mesos);
    assert.equal(slave.replaceAll('mesos-slave', 'mesos-agent'), agent, 'mesos-slave is mesos-agent');
  });

  it('takes Node options from --node-options (the agent starts its task supervisor so)', async () => {
    const runtimeDir = path.join(scratch, 'supervisor-run');
    const result = await execa(
      path.join(payload.fedora, 'usr/bin/mesos'),
      ['--node-options=--max-semi-space-size=1', 'supervisor', `--runtime_dir=${runtimeDir}`, '--idle_timeout=1secs'],
      { timeout: 30_000 },
    );
    assert.match(result.stderr, /^supervisor: pid \d+ serving .*; Node options: --max-semi-space-size=8 --max-semi-space-size=1$/m);
  });

  it('uses the system loader and no RPATH', async () => {
    const binary = path.join(payload.fedora, 'usr/bin/mesos');
    assert.equal((await execa('patchelf', ['--print-interpreter', binary])).stdout, '/lib64/ld-linux-x86-64.so.2');
    assert.equal((await execa('patchelf', ['--print-rpath', binary])).stdout, '');
  });
});

describe('the EL7 ("bundled") executable', () => {
  it('starts through the private loader and libraries', async () => {
    const binary = path.join(payload.el7, 'usr/bin/mesos');
    assert.equal((await execa('patchelf', ['--print-interpreter', binary])).stdout, '/usr/lib64/mesos/ld-linux-x86-64.so.2');
    assert.equal((await execa('patchelf', ['--print-rpath', binary])).stdout, '/usr/lib64/mesos');
    // Without root, the same loader started by hand on the extracted tree.
    const lib = path.join(payload.el7, 'usr/lib64/mesos');
    const { stdout } = await execa(path.join(lib, 'ld-linux-x86-64.so.2'), ['--library-path', lib, binary, '--version']);
    assert.equal(stdout, versionLine());
  });

  it('runs in an empty chroot holding only the package files', { skip: needsRoot('chroot') }, async () => {
    const root = payload.el7;
    const version = await execa('chroot', [root, '/usr/bin/mesos', '--version']);
    assert.equal(version.stdout, versionLine());
    assert.equal(version.stderr, '');
    const execute = await execa('chroot', [root, '/usr/bin/mesos-execute', '--help'], { reject: false });
    assert.match(execute.stdout + execute.stderr, /mesos[- ]execute/);
    // The chroot really is empty: the Fedora build, which needs the system's libraries,
    // cannot start in it.
    const fedoraBinary = path.join(payload.fedora, 'usr/bin/mesos');
    await execa('cp', [fedoraBinary, path.join(root, 'usr/bin/mesos-systemlibs')]);
    const bare = await execa('chroot', [root, '/usr/bin/mesos-systemlibs', '--version'], { reject: false });
    assert.notEqual(bare.exitCode, 0);
  });
});
