// Health checks of a running task (TaskInfo.health_check), with Mesos's semantics: the first
// check after `delay_seconds`, then every `interval_seconds`, each bounded by
// `timeout_seconds`; failures inside `grace_period_seconds` (before the first success) do not
// count; a change of health is reported (TASK_RUNNING with `healthy`), and after
// `consecutive_failures` failures in a row the task is killed, as Mesos's executors do.
import { exec } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HealthCheck } from '../../common/mesos.ts';

export interface HealthEvents {
  /** Health changed (or was first established); message says why. */
  healthChanged(healthy: boolean, message: string): void;
  /** Too many consecutive failures: the task must be killed. */
  kill(message: string): void;
}

export interface CheckTarget {
  host: string;
  cwd: string;
  env: Record<string, string>;
}

/** A health check's answer, as every check here: why it failed, or undefined when it passed. */
type Outcome = string | undefined;

/** Runs one check of the given kind; never throws. */
export async function runCheck(check: HealthCheck, target: CheckTarget, timeoutMs: number): Promise<Outcome> {
  switch (check.type) {
    case 'HTTP':
      return httpCheck(check, target, timeoutMs);
    case 'TCP':
      return tcpCheck(check.tcp?.port ?? 0, target.host, timeoutMs);
    case 'COMMAND':
      return commandCheck(check, target, timeoutMs);
    default:
      return `unsupported health check type ${check.type ?? '(none)'}`;
  }
}

function httpCheck(check: HealthCheck, target: CheckTarget, timeoutMs: number): Promise<Outcome> {
  const h = check.http;
  if (!h?.port) return Promise.resolve('HTTP health check without a port');
  const scheme = h.scheme === 'https' ? 'https' : 'http';
  const url = `${scheme}://${target.host}:${h.port}${h.path ?? '/'}`;
  const client = scheme === 'https' ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { timeout: timeoutMs, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      const good = h.statuses && h.statuses.length > 0 ? h.statuses.includes(code) : code >= 200 && code < 400;
      resolve(good ? undefined : `HTTP health check to ${url} returned ${code}`);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs / 1000}s`)));
    req.on('error', (err) => resolve(`HTTP health check to ${url} failed: ${err.message}`));
  });
}

function tcpCheck(port: number, host: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(`TCP health check to ${host}:${port} timed out after ${timeoutMs / 1000}s`);
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(undefined);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve(`TCP health check to ${host}:${port} failed: ${err.message}`);
    });
  });
}

function commandCheck(check: HealthCheck, target: CheckTarget, timeoutMs: number): Promise<Outcome> {
  const c = check.command;
  if (!c?.value) return Promise.resolve('COMMAND health check without a command');
  const env = { ...target.env };
  for (const v of c.environment?.variables ?? []) env[v.name] = v.value ?? '';
  const line =
    c.shell === false ? [c.value, ...(c.arguments ?? []).slice(1)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ') : c.value;
  return new Promise((resolve) => {
    exec(line, { cwd: target.cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL', shell: '/bin/sh' }, (err) => {
      if (!err) resolve(undefined);
      else if ((err as { killed?: boolean }).killed) resolve(`command health check timed out after ${timeoutMs / 1000}s`);
      else resolve(`command health check exited with status ${(err as { code?: number }).code ?? '?'}`);
    });
  });
}

export class HealthChecker {
  private timer?: NodeJS.Timeout;
  private healthy?: boolean;
  private failures = 0;
  private everSucceeded = false;
  private stopped = false;
  private readonly startedAt: number;

  constructor(
    private readonly check: HealthCheck,
    private readonly target: CheckTarget,
    private readonly events: HealthEvents,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  start(): void {
    this.schedule((this.check.delay_seconds ?? 15) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const failure = await runCheck(this.check, this.target, (this.check.timeout_seconds ?? 20) * 1000);
    if (this.stopped) return;
    if (failure === undefined) {
      this.everSucceeded = true;
      this.failures = 0;
      if (this.healthy !== true) {
        this.healthy = true;
        this.events.healthChanged(true, 'Health check passed');
      }
    } else {
      const inGrace = !this.everSucceeded && this.now() - this.startedAt < (this.check.grace_period_seconds ?? 10) * 1000;
      if (!inGrace) {
        this.failures++;
        if (this.healthy !== false) {
          this.healthy = false;
          this.events.healthChanged(false, failure);
        }
        const limit = this.check.consecutive_failures ?? 3;
        if (this.failures >= limit) {
          this.stop();
          this.events.kill(`Task is unhealthy: ${limit} consecutive health checks failed (last: ${failure})`);
          return;
        }
      }
    }
    this.schedule((this.check.interval_seconds ?? 10) * 1000);
  }
}
