// Which ACL action guards a daemon's endpoint as a whole, before it is routed: get_endpoints
// (object: the path) for a GET of the endpoints Mesos lists (common/authorization.cpp's
// AUTHORIZABLE_ENDPOINTS, as the daemon serves them), view_flags for /flags, access_mesos_logs
// for the daemon's own log through /files. Mesos answers a refusal with a bare 403.
import { posix } from 'node:path';
import type { RequestHandler } from 'express';
import type { PrincipalRequest } from '../http-auth.ts';
import { requestQuery } from '../query.ts';
import type { LocalAuthorizer } from './local.ts';

export interface GuardedEndpoints {
  /** The endpoints whose GET is checked with get_endpoints. */
  getEndpoints: ReadonlySet<string>;
  /** Other spellings routed to one of those (`.json`), checked as it: an ACL names the endpoint once. */
  aliases?: Readonly<Record<string, string>>;
  /** The daemon's log as /files serves it (/master/log, /slave/log). */
  log: string;
}

/** The /files endpoints that read what is attached under a virtual path (`path=` in the query). */
const FILE_READERS = new Set([
  '/files/browse',
  '/files/browse.json',
  '/files/read',
  '/files/read.json',
  '/files/download',
  '/files/download.json',
]);

export type EndpointCheck = (
  authorizer: LocalAuthorizer | undefined,
  method: string | undefined,
  path: string,
  principal: string | undefined,
  filePath?: string,
) => boolean;

/**
 * Whether a reader may use an endpoint (`path` canonical: no daemon prefix; `filePath` the
 * `path=` of a /files request). Without an authorizer everything is allowed.
 */
export function endpointCheck(endpoints: GuardedEndpoints): EndpointCheck {
  return (authorizer, method, path, principal, filePath) => {
    if (authorizer === undefined) return true;
    if (path === '/flags') return authorizer.authorized('view_flags', principal, undefined);
    if (FILE_READERS.has(path) && filePath !== undefined && isUnder(filePath, endpoints.log)) {
      return authorizer.authorized('access_mesos_logs', principal, undefined);
    }
    const endpoint = endpoints.aliases?.[path] ?? path;
    if (method === 'GET' && endpoints.getEndpoints.has(endpoint)) return authorizer.authorized('get_endpoints', principal, endpoint);
    return true;
  };
}

/** Express middleware answering 403 to what `allowed` refuses; `canonical` spells the path as the check expects it. */
export function endpointGuard(authorizer: LocalAuthorizer, allowed: EndpointCheck, canonical: (url: string) => string): RequestHandler {
  return (req, res, next) => {
    const query = requestQuery(req);
    const filePath = query.ok ? query.value.get('path') : undefined;
    if (allowed(authorizer, req.method, canonical(req.url), (req as PrincipalRequest).principal, filePath)) next();
    else res.status(403).end();
  };
}

/** Whether a /files path names `root` or a file below it, as the files endpoints resolve it. */
export function isUnder(p: string, root: string): boolean {
  const n = posix.normalize(`/${p}`).replace(/\/+$/, '');
  return n === root || n.startsWith(`${root}/`);
}
