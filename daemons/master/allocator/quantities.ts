// The scalar amounts DRF compares: cpus, mem, disk and gpus, kept in Mesos fixed point
// (thousandths) so that adding and removing the same allocation returns exactly to zero.

import type { Resource } from '../../common/mesos.ts';
import { toFixedPoint } from '../../common/resources.ts';

export interface Quantities {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
}

export function zeroQuantities(): Quantities {
  return { cpus: 0, mem: 0, disk: 0, gpus: 0 };
}

/** Sums the four kinds in `resources`, into `into` (reset first) when given. */
export function quantitiesOf(resources: readonly Resource[], into?: Quantities): Quantities {
  const q = into ?? zeroQuantities();
  q.cpus = 0;
  q.mem = 0;
  q.disk = 0;
  q.gpus = 0;
  for (const r of resources) {
    if (r.type !== 'SCALAR') continue;
    const v = r.scalar?.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    switch (r.name) {
      case 'cpus':
        q.cpus += toFixedPoint(v);
        break;
      case 'mem':
        q.mem += toFixedPoint(v);
        break;
      case 'disk':
        q.disk += toFixedPoint(v);
        break;
      case 'gpus':
        q.gpus += toFixedPoint(v);
        break;
    }
  }
  return q;
}

/** target += sign * q, in place. */
export function addQuantities(target: Quantities, q: Quantities, sign: 1 | -1 = 1): void {
  target.cpus += sign * q.cpus;
  target.mem += sign * q.mem;
  target.disk += sign * q.disk;
  target.gpus += sign * q.gpus;
}

export function isZero(q: Quantities): boolean {
  return q.cpus === 0 && q.mem === 0 && q.disk === 0 && q.gpus === 0;
}

/** max over the four kinds of allocated / cluster total, ignoring kinds the cluster lacks. */
export function dominantShare(allocated: Quantities, total: Quantities): number {
  let share = 0;
  if (total.cpus > 0) share = Math.max(share, allocated.cpus / total.cpus);
  if (total.mem > 0) share = Math.max(share, allocated.mem / total.mem);
  if (total.disk > 0) share = Math.max(share, allocated.disk / total.disk);
  if (total.gpus > 0) share = Math.max(share, allocated.gpus / total.gpus);
  return share;
}
