// Which installed npm packages go into the source tarball: the production dependencies and
// the tools %build runs (esbuild, tsx, postject), with everything they depend on, resolved
// the way Node resolves them, from package-lock.json. Nothing else: the SRPM must build
// offline, and should not carry the linters and type checkers.

/** The part of a lockfile v2/v3 `packages` entry this needs. */
export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  os?: string[];
  cpu?: string[];
  link?: boolean;
}

export interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** The tools rpmbuild's %build runs from node_modules. */
export const BUILD_TOOLS = ['esbuild', 'tsx', 'postject'];

export interface Platform {
  os: string;
  cpu: string;
}

function supports(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  const denied = list.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
  const allowed = list.filter((v) => !v.startsWith('!'));
  if (denied.includes(value)) return false;
  return allowed.length === 0 || allowed.includes(value);
}

/** Node's lookup: `<from>/node_modules/<name>`, then the same from each ancestor package. */
export function resolveFrom(lock: Lockfile, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** Lockfile paths (`node_modules/...`) of the roots and all they depend on, sorted. */
export function vendoredPackages(lock: Lockfile, roots: string[], platform: Platform): string[] {
  if (lock.lockfileVersion < 2) throw new Error('package-lock.json must be lockfile version 2 or 3');
  const found = new Set<string>();
  const visit = (from: string, name: string, optional: boolean): void => {
    const at = resolveFrom(lock, from, name);
    if (!at) {
      if (optional) return;
      throw new Error(`'${name}' (needed by ${from || 'the project'}) is not in package-lock.json; run npm install`);
    }
    const entry = lock.packages[at]!;
    if (!supports(entry.os, platform.os) || !supports(entry.cpu, platform.cpu)) return;
    if (found.has(at)) return;
    found.add(at);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(at, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(at, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      visit(at, dep, entry.peerDependenciesMeta?.[dep]?.optional ?? true);
    }
  };
  for (const root of roots) visit('', root, false);
  return [...found].sort();
}

/** The roots for this project: its production dependencies plus the build tools. */
export function vendorRoots(lock: Lockfile): string[] {
  const project = lock.packages[''];
  return [...Object.keys(project?.dependencies ?? {}), ...BUILD_TOOLS];
}
