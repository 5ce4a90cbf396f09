// An offer as one framework receives it. The master keeps its offers in the current format
// (allocation_info on the offer and on every resource, reservations as a `reservations` stack);
// Apache Mesos sends older schedulers the format they were written for (Master::offer in
// src/master/master.cpp): without MULTI_ROLE no allocation_info anywhere (MESOS-8237: such
// schedulers compare resources whole), without RESERVATION_REFINEMENT the `role` field and the
// old `reservation` (convertResourceFormat to PRE_RESERVATION_REFINEMENT).
import type { FrameworkInfo, Offer } from '../common/mesos.ts';
import { preRefinementFormat, unallocated } from '../common/resources.ts';

function hasCapability(info: FrameworkInfo, type: string): boolean {
  return info.capabilities?.some((c) => c.type === type) ?? false;
}

/** The offer in the format this framework's capabilities ask for; the stored offer is untouched. */
export function offerForFramework(offer: Offer, info: FrameworkInfo): Offer {
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  const refinement = hasCapability(info, 'RESERVATION_REFINEMENT');
  if (multiRole && refinement) return offer;
  let resources = multiRole ? (offer.resources ?? []) : unallocated(offer.resources ?? []);
  if (!refinement) resources = preRefinementFormat(resources);
  const { allocation_info: _allocation, ...rest } = offer;
  return multiRole ? { ...offer, resources } : { ...rest, resources };
}
