import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { type Acls, parseAcls } from '../../daemons/common/authorizer/acls.ts';
import { LocalAuthorizer } from '../../daemons/common/authorizer/local.ts';
import { taskUser, viewerFor } from '../../daemons/common/authorizer/views.ts';
import { followerRequestListener } from '../../daemons/master/http-app.ts';
import {
  registerAgentRefusal,
  registerFrameworkRefusal,
  runTaskRefusal,
  endpointAllowed,
  teardownAllowed,
} from '../../daemons/master/authorizer/checks.ts';

function acls(json: unknown): Acls {
  const parsed = parseAcls(json);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}
const authorizer = (json: unknown) => new LocalAuthorizer(acls(json));
const error = (json: unknown) => {
  const parsed = parseAcls(json);
  assert.equal(parsed.ok, false);
  return parsed.ok ? '' : parsed.error;
};

describe('parsing --acls', () => {
  test('permissive defaults to true; entities default to SOME', () => {
    const a = acls({ run_tasks: [{ principals: { values: ['foo'] }, users: { type: 'ANY' } }] });
    assert.equal(a.permissive, true);
    assert.deepEqual(a.rules.get('run_tasks'), [{ principals: { type: 'SOME', values: ['foo'] }, object: { type: 'ANY', values: [] } }]);
    assert.equal(acls({ permissive: false }).permissive, false);
  });

  test('bad input gets one line naming the field', () => {
    assert.equal(error([]), '--acls must be a JSON object');
    assert.match(error({ permissive: 'no' }), /^--acls: permissive must be true or false$/);
    assert.match(error({ run_task: [] }), /unknown action 'run_task'/);
    assert.match(error({ run_tasks: {} }), /run_tasks must be an array of rules/);
    assert.match(error({ run_tasks: [{ principals: { type: 'ANY' } }] }), /run_tasks\[0\] lacks "users"/);
    assert.match(error({ run_tasks: [{ users: { type: 'ANY' } }] }), /run_tasks\[0\] lacks "principals"/);
    assert.match(
      error({ run_tasks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }] }),
      /run_tasks\[0\] has unknown field 'roles'; a run_tasks rule has "principals" and "users"/,
    );
    // The typo in Mesos's own docs/authorization.md example.
    assert.match(
      error({ teardown_frameworks: [{ principals: { type: 'admin' }, framework_principals: { type: 'ANY' } }] }),
      /teardown_frameworks\[0\]\.principals\.type is "admin"; use "ANY" or "NONE", or list names in "values"/,
    );
    assert.match(
      error({ register_frameworks: [{ principals: { values: 'foo' }, roles: { type: 'ANY' } }] }),
      /register_frameworks\[0\]\.principals\.values must be an array of strings/,
    );
    assert.match(error({ register_agents: [{ principals: { value: ['a'] }, agents: { type: 'ANY' } }] }), /unknown field 'value'/);
    for (const e of [error({ run_tasks: 1 }), error({ run_tasks: [{ principals: 1, users: 1 }] })]) assert.doesNotMatch(e, /\n/);
  });
});

describe('LocalAuthorizer (examples of docs/authorization.md)', () => {
  test('only foo can register frameworks with role analytics; others anything else', () => {
    const a = authorizer({
      register_frameworks: [
        { principals: { values: ['foo'] }, roles: { values: ['analytics'] } },
        { principals: { type: 'NONE' }, roles: { values: ['analytics'] } },
      ],
    });
    assert.equal(a.authorized('register_frameworks', 'foo', 'analytics'), true);
    assert.equal(a.authorized('register_frameworks', 'bar', 'analytics'), false);
    assert.equal(a.authorized('register_frameworks', undefined, 'analytics'), false);
    assert.equal(a.authorized('register_frameworks', 'bar', 'ads'), true);
    assert.equal(a.authorized('register_frameworks', 'foo', 'ads'), true);
  });

  test('foo only analytics and ads; everyone else anything', () => {
    const a = authorizer({
      register_frameworks: [
        { principals: { values: ['foo'] }, roles: { values: ['analytics', 'ads'] } },
        { principals: { values: ['foo'] }, roles: { type: 'NONE' } },
      ],
    });
    assert.equal(a.authorized('register_frameworks', 'foo', 'ads'), true);
    assert.equal(a.authorized('register_frameworks', 'foo', '*'), false);
    assert.equal(a.authorized('register_frameworks', 'bar', '*'), true);
    assert.equal(a.authorized('register_frameworks', undefined, 'prod'), true);
  });

  test('permissive false: only the listed grants pass', () => {
    const a = authorizer({
      permissive: false,
      register_frameworks: [{ principals: { values: ['foo'] }, roles: { values: ['analytics'] } }],
    });
    assert.equal(a.authorized('register_frameworks', 'foo', 'analytics'), true);
    assert.equal(a.authorized('register_frameworks', 'foo', '*'), false);
    assert.equal(a.authorized('register_frameworks', 'bar', 'analytics'), false);
    assert.equal(a.authorized('run_tasks', 'foo', 'root'), false, 'an action with no rules falls to permissive');
  });

  test('run_tasks: ANY principal as guest or bar only', () => {
    const a = authorizer({ permissive: false, run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['guest', 'bar'] } }] });
    assert.equal(a.authorized('run_tasks', 'x', 'guest'), true);
    assert.equal(a.authorized('run_tasks', undefined, 'bar'), true);
    assert.equal(a.authorized('run_tasks', 'x', 'root'), false);
  });

  test('run_tasks: foo only as guest; nobody as root', () => {
    const a = authorizer({
      run_tasks: [
        { principals: { values: ['foo'] }, users: { values: ['guest'] } },
        { principals: { values: ['foo'] }, users: { type: 'NONE' } },
      ],
    });
    assert.equal(a.authorized('run_tasks', 'foo', 'guest'), true);
    assert.equal(a.authorized('run_tasks', 'foo', 'alice'), false);
    assert.equal(a.authorized('run_tasks', 'bar', 'alice'), true);
    const noRoot = authorizer({ run_tasks: [{ principals: { type: 'NONE' }, users: { values: ['root'] } }] });
    assert.equal(noRoot.authorized('run_tasks', 'foo', 'root'), false);
    assert.equal(noRoot.authorized('run_tasks', undefined, 'root'), false);
    assert.equal(noRoot.authorized('run_tasks', 'foo', 'nobody'), true);
  });

  test('order matters: the first matching rule decides', () => {
    const denyFirst = authorizer({
      teardown_frameworks: [
        { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
        { principals: { values: ['admin'] }, framework_principals: { type: 'ANY' } },
      ],
    });
    assert.equal(denyFirst.authorized('teardown_frameworks', 'admin', 'fw'), false);
    const allowFirst = authorizer({
      teardown_frameworks: [
        { principals: { values: ['admin'] }, framework_principals: { type: 'ANY' } },
        { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
      ],
    });
    assert.equal(allowFirst.authorized('teardown_frameworks', 'admin', 'fw'), true);
    assert.equal(allowFirst.authorized('teardown_frameworks', 'admin', undefined), true);
    assert.equal(allowFirst.authorized('teardown_frameworks', 'ops', 'fw'), false);
    assert.equal(allowFirst.authorized('teardown_frameworks', undefined, 'fw'), false);
  });

  test('a request without principal or object is matched only by ANY and NONE rules', () => {
    const a = authorizer({
      permissive: false,
      register_agents: [{ principals: { values: ['agent'] }, agents: { type: 'ANY' } }],
      view_tasks: [{ principals: { type: 'ANY' }, users: { values: ['alice'] } }],
    });
    assert.equal(a.authorized('register_agents', 'agent', undefined), true);
    assert.equal(a.authorized('register_agents', 'other', undefined), false);
    assert.equal(a.authorized('register_agents', undefined, undefined), false);
    assert.equal(a.authorized('view_tasks', 'x', undefined), false, 'a SOME rule does not match an ANY object');
    const permissive = authorizer({ view_tasks: [{ principals: { type: 'ANY' }, users: { values: ['alice'] } }] });
    assert.equal(permissive.authorized('view_tasks', 'x', undefined), true);
  });

  test('unreserve by reserver: foo for foo and bar, bar for itself', () => {
    const a = authorizer({
      permissive: false,
      unreserve_resources: [
        { principals: { values: ['foo'] }, reserver_principals: { values: ['foo', 'bar'] } },
        { principals: { values: ['bar'] }, reserver_principals: { values: ['bar'] } },
      ],
    });
    assert.equal(a.authorized('unreserve_resources', 'foo', 'bar'), true);
    assert.equal(a.authorized('unreserve_resources', 'bar', 'bar'), true);
    assert.equal(a.authorized('unreserve_resources', 'bar', 'foo'), false);
  });
});

describe("the master's checks and refusal texts", () => {
  const a = authorizer({
    register_frameworks: [
      { principals: { values: ['ops'] }, roles: { type: 'ANY' } },
      { principals: { type: 'ANY' }, roles: { values: ['*'] } },
      { principals: { type: 'NONE' }, roles: { type: 'ANY' } },
    ],
    run_tasks: [
      { principals: { values: ['ops'] }, users: { values: ['root'] } },
      { principals: { type: 'NONE' }, users: { values: ['root'] } },
    ],
  });
  test('register_frameworks checks every role of a MULTI_ROLE framework', () => {
    const multi = { name: 'f', user: 'u', principal: 'dev', roles: ['b', 'a'], capabilities: [{ type: 'MULTI_ROLE' as const }] };
    assert.equal(registerFrameworkRefusal(a, multi), 'Not authorized to register framework  with roles { a, b }');
    assert.equal(registerFrameworkRefusal(a, { ...multi, principal: 'ops' }), undefined);
    assert.equal(
      registerFrameworkRefusal(a, { name: 'f', user: 'u', principal: 'dev', id: { value: 'F1' } }),
      undefined,
      'role * is allowed',
    );
    assert.equal(registerFrameworkRefusal(undefined, multi), undefined, 'no --acls, no checks');
  });
  test("run_tasks asks about the task's, then the executor's, then the framework's user", () => {
    const fw = { name: 'f', user: 'alice', principal: 'dev' };
    const task = { name: 't', task_id: { value: 'T1' }, agent_id: { value: 'A' }, resources: [] };
    assert.equal(taskUser(task, fw), 'alice');
    assert.equal(taskUser({ ...task, executor: { executor_id: { value: 'e' }, command: { user: 'bob' } } }, fw), 'bob');
    assert.equal(
      taskUser({ ...task, command: { user: 'root' }, executor: { executor_id: { value: 'e' }, command: { user: 'bob' } } }, fw),
      'root',
    );
    assert.equal(runTaskRefusal(a, 'F1', fw, task), undefined, 'alice is not mentioned: permissive');
    assert.equal(
      runTaskRefusal(a, 'F1', fw, { ...task, command: { user: 'root' } }),
      "Not authorized to launch task T1 of framework F1 under user 'root'",
    );
    assert.equal(runTaskRefusal(a, 'F1', { ...fw, principal: 'ops' }, { ...task, command: { user: 'root' } }), undefined);
  });
  test('teardown_frameworks: the object is the framework principal', () => {
    const t = authorizer({
      permissive: false,
      teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { values: ['dev'] } }],
    });
    assert.equal(teardownAllowed(t, 'ops', { name: 'f', user: 'u', principal: 'dev' }), true);
    assert.equal(teardownAllowed(t, 'ops', { name: 'f', user: 'u', principal: 'prod' }), false);
    assert.equal(teardownAllowed(t, 'ops', { name: 'f', user: 'u' }), false, 'no principal is ANY, which a values rule does not match');
    assert.equal(teardownAllowed(t, 'dev', { name: 'f', user: 'u', principal: 'dev' }), false);
  });
  test('register_agents: the object is implicit, so only ANY and NONE rules decide', () => {
    const r = authorizer({
      register_agents: [
        { principals: { values: ['agent'] }, agents: { type: 'ANY' } },
        { principals: { type: 'NONE' }, agents: { type: 'ANY' } },
      ],
    });
    const resources = [
      { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR' as const, scalar: { value: 1024 } },
    ];
    assert.equal(registerAgentRefusal(r, 'agent', resources), undefined);
    assert.equal(
      registerAgentRefusal(r, 'intruder', resources),
      "Not authorized to register agent providing resources 'cpus:4; mem:1024' with principal 'intruder'",
    );
    assert.equal(
      registerAgentRefusal(r, undefined, resources),
      "Not authorized to register agent providing resources 'cpus:4; mem:1024' without a principal",
    );
    assert.equal(registerAgentRefusal(undefined, undefined, resources), undefined);
  });
  test('view_frameworks and view_tasks: the object is the Unix user', () => {
    const v = authorizer({
      view_frameworks: [
        { principals: { values: ['ops'] }, users: { type: 'ANY' } },
        { principals: { values: ['dev'] }, users: { values: ['alice'] } },
        { principals: { type: 'NONE' }, users: { type: 'ANY' } },
      ],
      view_tasks: [{ principals: { type: 'NONE' }, users: { values: ['root'] } }],
    });
    const alice = { name: 'a', user: 'alice' };
    const root = { name: 'r', user: 'root' };
    const task = { name: 't', task_id: { value: 'T' }, agent_id: { value: 'A' }, resources: [] };
    const dev = viewerFor(v, 'dev');
    const ops = viewerFor(v, 'ops');
    assert.ok(dev && ops);
    assert.equal(dev.framework(alice), true);
    assert.equal(dev.framework(root), false);
    assert.equal(ops.framework(root), true);
    assert.equal(viewerFor(v, undefined)?.framework(alice), false, 'an anonymous reader is ANY: only the NONE rule matches');
    assert.equal(ops.task(task, root), false, 'nobody sees tasks running as root');
    assert.equal(ops.task({ ...task, command: { user: 'alice' } }, root), true);
    assert.equal(viewerFor(undefined, 'dev'), undefined, 'no --acls, no filter');
  });
});

describe('get_endpoints and view_flags', () => {
  const a = authorizer({
    get_endpoints: [
      { principals: { values: ['ops'] }, paths: { values: ['/metrics/snapshot', '/metrics/prometheus'] } },
      { principals: { type: 'NONE' }, paths: { values: ['/metrics/snapshot', '/metrics/prometheus', '/files/debug'] } },
    ],
    view_flags: [
      { principals: { values: ['ops'] }, flags: { type: 'ANY' } },
      { principals: { type: 'NONE' }, flags: { type: 'ANY' } },
    ],
  });
  test('a GET of a listed endpoint asks get_endpoints with its path; other methods and paths pass', () => {
    assert.equal(endpointAllowed(a, 'GET', '/metrics/snapshot', 'ops'), true);
    assert.equal(endpointAllowed(a, 'GET', '/metrics/snapshot', 'dev'), false);
    assert.equal(endpointAllowed(a, 'GET', '/metrics/snapshot', undefined), false);
    assert.equal(endpointAllowed(a, 'GET', '/files/debug', 'ops'), false);
    assert.equal(endpointAllowed(a, 'POST', '/metrics/snapshot', 'dev'), true);
    assert.equal(endpointAllowed(a, 'GET', '/state', 'dev'), true);
    assert.equal(endpointAllowed(a, 'GET', '/metrics/prometheus', 'ops'), true);
    assert.equal(endpointAllowed(a, 'GET', '/metrics/prometheus', 'dev'), false);
  });
  test('/flags asks view_flags whatever the method', () => {
    assert.equal(endpointAllowed(a, 'GET', '/flags', 'ops'), true);
    assert.equal(endpointAllowed(a, 'POST', '/flags', 'dev'), false);
    assert.equal(endpointAllowed(undefined, 'GET', '/flags', 'dev'), true);
  });
});

describe('access_mesos_logs', () => {
  const a = authorizer({
    access_mesos_logs: [
      { principals: { values: ['ops'] }, logs: { type: 'ANY' } },
      { principals: { type: 'NONE' }, logs: { type: 'ANY' } },
    ],
  });
  test("the master's log through /files is checked, however its path is written", () => {
    for (const p of ['/master/log', 'master/log', '/master//log/', '/master/./log', '/x/../master/log']) {
      assert.equal(endpointAllowed(a, 'GET', '/files/read', 'dev', p), false, p);
      assert.equal(endpointAllowed(a, 'GET', '/files/read', 'ops', p), true, p);
    }
    assert.equal(endpointAllowed(a, 'GET', '/files/download', 'dev', '/master/log'), false);
    assert.equal(endpointAllowed(a, 'GET', '/files/browse.json', undefined, '/master/log'), false);
    assert.equal(endpointAllowed(a, 'GET', '/files/read', 'dev', '/master/logs'), true, 'another path');
    assert.equal(endpointAllowed(a, 'GET', '/files/read', 'dev'), true, 'no path');
  });
});

describe("a follower's own endpoints", () => {
  test("are guarded by --acls as the leader's are", async () => {
    const serve = async (auth: LocalAuthorizer | undefined, p: string) => {
      const listener = followerRequestListener({
        flags: {},
        buildTime: 0,
        startTime: Date.now(),
        leader: () => undefined,
        recovering: () => false,
        authorizer: auth,
      });
      const server = http.createServer(listener);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`);
        await res.text();
        return res.status;
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    };
    const closed = authorizer({ permissive: false });
    assert.equal(await serve(closed, '/master/flags'), 403);
    assert.equal(await serve(closed, '/metrics/snapshot'), 403);
    assert.equal(await serve(closed, '/metrics/prometheus'), 403);
    assert.equal(await serve(undefined, '/master/metrics/prometheus'), 200);
    assert.equal(await serve(closed, '/health'), 200);
    assert.equal(await serve(undefined, '/master/flags'), 200);
  });
});
