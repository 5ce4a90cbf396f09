// The master's checks of offers, of a subscription and an update as a whole, of REVIVE and
// SUPPRESS roles, of operation acknowledgements and of an agent's REGISTER, with Apache Mesos's
// texts where a scheduler sees them (validation::offer and validation::framework in
// src/master/validation.cpp; Master::updateFramework, revive, suppress and
// acknowledgeOperationStatus in src/master/master.cpp). The scheduler call and FrameworkInfo
// rules are in call-validation.test.ts, tasks in task-validation.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FrameworkInfo } from '../../daemons/common/mesos.ts';
import { registerMessageError } from '../../daemons/master/validation/agent-message.ts';
import {
  type KnownFrameworks,
  reviveSuppressRolesError,
  subscribeError,
  updateFrameworkError,
} from '../../daemons/master/validation/framework.ts';
import { type OfferFacts, offerIdsError } from '../../daemons/master/validation/offer.ts';
import { operationAcknowledgementError } from '../../daemons/master/validation/operation.ts';

describe('offerIdsError', () => {
  const offers: Record<string, OfferFacts> = {
    o1: { frameworkId: 'f1', agentId: 'S0', role: 'web' },
    o2: { frameworkId: 'f1', agentId: 'S0', role: 'web' },
    o3: { frameworkId: 'f1', agentId: 'S1', role: 'web' },
    o4: { frameworkId: 'f1', agentId: 'S0', role: 'db' },
    o5: { frameworkId: 'f2', agentId: 'S0', role: 'web' },
    o6: { frameworkId: 'f1', agentId: 'S9', role: 'web' },
  };
  const check = (ids: string[]) =>
    offerIdsError(
      ids,
      'f1',
      (id) => offers[id],
      (agentId) => agentId !== 'S9',
    );

  test('offers of one framework, role and active agent pass', () => {
    assert.equal(check(['o1']), undefined);
    assert.equal(check(['o1', 'o2']), undefined);
  });

  test('each failure with its text', () => {
    assert.equal(check([]), 'No offers specified');
    assert.equal(check(['o1', 'o1']), 'Duplicate offer o1 in offer list');
    assert.equal(check(['o1', 'gone']), 'Offer gone is no longer valid');
    assert.equal(check(['o1', 'o5']), 'Offer o5 has invalid framework f2 while framework f1 is expected');
    assert.equal(
      check(['o1', 'o4']),
      "Aggregated offers must be allocated to the same role. Offer o4 uses role 'db but another is using role 'web",
    );
    assert.equal(check(['o1', 'o3']), 'Aggregated offers must belong to one single agent. Offer o3 uses agent S1 and agent S0');
    assert.equal(check(['o6']), 'Agent S9 is not available');
  });

  test("in Mesos's order: duplicates before unknown offers, framework before role before agent", () => {
    assert.equal(check(['gone', 'gone']), 'Duplicate offer gone in offer list');
    assert.equal(check(['o5', 'gone']), 'Offer gone is no longer valid');
    assert.equal(check(['o4', 'o3', 'o5']), 'Offer o5 has invalid framework f2 while framework f1 is expected');
    assert.equal(
      check(['o3', 'o4']),
      "Aggregated offers must be allocated to the same role. Offer o4 uses role 'db but another is using role 'web",
    );
    assert.equal(check(['o6', 'o1']), 'Aggregated offers must belong to one single agent. Offer o1 uses agent S0 and agent S9');
  });
});

describe('a subscription and an update as a whole', () => {
  const base: FrameworkInfo = { user: 'u', name: 'n', principal: 'p', role: 'web' };
  const known = (existing: Record<string, FrameworkInfo> = {}, removed: string[] = []): KnownFrameworks => ({
    isRemoved: (id) => removed.includes(id),
    existing: (id) => existing[id],
  });

  test('SUBSCRIBE: FrameworkInfo first, then suppressed roles, then what a re-subscribing framework may not change', () => {
    assert.equal(subscribeError(base, [], undefined, known()), undefined);
    assert.equal(
      subscribeError({ ...base, role: '-x' }, ['other'], undefined, known()),
      "'FrameworkInfo.role' is not a valid role: Role component '-x' is invalid because it starts with a dash",
    );
    assert.equal(subscribeError(base, ['other'], undefined, known()), 'Suppressed roles { other } are not contained in the set of roles');
    const id = { value: 'f1' };
    assert.equal(subscribeError({ ...base, id }, [], undefined, known({}, ['f1'])), 'Framework has been removed');
    const registered = known({ f1: { ...base, id, checkpoint: true } });
    assert.equal(
      subscribeError({ ...base, id, principal: 'q' }, [], undefined, registered),
      "Changing framework's principal is not allowed.",
    );
    // User and checkpointing are kept from the registered framework rather than refused.
    assert.equal(subscribeError({ ...base, id, user: 'root', checkpoint: false }, [], undefined, registered), undefined);
  });

  test("UPDATE_FRAMEWORK: Mesos's three prefixes, in its order", () => {
    assert.equal(updateFrameworkError(base, { ...base, name: 'renamed' }, ['web'], undefined), undefined);
    assert.equal(
      updateFrameworkError(base, { ...base, role: 'a//b', principal: 'q' }, [], undefined),
      "Supplied FrameworkInfo is not valid: 'FrameworkInfo.role' is not a valid role: Role 'a//b' cannot contain two adjacent slashes",
    );
    assert.equal(
      updateFrameworkError(base, { ...base, principal: 'q' }, ['other'], undefined),
      "FrameworkInfo update is not valid: Changing framework's principal is not allowed.",
    );
    assert.equal(
      updateFrameworkError(base, { ...base, user: 'v' }, [], undefined),
      "FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'u' to 'v'",
    );
    assert.equal(
      updateFrameworkError(base, base, ['other'], undefined),
      "'UpdateFramework' call is not valid: Suppressed roles { other } are not contained in the set of roles",
    );
  });
});

describe('reviveSuppressRolesError', () => {
  test("roles that are valid and the framework's pass; none at all means every role", () => {
    assert.equal(reviveSuppressRolesError('REVIVE', [], ['a']), undefined);
    assert.equal(reviveSuppressRolesError('SUPPRESS', ['a', 'b/c'], ['a', 'b/c']), undefined);
  });

  test('an invalid role or one not subscribed to drops the call; the first such role is named', () => {
    assert.equal(
      reviveSuppressRolesError('REVIVE', ['a', 'a/', 'zzz'], ['a']),
      "revive role 'a/' is invalid: Role 'a/' cannot end with a slash",
    );
    assert.equal(
      reviveSuppressRolesError('SUPPRESS', ['zzz', 'a/'], ['a']),
      "suppression role 'zzz' is not one of the frameworks's subscribed roles",
    );
    // A subrole of a subscribed role is not subscribed.
    assert.equal(reviveSuppressRolesError('REVIVE', ['a/b'], ['a']), "revive role 'a/b' is not one of the frameworks's subscribed roles");
  });
});

describe('operationAcknowledgementError', () => {
  const agent = (connected: boolean, capabilities: string[] = []) => ({ connected, capabilities });

  test("Mesos's order: agent registered, connected, capable, then the operation", () => {
    assert.equal(operationAcknowledgementError(undefined, {}, true), 'agent is not registered');
    assert.equal(operationAcknowledgementError(agent(false, ['AGENT_OPERATION_FEEDBACK']), {}, true), 'agent is disconnected');
    assert.equal(
      operationAcknowledgementError(agent(true, ['AGENT_OPERATION_FEEDBACK']), { resource_provider_id: { value: 'rp' } }, true),
      'the agent does not have the RESOURCE_PROVIDER capability',
    );
    assert.equal(
      operationAcknowledgementError(agent(true, ['RESOURCE_PROVIDER']), {}, true),
      'the agent does not support operation feedback on agent default resources',
    );
    assert.equal(operationAcknowledgementError(agent(true, ['AGENT_OPERATION_FEEDBACK']), {}, false), 'the operation is unknown');
  });

  test('a capable agent and a known operation pass', () => {
    assert.equal(operationAcknowledgementError(agent(true, ['AGENT_OPERATION_FEEDBACK']), {}, true), undefined);
    assert.equal(
      operationAcknowledgementError(agent(true, ['RESOURCE_PROVIDER']), { resource_provider_id: { value: 'rp' } }, true),
      undefined,
    );
  });
});

describe('registerMessageError', () => {
  const register = { hostname: 'h', port: 5051, pid: 'slave(1)@127.0.0.1:5051', resources: [], tasks: [] };

  test('a REGISTER with hostname, port, pid, resources and tasks passes', () => {
    assert.equal(registerMessageError({ type: 'REGISTER', register }), undefined);
  });

  test('each missing or mistyped part is named', () => {
    assert.equal(registerMessageError(null), 'not a JSON object');
    assert.equal(registerMessageError('REGISTER'), 'not a JSON object');
    assert.equal(registerMessageError({ type: 'PONG', register }), "type is 'PONG', not 'REGISTER'");
    assert.equal(registerMessageError({ type: 'REGISTER' }), "'register' is missing");
    assert.equal(registerMessageError({ type: 'REGISTER', register: null }), "'register' is missing");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ hostname: 1 }, "'register.hostname' is not a string"],
      [{ port: '5051' }, "'register.port' is not a number"],
      [{ pid: undefined }, "'register.pid' is not a string"],
      [{ resources: {} }, "'register.resources' is not a list"],
      [{ tasks: undefined }, "'register.tasks' is not a list"],
    ];
    for (const [change, error] of cases)
      assert.equal(registerMessageError({ type: 'REGISTER', register: { ...register, ...change } }), error);
  });
});
