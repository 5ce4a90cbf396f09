import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_JSON_DEPTH,
  MAX_LABELS,
  MAX_LABEL_KEY_BYTES,
  MAX_LABEL_VALUE_BYTES,
  MAX_LOGGED_NAME_CHARS,
  MAX_NAME_BYTES,
  callSizeProblem,
  jsonDepthExceeds,
  logName,
} from '../../daemons/master/limits.ts';

const text = (s: string) => Buffer.from(s);

test('JSON nesting is measured by its brackets, not those inside strings', () => {
  assert.equal(jsonDepthExceeds(text('{"a":[1,{"b":[]}]}'), 4), false);
  assert.equal(jsonDepthExceeds(text('{"a":[1,{"b":[[]]}]}'), 4), true);
  assert.equal(jsonDepthExceeds(text(`{"s":"${'['.repeat(500)}"}`)), false);
  // An escaped quote does not end the string: the brackets after it are still inside.
  assert.equal(jsonDepthExceeds(text(`{"s":"\\"${'{'.repeat(500)}"}`)), false);
  assert.equal(jsonDepthExceeds(text('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))), false);
  assert.equal(jsonDepthExceeds(text('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))), true);
  assert.equal(jsonDepthExceeds(text('['.repeat(100_000))), true);
});

test('a name past the limit is refused with its path and the limit', () => {
  const subscribe = (name: string) => ({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name } } });
  assert.equal(callSizeProblem(subscribe('x'.repeat(MAX_NAME_BYTES))), undefined);
  assert.equal(
    callSizeProblem(subscribe('x'.repeat(MAX_NAME_BYTES + 1))),
    `'subscribe.framework_info.name' is ${MAX_NAME_BYTES + 1} bytes long: the limit is ${MAX_NAME_BYTES} bytes`,
  );
  // Counted in UTF-8 bytes: 1,366 three-byte characters are 4,098 bytes.
  assert.match(callSizeProblem(subscribe('€'.repeat(1366))) ?? '', /is 4098 bytes long/);
  const accept = {
    type: 'ACCEPT',
    accept: { offer_ids: [], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'ok' }, { name: 'y'.repeat(5000) }] } }] },
  };
  assert.match(callSizeProblem(accept) ?? '', /^'accept\.operations\[0\]\.launch\.task_infos\[1\]\.name' is 5000 bytes long/);
});

test('labels: their number and the size of each key and value', () => {
  const withLabels = (labels: Array<{ key: string; value?: string }>) => ({
    type: 'UPDATE_FRAMEWORK',
    update_framework: { framework_info: { user: 'u', name: 'n', labels: { labels } } },
  });
  const many = Array.from({ length: MAX_LABELS }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  assert.equal(callSizeProblem(withLabels(many)), undefined);
  assert.equal(
    callSizeProblem(withLabels([...many, { key: 'one-more' }])),
    `'update_framework.framework_info.labels.labels' has ${MAX_LABELS + 1} labels: the limit is ${MAX_LABELS}`,
  );
  assert.match(
    callSizeProblem(withLabels([{ key: 'k' }, { key: 'k'.repeat(MAX_LABEL_KEY_BYTES + 1) }])) ?? '',
    /^'update_framework\.framework_info\.labels\.labels\[1\]\.key' is \d+ bytes long: the limit is 4096 bytes$/,
  );
  assert.equal(callSizeProblem(withLabels([{ key: 'k', value: 'v'.repeat(MAX_LABEL_VALUE_BYTES) }])), undefined);
  assert.match(
    callSizeProblem(withLabels([{ key: 'k', value: 'v'.repeat(MAX_LABEL_VALUE_BYTES + 1) }])) ?? '',
    /labels\[0\]\.value' is 131073 bytes long: the limit is 131072 bytes/,
  );
});

test('calls that keep nothing are not walked', () => {
  const reconcile = { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't' }, name: 'x'.repeat(10_000) }] } };
  assert.equal(callSizeProblem(reconcile), undefined);
});

test('names in log lines are cut, saying how much is left out', () => {
  assert.equal(logName('short'), 'short');
  assert.equal(logName(undefined), '');
  const cut = logName('n'.repeat(10_000_000));
  assert.equal(cut, `${'n'.repeat(MAX_LOGGED_NAME_CHARS)}... (${10_000_000 - MAX_LOGGED_NAME_CHARS} more characters)`);
});
