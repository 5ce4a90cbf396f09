// What every e2e test file shares: the packaging build (one `npm run dist` per test run, shared
// with test/packaging through build-cache.ts), the cached host root, the repositories dnf
// installs from, a private bridge, the hosts, and the journals of every unit when a step fails.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ROOT } from '../../packaging/paths.ts';
import { TARGETS } from '../../packaging/rpmbuild.ts';
import { debianRoot } from '../helpers/debian-root.ts';
import { PACKAGES, dnfInstallroot, fixtureRepo } from '../helpers/rpm-install.ts';
import { type PackagingBuild, isRoot, offlineRebuild, packagingBuild } from '../packaging/build-cache.ts';
import { ContainerHost, HOST_PACKAGES, ZOOKEEPER_PACKAGES } from './host.ts';
import { Bridge } from './network.ts';

export const E2E_CACHE = path.join(ROOT, 'test', '.cache', 'e2e');
/** Full journals of failed steps, for CI to keep. */
export const ARTIFACTS = path.join(ROOT, 'test', '.artifacts', 'e2e');
export const UNITS = ['mesos-master', 'mesos-slave'];
export const MASTER_PORT = 5050;
/** Lines of each unit's journal printed with a failure (all of them go to ARTIFACTS). */
const JOURNAL_TAIL = 60;

const fedora = TARGETS.find((t) => t.id === 'fedora')!;

/** Why the e2e suite cannot run here, or undefined. */
export const e2eSkip: string | undefined = isRoot
  ? undefined
  : 'needs root (systemd-nspawn, dnf --installroot, a bridge); run the e2e suite as root';

export class E2ESuite {
  readonly hosts: ContainerHost[] = [];
  private constructor(
    readonly tag: string,
    readonly build: PackagingBuild,
    readonly baseRoot: string,
    /** The root with ZooKeeper, when start() asked for it. */
    readonly zookeeperRoot: string | undefined,
    readonly bridge: Bridge,
    readonly dir: string,
    readonly repos: Record<string, string>,
    /** The newer build (Release 2, rebuilt offline from the SRPM) when start() asked for it. */
    readonly upgradeRpms: string[],
  ) {}

  /**
   * Everything a test file needs before its hosts: host tools, the RPMs, the cached root, the
   * fixture repository and a bridge of its own (index 1-250, one per file).
   */
  static async start(tag: string, bridgeIndex: number, opts: { upgrade?: boolean; zookeeper?: boolean } = {}): Promise<E2ESuite> {
    const started = Date.now();
    await execa(path.join(ROOT, 'packaging', 'host-prereqs.sh'), ['--tests'], { stdio: 'inherit' });
    const build = await packagingBuild();
    const upgrade = opts.upgrade ? (await offlineRebuild(fedora)).rpms : [];
    const baseRoot = await debianRoot('e2e-root', HOST_PACKAGES);
    const zookeeperRoot = opts.zookeeper ? await debianRoot('e2e-zk-root', [...HOST_PACKAGES, ...ZOOKEEPER_PACKAGES]) : undefined;
    note(tag, `RPMs${opts.upgrade ? ', the upgrade build' : ''} and the host root${zookeeperRoot ? 's' : ''} ready`, started);
    const dir = path.join(E2E_CACHE, tag);
    await mkdir(dir, { recursive: true });
    const repos = {
      fixture: await fixtureRepo([...build.sets.fedora, ...upgrade], path.join(dir, 'fixture')),
      mesos: path.join(build.repoDir, fedora.releasever, 'x86_64'),
    };
    const bridge = new Bridge(bridgeIndex);
    await bridge.create();
    return new E2ESuite(tag, build, baseRoot, zookeeperRoot, bridge, dir, repos, upgrade);
  }

  /**
   * Hosts named name.example.com at the bridge's addresses .2, .3, ... in order, prepared
   * (every name in every /etc/hosts) but not booted. `zookeeper` hosts get the root with
   * ZooKeeper (start() must have asked for it).
   */
  async addHosts(specs: { name: string; binds?: string[]; zookeeper?: boolean }[]): Promise<ContainerHost[]> {
    if (specs.some((s) => s.zookeeper) && !this.zookeeperRoot) throw new Error('E2ESuite.start() was not asked for the ZooKeeper root');
    const created = specs.map(
      (s, i) =>
        new ContainerHost({
          name: s.name,
          address: this.bridge.address(this.hosts.length + i + 2),
          bridge: this.bridge,
          dir: path.join(this.dir, 'hosts', s.name),
          ...(s.binds ? { binds: s.binds } : {}),
          ...(s.zookeeper ? { zookeeper: true } : {}),
        }),
    );
    this.hosts.push(...created);
    const entries = this.hosts.map((h) => ({ name: h.name, address: h.address }));
    for (const h of created) await h.prepare(h.hasZookeeper ? this.zookeeperRoot! : this.baseRoot, entries);
    return created;
  }

  /** Boots hosts in parallel. */
  async boot(...hosts: ContainerHost[]): Promise<void> {
    const started = Date.now();
    await Promise.all(hosts.map((h) => h.boot()));
    note(this.tag, `booted ${hosts.map((h) => h.name).join(', ')}`, started);
  }

  /** Powers a host off in order and boots it again. */
  async reboot(host: ContainerHost): Promise<void> {
    const started = Date.now();
    await host.reboot();
    note(this.tag, `rebooted ${host.name}`, started);
  }

  /** The guide's `yum install mesos python-mesos mesos-devel mesos-java`, onto a host (dnf --installroot). */
  async install(host: ContainerHost): Promise<string> {
    const started = Date.now();
    const out = await dnfInstallroot(host.root, this.repos, 'install', ...PACKAGES);
    note(this.tag, `installed the packages on ${host.name}`, started);
    return out;
  }

  /** Runs one step of a test; when it fails, the error carries the journal of every unit of every booted host. */
  async step<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const report = await this.journals().catch((e: unknown) => `(journals unavailable: ${(e as Error).message})`);
      process.stderr.write(`${report}\n`);
      if (err instanceof Error) err.message += `\n${report}`;
      throw err;
    }
  }

  /** The tail of each unit's journal on each booted host; the full journals go to ARTIFACTS. */
  async journals(): Promise<string> {
    const out: string[] = [];
    const dir = path.join(ARTIFACTS, this.tag);
    await mkdir(dir, { recursive: true });
    for (const host of this.hosts.filter((h) => h.booted)) {
      for (const unit of host.hasZookeeper ? [...UNITS, 'zookeeper'] : UNITS) {
        const text = await host.journal(unit);
        await writeFile(path.join(dir, `${host.name}-${unit}.log`), `${text}\n`);
        const lines = text.split('\n');
        const tail = lines.slice(-JOURNAL_TAIL).join('\n');
        out.push(
          `----- journalctl -u ${unit} on ${host.fqdn} (last ${Math.min(lines.length, JOURNAL_TAIL)} of ${lines.length} lines; all in ${path.relative(ROOT, dir)}) -----\n${tail}`,
        );
      }
    }
    return out.join('\n');
  }

  /** Powers every host off, removes their roots and the bridge. */
  async stop(): Promise<void> {
    const started = Date.now();
    await Promise.all(
      this.hosts.map((h) => h.destroy().catch((e: unknown) => process.stderr.write(`# ${h.name}: ${(e as Error).message}\n`))),
    );
    await this.bridge.destroy();
    await rm(this.dir, { recursive: true, force: true });
    note(this.tag, 'hosts powered off and removed', started);
  }
}

/** A progress line in the test output, with the seconds a step took. */
function note(tag: string, what: string, since: number): void {
  process.stderr.write(`# e2e ${tag}: ${what} (${((Date.now() - since) / 1000).toFixed(1)} s)\n`);
}

/** Base URL of a host's master as this machine (and the browser) reaches it. */
export function masterUrl(host: ContainerHost): string {
  return `http://${host.address}:${MASTER_PORT}`;
}

/** GET a JSON endpoint of a daemon on a host. */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
