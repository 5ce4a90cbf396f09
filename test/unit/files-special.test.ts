// /files/read and /files/download serve regular files only: a FIFO, a socket, or a symlink to a
// FIFO is refused with 400 before anything is opened (an open of a FIFO would wait for a writer
// on a thread of the pool), and each client has a bounded number of requests in flight.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { MAX_READ_LENGTH } from '../../daemons/common/files-read.ts';
import { AttachedPaths, filesRouter } from '../../daemons/common/files.ts';
import { tempDir } from '../helpers/cluster.ts';

describe('/files and special files', () => {
  const dir = tempDir('files-special');
  let server: http.Server;
  let base: string;
  let socketServer: net.Server;

  before(async () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    symlinkSync('fifo', path.join(dir, 'to-fifo'));
    writeFileSync(path.join(dir, 'plain'), 'hello');
    // Zero bytes, each of which JSON escapes to six.
    writeFileSync(path.join(dir, 'zeros'), '');
    truncateSync(path.join(dir, 'zeros'), 4 * MAX_READ_LENGTH);
    // Sparse: takes no space, and a download of it outlasts the socket's buffers.
    writeFileSync(path.join(dir, 'big'), '');
    truncateSync(path.join(dir, 'big'), 1 << 30);
    socketServer = net.createServer();
    await new Promise<void>((resolve) => socketServer.listen(path.join(dir, 'sock'), resolve));
    const paths = new AttachedPaths();
    paths.attach(dir, '/sandbox');
    const app = express();
    app.use(filesRouter(paths, { perClient: 2, total: 10 }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => socketServer.close(resolve));
  });

  for (const [name, kind] of [
    ['fifo', 'a FIFO'],
    ['to-fifo', 'a FIFO'],
    ['sock', 'a socket'],
  ] as const) {
    for (const endpoint of ['read', 'download']) {
      test(`/files/${endpoint} of ${name}: 400 saying it is ${kind}, at once`, async () => {
        const res = await fetch(`${base}/files/${endpoint}?path=/sandbox/${name}&offset=0`, { signal: AbortSignal.timeout(2000) });
        assert.equal(res.status, 400);
        assert.equal(await res.text(), `Cannot read '/sandbox/${name}': it is ${kind}, not a regular file.\n`);
      });
    }
  }

  test('a regular file is still read and downloaded', async () => {
    const read = (await (await fetch(`${base}/files/read?path=/sandbox/plain&offset=0`)).json()) as { data: string };
    assert.equal(read.data, 'hello');
    assert.equal(await (await fetch(`${base}/files/download?path=/sandbox/plain`)).text(), 'hello');
  });

  test('a read of zero bytes returns 64 KiB of them at most: its answer stays within six bytes per byte', async () => {
    const res = await fetch(`${base}/files/read?path=/sandbox/zeros&offset=0&length=100000000`);
    const body = await res.text();
    const data = (JSON.parse(body) as { data: string }).data;
    assert.equal(data.length, MAX_READ_LENGTH);
    assert.ok(body.length <= 6 * MAX_READ_LENGTH + 64, `${body.length} bytes`);
  });

  test('a client past its share of requests in flight gets 429; the places come back once answers end', async () => {
    // Two downloads held open by not reading them.
    const stop = new AbortController();
    const held = await Promise.all([0, 1].map(() => fetch(`${base}/files/download?path=/sandbox/big`, { signal: stop.signal })));
    assert.deepEqual(
      held.map((r) => r.status),
      [200, 200],
    );
    const refused = await fetch(`${base}/files/read?path=/sandbox/plain&offset=0`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(await refused.text(), /at most 2 at a time per client/);
    stop.abort();
    for (const r of held) await r.body?.cancel().catch(() => undefined);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${base}/files/read?path=/sandbox/plain&offset=0`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200);
  });
});
