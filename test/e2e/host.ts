// A container host for the end-to-end tests: a copy of the cached Debian root booted by
// systemd-nspawn with systemd as PID 1 (DESIGN.md section 5), on a private bridge, with its
// name and its peers' names in /etc/hosts. Commands run inside through nsenter into all of the
// init process's namespaces, with a clean login-like environment.
//
//   root copy ──prepare()──▶ hostname, /etc/hosts, networkd address, Fedora-like presets
//             ──boot()─────▶ systemd-nspawn -D root -b --register=no --keep-unit (background)
//             ──exec()─────▶ nsenter -t <init pid> -a env -i ... <command>
//             ──shutdown()─▶ SIGTERM to nspawn: the container powers off in order
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { freshDebianRoot } from '../helpers/debian-root.ts';
import { sleep, waitFor } from '../helpers/cluster.ts';
import type { Bridge } from './network.ts';

/** What the e2e hosts have on top of the minimal root: the guide's tools and rpm itself. */
export const HOST_PACKAGES = ['dbus', 'rpm', 'curl', 'procps', 'iproute2'];

/**
 * What the master hosts of three-master clusters add: the distribution's ZooKeeper with its
 * service (zookeeperd pulls in the JRE). The hosts reach no package mirror, so it is in their
 * root from the start, as `dnf install zookeeper` would have put it.
 */
export const ZOOKEEPER_PACKAGES = ['zookeeperd'];

export const DOMAIN = 'example.com';

/** How long an orderly shutdown may take before the host is killed. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** The environment of a root login shell, and nothing from the test process. */
const LOGIN_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'LANG=C.UTF-8',
  'TERM=dumb',
  'SYSTEMD_COLORS=0',
];

export interface HostOptions {
  /** Short name; the host is <name>.example.com. */
  name: string;
  address: string;
  bridge: Bridge;
  /** Directory holding the host's root file system and console log. */
  dir: string;
  /** Directories of this machine bound into the host at the same path. */
  binds?: string[];
  /** Whether its root has ZooKeeper (ZOOKEEPER_PACKAGES), whose journal then goes with failures too. */
  zookeeper?: boolean;
}

export interface HostEntry {
  name: string;
  address: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved */
  all: string;
}

export class ContainerHost {
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  readonly root: string;
  private readonly opts: HostOptions;
  private nspawn?: ChildProcess;
  private exited?: Promise<void>;
  private initPid?: number;

  constructor(opts: HostOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.fqdn = `${opts.name}.${DOMAIN}`;
    this.address = opts.address;
    this.root = path.join(opts.dir, 'root');
  }

  get hasZookeeper(): boolean {
    return this.opts.zookeeper === true;
  }

  get booted(): boolean {
    return this.initPid !== undefined;
  }

  /** Path on this machine of a file inside the host. */
  file(p: string): string {
    return path.join(this.root, p);
  }

  /**
   * A fresh root from `baseRoot`, set up as a small Fedora-like server: its own name, every
   * host of the test network in /etc/hosts, a static address brought up by systemd-networkd
   * at boot, no DNS (names come from /etc/hosts), and the preset policy of Fedora, which
   * leaves packaged services disabled until the administrator enables them.
   */
  async prepare(baseRoot: string, hosts: HostEntry[]): Promise<void> {
    await killStale(this.opts.dir);
    await rm(this.opts.dir, { recursive: true, force: true });
    await mkdir(this.opts.dir, { recursive: true });
    await freshDebianRoot(this.root, baseRoot);
    await writeFile(this.file('etc/hostname'), `${this.fqdn}\n`);
    const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback'];
    for (const h of hosts) lines.push(`${h.address} ${h.name}.${DOMAIN} ${h.name}`);
    await writeFile(this.file('etc/hosts'), `${lines.join('\n')}\n`);
    await rm(this.file('etc/resolv.conf'), { force: true });
    await writeFile(this.file('etc/resolv.conf'), '# no DNS on the test network; names are in /etc/hosts\n');
    await mkdir(this.file('etc/systemd/network'), { recursive: true });
    // 10-: before Debian's 80-container-host0.network, which would use DHCP. IPv4 only: the
    // network has no IPv6 router, and waiting for one would hold network-online.target (which
    // the mesos units want) for seconds at every boot.
    await writeFile(
      this.file('etc/systemd/network/10-e2e.network'),
      `[Match]\nName=host0\n\n[Network]\nAddress=${this.address}/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`,
    );
    await execa('systemctl', [`--root=${this.root}`, 'enable', 'systemd-networkd.service', 'systemd-networkd-wait-online.service'], {
      stdout: 'ignore',
      stderr: 'ignore',
    });
    await mkdir(this.file('etc/systemd/system-preset'), { recursive: true });
    await writeFile(this.file('etc/systemd/system-preset/99-default-disable.preset'), 'disable *\n');
  }

  /** Boots the host and waits until systemd has finished starting it. */
  async boot(): Promise<void> {
    if (this.nspawn) throw new Error(`${this.name} is already booted`);
    const args = [
      '--quiet',
      `--directory=${this.root}`,
      '--boot',
      '--register=no',
      '--keep-unit',
      `--machine=${this.name}`,
      `--network-bridge=${this.opts.bridge.name}`,
      '--resolv-conf=off',
      ...(this.opts.binds ?? []).map((b) => `--bind=${b}`),
    ];
    const consoleFd = openSync(path.join(this.opts.dir, 'console.log'), 'a');
    const proc = spawn('systemd-nspawn', args, { detached: true, stdio: ['ignore', consoleFd, consoleFd] });
    closeSync(consoleFd);
    this.nspawn = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await writeFile(path.join(this.opts.dir, 'nspawn.pid'), `${proc.pid}\n`);
    const nspawnPid = proc.pid!;
    let failed: Error | undefined;
    this.initPid = await waitFor(
      `${this.name}: the container's init under systemd-nspawn ${nspawnPid}`,
      async () => {
        if (failed) return failed;
        if (proc.exitCode !== null) {
          const log = await readFile(path.join(this.opts.dir, 'console.log'), 'utf8').catch(() => '');
          failed = new Error(`systemd-nspawn ${args.join(' ')} exited with ${proc.exitCode}:\n${log.split('\n').slice(-20).join('\n')}`);
          return failed;
        }
        const children = await execa('pgrep', ['-P', String(nspawnPid)], { reject: false });
        for (const pid of children.stdout.split('\n').filter(Boolean).map(Number)) {
          const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
          if (comm.trim() === 'systemd') return pid;
        }
        return undefined;
      },
      30_000,
      100,
    ).then((found) => {
      if (found instanceof Error) throw found;
      return found;
    });
    await writeFile(path.join(this.opts.dir, 'init.pid'), `${this.initPid}\n`);
    const state = await waitFor(
      `${this.name} to finish booting`,
      async () => {
        const r = await this.exec(['systemctl', 'is-system-running', '--wait'], { reject: false, timeout: 120_000 });
        return ['running', 'degraded'].includes(r.stdout.trim()) && r.stdout.trim();
      },
      120_000,
      200,
    );
    if (state === 'degraded') {
      const failed = await this.exec(['systemctl', '--failed', '--no-legend'], { reject: false });
      process.stderr.write(`# ${this.name} booted degraded: ${failed.stdout}\n`);
    }
  }

  /**
   * Powers the host off in order (systemd-nspawn turns SIGTERM into a shutdown of its init).
   * A host that does not go down in time is killed, init first: killing PID 1 of the
   * container's PID namespace ends every process in it, which killing nspawn alone does not.
   */
  async shutdown(): Promise<void> {
    const proc = this.nspawn;
    if (!proc) return;
    const started = Date.now();
    proc.kill('SIGTERM');
    const inTime = await Promise.race([this.exited!.then(() => true), sleep(SHUTDOWN_TIMEOUT_MS).then(() => false)]);
    if (!inTime) {
      process.stderr.write(`# ${this.name}: no orderly shutdown within ${SHUTDOWN_TIMEOUT_MS / 1000} s; killing it\n`);
      if (this.initPid !== undefined) killQuietly(this.initPid);
      proc.kill('SIGKILL');
      await this.exited;
    }
    // An init that outlived its nspawn would keep the host's network and files busy.
    await killContainer(this.initPid);
    this.nspawn = undefined;
    this.initPid = undefined;
    await rm(path.join(this.opts.dir, 'nspawn.pid'), { force: true });
    await rm(path.join(this.opts.dir, 'init.pid'), { force: true });
    if (Date.now() - started > 10_000)
      process.stderr.write(`# ${this.name}: shutdown took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }

  /** The host's power cycle: an orderly shutdown, then a boot of the same root. */
  async reboot(): Promise<void> {
    await this.shutdown();
    await this.boot();
  }

  /** Shuts the host down and removes its root. */
  async destroy(): Promise<void> {
    await this.shutdown();
    await rm(this.opts.dir, { recursive: true, force: true });
  }

  private nsenter(cmd: string[]): string[] {
    if (this.initPid === undefined) throw new Error(`${this.name} is not booted`);
    return ['-t', String(this.initPid), '-a', 'env', '-i', ...LOGIN_ENV, ...cmd];
  }

  /** Runs a command inside the host; throws (with its output) when it fails unless reject is false. */
  async exec(cmd: string[], opts: { reject?: boolean; timeout?: number } = {}): Promise<ExecResult> {
    const r = await execa('nsenter', this.nsenter(cmd), { all: true, reject: opts.reject ?? true, timeout: opts.timeout ?? 60_000 });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, all: r.all };
  }

  /** Runs a shell command line inside the host, as an administrator would type it. */
  sh(script: string, opts: { reject?: boolean; timeout?: number } = {}): Promise<ExecResult> {
    return this.exec(['sh', '-c', script], opts);
  }

  /**
   * Writes (or appends to) a file as seen from inside the host. Use this rather than file() for
   * paths that may go through absolute symlinks, such as Debian's alternatives
   * (/etc/zookeeper/conf): followed from this machine they lead to this machine's own files.
   */
  async writeInside(p: string, text: string, opts: { append?: boolean } = {}): Promise<void> {
    const b64 = Buffer.from(text).toString('base64');
    await this.exec(['sh', '-c', `printf %s '${b64}' | base64 -d ${opts.append ? '>>' : '>'} '${p}'`]);
  }

  /** Starts a command line inside the host and returns at once; await the result later. */
  background(script: string, timeout = 120_000): Promise<ExecResult> {
    return this.exec(['sh', '-c', script], { reject: false, timeout });
  }

  /** Properties of a unit from `systemctl show`. */
  async unit(unit: string, ...props: string[]): Promise<Record<string, string>> {
    const r = await this.exec(['systemctl', 'show', unit, ...props.flatMap((p) => ['-p', p])]);
    const out: Record<string, string> = {};
    for (const line of r.stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
  }

  /** The unit's journal of this boot, as `journalctl -u UNIT` prints it. */
  async journal(unit: string, ...extra: string[]): Promise<string> {
    return (await this.exec(['journalctl', '--no-pager', '-b', '-u', unit, ...extra], { reject: false })).stdout;
  }
}

/** Ends a systemd-nspawn that a killed earlier run left on this host directory (by its pid file), and its container. */
async function killStale(dir: string): Promise<void> {
  const pid = Number(await readFile(path.join(dir, 'nspawn.pid'), 'utf8').catch(() => '0'));
  const cmdline = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
  if (cmdline.startsWith('systemd-nspawn') && cmdline.includes(dir)) {
    killQuietly(pid);
    await waitFor(
      `the stale systemd-nspawn ${pid} to exit`,
      async () => !(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
      15_000,
      100,
    );
  }
  await killContainer(Number(await readFile(path.join(dir, 'init.pid'), 'utf8').catch(() => '')) || undefined);
}

/** Whether pid is (still) the init of a container: a systemd that is PID 1 in its own PID namespace. */
async function isContainerInit(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
  return /^Name:\s+systemd$/m.test(status) && nspid.length >= 2 && nspid.at(-1) === '1';
}

/** SIGKILLs a container's init, which ends every process of its PID namespace, and waits until it is gone. */
async function killContainer(initPid: number | undefined): Promise<void> {
  if (initPid === undefined || !(await isContainerInit(initPid))) return;
  killQuietly(initPid);
  await waitFor(`the container init ${initPid} to exit`, async () => !(await isContainerInit(initPid)), 15_000, 100);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
