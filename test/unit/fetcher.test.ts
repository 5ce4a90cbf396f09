// The fetcher against a loopback HTTP server and local files: download, extraction, executable
// bits, output_file, the cache (a hit does not touch the server), eviction, and clear errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FetchError, destinationName, fetchUris } from '../../daemons/agent/fetcher/fetcher.ts';

let server: http.Server;
let base = '';
const hits = new Map<string, number>();
const files = new Map<string, Buffer>();
const work = mkdtempSync(path.join(os.tmpdir(), 'fetcher-test-'));

before(async () => {
  // A tarball and a zip with a small tree in them.
  const tree = path.join(work, 'tree');
  mkdirSync(path.join(tree, 'app', 'bin'), { recursive: true });
  writeFileSync(path.join(tree, 'app', 'bin', 'run.sh'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  writeFileSync(path.join(tree, 'app', 'README'), 'readme\n');
  execFileSync('tar', ['-czf', path.join(work, 'app.tgz'), '-C', tree, 'app']);
  execFileSync('sh', [
    '-c',
    `cd ${tree} && zip -qr ${path.join(work, 'app.zip')} app 2>/dev/null || python3 -c "import shutil; shutil.make_archive('${path.join(work, 'app')}', 'zip', '${tree}', 'app')"`,
  ]);
  files.set('/app.tgz', readFileSync(path.join(work, 'app.tgz')));
  files.set('/app.zip', readFileSync(path.join(work, 'app.zip')));
  files.set('/tool', Buffer.from('#!/bin/sh\necho tool\n'));
  files.set('/big', Buffer.alloc(600_000, 7));
  files.set('/big2', Buffer.alloc(600_000, 8));
  server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0]!;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const body = files.get(p);
    if (!body) {
      res.writeHead(404).end('no such file');
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

function sandbox(): string {
  return mkdtempSync(path.join(work, 'sandbox-'));
}
const cacheDir = path.join(work, 'cache');

test('downloads and extracts a tarball served over HTTP', async () => {
  const sb = sandbox();
  const [r] = await fetchUris([{ value: `${base}/app.tgz` }], { sandbox: sb, cacheDir, cacheSizeBytes: 1e9 });
  assert.equal(r!.extracted, true);
  assert.equal(readFileSync(path.join(sb, 'app', 'README'), 'utf8'), 'readme\n');
  assert.ok(statSync(path.join(sb, 'app', 'bin', 'run.sh')).mode & 0o100, 'modes survive extraction');
  assert.ok(readdirSync(sb).includes('app.tgz'), 'the archive itself stays, as with Mesos');
});

test('extracts zips; extract: false keeps the archive as it is', async () => {
  const sb = sandbox();
  await fetchUris([{ value: `${base}/app.zip` }], { sandbox: sb, cacheDir, cacheSizeBytes: 1e9 });
  assert.equal(readFileSync(path.join(sb, 'app', 'README'), 'utf8'), 'readme\n');
  const sb2 = sandbox();
  const [r] = await fetchUris([{ value: `${base}/app.tgz`, extract: false }], { sandbox: sb2, cacheDir, cacheSizeBytes: 1e9 });
  assert.equal(r!.extracted, false);
  assert.deepEqual(readdirSync(sb2), ['app.tgz']);
});

test('executable and output_file', async () => {
  const sb = sandbox();
  await fetchUris([{ value: `${base}/tool`, executable: true, output_file: 'mytool' }], { sandbox: sb, cacheDir, cacheSizeBytes: 1e9 });
  assert.equal(statSync(path.join(sb, 'mytool')).mode & 0o777, 0o755);
  assert.equal(execFileSync(path.join(sb, 'mytool'), { encoding: 'utf8' }), 'tool\n');
});

test('file:// URIs and absolute paths are copied; relative ones need --frameworks_home', async () => {
  const sb = sandbox();
  const local = path.join(work, 'local.txt');
  writeFileSync(local, 'local\n');
  await fetchUris(
    [
      { value: `file://${local}`, output_file: 'a.txt' },
      { value: local, output_file: 'b.txt' },
    ],
    { sandbox: sb, cacheDir, cacheSizeBytes: 1e9 },
  );
  assert.equal(readFileSync(path.join(sb, 'a.txt'), 'utf8'), 'local\n');
  assert.equal(readFileSync(path.join(sb, 'b.txt'), 'utf8'), 'local\n');
  await assert.rejects(fetchUris([{ value: 'local.txt' }], { sandbox: sb, cacheDir, cacheSizeBytes: 1e9 }), /--frameworks_home/);
  await fetchUris([{ value: 'local.txt', output_file: 'c.txt' }], { sandbox: sb, cacheDir, cacheSizeBytes: 1e9, frameworksHome: work });
  assert.equal(readFileSync(path.join(sb, 'c.txt'), 'utf8'), 'local\n');
});

test('a cached URI is fetched once: the second task gets it from the cache', async () => {
  const before = hits.get('/app.tgz') ?? 0;
  const t0 = performance.now();
  const [first] = await fetchUris([{ value: `${base}/app.tgz`, cache: true }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 });
  const cold = performance.now() - t0;
  const sb = sandbox();
  const t1 = performance.now();
  const [second] = await fetchUris([{ value: `${base}/app.tgz`, cache: true }], { sandbox: sb, cacheDir, cacheSizeBytes: 1e9 });
  const warm = performance.now() - t1;
  assert.equal(first!.cacheHit, false);
  assert.equal(second!.cacheHit, true);
  assert.equal(hits.get('/app.tgz'), before + 1, 'the server was asked once');
  assert.equal(readFileSync(path.join(sb, 'app', 'README'), 'utf8'), 'readme\n');
  process.stdout.write(`# fetch cold ${cold.toFixed(1)} ms, cache hit ${warm.toFixed(1)} ms\n`);
});

test('the cache stays under its size, evicting the least recently used', async () => {
  const dir = path.join(work, 'small-cache');
  await fetchUris([{ value: `${base}/big`, cache: true }], { sandbox: sandbox(), cacheDir: dir, cacheSizeBytes: 1_000_000 });
  await fetchUris([{ value: `${base}/big2`, cache: true }], { sandbox: sandbox(), cacheDir: dir, cacheSizeBytes: 1_000_000 });
  const entries = readdirSync(dir);
  assert.equal(entries.length, 1, 'the older entry was evicted');
  const [again] = await fetchUris([{ value: `${base}/big2`, cache: true }], {
    sandbox: sandbox(),
    cacheDir: dir,
    cacheSizeBytes: 1_000_000,
  });
  assert.equal(again!.cacheHit, true);
});

test('failures name the URI and the cause', async () => {
  await assert.rejects(fetchUris([{ value: `${base}/missing.tgz` }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 }), (e: Error) => {
    assert.ok(e instanceof FetchError);
    assert.match(e.message, /HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/missing\.tgz/);
    return true;
  });
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(
    fetchUris([{ value: `http://127.0.0.1:${port}/x` }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 }),
    /failed to download http:\/\/127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/,
  );
  await assert.rejects(
    fetchUris([{ value: 'hdfs://nn:9000/x.tgz' }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 }),
    /scheme 'hdfs' is not supported/,
  );
  await assert.rejects(
    fetchUris([{ value: '/nonexistent/file' }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 }),
    /cannot copy '\/nonexistent\/file': ENOENT/,
  );
  await assert.rejects(
    fetchUris([{ value: `${base}/tool`, output_file: '../escape' }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 }),
    /plain file name/,
  );
  const bad = path.join(work, 'bad.tgz');
  writeFileSync(bad, 'not a tarball');
  await assert.rejects(fetchUris([{ value: bad }], { sandbox: sandbox(), cacheDir, cacheSizeBytes: 1e9 }), /failed to extract bad\.tgz/);
});

test('destinationName', () => {
  assert.equal(destinationName({ value: 'http://h/a/b/pkg.tgz?sig=1' }), 'pkg.tgz');
  assert.equal(destinationName({ value: '/opt/x/run.sh' }), 'run.sh');
  assert.equal(destinationName({ value: 'http://h/a/', output_file: 'o' }), 'o');
  assert.equal(destinationName({ value: 'http://h/my%20file' }), 'my file');
});
