// The typings generated from our .proto files: the committed daemons/common/proto/mesos-v1.ts the
// code imports is what the generator makes of today's .proto files, and what mesos-devel ships
// (the same typings and a JSON Schema per API message) accepts real API bodies, rejects wrong
// ones, and compiles.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import { API_MESSAGES, currentTypings, TYPINGS_FILE, writeApiTypes } from '../../daemons/common/proto/api-types.ts';

const out = mkdtempSync(path.join(os.tmpdir(), 'api-types-'));
const files = writeApiTypes(out);
after(() => rmSync(out, { recursive: true, force: true }));
const schemaOf = (msg: string) => JSON.parse(readFileSync(path.join(out, 'schemas', `${msg}.schema.json`), 'utf8')) as object;

test('one schema per API message, plus the typings', () => {
  assert.equal(files.length, API_MESSAGES.length + 1);
});

test('the committed mesos-v1.ts is what the generator makes of the .proto files', () => {
  const committed = readFileSync(TYPINGS_FILE, 'utf8');
  const fresh = currentTypings();
  if (committed !== fresh) {
    const a = committed.split('\n');
    const b = fresh.split('\n');
    let line = 0;
    while (line < a.length && a[line] === b[line]) line++;
    assert.fail(
      `${path.relative(process.cwd(), TYPINGS_FILE)} is stale (line ${line + 1}: ${JSON.stringify(a[line])}, ` +
        `the .proto files give ${JSON.stringify(b[line])}): run npm run gen-types`,
    );
  }
});

test('mesos-devel ships the same typings the code imports', () => {
  assert.equal(readFileSync(path.join(out, 'typescript', 'mesos-v1.d.ts'), 'utf8'), readFileSync(TYPINGS_FILE, 'utf8'));
});

test('the scheduler Call schema accepts Mesos JSON bodies and rejects wrong ones', () => {
  const validate = new Ajv({ strict: false }).compile(schemaOf('mesos.v1.scheduler.Call'));
  const accept = {
    framework_id: { value: 'f' },
    type: 'ACCEPT',
    accept: {
      offer_ids: [{ value: 'o' }],
      operations: [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                name: 'hello',
                task_id: { value: 'hello-1' },
                agent_id: { value: 'a' },
                command: { shell: true, value: 'echo hi', uris: [{ value: 'http://x/y.tgz', extract: true }] },
                resources: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] } }],
              },
            ],
          },
        },
      ],
      filters: { refuse_seconds: 5 },
    },
  };
  assert.equal(validate(accept), true, JSON.stringify(validate.errors));
  assert.equal(validate({ ...accept, accept: { ...accept.accept, filters: { refuse_seconds: 'soon' } } }), false);
  assert.equal(validate({ type: 'NOT_A_CALL' }), false, 'enums are their names');
  assert.equal(validate({ type: 'REVIVE', framework_id: {} }), false, 'FrameworkID.value is required');
  assert.equal(
    validate({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AAECAwQFBgcICQoLDA0ODw==' } }),
    true,
  );
});

test('the scheduler Event schema accepts an UPDATE event', () => {
  const validate = new Ajv({ strict: false }).compile(schemaOf('mesos.v1.scheduler.Event'));
  const update = {
    type: 'UPDATE',
    update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1.5 } },
  };
  assert.equal(validate(update), true, JSON.stringify(validate.errors));
  assert.equal(validate({ type: 'UPDATE', update: { status: { task_id: { value: 't' }, state: 'RUNNING' } } }), false);
});

test('the TypeScript typings compile and type real messages', () => {
  const use = path.join(out, 'use.ts');
  writeFileSync(
    use,
    `import type { mesos } from './typescript/mesos-v1.d.ts';
const call: mesos.v1.scheduler.Call = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } };
const reason: mesos.v1.TaskStatus.Reason = 'REASON_RECONCILIATION';
// @ts-expect-error not a TaskState
const wrong: mesos.v1.TaskState = 'RUNNING';
// @ts-expect-error FrameworkID.value is required
const noValue: mesos.v1.FrameworkID = {};
// @ts-expect-error TaskInfo has no field 'task_name'
const unknownField: mesos.v1.TaskInfo = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, task_name: 't' };
// @ts-expect-error an empty message is an empty object
const revocable: mesos.v1.Resource.RevocableInfo = { level: 1 };
const bytes: mesos.v1.TaskStatus['uuid'] = 'AAECAwQFBgcICQoLDA0ODw==';
const int64: mesos.v1.Offer.Operation.Launch['task_infos'] = [{ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, kill_policy: { grace_period: { nanoseconds: 5e9 } } }];
void call; void reason; void wrong; void noValue; void unknownField; void revocable; void bytes; void int64;
`,
  );
  const tsc = path.resolve('node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--allowImportingTsExtensions', '--module', 'nodenext', '--moduleResolution', 'nodenext', use],
    { stdio: 'pipe' },
  );
});
