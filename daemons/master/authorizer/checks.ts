// The master's authorization checks with Mesos's refusal texts (master/authorization.cpp's
// ActionObject printing, Master::_subscribe, Master::accept, Master::Http::_teardown). Without
// an authorizer (no --acls) everything is allowed, as in Mesos.
import type { FrameworkInfo, Resource, TaskInfo } from '../../common/mesos.ts';
import { format } from '../../common/resources.ts';
import { frameworkRoles } from '../records.ts';
import { endpointCheck, isUnder } from '../../common/authorizer/endpoints.ts';
import type { LocalAuthorizer } from '../../common/authorizer/local.ts';
import { taskUser } from '../../common/authorizer/views.ts';

/** Why this SUBSCRIBE is refused by register_frameworks; undefined when every role is allowed. */
export function registerFrameworkRefusal(authorizer: LocalAuthorizer | undefined, info: FrameworkInfo): string | undefined {
  if (authorizer === undefined) return undefined;
  const roles = frameworkRoles(info);
  if (roles.every((role) => authorizer.authorized('register_frameworks', info.principal, role))) return undefined;
  const sorted = [...new Set(roles)].sort();
  return `Not authorized to register framework ${info.id?.value ?? ''} with roles { ${sorted.join(', ')} }`;
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

/** The master's log as /files serves it. */
const MASTER_LOG = '/master/log';

/**
 * Whether a reader may use one of the master's endpoints (`path` canonical: no /master prefix;
 * `filePath` the `path=` of a /files request): get_endpoints for the GETs docs/authorization.md
 * lists as served here and /metrics/prometheus (the same metrics as /metrics/snapshot),
 * view_flags for /flags, access_mesos_logs for the master's log.
 */
export const endpointAllowed = endpointCheck({
  getEndpoints: new Set(['/metrics/snapshot', '/metrics/prometheus', '/files/debug', '/logging/toggle']),
  log: MASTER_LOG,
});

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

/** Whether a reader may read the master's log through the operator API (access_mesos_logs). */
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
