// The rules a FrameworkInfo must follow to SUBSCRIBE or UPDATE_FRAMEWORK, and the roles a
// framework may name in REVIVE and SUPPRESS, with Apache Mesos's error texts
// (validation::framework in src/master/validation.cpp; Master::validateFramework,
// Master::updateFramework, Master::revive and Master::suppress in src/master/master.cpp).
// Schedulers see these texts: in the ERROR event that refuses a subscription, or in the 400
// answering UPDATE_FRAMEWORK. Pure functions of their arguments.
import type { FrameworkInfo, OfferConstraints } from '../../common/mesos.ts';
import { validateRole } from '../../common/roles.ts';
import { frameworkRoles } from '../records.ts';

/** Longest framework id: it names sandbox directories (NAME_MAX). */
const MAX_ID_BYTES = 255;

/** Mesos's `stringify(std::set<string>)`: `{ a, b }`, sorted. */
export function stringifySet(items: Iterable<string>): string {
  return `{ ${[...new Set(items)].sort().join(', ')} }`;
}

function isMultiRole(info: FrameworkInfo): boolean {
  return info.capabilities?.some((c) => c.type === 'MULTI_ROLE') ?? false;
}

function rolesError(info: FrameworkInfo): string | undefined {
  const multiRole = isMultiRole(info);
  if (multiRole && info.role !== undefined) {
    return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  }
  const roles = info.roles ?? [];
  if (!multiRole && roles.length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  if (multiRole) {
    const duplicates = roles.filter((r, i) => roles.indexOf(r) !== i);
    if (duplicates.length > 0) return `'FrameworkInfo.roles' contains duplicate items: ${stringifySet(duplicates)}`;
    for (const role of roles) {
      const error = validateRole(role);
      if (error) return `'FrameworkInfo.roles' contains invalid role: ${error}`;
    }
    return undefined;
  }
  const error = validateRole(info.role ?? '*');
  return error ? `'FrameworkInfo.role' is not a valid role: ${error}` : undefined;
}

/** common::validation::validateID, for a framework id the scheduler chose to send. */
function frameworkIdError(info: FrameworkInfo): string | undefined {
  const id = info.id?.value;
  if (id === undefined || id === '') return undefined;
  if (Buffer.byteLength(id) > MAX_ID_BYTES) return `ID must not be greater than ${MAX_ID_BYTES} characters`;
  if (id === '.' || id === '..') return `'${id}' is disallowed`;
  if (/[\u0000-\u001f\u007f/\\]/.test(id)) return `'${id}' contains invalid characters`;
  return undefined;
}

function offerFiltersError(info: FrameworkInfo): string | undefined {
  const filters = info.offer_filters ?? {};
  for (const filter of Object.values(filters)) {
    for (const quantities of filter.min_allocatable_resources?.quantities ?? []) {
      const entries = Object.entries(quantities.quantities ?? {});
      if (entries.length === 0) return 'Resource quantities must contain at least one quantity';
      for (const [name, quantity] of entries) {
        const error = scalarInputError(quantity.value);
        if (error) return `Invalid resource quantity for '${name}': ${error}`;
      }
    }
  }
  return undefined;
}

/** common::validation::validateInputScalarValue. */
function scalarInputError(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN not supported';
  if (!Number.isFinite(value)) return 'Infinite values not supported';
  if (value !== 0 && Math.abs(value) < 2.2250738585072014e-308) return 'Subnormal values not supported';
  if (value < 0) return 'Negative values not supported';
  return undefined;
}

/** Mesos keeps durations in int64 nanoseconds; a failover timeout beyond that is refused. */
function failoverTimeoutError(info: FrameworkInfo): string | undefined {
  const seconds = info.failover_timeout ?? 0;
  const nanos = seconds * 1e9;
  // As Mesos compares: NaN passes.
  if (!(nanos > 2 ** 63 || nanos < -(2 ** 63))) return undefined;
  return `The framework failover_timeout (${cDouble(seconds)}) is invalid`;
}

/** A double as C++'s `ostream << double` writes one this large (%g, six significant digits). */
function cDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = value.toExponential(5).split('e') as [string, string];
  const digits = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${digits}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/**
 * validation::framework::validate plus the removed-framework check of Master::validateFramework:
 * why this FrameworkInfo cannot subscribe, or undefined. (`--roles` and `--root_submissions`,
 * the other checks there, have no effect on this master.)
 */
export function frameworkInfoError(info: FrameworkInfo, isRemoved: (id: string) => boolean): string | undefined {
  const error = rolesError(info) ?? frameworkIdError(info) ?? offerFiltersError(info) ?? failoverTimeoutError(info);
  if (error) return error;
  const id = info.id?.value;
  if (id && isRemoved(id)) return 'Framework has been removed';
  return undefined;
}

/** validateSuppressedRoles and validateOfferConstraintsRoles: both name only the framework's roles. */
export function allocatorOptionsError(
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
  offerConstraints: OfferConstraints | undefined,
): string | undefined {
  const roles = new Set(frameworkRoles(info));
  const strangers = suppressedRoles.filter((r) => !roles.has(r));
  if (strangers.length > 0) return `Suppressed roles ${stringifySet(strangers)} are not contained in the set of roles`;
  const constrained = Object.keys(offerConstraints?.role_constraints ?? {});
  const stranger = constrained.sort().find((r) => !roles.has(r));
  // Mesos's text, missing space included.
  if (stranger !== undefined)
    return `Offer constraints specify \`role_constraints\` for a role '${stranger}'not contained in the set of roles`;
  return undefined;
}

/** validation::framework::validateUpdate: what a framework may not change about itself. */
export function frameworkUpdateError(old: FrameworkInfo, next: FrameworkInfo): string | undefined {
  if (old.principal !== next.principal) return "Changing framework's principal is not allowed.";
  if (next.user !== old.user) {
    return `Updating 'FrameworkInfo.user' is unsupported; attempted to update from '${old.user}' to '${next.user}'`;
  }
  const oldCheckpoint = old.checkpoint ?? false;
  const newCheckpoint = next.checkpoint ?? false;
  if (oldCheckpoint !== newCheckpoint) {
    return `Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '${oldCheckpoint}' to '${newCheckpoint}'`;
  }
  return undefined;
}

/**
 * validation::framework::preserveImmutableFields: a framework re-subscribing keeps its user and
 * checkpointing whatever its new FrameworkInfo says (Mesos logs and ignores the change).
 */
export function preserveImmutableFields(old: FrameworkInfo, next: FrameworkInfo): FrameworkInfo {
  const kept: FrameworkInfo = { ...next, user: old.user };
  if (old.checkpoint === undefined) delete kept.checkpoint;
  else kept.checkpoint = old.checkpoint;
  return kept;
}

/** What the master knows of other frameworks when one subscribes. */
export interface KnownFrameworks {
  /** Whether a framework with this id was removed (it may never come back). */
  isRemoved(id: string): boolean;
  /** The FrameworkInfo of the registered framework with this id, if any. */
  existing(id: string): FrameworkInfo | undefined;
}

/**
 * Why Mesos refuses this SUBSCRIBE (the message of the ERROR event that ends the stream), or
 * undefined: an invalid FrameworkInfo, a removed framework, suppressed roles or offer
 * constraints naming roles the framework does not have, or a change a re-subscribing framework
 * may not make (its principal).
 */
export function subscribeError(
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
  offerConstraints: OfferConstraints | undefined,
  known: KnownFrameworks,
): string | undefined {
  const error = frameworkInfoError(info, known.isRemoved) ?? allocatorOptionsError(info, suppressedRoles, offerConstraints);
  if (error) return error;
  const existing = info.id?.value ? known.existing(info.id.value) : undefined;
  return existing ? frameworkUpdateError(existing, preserveImmutableFields(existing, info)) : undefined;
}

/** UPDATE_FRAMEWORK's checks, in Mesos's order and with its texts (Master::updateFramework). */
export function updateFrameworkError(
  old: FrameworkInfo,
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
  offerConstraints: OfferConstraints | undefined,
): string | undefined {
  const invalid = frameworkInfoError(info, () => false);
  if (invalid) return `Supplied FrameworkInfo is not valid: ${invalid}`;
  const update = frameworkUpdateError(old, info);
  if (update) return `FrameworkInfo update is not valid: ${update}`;
  const options = allocatorOptionsError(info, suppressedRoles, offerConstraints);
  if (options) return `'UpdateFramework' call is not valid: ${options}`;
  return undefined;
}

/**
 * Why a REVIVE or SUPPRESS naming these roles is dropped, or undefined (Master::revive and
 * Master::suppress): one role that is invalid or not the framework's drops the whole call.
 */
export function reviveSuppressRolesError(
  call: 'REVIVE' | 'SUPPRESS',
  roles: readonly string[],
  frameworkRoles: readonly string[],
): string | undefined {
  const what = call === 'REVIVE' ? 'revive' : 'suppression';
  for (const role of roles) {
    const invalid = validateRole(role);
    if (invalid) return `${what} role '${role}' is invalid: ${invalid}`;
    // Mesos's text, apostrophe included.
    if (!frameworkRoles.includes(role)) return `${what} role '${role}' is not one of the frameworks's subscribed roles`;
  }
  return undefined;
}
