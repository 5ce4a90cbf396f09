// Where things live under --work_dir, in Mesos's layout, so operators and tools find sandboxes
// where they expect them:
//   <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<executor>/runs/<container>   sandbox
//   <work_dir>/meta/slaves/latest -> <agent id>                                       identity
import { chownSync, mkdirSync, readdirSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { OsUser } from './users.ts';

export function sandboxDir(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return path.join(workDir, 'slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
}

/**
 * Creates a sandbox, owned by the user the command in it runs as (the task must be able to
 * write it, as with Mesos's chown of the sandbox). Returns why it could not be given to them.
 */
export function makeSandbox(dir: string, owner: OsUser | undefined): string | undefined {
  mkdirSync(dir, { recursive: true });
  if (!owner) return undefined;
  try {
    chownSync(dir, owner.uid, owner.gid);
    return undefined;
  } catch (err) {
    return `Cannot give sandbox ${dir} to ${owner.name}: ${(err as Error).message}`;
  }
}

/** The parts of a sandbox path (the inverse of sandboxDir), or undefined for another path. */
export function parseSandboxDir(
  dir: string,
): { agentId: string; frameworkId: string; executorId: string; containerId: string } | undefined {
  const m = /\/slaves\/([^/]+)\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/([^/]+)$/.exec(dir);
  return m ? { agentId: m[1]!, frameworkId: m[2]!, executorId: m[3]!, containerId: m[4]! } : undefined;
}

/**
 * The paths /files serves the latest run of an executor under: Mesos's two, the virtual
 * `/frameworks/<fw>/executors/<ex>/runs/latest` and the work_dir path of the `runs/latest`
 * symlink Mesos keeps on disk (this agent makes none), and `/slaves/<agent>/.../runs/latest`,
 * that path relative to the work_dir, which clients of this agent use too.
 */
export function latestRunPaths(workDir: string, agentId: string, frameworkId: string, executorId: string): string[] {
  const run = `frameworks/${frameworkId}/executors/${executorId}/runs/latest`;
  return [`/${run}`, path.join(workDir, 'slaves', agentId, run), `/slaves/${agentId}/${run}`];
}

/** Names in `dir`, none when it cannot be listed. */
function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The container ids of every run of agent `agentId` that has a sandbox under `workDir`. */
export function runsWithSandbox(workDir: string, agentId: string): Set<string> {
  const runs = new Set<string>();
  const frameworks = path.join(workDir, 'slaves', agentId, 'frameworks');
  for (const fw of names(frameworks)) {
    const executors = path.join(frameworks, fw, 'executors');
    for (const ex of names(executors)) for (const run of names(path.join(executors, ex, 'runs'))) runs.add(run);
  }
  return runs;
}

export function metaDir(workDir: string): string {
  return path.join(workDir, 'meta');
}

export function latestAgentLink(workDir: string): string {
  return path.join(metaDir(workDir), 'slaves', 'latest');
}

/**
 * Removes an executor run's directory (a sandbox, or its checkpoints in the older layout), then
 * its parents up to the framework's directory when they are left empty.
 */
export async function removeRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  // <agent>/frameworks/<fw>/executors/<ex>/runs/<run>: up to the framework's directory.
  let parent = path.dirname(dir);
  for (let i = 0; i < 4; i++) {
    try {
      await rmdir(parent);
    } catch {
      return; // not empty (or gone): later runs still use it
    }
    parent = path.dirname(parent);
  }
}
