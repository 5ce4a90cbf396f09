import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawJson, jsonText } from '../../daemons/common/raw-json.ts';

describe('jsonText', () => {
  it('is JSON.stringify without RawJson values', () => {
    const v = { a: [1, 'two', { three: null }], b: 'x"y\u0001' };
    assert.equal(jsonText(v), JSON.stringify(v));
  });

  it('inserts RawJson text as is, in arrays and objects, any number of times', () => {
    const text = jsonText({ tasks: new RawJson('[{"id":"t1"},{"id":"t2"}]'), nested: [{ x: new RawJson('{"y":2}') }], none: new RawJson('[]') });
    assert.deepEqual(JSON.parse(text), { tasks: [{ id: 't1' }, { id: 't2' }], nested: [{ x: { y: 2 } }], none: [] });
  });

  it('cannot be fooled by strings that look like its markers', () => {
    const sneaky = { name: '\u00010000000000000000:0', raw: new RawJson('{"ok":true}') };
    const out = JSON.parse(jsonText(sneaky)) as { name: string; raw: unknown };
    assert.equal(out.name, sneaky.name);
    assert.deepEqual(out.raw, { ok: true });
  });

  it('keeps RawJson text with dollar signs and backslashes intact', () => {
    const raw = '{"cmd":"echo $1 $& \\\\ done"}';
    assert.deepEqual(JSON.parse(jsonText({ r: new RawJson(raw) })), { r: JSON.parse(raw) });
  });
});
