import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonScanner, elementCount, elementsText, withoutElements } from '../../daemons/common/json-scan.ts';
import { APPLICATION_JSON } from '../../daemons/common/http.ts';
import { runInSlices } from '../../daemons/common/slices.ts';
import { parseLargeCall } from '../../daemons/master/large-call.ts';
import { parseCall } from '../../daemons/master/scheduler-api.ts';
import { reconcileBody } from '../helpers/abuse.ts';

function scan(text: string, path = ['reconcile', 'tasks'], maxDepth = 100, stepBytes = 3): JsonScanner {
  const scanner = new JsonScanner(Buffer.from(text), path, maxDepth);
  while (!scanner.step(stepBytes));
  return scanner;
}

test('the scan finds the array at the path and its elements, across steps of any size', () => {
  const text = '{"type":"RECONCILE","x":{"tasks":[9]},"reconcile":{"other":[1,[2,3]],"tasks":[{"a":"[,]"}, {"b":{"c":[1,2]}} ,3]}}';
  for (const step of [1, 2, 7, 1000]) {
    const scanner = scan(text, undefined, undefined, step);
    const span = scanner.found!;
    assert.ok(span, `step ${step}`);
    const body = Buffer.from(text);
    assert.equal(elementCount(body, span), 3);
    assert.deepEqual(JSON.parse(elementsText(body, span, 0, 3)), [{ a: '[,]' }, { b: { c: [1, 2] } }, 3]);
    assert.deepEqual(JSON.parse(elementsText(body, span, 1, 2)), [{ b: { c: [1, 2] } }]);
    assert.deepEqual(JSON.parse(withoutElements(body, span)), {
      type: 'RECONCILE',
      x: { tasks: [9] },
      reconcile: { other: [1, [2, 3]], tasks: [] },
    });
    assert.equal(scanner.ambiguous, false);
  }
});

test('the scan: no array, an empty one, a repeated key, keys with escapes, too deep', () => {
  assert.equal(scan('{"reconcile":{"tasks":{}}}').found, undefined);
  assert.equal(scan('{"tasks":[1],"reconcile":{}}').found, undefined);
  const empty = scan('{"reconcile":{"tasks":[ ]}}');
  assert.equal(elementCount(Buffer.from('{"reconcile":{"tasks":[ ]}}'), empty.found!), 0);
  assert.equal(scan('{"reconcile":{"tasks":[1],"tasks":[2]}}').ambiguous, true);
  assert.ok(scan('{"reconcil\\u0065":{"ta\\"sks":[1],"tasks":[2]}}').found);
  assert.equal(scan(`{"a":${'['.repeat(5)}${']'.repeat(5)}}`, undefined, 5).tooDeep, true);
  assert.equal(scan(`{"a":${'['.repeat(4)}${']'.repeat(4)}}`, undefined, 5).tooDeep, false);
});

test('slices: each turn is short, and a pause asks for a wait', async () => {
  let steps = 0;
  let turns = 0;
  let lastTurn = -1;
  const immediate = setInterval(() => turns++, 0);
  await runInSlices(() => {
    if (lastTurn !== turns) lastTurn = turns;
    const until = performance.now() + 1;
    while (performance.now() < until);
    return ++steps >= 40;
  });
  clearInterval(immediate);
  assert.equal(steps, 40);
  assert.ok(turns >= 5, `the other timers ran ${turns} times meanwhile`);
  // Work of one step ends before runInSlices returns.
  let done = false;
  const p = runInSlices(() => {
    done = true;
    return true;
  });
  assert.equal(done, true);
  await p;
  let paused = 0;
  const started = Date.now();
  await runInSlices(() => true, { pause: () => (paused++ < 2 ? 20 : 0) });
  assert.ok(Date.now() - started >= 35);
});

test('a large call decoded in slices is the call parseCall decodes, errors included', async () => {
  const bodies = [
    reconcileBody('fw-1', 50_000),
    `{"type":"RECONCILE","framework_id":{"value":"f"},"reconcile":{"tasks":[${Array.from({ length: 30_000 }, (_, i) => `{"task_id":{"value":"t${i}"},"agent_id":{"value":"a${i % 7}"}}`).join(',')}]}}`,
    // Not a RECONCILE worth slicing: parsed in one go.
    `{"type":"DECLINE","framework_id":{"value":"f"},"decline":{"offer_ids":[${Array.from({ length: 80_000 }, (_, i) => `{"value":"o${i}"}`).join(',')}]}}`,
  ];
  for (const body of bodies) {
    const buf = Buffer.from(body);
    assert.ok(buf.length > 1 << 20);
    assert.deepEqual(await parseLargeCall(buf), parseCall(buf, APPLICATION_JSON));
  }
  const errorOf = async (body: string) => {
    const buf = Buffer.from(body);
    let sliced = '';
    await parseLargeCall(buf).catch((err: Error) => (sliced = err.message));
    let whole = '';
    try {
      parseCall(buf, APPLICATION_JSON);
    } catch (err) {
      whole = (err as Error).message;
    }
    return { sliced, whole };
  };
  const tasks = Array.from({ length: 40_000 }, (_, i) => `{"task_id":{"value":"t${i}"}}`);
  for (const bad of ['{}', '{"task_id":{"value":3}}', '{"task_id":{"value":"x"},"agent_id":7}']) {
    const withBad = [...tasks];
    withBad[31_234] = bad;
    const { sliced, whole } = await errorOf(
      `{"type":"RECONCILE","framework_id":{"value":"f"},"reconcile":{"tasks":[${withBad.join(',')}]}}`,
    );
    assert.ok(whole.length > 0);
    assert.equal(sliced, whole);
    assert.match(sliced, /reconcile\.tasks\[31234\]/);
  }
  const shellError = await errorOf(`{"type":"RECONCILE","framework_id":{"value":5},"reconcile":{"tasks":[${tasks.join(',')}]}}`);
  assert.equal(shellError.sliced, shellError.whole);
  const deep = await errorOf(`{"type":"RECONCILE","reconcile":{"tasks":[${tasks.join(',')}]},"x":${'['.repeat(200)}${']'.repeat(200)}}`);
  assert.equal(deep.sliced, deep.whole);
  assert.match(deep.sliced, /deeper than the limit of 100 levels/);
  const syntax = await errorOf(`{"type":"RECONCILE","reconcile":{"tasks":[${tasks.join(',')},]}}`);
  assert.match(syntax.sliced, /^Failed to parse body into JSON: /);
});

test('slices of several pieces of work share one budget per turn', async () => {
  // Counted in steps between two ticks of a timer, not in time: a loaded machine may pause the
  // process, which makes turns longer but not fuller.
  let steps = 0;
  let most = 0;
  const ticking = setInterval(() => {
    most = Math.max(most, steps);
    steps = 0;
  }, 0);
  const busy = (n: number) => {
    let left = n;
    return () => {
      steps++;
      const until = performance.now() + 1;
      while (performance.now() < until);
      return --left <= 0;
    };
  };
  await Promise.all(Array.from({ length: 20 }, () => runInSlices(busy(30), { deferred: true })));
  clearInterval(ticking);
  // 1 ms steps in a 4 ms budget: about 5 a turn; with a budget per piece of work, 20 x 4.
  assert.ok(most <= 10, `${most} steps ran between two timer ticks`);
});

test('deferred work waits for the next turn even for its first step', async () => {
  let ran = false;
  const done = runInSlices(
    () => {
      ran = true;
      return true;
    },
    { deferred: true },
  );
  assert.equal(ran, false);
  await done;
  assert.equal(ran, true);
});
