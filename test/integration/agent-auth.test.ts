// The agent's own endpoints behind authentication and ACLs, with real processes: an agent with
// --authenticate_http_readonly, --http_credentials and --acls under a plain master, a framework
// running one task as root and one as nobody. Without a login the agent answers 401 with its
// realm, /health stays open, a reader sees the sandboxes access_sandboxes lets it, and /state
// leaves out what view_tasks and view_flags do not let it see; through the master's
// /agent/<id>/ route the caller's own login is what the agent checks.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import type { AgentStateJson } from '../../daemons/common/state-types.ts';
import { type Daemon, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';
import { secretFile } from '../helpers/secret-file.ts';

const dir = tempDir('agent-auth');
/** Rules letting ops do everything, `dev` what `devUsers` name (of the object `field`), nobody else anything. */
function opsAnd(field: string, devUsers: string[] = []): object[] {
  return [
    { principals: { values: ['ops'] }, [field]: { type: 'ANY' } },
    ...(devUsers.length > 0 ? [{ principals: { values: ['dev'] }, [field]: { values: devUsers } }] : []),
    { principals: { type: 'ANY' }, [field]: { type: 'NONE' } },
  ];
}
const ACLS = {
  access_sandboxes: opsAnd('users', ['nobody']),
  view_containers: opsAnd('users', ['nobody']),
  view_tasks: opsAnd('users'),
  view_flags: opsAnd('flags'),
  access_mesos_logs: opsAnd('logs'),
};
const CREDENTIALS = {
  credentials: [
    { principal: 'ops', secret: 'ops-secret' },
    { principal: 'dev', secret: 'dev-secret' },
  ],
};
const as = (principal: 'ops' | 'dev') => ({ Authorization: basicAuthorization(principal, `${principal}-secret`) });

let master: Daemon;
let agent: Daemon;
let scheduler: TestScheduler;
/** The sandboxes of the task running as root and of the one running as nobody. */
const sandbox: { root?: string; nobody?: string } = {};

const file = (name: string, body: unknown) => secretFile(dir, name, body);

async function get(p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(`${agent.url}${p}`, { method, headers });
}

async function stateAs(principal: 'ops' | 'dev'): Promise<AgentStateJson> {
  const res = await get('/state', as(principal));
  assert.equal(res.status, 200);
  return (await res.json()) as AgentStateJson;
}

before(async () => {
  master = await startMaster();
  agent = await startAgent(
    master,
    [
      '--authenticate_http_readonly',
      `--http_credentials=file://${file('http-credentials.json', CREDENTIALS)}`,
      `--acls=file://${file('acls.json', ACLS)}`,
      `--log_dir=${dir}`,
    ],
    {
      onSpawn: (d) => {
        // The helper's reads of the agent need a login now.
        d.json = async <T>(p: string): Promise<T> => {
          const res = await fetch(`${d.url}${p}`, { headers: as('ops') });
          if (!res.ok) throw new Error(`GET ${p} -> ${res.status}: ${await res.text()}`);
          return (await res.json()) as T;
        };
      },
    },
  );
  scheduler = new TestScheduler(master.port);
  await scheduler.subscribe({ user: 'root' });
  await scheduler.launch((offer) => {
    const nobody = task('as-nobody', offer, 'echo from-nobody; sleep 60', 0.1, 16);
    nobody.command!.user = 'nobody';
    return [task('as-root', offer, 'echo from-root; sleep 60', 0.1, 16), nobody];
  });
  await scheduler.waitState('as-root', 'TASK_RUNNING');
  await scheduler.waitState('as-nobody', 'TASK_RUNNING');
  const state = await stateAs('ops');
  for (const ex of state.frameworks.flatMap((f) => f.executors)) {
    if (ex.id === 'as-root') sandbox.root = ex.directory;
    if (ex.id === 'as-nobody') sandbox.nobody = ex.directory;
  }
  assert.ok(sandbox.root && sandbox.nobody, 'both sandboxes are listed for ops');
});

after(async () => {
  scheduler?.close();
  await agent?.stop();
  await master?.stop();
});

describe('authentication of the read-only endpoints', () => {
  test("no credentials: 401 with the realm's challenge; a wrong secret: 401; the right one: 200", async () => {
    for (const p of ['/state', '/slave(1)/state', '/state.json', '/flags', '/metrics/snapshot', '/monitor/statistics', '/containers']) {
      const none = await get(p);
      assert.equal(none.status, 401, p);
      assert.equal(none.headers.get('www-authenticate'), 'Basic realm="mesos-agent-readonly"', p);
      assert.match(await none.text(), /the agent's --http_credentials/);
      const wrong = await get(p, { Authorization: basicAuthorization('ops', 'guess') });
      assert.equal(wrong.status, 401, p);
      await wrong.text();
      const right = await get(p, as('ops'));
      assert.equal(right.status, 200, p);
      await right.text();
    }
    const files = await get(`/files/read?path=${encodeURIComponent(`${sandbox.root}/stdout`)}&offset=0`);
    assert.equal(files.status, 401);
    await files.text();
  });

  test('/health and /version stay open', async () => {
    for (const p of ['/health', '/slave(1)/health', '/version']) {
      const res = await get(p);
      assert.equal(res.status, 200, p);
      await res.text();
    }
  });

  test('a preflight is not answered with anything a browser could send credentials on; a read names no credentialed origin', async () => {
    const preflight = await get('/state', { Origin: 'http://evil.example', 'Access-Control-Request-Headers': 'authorization' }, 'OPTIONS');
    assert.equal(preflight.status, 401);
    assert.equal(preflight.headers.get('access-control-allow-headers'), null);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    await preflight.text();
    const read = await get('/state', { ...as('ops'), Origin: 'http://evil.example' });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('access-control-allow-credentials'), null);
    assert.equal(read.headers.get('access-control-allow-origin'), '*');
    await read.text();
  });
});

describe('access_sandboxes and access_mesos_logs', () => {
  const read = async (principal: 'ops' | 'dev', p: string) => {
    const res = await get(`/files/read?path=${encodeURIComponent(p)}&offset=0`, as(principal));
    return { status: res.status, text: await res.text() };
  };

  test("dev reads nobody's sandbox but not root's; ops reads both", async () => {
    const nobody = await waitFor('stdout of as-nobody', async () => {
      const r = await read('dev', `${sandbox.nobody}/stdout`);
      return r.status === 200 && r.text.includes('from-nobody') ? r : undefined;
    });
    assert.equal(nobody.status, 200);
    assert.equal((await read('dev', `${sandbox.root}/stdout`)).status, 403);
    assert.match((await read('ops', `${sandbox.root}/stdout`)).text, /from-root/);
    const browse = await get(`/files/browse?path=${encodeURIComponent(sandbox.root!)}`, as('dev'));
    assert.equal(browse.status, 403);
    await browse.text();
  });

  test("no path around it: the virtual path, '..' from an allowed sandbox", async () => {
    const state = await stateAs('ops');
    const fw = state.frameworks[0]!.id;
    assert.equal((await read('dev', `/frameworks/${fw}/executors/as-root/runs/latest/stdout`)).status, 403);
    assert.equal((await read('dev', `/frameworks/${fw}/executors/as-nobody/runs/latest/stdout`)).status, 200);
    const runDir = path.basename(sandbox.root!);
    const around = `${sandbox.nobody}/../../../as-root/runs/${runDir}/stdout`;
    assert.equal((await read('dev', around)).status, 403);
    assert.match((await read('ops', around)).text, /from-root/);
  });

  test("the agent's log needs access_mesos_logs", async () => {
    assert.equal((await read('dev', '/slave/log')).status, 403);
    assert.equal((await read('ops', '/slave/log')).status, 200);
  });
});

describe('/state, /flags and /containers for a reader with fewer rights', () => {
  test('dev sees the framework and executors but no task, no flags (/flags is 403), only the containers of nobody', async () => {
    const dev = await stateAs('dev');
    const executors = dev.frameworks.flatMap((f) => f.executors);
    assert.deepEqual(executors.map((e) => e.id).sort(), ['as-nobody', 'as-root']);
    assert.deepEqual(
      executors.flatMap((e) => e.tasks),
      [],
    );
    assert.equal(dev.flags, undefined);
    const ops = await stateAs('ops');
    assert.deepEqual(ops.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks.map((t) => t.id))).sort(), ['as-nobody', 'as-root']);
    assert.equal(ops.flags?.authenticate_http_readonly, 'true');
    const flags = await get('/flags', as('dev'));
    assert.equal(flags.status, 403);
    await flags.text();
    const containers = async (principal: 'ops' | 'dev') => {
      const res = await get('/containers', as(principal));
      assert.equal(res.status, 200);
      return ((await res.json()) as { executor_id: string }[]).map((c) => c.executor_id).sort();
    };
    assert.deepEqual(await containers('dev'), ['as-nobody'], 'view_containers');
    assert.deepEqual(await containers('ops'), ['as-nobody', 'as-root']);
    // Under --acls these answer GET only, as Mesos's agent does.
    const post = await get('/slave(1)/monitor/statistics.json', as('ops'), 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    await post.text();
  });
});

describe("through the master's /agent/<id>/ route", () => {
  test("the caller's login is the agent's to check: none gets the agent's 401, dev is refused root's sandbox", async () => {
    const id = (await stateAs('ops')).id;
    const via = (p: string, headers: Record<string, string> = {}) => fetch(`${master.url}/agent/${id}/${p}`, { headers });
    const none = await via('slave(1)/state');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="mesos-agent-readonly"');
    await none.text();
    const ops = await via('slave(1)/state', as('ops'));
    assert.equal(ops.status, 200);
    assert.equal(((await ops.json()) as AgentStateJson).id, id);
    const file = (p: string) => `files/read?path=${encodeURIComponent(p)}&offset=0`;
    const root = await via(file(`${sandbox.root}/stdout`), as('dev'));
    assert.equal(root.status, 403);
    await root.text();
    const nobody = await via(file(`${sandbox.nobody}/stdout`), as('dev'));
    assert.equal(nobody.status, 200);
    assert.match(await nobody.text(), /from-nobody/);
  });
});
