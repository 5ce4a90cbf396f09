import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeRecord, encodeTextRecord, RecordIODecoder, RecordIOError } from '../../daemons/common/recordio.ts';

const text = (records: Buffer[]): string[] => records.map((r) => r.toString('utf8'));

describe('encodeRecord', () => {
  test('prefixes the byte length in decimal and a newline', () => {
    assert.equal(encodeRecord('{"a":1}').toString(), '7\n{"a":1}');
  });

  test('counts bytes, not characters', () => {
    const out = encodeRecord('é€');
    assert.equal(out.subarray(0, 2).toString(), '5\n');
    assert.equal(out.length, 7);
  });

  test('encodes binary payloads, respecting the view offset', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = backing.subarray(2, 5);
    assert.deepEqual([...encodeRecord(view)], [...Buffer.from('3\n'), 1, 2, 3]);
  });

  test('encodes an empty record', () => {
    assert.equal(encodeRecord('').toString(), '0\n');
  });
});

describe('encodeTextRecord', () => {
  test('is the same bytes as encodeRecord, as one string', () => {
    for (const payload of ['{"a":1}', 'é€', '', 'x'.repeat(70_000)]) {
      const out = encodeTextRecord(payload);
      assert.equal(typeof out, 'string');
      assert.deepEqual(Buffer.from(out), encodeRecord(payload));
    }
  });
});

describe('RecordIODecoder', () => {
  const stream = Buffer.concat([
    encodeRecord('{"type":"SUBSCRIBED"}'),
    encodeRecord(''),
    encodeRecord('héllo'),
    encodeRecord('x'.repeat(123)),
  ]);
  const expected = ['{"type":"SUBSCRIBED"}', '', 'héllo', 'x'.repeat(123)];

  test('decodes several records in one chunk', () => {
    const d = new RecordIODecoder();
    assert.deepEqual(text(d.decode(stream)), expected);
    assert.equal(d.idle, true);
  });

  test('decodes the stream split in two at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new RecordIODecoder();
      const got = [...d.decode(stream.subarray(0, cut)), ...d.decode(stream.subarray(cut))];
      assert.deepEqual(text(got), expected, `split at byte ${cut}`);
      assert.equal(d.idle, true, `idle after split at byte ${cut}`);
    }
  });

  test('decodes the stream fed one byte at a time', () => {
    const d = new RecordIODecoder();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...d.decode(stream.subarray(i, i + 1)));
    assert.deepEqual(text(got), expected);
    assert.equal(d.idle, true);
  });

  test('returned records stay intact after later chunks arrive', () => {
    const d = new RecordIODecoder();
    const first = d.decode(Buffer.from('3\nabc4\nde'));
    const second = d.decode(Buffer.from('fg'));
    assert.deepEqual(text(first), ['abc']);
    assert.deepEqual(text(second), ['defg']);
  });

  test('empty records are returned as empty buffers', () => {
    const d = new RecordIODecoder();
    const got = d.decode(Buffer.from('0\n0\n0\n'));
    assert.equal(got.length, 3);
    for (const r of got) assert.equal(r.length, 0);
  });

  test('idle is false with a partial length prefix or a partial body', () => {
    const d = new RecordIODecoder();
    assert.equal(d.idle, true);
    assert.deepEqual(d.decode(Buffer.from('1')), []);
    assert.equal(d.idle, false);
    assert.deepEqual(d.decode(Buffer.from('0\n')), []);
    assert.equal(d.idle, false, 'header read, body still expected');
    assert.deepEqual(d.decode(Buffer.from('01234')), []);
    assert.equal(d.idle, false);
    assert.deepEqual(text(d.decode(Buffer.from('56789'))), ['0123456789']);
    assert.equal(d.idle, true);
  });

  test('idle is false right after a header of an empty chunk-split record', () => {
    const d = new RecordIODecoder();
    d.decode(Buffer.from('5\n'));
    assert.equal(d.idle, false);
  });

  for (const bad of ['abc\n', '-1\n', '1.5\n', ' 3\n', '\n', '3 \n', '0x10\n']) {
    test(`rejects the length prefix ${JSON.stringify(bad)}`, () => {
      const d = new RecordIODecoder();
      assert.throws(() => d.decode(Buffer.from(bad)), RecordIOError);
    });
  }

  test('rejects a length prefix longer than 20 bytes without a newline', () => {
    const d = new RecordIODecoder();
    assert.deepEqual(d.decode(Buffer.from('1'.repeat(20))), []);
    assert.throws(() => d.decode(Buffer.from('1')), /longer than 20 bytes/);
  });

  test('rejects a record over the size limit before buffering its body', () => {
    const d = new RecordIODecoder(10);
    assert.deepEqual(text(d.decode(Buffer.from('10\n0123456789'))), ['0123456789']);
    assert.throws(
      () => d.decode(Buffer.from('11\n')),
      (err: unknown) => err instanceof RecordIOError && /exceeds the limit of 10/.test(err.message),
    );
  });

  test('joins a record that arrives in many chunks once, when it is whole', (t) => {
    const payload = 'y'.repeat(100_000);
    const wire = encodeRecord(payload);
    const d = new RecordIODecoder();
    const concat = t.mock.method(Buffer, 'concat');
    const got: Buffer[] = [];
    for (let at = 0; at < wire.length; at += 1000) got.push(...d.decode(wire.subarray(at, at + 1000)));
    assert.deepEqual(text(got), [payload]);
    // One join for the length prefix split from the body's first bytes, one for the whole record.
    assert.ok(concat.mock.callCount() <= 2, `Buffer.concat ran ${concat.mock.callCount()} times`);
    assert.equal(d.idle, true);
  });

  test('accepts binary payloads containing newlines', () => {
    const payload = Buffer.from([10, 0, 10, 255]);
    const d = new RecordIODecoder();
    const got = d.decode(Buffer.concat([encodeRecord(payload), encodeRecord(payload)]));
    assert.equal(got.length, 2);
    for (const r of got) assert.deepEqual([...r], [10, 0, 10, 255]);
  });
});
