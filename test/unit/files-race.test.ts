// /files cannot be raced out of a sandbox: a helper process swaps a directory of the sandbox with
// a symlink to a directory outside it (renameat2 RENAME_EXCHANGE, as a task could) as fast as it
// can, while reads and downloads of a file under that directory go on for FILES_RACE_SECS (10 s
// by default). No answer may ever carry the outside file; the sandbox's own files keep being
// served, also through symlinks that stay inside it (as Mesos's files.cpp allows).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { AttachedPaths, filesRouter } from '../../daemons/common/files.ts';
import { tempDir } from '../helpers/cluster.ts';

const RACE_MS = Number(process.env.FILES_RACE_SECS ?? 10) * 1000;
const SECRET = 'SECRET outside the sandbox';
const INSIDE = 'inside the sandbox';

// renameat2 from libc, else the raw system call (x86_64: 316, aarch64: 276).
const SWAPPER = `
import ctypes, os, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = (p.encode() for p in sys.argv[1:3])
if hasattr(libc, "renameat2"):
    swap = lambda: libc.renameat2(-100, a, -100, b, 2)
else:
    nr = 316 if platform.machine() == "x86_64" else 276
    swap = lambda: libc.syscall(nr, -100, a, -100, b, 2)
if swap() != 0:
    sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
swap()
print("swapping", flush=True)
while True:
    swap()
`;

describe('/files against a symlink swapped in and out of the sandbox', () => {
  const root = tempDir('files-race');
  const sandbox = path.join(root, 'sandbox');
  const outside = path.join(root, 'etc');
  let server: http.Server;
  let base: string;
  let swapper: ChildProcess;

  before(async () => {
    mkdirSync(path.join(sandbox, 'd'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'shadow'), SECRET);
    writeFileSync(path.join(sandbox, 'd', 'shadow'), INSIDE);
    writeFileSync(path.join(sandbox, 'plain'), INSIDE);
    symlinkSync(outside, path.join(sandbox, 'link'));
    // Symlinks that stay inside the sandbox.
    symlinkSync('plain', path.join(sandbox, 'to-plain'));
    mkdirSync(path.join(sandbox, 'real-dir'));
    writeFileSync(path.join(sandbox, 'real-dir', 'f'), INSIDE);
    symlinkSync('real-dir', path.join(sandbox, 'dir-link'));
    const paths = new AttachedPaths();
    paths.attach(sandbox, '/sandbox');
    const app = express();
    app.use(filesRouter(paths, { perClient: 64, total: 64 }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    swapper?.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('symlinks within the sandbox are followed; one leading out is refused', async () => {
    const read = async (p: string) => fetch(`${base}/files/read?path=/sandbox/${p}&offset=0`);
    assert.equal(((await (await read('to-plain')).json()) as { data: string }).data, INSIDE);
    assert.equal(((await (await read('dir-link/f')).json()) as { data: string }).data, INSIDE);
    assert.equal(await (await fetch(`${base}/files/download?path=/sandbox/dir-link/f`)).text(), INSIDE);
    assert.equal((await read('link/shadow')).status, 400);
    assert.equal((await fetch(`${base}/files/download?path=/sandbox/link/shadow`)).status, 400);
    const listed = (await (await fetch(`${base}/files/browse?path=/sandbox/dir-link`)).json()) as { path: string }[];
    assert.deepEqual(
      listed.map((e) => e.path),
      ['/sandbox/dir-link/f'],
    );
    assert.equal((await fetch(`${base}/files/browse?path=/sandbox/link`)).status, 400);
  });

  test(`reads and downloads during ${RACE_MS / 1000} s of swaps never return the outside file`, async () => {
    swapper = spawn('python3', ['-c', SWAPPER, path.join(sandbox, 'd'), path.join(sandbox, 'link')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      swapper.stdout!.once('data', () => resolve());
      swapper.once('exit', (code) => reject(new Error(`the swapper exited (${code})`)));
    });
    const counts = { leaked: 0, inside: 0, refused: 0, plain: 0, browsedOutside: 0 };
    const deadline = Date.now() + RACE_MS;
    const worker = async () => {
      while (Date.now() < deadline) {
        const read = await fetch(`${base}/files/read?path=/sandbox/d/shadow&offset=0`);
        const readText = read.status === 200 ? ((await read.json()) as { data: string }).data : await read.text();
        const download = await fetch(`${base}/files/download?path=/sandbox/d/shadow`);
        const downloadText = await download.text();
        const browse = await fetch(`${base}/files/browse?path=/sandbox/d`);
        const listing = browse.status === 200 ? ((await browse.json()) as { size: number }[]) : [];
        if (listing.some((e) => e.size === SECRET.length)) counts.browsedOutside++;
        for (const [status, text] of [
          [read.status, readText],
          [download.status, downloadText],
        ] as const) {
          if (text.includes('SECRET')) counts.leaked++;
          else if (status === 200 && text === INSIDE) counts.inside++;
          else counts.refused++;
        }
        const plain = await fetch(`${base}/files/read?path=/sandbox/plain&offset=0`);
        if (plain.status === 200 && ((await plain.json()) as { data: string }).data === INSIDE) counts.plain++;
        else assert.fail(`a read of a file the swaps do not touch failed: ${plain.status}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    swapper.kill('SIGKILL');
    console.log(`files race: ${JSON.stringify(counts)}`);
    assert.equal(counts.leaked, 0, `the outside file came back ${counts.leaked} times`);
    assert.equal(counts.browsedOutside, 0, `the outside directory was listed ${counts.browsedOutside} times`);
    assert.ok(counts.inside > 0, 'the sandbox file was still served between swaps');
    assert.ok(counts.plain > 0);
  });
});
