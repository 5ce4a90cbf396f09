// Authentication with real processes: a master with every --authenticate_* flag on and a
// credentials file, an agent with its --credential. Each realm is tried with the right
// credentials, a wrong secret and none; a fake agent without credentials, and one claiming the
// real agent's id under another principal, are refused while the real agent's task keeps
// running; mesos execute and python-mesos authenticate with a principal and secret.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { fakeRegisterBody } from '../helpers/fake-agent.ts';
import { secretFile } from '../helpers/secret-file.ts';
import {
  ROOT,
  type Daemon,
  freePort,
  runMesos,
  spawnMesos,
  startAgent,
  startMaster,
  stopSupervisor,
  tempDir,
  waitFor,
} from '../helpers/cluster.ts';

const dir = tempDir('auth');
const CREDENTIALS = {
  credentials: [
    { principal: 'ops', secret: 'ops-secret' },
    { principal: 'fw', secret: 'fw-secret' },
    { principal: 'agent', secret: 'agent-secret' },
    { principal: 'intruder', secret: 'intruder-secret' },
  ],
};
const ops = basicAuthorization('ops', 'ops-secret');
const wrong = basicAuthorization('ops', 'not-the-secret');

const file = (name: string, body: unknown) => secretFile(dir, name, body);

let master: Daemon;

function masterArgs(): string[] {
  return [
    `--credentials=file://${file('credentials.json', CREDENTIALS)}`,
    '--authenticate_agents',
    '--authenticate_http_readonly',
    '--authenticate_http_readwrite',
    '--authenticate_http_frameworks',
    '--http_framework_authenticators=basic',
  ];
}
let agent: Daemon;
let agentId = '';

async function get(p: string, authorization?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${master.url}${p}`, {
    ...init,
    headers: { ...(init.headers as object), ...(authorization ? { Authorization: authorization } : {}) },
  });
}

async function opsJson<T>(p: string): Promise<T> {
  const res = await get(p, ops);
  const text = await res.text();
  assert.equal(res.status, 200, `${p}: ${text}`);
  return JSON.parse(text) as T;
}

before(async () => {
  master = await startMaster(masterArgs());
  // startAgent reads /master/slaves to see the agent registered: give it the operator's credential.
  const authed = Object.assign(Object.create(Object.getPrototypeOf(master)) as Daemon, master, {
    json: (p: string) => opsJson(p),
  });
  agent = await startAgent(authed, [
    `--credential=file://${file('agent-credential.json', { principal: 'agent', secret: 'agent-secret' })}`,
  ]);
  agentId = (await agent.json<{ id: string }>('/state')).id;
});

after(async () => {
  await agent?.stop();
  await master?.stop();
});

describe('read-only endpoints (--authenticate_http_readonly)', () => {
  for (const p of [
    '/master/state',
    '/state.json',
    '/master/frameworks',
    '/master/slaves',
    '/master/tasks',
    '/metrics/snapshot',
    '/metrics/prometheus',
    '/files/browse?path=/master/log',
    '/',
  ]) {
    test(`${p}: 401 with the readonly challenge without or with wrong credentials, answered with them`, async () => {
      for (const auth of [undefined, wrong]) {
        const res = await get(p, auth);
        assert.equal(res.status, 401, p);
        assert.equal(res.headers.get('www-authenticate'), 'Basic realm="mesos-master-readonly"');
        await res.text();
      }
      const res = await get(p, ops);
      assert.notEqual(res.status, 401, p);
      await res.text();
    });
  }

  test('/health, /version and /redirect stay open, as in Mesos', async () => {
    for (const p of ['/health', '/version', '/master/health']) {
      const res = await get(p);
      assert.equal(res.status, 200, p);
      await res.text();
    }
    const res = await get('/master/redirect', undefined, { redirect: 'manual' });
    assert.equal(res.status, 307);
  });

  test('the secret shows nowhere in /master/flags, and the master log names no secret', async () => {
    const flags = await opsJson<{ flags: Record<string, string> }>('/master/flags');
    assert.match(flags.flags.credentials ?? '', /credentials\.json$/);
    assert.doesNotMatch(JSON.stringify(flags), /-secret/);
    assert.doesNotMatch(master.output + agent.output, /ops-secret|agent-secret|fw-secret/);
  });
});

describe('read-write endpoints (--authenticate_http_readwrite)', () => {
  test('/master/teardown: 401 with the readwrite challenge, then through to the handler', async () => {
    const post = (auth?: string) =>
      get('/master/teardown', auth, {
        method: 'POST',
        body: 'frameworkId=nope',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    for (const auth of [undefined, wrong, basicAuthorization('nobody', 'x')]) {
      const res = await post(auth);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="mesos-master-readwrite"');
      await res.text();
    }
    const res = await post(ops);
    assert.equal(res.status, 400);
    assert.equal(await res.text(), 'No framework found with specified ID');
    // Spellings express routes to the same handler are guarded the same way.
    const upper = await get('/MASTER/TEARDOWN/', undefined, { method: 'POST', body: 'frameworkId=nope' });
    assert.equal(upper.status, 401);
    await upper.text();
  });
});

/** POSTs a SUBSCRIBE; returns the status, the challenge and the first chunk of the answer. */
async function subscribe(
  auth: string | undefined,
  principal?: string,
): Promise<{ status: number; challenge: string | null; text: string }> {
  const controller = new AbortController();
  const res = await get('/api/v1/scheduler', auth, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'root', name: 'auth-test', ...(principal ? { principal } : {}) } },
    }),
  });
  const reader = res.body!.getReader();
  const first = await reader.read();
  controller.abort();
  return { status: res.status, challenge: res.headers.get('www-authenticate'), text: Buffer.from(first.value ?? []).toString('utf8') };
}

describe('the v1 scheduler API (--authenticate_http_frameworks)', () => {
  test('no credentials or a wrong secret: 401 with the scheduler challenge', async () => {
    for (const auth of [undefined, basicAuthorization('fw', 'wrong')]) {
      const r = await subscribe(auth);
      assert.equal(r.status, 401);
      assert.equal(r.challenge, 'Basic realm="mesos-master-scheduler"');
    }
  });

  test('the right credential subscribes, its principal set in FrameworkInfo', async () => {
    const r = await subscribe(basicAuthorization('fw', 'fw-secret'));
    assert.equal(r.status, 200);
    assert.match(r.text, /"SUBSCRIBED"/);
    await waitFor('the framework with its principal', async () => {
      type Fw = { name: string; principal?: string };
      const state = await opsJson<{ frameworks: Fw[]; completed_frameworks: Fw[] }>('/master/frameworks');
      // The stream was closed after its first event: the framework may be completed already.
      return [...state.frameworks, ...state.completed_frameworks].some((f) => f.name === 'auth-test' && f.principal === 'fw');
    });
  });

  test("a FrameworkInfo naming another principal than the credential's is refused as Mesos does", async () => {
    const r = await subscribe(basicAuthorization('fw', 'fw-secret'), 'ops');
    assert.equal(r.status, 400);
    assert.equal(
      r.text,
      "Failed to validate scheduler::Call: Authenticated principal 'fw' does not match principal 'ops' set in `FrameworkInfo`",
    );
  });
});

/** A REGISTER as an agent sends it, on the streaming request; returns the status and body. */
async function fakeRegister(auth: string | undefined, claimedId?: string, stream = false): Promise<{ status: number; text: string }> {
  const register = fakeRegisterBody(claimedId);
  const controller = new AbortController();
  const res = await get('/master/internal/agent', auth, {
    method: 'POST',
    signal: controller.signal,
    // As the real agent sends it (one request open both ways, RecordIO), or as a single POST.
    headers: { 'Content-Type': stream ? 'application/recordio' : 'application/json' },
    body: stream ? `${Buffer.byteLength(register)}\n${register}` : register,
  });
  const text = res.status === 200 ? '' : await res.text();
  controller.abort();
  return { status: res.status, text };
}

describe('agents (--authenticate_agents)', () => {
  test('a fake agent cannot register without credentials or take over the real agent; its task stays RUNNING', async () => {
    const execute: ChildProcess = spawnMesos([
      'execute',
      `--master=127.0.0.1:${master.port}`,
      '--name=long-task',
      '--command=sleep 120',
      '--resources=cpus:0.1;mem:32',
      '--principal=fw',
      '--secret=fw-secret',
    ]);
    const executeExited = new Promise((r) => execute.once('exit', r));
    try {
      type Tasks = { tasks: Array<{ name: string; state: string; slave_id: string }> };
      const running = async () =>
        (await opsJson<Tasks>('/master/tasks')).tasks.find((t) => t.name === 'long-task' && t.state === 'TASK_RUNNING');
      await waitFor('the task running', running, 30_000);

      for (const auth of [undefined, basicAuthorization('agent', 'wrong')]) {
        const r = await fakeRegister(auth);
        assert.equal(r.status, 401);
      }
      const noCredsClaim = await fakeRegister(undefined, agentId);
      assert.equal(noCredsClaim.status, 401);
      for (const stream of [false, true]) {
        const claim = await fakeRegister(basicAuthorization('intruder', 'intruder-secret'), agentId, stream);
        assert.equal(claim.status, 403, `stream: ${stream}`);
        assert.match(claim.text, /was registered by another principal; 'intruder' may not re-register it/);
      }

      // Another principal's agent is a new agent, never the real one.
      await new Promise((r) => setTimeout(r, 1500));
      const task = await running();
      assert.ok(task, 'the real agent lost its task');
      assert.equal(task.slave_id, agentId);
      const slaves = await opsJson<{ slaves: Array<{ id: string; active: boolean }> }>('/master/slaves');
      assert.ok(slaves.slaves.find((s) => s.id === agentId)?.active);
    } finally {
      execute.kill('SIGINT');
      await executeExited;
    }
  });

  test("after a master restart the agent's id is still its principal's alone", async () => {
    await master.stop();
    master = await startMaster(masterArgs(), {}, { port: master.port, workDir: master.workDir });
    const claim = await fakeRegister(basicAuthorization('intruder', 'intruder-secret'), agentId);
    assert.equal(claim.status, 403);
    await waitFor('the real agent re-registered', async () => {
      const slaves = await opsJson<{ slaves: Array<{ id: string; active: boolean }> }>('/master/slaves');
      return slaves.slaves.some((a) => a.id === agentId && a.active);
    });
  });

  test('an agent without --credential is refused and says so', async () => {
    const workDir = tempDir('auth-agent');
    const proc = spawnMesos([
      'agent',
      '--ip=127.0.0.1',
      `--port=${await freePort()}`,
      `--master=127.0.0.1:${master.port}`,
      `--work_dir=${workDir}`,
      `--runtime_dir=${workDir}/run`,
    ]);
    const exited = new Promise((r) => proc.once('exit', r));
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    try {
      await waitFor(
        'the refusal in the agent log',
        async () => {
          if (proc.exitCode !== null) throw new Error(`the agent exited: ${output}`);
          return /Master refused registration \(HTTP 401\)/.test(output);
        },
        20_000,
      );
    } finally {
      proc.kill('SIGTERM');
      await exited;
      await stopSupervisor(`${workDir}/run`);
    }
  });
});

describe('clients', () => {
  test('mesos execute with --principal and --secret runs a task; without them it fails in one clear line', async () => {
    const master127 = `--master=127.0.0.1:${master.port}`;
    const ok = await runMesos([
      'execute',
      master127,
      '--name=authed',
      '--command=true',
      '--resources=cpus:0.1;mem:32',
      '--principal=fw',
      '--secret=fw-secret',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /TASK_FINISHED/);
    const refused = await runMesos(['execute', master127, '--name=anon', '--command=true', '--resources=cpus:0.1;mem:32']);
    assert.equal(refused.code, 1);
    const lines = refused.stderr.trim().split('\n');
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0]!, /refused the subscription \(HTTP 401\).*pass --principal and --secret/);
    const wrongSecret = await runMesos(['execute', master127, '--name=bad', '--command=true', '--principal=fw', '--secret=nope']);
    assert.equal(wrongSecret.code, 1);
    assert.match(wrongSecret.stderr, /HTTP 401.*check --principal and --secret/);
  });

  const noPython = spawnSync('python3', ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 6) else 1)']).status !== 0;
  test('python-mesos subscribes with principal= and secret=, and is refused with a wrong secret', {
    skip: noPython && 'python3 (3.6 or newer) is not available',
  }, async () => {
    const script = `
import getpass, sys
from mesos.scheduler import Scheduler, SchedulerClient
class H(Scheduler):
    pass
client = SchedulerClient(sys.argv[1], {"user": getpass.getuser(), "name": "py-auth"}, H(), reconnect=False,
                         principal="fw", secret=sys.argv[2], timeout=5.0)
client.start()
ok = client.wait_subscribed(10)
print("SUBSCRIBED" if ok else "REFUSED: %s" % client.last_error)
client.stop(teardown=True)
`;
    const runPy = (secret: string) =>
      new Promise<string>((resolve) => {
        const child = spawn('python3', ['-c', script, `127.0.0.1:${master.port}`, secret], {
          cwd: path.join(ROOT, 'clients', 'python'),
          env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.once('close', () => resolve(out));
      });
    assert.match(await runPy('fw-secret'), /^SUBSCRIBED$/m);
    assert.match(await runPy('wrong'), /REFUSED: .*401/);
  });

  const noJava = ['javac', 'java'].some((tool) => spawnSync(tool, ['-version']).status !== 0);
  test('mesos-java: HelloScheduler with --principal and --secret runs its task; with a wrong secret it fails', {
    skip: noJava && 'a JDK is not available',
  }, async () => {
    const out = tempDir('auth-java');
    const build = spawnSync('sh', [path.join(ROOT, 'clients', 'java', 'build.sh'), out], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(build.status, 0, build.stderr);
    const hello = (secret: string) =>
      spawnSync(
        'java',
        [
          '-cp',
          `${out}/mesos.jar:${out}/test-classes`,
          'HelloScheduler',
          `--master=127.0.0.1:${master.port}`,
          '--command=echo hello-java',
          '--principal=fw',
          `--secret=${secret}`,
          '--timeout=20',
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
    const ok = hello('fw-secret');
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /TASK_FINISHED/);
    const refused = hello('wrong');
    assert.notEqual(refused.status, 0);
    assert.doesNotMatch(refused.stdout, /TASK_FINISHED/);
  });
});
