// The master's authorization checks with Mesos's refusal texts (master/authorization.cpp's
// ActionObject printing, Master::_subscribe, Master::accept, Master::Http::_teardown). Without
// an authorizer (no --acls) everything is allowed, as in Mesos.
import { posix } from 'node:path';
import type { FrameworkInfo, Resource, TaskInfo } from '../../common/mesos.ts';
import { format } from '../../common/resources.ts';
import { frameworkRoles } from '../records.ts';
import type { LocalAuthorizer } from './local.ts';

/** Why this SUBSCRIBE is refused by register_frameworks; undefined when every role is allowed. */
export function registerFrameworkRefusal(authorizer: LocalAuthorizer | undefined, info: FrameworkInfo): string | undefined {
  if (authorizer === undefined) return undefined;
  const roles = frameworkRoles(info);
  if (roles.every((role) => authorizer.authorized('register_frameworks', info.principal, role))) return undefined;
  const sorted = [...new Set(roles)].sort();
  return `Not authorized to register framework ${info.id?.value ?? ''} with roles { ${sorted.join(', ')} }`;
}

/** The Unix user a task runs as: its command's, its executor's, else its framework's. */
export function taskUser(task: TaskInfo, framework: FrameworkInfo): string {
  return task.command?.user ?? task.executor?.command?.user ?? framework.user ?? '';
}

/** Why run_tasks refuses this task (the message of its TASK_ERROR); undefined when allowed. */
export function runTaskRefusal(
  authorizer: LocalAuthorizer | undefined,
  frameworkId: string,
  framework: FrameworkInfo,
  task: TaskInfo,
): string | undefined {
  if (authorizer === undefined) return undefined;
  const user = taskUser(task, framework);
  if (authorizer.authorized('run_tasks', framework.principal, user)) return undefined;
  return `Not authorized to launch task ${task.task_id?.value ?? ''} of framework ${frameworkId} under user '${user}'`;
}

/**
 * Whether an operator may tear a framework down; the object is the framework's principal, or
 * any object for a framework without one.
 */
export function teardownAllowed(authorizer: LocalAuthorizer | undefined, operator: string | undefined, framework: FrameworkInfo): boolean {
  return authorizer === undefined || authorizer.authorized('teardown_frameworks', operator, framework.principal);
}

/** Why register_agents refuses an agent's (re-)registration; undefined when allowed. */
export function registerAgentRefusal(
  authorizer: LocalAuthorizer | undefined,
  principal: string | undefined,
  resources: readonly Resource[],
): string | undefined {
  if (authorizer === undefined || authorizer.authorized('register_agents', principal, undefined)) return undefined;
  const who = principal === undefined ? 'without a principal' : `with principal '${principal}'`;
  return `Not authorized to register agent providing resources '${format(resources)}' ${who}`;
}

/** What one HTTP principal may see of the state endpoints (view_frameworks, view_tasks). */
export interface Viewer {
  framework(info: FrameworkInfo): boolean;
  task(task: TaskInfo, framework: FrameworkInfo): boolean;
}

/**
 * The filter of the state endpoints for `principal`; undefined when it sees everything (no
 * --acls). The object of both actions is the Unix user the framework or task runs as.
 */
export function viewerFor(authorizer: LocalAuthorizer | undefined, principal: string | undefined): Viewer | undefined {
  if (authorizer === undefined) return undefined;
  return {
    framework: (info) => authorizer.authorized('view_frameworks', principal, info.user ?? ''),
    task: (task, framework) => authorizer.authorized('view_tasks', principal, taskUser(task, framework)),
  };
}

/**
 * The endpoints whose GET is checked with get_endpoints: docs/authorization.md's list as served
 * here, and /metrics/prometheus, which reads the same metrics as /metrics/snapshot.
 */
const GET_ENDPOINTS = new Set(['/metrics/snapshot', '/metrics/prometheus', '/files/debug', '/logging/toggle']);

/** The /files endpoints that read what is attached under a virtual path (`path=` in the query). */
const FILE_READERS = new Set([
  '/files/browse',
  '/files/browse.json',
  '/files/read',
  '/files/read.json',
  '/files/download',
  '/files/download.json',
]);

/** The master's log as /files serves it. */
const MASTER_LOG = '/master/log';

/**
 * Whether a reader may use an endpoint (`path` canonical: no /master prefix; `filePath` the
 * `path=` of a /files request): get_endpoints for the GETs listed above, view_flags for /flags,
 * access_mesos_logs for the master's log through /files (both objects implicit).
 */
export function endpointAllowed(
  authorizer: LocalAuthorizer | undefined,
  method: string | undefined,
  path: string,
  principal: string | undefined,
  filePath?: string,
): boolean {
  if (authorizer === undefined) return true;
  if (path === '/flags') return operatorAllowed(authorizer, 'view_flags', principal);
  if (FILE_READERS.has(path) && filePath !== undefined) return mesosLogAllowed(authorizer, principal, filePath);
  if (method === 'GET' && GET_ENDPOINTS.has(path)) return authorizer.authorized('get_endpoints', principal, path);
  return true;
}

/** Whether a /files path names `root` or a file below it, as the files endpoints resolve it. */
function isUnder(p: string, root: string): boolean {
  const n = posix.normalize(`/${p}`).replace(/\/+$/, '');
  return n === root || n.startsWith(`${root}/`);
}

/** The operator actions whose object Mesos leaves implicit (ObjectApprovers::approved<ACTION>()). */
export type OperatorAction =
  | 'view_flags'
  | 'set_log_level'
  | 'drain_agents'
  | 'deactivate_agents'
  | 'reactivate_agents'
  | 'mark_agents_gone';

/** Whether an operator may take one of those actions. */
export function operatorAllowed(authorizer: LocalAuthorizer | undefined, action: OperatorAction, principal: string | undefined): boolean {
  return authorizer === undefined || authorizer.authorized(action, principal, undefined);
}

/** Whether a reader may read the master's log through /files or the operator API (access_mesos_logs). */
export function mesosLogAllowed(authorizer: LocalAuthorizer | undefined, principal: string | undefined, filePath: string): boolean {
  return authorizer === undefined || !isUnder(filePath, MASTER_LOG) || authorizer.authorized('access_mesos_logs', principal, undefined);
}

/** Whether an operator may set these roles' weights (update_weights, every one of them). */
export function updateWeightsAllowed(
  authorizer: LocalAuthorizer | undefined,
  principal: string | undefined,
  roles: readonly string[],
): boolean {
  return authorizer === undefined || roles.every((role) => authorizer.authorized('update_weights', principal, role));
}
