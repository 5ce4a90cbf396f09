import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import protobuf from 'protobufjs';
import type { mesos, SchedulerCall } from '../../daemons/common/mesos.ts';
import { createCodec, decode, encode, fromJson, ProtoError, protoDescriptorJson, protoFiles } from '../../daemons/common/proto/codec.ts';
import { BUILTIN_IMPORTS, mesosRoot, PROTO_FILES, rootFromDescriptor, rootFromSources } from '../../daemons/common/proto/loader.ts';
import type { MessageName, Messages } from '../../daemons/common/proto/mesos-v1.ts';
import type { Result } from '../../daemons/common/result.ts';

const CALL = 'mesos.v1.scheduler.Call';
const EVENT = 'mesos.v1.scheduler.Event';

/**
 * The codec without its types, for what the generated types rightly refuse (enums as numbers,
 * numbers as strings, missing required fields, unknown message names): what the codec does with
 * such input is the point of those tests.
 */
interface UntypedCodec {
  encode(typeName: string, obj: unknown): Uint8Array;
  decode(typeName: string, bytes: Uint8Array): unknown;
  fromJson(typeName: string, json: unknown): Result<unknown>;
}
const untyped: UntypedCodec = { encode, decode, fromJson };
const CODEC_PATH = fileURLToPath(new URL('../../daemons/common/proto/codec.ts', import.meta.url));
const PROTO_DIR = fileURLToPath(new URL('../../daemons/common/proto/', import.meta.url));

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const UUID = Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64');

function protoErrorMatching(re: RegExp) {
  return (err: unknown): boolean => err instanceof ProtoError && re.test(err.message);
}

// ---------------------------------------------------------------------------------------------
// Samples, already in the canonical JSON shape decode() produces.

const subscribeCall: SchedulerCall = {
  type: 'SUBSCRIBE',
  subscribe: {
    framework_info: {
      user: 'root',
      name: 'marathon',
      failover_timeout: 604800,
      checkpoint: true,
      roles: ['web', 'batch'],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
      labels: { labels: [{ key: 'team', value: 'infra' }] },
    },
  },
};

const acceptCall: SchedulerCall = {
  framework_id: { value: 'fw-1' },
  type: 'ACCEPT',
  accept: {
    offer_ids: [{ value: 'offer-1' }],
    operations: [
      {
        type: 'LAUNCH',
        launch: {
          task_infos: [
            {
              name: 'web',
              task_id: { value: 'web-1' },
              agent_id: { value: 'agent-1' },
              resources: [
                { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*' },
                {
                  name: 'ports',
                  type: 'RANGES',
                  ranges: {
                    range: [
                      { begin: 31000, end: 31001 },
                      { begin: 31005, end: 31005 },
                    ],
                  },
                },
              ],
              command: {
                uris: [{ value: 'http://example.com/app.tgz', extract: false }],
                environment: { variables: [{ name: 'A', value: 'b' }] },
                shell: true,
                value: 'sleep 10',
              },
              kill_policy: { grace_period: { nanoseconds: 3000000000 } },
              data: Buffer.from('hello').toString('base64'),
              labels: { labels: [{ key: 'k', value: 'v' }] },
              limits: { cpus: { value: 1 } },
            },
          ],
        },
      },
    ],
    filters: { refuse_seconds: 10 },
  },
};

// protoc text format of acceptCall, for the byte-for-byte comparison with protoc.
const acceptCallText = `
  framework_id { value: "fw-1" } type: ACCEPT
  accept {
    offer_ids { value: "offer-1" }
    operations { type: LAUNCH launch { task_infos {
      name: "web" task_id { value: "web-1" } agent_id { value: "agent-1" }
      resources { name: "cpus" type: SCALAR scalar { value: 0.5 } role: "*" }
      resources { name: "ports" type: RANGES ranges { range { begin: 31000 end: 31001 } range { begin: 31005 end: 31005 } } }
      command { uris { value: "http://example.com/app.tgz" extract: false }
                environment { variables { name: "A" value: "b" } } shell: true value: "sleep 10" }
      kill_policy { grace_period { nanoseconds: 3000000000 } }
      data: "hello"
      labels { labels { key: "k" value: "v" } }
      limits { key: "cpus" value { value: 1 } }
    } } }
    filters { refuse_seconds: 10 }
  }`;

const acknowledgeCall: SchedulerCall = {
  framework_id: { value: 'fw-1' },
  type: 'ACKNOWLEDGE',
  acknowledge: { agent_id: { value: 'agent-1' }, task_id: { value: 'web-1' }, uuid: UUID },
};

const offersEvent: mesos.v1.scheduler.Event = {
  type: 'OFFERS',
  offers: {
    offers: [
      {
        id: { value: 'offer-1' },
        framework_id: { value: 'fw-1' },
        agent_id: { value: 'agent-1' },
        hostname: 'node1.example.com',
        url: { scheme: 'http', address: { hostname: 'node1.example.com', ip: '10.0.0.1', port: 5051 }, path: '/slave(1)' },
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 3.5 }, allocation_info: { role: 'web' } },
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, allocation_info: { role: 'web' } },
          { name: 'disks', type: 'SET', set: { item: ['sda', 'sdb'] }, allocation_info: { role: 'web' } },
        ],
        attributes: [
          { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
          { name: 'gen', type: 'SCALAR', scalar: { value: 3 } },
        ],
        executor_ids: [{ value: 'exec-1' }],
        allocation_info: { role: 'web' },
      },
      { id: { value: 'offer-2' }, framework_id: { value: 'fw-1' }, agent_id: { value: 'agent-2' }, hostname: 'node2' },
    ],
  },
};

const updateEvent: mesos.v1.scheduler.Event = {
  type: 'UPDATE',
  update: {
    status: {
      task_id: { value: 'web-1' },
      state: 'TASK_RUNNING',
      message: 'started',
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      agent_id: { value: 'agent-1' },
      executor_id: { value: 'web-1' },
      timestamp: 1700000000.25,
      uuid: UUID,
      healthy: true,
      container_status: { network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.2' }] }] },
    },
  },
};

const subscribedEvent: mesos.v1.scheduler.Event = {
  type: 'SUBSCRIBED',
  subscribed: {
    framework_id: { value: 'fw-1' },
    heartbeat_interval_seconds: 15,
    // 192.168.1.1 packed into a uint32 has the top bit set.
    master_info: { id: 'm1', ip: 3232235777, port: 5050, hostname: 'master', version: '1.11.0' },
  },
};

/** A message and its name, checked against the generated types. */
const sample = <N extends MessageName>(type: N, message: Messages[N]): [MessageName, object] => [type, message];

const samples: [MessageName, object][] = [
  sample(CALL, subscribeCall),
  sample(CALL, acceptCall),
  sample(CALL, acknowledgeCall),
  sample(EVENT, offersEvent),
  sample(EVENT, updateEvent),
  sample(EVENT, subscribedEvent),
  sample(EVENT, { type: 'HEARTBEAT' }),
  sample('mesos.v1.executor.Call', { executor_id: { value: 'e' }, framework_id: { value: 'f' }, type: 'SUBSCRIBE', subscribe: {} }),
  sample('mesos.v1.master.Call', { type: 'GET_STATE' }),
  sample('mesos.v1.master.Call', {
    type: 'DRAIN_AGENT',
    drain_agent: { agent_id: { value: 'a1' }, max_grace_period: { seconds: 60, nanos: 5 }, mark_gone: true },
  }),
  sample('mesos.v1.master.Response', { type: 'GET_VERSION', get_version: { version_info: { version: '1.11.0' } } }),
  sample('mesos.v1.agent.Call', { type: 'GET_FLAGS' }),
];

// ---------------------------------------------------------------------------------------------

describe('proto files', () => {
  test('protoFiles() holds exactly our files, each a proto2 restatement with only our header comment', () => {
    const files = protoFiles();
    assert.deepEqual(Object.keys(files).sort(), [...PROTO_FILES].sort());
    for (const [path, text] of Object.entries(files)) {
      const lines = text.split('\n');
      assert.match(lines[0]!, /^\/\/ .*Apache Mesos v1 API/, path);
      assert.equal(lines.filter((l) => l.trim().startsWith('//')).length, 1, `${path}: only the header comment`);
      assert.ok(!text.includes('/*'), path);
      assert.match(text, /^syntax = "proto2";$/m, path);
      const pkg = path.split('/').slice(0, -1).join('.');
      assert.match(text, new RegExp(`^package ${pkg.replace(/\./g, '\\.')};$`, 'm'), path);
    }
  });

  test('every file parses on its own and imports only our files or protobufjs built-ins', () => {
    for (const [path, text] of Object.entries(protoFiles())) {
      const parsed = protobuf.parse(text, { keepCase: true });
      assert.equal(parsed.package, path.split('/').slice(0, -1).join('.'));
      for (const imp of parsed.imports ?? []) {
        assert.ok(PROTO_FILES.includes(imp) || BUILTIN_IMPORTS.includes(imp), `${path} imports ${imp}`);
      }
    }
  });

  test('all files together resolve every type reference', () => {
    const root = rootFromSources(protoFiles());
    for (const name of [CALL, EVENT, 'mesos.v1.executor.Event', 'mesos.v1.master.Event', 'mesos.v1.agent.Response']) {
      assert.ok(root.lookupType(name));
    }
  });

  test('upstream field numbers, labels and defaults are kept', () => {
    const root = mesosRoot();
    const call = root.lookupType(CALL);
    assert.equal(call.fields['framework_id']!.id, 1);
    assert.equal(call.fields['type']!.id, 2);
    assert.equal(call.fields['acknowledge']!.id, 8);
    const fw = root.lookupType('mesos.v1.FrameworkInfo');
    assert.equal(fw.fields['user']!.required, true);
    assert.equal(fw.fields['role']!.options?.['default'], '*');
    assert.equal(root.lookupType('mesos.v1.Filters').fields['refuse_seconds']!.options?.['default'], 5);
    assert.equal(root.lookupType('mesos.v1.MasterInfo').fields['port']!.options?.['default'], 5050);
    const httpCheck = root.lookupType('mesos.v1.HealthCheck.HTTPCheckInfo');
    assert.equal(httpCheck.fields['statuses']!.packed, false, 'proto2 repeated scalars are not packed');
  });

  test('no field name collides with an Object.prototype member (walkers read plain objects)', () => {
    const reserved = new Set(Object.getOwnPropertyNames(Object.prototype));
    const visit = (ns: protobuf.NamespaceBase): void => {
      for (const obj of ns.nestedArray) {
        if (obj instanceof protobuf.Type) {
          for (const f of obj.fieldsArray) assert.ok(!reserved.has(f.name), `${obj.fullName}.${f.name}`);
        }
        if (obj instanceof protobuf.Namespace || obj instanceof protobuf.Type) visit(obj);
      }
    };
    visit(mesosRoot());
  });

  const protoc = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
  const protocMissing = protoc.error !== undefined || protoc.status !== 0;
  const skipProtoc = protocMissing ? 'protoc not installed (apt-get install protobuf-compiler)' : false;

  test('protoc accepts the files', { skip: skipProtoc }, () => {
    const res = spawnSync('protoc', ['-I', PROTO_DIR, '--descriptor_set_out=/dev/null', ...PROTO_FILES], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
  });

  test('protoc encodes a LAUNCH Call to the same bytes as encode()', { skip: skipProtoc }, () => {
    const res = spawnSync('protoc', ['-I', PROTO_DIR, `--encode=${CALL}`, 'mesos/v1/scheduler/scheduler.proto'], {
      input: acceptCallText,
    });
    assert.equal(res.status, 0, res.stderr?.toString());
    assert.equal(hex(encode(CALL, acceptCall)), hex(res.stdout));
  });
});

describe('encode: known bytes', () => {
  test('{type: SUBSCRIBE} is field 2 varint 1', () => {
    assert.equal(hex(encode(CALL, { type: 'SUBSCRIBE' })), '1001');
  });

  test('an id message', () => {
    assert.equal(hex(encode('mesos.v1.FrameworkID', { value: 'abc' })), '0a03616263');
  });

  test('ACKNOWLEDGE with a bytes uuid, fields in number order', () => {
    const call: SchedulerCall = {
      acknowledge: { uuid: 'AQID', task_id: { value: 't' }, agent_id: { value: 'a' } },
      type: 'ACKNOWLEDGE',
      framework_id: { value: 'f' },
    };
    assert.equal(hex(encode(CALL, call)), '0a030a0166 1008 420f 0a030a0161 12030a0174 1a03010203'.replace(/ /g, ''));
  });

  test('negative int32 is a ten-byte varint', () => {
    assert.equal(hex(encode(EVENT, { type: 'FAILURE', failure: { status: -1 } })), '08063a0b18ffffffffffffffffff01');
  });

  test('int64 beyond 32 bits and negative int64', () => {
    assert.equal(hex(encode('mesos.v1.TimeInfo', { nanoseconds: 2 ** 40 })), '08808080808020');
    assert.equal(hex(encode('mesos.v1.TimeInfo', { nanoseconds: -1 })), '08ffffffffffffffffff01');
  });

  test('double is fixed64 little-endian', () => {
    assert.equal(hex(encode('mesos.v1.Filters', { refuse_seconds: 1.5 })), '09000000000000f83f');
  });

  test('proto2 repeated uint32 is written unpacked', () => {
    assert.equal(hex(encode('mesos.v1.HealthCheck.HTTPCheckInfo', { port: 80, statuses: [200, 201] })), '085020c80120c901');
  });

  test('map<string, Value.Scalar> entries', () => {
    const task = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, limits: { cpus: { value: 1 } } };
    assert.equal(
      hex(encode('mesos.v1.TaskInfo', task)),
      '0a0174 12030a0174 1a030a0161 7a11 0a0463707573 1209 09000000000000f03f'.replace(/ /g, ''),
    );
  });
});

describe('round trips', () => {
  for (const [type, sample] of samples) {
    test(`${type} ${'type' in sample ? String(sample.type) : ''}`, () => {
      const wire = encode(type, sample);
      assert.deepEqual(decode(type, wire), sample);
      const parsed = fromJson(type, sample);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
      assert.deepEqual(parsed.value, sample);
    });
  }

  test('decode accepts a plain Uint8Array as well as a Buffer', () => {
    const wire = encode(CALL, acknowledgeCall);
    const plain = new Uint8Array(wire.byteLength);
    plain.set(wire);
    assert.deepEqual(decode(CALL, plain), acknowledgeCall);
  });

  test('unset optional fields stay absent (no proto2 defaults filled in)', () => {
    const back = decode(CALL, encode(CALL, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } }));
    assert.deepEqual(back, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
  });

  test('the same bytes as protobufjs itself produces for the same messages', () => {
    const root = mesosRoot();
    for (const [type, sample] of samples) {
      const t = root.lookupType(type);
      assert.equal(hex(encode(type, sample)), hex(t.encode(t.fromObject(sample)).finish()), type);
    }
  });
});

describe('fromJson', () => {
  const error = (type: string, json: unknown): string => {
    const res = untyped.fromJson(type, json);
    assert.equal(res.ok, false, 'expected a validation error');
    return res.ok ? '' : res.error;
  };

  test('missing required fields name their path', () => {
    assert.equal(
      error(CALL, { type: 'ACCEPT', framework_id: {} }),
      'Failed to convert JSON into Call protobuf: Missing required fields: framework_id.value',
    );
  });

  test('all missing fields are listed, own before nested, with repeated indexes', () => {
    assert.equal(
      error(CALL, { type: 'ACCEPT', framework_id: {}, accept: { offer_ids: [{ value: 'o' }, {}] } }),
      'Failed to convert JSON into Call protobuf: Missing required fields: framework_id.value, accept.offer_ids[1].value',
    );
    assert.equal(
      error(CALL, { type: 'SUBSCRIBE', subscribe: { framework_info: {} } }),
      'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user, subscribe.framework_info.name',
    );
  });

  test('a string where a number is expected', () => {
    assert.equal(
      error(CALL, { type: 'ACCEPT', framework_id: { value: 'f' }, accept: { filters: { refuse_seconds: 'soon' } } }),
      "Failed to convert JSON into Call protobuf: 'accept.filters.refuse_seconds' must be a number",
    );
  });

  test('type mismatches for objects, strings, booleans, arrays and bytes', () => {
    const prefix = 'Failed to convert JSON into Call protobuf: ';
    assert.equal(error(CALL, { framework_id: 'fw-1' }), `${prefix}'framework_id' must be an object`);
    assert.equal(error(CALL, { framework_id: [{ value: 'f' }] }), `${prefix}'framework_id' must be an object`);
    assert.equal(
      error(CALL, { subscribe: { framework_info: { user: 5, name: 'n' } } }),
      `${prefix}'subscribe.framework_info.user' must be a string`,
    );
    assert.equal(
      error(CALL, { subscribe: { framework_info: { user: 'u', name: 'n', checkpoint: 'yes' } } }),
      `${prefix}'subscribe.framework_info.checkpoint' must be a boolean`,
    );
    assert.equal(
      error(CALL, { acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'not base64!' } }),
      `${prefix}'acknowledge.uuid' must be a base64 string`,
    );
    assert.equal(
      error(CALL, { accept: { offer_ids: [{ value: 'o' }, { value: 7 }] } }),
      `${prefix}'accept.offer_ids[1].value' must be a string`,
    );
    assert.equal(error(CALL, { type: true }), `${prefix}'type' must be an enum value name`);
  });

  test('type errors win over missing required fields, as in Mesos', () => {
    assert.match(error(CALL, { framework_id: {}, accept: { filters: { refuse_seconds: {} } } }), /must be a number$/);
  });

  test('unknown enum names: an error for required fields, dropped for optional ones', () => {
    assert.equal(
      error('mesos.v1.Resource', { name: 'cpus', type: 'LOTS' }),
      "Failed to convert JSON into Resource protobuf: 'type' has unknown Type value 'LOTS'",
    );
    assert.deepEqual(fromJson(CALL, { type: 'BOGUS', framework_id: { value: 'f' } }), {
      ok: true,
      value: { framework_id: { value: 'f' } },
    });
    const caps = fromJson('mesos.v1.FrameworkInfo', {
      user: 'u',
      name: 'n',
      capabilities: [{ type: 'FROM_THE_FUTURE' }, { type: 'MULTI_ROLE' }],
    });
    assert.deepEqual(caps.ok && caps.value['capabilities'], [{}, { type: 'MULTI_ROLE' }]);
  });

  test('enum values given as numbers become names', () => {
    assert.deepEqual(fromJson(CALL, { type: 1 }), { ok: true, value: { type: 'SUBSCRIBE' } });
    const res = fromJson(EVENT, { type: 4, update: { status: { task_id: { value: 't' }, state: 1, source: 2 } } });
    assert.deepEqual(res, {
      ok: true,
      value: {
        type: 'UPDATE',
        update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' } },
      },
    });
    assert.equal(hex(untyped.encode(CALL, { type: 1 })), '1001');
  });

  test('numbers and booleans written as strings are accepted, like Mesos', () => {
    const res = fromJson(CALL, {
      type: 'DECLINE',
      framework_id: { value: 'f' },
      decline: { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: '5.5' } },
    });
    assert.ok(res.ok);
    assert.deepEqual(res.value['decline'], { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: 5.5 } });
    const fw = fromJson('mesos.v1.FrameworkInfo', { user: 'u', name: 'n', checkpoint: 'true' });
    assert.deepEqual(fw, { ok: true, value: { user: 'u', name: 'n', checkpoint: true } });
  });

  test('unknown fields and nulls are ignored; empty repeated fields omitted', () => {
    const res = fromJson(CALL, {
      type: 'REVIVE',
      framework_id: { value: 'f', extra: 1 },
      revive: { roles: [] },
      no_such_field: { deep: true },
      subscribe: null,
    });
    assert.deepEqual(res, { ok: true, value: { type: 'REVIVE', framework_id: { value: 'f' }, revive: {} } });
  });

  test('a lone value for a repeated field counts as one element, like Mesos', () => {
    const res = fromJson(CALL, { type: 'DECLINE', decline: { offer_ids: { value: 'o' } } });
    assert.deepEqual(res, { ok: true, value: { type: 'DECLINE', decline: { offer_ids: [{ value: 'o' }] } } });
  });

  test('bytes are normalised to canonical base64 (whitespace and missing padding tolerated)', () => {
    const res = fromJson(CALL, { acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AQI D' } });
    assert.ok(res.ok);
    assert.deepEqual(res.value['acknowledge'], { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AQID' });
  });

  test('the body must be an object', () => {
    assert.equal(error(CALL, [1, 2]), 'Failed to convert JSON into Call protobuf: Expecting a JSON object');
    assert.equal(error(CALL, 'SUBSCRIBE'), 'Failed to convert JSON into Call protobuf: Expecting a JSON object');
  });

  test('encode accepts what fromJson accepts and writes the same bytes', () => {
    const lenient = { type: 3, framework_id: { value: 'f' }, accept: { offer_ids: { value: 'o' }, filters: { refuse_seconds: '2' } } };
    const res = fromJson(CALL, lenient);
    assert.ok(res.ok);
    assert.equal(hex(untyped.encode(CALL, lenient)), hex(encode(CALL, res.value)));
  });
});

describe('decode errors and proto2 wire rules', () => {
  test('a body missing required fields is rejected with their paths', () => {
    // Call { framework_id: {} }
    assert.throws(() => decode(CALL, bytes('0a00')), protoErrorMatching(/^Missing required fields: framework_id\.value$/));
    // Event { update: { status: { state: TASK_RUNNING } } } lacks status.task_id
    assert.throws(
      () => decode(EVENT, bytes('0804 2a04 0a02 1001')),
      protoErrorMatching(/Missing required fields: update\.status\.task_id$/),
    );
  });

  test('truncated and malformed input throws ProtoError', () => {
    assert.throws(() => decode(CALL, bytes('0a05616263')), ProtoError);
    assert.throws(() => decode(CALL, bytes('0a')), ProtoError);
    assert.throws(() => decode(CALL, bytes('0f01')), ProtoError, 'wire type 7');
    assert.throws(() => decode(CALL, bytes('0001')), ProtoError, 'field number 0');
    // A sub-message length that runs past its parent.
    assert.throws(() => decode(CALL, bytes('0a020a05616263')), ProtoError);
  });

  test('unknown fields are skipped', () => {
    // type: SUBSCRIBE, then field 99 varint, field 98 length-delimited, field 97 fixed32.
    assert.deepEqual(decode(CALL, bytes('1001 98063f 920603616263 8d0601020304')), { type: 'SUBSCRIBE' });
  });

  test('unknown enum numbers leave the field unset', () => {
    assert.deepEqual(decode(CALL, bytes('10e707')), {});
    assert.throws(() => decode('mesos.v1.Resource', bytes('0a0463707573 1063')), protoErrorMatching(/Missing required fields: type$/));
  });

  test('packed repeated scalars are accepted too', () => {
    assert.deepEqual(decode('mesos.v1.HealthCheck.HTTPCheckInfo', bytes('0850 2204c801c901')), {
      port: 80,
      statuses: [200, 201],
    });
  });

  test('a singular message that occurs twice is merged', () => {
    // subscribe.framework_info split into two occurrences: {user} then {name}
    const wire = bytes('1a050a030a0175 1a050a0312016e');
    assert.deepEqual(decode(CALL, wire), { subscribe: { framework_info: { user: 'u', name: 'n' } } });
  });

  test('encode rejects what fromJson rejects', () => {
    assert.throws(
      () => untyped.encode(CALL, { type: 'ACCEPT', framework_id: {} }),
      protoErrorMatching(/^Failed to encode Call protobuf: Missing required fields: framework_id\.value$/),
    );
    assert.throws(
      () => untyped.encode(CALL, { accept: { filters: { refuse_seconds: 'soon' } } }),
      protoErrorMatching(/'accept\.filters\.refuse_seconds' must be a number$/),
    );
  });

  test('unknown message types are a programming error', () => {
    assert.throws(() => untyped.encode('mesos.v1.NoSuchThing', {}), /Unknown protobuf message type/);
  });
});

describe('loading from the JSON descriptor', () => {
  test('a codec built from protoDescriptorJson() behaves like the one built from .proto files', () => {
    const descriptor = JSON.parse(JSON.stringify(protoDescriptorJson())) as object;
    const fromDescriptor = createCodec(rootFromDescriptor(descriptor));
    for (const [type, sample] of samples) {
      const wire = encode(type, sample);
      assert.equal(hex(fromDescriptor.encode(type, sample)), hex(wire), type);
      assert.deepEqual(fromDescriptor.decode(type, wire), decode(type, wire), type);
    }
    assert.deepEqual(
      fromDescriptor.fromJson(CALL, { type: 'ACCEPT', framework_id: {} }),
      fromJson(CALL, { type: 'ACCEPT', framework_id: {} }),
    );
    assert.equal(hex(fromDescriptor.encode('mesos.v1.HealthCheck.HTTPCheckInfo', { port: 80, statuses: [200] })), '085020c801');
  });

  test('types of a descriptor root are resolved only when the codec plans them', () => {
    // Resolving all ~400 types up front (protobufjs 8's Root.fromJSON does) cost every
    // `mesos execute` some 40 ms before its first call.
    const root = rootFromDescriptor(JSON.parse(JSON.stringify(protoDescriptorJson())) as object);
    const unresolved = (name: string) =>
      root
        .lookupType(name)
        .fieldsArray.filter((f) => f.resolvedType === null && !/^(u?int|s?fixed|bool|string|bytes|double|float)/.test(f.type)).length;
    assert.ok(unresolved('mesos.v1.master.Response') > 0, 'nothing resolved up front');
    const codec = createCodec(root);
    codec.encode(CALL, subscribeCall);
    assert.equal(unresolved('mesos.v1.scheduler.Call'), 0, 'the planned type is resolved');
    assert.ok(unresolved('mesos.v1.master.Response') > 0, 'an unrelated type still is not');
  });

  describe('an esbuild bundle with __MESOS_PROTO_DESCRIPTOR__ defined', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proto-codec-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `import { decode, encode } from ${JSON.stringify(CODEC_PATH)};`,
        `const wire = encode('${CALL}', ${JSON.stringify(subscribeCall)});`,
        `console.log(JSON.stringify({ hex: Buffer.from(wire).toString('hex'), back: decode('${CALL}', wire) }));`,
      ].join('\n'),
    );
    const bundle = async (outfile: string, define: Record<string, string>) => {
      await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile, define, logLevel: 'silent' });
      return spawnSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8' });
    };

    test('runs without any .proto file on disk', async () => {
      const run = await bundle(join(dir, 'with.cjs'), {
        __MESOS_PROTO_DESCRIPTOR__: JSON.stringify(JSON.stringify(protoDescriptorJson())),
      });
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout) as { hex: string; back: unknown };
      assert.equal(out.hex, hex(encode(CALL, subscribeCall)));
      assert.deepEqual(out.back, subscribeCall);
    });

    test('and fails without the descriptor (so the test above proves the define is used)', async () => {
      const run = await bundle(join(dir, 'without.cjs'), {});
      assert.notEqual(run.status, 0);
    });
  });
});
