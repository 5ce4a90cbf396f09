import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { corkForTurn, corkedSockets, flushTurnWrites } from '../../daemons/common/turn-cork.ts';

async function connectedPair(): Promise<{ socket: net.Socket; received: () => string; close: () => void }> {
  const chunks: Buffer[] = [];
  const server = net.createServer((s) => s.on('data', (c: Buffer) => chunks.push(c)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  return {
    socket,
    received: () => Buffer.concat(chunks).toString(),
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('a socket written in one turn stays corked until the turn ends, and the data arrives whole and in order', async () => {
  const { socket, received, close } = await connectedPair();
  try {
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 4; i++) {
        corkForTurn(socket);
        socket.write(`t${turn}w${i};`);
      }
      assert.equal(socket.writableCorked, 1, 'corked once however many writes');
      assert.ok(socket.writableLength > 0, 'nothing sent yet');
      await new Promise((r) => setImmediate(r));
      assert.equal(socket.writableCorked, 0, 'uncorked after the turn');
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
  try {
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        corkForTurn(socket);
        socket.write('from-an-immediate');
        assert.equal(corkedSockets(), 1);
        flushTurnWrites();
        assert.equal(socket.writableCorked, 0);
        assert.equal(corkedSockets(), 0);
        resolve();
      }),
    );
    await until(() => received() === 'from-an-immediate');
    assert.equal(received(), 'from-an-immediate');
  } finally {
    close();
  }
});

test('a destroyed or missing socket is left alone', () => {
  corkForTurn(undefined);
  const socket = new net.Socket();
  socket.destroy();
  corkForTurn(socket);
  assert.equal(socket.writableCorked, 0);
  assert.equal(corkedSockets(), 0);
});
