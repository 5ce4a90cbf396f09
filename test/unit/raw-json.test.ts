import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawJson, bodyChunks, jsonPieces, jsonText, piecesBuffer, piecesByteLength } from '../../daemons/common/raw-json.ts';

describe('jsonText', () => {
  it('is JSON.stringify without RawJson values', () => {
    const v = { a: [1, 'two', { three: null }], b: 'x"y\u0001' };
    assert.equal(jsonText(v), JSON.stringify(v));
  });

  it('inserts RawJson text as is, in arrays and objects, any number of times', () => {
    const text = jsonText({
      tasks: RawJson.text('[{"id":"t1"},{"id":"t2"}]'),
      nested: [{ x: RawJson.text('{"y":2}') }],
      none: RawJson.text('[]'),
    });
    assert.deepEqual(JSON.parse(text), { tasks: [{ id: 't1' }, { id: 't2' }], nested: [{ x: { y: 2 } }], none: [] });
  });

  it('cannot be fooled by strings that look like its markers', () => {
    const sneaky = { name: '\u00010000000000000000:0', raw: RawJson.text('{"ok":true}') };
    const out = JSON.parse(jsonText(sneaky)) as { name: string; raw: unknown };
    assert.equal(out.name, sneaky.name);
    assert.deepEqual(out.raw, { ok: true });
  });

  it('keeps RawJson text with dollar signs and backslashes intact', () => {
    const raw = '{"cmd":"echo $1 $& \\\\ done"}';
    assert.deepEqual(JSON.parse(jsonText({ r: RawJson.text(raw) })), { r: JSON.parse(raw) });
  });

  it('builds arrays from serialized elements, strings or buffers, empty arrays included', () => {
    const elements = ['{"id":"a"}', Buffer.from('{"id":"b","name":"été 東"}'), '{"id":"c","name":"😀"}'];
    assert.deepEqual(JSON.parse(jsonText({ list: RawJson.array(elements), none: RawJson.array([]) })), {
      list: [{ id: 'a' }, { id: 'b', name: 'été 東' }, { id: 'c', name: '😀' }],
      none: [],
    });
  });

  it('gives UTF-8 pieces whose concatenation is the document, raw pieces shared, not copied', () => {
    const element = Buffer.from('{"n":1}');
    const pieces = jsonPieces({ h: 'café', t: RawJson.array([element]) });
    assert.equal(piecesByteLength(pieces), Buffer.byteLength('{"h":"café","t":[{"n":1}]}'));
    assert.equal(piecesBuffer(pieces).toString('utf8'), '{"h":"café","t":[{"n":1}]}');
    assert.ok(pieces.includes(element));
  });

  it('serializes to the same value through plain JSON.stringify', () => {
    assert.equal(JSON.stringify({ r: RawJson.text('[1,{"a":"b"}]') }), '{"r":[1,{"a":"b"}]}');
  });

  it('is undefined-safe and nests calls', () => {
    assert.deepEqual(jsonPieces(undefined), []);
    const inner = RawJson.text(jsonText({ deep: RawJson.text('[true]') }));
    assert.deepEqual(JSON.parse(jsonText({ inner })), { inner: { deep: [true] } });
  });
});

describe('bodyChunks', () => {
  // Deterministic pseudo-random pieces: ASCII, two- and three-byte characters and surrogate
  // pairs (four bytes), as strings and as buffers, of every length up to a few chunks.
  function seeded(seed: number): () => number {
    let x = seed;
    return () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
  }
  const alphabet = ['a', '"', 'é', '東', '😀', '\\', 'z'];
  function randomPieces(rand: () => number): Array<string | Buffer> {
    const pieces: Array<string | Buffer> = [];
    const count = Math.floor(rand() * 12);
    for (let i = 0; i < count; i++) {
      let text = '';
      const length = Math.floor(rand() * 40);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(rand() * alphabet.length)];
      pieces.push(rand() < 0.5 ? text : Buffer.from(text));
    }
    return pieces;
  }

  it('chunks concatenate to the document, none larger than asked, for any chunk size from 4 bytes', () => {
    const rand = seeded(7);
    for (let round = 0; round < 500; round++) {
      const pieces = randomPieces(rand);
      const chunkBytes = 4 + Math.floor(rand() * 30);
      const chunks = [...bodyChunks(pieces, chunkBytes)];
      assert.ok(
        chunks.every((c) => c.length > 0 && c.length <= chunkBytes),
        `chunk sizes ${chunks.map((c) => c.length)} for ${chunkBytes}`,
      );
      assert.equal(
        Buffer.concat(chunks).toString('utf8'),
        piecesBuffer(pieces).toString('utf8'),
        `round ${round}, chunkBytes ${chunkBytes}`,
      );
      // Only a chunk with too little room for one more character ends early.
      for (const c of chunks.slice(0, -1)) assert.ok(c.length > chunkBytes - 4);
    }
  });

  it('fills the chunks it is given, and gives nothing for an empty document', () => {
    const given: Buffer[] = [];
    const chunks = [
      ...bodyChunks(['{"a":', Buffer.from('"0123456789"'), '}'], 8, () => {
        const b = Buffer.alloc(8);
        given.push(b);
        return b;
      }),
    ];
    assert.equal(Buffer.concat(chunks).toString(), '{"a":"0123456789"}');
    assert.ok(chunks.every((c) => given.some((g) => g.buffer === c.buffer && g.byteOffset === c.byteOffset)));
    assert.deepEqual([...bodyChunks([], 8)], []);
    assert.deepEqual([...bodyChunks(['', Buffer.alloc(0)], 8)], []);
  });

  it('refuses chunks too small for one character', () => {
    assert.throws(() => [...bodyChunks(['x'], 3)], /at least 4/);
  });
});
