// The packaging's building blocks on small inputs: dependency closure, tarballs and jars that
// come out the same every time, the ldd parser, the repository file.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { seaConfig } from '../../packaging/binary.ts';
import { programName, programsDir } from '../../packaging/bundle.ts';
import { packageDirOf } from '../../packaging/bundled-packages.ts';
import { dosDateTime, jarOrder, writeJar } from '../../packaging/jar.ts';
import { ROOT } from '../../packaging/paths.ts';
import { repoFile } from '../../packaging/repo.ts';
import { parseLdd, upstreamVersion } from '../../packaging/runtime-libs.ts';
import { isShipped } from '../../packaging/sources.ts';
import { byteOrder, createTarball } from '../../packaging/tarball.ts';
import { type Lockfile, resolveFrom, vendoredPackages } from '../../packaging/vendor.ts';

const scratch = await mkdtemp(path.join(tmpdir(), 'mesos-packaging-'));
after(() => rm(scratch, { recursive: true, force: true }));

const linux = { os: 'linux', cpu: 'x64' };

describe('vendored node_modules', () => {
  const lock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { app: '^1' } },
      'node_modules/app': { version: '1.0.0', dependencies: { shared: '^1', nested: '^2' } },
      'node_modules/shared': { version: '1.0.0' },
      'node_modules/nested': { version: '1.0.0' },
      'node_modules/app/node_modules/nested': { version: '2.0.0', optionalDependencies: { 'bin-linux': '1', 'bin-win': '1' } },
      'node_modules/bin-linux': { version: '1.0.0', os: ['linux'], cpu: ['x64'] },
      'node_modules/bin-win': { version: '1.0.0', os: ['win32'] },
      'node_modules/unused': { version: '1.0.0' },
    },
  };

  it('resolves like Node: nearest node_modules first', () => {
    assert.equal(resolveFrom(lock, 'node_modules/app', 'nested'), 'node_modules/app/node_modules/nested');
    assert.equal(resolveFrom(lock, 'node_modules/app/node_modules/nested', 'shared'), 'node_modules/shared');
    assert.equal(resolveFrom(lock, '', 'missing'), undefined);
  });

  it('takes the closure of the roots for this platform only', () => {
    assert.deepEqual(vendoredPackages(lock, ['app'], linux), [
      'node_modules/app',
      'node_modules/app/node_modules/nested',
      'node_modules/bin-linux',
      'node_modules/shared',
    ]);
  });

  it('fails on a required package the lockfile lacks', () => {
    assert.throws(() => vendoredPackages(lock, ['nothere'], linux), /not in package-lock.json/);
  });

  it('covers what %build runs, from the real lockfile', async () => {
    const real = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    const roots = [...Object.keys(real.packages['']?.dependencies ?? {}), 'esbuild', 'tsx', 'postject'];
    const dirs = vendoredPackages(real, roots, linux);
    for (const tool of ['node_modules/esbuild', 'node_modules/@esbuild/linux-x64', 'node_modules/tsx', 'node_modules/postject']) {
      assert.ok(dirs.includes(tool), tool);
    }
    assert.ok(!dirs.includes('node_modules/typescript'), 'the type checker is not vendored');
    assert.ok(!dirs.some((d) => d.includes('@biomejs')), 'the linter is not vendored');
  });

  it('ships project sources but not tests or build output', () => {
    assert.ok(isShipped('daemons/main.ts'));
    assert.ok(isShipped('spec/mesos.spec'));
    for (const f of ['test/unit/x.test.ts', 'build/mesos', 'rpms/README.md', 'node_modules/x/y.js', '.git/HEAD']) {
      assert.ok(!isShipped(f), f);
    }
  });

  it('maps bundled inputs to their package directories', () => {
    assert.equal(packageDirOf('node_modules/express/lib/express.js'), 'node_modules/express');
    assert.equal(packageDirOf('node_modules/@pinojs/redact/index.js'), 'node_modules/@pinojs/redact');
    assert.equal(packageDirOf('node_modules/a/node_modules/b/x.js'), 'node_modules/a/node_modules/b');
    assert.equal(packageDirOf('daemons/main.ts'), undefined);
  });
});

describe('reproducible tarballs', () => {
  it('are byte-identical whatever the files mtimes and the listing order', async () => {
    const dir = path.join(scratch, 'tree');
    await mkdir(path.join(dir, 'b'), { recursive: true });
    await writeFile(path.join(dir, 'a.txt'), 'a');
    await writeFile(path.join(dir, 'b', 'c.txt'), 'c');
    const make = async (out: string, files: string[]): Promise<Buffer> => {
      await createTarball({ cwd: dir, files, output: out, prefix: 'p-1', mtime: 1_700_000_000, compression: 'gzip' });
      return readFile(out);
    };
    const first = await make(path.join(scratch, '1.tar.gz'), ['a.txt', 'b/c.txt']);
    await utimes(path.join(dir, 'a.txt'), new Date(), new Date(2001, 1, 1));
    const second = await make(path.join(scratch, '2.tar.gz'), ['b/c.txt', 'a.txt']);
    assert.deepEqual(first, second);
    const { stdout } = await execa('tar', ['-tzvf', path.join(scratch, '1.tar.gz')], { env: { TZ: 'UTC' } });
    assert.match(stdout, /0\/0 .* 2023-11-14 22:13 p-1\/a\.txt/);
    assert.match(stdout, /p-1\/b\/c\.txt/);
  });

  it('sort by bytes, as LC_ALL=C does', () => {
    assert.deepEqual(byteOrder(['b', 'B', 'a', '_', 'a/b', 'a-b']), ['B', '_', 'a', 'a-b', 'a/b', 'b']);
  });
});

describe('reproducible jars', () => {
  it('put the manifest first and stamp every entry with the release date', () => {
    const order = jarOrder([
      { name: 'z/A.class', data: Buffer.alloc(1) },
      { name: 'META-INF/MANIFEST.MF', data: Buffer.alloc(1) },
      { name: 'META-INF/', data: Buffer.alloc(0) },
      { name: 'a/', data: Buffer.alloc(0) },
    ]).map((e) => e.name);
    assert.deepEqual(order, ['META-INF/', 'META-INF/MANIFEST.MF', 'a/', 'z/A.class']);
    assert.deepEqual(dosDateTime(Date.UTC(2026, 10, 26, 12, 30, 10) / 1000), {
      date: ((2026 - 1980) << 9) | (11 << 5) | 26,
      time: (12 << 11) | (30 << 5) | 5,
    });
  });

  it('build a jar the JVM runs, the same bytes twice', async (t) => {
    const javac = await execa('sh', ['-c', 'command -v javac && command -v java'], { reject: false });
    if (javac.exitCode !== 0) return t.skip('no JDK on this host');
    const classes = path.join(scratch, 'classes');
    const source = path.join(scratch, 'src', 'probe', 'Probe.java');
    await mkdir(path.dirname(source), { recursive: true });
    await writeFile(
      source,
      'package probe;\npublic final class Probe {\n  public static void main(String[] args) {\n' +
        '    System.out.println(Probe.class.getPackage().getImplementationVersion());\n  }\n}\n',
    );
    await execa('javac', ['--release', '8', '-Xlint:-options', '-d', classes, source]);
    const jar1 = path.join(scratch, 'one.jar');
    const jar2 = path.join(scratch, 'two.jar');
    await writeJar(classes, jar1, '9.8.7', 1_795_651_200);
    await writeJar(classes, jar2, '9.8.7', 1_795_651_200);
    assert.deepEqual(await readFile(jar1), await readFile(jar2));
    const { stdout } = await execa('java', ['-cp', jar1, 'probe.Probe']);
    assert.equal(stdout.trim(), '9.8.7');
  });
});

describe('runtime libraries', () => {
  it('are read from ldd output, interpreter apart', () => {
    const parsed = parseLdd(
      [
        '\tlinux-vdso.so.1 (0x00007ffd4d9f2000)',
        '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f0e0b7e5000)',
        '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0e0b400000)',
        '\tld-linux-x86-64.so.2 => /lib64/ld-linux-x86-64.so.2 (0x00007f0e0b7f9000)',
        '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0e0b7f9000)',
      ].join('\n'),
    );
    assert.deepEqual(parsed.interpreter, { soname: 'ld-linux-x86-64.so.2', path: '/lib64/ld-linux-x86-64.so.2' });
    assert.deepEqual(
      parsed.libraries.map((l) => l.soname),
      ['libdl.so.2', 'libstdc++.so.6'],
    );
    assert.throws(() => parseLdd('\tlibfoo.so.1 => not found\n\t/lib64/ld-linux-x86-64.so.2 (0x1)'), /lacks a library/);
  });

  it('carry upstream versions', () => {
    assert.equal(upstreamVersion('12.2.0-14+deb12u1'), '12.2.0');
    assert.equal(upstreamVersion('2.36-9+deb12u14'), '2.36');
    assert.equal(upstreamVersion('1:2.3.4-5'), '2.3.4');
  });
});

describe('repository file and SEA settings', () => {
  it('serve both targets through $releasever', () => {
    const text = repoFile('https://example.invalid/rpms/');
    assert.match(text, /^baseurl=https:\/\/example\.invalid\/rpms\/\$releasever\/\$basearch\/$/m);
    assert.match(text, /^\[mesos-source\]$/m);
    assert.match(text, /^gpgcheck=0$/m);
  });

  it('name the lazily loaded program bundles after their modules', () => {
    assert.equal(programName(path.join(ROOT, 'daemons', 'master', 'main.ts')), 'daemons-master-main.cjs');
    assert.equal(programName(path.join(ROOT, 'daemons', 'cli', 'execute.ts')), 'daemons-cli-execute.cjs');
    assert.equal(programsDir('/x/build/mesos.cjs'), '/x/build/mesos.programs');
  });

  it('keep the SEA blob reproducible and quiet', () => {
    const config = seaConfig('mesos.cjs', 'mesos.blob');
    assert.equal(config['useCodeCache'], false);
    assert.equal(config['disableExperimentalSEAWarning'], true);
    assert.deepEqual(config['execArgv'], ['--max-semi-space-size=8'], 'the young generation size the master was measured with');
    assert.equal(config['execArgvExtension'], 'cli', 'the agent starts its supervisor with --node-options');
  });
});
