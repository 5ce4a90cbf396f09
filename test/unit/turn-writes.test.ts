import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { batchWritesPerTurn, flushTurnWrites, socketsWaiting } from '../../daemons/common/turn-writes.ts';

/** Counts the writes a socket hands to the kernel (each _write or _writev is one system call). */
function countKernelWrites(socket: net.Socket): () => number {
  let n = 0;
  const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = s._write;
  const writev = s._writev;
  s._write = function (...a) {
    n++;
    return write.apply(this, a);
  };
  s._writev = function (...a) {
    n++;
    return writev.apply(this, a);
  };
  return () => n;
}

async function connectedPair(): Promise<{ socket: net.Socket; received: () => string; ended: Promise<void>; close: () => void }> {
  const chunks: Buffer[] = [];
  let ended!: () => void;
  const endedPromise = new Promise<void>((r) => (ended = r));
  const server = net.createServer((s) => {
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => ended());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  return {
    socket,
    received: () => Buffer.concat(chunks).toString('latin1'),
    ended: endedPromise,
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('writes of one turn leave in one kernel write, in order, and their callbacks run at once', async () => {
  const { socket, received, close } = await connectedPair();
  const kernelWrites = countKernelWrites(socket);
  batchWritesPerTurn(socket);
  try {
    for (let turn = 0; turn < 3; turn++) {
      let callbacks = 0;
      for (let i = 0; i < 4; i++) socket.write(i % 2 ? Buffer.from(`t${turn}w${i};`) : `t${turn}w${i};`, 'latin1', () => callbacks++);
      assert.equal(socketsWaiting(), 1);
      await new Promise((r) => process.nextTick(r));
      assert.equal(callbacks, 4, 'callbacks do not wait for the end of the turn');
      assert.equal(kernelWrites(), turn, 'nothing sent before the end of the turn');
      await new Promise((r) => setImmediate(r));
      assert.equal(kernelWrites(), turn + 1, 'one kernel write per turn');
      assert.equal(socketsWaiting(), 0);
    }
    const expected = [0, 1, 2].map((t) => [0, 1, 2, 3].map((i) => `t${t}w${i};`).join('')).join('');
    await until(() => received().length >= expected.length);
    assert.equal(received(), expected);
  } finally {
    close();
  }
});

test('flushTurnWrites sends at once, from inside an immediate too', async () => {
  const { socket, received, close } = await connectedPair();
  batchWritesPerTurn(socket);
  batchWritesPerTurn(socket); // a second call changes nothing
  try {
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        socket.write('from-an-immediate');
        assert.equal(socketsWaiting(), 1);
        flushTurnWrites();
        assert.equal(socketsWaiting(), 0);
        resolve();
      }),
    );
    await until(() => received() === 'from-an-immediate');
    assert.equal(received(), 'from-an-immediate');
  } finally {
    close();
  }
});

test('a large write and end() send what waits first, keeping the order', async () => {
  const { socket, received, ended, close } = await connectedPair();
  batchWritesPerTurn(socket);
  try {
    const big = 'B'.repeat(200 * 1024);
    socket.write('small-1;');
    socket.write(big);
    socket.write('small-2;');
    socket.end('last');
    await ended;
    assert.equal(received(), `small-1;${big}small-2;last`);
  } finally {
    close();
  }
});

test('writes to a destroyed socket are dropped, not thrown', async () => {
  const { socket, close } = await connectedPair();
  batchWritesPerTurn(socket);
  socket.on('error', () => undefined);
  socket.write('lost');
  socket.destroy();
  await new Promise((r) => setImmediate(r));
  assert.equal(socketsWaiting(), 0);
  close();
});

/** Sends `n` pipelined requests in one write; resolves with the kernel writes the server made answering. */
async function pipelined(n: number, batched: boolean): Promise<{ statuses: string[]; kernelWrites: number }> {
  let counter: () => number = () => 0;
  let served = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    const seq = req.headers['x-seq'];
    served++;
    res.writeHead(202, { 'Content-Length': 0, 'X-Seq': String(seq) }).end();
  });
  server.on('connection', (s: net.Socket) => {
    counter = countKernelWrites(s);
    if (batched) batchWritesPerTurn(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  await new Promise((r) => socket.once('connect', r));
  let requests = '';
  for (let i = 0; i < n; i++) requests += `POST /api HTTP/1.1\r\nHost: x\r\nX-Seq: ${i}\r\nContent-Length: 2\r\n\r\n{}`;
  socket.write(requests);
  const answers = () => text.match(/x-seq: \d+/gi) ?? [];
  await until(() => answers().length >= n);
  socket.destroy();
  server.close();
  assert.equal(served, n);
  return { statuses: answers(), kernelWrites: counter() };
}

test('answers to pipelined requests leave together, not one write each', async () => {
  const n = 300;
  const batched = await pipelined(n, true);
  assert.deepEqual(
    batched.statuses.map((s) => Number(s.split(': ')[1])),
    Array.from({ length: n }, (_, i) => i),
    'every answer, in order',
  );
  // Node's server attaches a connection's next response only after the previous one's write
  // completed; without batching each answer is a write of its own.
  const plain = await pipelined(n, false);
  assert.ok(plain.kernelWrites >= n / 2, `plain server: ${plain.kernelWrites} writes for ${n} answers`);
  assert.ok(batched.kernelWrites <= 10, `batched: ${batched.kernelWrites} writes for ${n} answers`);
});
