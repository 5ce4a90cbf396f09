import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedWriter, peerAddress } from '../../daemons/common/stream-backlog.ts';

/** A stream whose peer never reads: everything written stays queued. */
function stalledStream() {
  return {
    writableLength: 0,
    destroyed: 0,
    destroy() {
      this.destroyed++;
    },
  };
}

test('writes go through while the backlog is within the bound, then the stream is cut once', () => {
  const stream = stalledStream();
  const written: string[] = [];
  const overflows: number[] = [];
  const write = boundedWriter(
    stream,
    (p: string) => {
      written.push(p);
      stream.writableLength += p.length;
      return true;
    },
    10,
    (queued) => overflows.push(queued),
  );
  assert.equal(write('aaaa'), true);
  assert.equal(write('bbbb'), true);
  // 8 bytes wait, within the bound: this one goes too, even though it takes the backlog past it.
  assert.equal(write('cccc'), true);
  assert.equal(write('dddd'), false);
  assert.equal(write('eeee'), false);
  assert.deepEqual(written, ['aaaa', 'bbbb', 'cccc']);
  assert.deepEqual(overflows, [12]);
  assert.equal(stream.destroyed, 1);
});

test('a peer that keeps up is never cut, whatever the size of one event', () => {
  const stream = stalledStream();
  let cut = false;
  const write = boundedWriter(
    stream,
    () => true,
    1024,
    () => (cut = true),
  );
  for (let i = 0; i < 100; i++) assert.equal(write('x'.repeat(1 << 20)), true);
  assert.equal(cut, false);
  assert.equal(stream.destroyed, 0);
});

test('peer addresses read as address:port, IPv6 bracketed', () => {
  assert.equal(peerAddress({ remoteAddress: '10.0.0.1', remotePort: 5050 }), '10.0.0.1:5050');
  assert.equal(peerAddress({ remoteAddress: '::1', remotePort: 80 }), '[::1]:80');
  assert.equal(peerAddress(undefined), 'unknown');
});

test('records wait in one piece while the peer is behind, and leave as one chunk when it drains', async () => {
  const { EventEmitter } = await import('node:events');
  const { coalescingWriter } = await import('../../daemons/common/stream-backlog.ts');
  const stream = Object.assign(new EventEmitter(), {
    writableNeedDrain: false,
    writableEnded: false,
    destroyed: false,
    writableLength: 0,
    chunks: [] as Array<string | Uint8Array>,
    write(chunk: string | Uint8Array) {
      this.chunks.push(chunk);
      return true;
    },
    end() {
      this.writableEnded = true;
    },
    destroy() {
      this.destroyed = true;
    },
  });
  const out = coalescingWriter(stream);
  assert.equal(out.write('a'), true);
  stream.writableNeedDrain = true;
  stream.writableLength = 100;
  for (const r of ['b', 'cc', 'ddd']) assert.equal(out.write(r), false);
  assert.deepEqual(stream.chunks, ['a']);
  assert.equal(out.queued(), 106);
  stream.writableNeedDrain = false;
  stream.emit('drain');
  assert.deepEqual(stream.chunks, ['a', 'bccddd']);
  stream.writableNeedDrain = true;
  out.write(Buffer.from('e'));
  out.write('f');
  out.end();
  assert.deepEqual(stream.chunks.slice(2).map(String), ['ef']);
  assert.equal(stream.writableEnded, true);
  assert.equal(out.write('g'), false, 'nothing after the end');
});
