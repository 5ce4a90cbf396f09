// access_sandboxes on the agent's /files, as Mesos's Slave::authorizeSandboxAccess decides it:
// the object is the Unix user the executor runs as (its command's user, else its framework's),
// ANY when the agent no longer knows the framework. The decision is made on the real path a
// request resolved to, not on the path it was asked by, so that no `..` or symlink in a sandbox
// reaches another one; and what is then opened must stay in the sandbox decided on.
import path from 'node:path';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import type { FilesAuthorizer, Found } from '../common/files.ts';
import type { PrincipalRequest } from '../common/http-auth.ts';

/** The part of <work_dir>/slaves a real path lies in: a framework's, an executor's, or none (above them). */
export interface SandboxScope {
  frameworkId?: string;
  executorId?: string;
  /** The directory of that framework or executor run (or `slavesDir` above them). */
  root: string;
}

/**
 * Where under `slavesDir` (a real path) `realPath` lies, in the layout
 * <agent>/frameworks/<fw>/executors/<ex>/runs/<run>; undefined when it is not under it.
 */
export function sandboxScope(realPath: string, slavesDir: string): SandboxScope | undefined {
  if (realPath !== slavesDir && !realPath.startsWith(`${slavesDir}/`)) return undefined;
  const parts = path.relative(slavesDir, realPath).split('/');
  const [agent, frameworks, frameworkId, executors, executorId, runs, run] = parts;
  if (frameworks !== 'frameworks' || !frameworkId) return { root: slavesDir };
  const fwDir = path.join(slavesDir, agent!, frameworks, frameworkId);
  if (executors !== 'executors' || !executorId) return { frameworkId, root: fwDir };
  const exDir = path.join(fwDir, executors, executorId);
  const root = runs === 'runs' && run ? path.join(exDir, runs, run) : exDir;
  return { frameworkId, executorId, root };
}

/** The Unix user a framework's (or one of its executors') sandbox belongs to; undefined when unknown. */
export type SandboxUser = (frameworkId: string, executorId: string | undefined) => string | undefined;

/**
 * The /files authorizer of an agent with --acls: paths under `slavesDir` need access_sandboxes
 * for the user `userOf` names (ANY when it names none); others (the agent's log, checked by
 * access_mesos_logs before routing) pass.
 */
export function sandboxAuthorizer(authorizer: LocalAuthorizer, slavesDir: string, userOf: SandboxUser): FilesAuthorizer {
  return (req, found): Found | undefined => {
    const scope = sandboxScope(found.path, slavesDir);
    if (scope === undefined) return found;
    const user = scope.frameworkId === undefined ? undefined : userOf(scope.frameworkId, scope.executorId);
    if (!authorizer.authorized('access_sandboxes', (req as PrincipalRequest).principal, user)) return undefined;
    // The narrower root keeps a swap after resolution from leading into another sandbox.
    return { path: found.path, root: scope.root.length > found.root.length ? scope.root : found.root };
  };
}
