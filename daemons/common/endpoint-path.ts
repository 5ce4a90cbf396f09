// One spelling of a request's path for the tables that decide what guards it (realms, ACL
// actions): the router must never reach an endpoint through a spelling a table does not know.

/**
 * The path as express may route it: percent-decoded, lower case (express routes without regard
 * to case), repeated and trailing slashes dropped.
 */
export function normalizedPath(url: string): string {
  let p = url.split('?')[0]!.split('#')[0]!;
  try {
    p = decodeURIComponent(p);
  } catch {
    // An undecodable path is classified as it is written; nothing routes it anyway.
  }
  p = p.toLowerCase().replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p;
}

/** A normalized path without the first of `prefixes` it starts with, under which a daemon also answers. */
export function withoutPrefix(p: string, prefixes: readonly string[]): string {
  for (const prefix of prefixes) {
    if (p === prefix) return '/';
    if (p.startsWith(`${prefix}/`)) return p.slice(prefix.length);
  }
  return p;
}
