// Mesos's checks of a scheduler Call and of a FrameworkInfo, with its error texts
// (scheduler::call::validate and validation::framework in src/master/validation.cpp,
// Master::validateFramework in src/master/master.cpp).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import type { FrameworkInfo } from '../../daemons/common/mesos.ts';
import { validateSchedulerCall } from '../../daemons/master/validation/scheduler-call.ts';
import {
  allocatorOptionsError,
  frameworkInfoError,
  frameworkUpdateError,
  preserveImmutableFields,
} from '../../daemons/master/validation/framework.ts';
import type { SchedulerCall } from '../../daemons/common/mesos.ts';
import { MESOS_CALL_PAYLOADS } from '../helpers/scheduler.ts';

const fid = { value: 'fw-1' };
const validate = (call: Record<string, unknown>) => validateSchedulerCall(call as SchedulerCall);

describe('validateSchedulerCall', () => {
  test('a call needs a type; SUBSCRIBE needs its payload and the same framework id twice', () => {
    assert.equal(validate({}), "Expecting 'type' to be present");
    assert.equal(validate({ type: 'SUBSCRIBE' }), "Expecting 'subscribe' to be present");
    const info = { user: 'u', name: 'n' };
    assert.equal(validate({ type: 'SUBSCRIBE', subscribe: { framework_info: info } }), undefined);
    assert.equal(validate({ type: 'SUBSCRIBE', framework_id: fid, subscribe: { framework_info: { ...info, id: fid } } }), undefined);
    for (const call of [
      { type: 'SUBSCRIBE', framework_id: fid, subscribe: { framework_info: info } },
      { type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, id: fid } } },
      { type: 'SUBSCRIBE', framework_id: { value: 'other' }, subscribe: { framework_info: { ...info, id: fid } } },
    ]) {
      assert.equal(validate(call), "'framework_id' differs from 'subscribe.framework_info.id'");
    }
  });

  test('every other call needs framework_id, then the payload of its type', () => {
    assert.equal(validate({ type: 'TEARDOWN' }), "Expecting 'framework_id' to be present");
    assert.equal(validate({ type: 'UNKNOWN' }), "Expecting 'framework_id' to be present");
    for (const type of ['TEARDOWN', 'REVIVE', 'SUPPRESS', 'UNKNOWN']) assert.equal(validate({ type, framework_id: fid }), undefined, type);
    for (const [type, payload] of Object.entries(MESOS_CALL_PAYLOADS)) {
      assert.equal(validate({ type, framework_id: fid }), `Expecting '${payload}' to be present`, type);
    }
    assert.equal(validate({ type: 'REQUEST', framework_id: fid, request: {} }), undefined);
    assert.equal(validate({ type: 'RECONCILE', framework_id: fid, reconcile: {} }), undefined);
  });

  test('status uuids are 16 bytes of an RFC 4122 UUID (id::UUID::fromBytes)', () => {
    const ack = (uuid: string) =>
      validate({ type: 'ACKNOWLEDGE', framework_id: fid, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid } });
    assert.equal(ack(newStatusUuid()), undefined);
    assert.equal(ack('bm90LWEtdXVpZA=='), 'Not a valid UUID', 'too short');
    assert.equal(ack(Buffer.alloc(16).toString('base64')), 'Not a valid UUID', 'no version');
    assert.equal(ack(Buffer.alloc(16, 0x10).toString('base64')), undefined, 'version 1');
    const opAck = (body: Record<string, unknown>) =>
      validate({
        type: 'ACKNOWLEDGE_OPERATION_STATUS',
        framework_id: fid,
        acknowledge_operation_status: { operation_id: { value: 'op' }, ...body },
      });
    assert.equal(opAck({ uuid: 'AAAA' }), 'Not a valid UUID');
    assert.equal(opAck({ uuid: newStatusUuid() }), "Expecting 'agent_id' to be present");
    assert.equal(opAck({ uuid: newStatusUuid(), agent_id: { value: 'a' } }), undefined);
  });

  test("UPDATE_FRAMEWORK's FrameworkInfo carries the call's framework id", () => {
    const update = (id?: { value: string }) =>
      validate({
        type: 'UPDATE_FRAMEWORK',
        framework_id: fid,
        update_framework: { framework_info: { user: 'u', name: 'n', ...(id ? { id } : {}) } },
      });
    assert.equal(update(fid), undefined);
    assert.equal(update(), "'framework_id' differs from 'update_framework.framework_info.id'");
    assert.equal(update({ value: 'other' }), "'framework_id' differs from 'update_framework.framework_info.id'");
  });
});

describe('FrameworkInfo rules', () => {
  const base: FrameworkInfo = { user: 'u', name: 'n' };
  const multiRole = { capabilities: [{ type: 'MULTI_ROLE' as const }] };
  const check = (info: Partial<FrameworkInfo>, removed: string[] = []) =>
    frameworkInfoError({ ...base, ...info }, (id) => removed.includes(id));

  test('roles: the field that goes with MULTI_ROLE, no duplicates, valid names', () => {
    assert.equal(check({}), undefined);
    assert.equal(check({ role: 'web' }), undefined);
    assert.equal(check({ ...multiRole, roles: ['a', 'b/c'] }), undefined);
    assert.equal(check({ ...multiRole, role: '*' }), "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable");
    assert.equal(check({ roles: ['a'] }), "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable");
    assert.equal(check({ ...multiRole, roles: ['b', 'a', 'b', 'a'] }), "'FrameworkInfo.roles' contains duplicate items: { a, b }");
    assert.equal(
      check({ ...multiRole, roles: ['ok', '-x'] }),
      "'FrameworkInfo.roles' contains invalid role: Role component '-x' is invalid because it starts with a dash",
    );
    const roleErrors: Array<[string, string]> = [
      ['/a', "Role '/a' cannot start with a slash"],
      ['a/', "Role 'a/' cannot end with a slash"],
      ['a//b', "Role 'a//b' cannot contain two adjacent slashes"],
      ['', 'Role names cannot be the empty string'],
      ['a/./b', "Role 'a/./b' cannot include '.' as a component"],
      ['..', "Role '..' cannot include '..' as a component"],
      ['a/*', "Role 'a/*' cannot include '*' as a component"],
      ['a b', "Role component 'a b' is invalid because it contains backspace or whitespace"],
    ];
    for (const [role, error] of roleErrors) assert.equal(check({ role }), `'FrameworkInfo.role' is not a valid role: ${error}`, role);
  });

  test('framework id, offer filters and failover timeout', () => {
    assert.equal(check({ id: { value: 'x'.repeat(256) } }), 'ID must not be greater than 255 characters');
    assert.equal(check({ id: { value: '..' } }), "'..' is disallowed");
    assert.equal(check({ id: { value: 'a/b' } }), "'a/b' contains invalid characters");
    const filters = (quantities: Record<string, { value: number }>) => ({
      offer_filters: { r: { min_allocatable_resources: { quantities: [{ quantities }] } } },
    });
    assert.equal(check(filters({ cpus: { value: 1 } })), undefined);
    assert.equal(check(filters({})), 'Resource quantities must contain at least one quantity');
    assert.equal(check(filters({ cpus: { value: -1 } })), "Invalid resource quantity for 'cpus': Negative values not supported");
    assert.equal(check({ failover_timeout: 9e9 }), undefined, 'below 2^63 ns');
    assert.equal(check({ failover_timeout: 1e10 }), 'The framework failover_timeout (1e+10) is invalid');
    assert.equal(check({ failover_timeout: -1.5e300 }), 'The framework failover_timeout (-1.5e+300) is invalid');
  });

  test('a removed framework', () => {
    assert.equal(check({ id: { value: 'gone' } }, ['gone']), 'Framework has been removed');
    assert.equal(check({ id: { value: 'here' } }, ['gone']), undefined);
  });

  test("suppressed roles and offer constraints name only the framework's roles", () => {
    assert.equal(allocatorOptionsError({ ...base, role: 'web' }, ['web'], undefined), undefined);
    assert.equal(
      allocatorOptionsError({ ...base }, ['z', 'web'], undefined),
      'Suppressed roles { web, z } are not contained in the set of roles',
    );
    assert.equal(
      allocatorOptionsError({ ...base }, [], { role_constraints: { web: {} } }),
      "Offer constraints specify `role_constraints` for a role 'web'not contained in the set of roles",
    );
  });

  test('a framework keeps its principal, user and checkpointing; re-subscribing keeps user and checkpointing silently', () => {
    const old: FrameworkInfo = { ...base, principal: 'p', checkpoint: true };
    assert.equal(frameworkUpdateError(old, { ...old, name: 'renamed' }), undefined);
    assert.equal(frameworkUpdateError(old, { ...base, checkpoint: true }), "Changing framework's principal is not allowed.");
    const resubscribed = preserveImmutableFields(old, { ...old, user: 'root', checkpoint: false, name: 'new' });
    assert.deepEqual(resubscribed, { ...old, name: 'new' });
    assert.equal(frameworkUpdateError(old, resubscribed), undefined);
  });
});
