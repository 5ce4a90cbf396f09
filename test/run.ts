// Runs the test suites with node:test: `tsx test/run.ts [unit] [integration] [browser] [packaging] [e2e]`.
// Without arguments: unit, integration and browser, plus packaging and e2e when running as root
// (they need root-only facilities; they say so and skip otherwise). The bundle the integration
// tests run is built first.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { bundle } from '../packaging/bundle.ts';
import { ROOT } from './helpers/cluster.ts';

const ALL = ['unit', 'integration', 'browser', 'packaging', 'e2e'] as const;
type Suite = (typeof ALL)[number];
/** Longest a test file of each suite may run: many times its slowest file in a CI run (~10-80 s). */
const FILE_TIMEOUT_S: Record<Suite, number> = { unit: 300, integration: 900, browser: 900, packaging: 2400, e2e: 2400 };

function testFiles(dir: string): string[] {
  const full = path.join(ROOT, 'test', dir);
  let entries: string[];
  try {
    entries = readdirSync(full);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of entries.sort()) {
    const p = path.join(full, e);
    if (statSync(p).isDirectory()) files.push(...testFiles(path.join(dir, e)));
    else if (e.endsWith('.test.ts')) files.push(p);
  }
  return files;
}

/** --test-force-exit came with Node 20.14 and 22.0; older runtimes refuse unknown flags. */
function forceExit(): string[] {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major >= 22 || (major === 20 && minor >= 14) ? ['--test-force-exit'] : [];
}

async function main(): Promise<number> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const a of asked) {
    if (!(ALL as readonly string[]).includes(a)) {
      process.stderr.write(`unknown suite '${a}'; suites: ${ALL.join(', ')}\n`);
      return 2;
    }
  }
  const isRoot = process.getuid?.() === 0;
  const suites: Suite[] = asked.length > 0 ? (asked as Suite[]) : isRoot ? [...ALL] : ['unit', 'integration', 'browser'];
  if (asked.length === 0 && !isRoot) process.stderr.write('Not root: the packaging and e2e suites need root and are skipped.\n');
  const started = Date.now();
  if (suites.some((s) => s !== 'unit')) {
    const out = await bundle();
    process.stderr.write(`built ${path.relative(ROOT, out)} in ${Date.now() - started} ms\n`);
  }
  let failed = false;
  for (const suite of suites) {
    const files = testFiles(suite);
    if (files.length === 0) continue;
    // Browser timing tests and root suites want the machine to themselves.
    const concurrency = suite === 'unit' ? 4 : suite === 'integration' ? 2 : 1;
    // A hung test must fail the run rather than hold it until CI's own limit, with no output (the
    // spec reporter prints a file only once it ends). node:test applies the timeout to each file
    // as a whole too, so it is a multiple of the slowest file here; tests may set their own.
    // --test-force-exit ends a file whose tests are done even if something still holds its loop.
    const timeoutMs = FILE_TIMEOUT_S[suite] * 1000;
    process.stderr.write(`\n== ${suite} (${files.length} files)\n`);
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        `--test-timeout=${timeoutMs}`,
        ...forceExit(),
        '--test-reporter=spec',
        ...files,
      ],
      { stdio: 'inherit', cwd: ROOT },
    );
    if (res.status !== 0) failed = true;
  }
  process.stderr.write(`\nall suites done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${failed ? 'FAILED' : 'ok'}\n`);
  return failed ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
});
