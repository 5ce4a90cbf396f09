// README's "Securing a cluster", done on e2e hosts with the README's own commands: its sh blocks
// are read from README.md and run, so a step the README gets wrong fails here. Certificates are
// made on this machine (the README's openssl lines, once per host) and copied onto the hosts.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../packaging/paths.ts';
import type { ContainerHost } from './host.ts';

const run = promisify(execFile);

export const TLS_DIR = '/etc/mesos/tls';
export const CA_FILE = `${TLS_DIR}/ca.pem`;
/** Where a host gets its certificate files before the README's copy commands run. */
const STAGING = '/root/tls-staging';

/** The first ```sh block of README.md after `phrase`, as its lines. */
export async function readmeBlock(phrase: string): Promise<string[]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(phrase);
  if (at < 0) throw new Error(`README.md no longer says "${phrase}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no sh block after "${phrase}"`);
  return block[1]!.split('\n').filter((l) => l.trim() !== '');
}

/** The `export NAME=value` lines of a block, without their trailing comments. */
export function exportLines(block: string[]): string[] {
  return block.filter((l) => l.startsWith('export ')).map((l) => l.replace(/\s+#.*$/, ''));
}

export interface HostCertificate {
  cert: string;
  key: string;
}

/**
 * The README's openssl lines on this machine, in a temporary directory: its first line makes
 * the CA, the others one certificate, run once per host with the README's example name and
 * address replaced by the host's.
 */
export async function makeCertificates<H extends { fqdn: string; address: string }>(
  hosts: H[],
): Promise<{ ca: string; certs: Map<H, HostCertificate> }> {
  const lines = await readmeBlock('the CA once and then one certificate per host');
  const [caLine, ...hostLines] = lines;
  if (!caLine?.includes('-x509') || hostLines.length === 0) throw new Error(`README's openssl block changed shape: ${lines.join(' / ')}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-tls-'));
  try {
    await run('sh', ['-ec', caLine], { cwd: dir });
    const certs = new Map<H, HostCertificate>();
    for (const h of hosts) {
      const script = hostLines.map((l) => l.replaceAll('master1.example.com', h.fqdn).replaceAll('192.0.2.10', h.address)).join('\n');
      await run('sh', ['-ec', script], { cwd: dir });
      certs.set(h, {
        cert: await readFile(path.join(dir, 'node.pem'), 'utf8'),
        key: await readFile(path.join(dir, 'node-key.pem'), 'utf8'),
      });
    }
    return { ca: await readFile(path.join(dir, 'ca.pem'), 'utf8'), certs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The host's certificate, its key and the CA's certificate into /etc/mesos/tls with the README's
 * commands: the common line, and the key's line for a host running a master or only an agent.
 */
export async function installCertificate(host: ContainerHost, ca: string, mine: HostCertificate, runsMaster: boolean): Promise<void> {
  await host.exec(['install', '-d', '-m', '700', STAGING]);
  await host.writeInside(`${STAGING}/ca.pem`, ca);
  await host.writeInside(`${STAGING}/node.pem`, mine.cert);
  await host.writeInside(`${STAGING}/node-key.pem`, mine.key);
  const block = await readmeBlock('`/etc/mesos/tls/` on each host');
  const which = runsMaster ? '# on a host running a master' : '# on a host running only an agent';
  const script = block.filter((l) => !l.includes('# on a host running') || l.includes(which)).map((l) => l.replace(/\s+#.*$/, ''));
  if (script.length !== 2) throw new Error(`README's copy block changed shape: ${block.join(' / ')}`);
  await host.sh(`cd ${STAGING} && ${script.join(' && ')} && rm -r ${STAGING}`);
}

/**
 * Uncomments, with sed inside the host, the commented `#export NAME=...` lines of an env file
 * whose names `lines` have, and returns the lines that changed.
 */
export async function uncomment(host: ContainerHost, envFile: string, lines: string[]): Promise<string[]> {
  const names = lines.map((l) => /^export (\w+)=/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
  const before = await readFile(host.file(envFile), 'utf8');
  await host.exec(['sed', '-i', '-E', `s/^#(export (${names.join('|')})=)/\\1/`, envFile]);
  const after = await readFile(host.file(envFile), 'utf8');
  const old = before.split('\n');
  return after.split('\n').filter((line, i) => line !== old[i]);
}

/**
 * `curl` inside a host against a daemon's https endpoint, checked against the cluster's CA;
 * `redirect` is where a redirect would lead, resolved against the URL asked for.
 */
export async function curlTls(
  from: ContainerHost,
  url: string,
  opts: { user?: string } = {},
): Promise<{ status: number; body: string; redirect: string; exitCode: number }> {
  const marker = '\n--status:';
  const r = await from.exec(
    ['curl', '-sS', '--cacert', CA_FILE, ...(opts.user ? ['-u', opts.user] : []), '-w', `${marker}%{http_code} %{redirect_url}`, url],
    { reject: false, timeout: 20_000 },
  );
  const cut = r.stdout.lastIndexOf(marker);
  const [status, redirect] = cut < 0 ? ['0', ''] : r.stdout.slice(cut + marker.length).split(' ');
  return { status: Number(status), body: cut < 0 ? r.stdout : r.stdout.slice(0, cut), redirect: redirect ?? '', exitCode: r.exitCode };
}
