// What every program of the `mesos` binary does the same way: load flags (printing --help,
// --version, or a one-line error), and find the addresses a daemon binds to and advertises.
import os from 'node:os';
import { FlagError, type FlagDef, type Loaded, formatHelp } from './flags/index.ts';
import { TlsConfigError } from './tls-config.ts';
import { processTls } from './tls-process.ts';
import { versionLine } from './version.ts';

export type LoadResult<T> = { ok: true; loaded: Loaded<T> } | { ok: false; exitCode: number };

/** Loads flags; handles --help/--version and errors (one line on stderr, exit code 1). */
export function loadProgramFlags<T>(progName: string, usage: string, defs: readonly FlagDef[], load: () => Loaded<T>): LoadResult<T> {
  let loaded: Loaded<T>;
  try {
    loaded = load();
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`${err.message}\n`);
      return { ok: false, exitCode: 1 };
    }
    throw err;
  }
  if (loaded.help) {
    process.stdout.write(formatHelp(progName, usage, defs));
    return { ok: false, exitCode: 0 };
  }
  if (loaded.version) {
    process.stdout.write(`${versionLine()}\n`);
    return { ok: false, exitCode: 0 };
  }
  if (loaded.positional.length > 0) {
    process.stderr.write(
      `${progName}: unexpected argument '${loaded.positional[0]}'; options are written --name=value. Run '${progName} --help' for all options.\n`,
    );
    return { ok: false, exitCode: 1 };
  }
  for (const w of loaded.warnings) process.stderr.write(`${progName}: warning: ${w}\n`);
  try {
    processTls();
  } catch (err) {
    if (!(err instanceof TlsConfigError)) throw err;
    process.stderr.write(`${progName}: ${err.message}\n`);
    return { ok: false, exitCode: 1 };
  }
  return { ok: true, loaded };
}

/** A one-line startup error for problems flags cannot express (unusable dir, port in use...). */
export class StartupError extends Error {}

/** The first non-internal IPv4 address, else loopback: what a daemon advertises by default. */
export function defaultAdvertiseIp(): string {
  const env = process.env.LIBPROCESS_IP;
  if (env && env !== '0.0.0.0') return env;
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export interface Addresses {
  bindIp: string;
  advertiseIp: string;
  port: number;
  advertisePort: number;
  hostname: string;
}

export function resolveAddresses(f: {
  ip?: string | undefined;
  port: number;
  advertise_ip?: string | undefined;
  advertise_port?: number | undefined;
  hostname?: string | undefined;
  hostname_lookup?: boolean | undefined;
}): Addresses {
  const bindIp = f.ip ?? process.env.LIBPROCESS_IP ?? '0.0.0.0';
  const advertiseIp = f.advertise_ip ?? (bindIp !== '0.0.0.0' ? bindIp : defaultAdvertiseIp());
  const hostname = f.hostname ?? (f.hostname_lookup === false ? advertiseIp : os.hostname());
  return { bindIp, advertiseIp, port: f.port, advertisePort: f.advertise_port ?? f.port, hostname };
}

/** Runs until SIGTERM/SIGINT, then the cleanup; resolves with the exit code. */
export function waitForSignal(cleanup: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      cleanup().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * How to run this same program again with other arguments: the single executable directly,
 * or node with the script (and loader flags) when running as a bundle or from source.
 * `nodeOptions` are Node/V8 options added after this process's own (the later one wins); the
 * single executable takes them as `--node-options=...` (its execArgvExtension is 'cli').
 */
export function selfCommand(args: string[], nodeOptions: string[] = []): { file: string; args: string[] } {
  const script = process.argv[1];
  if (script && /\.(c|m)?(j|t)s$/.test(script))
    return { file: process.execPath, args: [...process.execArgv, ...nodeOptions, script, ...args] };
  return { file: process.execPath, args: [...(nodeOptions.length > 0 ? [`--node-options=${nodeOptions.join(' ')}`] : []), ...args] };
}

/**
 * The life of a daemon after its flags loaded: start it, print a StartupError as one line (exit
 * 1), then run until SIGTERM/SIGINT and stop it. `log` is closed in every case.
 */
export async function runDaemon<T>(
  progName: string,
  log: { close(): Promise<void> },
  start: () => Promise<T>,
  stop: (running: T) => Promise<void>,
): Promise<number> {
  let running: T;
  try {
    running = await start();
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`${progName}: ${err.message}\n`);
      await log.close();
      return 1;
    }
    throw err;
  }
  return waitForSignal(async () => {
    await stop(running);
    await log.close();
  });
}
