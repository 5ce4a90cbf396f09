// The one place that does arithmetic on Mesos resources (`Resource[]`): parsing the
// `--resources` syntax, adding, subtracting, containment, validation and the two text forms
// (Mesos log style and the flattened /master/state JSON). Semantics follow Apache Mesos:
// scalars in fixed point with three decimals, ranges coalesced, sets as unions, and two
// resources combine only when name, type, reservations, allocation role and revocability
// agree. Every function is pure; results never share value objects with their inputs.
// Lists here are short (a handful of entries per agent, offer or task), so matching is a
// linear scan with a cheap structural comparison rather than hashing.

import type { Range, ReservationInfo, Resource, ResourceType } from './mesos.ts';
import type { Quantities, StateResources } from './state-types.ts';
import { isInRoleSubtree, isStrictSubroleOf, validateRole } from './roles.ts';

/** A bad resource string or object; `message` is one line, ready to show a user. */
export class ResourceError extends Error {
  override name = 'ResourceError';
}

// ---------------------------------------------------------------------------------------
// Fixed point scalars

/** Mesos keeps three decimal digits so that 0.1 + 0.2 is exactly 0.3 for every client. */
export function toFixedPoint(value: number): number {
  return value < 0 ? -Math.round(-value * 1000) : Math.round(value * 1000);
}

/**
 * Inverse of toFixedPoint. One IEEE division is correctly rounded, so 1235 gives the same
 * double as the literal 1.235 (adding whole and fractional parts would give 1.2349999999999999).
 */
export function fromFixedPoint(fixed: number): number {
  return fixed / 1000;
}

function roundScalar(value: number): number {
  return fromFixedPoint(toFixedPoint(value));
}

// ---------------------------------------------------------------------------------------
// Identity: when two Resource objects describe the same kind of thing

const NO_RESERVATIONS: readonly ReservationInfo[] = [];

/**
 * The reservation stack in the post-refinement format. Resources written in the old format
 * (`role: "r1"` without `reservations`) are read as one reservation to that role.
 */
function reservationStack(r: Resource): readonly ReservationInfo[] {
  const stack = r.reservations;
  if (stack != null && stack.length > 0) return stack;
  if (r.role != null && r.role !== '*') {
    const legacy = r.reservation;
    return [{ type: legacy != null ? 'DYNAMIC' : 'STATIC', role: r.role, principal: legacy?.principal }];
  }
  return NO_RESERVATIONS;
}

function sameReservation(a: ReservationInfo, b: ReservationInfo): boolean {
  if (a.role !== b.role) return false;
  if ((a.type ?? 'STATIC') !== (b.type ?? 'STATIC')) return false;
  if ((a.principal ?? '') !== (b.principal ?? '')) return false;
  if (a.labels == null && b.labels == null) return true;
  return JSON.stringify(a.labels?.labels ?? []) === JSON.stringify(b.labels?.labels ?? []);
}

function sameReservations(a: Resource, b: Resource): boolean {
  const noneA = (a.reservations == null || a.reservations.length === 0) && (a.role == null || a.role === '*');
  const noneB = (b.reservations == null || b.reservations.length === 0) && (b.role == null || b.role === '*');
  if (noneA || noneB) return noneA === noneB;
  const sa = reservationStack(a);
  const sb = reservationStack(b);
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) {
    if (!sameReservation(sa[i]!, sb[i]!)) return false;
  }
  return true;
}

// Persistent volumes, shared resources and resource providers are rare; compare them whole.
function sameRareFields(a: Resource, b: Resource): boolean {
  return (
    JSON.stringify(a.disk ?? null) === JSON.stringify(b.disk ?? null) &&
    JSON.stringify(a.shared ?? null) === JSON.stringify(b.shared ?? null) &&
    JSON.stringify(a.provider_id ?? null) === JSON.stringify(b.provider_id ?? null)
  );
}

/** True when a and b may be added or subtracted into one Resource (Mesos "addable"). */
export function sameKind(a: Resource, b: Resource): boolean {
  if (a.name !== b.name || a.type !== b.type) return false;
  const allocA = a.allocation_info;
  const allocB = b.allocation_info;
  if ((allocA == null) !== (allocB == null)) return false;
  if (allocA != null && allocA.role !== allocB?.role) return false;
  if ((a.revocable == null) !== (b.revocable == null)) return false;
  if (!sameReservations(a, b)) return false;
  if (a.disk != null || b.disk != null || a.shared != null || b.shared != null || a.provider_id != null || b.provider_id != null) {
    return sameRareFields(a, b);
  }
  return true;
}

/** The role a resource is reserved to (the innermost reservation), '*' when unreserved. */
export function reservationRole(r: Resource): string {
  const stack = r.reservations;
  if (stack != null && stack.length > 0) return stack[stack.length - 1]!.role ?? '*';
  return r.role ?? '*';
}

export function isReserved(r: Resource): boolean {
  return reservationRole(r) !== '*';
}

export function isRevocable(r: Resource): boolean {
  return r.revocable != null;
}

/** True when a role may be offered this resource: unreserved, reserved to it or to an ancestor. */
export function isAllocatableTo(r: Resource, role: string): boolean {
  const reserved = reservationRole(r);
  return reserved === '*' || isInRoleSubtree(role, reserved);
}

// ---------------------------------------------------------------------------------------
// Range and set values

function coalesceRanges(list: readonly Range[]): Range[] {
  if (list.length === 0) return [];
  const sorted = list.map((r) => ({ begin: r.begin, end: r.end }));
  sorted.sort((x, y) => x.begin - y.begin || x.end - y.end);
  const out: Range[] = [];
  let current = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const next = sorted[i]!;
    if (next.begin <= current.end + 1) {
      if (next.end > current.end) current.end = next.end;
    } else {
      out.push(current);
      current = next;
    }
  }
  out.push(current);
  return out;
}

/** left - right for coalesced (sorted, disjoint) lists. */
function subtractRanges(left: readonly Range[], right: readonly Range[]): Range[] {
  const out: Range[] = [];
  let j = 0;
  for (const l of left) {
    let begin = l.begin;
    const end = l.end;
    while (j < right.length && right[j]!.end < begin) j++;
    let k = j;
    while (k < right.length && right[k]!.begin <= end && begin <= end) {
      const r = right[k]!;
      if (r.begin > begin) out.push({ begin, end: r.begin - 1 });
      begin = r.end + 1;
      if (r.end > end) break;
      k++;
    }
    if (begin <= end) out.push({ begin, end });
  }
  return out;
}

/** Every range of `inner` lies inside one range of `outer`; both coalesced. */
function rangesInside(outer: readonly Range[], inner: readonly Range[]): boolean {
  let j = 0;
  for (const r of inner) {
    while (j < outer.length && outer[j]!.end < r.begin) j++;
    const o = outer[j];
    if (o === undefined || o.begin > r.begin || o.end < r.end) return false;
  }
  return true;
}

function countRanges(list: readonly Range[]): number {
  let n = 0;
  for (const r of list) n += r.end - r.begin + 1;
  return n;
}

function unionItems(a: readonly string[], b: readonly string[]): string[] {
  const out = a.slice();
  for (const item of b) if (!out.includes(item)) out.push(item);
  return out;
}

// ---------------------------------------------------------------------------------------
// Single-resource helpers

function scalarFixed(r: Resource): number {
  const v = r.scalar?.value;
  return typeof v === 'number' && Number.isFinite(v) ? toFixedPoint(v) : 0;
}

function rangeList(r: Resource): readonly Range[] {
  return r.ranges?.range ?? [];
}

function itemList(r: Resource): readonly string[] {
  return r.set?.item ?? [];
}

function isEmptyResource(r: Resource): boolean {
  switch (r.type) {
    case 'SCALAR':
      return scalarFixed(r) === 0;
    case 'RANGES':
      return rangeList(r).length === 0;
    case 'SET':
      return itemList(r).length === 0;
    default:
      return true;
  }
}

function validRange(x: Range): boolean {
  return Number.isInteger(x.begin) && Number.isInteger(x.end) && x.begin >= 0 && x.begin <= x.end;
}

/** Non-empty and well-formed enough to take part in arithmetic; others are ignored like Mesos. */
function isUsable(r: Resource): boolean {
  switch (r.type) {
    case 'SCALAR': {
      const v = r.scalar?.value;
      return typeof v === 'number' && Number.isFinite(v) && toFixedPoint(v) > 0;
    }
    case 'RANGES': {
      const list = rangeList(r);
      return list.length > 0 && list.every(validRange);
    }
    case 'SET':
      return itemList(r).length > 0;
    default:
      return false;
  }
}

/** A copy that shares no value object with r (values unchanged, even if malformed). */
function copyValues(r: Resource): Resource {
  const copy: Resource = { ...r };
  if (r.allocation_info != null) copy.allocation_info = { ...r.allocation_info };
  if (r.scalar != null) copy.scalar = { ...r.scalar };
  if (r.ranges != null) copy.ranges = { range: (r.ranges.range ?? []).map((x) => ({ begin: x.begin, end: x.end })) };
  if (r.set != null) copy.set = { item: [...(r.set.item ?? [])] };
  return copy;
}

/** A fresh copy whose value is normalised (rounded scalar, coalesced ranges, distinct items). */
function cloneNormalized(r: Resource): Resource {
  const copy: Resource = { ...r };
  if (r.allocation_info != null) copy.allocation_info = { ...r.allocation_info };
  switch (r.type) {
    case 'SCALAR':
      copy.scalar = { value: roundScalar(r.scalar?.value ?? 0) };
      break;
    case 'RANGES':
      copy.ranges = { range: coalesceRanges(rangeList(r)) };
      break;
    case 'SET':
      copy.set = { item: unionItems([], itemList(r)) };
      break;
  }
  return copy;
}

/** Adds r's value into `own`, which the caller created and may change. */
function addValueInto(own: Resource, r: Resource): void {
  switch (own.type) {
    case 'SCALAR':
      // cloneNormalized gave `own` a scalar object of its own.
      own.scalar!.value = fromFixedPoint(scalarFixed(own) + scalarFixed(r));
      break;
    case 'RANGES':
      own.ranges = { range: coalesceRanges([...rangeList(own), ...rangeList(r)]) };
      break;
    case 'SET':
      own.set = { item: unionItems(itemList(own), itemList(r)) };
      break;
  }
}

/** Subtracts r's value from `own` (caller-owned); returns false when nothing is left. */
function subtractValueInto(own: Resource, r: Resource): boolean {
  switch (own.type) {
    case 'SCALAR': {
      const left = scalarFixed(own) - scalarFixed(r);
      own.scalar = { value: fromFixedPoint(left) };
      return left > 0;
    }
    case 'RANGES': {
      const left = subtractRanges(rangeList(own), coalesceRanges(rangeList(r)));
      own.ranges = { range: left };
      return left.length > 0;
    }
    case 'SET': {
      const drop = itemList(r);
      const left = itemList(own).filter((item) => !drop.includes(item));
      own.set = { item: left };
      return left.length > 0;
    }
    default:
      return false;
  }
}

function valueContains(outer: Resource, inner: Resource): boolean {
  switch (outer.type) {
    case 'SCALAR':
      return scalarFixed(inner) <= scalarFixed(outer);
    case 'RANGES':
      return rangesInside(rangeList(outer), coalesceRanges(rangeList(inner)));
    case 'SET': {
      const have = itemList(outer);
      return itemList(inner).every((item) => have.includes(item));
    }
    default:
      return false;
  }
}

/** The amount of a resource: scalar value (fixed point), number of range values or set items. */
function quantityFixed(r: Resource): number {
  switch (r.type) {
    case 'SCALAR':
      return scalarFixed(r);
    case 'RANGES':
      return countRanges(rangeList(r)) * 1000;
    case 'SET':
      return itemList(r).length * 1000;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------------------
// Arithmetic on lists

function addInto(result: Resource[], r: Resource): void {
  if (!isUsable(r)) return;
  for (const own of result) {
    if (sameKind(own, r)) {
      addValueInto(own, r);
      return;
    }
  }
  result.push(cloneNormalized(r));
}

function normalize(list: readonly Resource[]): Resource[] {
  const result: Resource[] = [];
  for (const r of list) addInto(result, r);
  return result;
}

/** a + b, combining entries of the same kind; empty and malformed entries are dropped. */
export function add(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const result = normalize(a);
  for (const r of b) addInto(result, r);
  return result;
}

/** The sum of many lists with one accumulator (add() in a loop copies the running total each time). */
export function sum(lists: Iterable<readonly Resource[]>): Resource[] {
  const result: Resource[] = [];
  for (const list of lists) for (const r of list) addInto(result, r);
  return result;
}

/** a - b; amounts never go below zero and entries left empty are removed. */
export function subtract(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const result = normalize(a);
  for (const r of b) {
    if (!isUsable(r)) continue;
    for (let i = 0; i < result.length; i++) {
      const own = result[i]!;
      if (!sameKind(own, r)) continue;
      if (!subtractValueInto(own, r)) result.splice(i, 1);
      break;
    }
  }
  return result;
}

/** True when everything in b is also in a (same kinds, enough of each). */
export function contains(a: readonly Resource[], b: readonly Resource[]): boolean {
  let remaining: Resource[] | undefined;
  for (const r of b) {
    if (!isUsable(r)) {
      if (isEmptyResource(r)) continue;
      return false;
    }
    remaining ??= normalize(a);
    const i = remaining.findIndex((own) => sameKind(own, r));
    const own = remaining[i];
    if (own === undefined || !valueContains(own, r)) return false;
    if (!subtractValueInto(own, r)) remaining.splice(i, 1);
  }
  return true;
}

/** A list of plain resources summed per name: see plainResources. */
export interface PlainResources {
  /** Fixed-point sums. */
  scalars: Map<string, number>;
  /** Coalesced, one entry per name. */
  ranges: Map<string, Range[]>;
}

/**
 * The list summed per name when every resource in it is plain: a scalar (finite, not negative)
 * or well-formed ranges, unreserved, not revocable, without disk, sharing, provider or
 * allocation_info, each ranges name once. Undefined for any other list. For two such lists
 * `contains` is a comparison of sums and ranges (plainContains), which the allocator's refuse
 * filters make thousands of times per allocation.
 */
export function plainResources(list: readonly Resource[]): PlainResources | undefined {
  const scalars = new Map<string, number>();
  const ranges = new Map<string, Range[]>();
  for (const r of list) {
    if (r.allocation_info != null || r.revocable != null || r.disk != null || r.shared != null || r.provider_id != null) return undefined;
    if ((r.reservations != null && r.reservations.length > 0) || (r.role != null && r.role !== '*')) return undefined;
    if (r.type === 'SCALAR') {
      const v = r.scalar?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
      scalars.set(r.name, (scalars.get(r.name) ?? 0) + toFixedPoint(v));
    } else if (r.type === 'RANGES') {
      const list = rangeList(r);
      if (ranges.has(r.name) || !list.every(validRange)) return undefined;
      ranges.set(r.name, coalesceRanges(list));
    } else {
      return undefined;
    }
  }
  return { scalars, ranges };
}

/** contains(a, b) for lists a and b summed by plainResources. */
export function plainContains(outer: PlainResources, inner: PlainResources): boolean {
  for (const [name, amount] of inner.scalars) {
    if (amount > 0 && (outer.scalars.get(name) ?? 0) < amount) return false;
  }
  for (const [name, list] of inner.ranges) {
    if (list.length > 0 && !rangesInside(outer.ranges.get(name) ?? [], list)) return false;
  }
  return true;
}

/** True when the list holds no resource with a non-zero amount. */
export function isEmpty(r: readonly Resource[]): boolean {
  return r.every(isEmptyResource);
}

/** Sum of the scalar resource `name` over all roles and reservations; 0 when absent. */
export function scalar(r: readonly Resource[], name: string): number {
  let fixed = 0;
  for (const x of r) if (x.name === name && x.type === 'SCALAR') fixed += scalarFixed(x);
  return fromFixedPoint(fixed);
}

/**
 * `names.map((n) => scalar(sum(lists), n))` in one pass and without building the sum:
 * /metrics/snapshot totals every agent's resources on every call, and building the sums would
 * make garbage in proportion to the number of agents each time.
 */
export function scalarTotals(lists: Iterable<readonly Resource[]>, names: readonly string[]): number[] {
  const fixed = names.map(() => 0);
  for (const r of lists) {
    for (const x of r) {
      if (x.type !== 'SCALAR') continue;
      const i = names.indexOf(x.name);
      if (i >= 0) fixed[i]! += scalarFixed(x);
    }
  }
  return fixed.map(fromFixedPoint);
}

/** Union of the ranges resource `name` over all roles and reservations, coalesced. */
export function ranges(r: readonly Resource[], name: string): Range[] {
  const all: Range[] = [];
  for (const x of r) if (x.name === name && x.type === 'RANGES') all.push(...rangeList(x));
  return coalesceRanges(all.filter(validRange));
}

/** Copies with `allocation_info.role` set, as offers and allocations carry them. */
export function allocatedTo(r: readonly Resource[], role: string): Resource[] {
  const out: Resource[] = new Array(r.length);
  for (let i = 0; i < r.length; i++) {
    const x = r[i]!;
    // One spread that already has the final shape; then fresh value objects.
    const copy: Resource = { ...x, allocation_info: { role } };
    if (x.scalar != null) copy.scalar = { value: x.scalar.value };
    if (x.ranges != null) copy.ranges = { range: (x.ranges.range ?? []).map((y) => ({ begin: y.begin, end: y.end })) };
    if (x.set != null) copy.set = { item: [...(x.set.item ?? [])] };
    out[i] = copy;
  }
  return out;
}

/** Copies without `allocation_info`. */
export function unallocated(r: readonly Resource[]): Resource[] {
  return r.map((x) => {
    const copy = copyValues(x);
    delete copy.allocation_info;
    return copy;
  });
}

/**
 * Copies in the format of schedulers without the RESERVATION_REFINEMENT capability (Mesos's
 * PRE_RESERVATION_REFINEMENT, convertResourceFormat): `role` is set, '*' when unreserved, else
 * the reservation's role, with a dynamic reservation's principal and labels in `reservation`;
 * `reservations` goes. A stack of several (refined) reservations has no such form; Mesos never
 * offers one to these schedulers, and agents here cannot have one (`--resources` refuses dynamic
 * reservations), so such an entry is copied as it is.
 */
export function preRefinementFormat(r: readonly Resource[]): Resource[] {
  return r.map((x) => {
    const copy = copyValues(x);
    const stack = x.reservations ?? [];
    if (stack.length > 1) return copy;
    delete copy.reservations;
    delete copy.reservation;
    const only = stack[0];
    if (only === undefined) {
      copy.role = x.role ?? '*';
      return copy;
    }
    copy.role = only.role ?? '*';
    if (only.type === 'DYNAMIC') {
      const legacy: { principal?: string; labels?: ReservationInfo['labels'] } = {};
      if (only.principal != null) legacy.principal = only.principal;
      if (only.labels != null) legacy.labels = only.labels;
      copy.reservation = legacy;
    }
    return copy;
  });
}

/**
 * Copies in the post-refinement format Mesos keeps and sends to agents (its
 * validateAndUpgradeResources on ACCEPT): what older schedulers write as `role` ('*' for
 * unreserved) and `reservation` becomes `reservations`.
 */
export function postRefinementFormat(r: readonly Resource[]): Resource[] {
  return r.map((x) => upgradeFormat(copyValues(x), '*'));
}

/** The allocation role of a resource, undefined when it carries no allocation_info. */
export function allocationRole(r: Resource): string | undefined {
  return r.allocation_info?.role;
}

// ---------------------------------------------------------------------------------------
// Minimum allocatable resources (--min_allocatable_resources)

/**
 * Parses 'cpus:0.01|mem:32' (alternatives separated by '|', each a ';' list of quantities).
 * Quantities are scalars; for ranges and sets they count values (ports:2 = two ports).
 * Zero quantities are dropped, as in Mesos.
 */
export function parseMinAllocatable(text: string): Resource[][] {
  const alternatives: Resource[][] = [];
  for (const alternative of text.split('|')) {
    if (alternative.trim() === '') continue;
    const quantities: Resource[] = [];
    for (const token of alternative.split(';')) {
      const part = token.trim();
      if (part === '') continue;
      const pieces = part.split(':').filter((p) => p.length > 0);
      if (pieces.length !== 2) {
        throw new ResourceError(`invalid min_allocatable_resources '${part}': expected 'name:quantity'`);
      }
      const name = pieces[0]!.trim();
      const valueText = pieces[1]!.replace(/\s+/g, '');
      if (name === '') throw new ResourceError(`invalid min_allocatable_resources '${part}': empty resource name`);
      if (!NUMBER.test(valueText)) {
        throw new ResourceError(`invalid min_allocatable_resources '${part}': '${valueText}' is not a number`);
      }
      const value = Number(valueText);
      if (value < 0) {
        throw new ResourceError(`invalid min_allocatable_resources '${part}': '${valueText}' is negative`);
      }
      if (toFixedPoint(value) > 0) quantities.push({ name, type: 'SCALAR', scalar: { value: roundScalar(value) } });
    }
    alternatives.push(quantities);
  }
  return alternatives;
}

/** True when r is non-empty and holds at least the quantities of one alternative (none = any). */
export function minimalAllocatable(r: readonly Resource[], alternatives: readonly (readonly Resource[])[]): boolean {
  if (alternatives.length === 0) return !isEmpty(r);
  for (const quantities of alternatives) {
    // An empty alternative asks for nothing but something.
    if (quantities.length === 0) {
      if (!isEmpty(r)) return true;
      continue;
    }
    let met = true;
    for (const q of quantities) {
      let have = 0;
      for (const x of r) if (x.name === q.name) have += quantityFixed(x);
      if (have < scalarFixed(q)) {
        met = false;
        break;
      }
    }
    if (met) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Validation

const TYPES: ReadonlySet<string> = new Set<ResourceType>(['SCALAR', 'RANGES', 'SET']);

/** Why one resource is malformed, or undefined (Mesos Resources::validate). */
export function validateResource(r: Resource): string | undefined {
  if (typeof r.name !== 'string' || r.name === '') return 'empty resource name';
  if (!TYPES.has(r.type)) return `unsupported resource type '${String(r.type)}'`;
  const hasScalar = r.scalar != null;
  const hasRanges = r.ranges != null;
  const hasSet = r.set != null;
  if (r.type === 'SCALAR') {
    if (!hasScalar || hasRanges || hasSet) return "a SCALAR resource needs 'scalar' and no 'ranges' or 'set'";
    const v = r.scalar?.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) return `'${String(v)}' is not a number`;
    if (v < 0) return `'${v}' is negative`;
    if (v !== 0 && toFixedPoint(v) === 0) return `'${v}' is below the 0.001 resolution`;
  } else if (r.type === 'RANGES') {
    if (!hasRanges || hasScalar || hasSet) return "a RANGES resource needs 'ranges' and no 'scalar' or 'set'";
    const list = r.ranges?.range;
    if (!Array.isArray(list)) return "'ranges.range' must be a list";
    for (const x of list) {
      if (!Number.isInteger(x?.begin) || !Number.isInteger(x?.end) || x.begin < 0 || x.end < 0) {
        return `range ${x?.begin}-${x?.end} is not made of non-negative integers`;
      }
      if (x.begin > x.end) return `range ${x.begin}-${x.end} has begin > end`;
    }
    const sorted = [...list].sort((p, q) => p.begin - q.begin);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (cur.begin <= prev.end) return `ranges ${prev.begin}-${prev.end} and ${cur.begin}-${cur.end} overlap`;
    }
  } else {
    if (!hasSet || hasScalar || hasRanges) return "a SET resource needs 'set' and no 'scalar' or 'ranges'";
    const items = r.set?.item;
    if (!Array.isArray(items)) return "'set.item' must be a list";
    const seen = new Set<string>();
    for (const item of items) {
      if (typeof item !== 'string') return `set item '${String(item)}' is not a string`;
      if (seen.has(item)) return `set item '${item}' appears twice`;
      seen.add(item);
    }
  }
  if (r.role != null) {
    const roleError = validateRole(r.role);
    if (roleError) return roleError;
  }
  const stack = r.reservations ?? [];
  for (let i = 0; i < stack.length; i++) {
    const reservation = stack[i]!;
    if (reservation.role == null) return "a reservation needs a 'role'";
    const roleError = validateRole(reservation.role);
    if (roleError) return roleError;
    if (reservation.role === '*') return "role '*' cannot be reserved";
    if (i > 0) {
      const parent = stack[i - 1]!.role!;
      if (reservation.type === 'STATIC') return 'a refined reservation cannot be STATIC';
      if (!isStrictSubroleOf(reservation.role, parent)) {
        return `role '${reservation.role}' is not a refinement of '${parent}'`;
      }
    }
  }
  if (stack.length > 1 && r.role != null) return "'role' must not be set when there are several reservations";
  if (stack.length === 1 && r.role != null && r.role !== stack[0]!.role) {
    return `'role' ${r.role} does not match the reservation role ${stack[0]!.role}`;
  }
  return undefined;
}

/** Error text for the first malformed resource of a task or executor, or undefined. */
export function validateTaskResources(r: readonly Resource[]): string | undefined {
  for (const x of r) {
    const reason = validateResource(x);
    if (reason !== undefined) return `invalid resource '${describe(x)}': ${reason}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Parsing

/**
 * Parses an agent/CLI resource string: 'cpus:2;mem:1024;ports:[31000-32000];disks:{a,b}',
 * 'cpus(role):2', or a JSON array of Resource objects. Entries of one kind are summed and
 * zero-valued entries dropped (Mesos Resources::parse). Throws ResourceError.
 */
export function parseResources(text: string, defaultRole = '*'): Resource[] {
  return normalize(parseResourceEntries(text, defaultRole));
}

/**
 * Every entry as written, zero-valued ones included (Mesos Resources::fromString plus
 * validation). The agent uses it to learn which names `--resources` mentions.
 */
export function parseResourceEntries(text: string, defaultRole = '*'): Resource[] {
  const roleError = validateRole(defaultRole);
  if (roleError) throw new ResourceError(`invalid default role: ${roleError}`);
  const entries = looksLikeJson(text) ? parseJson(text, defaultRole) : parseSimple(text, defaultRole);
  const types = new Map<string, ResourceType>();
  for (const r of entries) {
    const seen = types.get(r.name);
    if (seen !== undefined && seen !== r.type) {
      throw new ResourceError(`invalid resources: '${r.name}' is given as both ${seen} and ${r.type}`);
    }
    types.set(r.name, r.type);
  }
  return entries;
}

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!t.startsWith('[')) return false;
  const next = t.slice(1).trimStart();
  return next.startsWith('{') || next === ']';
}

function parseJson(text: string, defaultRole: string): Resource[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ResourceError(`invalid resources JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ResourceError('invalid resources JSON: expected an array of Resource objects');
  return parsed.map((item: unknown, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ResourceError(`invalid resource #${index + 1} in JSON: expected an object`);
    }
    const r = upgradeFormat({ ...(item as Resource) }, defaultRole);
    const reason = validateResource(r) ?? commandLineProblem(r);
    if (reason !== undefined) throw new ResourceError(`invalid resource #${index + 1} '${describe(r)}' in JSON: ${reason}`);
    return r;
  });
}

/** Moves an old-style `role` into `reservations` (Mesos upgradeResource), filling the default role. */
function upgradeFormat(r: Resource, defaultRole: string): Resource {
  if ((r.reservations == null || r.reservations.length === 0) && r.role == null) r.role = defaultRole;
  if (r.reservations == null || r.reservations.length === 0) {
    const role = r.role;
    delete r.reservations;
    if (role != null && role !== '*') {
      const legacy = r.reservation;
      const reservation: ReservationInfo = { type: legacy != null ? 'DYNAMIC' : 'STATIC', role };
      if (legacy?.principal != null) reservation.principal = legacy.principal;
      if (legacy?.labels != null) reservation.labels = legacy.labels;
      r.reservations = [reservation];
    }
    delete r.role;
    delete r.reservation;
  } else if (r.role != null && r.role === r.reservations[0]?.role && r.reservations.length === 1) {
    delete r.role;
    delete r.reservation;
  }
  return r;
}

/** Things allowed in API resources but not in an operator's `--resources` (Mesos rules). */
function commandLineProblem(r: Resource): string | undefined {
  if (r.revocable != null) return "revocable resources cannot be given here; remove the 'revocable' key";
  if ((r.reservations ?? []).some((x) => x.type === 'DYNAMIC')) return 'dynamic reservations cannot be given here';
  if (r.disk?.persistence != null) {
    return 'persistent volumes cannot be given here';
  }
  return undefined;
}

function parseSimple(text: string, defaultRole: string): Resource[] {
  const out: Resource[] = [];
  for (const rawToken of text.split(';')) {
    const token = rawToken.trim();
    if (token === '') continue;
    const fail = (reason: string): never => {
      throw new ResourceError(`invalid resource '${token}': ${reason}`);
    };
    if (token.startsWith(':')) fail('empty resource name');
    const pieces = token.split(':').filter((p) => p.length > 0);
    if (pieces.length < 2) fail("expected 'name:value' (missing ':')");
    if (pieces.length > 2) fail("expected 'name:value' (extra ':')");
    const head = pieces[0]!;
    const valueText = pieces[1]!.trim();
    let name: string;
    let role = defaultRole;
    const open = head.indexOf('(');
    if (open < 0) {
      if (head.includes(')')) fail('mismatched parentheses');
      name = head.trim();
    } else {
      const close = head.indexOf(')', open);
      if (close < 0) fail('mismatched parentheses');
      if (head.slice(close + 1).trim() !== '') fail(`unexpected '${head.slice(close + 1).trim()}' after the role`);
      name = head.slice(0, open).trim();
      role = head.slice(open + 1, close).trim();
      const roleError = validateRole(role);
      if (roleError) fail(roleError);
    }
    if (name === '') fail('empty resource name');
    const value = parseValue(valueText, fail);
    const r: Resource = { name, ...value };
    if (role !== '*') r.reservations = [{ type: 'STATIC', role }];
    const reason = validateResource(r);
    if (reason !== undefined) fail(reason);
    out.push(r);
  }
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const UINT = /^\d+$/;

type ParsedValue = Pick<Resource, 'type' | 'scalar' | 'ranges' | 'set'>;

/** Mesos values::parse for resources: '[1-2,5-9]' ranges, '{a,b}' sets, else a scalar. */
function parseValue(text: string, fail: (reason: string) => never): ParsedValue {
  const v = text.replace(/\s+/g, '');
  if (v === '') fail('empty value');
  if (!bracketsMatch(v)) fail(`mismatched brackets in '${text}'`);
  if (v.startsWith('[')) {
    if (!v.endsWith(']') || v.indexOf('[', 1) >= 0) fail(`'${text}' is not a list of ranges like [31000-32000]`);
    const list: Range[] = [];
    for (const piece of v.slice(1, -1).split(',')) {
      if (piece === '') continue;
      const bounds = piece.split('-');
      if (bounds.length !== 2 || !UINT.test(bounds[0]!) || !UINT.test(bounds[1]!)) {
        fail(`'${piece}' is not a range of non-negative integers like 31000-32000`);
      }
      const begin = Number(bounds[0]);
      const end = Number(bounds[1]);
      if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) fail(`'${piece}' is out of range`);
      if (begin > end) fail(`range '${piece}' has begin > end`);
      list.push({ begin, end });
    }
    return { type: 'RANGES', ranges: { range: coalesceRanges(list) } };
  }
  if (v.startsWith('{')) {
    if (!v.endsWith('}') || v.indexOf('{', 1) >= 0) fail(`'${text}' is not a set like {a,b}`);
    const items = v
      .slice(1, -1)
      .split(',')
      .filter((item) => item !== '');
    return { type: 'SET', set: { item: items } };
  }
  if (/[[\]{}]/.test(v)) fail(`unexpected bracket in '${text}'`);
  if (!NUMBER.test(v)) fail(`'${text}' is not a number`);
  const value = Number(v);
  if (!Number.isFinite(value)) fail(`'${text}' is not a finite number`);
  if (value < 0) fail(`'${text}' is negative`);
  return { type: 'SCALAR', scalar: { value } };
}

function bracketsMatch(v: string): boolean {
  for (const [open, close] of ['{}', '[]', '()'] as const) {
    let depth = 0;
    for (const ch of v) {
      if (ch === open) depth++;
      else if (ch === close && --depth < 0) return false;
    }
    if (depth !== 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Text and JSON forms

function formatValue(r: Resource): string {
  switch (r.type) {
    case 'SCALAR':
      return String(roundScalar(r.scalar?.value ?? 0));
    case 'RANGES':
      return formatRanges(rangeList(r));
    case 'SET':
      return `{${itemList(r).join(', ')}}`;
    default:
      // TEXT: a Resource carries no text value (validateResource refuses the type).
      return '';
  }
}

function formatRanges(list: readonly Range[]): string {
  return `[${list.map((x) => `${x.begin}-${x.end}`).join(', ')}]`;
}

function describe(r: Resource): string {
  let value: string;
  if (r.type === 'SCALAR') value = String(r.scalar?.value);
  else if (r.type === 'RANGES' && Array.isArray(r.ranges?.range)) value = formatRanges(r.ranges.range);
  else if (r.type === 'SET' && Array.isArray(r.set?.item)) value = `{${r.set.item.join(', ')}}`;
  else value = '?';
  const role = reservationRole(r);
  return `${r.name}${role !== '*' ? `(${role})` : ''}:${value}`;
}

/** One resource the Mesos way: 'cpus:2', 'cpus(r1):2', 'ports:[31000-32000]', 'cpus{REV}:1'. */
export function formatResource(r: Resource): string {
  const role = reservationRole(r);
  return `${r.name}${role !== '*' ? `(${role})` : ''}${r.revocable != null ? '{REV}' : ''}:${formatValue(r)}`;
}

/** 'cpus:2; mem:1024; ports:[31000-32000]', '{}' when empty (as Mesos logs them). */
export function format(r: readonly Resource[]): string {
  if (r.length === 0) return '{}';
  return r.map(formatResource).join('; ');
}

/**
 * The flattened object of the legacy state endpoints: cpus, gpus, mem and disk always
 * present as numbers, other scalars summed, ranges as '[21000-24000, 31000-32000]', sets as
 * '{a, b}'; revocable resources under '<name>_revocable'.
 */
export function toStateJson(r: readonly Resource[]): StateResources {
  // The four named scalars in locals and the rest in maps made only when met: /master/state
  // flattens the resources of every task and (twice) of every agent, 120,000 lists at 100,000 tasks.
  let cpus = 0;
  let gpus = 0;
  let mem = 0;
  let disk = 0;
  let scalars: Map<string, number> | undefined;
  let rangeValues: Map<string, Range[]> | undefined;
  let setValues: Map<string, string[]> | undefined;
  for (const x of r) {
    const key = x.revocable != null ? `${x.name}_revocable` : x.name;
    if (x.type === 'SCALAR') {
      const v = scalarFixed(x);
      if (key === 'cpus') cpus += v;
      else if (key === 'mem') mem += v;
      else if (key === 'disk') disk += v;
      else if (key === 'gpus') gpus += v;
      else {
        scalars ??= new Map();
        scalars.set(key, (scalars.get(key) ?? 0) + v);
      }
    } else if (x.type === 'RANGES') {
      rangeValues ??= new Map();
      rangeValues.set(key, [...(rangeValues.get(key) ?? []), ...rangeList(x).filter(validRange)]);
    } else if (x.type === 'SET') {
      setValues ??= new Map();
      setValues.set(key, unionItems(setValues.get(key) ?? [], itemList(x)));
    }
  }
  const out: StateResources = {
    cpus: fromFixedPoint(cpus),
    gpus: fromFixedPoint(gpus),
    mem: fromFixedPoint(mem),
    disk: fromFixedPoint(disk),
  };
  if (scalars) for (const [key, fixed] of scalars) out[key] = fromFixedPoint(fixed);
  if (rangeValues) for (const [key, list] of rangeValues) out[key] = formatRanges(coalesceRanges(list));
  if (setValues) for (const [key, items] of setValues) out[key] = `{${items.join(', ')}}`;
  return out;
}

/** Reserved resources grouped by reservation role, each flattened like toStateJson. */
export function toStateJsonByRole(r: readonly Resource[]): Record<string, StateResources> {
  const byRole = new Map<string, Resource[]>();
  for (const x of r) {
    const role = reservationRole(x);
    if (role === '*') continue;
    const list = byRole.get(role);
    if (list === undefined) byRole.set(role, [x]);
    else list.push(x);
  }
  const out: Record<string, StateResources> = {};
  for (const [role, list] of byRole) out[role] = toStateJson(list);
  return out;
}

/**
 * Resources as the quantities /master/roles reports (Mesos's ResourceQuantities): per name,
 * scalars summed, ranges and sets counted in values (ports [31000-31009] are 10), names in
 * order; a name the resources do not have is absent rather than 0.
 */
export function toQuantitiesJson(r: readonly Resource[]): Quantities {
  const fixed = new Map<string, number>();
  const bump = (name: string, amount: number) => fixed.set(name, (fixed.get(name) ?? 0) + amount);
  for (const x of r) {
    if (x.type === 'SCALAR') bump(x.name, scalarFixed(x));
    else if (x.type === 'RANGES') for (const g of rangeList(x).filter(validRange)) bump(x.name, toFixedPoint(g.end - g.begin + 1));
    else if (x.type === 'SET') bump(x.name, toFixedPoint(itemList(x).length));
  }
  const out: Quantities = {};
  for (const name of [...fixed.keys()].sort()) out[name] = fromFixedPoint(fixed.get(name)!);
  return out;
}
