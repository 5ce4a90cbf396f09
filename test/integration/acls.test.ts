// Authorization with real processes: a master with --acls (and credentials for its operators),
// an agent, and frameworks naming their principals. A principal may not register with a role
// its ACLs deny, may not run a task as root unless allowed (TASK_ERROR,
// REASON_TASK_UNAUTHORIZED), and only the operator the ACLs name may tear frameworks down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { type Daemon, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';
import { secretFile } from '../helpers/secret-file.ts';
import { fakeRegisterBody } from '../helpers/fake-agent.ts';

const dir = tempDir('acls');
const ACLS = {
  register_frameworks: [
    { principals: { values: ['dev'] }, roles: { values: ['dev'] } },
    { principals: { values: ['dev'] }, roles: { type: 'NONE' } },
  ],
  run_tasks: [
    { principals: { values: ['ops'] }, users: { values: ['root'] } },
    { principals: { type: 'NONE' }, users: { values: ['root'] } },
  ],
  register_agents: [
    { principals: { values: ['agent'] }, agents: { type: 'ANY' } },
    { principals: { type: 'NONE' }, agents: { type: 'ANY' } },
  ],
  view_frameworks: [
    { principals: { values: ['ops'] }, users: { type: 'ANY' } },
    { principals: { values: ['dev'] }, users: { values: ['alice'] } },
    { principals: { type: 'NONE' }, users: { type: 'ANY' } },
  ],
  view_tasks: [
    { principals: { values: ['ops'] }, users: { type: 'ANY' } },
    { principals: { type: 'NONE' }, users: { type: 'ANY' } },
  ],
  get_endpoints: [
    { principals: { values: ['ops'] }, paths: { type: 'ANY' } },
    { principals: { type: 'NONE' }, paths: { values: ['/metrics/snapshot', '/metrics/prometheus'] } },
  ],
  view_flags: [
    { principals: { values: ['ops'] }, flags: { type: 'ANY' } },
    { principals: { type: 'NONE' }, flags: { type: 'ANY' } },
  ],
  access_mesos_logs: [
    { principals: { values: ['ops'] }, logs: { type: 'ANY' } },
    { principals: { type: 'NONE' }, logs: { type: 'ANY' } },
  ],
  teardown_frameworks: [
    { principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } },
    { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
  ],
};
const CREDENTIALS = {
  credentials: [
    { principal: 'ops', secret: 'ops-secret' },
    { principal: 'dev', secret: 'dev-secret' },
    { principal: 'agent', secret: 'agent-secret' },
  ],
};

let master: Daemon;
let agent: Daemon;
const schedulers: TestScheduler[] = [];

const file = (name: string, body: unknown) => secretFile(dir, name, body);

async function scheduler(info: { principal: string; roles?: string[]; user?: string }): Promise<TestScheduler> {
  const s = new TestScheduler(master.port);
  schedulers.push(s);
  await s.subscribe({
    user: info.user ?? 'root',
    principal: info.principal,
    ...(info.roles ? { roles: info.roles, capabilities: [{ type: 'MULTI_ROLE' }] } : {}),
  });
  return s;
}

async function readAs<T>(principal: 'ops' | 'dev', p: string): Promise<T> {
  const res = await fetch(`${master.url}${p}`, { headers: { Authorization: basicAuthorization(principal, `${principal}-secret`) } });
  const text = await res.text();
  assert.equal(res.status, 200, `${p}: ${text}`);
  return JSON.parse(text) as T;
}

async function teardown(frameworkId: string, authorization: string): Promise<Response> {
  return fetch(`${master.url}/master/teardown`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `frameworkId=${frameworkId}`,
  });
}

before(async () => {
  master = await startMaster([
    `--acls=file://${file('acls.json', ACLS)}`,
    `--credentials=file://${file('credentials.json', CREDENTIALS)}`,
    '--authenticate_http_readwrite',
    '--authenticate_http_readonly',
    '--authenticate_agents',
    `--log_dir=${dir}`,
  ]);
  // The state endpoints need a login: the helpers read them as ops.
  master.json = <T>(p: string) => readAs<T>('ops', p);
  agent = await startAgent(master, [
    `--credential=file://${file('agent-credential.json', { principal: 'agent', secret: 'agent-secret' })}`,
  ]);
});

after(async () => {
  for (const s of schedulers) s.close();
  await agent?.stop();
  await master?.stop();
});

describe('register_frameworks', () => {
  test('a principal subscribing with a role its ACLs deny gets an ERROR event naming the roles', async () => {
    const res = await fetch(`${master.url}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'denied', principal: 'dev' } } }),
    });
    const text = await res.text();
    assert.match(text, /"type":"ERROR"/);
    assert.match(text, /Not authorized to register framework {2}with roles \{ \* \}/);
    const state = await master.json<{ frameworks: unknown[] }>('/master/frameworks');
    assert.equal(state.frameworks.length, 0);
  });

  test('the same principal with its allowed role subscribes; UPDATE_FRAMEWORK to a denied role gets 403', async () => {
    const s = await scheduler({ principal: 'dev', roles: ['dev'] });
    const id = s.client.frameworkId!;
    // Adding a role it may not have through UPDATE_FRAMEWORK is refused as Mesos refuses it.
    await assert.rejects(
      s.client.call({
        type: 'UPDATE_FRAMEWORK',
        update_framework: {
          framework_info: {
            id: { value: id },
            user: 'root',
            name: 'test-scheduler',
            principal: 'dev',
            roles: ['dev', 'prod'],
            capabilities: [{ type: 'MULTI_ROLE' }],
          },
        },
      }),
      new RegExp(`UPDATE_FRAMEWORK failed with HTTP 403: Not authorized to register framework ${id} with roles \\{ dev, prod \\}`),
    );
    await s.client.call({ type: 'TEARDOWN' });
  });
});

describe('run_tasks', () => {
  test("a task as root from a principal not allowed fails with TASK_ERROR; an allowed principal's runs", async () => {
    const dev = await scheduler({ principal: 'dev', roles: ['dev'] });
    await dev.launch((offer) => [task('dev-root', offer, 'sleep 30', 0.1, 16)]);
    const error = await dev.waitState('dev-root', 'TASK_ERROR');
    assert.equal(error.reason, 'REASON_TASK_UNAUTHORIZED');
    assert.equal(error.source, 'SOURCE_MASTER');
    assert.equal(error.message, `Not authorized to launch task dev-root of framework ${dev.client.frameworkId} under user 'root'`);
    // The agent's resources go to the next framework.
    await dev.client.call({ type: 'TEARDOWN' });

    const ops = await scheduler({ principal: 'ops' });
    await ops.launch((offer) => [task('ops-root', offer, 'sleep 30', 0.1, 16)]);
    await ops.waitState('ops-root', 'TASK_RUNNING');
  });
});

describe('view_frameworks and view_tasks', () => {
  interface Fw {
    id: string;
    user: string;
    tasks?: { id: string }[];
  }
  test("a reader sees only the frameworks and tasks its ACLs let it: dev sees alice's framework, no tasks", async () => {
    const alice = await scheduler({ principal: 'dev', roles: ['dev'], user: 'alice' });
    const aliceId = alice.client.frameworkId!;
    const asOps = await readAs<{ frameworks: Fw[] }>('ops', '/master/state');
    assert.ok(asOps.frameworks.some((f) => f.id === aliceId));
    assert.ok(asOps.frameworks.some((f) => f.tasks?.some((t) => t.id === 'ops-root')));
    assert.ok((await readAs<{ tasks: { id: string }[] }>('ops', '/master/tasks')).tasks.some((t) => t.id === 'ops-root'));

    for (const p of ['/master/state', '/master/frameworks', '/master/state-summary']) {
      const asDev = await readAs<{ frameworks: Fw[] }>('dev', p);
      assert.deepEqual(
        asDev.frameworks.map((f) => f.id),
        [aliceId],
        `${p} as dev`,
      );
    }
    assert.deepEqual((await readAs<{ tasks: unknown[] }>('dev', '/master/tasks')).tasks, []);
  });
});

describe('teardown_frameworks', () => {
  test('an operator the ACLs do not name gets 403; the one they name tears the framework down', async () => {
    const s = await scheduler({ principal: 'ops' });
    const id = s.client.frameworkId!;
    const denied = await teardown(id, basicAuthorization('dev', 'dev-secret'));
    assert.equal(denied.status, 403);
    assert.equal(await denied.text(), '');
    const allowed = await teardown(id, basicAuthorization('ops', 'ops-secret'));
    assert.equal(allowed.status, 200, await allowed.text());
    await waitFor('the framework torn down', async () => {
      const state = await master.json<{ completed_frameworks: { id: string }[] }>('/master/frameworks');
      return state.completed_frameworks.some((f) => f.id === id);
    });
  });
});

describe('register_agents', () => {
  test('an agent of a principal the ACLs do not name is refused with 403 (the real one registered)', async () => {
    const register = fakeRegisterBody();
    const res = await fetch(`${master.url}/master/internal/agent`, {
      method: 'POST',
      headers: { Authorization: basicAuthorization('dev', 'dev-secret'), 'Content-Type': 'application/json' },
      body: register,
    });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), "Not authorized to register agent providing resources 'cpus:64' with principal 'dev'");
    const slaves = await master.json<{ slaves: { hostname: string }[] }>('/master/slaves');
    assert.deepEqual(
      slaves.slaves.map((s) => s.hostname).filter((h) => h === 'fake'),
      [],
    );
  });
});

describe('get_endpoints and view_flags', () => {
  test('/metrics/snapshot, /metrics/prometheus, /master/flags and the master log (access_mesos_logs): 403 for dev, 200 for ops', async () => {
    for (const p of [
      '/metrics/snapshot',
      '/master/metrics/snapshot',
      '/metrics/prometheus',
      '/master/metrics/prometheus',
      '/master/flags',
      '/flags',
      '/files/read?path=/master/log&offset=0',
    ]) {
      const dev = await fetch(`${master.url}${p}`, { headers: { Authorization: basicAuthorization('dev', 'dev-secret') } });
      assert.equal(dev.status, 403, `${p} as dev`);
      await dev.text();
      const ops = await fetch(`${master.url}${p}`, { headers: { Authorization: basicAuthorization('ops', 'ops-secret') } });
      assert.equal(ops.status, 200, `${p} as ops`);
      await ops.text();
    }
  });
});

describe('--acls', () => {
  test('bad ACLs stop the master with one line naming the field', async () => {
    await assert.rejects(
      startMaster([`--acls={"run_tasks": [{"principals": {"type": "admin"}, "users": {"type": "ANY"}}]}`]),
      /--acls: run_tasks\[0\]\.principals\.type is "admin"; use "ANY" or "NONE", or list names in "values"/,
    );
  });
});
