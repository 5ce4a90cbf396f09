// Operations: what the master checks before it forwards an operation status acknowledgement
// (ACKNOWLEDGE_OPERATION_STATUS) to an agent, in the order and with the words of Apache Mesos's
// Master::acknowledgeOperationStatus (src/master/master.cpp). Mesos's validation::operation
// (RESERVE, CREATE, ... in src/master/validation.cpp) has no counterpart here: this master runs
// no offer operations. Pure.
import type { mesos } from '../../common/mesos.ts';

/** What the check needs to know of the agent named in the acknowledgement. */
export interface OperationAgentFacts {
  /** Whether the agent's stream to the master is open. */
  connected: boolean;
  capabilities: readonly string[];
}

/**
 * Why an operation status acknowledgement cannot reach its agent, or undefined. Mesos accepts
 * the call (202) and drops it with this reason in its log.
 */
export function operationAcknowledgementError(
  agent: OperationAgentFacts | undefined,
  ack: Pick<mesos.v1.scheduler.Call.AcknowledgeOperationStatus, 'resource_provider_id'>,
  operationKnown: boolean,
): string | undefined {
  if (!agent) return 'agent is not registered';
  if (!agent.connected) return 'agent is disconnected';
  if (ack.resource_provider_id && !agent.capabilities.includes('RESOURCE_PROVIDER')) {
    return 'the agent does not have the RESOURCE_PROVIDER capability';
  }
  if (!ack.resource_provider_id && !agent.capabilities.includes('AGENT_OPERATION_FEEDBACK')) {
    return 'the agent does not support operation feedback on agent default resources';
  }
  if (!operationKnown) return 'the operation is unknown';
  return undefined;
}
