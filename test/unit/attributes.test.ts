import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AttributeError, parseAttributes } from '../../daemons/common/attributes.ts';

function parseError(text: string): string {
  try {
    parseAttributes(text);
  } catch (err) {
    assert.ok(err instanceof AttributeError, `expected AttributeError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`'${text}' parsed without error`);
}

describe('parseAttributes', () => {
  test('empty text and empty entries give no attributes', () => {
    assert.deepEqual(parseAttributes(''), []);
    assert.deepEqual(parseAttributes(' ; ;'), []);
  });

  test('a number is SCALAR', () => {
    assert.deepEqual(parseAttributes('cores:8;load:0.75;offset:-2;gain:+3;frac:.5;trail:4.'), [
      { name: 'cores', type: 'SCALAR', scalar: { value: 8 } },
      { name: 'load', type: 'SCALAR', scalar: { value: 0.75 } },
      { name: 'offset', type: 'SCALAR', scalar: { value: -2 } },
      { name: 'gain', type: 'SCALAR', scalar: { value: 3 } },
      { name: 'frac', type: 'SCALAR', scalar: { value: 0.5 } },
      { name: 'trail', type: 'SCALAR', scalar: { value: 4 } },
    ]);
  });

  test('[a-b,...] is RANGES, spaces allowed', () => {
    assert.deepEqual(parseAttributes('ports:[1-10, 20 - 30,40-40]'), [
      {
        name: 'ports',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 1, end: 10 },
            { begin: 20, end: 30 },
            { begin: 40, end: 40 },
          ],
        },
      },
    ]);
  });

  test('[] is an empty RANGES', () => {
    assert.deepEqual(parseAttributes('ports:[ ]'), [{ name: 'ports', type: 'RANGES', ranges: { range: [] } }]);
  });

  test('{a,b} is SET, items trimmed and empty items dropped', () => {
    assert.deepEqual(parseAttributes('disks:{ssd, hdd,,nvme }'), [{ name: 'disks', type: 'SET', set: { item: ['ssd', 'hdd', 'nvme'] } }]);
    assert.deepEqual(parseAttributes('none:{}'), [{ name: 'none', type: 'SET', set: { item: [] } }]);
  });

  test('anything else is TEXT', () => {
    assert.deepEqual(parseAttributes('rack:r1; zone : eu-west-1a ;os:centos7;exp:1e3;ver:1.2.3'), [
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'TEXT', text: { value: 'eu-west-1a' } },
      { name: 'os', type: 'TEXT', text: { value: 'centos7' } },
      { name: 'exp', type: 'TEXT', text: { value: '1e3' } },
      { name: 'ver', type: 'TEXT', text: { value: '1.2.3' } },
    ]);
  });

  test('only the first colon separates name and value', () => {
    assert.deepEqual(parseAttributes('url:http://host:80/x'), [{ name: 'url', type: 'TEXT', text: { value: 'http://host:80/x' } }]);
  });

  test('brackets that do not close are TEXT', () => {
    assert.deepEqual(parseAttributes('a:[1-2;b:{x'), [
      { name: 'a', type: 'TEXT', text: { value: '[1-2' } },
      { name: 'b', type: 'TEXT', text: { value: '{x' } },
    ]);
  });

  test('a missing colon is an error', () => {
    assert.match(parseError('rack'), /invalid attribute 'rack': expected name:value/);
  });

  test('an empty name is an error', () => {
    assert.match(parseError(':r1'), /invalid attribute ':r1': expected name:value/);
  });

  test('an empty value is an error', () => {
    assert.match(parseError('rack:'), /invalid attribute 'rack:': the value is empty/);
    assert.match(parseError('rack:  '), /the value is empty/);
  });

  test('a name given twice is an error', () => {
    assert.match(parseError('rack:r1;zone:z;rack:r2'), /invalid attribute 'rack:r2': 'rack' is given twice/);
  });

  test('a range that is not begin-end is an error', () => {
    assert.match(parseError('ports:[1-10,abc]'), /invalid attribute 'ports:\[1-10,abc\]': 'abc' is not a range like 1000-2000/);
    assert.match(parseError('ports:[5]'), /'5' is not a range/);
    assert.match(parseError('ports:[1-2,]'), /'' is not a range/);
    assert.match(parseError('ports:[-1-2]'), /is not a range/);
  });

  test('a range that ends before it begins is an error', () => {
    assert.match(parseError('ports:[10-5]'), /range 10-5 ends before it begins/);
  });

  test('an error in a later entry still throws (nothing partial is returned)', () => {
    assert.throws(() => parseAttributes('rack:r1;bad'), AttributeError);
  });
});
