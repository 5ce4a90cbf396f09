// The offers of an ACCEPT, checked as Apache Mesos's validation::offer::validate does
// (src/master/validation.cpp), in its order and with its texts: the scheduler reads them in the
// TASK_DROPPED (TASK_LOST) of each task it tried to launch, after "Task launched with invalid
// offers: ". Pure: the master passes in how to find an offer and whether an agent is active.

/** What the check needs to know of an outstanding offer. */
export interface OfferFacts {
  frameworkId: string;
  agentId: string;
  role: string;
}

/** Why these offers cannot be used together by this framework, or undefined. */
export function offerIdsError(
  offerIds: readonly string[],
  frameworkId: string,
  offer: (id: string) => OfferFacts | undefined,
  agentActive: (agentId: string) => boolean,
): string | undefined {
  if (offerIds.length === 0) return 'No offers specified';
  const seen = new Set<string>();
  for (const id of offerIds) {
    if (seen.has(id)) return `Duplicate offer ${id} in offer list`;
    seen.add(id);
  }
  for (const id of offerIds) if (!offer(id)) return `Offer ${id} is no longer valid`;
  const facts = offerIds.map((id) => ({ id, ...offer(id)! }));
  for (const o of facts) {
    if (o.frameworkId !== frameworkId)
      return `Offer ${o.id} has invalid framework ${o.frameworkId} while framework ${frameworkId} is expected`;
  }
  const first = facts[0]!;
  for (const o of facts) {
    // Mesos's text, quotes as they are.
    if (o.role !== first.role)
      return `Aggregated offers must be allocated to the same role. Offer ${o.id} uses role '${o.role} but another is using role '${first.role}`;
  }
  for (const o of facts) {
    if (o.agentId !== first.agentId)
      return `Aggregated offers must belong to one single agent. Offer ${o.id} uses agent ${o.agentId} and agent ${first.agentId}`;
  }
  // Mesos rescinds an agent's offers when it deactivates (validateSlave CHECKs it); here the
  // agent may be on its way out while its offers are still outstanding.
  if (!agentActive(first.agentId)) return `Agent ${first.agentId} is not available`;
  return undefined;
}
