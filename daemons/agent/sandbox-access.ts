// access_sandboxes on the agent's /files, as Mesos's Slave::authorizeSandboxAccess decides it:
// the object is the Unix user the executor runs as (its command's user, else its framework's),
// ANY when the agent no longer knows the framework. The decision is made on the real path a
// request resolved to, not on the path it was asked by, so that no `..` or symlink in a sandbox
// reaches another one; and what is then opened must stay in the sandbox decided on.
import path from 'node:path';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import type { FilesAuthorizer, Found, FoundCheck } from '../common/files.ts';
import type { PrincipalRequest } from '../common/http-auth.ts';
import type { Agent } from './agent.ts';
import { type AgentFramework, executorRunUser } from './records.ts';

/** The agent's --acls, and the real path of <work_dir>/slaves, where the sandboxes they guard are. */
export interface AgentAccess {
  authorizer: LocalAuthorizer;
  slavesDir: string;
}

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
 * The check of one principal's files request on an agent with --acls: paths under `slavesDir`
 * need access_sandboxes for the user `userOf` names (ANY when it names none); others (the
 * agent's log, checked by access_mesos_logs before) pass.
 */
export function sandboxCheck(
  authorizer: LocalAuthorizer,
  slavesDir: string,
  userOf: SandboxUser,
  principal: string | undefined,
): FoundCheck {
  return (found): Found | undefined => {
    const scope = sandboxScope(found.path, slavesDir);
    if (scope === undefined) return found;
    const user = scope.frameworkId === undefined ? undefined : userOf(scope.frameworkId, scope.executorId);
    if (!authorizer.authorized('access_sandboxes', principal, user)) return undefined;
    // The narrower root keeps a swap after resolution from leading into another sandbox.
    return { path: found.path, root: scope.root.length > found.root.length ? scope.root : found.root };
  };
}

/** The /files authorizer of an agent with --acls: sandboxCheck for each request's principal. */
export function sandboxAuthorizer(authorizer: LocalAuthorizer, slavesDir: string, userOf: SandboxUser): FilesAuthorizer {
  return (req, found) => sandboxCheck(authorizer, slavesDir, userOf, (req as PrincipalRequest).principal)(found);
}

/**
 * The Unix user of a framework's runs, or of one executor's (its sandbox, its container), as far
 * as the agent still knows them: the executor's run user, the framework's user without one.
 */
export function runUserOf(agent: Agent): SandboxUser {
  return (frameworkId, executorId) => {
    const fw: AgentFramework | undefined = agent.frameworks.get(frameworkId) ?? agent.completedFrameworks.find((f) => f.id === frameworkId);
    if (fw === undefined) return undefined;
    const ex =
      executorId === undefined ? undefined : (fw.executors.get(executorId) ?? fw.completedExecutors.find((e) => e.id === executorId));
    return ex === undefined ? (fw.info.user ?? '') : executorRunUser(ex, fw.info);
  };
}
