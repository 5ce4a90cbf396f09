// The agent's side of the task supervisor: starts it when it is not running, sends requests,
// receives EXITED events, and reconnects (restarting the supervisor) if the connection breaks.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { selfCommand } from '../../common/program.ts';
import {
  type ContainerSpec,
  type ContainerState,
  type ExitStatus,
  type ExitedEvent,
  SOCKET_NAME,
  type SupervisorReply,
  type SupervisorRequest,
} from './protocol.ts';

type Pending = { resolve: (r: SupervisorReply) => void; reject: (e: Error) => void };
type RequestBody = SupervisorRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class SupervisorError extends Error {}

const CLOSED = 'the agent is stopping: no more requests to the task supervisor';

/**
 * The supervisor forks every task, and a fork copies the page tables of the process's memory:
 * V8's young generation at 1 MB semi-spaces instead of the binary's 8 keeps the supervisor's
 * memory, and so the work of each fork, smaller, at no cost to the launch rate (the runs:
 * docs/benchmarks-log.md, "less agent work per task").
 */
export const SUPERVISOR_NODE_OPTIONS = ['--max-semi-space-size=1'];

export class SupervisorClient {
  private socket?: net.Socket;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private connecting?: Promise<void>;
  onExit: (containerId: string, exit: ExitStatus) => void = () => {};
  /** Called after every (re)connection, so the agent can LIST and catch up on exits. */
  onConnected: () => void = () => {};

  constructor(
    private readonly runtimeDir: string,
    private readonly recoveryTimeoutSecs: number,
    private readonly log: Logger,
  ) {}

  get socketPath(): string {
    return path.join(this.runtimeDir, SOCKET_NAME);
  }

  private startSupervisor(): void {
    mkdirSync(this.runtimeDir, { recursive: true });
    const out = openSync(path.join(this.runtimeDir, 'supervisor.log'), 'a');
    const cmd = selfCommand(
      ['supervisor', `--runtime_dir=${this.runtimeDir}`, `--recovery_timeout=${this.recoveryTimeoutSecs}secs`],
      SUPERVISOR_NODE_OPTIONS,
    );
    const child = spawn(cmd.file, cmd.args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env } });
    child.unref();
    this.log.info(`Started the task supervisor (pid ${child.pid}) for ${this.runtimeDir}`);
  }

  private tryConnect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.socketPath);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  }

  /** Connects, starting the supervisor when nobody answers on the socket. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    let started = false;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.closed) throw new SupervisorError(CLOSED);
      try {
        const s = await this.tryConnect();
        // close() came while connecting: this socket would keep a stopping agent alive.
        if (this.closed) {
          s.destroy();
          throw new SupervisorError(CLOSED);
        }
        this.attach(s);
        this.onConnected();
        return;
      } catch (err) {
        if (this.closed) throw err instanceof SupervisorError ? err : new SupervisorError(CLOSED);
        if (!started) {
          this.startSupervisor();
          started = true;
        }
        if (Date.now() > deadline)
          throw new SupervisorError(`the task supervisor did not start; see ${path.join(this.runtimeDir, 'supervisor.log')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  private attach(s: net.Socket): void {
    this.socket = s;
    s.setEncoding('utf8');
    let buffered = '';
    s.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (line) this.dispatch(line);
      }
    });
    const lost = () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      for (const p of this.pending.values()) p.reject(new SupervisorError('the connection to the task supervisor broke'));
      this.pending.clear();
      if (this.closed) return;
      this.log.warn('Lost the connection to the task supervisor; reconnecting');
      this.connect().catch((err: unknown) => this.log.error(`Cannot reach the task supervisor: ${(err as Error).message}`));
    };
    s.on('close', lost);
    s.on('error', lost);
  }

  private dispatch(line: string): void {
    let msg: SupervisorReply | ExitedEvent;
    try {
      msg = JSON.parse(line) as SupervisorReply | ExitedEvent;
    } catch {
      return;
    }
    if ('event' in msg) {
      if (msg.event === 'EXITED') this.onExit(msg.container_id, msg.exit);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    p.resolve(msg);
  }

  private async request(body: RequestBody): Promise<SupervisorReply> {
    // After close() (the agent is stopping) a request must not reconnect: the new socket would
    // keep the agent's process alive until something kills it.
    if (this.closed) throw new SupervisorError(CLOSED);
    if (!this.socket) await this.connect();
    const id = this.nextId++;
    const socket = this.socket!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  async launch(spec: ContainerSpec): Promise<number> {
    const r = await this.request({ type: 'LAUNCH', container: spec });
    if (!r.ok) throw new SupervisorError(r.error);
    return r.pid!;
  }

  async kill(containerId: string, graceMs: number, signal?: NodeJS.Signals): Promise<void> {
    const r = await this.request({ type: 'KILL', container_id: containerId, grace_ms: graceMs, ...(signal ? { signal } : {}) });
    if (!r.ok) throw new SupervisorError(r.error);
  }

  async list(): Promise<ContainerState[]> {
    const r = await this.request({ type: 'LIST' });
    if (!r.ok) throw new SupervisorError(r.error);
    return r.containers ?? [];
  }

  async forget(containerId: string): Promise<void> {
    await this.request({ type: 'FORGET', container_id: containerId });
  }

  /** Kills every task and stops the supervisor. */
  async shutdown(graceMs: number): Promise<void> {
    await this.request({ type: 'SHUTDOWN', grace_ms: graceMs }).catch(() => undefined);
    this.close();
  }

  close(): void {
    this.closed = true;
    this.socket?.end();
  }
}
