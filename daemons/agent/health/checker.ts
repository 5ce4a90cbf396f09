// General checks of a running task (TaskInfo.check, Mesos's CheckInfo): unlike health checks
// they judge nothing — the raw result (a command's exit code, an HTTP status code, whether a
// TCP connection opened) goes to the scheduler in TaskStatus.check_status whenever it changes,
// with REASON_TASK_CHECK_STATUS_UPDATED, as Mesos's executors do.
import { exec } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { CheckInfo, CheckStatusInfo } from '../../common/mesos.ts';
import type { CheckTarget } from './health-checker.ts';

function commandResult(check: CheckInfo, target: CheckTarget, timeoutMs: number): Promise<CheckStatusInfo> {
  const c = check.command?.command;
  const env = { ...target.env };
  for (const v of c?.environment?.variables ?? []) env[v.name] = v.value ?? '';
  return new Promise((resolve) => {
    if (!c?.value) return resolve({ type: 'COMMAND', command: {} });
    exec(c.value, { cwd: target.cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL', shell: '/bin/sh' }, (err) => {
      if (!err) resolve({ type: 'COMMAND', command: { exit_code: 0 } });
      else if ((err as { killed?: boolean }).killed) resolve({ type: 'COMMAND', command: {} });
      else resolve({ type: 'COMMAND', command: { exit_code: (err as { code?: number }).code ?? 1 } });
    });
  });
}

function httpResult(check: CheckInfo, target: CheckTarget, timeoutMs: number): Promise<CheckStatusInfo> {
  const h = check.http;
  return new Promise((resolve) => {
    if (!h?.port) return resolve({ type: 'HTTP', http: {} });
    const req = http.get(`http://${target.host}:${h.port}${h.path ?? '/'}`, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ type: 'HTTP', http: { status_code: res.statusCode ?? 0 } });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    // No answer at all: the check could not be performed, so there is no status code.
    req.on('error', () => resolve({ type: 'HTTP', http: {} }));
  });
}

function tcpResult(check: CheckInfo, target: CheckTarget, timeoutMs: number): Promise<CheckStatusInfo> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: target.host, port: check.tcp?.port ?? 0 });
    const done = (succeeded: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ type: 'TCP', tcp: { succeeded } });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export function runGeneralCheck(check: CheckInfo, target: CheckTarget, timeoutMs: number): Promise<CheckStatusInfo | undefined> {
  switch (check.type) {
    case 'COMMAND':
      return commandResult(check, target, timeoutMs);
    case 'HTTP':
      return httpResult(check, target, timeoutMs);
    case 'TCP':
      return tcpResult(check, target, timeoutMs);
    default:
      return Promise.resolve(undefined);
  }
}

export class Checker {
  private timer?: NodeJS.Timeout;
  private last?: string;
  private stopped = false;

  constructor(
    private readonly check: CheckInfo,
    private readonly target: CheckTarget,
    private readonly changed: (status: CheckStatusInfo) => void,
  ) {}

  /** The check's status before its first result: its type only (what TASK_RUNNING carries). */
  static initial(check: CheckInfo): CheckStatusInfo | undefined {
    const type = check.type;
    if (type === 'COMMAND') return { type, command: {} };
    if (type === 'HTTP') return { type, http: {} };
    if (type === 'TCP') return { type, tcp: {} };
    return undefined;
  }

  /** Checks after delay_seconds, then every interval_seconds; reports changed results. */
  start(): void {
    const initial = Checker.initial(this.check);
    if (!initial) return;
    this.last = JSON.stringify(initial);
    this.schedule((this.check.delay_seconds ?? 15) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private report(status: CheckStatusInfo): void {
    const key = JSON.stringify(status);
    if (key === this.last) return;
    this.last = key;
    this.changed(status);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const result = await runGeneralCheck(this.check, this.target, (this.check.timeout_seconds ?? 20) * 1000);
    if (this.stopped) return;
    if (result) this.report(result);
    this.schedule((this.check.interval_seconds ?? 10) * 1000);
  }
}
