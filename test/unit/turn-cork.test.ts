import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { TurnCork } from '../../daemons/common/turn-cork.ts';

test('a socket written in one turn stays corked until the turn ends, and the data arrives whole and in order', async () => {
  const received: Buffer[] = [];
  const server = net.createServer((s) => s.on('data', (c: Buffer) => received.push(c)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  try {
    const cork = new TurnCork();
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 4; i++) {
        cork.cork(socket);
        socket.write(`t${turn}w${i};`);
      }
      assert.equal(socket.writableCorked, 1, 'corked once however many writes');
      assert.equal(socket.writableLength > 0, true, 'nothing left yet');
      await new Promise((r) => setImmediate(r));
      assert.equal(socket.writableCorked, 0, 'uncorked after the turn');
    }
    const expected = [0, 1, 2].map((t) => [0, 1, 2, 3].map((i) => `t${t}w${i};`).join('')).join('');
    for (let i = 0; i < 100 && Buffer.concat(received).length < expected.length; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(Buffer.concat(received).toString(), expected);
  } finally {
    socket.destroy();
    server.close();
  }
});

test('a destroyed or missing socket is left alone', () => {
  const cork = new TurnCork();
  cork.cork(undefined);
  const socket = new net.Socket();
  socket.destroy();
  cork.cork(socket);
  assert.equal(socket.writableCorked, 0);
});
