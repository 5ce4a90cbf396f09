// The task supervisor (`mesos supervisor`, started by the agent, not by users): the parent of
// every task process on this agent. It lives in its own session, so the agent can crash, be
// killed or restarted without taking tasks with it; it reaps each task, keeps its real exit
// status (also on disk, for a supervisor restart), and reports exits to whichever agent is
// connected. Mesos gets the same from a per-task executor process; one supervisor per agent is
// much cheaper. If no agent connects for --recovery_timeout it kills every task and exits, as
// Mesos executors do when their agent never comes back.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { readJson, removeFile, writeJsonAtomicSync } from '../../common/checkpoint.ts';
import { type FlagDef, type FlagValues, loadFlags } from '../../common/flags/index.ts';
import { loadProgramFlags } from '../../common/program.ts';
import {
  type ContainerSpec,
  type ContainerState,
  type ExitStatus,
  type ExitedEvent,
  SOCKET_NAME,
  type SupervisorReply,
  type SupervisorRequest,
  supervisorAnswers,
} from './protocol.ts';

const supervisorFlagDefs = [
  { name: 'runtime_dir', type: 'path', required: true, help: "The agent's runtime directory (socket and container records)." },
  { name: 'recovery_timeout', type: 'duration', default: '15mins', help: 'Kill all tasks and exit when no agent connects for this long.' },
  { name: 'idle_timeout', type: 'duration', default: '1mins', help: 'Exit when there are no tasks and no agent for this long.' },
] as const satisfies readonly FlagDef[];

type SupervisorFlags = FlagValues<typeof supervisorFlagDefs>;

interface Container {
  state: ContainerState;
  startTime?: string;
  child?: ChildProcess;
  killTimer?: NodeJS.Timeout;
}

/** Field 22 of /proc/<pid>/stat: when the process started, to tell a pid from its reuse. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

class Supervisor {
  private readonly containers = new Map<string, Container>();
  private readonly clients = new Set<net.Socket>();
  private readonly recordsDir: string;
  private lastAgentSeen = Date.now();
  private server?: net.Server;

  constructor(
    private readonly runtimeDir: string,
    private readonly flags: SupervisorFlags,
  ) {
    this.recordsDir = path.join(runtimeDir, 'containers');
  }

  /**
   * Writes a container's record before its launch is answered and before its exit is reported.
   * Atomically, synchronously and without fsync: it must survive a crash of the supervisor (the
   * page cache does that), while a crash of the machine ends every process the records describe
   * anyway. Two durable asynchronous writes per task (nine file-system calls each through the
   * thread pool) would make every launch wait on the disk for no gain (the runs:
   * docs/benchmarks-log.md, "writes its container records without fsync").
   */
  private async record(c: Container): Promise<void> {
    writeJsonAtomicSync(path.join(this.recordsDir, `${c.state.id}.json`), { ...c.state, start_time: c.startTime });
  }

  /** Containers of an earlier supervisor: still running ones are watched, others are ended. */
  async adopt(): Promise<void> {
    mkdirSync(this.recordsDir, { recursive: true });
    for (const name of readdirSync(this.recordsDir)) {
      if (!name.endsWith('.json')) continue;
      const read = await readJson<ContainerState & { start_time?: string }>(path.join(this.recordsDir, name));
      if (!read.ok) {
        process.stderr.write(`supervisor: ${read.error}; record removed\n`);
        await removeFile(path.join(this.recordsDir, name));
        continue;
      }
      const { start_time: startTime, ...state } = read.value;
      const c: Container = { state, ...(startTime ? { startTime } : {}) };
      this.containers.set(state.id, c);
      if (!state.exit) {
        if (startTime && processStartTime(state.pid) === startTime) this.watchOrphan(c);
        else await this.exited(c, { code: null, signal: null, unknown: true, at: Date.now() });
      }
    }
  }

  /** A task that is not our child any more: poll until it is gone; its status is unknowable. */
  private watchOrphan(c: Container): void {
    const timer = setInterval(() => {
      if (processStartTime(c.state.pid) !== c.startTime) {
        clearInterval(timer);
        void this.exited(c, { code: null, signal: null, unknown: true, at: Date.now() });
      }
    }, 1000);
  }

  private async exited(c: Container, exit: ExitStatus): Promise<void> {
    if (c.state.exit) return;
    if (c.killTimer) clearTimeout(c.killTimer);
    // Whatever the task left behind in its process group goes with it.
    signalGroup(c.state.pid, 'SIGKILL');
    c.state.exit = exit;
    c.child = undefined;
    await this.record(c).catch((err: unknown) => process.stderr.write(`supervisor: cannot record exit of ${c.state.id}: ${String(err)}\n`));
    this.broadcast({ event: 'EXITED', container_id: c.state.id, exit });
  }

  private broadcast(event: ExitedEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    for (const s of this.clients) s.write(line);
  }

  private launch(spec: ContainerSpec): Promise<SupervisorReply & { id: number }> {
    return new Promise((resolve) => {
      const existing = this.containers.get(spec.id);
      if (existing) {
        resolve({ id: 0, ok: true, pid: existing.state.pid });
        return;
      }
      let stdout: number;
      let stderr: number;
      try {
        stdout = openSync(spec.stdoutPath, 'a');
        stderr = openSync(spec.stderrPath, 'a');
      } catch (err) {
        resolve({ id: 0, ok: false, error: `cannot open the sandbox's stdout/stderr: ${(err as Error).message}` });
        return;
      }
      let child: ChildProcess;
      try {
        child = spawn(spec.file, spec.args, {
          argv0: spec.argv0,
          cwd: spec.cwd,
          env: spec.env,
          stdio: ['ignore', stdout, stderr],
          detached: true,
          ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
          ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
        });
      } catch (err) {
        closeSync(stdout);
        closeSync(stderr);
        resolve({ id: 0, ok: false, error: `Failed to launch '${spec.file}': ${(err as Error).message}` });
        return;
      }
      closeSync(stdout);
      closeSync(stderr);
      child.once('error', (err) => {
        if (child.pid === undefined) resolve({ id: 0, ok: false, error: `Failed to launch '${spec.file}': ${err.message}` });
      });
      child.once('spawn', () => {
        const pid = child.pid!;
        const c: Container = { state: { id: spec.id, pid, launchedAt: Date.now() }, child };
        const startTime = processStartTime(pid);
        if (startTime) c.startTime = startTime;
        this.containers.set(spec.id, c);
        child.once('exit', (code, signal) => void this.exited(c, { code, signal, at: Date.now() }));
        this.record(c)
          .catch((err: unknown) => process.stderr.write(`supervisor: cannot record launch of ${spec.id}: ${String(err)}\n`))
          .finally(() => resolve({ id: 0, ok: true, pid }));
      });
    });
  }

  private kill(id: string, graceMs: number, signal?: NodeJS.Signals): SupervisorReply {
    const c = this.containers.get(id);
    if (!c) return { id: 0, ok: false, error: `unknown container ${id}` };
    if (c.state.exit) return { id: 0, ok: true };
    if (signal !== undefined) {
      signalGroup(c.state.pid, signal);
      return { id: 0, ok: true };
    }
    signalGroup(c.state.pid, 'SIGTERM');
    if (!c.killTimer) c.killTimer = setTimeout(() => signalGroup(c.state.pid, 'SIGKILL'), graceMs);
    return { id: 0, ok: true };
  }

  async killAll(graceMs: number): Promise<void> {
    const running = [...this.containers.values()].filter((c) => !c.state.exit);
    for (const c of running) this.kill(c.state.id, graceMs);
    const deadline = Date.now() + graceMs + 2000;
    while (Date.now() < deadline && [...this.containers.values()].some((c) => !c.state.exit && c.child)) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: SupervisorRequest): Promise<SupervisorReply> {
    switch (req.type) {
      case 'LAUNCH':
        return { ...(await this.launch(req.container)), id: req.id };
      case 'KILL':
        return { ...this.kill(req.container_id, req.grace_ms, req.signal), id: req.id };
      case 'LIST':
        return { id: req.id, ok: true, containers: [...this.containers.values()].map((c) => c.state) };
      case 'FORGET': {
        const c = this.containers.get(req.container_id);
        if (c?.state.exit) {
          this.containers.delete(req.container_id);
          await removeFile(path.join(this.recordsDir, `${req.container_id}.json`));
        }
        return { id: req.id, ok: true };
      }
      case 'SHUTDOWN':
        await this.killAll(req.grace_ms);
        setImmediate(() => this.exit(0));
        return { id: req.id, ok: true };
      default:
        return { id: (req as { id: number }).id, ok: false, error: `unknown request ${(req as { type?: string }).type}` };
    }
  }

  private serve(socket: net.Socket): void {
    this.clients.add(socket);
    this.lastAgentSeen = Date.now();
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (line === '') continue;
        let req: SupervisorRequest;
        try {
          req = JSON.parse(line) as SupervisorRequest;
        } catch {
          continue;
        }
        void this.handle(req).then((reply) => {
          if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
        });
      }
    });
    const gone = () => {
      this.clients.delete(socket);
      this.lastAgentSeen = Date.now();
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  /** True when another supervisor already serves this runtime directory. */
  async anotherIsRunning(): Promise<boolean> {
    const alive = await supervisorAnswers(this.runtimeDir);
    const socketPath = path.join(this.runtimeDir, SOCKET_NAME);
    if (!alive && existsSync(socketPath)) unlinkSync(socketPath);
    return alive;
  }

  async listen(): Promise<void> {
    const socketPath = path.join(this.runtimeDir, SOCKET_NAME);
    const server = net.createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  }

  /** Periodic: the recovery timeout and the idle exit. */
  watch(): void {
    setInterval(() => {
      if (this.clients.size > 0) return;
      const alone = Date.now() - this.lastAgentSeen;
      const running = [...this.containers.values()].some((c) => !c.state.exit);
      if (running && alone > this.flags.recovery_timeout * 1000) {
        process.stderr.write(`supervisor: no agent for ${this.flags.recovery_timeout}s; killing all tasks\n`);
        void this.killAll(5000).then(() => this.exit(0));
      } else if (!running && alone > this.flags.idle_timeout * 1000) {
        this.exit(0);
      }
    }, 1000).unref();
  }

  exit(code: number): void {
    this.server?.close();
    process.exit(code);
  }
}

export async function runSupervisor(argv: string[], progName: string): Promise<number> {
  const res = loadProgramFlags(progName, `--runtime_dir=DIR\n\nInternal: the agent's task supervisor.`, supervisorFlagDefs, () =>
    loadFlags<SupervisorFlags>(supervisorFlagDefs, { argv, env: {}, progName }),
  );
  if (!res.ok) return res.exitCode;
  const flags = res.loaded.values;
  const dir = path.resolve(flags.runtime_dir);
  mkdirSync(dir, { recursive: true });
  const sup = new Supervisor(dir, flags);
  if (await sup.anotherIsRunning()) return 0;
  await sup.adopt();
  await sup.listen();
  writeFileSync(path.join(dir, 'supervisor.pid'), `${process.pid}\n`);
  process.stderr.write(`supervisor: pid ${process.pid} serving ${dir}; Node options: ${process.execArgv.join(' ') || '(none)'}\n`);
  sup.watch();
  const onSignal = () => void sup.killAll(2000).then(() => sup.exit(0));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {});
  await new Promise(() => {});
  return 0;
}
