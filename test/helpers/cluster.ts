// Real daemons for integration tests: `node build/mesos.cjs master|agent|execute` processes on
// loopback, each with its own temp work_dir, and helpers to read their endpoints.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * What daemons run from: MESOS_TEST_BINARY, else the bundle the test runner builds before any
 * test runs (see test/run.ts). Read at each start: `npm run bench` sets it after importing this.
 */
export function testBinary(): string {
  return process.env.MESOS_TEST_BINARY ?? path.join(ROOT, 'build', 'mesos.cjs');
}
export const BUNDLE = testBinary();

export function mesosCommand(args: string[]): { file: string; args: string[] } {
  const bin = testBinary();
  if (bin.endsWith('.cjs') || bin.endsWith('.js')) return { file: process.execPath, args: [bin, ...args] };
  return { file: bin, args };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Directories tempDir() made in this process: removed when it exits (each test file is one). */
const tempDirs: string[] = [];

/**
 * A fresh directory under the system's temp dir, removed when the test process exits, unless
 * MESOS_TEST_KEEP_TMP is set (to look at a failed test's work dirs). One that still has
 * something mounted under it is left alone: removing it would reach into the mount.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mesos-test-${prefix}-`));
  if (tempDirs.length === 0) process.once('exit', removeTempDirs);
  tempDirs.push(dir);
  return dir;
}

function removeTempDirs(): void {
  if (process.env.MESOS_TEST_KEEP_TMP) return;
  // /proc/self/mounts escapes spaces and the like in octal; the directories made here have none.
  const mountPoints = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '');
  for (const dir of tempDirs) {
    if (mountPoints.some((m) => m === dir || m.startsWith(`${dir}/`))) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A daemon that outlived its test may still be writing there; what is left stays.
    }
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value (returned) or the timeout passes (throws). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

/** Stops an agent's task supervisor (which kills its tasks) and waits until it is gone. */
export async function stopSupervisor(runtimeDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(runtimeDir, 'supervisor.pid'), 'utf8'));
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(25);
  }
  process.kill(pid, 'SIGKILL');
}

export class Daemon {
  output = '';
  runtimeDir?: string;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exitPromise: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly port: number,
    readonly workDir: string,
  ) {
    proc.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    this.exitPromise = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async json<T = Record<string, unknown>>(p: string): Promise<T> {
    const res = await fetch(`${this.url}${p}`);
    if (!res.ok) throw new Error(`GET ${p} -> ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Stops the daemon; for an agent also its task supervisor and tasks, unless keepTasks. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000, keepTasks = false): Promise<void> {
    if (!this.exited) {
      this.proc.kill(signal);
      const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
      await this.exitPromise;
      clearTimeout(t);
    }
    if (this.runtimeDir && !keepTasks) await stopSupervisor(this.runtimeDir);
  }

  async waitExit(): Promise<void> {
    await this.exitPromise;
  }
}

/** An agent that exited (or was given up on) before it registered; `daemon.output` says why. */
export class AgentExitedError extends Error {
  constructor(
    readonly daemon: Daemon,
    why = 'agent exited early',
  ) {
    super(`${why}: ${daemon.output}`);
  }
}

export function spawnMesos(args: string[], env: Record<string, string> = {}): ChildProcess {
  const cmd = mesosCommand(args);
  return spawn(cmd.file, cmd.args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a master; `at` restarts one on the port and work dir of an earlier one. */
export async function startMaster(
  extra: string[] = [],
  env: Record<string, string> = {},
  at?: { port: number; workDir: string },
): Promise<Daemon> {
  const port = at?.port ?? (await freePort());
  const workDir = at?.workDir ?? tempDir('master');
  const ip = extra.some((a) => a.startsWith('--ip=')) ? [] : ['--ip=127.0.0.1'];
  const proc = spawnMesos(['master', ...ip, `--port=${port}`, `--work_dir=${workDir}`, ...extra], env);
  const d = new Daemon('master', proc, port, workDir);
  await waitFor(`master on ${port}`, async () => {
    if (d.exited) throw new Error(`master exited early: ${d.output}`);
    const res = await fetch(`${d.url}/health`);
    return res.ok;
  });
  return d;
}

export interface AgentOptions {
  workDir?: string;
  runtimeDir?: string;
  port?: number;
  env?: Record<string, string>;
}

/**
 * An agent of `masterSpec` (host:port, zk://..., file://...) on 127.0.0.1, started but not
 * waited for: for agents that follow a leader who may not be there yet.
 */
export async function spawnAgent(masterSpec: string, extra: string[] = [], opts: AgentOptions = {}): Promise<Daemon> {
  const port = opts.port ?? (await freePort());
  const workDir = opts.workDir ?? tempDir('agent');
  const runtimeDir = opts.runtimeDir ?? path.join(workDir, 'run');
  const proc = spawnMesos(
    [
      'agent',
      '--ip=127.0.0.1',
      `--port=${port}`,
      `--master=${masterSpec}`,
      `--work_dir=${workDir}`,
      `--runtime_dir=${runtimeDir}`,
      ...(extra.some((a) => a.startsWith('--resources=')) ? [] : ['--resources=cpus:4;mem:4096;disk:10000;ports:[31000-32000]']),
      // Tests read finished sandboxes: on a disk more than 90 % full the default headroom would
      // have them removed as soon as their tasks end (--gc_delay shrinks with disk usage).
      ...(extra.some((a) => a.startsWith('--gc_disk_headroom=')) ? [] : ['--gc_disk_headroom=0']),
      ...extra,
    ],
    opts.env,
  );
  const d = new Daemon('agent', proc, port, workDir);
  d.runtimeDir = runtimeDir;
  return d;
}

/** An agent of `master`, once the master lists it. */
export async function startAgent(
  master: Daemon,
  extra: string[] = [],
  opts: AgentOptions & { onSpawn?: (d: Daemon) => void } = {},
): Promise<Daemon> {
  const d = await spawnAgent(`127.0.0.1:${master.port}`, extra, opts);
  const port = d.port;
  opts.onSpawn?.(d);
  await waitFor(`agent on ${port} registered`, async () => {
    if (d.exited) throw new AgentExitedError(d);
    const state = await d.json<{ id: string }>('/state');
    return (
      state.id !== '' && master.json<{ slaves: { id: string }[] }>('/master/slaves').then((s) => s.slaves.some((a) => a.id === state.id))
    );
  }).catch(async (err: unknown) => {
    // Do not leave a half-started agent behind holding the port.
    if (!d.exited) await d.stop('SIGKILL', 10_000, true);
    throw err instanceof AgentExitedError ? err : new AgentExitedError(d, (err as Error).message);
  });
  return d;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the mesos binary to completion (e.g. `execute ...`). */
export async function runMesos(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}): Promise<RunResult> {
  const started = Date.now();
  const proc = spawnMesos(args, env);
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    proc.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr, ms: Date.now() - started };
}

/** A master and one agent, torn down together. */
export async function startCluster(
  masterArgs: string[] = [],
  agentArgs: string[] = [],
): Promise<{ master: Daemon; agent: Daemon; stop(): Promise<void> }> {
  const master = await startMaster(masterArgs);
  let agent: Daemon;
  try {
    agent = await startAgent(master, agentArgs);
  } catch (err) {
    await master.stop();
    throw err;
  }
  return {
    master,
    agent,
    async stop() {
      await agent.stop();
      await master.stop();
      rmSync(agent.workDir, { recursive: true, force: true });
      rmSync(master.workDir, { recursive: true, force: true });
    },
  };
}
