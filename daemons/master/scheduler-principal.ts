// The scheduler API's checks of an authenticated principal, as Mesos's Master::Http::scheduler
// and validation::scheduler::call::validate make them: a SUBSCRIBE may not name another
// principal in its FrameworkInfo (one that names none gets the authenticated one), and every
// other call must come from the principal of the framework it is for.
import type { Logger } from 'pino';
import type { FrameworkInfo, SchedulerCall } from '../common/mesos.ts';

const mismatch = (authenticated: string, claimed: string) =>
  `Authenticated principal '${authenticated}' does not match principal '${claimed}' set in \`FrameworkInfo\``;

/** Why a SUBSCRIBE names another principal than the one that authenticated; undefined when it does not. */
export function subscribePrincipalProblem(call: SchedulerCall, authenticated: string | undefined): string | undefined {
  const claimed = call.type === 'SUBSCRIBE' ? call.subscribe?.framework_info?.principal : undefined;
  if (authenticated === undefined || claimed === undefined || claimed === authenticated) return undefined;
  return mismatch(authenticated, claimed);
}

/** A subscribing framework that names no principal gets the authenticated one, with Mesos's warning. */
export function adoptPrincipal(log: Logger, call: SchedulerCall, authenticated: string | undefined): void {
  const info = call.subscribe?.framework_info;
  if (authenticated === undefined || !info || info.principal !== undefined) return;
  log.warn(
    `Setting 'principal' in FrameworkInfo to '${authenticated}' because the framework authenticated with that principal but did not set it in FrameworkInfo`,
  );
  info.principal = authenticated;
}

/** Why a call for a framework may not come from this principal; undefined when it may (or nothing authenticated). */
export function callPrincipalProblem(framework: FrameworkInfo, authenticated: string | undefined): string | undefined {
  if (authenticated === undefined || authenticated === framework.principal) return undefined;
  return mismatch(authenticated, framework.principal ?? '');
}
