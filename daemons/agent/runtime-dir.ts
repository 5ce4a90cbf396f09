// Who owns a --runtime_dir. It holds the task supervisor's socket and container records, so it
// must serve one agent work_dir only, or two agents would take each other's tasks for their own
// (and kill them as orphans). The owner's work_dir is recorded in `<runtime_dir>/work_dir`.
// Another agent's record is respected while that agent may still be around: its work_dir exists
// (it may be restarted) or its task supervisor answers (its tasks run). A record whose work_dir
// is gone and whose supervisor is gone too is stale: nothing can come back for it, so it is
// taken over with a warning, and what the old supervisor left is treated as orphans by recovery.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../common/program.ts';
import { supervisorAnswers } from './supervisor/protocol.ts';

export type RuntimeDirVerdict =
  | { action: 'claim' }
  | { action: 'ours' }
  | { action: 'take-over'; warning: string }
  | { action: 'refuse'; error: string };

export interface RuntimeDirOwnership {
  runtimeDir: string;
  /** The work_dir of the agent starting now. */
  workDir: string;
  /** The work_dir recorded in the runtime dir, if any. */
  recorded: string | undefined;
  /** Whether the recorded work_dir still exists. */
  recordedExists: boolean;
  /** Whether a task supervisor answers on the runtime dir's socket. */
  supervisorAnswers: boolean;
}

/** What an agent starting with these facts does with the runtime dir (pure). */
export function runtimeDirVerdict(o: RuntimeDirOwnership): RuntimeDirVerdict {
  if (!o.recorded) return { action: 'claim' };
  if (o.recorded === o.workDir) return { action: 'ours' };
  const owned = `--runtime_dir=${o.runtimeDir} belongs to the agent with --work_dir=${o.recorded}`;
  if (o.recordedExists) return { action: 'refuse', error: `${owned}; give each agent its own --runtime_dir` };
  if (o.supervisorAnswers) {
    return {
      action: 'refuse',
      error: `${owned}, which no longer exists, but its task supervisor still runs (pid in ${path.join(o.runtimeDir, 'supervisor.pid')}) with that agent's tasks; stop it (SIGTERM kills its tasks) or give each agent its own --runtime_dir`,
    };
  }
  return {
    action: 'take-over',
    warning: `--runtime_dir=${o.runtimeDir} was last used by the agent with --work_dir=${o.recorded}, which no longer exists, and its task supervisor is gone; taking it over for --work_dir=${o.workDir} (task processes that agent left behind are killed as orphans)`,
  };
}

/** Records this agent as the runtime dir's owner, or throws a StartupError saying whose it is. */
export async function claimRuntimeDir(runtimeDir: string, workDir: string, warn: (message: string) => void): Promise<void> {
  const owner = path.join(runtimeDir, 'work_dir');
  try {
    mkdirSync(runtimeDir, { recursive: true });
    let recorded: string | undefined;
    try {
      recorded = readFileSync(owner, 'utf8').trim() || undefined;
    } catch {
      recorded = undefined;
    }
    const recordedExists = recorded !== undefined && existsSync(recorded);
    // Probed only when the answer decides anything.
    const answers = recorded !== undefined && recorded !== workDir && !recordedExists && (await supervisorAnswers(runtimeDir));
    const verdict = runtimeDirVerdict({ runtimeDir, workDir, recorded, recordedExists, supervisorAnswers: answers });
    if (verdict.action === 'refuse') throw new StartupError(verdict.error);
    if (verdict.action === 'take-over') warn(verdict.warning);
    if (verdict.action !== 'ours') writeFileSync(owner, `${workDir}\n`);
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(
      `--runtime_dir=${runtimeDir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}
