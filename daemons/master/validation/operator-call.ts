// The checks every v1 operator Call to the master passes before it is dispatched, as
// master::call::validate in Apache Mesos's src/master/validation.cpp: the type and the payload
// the type needs. The HTTP layer answers a failure with `400 Failed to validate master::Call:
// <reason>`. Input is the decoded, schema-checked Call (required fields inside a payload are
// already there).
import type { mesos } from '../../common/mesos.ts';
import { missingTypeOrPayload } from '../../common/operator-api.ts';

export type OperatorCall = mesos.v1.master.Call;
export type OperatorCallType = NonNullable<OperatorCall['type']>;

/** The payload field each call type requires; the others need none. */
const REQUIRED_PAYLOAD: Partial<Record<OperatorCallType, keyof OperatorCall>> = {
  GET_METRICS: 'get_metrics',
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  UPDATE_WEIGHTS: 'update_weights',
  RESERVE_RESOURCES: 'reserve_resources',
  UNRESERVE_RESOURCES: 'unreserve_resources',
  CREATE_VOLUMES: 'create_volumes',
  DESTROY_VOLUMES: 'destroy_volumes',
  GROW_VOLUME: 'grow_volume',
  SHRINK_VOLUME: 'shrink_volume',
  UPDATE_MAINTENANCE_SCHEDULE: 'update_maintenance_schedule',
  START_MAINTENANCE: 'start_maintenance',
  STOP_MAINTENANCE: 'stop_maintenance',
  DRAIN_AGENT: 'drain_agent',
  DEACTIVATE_AGENT: 'deactivate_agent',
  REACTIVATE_AGENT: 'reactivate_agent',
  UPDATE_QUOTA: 'update_quota',
  SET_QUOTA: 'set_quota',
  REMOVE_QUOTA: 'remove_quota',
  TEARDOWN: 'teardown',
  MARK_AGENT_GONE: 'mark_agent_gone',
};

/** Why Mesos would reject this call before dispatching it, or undefined. */
export function validateOperatorCall(call: OperatorCall): string | undefined {
  const missing = missingTypeOrPayload(call, REQUIRED_PAYLOAD);
  if (missing !== undefined) return missing;
  if ((call.type === 'GROW_VOLUME' && !call.grow_volume?.agent_id) || (call.type === 'SHRINK_VOLUME' && !call.shrink_volume?.agent_id)) {
    return "Expecting 'agent_id' to be present; only agent default resources are supported right now";
  }
  return undefined;
}
