// The authorizer a daemon's --acls and --authorizer(s) flags ask for.
import { type Result, failed, ok } from '../result.ts';
import { parseAcls } from './acls.ts';
import { LocalAuthorizer } from './local.ts';

/** The local authorizer of --acls, or none without ACLs; another authorizer (a module) cannot be loaded. */
export function authorizerFromFlags(authorizerFlag: string, authorizer: string, acls: unknown): Result<LocalAuthorizer | undefined> {
  if (authorizer !== 'local') {
    return failed(`--${authorizerFlag}=${authorizer}: only the local authorizer (--acls) is built in; remove the flag`);
  }
  if (acls === undefined) return ok(undefined);
  const parsed = parseAcls(acls);
  return parsed.ok ? ok(new LocalAuthorizer(parsed.value)) : parsed;
}
