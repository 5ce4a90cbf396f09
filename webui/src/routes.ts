// Hash routes (`#/agents/<id>`, `#/agents/<id>/browse?path=...`) parsed into typed routes and
// built back into hrefs. Pure: the hook that follows `location.hash` lives in router.ts.
//
// Apache Mesos's UI spells agents `#/slaves/...` in old bookmarks and in the Fedora guide; those
// hashes resolve to the same pages and are rewritten to `#/agents/...` (see canonicalHash).

export type Route =
  | { page: 'overview' }
  | { page: 'agents' }
  | { page: 'agent'; agentId: string }
  | { page: 'frameworks' }
  | { page: 'framework'; frameworkId: string }
  | { page: 'task'; frameworkId: string; taskId: string }
  | { page: 'tasks' }
  | { page: 'offers' }
  | { page: 'roles' }
  | { page: 'browse'; agentId: string; path: string }
  | { page: 'file'; agentId: string; path: string }
  | { page: 'sandbox'; agentId: string; frameworkId: string; executorId?: string; taskId?: string }
  | { page: 'not-found'; hash: string };

export type Tab = 'overview' | 'frameworks' | 'agents' | 'tasks' | 'offers' | 'roles';

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** `#/slaves/S0?x` -> `#/agents/S0?x`; undefined when the hash is already canonical (`#/agents?x`). */
export function canonicalHash(hash: string): string | undefined {
  const m = /^#?\/?slaves(?=$|[/?])/.exec(hash);
  if (!m) return undefined;
  return `#/agents${hash.slice(m[0].length)}`;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const segments = pathPart.split('/').filter((s) => s !== '');
  const parts: string[] = [];
  for (const s of segments) {
    const d = decode(s);
    if (d === undefined) return { page: 'not-found', hash };
    parts.push(d);
  }
  const [head = '', ...rest] = parts;
  const notFound: Route = { page: 'not-found', hash };
  switch (head) {
    case '':
      return { page: 'overview' };
    case 'frameworks':
      if (rest.length === 0) return { page: 'frameworks' };
      if (rest.length === 1) return { page: 'framework', frameworkId: rest[0]! };
      if (rest.length === 3 && rest[1] === 'tasks') return { page: 'task', frameworkId: rest[0]!, taskId: rest[2]! };
      return notFound;
    case 'tasks':
    case 'offers':
    case 'roles':
      return rest.length === 0 ? { page: head } : notFound;
    case 'agents':
    case 'slaves':
      return agentRoute(rest, query) ?? notFound;
    default:
      return notFound;
  }
}

function agentRoute(rest: string[], query: URLSearchParams): Route | undefined {
  if (rest.length === 0) return { page: 'agents' };
  const agentId = rest[0]!;
  if (rest.length === 1) return { page: 'agent', agentId };
  const tail = rest.slice(1);
  if (tail.length === 1 && (tail[0] === 'browse' || tail[0] === 'file')) {
    const path = query.get('path');
    if (!path) return undefined;
    return { page: tail[0], agentId, path };
  }
  // Sandbox links: .../frameworks/F/tasks/T/browse, and Apache Mesos's
  // .../frameworks/F/executors/E/browse and .../executors/E/tasks/T/browse.
  if (tail[0] !== 'frameworks' || tail.length < 4 || tail[tail.length - 1] !== 'browse') return undefined;
  const frameworkId = tail[1]!;
  const middle = tail.slice(2, -1);
  if (middle.length === 2 && middle[0] === 'tasks') return { page: 'sandbox', agentId, frameworkId, taskId: middle[1]! };
  if (middle.length === 2 && middle[0] === 'executors') return { page: 'sandbox', agentId, frameworkId, executorId: middle[1]! };
  if (middle.length === 4 && middle[0] === 'executors' && middle[2] === 'tasks') {
    return { page: 'sandbox', agentId, frameworkId, executorId: middle[1]!, taskId: middle[3]! };
  }
  return undefined;
}

const enc = encodeURIComponent;

/** The hash of a route: every id is percent-encoded, so an id cannot add path segments. */
export function href(route: Route): string {
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'agents':
    case 'frameworks':
    case 'tasks':
    case 'offers':
    case 'roles':
      return `#/${route.page}`;
    case 'agent':
      return `#/agents/${enc(route.agentId)}`;
    case 'framework':
      return `#/frameworks/${enc(route.frameworkId)}`;
    case 'task':
      return `#/frameworks/${enc(route.frameworkId)}/tasks/${enc(route.taskId)}`;
    case 'browse':
    case 'file':
      return `#/agents/${enc(route.agentId)}/${route.page}?${new URLSearchParams({ path: route.path })}`;
    case 'sandbox': {
      const base = `#/agents/${enc(route.agentId)}/frameworks/${enc(route.frameworkId)}`;
      const ex = route.executorId ? `/executors/${enc(route.executorId)}` : '';
      const task = route.taskId !== undefined ? `/tasks/${enc(route.taskId)}` : '';
      return `${base}${ex}${task}/browse`;
    }
    case 'not-found':
      return route.hash;
  }
}

/** The navigation tab a route belongs to. */
export function tabOf(route: Route): Tab | undefined {
  switch (route.page) {
    case 'overview':
      return 'overview';
    case 'agents':
    case 'agent':
    case 'browse':
    case 'file':
    case 'sandbox':
      return 'agents';
    case 'frameworks':
    case 'framework':
    case 'task':
      return 'frameworks';
    case 'tasks':
    case 'offers':
    case 'roles':
      return route.page;
    case 'not-found':
      return undefined;
  }
}

/** The fragment's parameter naming the master that sent the page to the leader. */
const VIA = 'via';

/** The fragment with `via=<origin>` among its query parameters. */
export function withVia(hash: string, origin: string): string {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  query.set(VIA, origin);
  return `#${q < 0 ? raw : raw.slice(0, q)}?${query}`;
}

/** The fragment without its `via` parameter, and that parameter's value. */
export function takeVia(hash: string): { via?: string; hash: string } {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  if (q < 0) return { hash };
  const query = new URLSearchParams(raw.slice(q + 1));
  const via = query.get(VIA);
  if (via === null) return { hash };
  query.delete(VIA);
  const rest = query.toString();
  return { via, hash: `#${raw.slice(0, q)}${rest ? `?${rest}` : ''}` };
}

/**
 * Where the page goes when its master does not lead: that master's /master/redirect (relative,
 * for a master under a path prefix), which answers 307 to the leader's base URL. The browser
 * keeps the fragment, so the page stays on the same view, and the fragment says which master
 * sent it (`via`): the page sends no Referer.
 */
export function leaderRedirectUrl(href: string): string {
  const url = new URL('master/redirect', href);
  url.hash = withVia(new URL(href).hash, new URL(href).origin);
  return url.href;
}

/**
 * Where the page goes once its master stopped answering: the web UI of the master that sent it
 * here, on the same view; that master sends it on to the new leader (or shows that there is
 * none yet). Undefined when the page was opened on this master.
 */
export function fallbackUrl(via: string | undefined, href: string): string | undefined {
  if (via === undefined) return undefined;
  let from: URL;
  try {
    from = new URL(via);
  } catch {
    return undefined;
  }
  const here = new URL(href);
  if ((from.protocol !== 'http:' && from.protocol !== 'https:') || from.origin === here.origin) return undefined;
  return `${from.origin}/${here.hash}`;
}
