// Runs a task's CommandInfo as a process group in its sandbox (what Mesos's command executor
// does under the posix launcher): stdout/stderr go to files in the sandbox, the process leads
// its own session so a kill reaches everything it started, and when the command exits the
// rest of its group is killed too, as destroying a container would.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import type { CommandInfo } from '../../common/mesos.ts';
import type { OsUser } from '../users.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchSpec {
  command: CommandInfo;
  sandbox: string;
  env: Record<string, string>;
  user?: OsUser | undefined;
}

export interface RunningProcess {
  pid: number;
  exited: Promise<ExitInfo>;
  /** SIGTERM to the group, then SIGKILL after graceMs if it is still there. */
  kill(graceMs: number): void;
}

export class LaunchError extends Error {}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function launchProcess(spec: LaunchSpec): RunningProcess {
  const { command } = spec;
  const shell = command.shell !== false;
  const value = command.value ?? '';
  const file = shell ? '/bin/sh' : value;
  const args = shell ? ['-c', value] : (command.arguments ?? []).slice(1);
  const argv0 = shell ? 'sh' : (command.arguments?.[0] ?? value);
  const stdout = openSync(path.join(spec.sandbox, 'stdout'), 'a');
  const stderr = openSync(path.join(spec.sandbox, 'stderr'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      argv0,
      cwd: spec.sandbox,
      env: spec.env,
      stdio: ['ignore', stdout, stderr],
      detached: true,
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
    });
  } catch (err) {
    throw new LaunchError(`Failed to launch '${value}': ${(err as Error).message}`);
  } finally {
    closeSync(stdout);
    closeSync(stderr);
  }
  let killTimer: NodeJS.Timeout | undefined;
  let done = false;
  const exited = new Promise<ExitInfo>((resolve, reject) => {
    child.once('error', (err) => {
      if (child.pid === undefined) reject(new LaunchError(`Failed to launch '${value}': ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      done = true;
      if (killTimer) clearTimeout(killTimer);
      // Whatever the command left behind in its group goes with it.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) {
    // spawn reports ENOENT/EACCES asynchronously; surface it through `exited`.
    return { pid: -1, exited, kill: () => {} };
  }
  const pid = child.pid;
  return {
    pid,
    exited,
    kill(graceMs: number) {
      if (done) return;
      signalGroup(pid, 'SIGTERM');
      if (killTimer) return;
      killTimer = setTimeout(() => {
        if (!done) signalGroup(pid, 'SIGKILL');
      }, graceMs);
    },
  };
}
