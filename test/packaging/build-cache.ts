// One packaging build shared by every test file of a run (and later runs, while nothing it
// is made from changes): `npm run dist` into test/.cache/packaging/<hash of the inputs>/,
// plus the offline rebuilds of its SRPM through mock/rebuild. A lock directory keeps two
// test processes from building at once.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { dist } from '../../packaging/dist.ts';
import { ROOT, SPEC_FILE } from '../../packaging/paths.ts';
import { TARGETS, type Target } from '../../packaging/rpmbuild.ts';
import type { RpmSets } from '../../packaging/rpms.ts';
import { projectFiles } from '../../packaging/sources.ts';

export const CACHE_ROOT = path.join(ROOT, 'test', '.cache', 'packaging');

export interface PackagingBuild {
  dir: string;
  /** The test runner process that made it: the files of one run share one build. */
  runId: number;
  srpm: string;
  sets: RpmSets;
  repoDir: string;
  /** Seconds the dist step took when this build was made. */
  distSeconds: number;
}

export const isRoot = process.getuid?.() === 0;

/** Skip reason for tests that need root, or undefined when running as root. */
export function needsRoot(what: string): string | undefined {
  return isRoot ? undefined : `needs root (${what}); run the packaging suite as root`;
}

export async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Hash of everything the packages are made from: project files, lockfile, spec, scripts. */
export async function inputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = [...new Set([...(await projectFiles()), 'package-lock.json', 'mock/rebuild'])].sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(ROOT, file)).catch(() => Buffer.alloc(0)));
  }
  hash.update(await readFile(SPEC_FILE));
  return hash.digest('hex').slice(0, 16);
}

/** Runs fn while holding test/.cache/packaging/<name>.lock (a directory; stale locks are taken over). */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(CACHE_ROOT, `${name}.lock`);
  await mkdir(CACHE_ROOT, { recursive: true });
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => '0'));
      const alive =
        holder > 0 &&
        (() => {
          try {
            process.kill(holder, 0);
            return true;
          } catch {
            return false;
          }
        })();
      if (!alive) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`waited 30 min for ${lock}`);
      else await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function rpmsIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.rpm'))
    .sort()
    .map((f) => path.join(dir, f));
}

async function readBuild(dir: string): Promise<PackagingBuild | undefined> {
  const text = await readFile(path.join(dir, 'build.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as PackagingBuild);
}

/**
 * The cached `npm run dist` output for the current inputs, built when missing. Within one
 * test run (one runner process) the first build is reused even if sources changed since.
 */
export async function packagingBuild(): Promise<PackagingBuild> {
  const hash = await inputsHash();
  const dir = path.join(CACHE_ROOT, hash);
  const runId = process.ppid;
  return withLock('build', async () => {
    const cached = await readBuild(dir);
    if (cached) {
      // Claim it for this run, so that later files of the run keep it if sources change meanwhile.
      if (cached.runId !== runId) await writeFile(path.join(dir, 'build.json'), JSON.stringify({ ...cached, runId }, null, 2));
      return { ...cached, runId };
    }
    const builds = (await readdir(CACHE_ROOT)).filter((e) => /^[0-9a-f]{16}$/.test(e));
    for (const entry of builds) {
      const other = await readBuild(path.join(CACHE_ROOT, entry));
      if (other?.runId === runId) return other;
    }
    // Builds of other inputs and earlier runs are of no more use.
    for (const entry of builds) await rm(path.join(CACHE_ROOT, entry), { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await execa(path.join(ROOT, 'packaging', 'host-prereqs.sh'), ['--tests'], { stdio: 'inherit' });
    const result = await dist({
      workDir: path.join(dir, 'work'),
      repoDir: path.join(dir, 'repo'),
      log: (line) => process.stderr.write(`# packaging: ${line}\n`),
    });
    const build: PackagingBuild = {
      dir,
      runId,
      srpm: path.join(result.repoDir, 'SRPMS', path.basename(result.srpm)),
      sets: Object.fromEntries(
        await Promise.all(TARGETS.map(async (t) => [t.id, await rpmsIn(path.join(result.repoDir, t.releasever, 'x86_64'))] as const)),
      ) as RpmSets,
      repoDir: result.repoDir,
      distSeconds: result.seconds.total,
    };
    // The rpmbuild trees are large and not needed any more.
    await rm(path.join(dir, 'work'), { recursive: true, force: true });
    await writeFile(path.join(dir, 'build.json'), JSON.stringify(build, null, 2));
    return build;
  });
}

export interface Rebuild {
  rpms: string[];
  log: string;
}

/**
 * The SRPM rebuilt by mock/rebuild for a target, in its clean room (no network, fresh HOME,
 * an unprivileged user), with Release bumped to 2 so it can serve as an upgrade.
 */
export async function offlineRebuild(target: Target): Promise<Rebuild> {
  const build = await packagingBuild();
  const resultdir = path.join(build.dir, `rebuild-${target.id}`);
  return withLock(`rebuild-${target.id}`, async () => {
    const stamp = path.join(resultdir, 'done');
    if (!(await exists(stamp))) {
      await rm(resultdir, { recursive: true, force: true });
      await execa(
        path.join(ROOT, 'mock', 'rebuild'),
        ['--clean-room', '-r', target.mockConfig, '--resultdir', resultdir, '--define', 'baserelease 2', build.srpm],
        { stdout: 'ignore', stderr: 'inherit' },
      );
      await writeFile(stamp, '');
    }
    return {
      rpms: (await rpmsIn(resultdir)).filter((f) => !f.endsWith('.src.rpm')),
      log: path.join(resultdir, 'build.log'),
    };
  });
}

/** Query one RPM file with rpm -qp. */
export async function rpmQuery(file: string, ...args: string[]): Promise<string> {
  return (await execa('rpm', ['-qp', ...args, file])).stdout;
}

/** The subpackage name of an RPM file. */
export async function rpmName(file: string): Promise<string> {
  return rpmQuery(file, '--qf', '%{NAME}');
}

/** RPM files of a set by subpackage name. */
export async function byName(files: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of files) out.set(await rpmName(f), f);
  return out;
}

/** Unpacks an RPM's payload into dir (rpm2cpio | cpio), keeping symlinks and modes. */
export async function extractPayload(rpm: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await execa('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm], { cwd: dir });
}
