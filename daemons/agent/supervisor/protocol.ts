// Agent <-> task supervisor messages: newline-delimited JSON over a unix socket in the agent's
// runtime directory. Requests carry an `id` echoed in their reply; EXITED events are pushed.
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface ContainerSpec {
  /** Container id (`<run>` for a command task or a custom executor, `<run>.<task>` for a task of a group). */
  id: string;
  file: string;
  args: string[];
  argv0: string;
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  stdoutPath: string;
  stderrPath: string;
}

export interface ExitStatus {
  /** Exit code, or null when killed by a signal or when the status could not be observed. */
  code: number | null;
  signal: string | null;
  /** True when the process ended while no supervisor was its parent: its status is unknown. */
  unknown?: boolean;
  at: number;
}

export interface ContainerState {
  id: string;
  pid: number;
  launchedAt: number;
  exit?: ExitStatus;
}

export type SupervisorRequest =
  | { id: number; type: 'LAUNCH'; container: ContainerSpec }
  /**
   * SIGTERM, then SIGKILL after grace_ms; with `signal`, that signal alone (a supervisor from
   * before it existed ignores it and does the former, so senders give grace_ms 0 with it).
   */
  | { id: number; type: 'KILL'; container_id: string; grace_ms: number; signal?: NodeJS.Signals }
  | { id: number; type: 'LIST' }
  /** The agent has recorded the container's end; the supervisor may forget it. */
  | { id: number; type: 'FORGET'; container_id: string }
  /** Kill every container and exit (an agent stopping with its tasks: `mesos local`). */
  | { id: number; type: 'SHUTDOWN'; grace_ms: number };

export type SupervisorReply =
  | { id: number; ok: true; pid?: number; containers?: ContainerState[] }
  | { id: number; ok: false; error: string };

export interface ExitedEvent {
  event: 'EXITED';
  container_id: string;
  exit: ExitStatus;
}

export const SOCKET_NAME = 'supervisor.sock';

/** True when a task supervisor answers on the socket of `runtimeDir`. */
export function supervisorAnswers(runtimeDir: string): Promise<boolean> {
  const socketPath = path.join(runtimeDir, SOCKET_NAME);
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
}
