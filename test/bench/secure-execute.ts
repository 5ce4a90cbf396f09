// `mesos execute /bin/true` against a cluster with authentication and TLS switched on, next to
// the same command against a plain cluster, alternating run by run so that both see the same
// machine. The secure cluster is what README "Securing a cluster" sets up: agents and
// schedulers authenticated (HTTP Basic), every connection TLS with the server verified.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Daemon, startAgent, startMaster, tempDir } from '../helpers/cluster.ts';
import { selfSignedCert } from '../helpers/tls-certs.ts';

export interface Command {
  file: string;
  args: string[];
}

/** Milliseconds from spawning `file args` to its exit 0. */
export async function timeCommand(file: string, args: string[], env?: Record<string, string>): Promise<number> {
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(file, args, { stdio: 'ignore', ...(env ? { env: { ...process.env, ...env } } : {}) });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited ${code}`))));
  });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function executeArgs(cmd: Command, master: Daemon, name: string, extra: string[] = []): string[] {
  return [...cmd.args, 'execute', `--master=127.0.0.1:${master.port}`, `--name=${name}`, '--command=/bin/true', ...extra];
}

/** The agent of the execute suites: room for a thousand small tasks at once. */
export const BENCH_AGENT_FLAGS = ['--quiet', '--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]'];

/**
 * Medians of `runs` alternating `mesos execute` runs (after 2 warm-ups of each) on a plain
 * master and agent and on a secured pair: credentials with --authenticate_agents and
 * --authenticate_http_frameworks, and LIBPROCESS_SSL_* for the daemons and the command.
 */
export async function secureExecuteLatency(cmd: Command, plain: Daemon, runs: number): Promise<{ plain: number[]; secure: number[] }> {
  const dir = tempDir('bench-secure');
  const { cert, key } = selfSignedCert(dir);
  const credentials = path.join(dir, 'credentials.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      credentials: [
        { principal: 'jobs', secret: 'secret-of-jobs' },
        { principal: 'agent', secret: 'secret-of-agent' },
      ],
    }),
    { mode: 0o600 },
  );
  const credential = path.join(dir, 'agent-credential.json');
  writeFileSync(credential, JSON.stringify({ principal: 'agent', secret: 'secret-of-agent' }), { mode: 0o600 });
  const tls = {
    LIBPROCESS_SSL_ENABLED: 'true',
    LIBPROCESS_SSL_CERT_FILE: cert,
    LIBPROCESS_SSL_KEY_FILE: key,
    LIBPROCESS_SSL_CA_FILE: cert,
    LIBPROCESS_SSL_VERIFY_SERVER_CERT: 'true',
  };
  // SUPPORT_DOWNGRADE only lets the test helpers' plain health checks in; every daemon and the
  // measured command speak TLS.
  const master = await startMaster(
    [
      '--quiet',
      `--credentials=${credentials}`,
      '--authenticate_agents',
      '--authenticate_http_frameworks',
      '--http_framework_authenticators=basic',
    ],
    { ...tls, LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'true' },
  );
  try {
    const agent = await startAgent(master, [...BENCH_AGENT_FLAGS, `--credential=${credential}`], {
      env: { ...tls, LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'true' },
    });
    try {
      const samples = { plain: [] as number[], secure: [] as number[] };
      for (let i = 0; i < runs + 2; i++) {
        const p = await timeCommand(cmd.file, executeArgs(cmd, plain, `bench-plain-${i}`));
        const s = await timeCommand(
          cmd.file,
          executeArgs(cmd, master, `bench-secure-${i}`, ['--principal=jobs', '--secret=secret-of-jobs']),
          tls,
        );
        if (i < 2) continue; // warm-ups
        samples.plain.push(p);
        samples.secure.push(s);
      }
      samples.plain.sort((a, b) => a - b);
      samples.secure.sort((a, b) => a - b);
      return samples;
    } finally {
      await agent.stop();
    }
  } finally {
    await master.stop();
  }
}
