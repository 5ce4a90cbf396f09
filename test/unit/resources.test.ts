import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { detectResources, mergeWithFlag } from '../../daemons/agent/resources-detect.ts';
import type { Resource } from '../../daemons/common/mesos.ts';
import {
  add,
  allocatedTo,
  contains,
  format,
  isAllocatableTo,
  isEmpty,
  minimalAllocatable,
  parseMinAllocatable,
  parseResourceEntries,
  parseResources,
  plainContains,
  plainResources,
  postRefinementFormat,
  preRefinementFormat,
  ranges,
  ResourceError,
  reservationRole,
  scalar,
  scalarTotals,
  subtract,
  sum,
  toStateJson,
  toStateJsonByRole,
  unallocated,
  validateTaskResources,
} from '../../daemons/common/resources.ts';

const cpus = (value: number, extra: Partial<Resource> = {}): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, ...extra });
const mem = (value: number, extra: Partial<Resource> = {}): Resource => ({ name: 'mem', type: 'SCALAR', scalar: { value }, ...extra });
const ports = (...list: [number, number][]): Resource => ({
  name: 'ports',
  type: 'RANGES',
  ranges: { range: list.map(([begin, end]) => ({ begin, end })) },
});
const reserved = (role: string): Partial<Resource> => ({ reservations: [{ type: 'STATIC', role }] });

function parseError(text: string): string {
  try {
    parseResources(text);
  } catch (err) {
    assert.ok(err instanceof ResourceError, `expected ResourceError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one-line message');
    return err.message;
  }
  assert.fail(`'${text}' should not parse`);
}

describe('parseResources: text syntax', () => {
  test('scalars, ranges, sets and zero values', () => {
    const r = parseResources('cpus:2;mem:1024;disk:2048;ports:[31000-32000];gpus:0');
    assert.deepEqual(r, [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 2048 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ]);
  });

  test('roles become static reservations; the default role applies to the rest', () => {
    const r = parseResources('cpus(r1):2;mem:512', 'web');
    assert.deepEqual(r[0], { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'r1' }] });
    assert.equal(reservationRole(r[1]!), 'web');
    assert.equal(reservationRole(parseResources('cpus(*):1')[0]!), '*');
    assert.equal(parseResources('cpus(*):1')[0]!.reservations, undefined);
  });

  test('sets, multi-range lists, spaces and repeated names', () => {
    const r = parseResources(' disks : { a , b } ; ports:[5-9, 1-2,3-3] ; cpus:1; cpus:0.5 ;');
    assert.deepEqual(r.find((x) => x.name === 'disks')?.set, { item: ['a', 'b'] });
    assert.deepEqual(ranges(r, 'ports'), [
      { begin: 1, end: 3 },
      { begin: 5, end: 9 },
    ]);
    assert.equal(scalar(r, 'cpus'), 1.5);
    assert.equal(r.filter((x) => x.name === 'cpus').length, 1);
  });

  test('empty text is no resources', () => {
    assert.deepEqual(parseResources(''), []);
    assert.deepEqual(parseResources('  '), []);
  });

  test('parseResourceEntries keeps zero-valued entries', () => {
    assert.deepEqual(
      parseResourceEntries('gpus:0;cpus:1').map((r) => r.name),
      ['gpus', 'cpus'],
    );
  });

  test('errors name the offending part', () => {
    assert.equal(parseError('cpus:abc'), "invalid resource 'cpus:abc': 'abc' is not a number");
    assert.match(parseError('cpus:2;mem'), /^invalid resource 'mem': .*missing ':'/);
    assert.match(parseError('cpus:1:2'), /^invalid resource 'cpus:1:2': .*extra ':'/);
    assert.match(parseError('cpus(r1:2'), /^invalid resource 'cpus\(r1:2': mismatched parentheses/);
    assert.match(parseError('cpus:-1'), /'-1' is negative/);
    assert.match(parseError(':2'), /empty resource name/);
    assert.match(parseError('ports:[1-x]'), /^invalid resource 'ports:\[1-x\]': '1-x' is not a range/);
    assert.match(parseError('ports:[9-1]'), /range '9-1' has begin > end/);
    assert.match(parseError('ports:[1-2'), /mismatched brackets/);
    assert.match(parseError('ports:1-[2]'), /unexpected bracket/);
    assert.match(parseError('disks:{a,a}'), /'a' appears twice/);
    assert.match(parseError('cpus(a b):1'), /whitespace/);
    assert.match(parseError('cpus(-x):1'), /dash/);
    assert.match(parseError('cpus:0.0001'), /0\.001 resolution/);
    assert.match(parseError('ports:1;ports:[1-2]'), /'ports' is given as both SCALAR and RANGES/);
  });
});

describe('parseResources: JSON', () => {
  test('an array of Resource objects, old role format upgraded', () => {
    const r = parseResources(
      '[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"r1"},' +
        ' {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5}]}},' +
        ' {"name":"mem","type":"SCALAR","scalar":{"value":64},"role":"*"}]',
    );
    assert.deepEqual(r[0], { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, reservations: [{ type: 'STATIC', role: 'r1' }] });
    assert.equal(r[0]!.role, undefined);
    assert.equal(reservationRole(r[1]!), '*');
    assert.equal(reservationRole(r[2]!), '*');
  });

  test('the default role applies to JSON entries without a role', () => {
    const r = parseResources('[ {"name":"cpus","type":"SCALAR","scalar":{"value":1}} ]', 'batch');
    assert.equal(reservationRole(r[0]!), 'batch');
  });

  test('JSON errors', () => {
    assert.match(parseError('[{"name":"cpus",'), /^invalid resources JSON: /);
    assert.match(parseError('[{"name":"cpus","type":"SCALAR"}]'), /#1 .*needs 'scalar'/);
    assert.match(parseError('[{"name":"cpus","type":"TEXT","text":{"value":"x"}}]'), /unsupported resource type 'TEXT'/);
    assert.match(parseError('[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"revocable":{}}]'), /revocable/);
    assert.match(
      parseError('[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"a"}]}]'),
      /dynamic reservations/,
    );
  });
});

describe('arithmetic', () => {
  test('fixed point: 0.1 + 0.2 is 0.3 and subtraction returns to exact values', () => {
    const sum = add([cpus(0.1)], [cpus(0.2)]);
    assert.equal(scalar(sum, 'cpus'), 0.3);
    assert.equal(sum[0]!.scalar!.value, 0.3);
    assert.equal(scalar(subtract(sum, [cpus(0.1)]), 'cpus'), 0.2);
    let acc: Resource[] = [];
    for (let i = 0; i < 10; i++) acc = add(acc, [cpus(0.1)]);
    assert.equal(scalar(acc, 'cpus'), 1);
    assert.equal(scalar([cpus(1.23456)], 'cpus'), 1.235);
  });

  test('scalarTotals adds scalars over many lists in one pass exactly as a sum would, ranges and other names aside', () => {
    const lists: Resource[][] = Array.from({ length: 10 }, (_, i) => [
      cpus(0.1),
      { name: 'mem', type: 'SCALAR', scalar: { value: 100 + i }, role: i % 2 ? 'web' : '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] } },
    ]);
    assert.deepEqual(
      scalarTotals(lists, ['cpus', 'mem', 'ports', 'disk']),
      [1, 1045, 0, 0],
      'fixed point (not 0.9999999999999999), every role, ranges are not scalars',
    );
    assert.deepEqual(scalarTotals([], ['cpus']), [0]);
    const summed = lists.reduce<Resource[]>((acc, r) => add(acc, r), []);
    assert.deepEqual(
      scalarTotals(lists, ['mem', 'cpus']),
      ['mem', 'cpus'].map((n) => scalar(summed, n)),
    );
  });

  test('subtract never goes negative and drops emptied entries', () => {
    assert.deepEqual(subtract([cpus(1), mem(10)], [cpus(2)]), [mem(10)]);
    assert.deepEqual(subtract([cpus(1)], [cpus(1)]), []);
    assert.deepEqual(subtract([cpus(1)], [mem(5)]), [cpus(1)]);
  });

  test('ranges coalesce when added and split when subtracted', () => {
    assert.deepEqual(ranges(subtract([ports([31000, 32000])], [ports([31000, 31000])]), 'ports'), [{ begin: 31001, end: 32000 }]);
    assert.deepEqual(ranges(subtract([ports([1, 10])], [ports([3, 4], [8, 12])]), 'ports'), [
      { begin: 1, end: 2 },
      { begin: 5, end: 7 },
    ]);
    assert.deepEqual(ranges(add([ports([1, 2])], [ports([3, 5], [7, 7])]), 'ports'), [
      { begin: 1, end: 5 },
      { begin: 7, end: 7 },
    ]);
    assert.deepEqual(subtract([ports([1, 2])], [ports([1, 5])]), []);
  });

  test('sets union and difference', () => {
    const a: Resource = { name: 'disks', type: 'SET', set: { item: ['a', 'b'] } };
    const b: Resource = { name: 'disks', type: 'SET', set: { item: ['b', 'c'] } };
    assert.deepEqual(add([a], [b])[0]!.set, { item: ['a', 'b', 'c'] });
    assert.deepEqual(subtract([a], [b])[0]!.set, { item: ['a'] });
    assert.deepEqual(subtract([a], [a]), []);
  });

  test('different reservations, allocation roles and revocability do not combine', () => {
    const mixed = add([cpus(1)], [cpus(1, reserved('r1')), cpus(1, { allocation_info: { role: 'a' } }), cpus(1, { revocable: {} })]);
    assert.equal(mixed.length, 4);
    assert.equal(scalar(mixed, 'cpus'), 4);
    assert.deepEqual(subtract([cpus(2, reserved('r1'))], [cpus(1)]), [cpus(2, reserved('r1'))]);
    // The pre-refinement 'role' field names the same reservation.
    assert.equal(add([cpus(1, reserved('r1'))], [cpus(1, { role: 'r1' })]).length, 1);
    assert.equal(add([cpus(1)], [cpus(1, { role: '*' })]).length, 1);
  });

  test('results do not share value objects with inputs', () => {
    const input = [cpus(1), ports([1, 2])];
    const out = add(input, []);
    out[0]!.scalar!.value = 99;
    out[1]!.ranges!.range![0]!.end = 99;
    assert.equal(input[0]!.scalar!.value, 1);
    assert.equal(input[1]!.ranges!.range![0]!.end, 2);
    const alloc = allocatedTo(input, 'r');
    alloc[0]!.scalar!.value = 5;
    assert.equal(input[0]!.scalar!.value, 1);
  });

  test('contains', () => {
    const offer = parseResources('cpus:2;mem:1024;ports:[31000-32000]');
    assert.ok(contains(offer, parseResources('cpus:1;mem:1024;ports:[31000-31000]')));
    assert.ok(contains(offer, [cpus(1), cpus(1)]));
    assert.ok(!contains(offer, [cpus(1), cpus(1.001)]));
    assert.ok(!contains(offer, parseResources('ports:[30999-31000]')));
    assert.ok(!contains(offer, parseResources('gpus:1')));
    assert.ok(!contains(offer, [cpus(1, reserved('r1'))]));
    assert.ok(contains(offer, []));
    assert.ok(contains(offer, [cpus(0)]));
    assert.ok(!contains(offer, [cpus(-1)]));
  });

  test('plainContains agrees with contains on plain lists, and plainResources refuses the rest', () => {
    // A seeded generator: the same cases every run.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const list = (): Resource[] => {
      const out: Resource[] = [];
      for (const name of ['cpus', 'mem', 'gpus']) {
        for (let k = rnd(3); k > 0; k--) out.push({ name, type: 'SCALAR', scalar: { value: rnd(9) / 2 } });
      }
      if (rnd(2)) {
        const begin = 31000 + rnd(20);
        const range = [{ begin, end: begin + rnd(20) }];
        if (rnd(2)) range.push({ begin: begin + 30 + rnd(5), end: begin + 40 });
        out.push({ name: 'ports', type: 'RANGES', ranges: { range } });
      }
      return out;
    };
    let containing = 0;
    for (let i = 0; i < 2000; i++) {
      const [a, b] = [list(), list()];
      const [pa, pb] = [plainResources(a), plainResources(b)];
      assert.ok(pa && pb);
      const expected = contains(a, b);
      if (expected) containing++;
      assert.equal(plainContains(pa, pb), expected, `${format(a)} contains ${format(b)}`);
    }
    assert.ok(containing > 100 && containing < 1900, `both outcomes are exercised (${containing} of 2000 contain)`);
    assert.equal(plainResources([cpus(1, reserved('r'))]), undefined);
    assert.equal(plainResources([cpus(1, { revocable: {} })]), undefined);
    assert.equal(plainResources([cpus(1, { allocation_info: { role: '*' } })]), undefined);
    assert.equal(plainResources([cpus(-1)]), undefined);
    assert.equal(plainResources([ports(), ports()]), undefined, 'a ranges name twice');
    assert.equal(plainResources([{ name: 'disks', type: 'SET', set: { item: ['a'] } }]), undefined);
  });

  test('isEmpty, scalar, ranges', () => {
    assert.ok(isEmpty([]));
    assert.ok(isEmpty([cpus(0), ports()]));
    assert.ok(!isEmpty([cpus(0.001)]));
    assert.equal(scalar([cpus(1), cpus(2, reserved('r'))], 'cpus'), 3);
    assert.equal(scalar([cpus(1)], 'gpus'), 0);
    assert.deepEqual(ranges([], 'ports'), []);
  });

  test('allocatedTo, unallocated, reservationRole, isAllocatableTo', () => {
    const a = allocatedTo([cpus(1)], 'web');
    assert.deepEqual(a[0]!.allocation_info, { role: 'web' });
    assert.deepEqual(unallocated(a), [cpus(1)]);
    assert.equal(reservationRole(cpus(1)), '*');
    assert.equal(reservationRole(cpus(1, { role: 'old' })), 'old');
    const refined = cpus(1, {
      reservations: [
        { type: 'STATIC', role: 'a' },
        { type: 'DYNAMIC', role: 'a/b' },
      ],
    });
    assert.equal(reservationRole(refined), 'a/b');
    assert.ok(isAllocatableTo(cpus(1), 'x'));
    assert.ok(isAllocatableTo(cpus(1, reserved('a')), 'a/b'));
    assert.ok(!isAllocatableTo(cpus(1, reserved('a')), 'ab'));
  });
});

describe('the resource formats of Mesos (convertResourceFormat)', () => {
  test('pre-refinement, for schedulers without RESERVATION_REFINEMENT: `role`, a dynamic reservation in `reservation`', () => {
    const labels = { labels: [{ key: 'k', value: 'v' }] };
    const before = [
      cpus(1, { allocation_info: { role: 'web' } }),
      cpus(2, reserved('web')),
      mem(64, { reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops', labels }] }),
    ];
    assert.deepEqual(preRefinementFormat(before), [
      cpus(1, { allocation_info: { role: 'web' }, role: '*' }),
      cpus(2, { role: 'web' }),
      mem(64, { role: 'web', reservation: { principal: 'ops', labels } }),
    ]);
    assert.deepEqual(before[1], cpus(2, reserved('web')), 'the input is untouched');
    const refined = cpus(1, {
      reservations: [
        { type: 'STATIC', role: 'a' },
        { type: 'DYNAMIC', role: 'a/b' },
      ],
    });
    assert.deepEqual(preRefinementFormat([refined]), [refined], 'a refined reservation has no old form');
  });

  test('post-refinement, what the master keeps of what older schedulers send', () => {
    assert.deepEqual(
      postRefinementFormat([
        cpus(1, { role: '*' }),
        cpus(2, { role: 'web' }),
        mem(64, { role: 'web', reservation: { principal: 'ops' } }),
        mem(1),
      ]),
      [cpus(1), cpus(2, reserved('web')), mem(64, { reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops' }] }), mem(1)],
    );
  });
});

describe('validateTaskResources', () => {
  test('accepts well-formed resources', () => {
    assert.equal(validateTaskResources(parseResources('cpus:0.1;mem:32;ports:[31000-31001];disks:{a}')), undefined);
    assert.equal(validateTaskResources([cpus(0.1, { role: '*', allocation_info: { role: '*' } })]), undefined);
  });

  test('rejects malformed resources with a reason', () => {
    const cases: Array<[Resource, RegExp]> = [
      [cpus(-1), /invalid resource 'cpus:-1': '-1' is negative/],
      [cpus(Number.NaN), /is not a number/],
      [{ name: 'cpus', type: 'SCALAR' }, /needs 'scalar'/],
      [{ name: 'ports', type: 'RANGES' }, /needs 'ranges'/],
      [{ name: '', type: 'SCALAR', scalar: { value: 1 } }, /empty resource name/],
      [ports([5, 1]), /begin > end/],
      [ports([1, 5], [5, 9]), /overlap/],
      [ports([1.5, 2]), /non-negative integers/],
      [{ name: 'x', type: 'TEXT' }, /unsupported resource type/],
      [cpus(1, { reservations: [{ type: 'STATIC', role: '*' }] }), /'\*' cannot be reserved/],
    ];
    for (const [r, pattern] of cases) assert.match(validateTaskResources([cpus(1), r]) ?? '', pattern);
  });
});

describe('state JSON and text', () => {
  test('toStateJson always has cpus, gpus, mem, disk', () => {
    assert.deepEqual(toStateJson([]), { cpus: 0, gpus: 0, mem: 0, disk: 0 });
  });

  test('toStateJson sums scalars, formats ranges and sets, suffixes revocable', () => {
    const r = [
      ...parseResources('cpus:1;mem:128;ports:[31000-32000];zones:{a,b};foo:3'),
      cpus(0.5, reserved('r1')),
      ports([21000, 24000]),
      cpus(2, { revocable: {} }),
    ];
    assert.deepEqual(toStateJson(r), {
      cpus: 1.5,
      gpus: 0,
      mem: 128,
      disk: 0,
      foo: 3,
      cpus_revocable: 2,
      ports: '[21000-24000, 31000-32000]',
      zones: '{a, b}',
    });
    assert.deepEqual(
      Object.keys(toStateJson(r)),
      ['cpus', 'gpus', 'mem', 'disk', 'foo', 'cpus_revocable', 'ports', 'zones'],
      'the order of the JSON text',
    );
  });

  test('toStateJsonByRole groups reserved resources by role', () => {
    const r = [cpus(4), cpus(1, reserved('a')), mem(64, reserved('a')), cpus(2, reserved('b'))];
    assert.deepEqual(toStateJsonByRole(r), {
      a: { cpus: 1, gpus: 0, mem: 64, disk: 0 },
      b: { cpus: 2, gpus: 0, mem: 0, disk: 0 },
    });
  });

  test('format writes the Mesos text form', () => {
    assert.equal(format(parseResources('cpus:2;mem:1024;ports:[31000-32000]')), 'cpus:2; mem:1024; ports:[31000-32000]');
    assert.equal(format([cpus(2, reserved('r1')), cpus(0.1, { revocable: {} })]), 'cpus(r1):2; cpus{REV}:0.1');
    assert.equal(format([{ name: 'd', type: 'SET', set: { item: ['a', 'b'] } }, ports([1, 2], [4, 5])]), 'd:{a, b}; ports:[1-2, 4-5]');
    assert.equal(format([]), '{}');
  });

  test('format output parses back to the same resources', () => {
    const r = parseResources('cpus(r1):2.5;mem:1024;ports:[1-2,4-5];d:{x,y}');
    assert.deepEqual(parseResources(format(r)), r);
  });
});

describe('min allocatable', () => {
  test('parses alternatives and drops zero quantities', () => {
    assert.deepEqual(parseMinAllocatable('cpus:0.01|mem:32'), [
      [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }],
      [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    ]);
    assert.deepEqual(parseMinAllocatable('cpus:1;mem:0|disk:1')[0]!.length, 1);
    assert.deepEqual(parseMinAllocatable(''), []);
    assert.throws(() => parseMinAllocatable('cpus:x'), /'x' is not a number/);
    assert.throws(() => parseMinAllocatable('cpus:-1'), /negative/);
    assert.throws(() => parseMinAllocatable('cpus'), /expected 'name:quantity'/);
  });

  test('true when one alternative is met; ranges and sets count values', () => {
    const alternatives = parseMinAllocatable('cpus:0.01|mem:32');
    assert.ok(minimalAllocatable([cpus(0.01)], alternatives));
    assert.ok(minimalAllocatable([mem(32)], alternatives));
    assert.ok(!minimalAllocatable([mem(31), cpus(0.001)], alternatives));
    assert.ok(!minimalAllocatable([ports([1, 100])], alternatives));
    const both = parseMinAllocatable('cpus:1;ports:3');
    assert.ok(minimalAllocatable([cpus(1), ports([1, 1], [5, 6])], both));
    assert.ok(!minimalAllocatable([cpus(1), ports([1, 2])], both));
    assert.ok(minimalAllocatable([cpus(0.5, reserved('a')), cpus(0.5)], parseMinAllocatable('cpus:1')));
    assert.ok(minimalAllocatable([ports([1, 1])], []));
    assert.ok(!minimalAllocatable([], []));
  });
});

describe('agent resource detection', () => {
  test('detectResources on this machine returns sane numbers', async () => {
    const r = await detectResources(`${os.tmpdir()}/no-such-dir-${process.pid}/work`);
    assert.equal(scalar(r, 'cpus'), os.cpus().length);
    const totalMb = os.totalmem() / 1024 / 1024;
    const memMb = scalar(r, 'mem');
    assert.ok(memMb > 0 && memMb < totalMb, `mem ${memMb} of ${totalMb}`);
    assert.ok(memMb >= Math.floor(totalMb / 2) && memMb >= Math.floor(totalMb - 1024) - 1);
    assert.ok(scalar(r, 'disk') > 0);
    assert.deepEqual(ranges(r, 'ports'), [{ begin: 31000, end: 32000 }]);
    assert.deepEqual(
      r.map((x) => x.name),
      ['cpus', 'mem', 'disk', 'ports'],
    );
  });

  test('detectResources reserves to the default role', async () => {
    const r = await detectResources(os.tmpdir(), 'infra');
    assert.ok(r.every((x) => reservationRole(x) === 'infra'));
  });

  test('mergeWithFlag: named resources replace detected ones, others kept', () => {
    const detected = parseResources('cpus:8;mem:16000;disk:50000;ports:[31000-32000]');
    const merged = mergeWithFlag(detected, 'cpus:2;ports:[5000-5001];gpus:0;foo:{a}');
    assert.equal(scalar(merged, 'cpus'), 2);
    assert.equal(scalar(merged, 'mem'), 16000);
    assert.equal(scalar(merged, 'disk'), 50000);
    assert.deepEqual(ranges(merged, 'ports'), [{ begin: 5000, end: 5001 }]);
    assert.ok(!merged.some((x) => x.name === 'gpus'));
    assert.ok(merged.some((x) => x.name === 'foo'));
    assert.equal(scalar(mergeWithFlag(detected, 'cpus:0'), 'cpus'), 0, 'cpus:0 means none, not detect');
    assert.deepEqual(mergeWithFlag(detected, undefined), detected);
    assert.equal(scalar(mergeWithFlag(detected, 'cpus(r1):3'), 'cpus'), 3);
    assert.throws(() => mergeWithFlag(detected, 'cpus:lots'), ResourceError);
  });
});

describe('sum', () => {
  test('equals add() folded over the lists, ranges and sets included', () => {
    const lists = ['cpus:1;mem:128;ports:[31000-31001]', 'cpus:0.5;ports:[31005-31005]', 'mem:64;disk:10', ''].map((t) =>
      parseResources(t),
    );
    const folded = lists.reduce<ReturnType<typeof parseResources>>((acc, l) => add(acc, l), []);
    assert.deepEqual(sum(lists), folded);
    assert.equal(scalar(sum(lists), 'cpus'), 1.5);
    assert.deepEqual(sum([]), []);
  });
});
