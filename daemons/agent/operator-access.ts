// Authorization of the agent's v1 operator calls under --acls, with the actions and objects
// Mesos's agent gives them (src/slave/http.cpp): view_flags for GET_FLAGS, set_log_level for
// SET_LOGGING_LEVEL, /files' own checks for LIST_FILES and READ_FILE, view_containers for
// GET_CONTAINERS, and for KILL_CONTAINER what Http::killContainer and _killContainer check.
// Without --acls everything is allowed, as in Mesos.
import type { Viewer } from '../common/authorizer/views.ts';
import { viewerFor } from '../common/authorizer/views.ts';
import type { FoundCheck } from '../common/files.ts';
import type { ContainerID } from '../common/mesos.ts';
import type { Agent } from './agent.ts';
import { agentEndpointAllowed } from './http-auth.ts';
import { type AgentFramework, type ExecutorRecord, executorRunUser } from './records.ts';
import { type AgentAccess, runUserOf, sandboxCheck } from './sandbox-access.ts';

/** Whether `principal` may take an action whose object Mesos leaves implicit (ANY). */
export function operatorAllowed(
  access: AgentAccess | undefined,
  action: 'view_flags' | 'set_log_level',
  principal: string | undefined,
): boolean {
  return access === undefined || access.authorizer.authorized(action, principal, undefined);
}

/** What GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS show `principal`: the /state viewer. */
export function operatorViewer(access: AgentAccess | undefined, principal: string | undefined): Viewer | undefined {
  return viewerFor(access?.authorizer, principal);
}

/**
 * LIST_FILES' and READ_FILE's check of `path`, the same as /files': access_mesos_logs for the
 * agent's log (refused: 'forbidden'), then access_sandboxes on the path it resolves to.
 */
export function filesAccess(
  access: AgentAccess | undefined,
  agent: Agent,
  principal: string | undefined,
  path: string,
): 'forbidden' | FoundCheck | undefined {
  if (access === undefined) return undefined;
  if (!agentEndpointAllowed(access.authorizer, 'GET', '/files/read', principal, path)) return 'forbidden';
  return sandboxCheck(access.authorizer, access.slavesDir, runUserOf(agent), principal);
}

/** GET_CONTAINERS' filter: view_containers on the user an executor runs as, as /containers. */
export function containerViewer(
  access: AgentAccess | undefined,
  agent: Agent,
  principal: string | undefined,
): ((frameworkId: string, executorId: string) => boolean) | undefined {
  if (access === undefined) return undefined;
  const userOf = runUserOf(agent);
  return (fw, ex) => access.authorizer.authorized('view_containers', principal, userOf(fw, ex));
}

/** The outermost container of a (nested) container id: the one an executor runs in. */
function rootContainer(id: ContainerID): string {
  let c = id;
  while (c.parent) c = c.parent;
  return c.value;
}

/** The live executor run in the container `id` is, or is nested in (Slave::getExecutor). */
function executorOf(agent: Agent, id: ContainerID): { fw: AgentFramework; run: ExecutorRecord } | undefined {
  const root = rootContainer(id);
  for (const fw of agent.frameworks.values()) {
    for (const run of fw.executors.values()) if (run.containerId === root) return { fw, run };
  }
  return undefined;
}

/**
 * Whether `principal` may KILL_CONTAINER `id`. As Mesos's Http::killContainer: a container with
 * a parent needs kill_nested_containers, whose object (authorizer/local/authorizer.cpp) is the
 * user its executor runs as (ExecutorInfo's command user, else the framework's), or the
 * container's id when no executor holds it; a top-level one is killed as a standalone container,
 * kill_standalone_containers, whose object the local authorizer always leaves ANY, so only a rule
 * naming ANY users (or none matching and --acls permissive) allows it.
 */
export function killAllowed(access: AgentAccess | undefined, agent: Agent, principal: string | undefined, id: ContainerID): boolean {
  if (access === undefined) return true;
  if (id.parent === undefined) return access.authorizer.authorized('kill_standalone_containers', principal, undefined);
  const held = executorOf(agent, id);
  const object = held === undefined ? id.value : executorRunUser(held.run, held.fw.info);
  return access.authorizer.authorized('kill_nested_containers', principal, object);
}
