// The checks every v1 operator Call to the agent passes before it is dispatched, as
// agent::call::validate in Apache Mesos's src/slave/validation.cpp: the type, the payload the
// type needs, and the ContainerID of the calls that name a container. The HTTP layer answers a
// failure with `400 Failed to validate agent::Call: <reason>`. Input is the decoded,
// schema-checked Call (required fields inside a payload are already there).
import type { mesos } from '../common/mesos.ts';
import { missingTypeOrPayload } from '../common/operator-api.ts';

export type AgentCall = mesos.v1.agent.Call;
export type AgentCallType = NonNullable<AgentCall['type']>;
type ContainerID = mesos.v1.ContainerID;

/** The payload field each call type requires; the others need none. */
const REQUIRED_PAYLOAD: Partial<Record<AgentCallType, keyof AgentCall>> = {
  GET_METRICS: 'get_metrics',
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  LAUNCH_NESTED_CONTAINER: 'launch_nested_container',
  WAIT_NESTED_CONTAINER: 'wait_nested_container',
  KILL_NESTED_CONTAINER: 'kill_nested_container',
  REMOVE_NESTED_CONTAINER: 'remove_nested_container',
  LAUNCH_NESTED_CONTAINER_SESSION: 'launch_nested_container_session',
  ATTACH_CONTAINER_INPUT: 'attach_container_input',
  ATTACH_CONTAINER_OUTPUT: 'attach_container_output',
  LAUNCH_CONTAINER: 'launch_container',
  WAIT_CONTAINER: 'wait_container',
  KILL_CONTAINER: 'kill_container',
  REMOVE_CONTAINER: 'remove_container',
  ADD_RESOURCE_PROVIDER_CONFIG: 'add_resource_provider_config',
  UPDATE_RESOURCE_PROVIDER_CONFIG: 'update_resource_provider_config',
  REMOVE_RESOURCE_PROVIDER_CONFIG: 'remove_resource_provider_config',
  MARK_RESOURCE_PROVIDER_GONE: 'mark_resource_provider_gone',
  PRUNE_IMAGES: 'prune_images',
};

/** Calls whose payload names a container, and whether it must be a nested one (have a parent). */
const CONTAINER_PAYLOAD: Partial<Record<AgentCallType, { field: keyof AgentCall; nested: boolean }>> = {
  LAUNCH_NESTED_CONTAINER: { field: 'launch_nested_container', nested: true },
  WAIT_NESTED_CONTAINER: { field: 'wait_nested_container', nested: true },
  KILL_NESTED_CONTAINER: { field: 'kill_nested_container', nested: true },
  REMOVE_NESTED_CONTAINER: { field: 'remove_nested_container', nested: true },
  LAUNCH_NESTED_CONTAINER_SESSION: { field: 'launch_nested_container_session', nested: true },
  ATTACH_CONTAINER_OUTPUT: { field: 'attach_container_output', nested: false },
  LAUNCH_CONTAINER: { field: 'launch_container', nested: false },
  WAIT_CONTAINER: { field: 'wait_container', nested: false },
  KILL_CONTAINER: { field: 'kill_container', nested: false },
  REMOVE_CONTAINER: { field: 'remove_container', nested: false },
};

/** Mesos's MAX_CONTAINER_ID_LENGTH (slave/constants.hpp). */
export const MAX_CONTAINER_ID_LENGTH = 242;

/** The longest file name (NAME_MAX), which common::validation::validateID holds every ID to. */
const NAME_MAX = 255;

/** validation::container::validateContainerId: the problem with a ContainerID, or undefined. */
export function validateContainerId(id: ContainerID): string | undefined {
  const value = id.value;
  if (value === '') return 'ID must not be empty';
  if (value.length > NAME_MAX) return `ID must not be greater than ${NAME_MAX} characters`;
  if (value === '.' || value === '..') return `'${value}' is disallowed`;
  if (/[\u0000-\u001f\u007f/\\]/.test(value)) return `'${value}' contains invalid characters`;
  if (value.length > MAX_CONTAINER_ID_LENGTH) {
    return `'ContainerID.value' '${value}' exceeds the maximum length (${MAX_CONTAINER_ID_LENGTH})`;
  }
  if (/[. ]/.test(value)) return `'ContainerID.value' '${value}' contains invalid characters`;
  if (id.parent !== undefined) {
    const parent = validateContainerId(id.parent);
    if (parent !== undefined) return `'ContainerID.parent' is invalid: ${parent}`;
  }
  return undefined;
}

/** Why Mesos would reject this call before dispatching it, or undefined. */
export function validateAgentCall(call: AgentCall): string | undefined {
  const missing = missingTypeOrPayload(call, REQUIRED_PAYLOAD);
  if (missing !== undefined) return missing;
  const named = CONTAINER_PAYLOAD[call.type!];
  if (named === undefined) return undefined;
  const id = (call[named.field] as { container_id: ContainerID }).container_id;
  const invalid = validateContainerId(id);
  if (invalid !== undefined) return `'${named.field}.container_id' is invalid: ${invalid}`;
  if (named.nested && id.parent === undefined) return `Expecting '${named.field}.container_id.parent' to be present`;
  return undefined;
}
