// The checks every v1 scheduler Call passes before its framework is even looked up, as
// scheduler::call::validate in Apache Mesos's src/master/validation.cpp: the type, the payload
// the type needs, the framework id, status uuids. The HTTP layer answers a failure with
// `400 Failed to validate scheduler::Call: <reason>`. Input is the decoded, schema-checked Call.
import { isValidStatusUuid } from '../../common/ids.ts';
import type { SchedulerCall } from '../../common/mesos.ts';

/** The payload field each call type requires (REVIVE, SUPPRESS, TEARDOWN and UNKNOWN need none). */
const REQUIRED_PAYLOAD: Partial<Record<NonNullable<SchedulerCall['type']>, keyof SchedulerCall>> = {
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

function present(call: SchedulerCall, key: keyof SchedulerCall): boolean {
  return call[key] !== undefined && call[key] !== null;
}

/** Why Mesos would reject this call before looking at its framework, or undefined. */
export function validateSchedulerCall(call: SchedulerCall): string | undefined {
  if (!call.type) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    const subscribe = call.subscribe;
    if (!subscribe) return "Expecting 'subscribe' to be present";
    // FrameworkIDs compare by value, an absent one as ''.
    if ((subscribe.framework_info?.id?.value ?? '') !== (call.framework_id?.value ?? '')) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    return undefined;
  }
  if (!call.framework_id) return "Expecting 'framework_id' to be present";
  const payload = REQUIRED_PAYLOAD[call.type];
  if (payload !== undefined && !present(call, payload)) return `Expecting '${payload}' to be present`;
  switch (call.type) {
    case 'ACKNOWLEDGE':
      return isValidStatusUuid(call.acknowledge?.uuid) ? undefined : 'Not a valid UUID';
    case 'ACKNOWLEDGE_OPERATION_STATUS': {
      const ack = call.acknowledge_operation_status;
      if (!isValidStatusUuid(ack?.uuid)) return 'Not a valid UUID';
      // Operations on resource providers other than the agent's own are not supported by Mesos.
      if (!ack?.agent_id) return "Expecting 'agent_id' to be present";
      return undefined;
    }
    case 'UPDATE_FRAMEWORK': {
      const info = call.update_framework?.framework_info;
      if ((info?.id?.value ?? '') !== call.framework_id.value) return "'framework_id' differs from 'update_framework.framework_info.id'";
      return undefined;
    }
    default:
      return undefined;
  }
}
