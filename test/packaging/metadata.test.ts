// The packaging's hand-written parts without building anything: the spec's facts, the
// systemd units, the env files as the units' shell reads them, and the agreement between
// packaging/rpmbuild.ts and mock/rebuild.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { ROOT, SPEC_DIR } from '../../packaging/paths.ts';
import { TARGETS } from '../../packaging/rpmbuild.ts';
import { changelogEpoch, parseSpec, readSpec } from '../../packaging/spec-info.ts';
import { bundledProvidesProblems } from '../../packaging/srpm.ts';

const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The environment a unit's `sh -c 'set -a; . FILE; ...'` start line gives the daemon. */
async function envOf(file: string): Promise<Record<string, string>> {
  const { stdout } = await execa('env', ['-i', 'sh', '-c', `set -a; . "$1"; env`, 'sh', file]);
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.startsWith('MESOS_'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** `Overall exposure level` of `systemd-analyze security --offline` for units laid out under
 * a scratch root as the packages install them, with the stderr lines systemd wrote (unknown
 * keys, bad values), or the reason this systemd cannot tell. */
async function exposure(withDropIn: boolean): Promise<{ scores: Record<string, number>; warnings: string[] } | string> {
  const which = await execa('sh', ['-c', 'command -v systemd-analyze'], { reject: false });
  if (which.exitCode !== 0) return 'systemd-analyze is not installed';
  const root = await mkdtemp(path.join(os.tmpdir(), 'units-'));
  try {
    const unitdir = path.join(root, 'usr/lib/systemd/system');
    await mkdir(path.join(unitdir, 'mesos-master.service.d'), { recursive: true });
    for (const unit of ['mesos-master.service', 'mesos-slave.service']) await copyFile(path.join(SPEC_DIR, unit), path.join(unitdir, unit));
    if (withDropIn) {
      await copyFile(path.join(SPEC_DIR, 'mesos-master-hardening.conf'), path.join(unitdir, 'mesos-master.service.d/hardening.conf'));
    }
    const scores: Record<string, number> = {};
    const warnings: string[] = [];
    for (const unit of ['mesos-master.service', 'mesos-slave.service']) {
      const result = await execa('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--no-pager', unit], {
        reject: false,
      });
      if (/--offline|unrecognized option/.test(result.stderr) && result.exitCode !== 0)
        return `this systemd-analyze has no --offline: ${result.stderr}`;
      const level = /Overall exposure level for \S+: (\d+\.\d)/.exec(result.stdout)?.[1];
      assert.ok(level, `${unit}: no exposure level in ${result.stdout}${result.stderr}`);
      scores[unit] = Number(level);
      warnings.push(...result.stderr.split('\n').filter((l) => l.trim() !== ''));
    }
    return { scores, warnings };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `Directive=` names of a unit file or drop-in, comments left out. */
function directives(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => l.slice(0, l.indexOf('=')));
}

/** The [Unit], [Service] and [Install] settings systemd 219 (EL7) knows among those the
 * units use or might be tempted to (systemd.exec(5), systemd.service(5), systemd.unit(5),
 * systemd.kill(5), systemd.resource-control(5) of 219). */
const SYSTEMD_219 = new Set([
  'Description',
  'Documentation',
  'After',
  'Wants',
  'Requires',
  'Before',
  'WantedBy',
  'Alias',
  'Type',
  'User',
  'Group',
  'ExecStart',
  'SyslogIdentifier',
  'Restart',
  'RestartSec',
  'StartLimitInterval',
  'StartLimitBurst',
  'LimitNOFILE',
  'KillMode',
  'Delegate',
  'NoNewPrivileges',
  'ProtectSystem',
  'ProtectHome',
  'PrivateTmp',
  'PrivateDevices',
  'PrivateNetwork',
  'CapabilityBoundingSet',
  'RestrictAddressFamilies',
  'SystemCallArchitectures',
  'UMask',
  'ReadWriteDirectories',
  'ReadOnlyDirectories',
  'InaccessibleDirectories',
]);

describe('spec/mesos.spec', () => {
  it('carries the project version and a release date rpm agrees with', async () => {
    const spec = await readSpec();
    assert.equal(spec.name, 'mesos');
    assert.equal(spec.version, pkg.version);
    const date = new Date(spec.releaseEpoch * 1000);
    assert.equal(date.getUTCHours(), 0);
    assert.ok(spec.releaseEpoch > Date.UTC(2020, 0, 1) / 1000);
  });

  it('pins the runtimes the SRPM carries', async () => {
    const spec = await readSpec();
    assert.match(spec.globals['node_version'] ?? '', /^24\.\d+\.\d+$/);
    assert.match(spec.globals['bundled_glibc_version'] ?? '', /^2\.\d+$/);
    assert.match(spec.globals['bundled_libstdcxx_version'] ?? '', /^\d+\.\d+\.\d+$/);
  });

  it('parses changelog dates as rpm does and rejects a wrong weekday', () => {
    assert.equal(changelogEpoch('* Thu Nov 26 2026 A B <a@b.invalid> - 1-1'), Date.UTC(2026, 10, 26) / 1000);
    assert.throws(() => changelogEpoch('* Fri Nov 26 2026 A B <a@b.invalid> - 1-1'), /Thu/);
    assert.throws(() => changelogEpoch('* Thu Feb 30 2026 A B <a@b.invalid> - 1-1'), /no such day/);
    assert.throws(() => parseSpec('Name: x\nVersion: 1\n'), /%changelog/);
  });

  it('has no rich dependencies or weak dependencies the EL7 rpm cannot read', async () => {
    const text = await readFile(path.join(SPEC_DIR, 'mesos.spec'), 'utf8');
    for (const line of text.split('\n')) {
      if (/^(Recommends|Suggests|Supplements|Enhances):/.test(line)) assert.fail(`weak dependency: ${line}`);
      if (/^(Build)?Requires(\([^)]*\))?:.*\(.* (if|or|and|with|unless) /.test(line)) assert.fail(`rich dependency: ${line}`);
    }
  });

  it('checks its bundled(npm(...)) lines against the bundle', () => {
    const bundled = [
      { name: 'express', version: '5.3.0', license: 'MIT' },
      { name: 'qs', version: '6.1.0', license: 'BSD-3-Clause' },
    ];
    assert.deepEqual(bundledProvidesProblems({ express: '5.3.0' }, bundled, ['express', 'dockerode']), []);
    assert.deepEqual(bundledProvidesProblems({ express: '5.2.0' }, bundled, ['express']), [
      "want 'Provides:       bundled(npm(express)) = 5.3.0'",
    ]);
    assert.deepEqual(bundledProvidesProblems({ express: '5.3.0', dockerode: '5.0.1' }, bundled, ['express', 'dockerode']), [
      "drop 'bundled(npm(dockerode))': it is not in the bundle",
    ]);
  });
});

describe('env files, as the units read them', () => {
  it('give a single-node master out of the box', async () => {
    const env = await envOf(path.join(SPEC_DIR, 'mesos-master-env.sh'));
    assert.deepEqual(env, { MESOS_port: '5050', MESOS_work_dir: '/var/lib/mesos', MESOS_log_dir: '/var/log/mesos' });
  });

  it('point the agent at that master', async () => {
    const env = await envOf(path.join(SPEC_DIR, 'mesos-slave-env.sh'));
    assert.deepEqual(env, {
      MESOS_master: '127.0.0.1:5050',
      MESOS_work_dir: '/var/lib/mesos',
      MESOS_log_dir: '/var/log/mesos',
    });
  });

  it('document the Docker version check', async () => {
    const text = await readFile(path.join(SPEC_DIR, 'mesos-slave-env.sh'), 'utf8');
    assert.match(text, /#export MESOS_containerizers=docker,mesos/);
    assert.match(text, /refuses to start/);
  });
});

describe('ZooKeeper', () => {
  it('/etc/mesos/zk is one zk:// line, used only where an env file points at it (commented out)', async () => {
    assert.equal(await readFile(path.join(SPEC_DIR, 'mesos-zk'), 'utf8'), 'zk://localhost:2181/mesos\n');
    const spec = await readFile(path.join(SPEC_DIR, 'mesos.spec'), 'utf8');
    assert.match(spec, /^install -D -p -m 0644 spec\/mesos-zk %\{buildroot\}%\{_sysconfdir\}\/mesos\/zk$/m);
    assert.match(spec, /^%config\(noreplace\) %\{_sysconfdir\}\/mesos\/zk$/m);
    const master = await readFile(path.join(SPEC_DIR, 'mesos-master-env.sh'), 'utf8');
    assert.match(master, /^#export MESOS_zk=file:\/\/\/etc\/mesos\/zk$/m);
    assert.match(master, /^#export MESOS_quorum=2$/m);
    assert.doesNotMatch(master, /^export MESOS_(zk|quorum)=/m);
    const agent = await readFile(path.join(SPEC_DIR, 'mesos-slave-env.sh'), 'utf8');
    assert.match(agent, /^# +export MESOS_master=file:\/\/\/etc\/mesos\/zk$/m);
    assert.match(agent, /^export MESOS_master=127\.0\.0\.1:5050$/m);
    for (const unit of ['mesos-master.service', 'mesos-slave.service']) {
      assert.doesNotMatch(await readFile(path.join(SPEC_DIR, unit), 'utf8'), /etc\/mesos\/zk/, `${unit} reads only its env file`);
    }
  });
});

describe('systemd units', () => {
  const unit = async (name: string): Promise<string> => readFile(path.join(SPEC_DIR, name), 'utf8');

  it('start the daemons through a shell that sources the env file', async () => {
    for (const [file, env, program] of [
      ['mesos-master.service', 'mesos-master-env.sh', 'mesos-master'],
      ['mesos-slave.service', 'mesos-slave-env.sh', 'mesos-agent'],
    ] as const) {
      const text = await unit(file);
      const exec = /^ExecStart=(.*)$/m.exec(text)?.[1];
      assert.ok(exec, `${file} has ExecStart`);
      assert.match(exec, new RegExp(`^/bin/sh -c '.*\\. /etc/mesos/${env}.*exec /usr/bin/${program}'$`));
      assert.match(text, /^Restart=on-failure$/m);
      assert.match(text, /^RestartSec=\d+$/m);
    }
  });

  it('give up on an agent that keeps failing, never on a master (it exits when it loses leadership)', async () => {
    assert.match(await unit('mesos-slave.service'), /^StartLimitBurst=\d+$/m);
    const master = await unit('mesos-master.service');
    assert.match(master, /^StartLimitInterval=0$/m);
    assert.doesNotMatch(master, /^StartLimitBurst=/m);
  });

  it('keep tasks running across agent restarts and alias mesos-agent', async () => {
    const text = await unit('mesos-slave.service');
    assert.match(text, /^KillMode=process$/m);
    assert.match(text, /^Alias=mesos-agent.service$/m);
  });

  it('run the master unprivileged and the agent as root', async () => {
    assert.match(await unit('mesos-master.service'), /^User=mesos$/m);
    assert.doesNotMatch(await unit('mesos-slave.service'), /^User=/m);
  });

  it('harden the master with what systemd 219 (EL7) knows, and the rest in a drop-in only newer targets get', async () => {
    for (const file of ['mesos-master.service', 'mesos-slave.service']) {
      const unknown = directives(await unit(file)).filter((d) => !SYSTEMD_219.has(d));
      assert.deepEqual(unknown, [], `${file} says only what systemd 219 reads as newer systemd does`);
    }
    const master = await unit('mesos-master.service');
    for (const line of [
      'NoNewPrivileges=yes',
      'ProtectSystem=full',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'CapabilityBoundingSet=',
    ]) {
      assert.match(master, new RegExp(`^${line}$`, 'm'));
    }
    const dropIn = await unit('mesos-master-hardening.conf');
    assert.match(dropIn, /^ProtectSystem=strict$/m);
    assert.match(dropIn, /^ReadWritePaths=-\/var\/lib\/mesos -\/var\/log\/mesos$/m);
    assert.match(dropIn, /^SystemCallFilter=@system-service$/m);
    for (const text of [master, dropIn]) assert.doesNotMatch(text, /^MemoryDenyWriteExecute=/m, 'V8 needs writable executable memory');
    const env = await envOf(path.join(SPEC_DIR, 'mesos-master-env.sh'));
    for (const dir of [env['MESOS_work_dir'], env['MESOS_log_dir']]) assert.ok(dropIn.includes(`-${dir}`), `${dir} is writable`);
    const spec = await readFile(path.join(SPEC_DIR, 'mesos.spec'), 'utf8');
    assert.match(
      spec,
      /^%if !%\{bundled\}\n# .*\ninstall -D -p -m 0644 spec\/mesos-master-hardening.conf %\{buildroot\}%\{_unitdir\}\/mesos-master.service.d\/hardening.conf\n%endif$/m,
    );
  });

  it('leave tasks their namespaces, system calls and privileges: the agent only narrows the capability bounding set', async () => {
    const agent = await unit('mesos-slave.service');
    for (const d of [
      'ProtectSystem',
      'ProtectHome',
      'PrivateTmp',
      'PrivateDevices',
      'NoNewPrivileges',
      'SystemCallFilter',
      'SystemCallArchitectures',
      'RestrictAddressFamilies',
    ]) {
      assert.doesNotMatch(agent, new RegExp(`^${d}=`, 'm'), `${d} would reach the tasks`);
    }
    const bounding = /^CapabilityBoundingSet=~(.*)$/m.exec(agent)?.[1]?.split(' ') ?? [];
    for (const cap of ['CAP_SYS_MODULE', 'CAP_SYS_BOOT', 'CAP_SYS_TIME']) assert.ok(bounding.includes(cap), cap);
    for (const cap of ['CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN']) {
      assert.ok(!bounding.includes(cap), `the agent and its tasks need ${cap}`);
    }
  });

  it('score as the README says, the master below 5', async (t) => {
    const full = await exposure(true);
    if (typeof full === 'string') return t.skip(full);
    const el7 = await exposure(false);
    if (typeof el7 === 'string') return t.skip(el7);
    assert.deepEqual(full.warnings, [], 'systemd reads every line of the units and the drop-in');
    const master = full.scores['mesos-master.service']!;
    assert.ok(master < 5, `mesos-master.service: ${master}`);
    const readme = (await readFile(path.join(ROOT, 'README.md'), 'utf8')).replace(/\s+/g, ' ');
    const recorded =
      /`systemd-analyze security` rates mesos-master.service (\d+\.\d) \((\d+\.\d) without the drop-in, as on EL7\) and mesos-slave.service (\d+\.\d)/.exec(
        readme,
      );
    assert.ok(recorded, 'the README records the scores');
    assert.deepEqual(recorded.slice(1).map(Number), [master, el7.scores['mesos-master.service'], full.scores['mesos-slave.service']]);
  });

  it('pass systemd-analyze verify', async (t) => {
    const which = await execa('sh', ['-c', 'command -v systemd-analyze'], { reject: false });
    if (which.exitCode !== 0) return t.skip('systemd-analyze is not installed');
    const result = await execa(
      'systemd-analyze',
      ['verify', '--man=no', path.join(SPEC_DIR, 'mesos-master.service'), path.join(SPEC_DIR, 'mesos-slave.service')],
      { reject: false, all: true },
    );
    // The units name /usr/bin/mesos-*, which this host need not have: only unit syntax matters.
    const problems = result.all.split('\n').filter((l) => l.trim() !== '' && !/mesos-(master|agent)|not executable/.test(l));
    assert.deepEqual(problems, []);
  });
});

describe('build targets', () => {
  it('agree between packaging/rpmbuild.ts and mock/rebuild', async () => {
    for (const target of TARGETS) {
      const { stdout } = await execa(path.join(ROOT, 'mock', 'rebuild'), ['-r', target.mockConfig, '--print-defines']);
      const fromScript = Object.fromEntries(stdout.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
      assert.deepEqual(fromScript, target.defines, target.mockConfig);
    }
  });

  it('have a mock config each, pointing at standard repositories only', async () => {
    for (const target of TARGETS) {
      const cfg = await readFile(path.join(ROOT, 'mock', `${target.mockConfig}.cfg`), 'utf8');
      const urls = [...cfg.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => new URL(m[0]).host);
      for (const host of urls) {
        assert.ok(['vault.centos.org', 'archives.fedoraproject.org'].includes(host), `${target.mockConfig}: ${host}`);
      }
      if (target.id === 'fedora') assert.match(cfg, /include\('templates\/fedora-branched.tpl'\)/);
    }
  });
});
