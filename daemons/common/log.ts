// Logging through pino, printed in the glog-like one-line form Mesos operators read in
// `journalctl -u mesos-master`: `I1126 12:25:33.123456 4242 master] Agent registered ...`.
// With --log_dir the same lines also go to <log_dir>/<program>.INFO, which the /files
// endpoints expose as /master/log or /slave/log.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

export type LoggingLevel = 'INFO' | 'WARNING' | 'ERROR';

const LEVEL_LETTER: Record<number, string> = { 10: 'D', 20: 'D', 30: 'I', 40: 'W', 50: 'E', 60: 'F' };
const PINO_LEVEL: Record<LoggingLevel, string> = { INFO: 'info', WARNING: 'warn', ERROR: 'error' };

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** Turns one pino JSON record into a glog-style line. Exported for tests. */
export function formatRecord(rec: Record<string, unknown>): string {
  const t = new Date(typeof rec.time === 'number' ? rec.time : Date.now());
  const letter = LEVEL_LETTER[rec.level as number] ?? 'I';
  const stamp = `${pad(t.getMonth() + 1)}${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds() * 1000, 6)}`;
  let line = `${letter}${stamp} ${rec.pid ?? process.pid} ${rec.name ?? 'mesos'}] ${rec.msg ?? ''}`;
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'level' || k === 'time' || k === 'pid' || k === 'hostname' || k === 'name' || k === 'msg' || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object' && 'message' in v) {
      line += ` error=${formatValue((v as { message: unknown }).message)}`;
      continue;
    }
    line += ` ${k}=${formatValue(v)}`;
  }
  return `${line}\n`;
}

export interface LogOptions {
  name: string;
  level?: LoggingLevel;
  quiet?: boolean;
  logDir?: string;
  /** Program name for the log file, e.g. mesos-master -> <log_dir>/mesos-master.INFO */
  fileName?: string;
}

export interface LogHandle {
  logger: Logger;
  /** Absolute path of the log file when --log_dir is set. */
  file?: string;
  close(): Promise<void>;
}

export function createLogger(opts: LogOptions): LogHandle {
  const sinks: Array<NodeJS.WritableStream> = [];
  if (!opts.quiet) sinks.push(process.stderr);
  let file: string | undefined;
  let fileStream: WriteStream | undefined;
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true });
    file = path.join(path.resolve(opts.logDir), `${opts.fileName ?? opts.name}.INFO`);
    fileStream = createWriteStream(file, { flags: 'a' });
    sinks.push(fileStream);
  }
  const destination = {
    write(chunk: string): void {
      let line: string;
      try {
        line = formatRecord(JSON.parse(chunk) as Record<string, unknown>);
      } catch {
        line = chunk;
      }
      for (const s of sinks) s.write(line);
    },
  };
  const logger = pino(
    // With nowhere to write (--quiet and no --log_dir), records are not even made.
    {
      name: opts.name,
      level: sinks.length === 0 ? 'silent' : PINO_LEVEL[opts.level ?? 'INFO'],
      base: { pid: process.pid, name: opts.name },
    },
    destination,
  );
  return {
    logger,
    ...(file ? { file } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        if (!fileStream) return resolve();
        fileStream.end(() => resolve());
      }),
  };
}

/** A logger that drops everything, for unit tests of modules that log. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
