import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawJson, jsonPieces, jsonText, piecesBuffer, piecesByteLength } from '../../daemons/common/raw-json.ts';

describe('jsonText', () => {
  it('is JSON.stringify without RawJson values', () => {
    const v = { a: [1, 'two', { three: null }], b: 'x"y\u0001' };
    assert.equal(jsonText(v), JSON.stringify(v));
  });

  it('inserts RawJson text as is, in arrays and objects, any number of times', () => {
    const text = jsonText({ tasks: RawJson.text('[{"id":"t1"},{"id":"t2"}]'), nested: [{ x: RawJson.text('{"y":2}') }], none: RawJson.text('[]') });
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

  it('builds arrays from serialized elements, empty ones included', () => {
    const elements = ['{"id":"a"}', '{"id":"b","name":"été 東"}'].map((t) => Buffer.from(t));
    assert.deepEqual(JSON.parse(jsonText({ list: RawJson.array(elements), none: RawJson.array([]) })), { list: [{ id: 'a' }, { id: 'b', name: 'été 東' }], none: [] });
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
