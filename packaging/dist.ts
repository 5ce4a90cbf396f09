// `npm run dist`: SRPM, both RPM sets and the repository in rpms/, timed. The timings and
// sizes also go to build/dist-report.json (BENCHMARKS.md quotes them).
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, RPMS_DIR } from './paths.ts';
import { makeRepo } from './repo.ts';
import { buildRpms, type RpmSets } from './rpms.ts';
import { buildSrpm, DEFAULT_WORK_DIR } from './srpm.ts';

export interface DistOptions {
  workDir?: string;
  repoDir?: string;
  baseurl?: string;
  log?: (line: string) => void;
}

export interface DistResult {
  srpm: string;
  sets: RpmSets;
  repoDir: string;
  seconds: Record<'srpm' | 'rpms' | 'repo' | 'total', number>;
  sizes: Record<string, number>;
}

export async function dist(options: DistOptions = {}): Promise<DistResult> {
  const workDir = options.workDir ?? DEFAULT_WORK_DIR;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  let mark = started;
  const lap = (): number => {
    const now = performance.now();
    const seconds = Math.round((now - mark) / 100) / 10;
    mark = now;
    return seconds;
  };
  const srpm = await buildSrpm(workDir);
  const srpmSeconds = lap();
  log(`srpm: ${path.basename(srpm)} (${srpmSeconds} s)`);
  const sets = await buildRpms(srpm, workDir);
  const rpmsSeconds = lap();
  log(`rpms: ${Object.values(sets).flat().length} packages (${rpmsSeconds} s)`);
  const repoDir = await makeRepo({ sets, srpm, repoDir: options.repoDir, baseurl: options.baseurl });
  const repoSeconds = lap();
  log(`repo: ${repoDir} (${repoSeconds} s)`);
  const sizes: Record<string, number> = {};
  for (const file of [srpm, ...Object.values(sets).flat()]) sizes[path.basename(file)] = (await stat(file)).size;
  const total = Math.round((performance.now() - started) / 100) / 10;
  return { srpm, sets, repoDir, seconds: { srpm: srpmSeconds, rpms: rpmsSeconds, repo: repoSeconds, total }, sizes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  dist({ repoDir: RPMS_DIR, baseurl: process.env['MESOS_REPO_BASEURL'], log: (l) => process.stdout.write(`${l}\n`) })
    .then(async (result) => {
      for (const [name, size] of Object.entries(result.sizes)) {
        process.stdout.write(`${(size / 1e6).toFixed(1).padStart(7)} MB  ${name}\n`);
      }
      process.stdout.write(`dist: ${result.seconds.total} s\n`);
      await mkdir(BUILD_DIR, { recursive: true });
      await writeFile(path.join(BUILD_DIR, 'dist-report.json'), `${JSON.stringify(result, null, 2)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`dist: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
