// Query parameters read as Apache Mesos reads them: stout's numify, libprocess's query decoding,
// and /master/tasks's paging (readonly_handler.cpp), including its unsigned arithmetic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { snapshotTimeoutError } from '../../daemons/common/metrics-endpoint.ts';
import { numifyInt } from '../../daemons/common/numify.ts';
import { decodeQuery } from '../../daemons/common/query.ts';
import { DEFAULT_TASK_LIMIT, pageBounds, tasksPaging } from '../../daemons/master/tasks-query.ts';

describe('numifyInt (stout numify<int> / numify<off_t>)', () => {
  test('decimal with an optional sign', () => {
    assert.equal(numifyInt('42', 32), 42n);
    assert.equal(numifyInt('-1', 32), -1n);
    assert.equal(numifyInt('+7', 32), 7n);
    assert.equal(numifyInt('007', 32), 7n);
  });

  test('0x and -0x hexadecimal', () => {
    assert.equal(numifyInt('0x10', 32), 16n);
    assert.equal(numifyInt('0XfF', 32), 255n);
    assert.equal(numifyInt('-0x10', 64), -16n);
    assert.equal(numifyInt('+0x10', 32), undefined, 'a plus sign is not taken before 0x');
    assert.equal(numifyInt('0x', 32), undefined);
  });

  test('anything else is refused', () => {
    for (const bad of ['', 'abc', ' 1', '1 ', '1.0', '1e3', '--1', '-', '12abc', '0x1.0']) assert.equal(numifyInt(bad, 32), undefined, bad);
  });

  test('values out of the type are refused', () => {
    assert.equal(numifyInt('2147483647', 32), 2147483647n);
    assert.equal(numifyInt('-2147483648', 32), -2147483648n);
    assert.equal(numifyInt('2147483648', 32), undefined);
    assert.equal(numifyInt('-2147483649', 32), undefined);
    assert.equal(numifyInt('0x7fffffff', 32), 2147483647n);
    assert.equal(numifyInt('0x80000000', 32), undefined);
    assert.equal(numifyInt('-0x80000000', 32), undefined, 'a negative hexadecimal is a negated magnitude');
    assert.equal(numifyInt('2147483648', 64), 2147483648n);
    assert.equal(numifyInt('9223372036854775808', 64), undefined);
  });
});

describe('decodeQuery (libprocess query::decode)', () => {
  test('& and ; separate pairs, the last repeat wins, a bare key is empty', () => {
    const q = decodeQuery('a=1;b=2&a=3&flag&c=x=y');
    assert.ok(q.ok);
    assert.deepEqual(
      [...q.value],
      [
        ['a', '3'],
        ['b', '2'],
        ['flag', ''],
        ['c', 'x=y'],
      ],
    );
  });

  test('+ is a space and %-escapes are bytes (UTF-8 text)', () => {
    const q = decodeQuery('path=%2Ftmp%2Fa+b&name=%C3%A9t%C3%A9');
    assert.ok(q.ok);
    assert.equal(q.value.get('path'), '/tmp/a b');
    assert.equal(q.value.get('name'), 'été');
  });

  test('a malformed escape is an error naming it', () => {
    assert.deepEqual(decodeQuery('path=%zz'), { ok: false, error: "Malformed % escape in '%zz': '%zz'" });
    assert.deepEqual(decodeQuery('path=a%2'), { ok: false, error: "Malformed % escape in 'a%2': '%2'" });
  });
});

describe('/master/tasks paging as Mesos pages', () => {
  const page = (query: Record<string, string>, count: number) => {
    const { start, end } = pageBounds(count, tasksPaging(new Map(Object.entries(query))));
    return start < end ? [start, end] : [];
  };

  test('defaults: the first 100, descending', () => {
    const p = tasksPaging(new Map());
    assert.equal(p.order, 'des');
    assert.equal(p.limit, BigInt(DEFAULT_TASK_LIMIT));
    assert.deepEqual(page({}, 250), [0, 100]);
    assert.deepEqual(page({}, 7), [0, 7]);
  });

  test('limit=-1 lists every task (the Mesos CLI sends it), whatever the count', () => {
    assert.deepEqual(page({ limit: '-1', order: 'asc' }, 1_000), [0, 1_000]);
    assert.equal(tasksPaging(new Map([['order', 'asc']])).order, 'asc');
  });

  test('values numify refuses fall back to the defaults, and order is "asc" or descending', () => {
    assert.deepEqual(page({ limit: 'abc' }, 250), [0, 100]);
    assert.deepEqual(page({ limit: '' }, 250), [0, 100]);
    assert.deepEqual(page({ limit: '5', offset: 'x' }, 250), [0, 5]);
    assert.deepEqual(page({ limit: '2147483648' }, 250), [0, 100], 'beyond an int: the default');
    for (const order of ['xyz', 'ASC', 'desc', '']) assert.equal(tasksPaging(new Map([['order', order]])).order, 'des', order);
  });

  test('offsets, zero limits and hexadecimal', () => {
    assert.deepEqual(page({ limit: '10', offset: '5' }, 12), [5, 12]);
    assert.deepEqual(page({ limit: '0' }, 12), []);
    assert.deepEqual(page({ offset: '12' }, 12), []);
    assert.deepEqual(page({ limit: '0x3', offset: '0x1' }, 12), [1, 4]);
  });

  test('a negative offset starts past the end: nothing', () => {
    assert.deepEqual(page({ offset: '-1' }, 12), []);
    assert.deepEqual(page({ offset: '-1', limit: '-1' }, 12), []);
    assert.deepEqual(page({ offset: '-5', limit: '10' }, 12), []);
  });

  test('a negative limit wraps with the offset: unbounded below |limit|, nothing from there', () => {
    assert.deepEqual(page({ limit: '-2', offset: '1' }, 12), [1, 12]);
    assert.deepEqual(page({ limit: '-2', offset: '2' }, 12), []);
    assert.deepEqual(page({ limit: '-1', offset: '3' }, 12), []);
  });
});

describe('/metrics/snapshot timeout (libprocess MetricsProcess::_snapshot)', () => {
  test('absent or a duration: fine; anything else: 400 naming it', () => {
    assert.equal(snapshotTimeoutError(new Map()), undefined);
    for (const ok of ['5secs', '0.5secs', '100ms', '1mins', '2hrs'])
      assert.equal(snapshotTimeoutError(new Map([['timeout', ok]])), undefined, ok);
    for (const bad of ['abc', '5', '5s', '', '-1secs', '1.2.3secs']) {
      assert.match(
        snapshotTimeoutError(new Map([['timeout', bad]])) ?? '',
        new RegExp(`^Invalid timeout '${bad.replace(/\./g, '\\.')}': .+\\.\\n$`),
        bad,
      );
    }
  });
});
