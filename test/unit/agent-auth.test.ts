// Authentication and authorization of the agent's own endpoints, the parts without sockets: its
// realms, its flags, which ACL action guards which endpoint, access_sandboxes on the real paths
// /files resolves to, and /state as a reader with fewer rights sees it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import express, { type Request } from 'express';
import { AGENT_REALM_NAMES, agentCanonicalPath, agentRealmOf } from '../../daemons/agent/endpoint-realms.ts';
import { agentAuthFromFlags, agentEndpointAllowed } from '../../daemons/agent/http-auth.ts';
import { sandboxAuthorizer, sandboxScope } from '../../daemons/agent/sandbox-access.ts';
import { agentStateJson } from '../../daemons/agent/state-json.ts';
import { parseAcls } from '../../daemons/common/authorizer/acls.ts';
import { LocalAuthorizer } from '../../daemons/common/authorizer/local.ts';
import { viewerFor } from '../../daemons/common/authorizer/views.ts';
import { AttachedPaths, type Found, filesRouter } from '../../daemons/common/files.ts';
import type { FrameworkInfo, TaskInfo } from '../../daemons/common/mesos.ts';
import type { AgentStateJson } from '../../daemons/common/state-types.ts';
import { secretFile } from '../helpers/secret-file.ts';
import { agentHarness } from './agent-harness.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-auth-unit-'));
const file = (name: string, text: string, mode?: number) => secretFile(dir, name, text, mode);

function authorizer(json: unknown): LocalAuthorizer {
  const parsed = parseAcls(json);
  if (!parsed.ok) throw new Error(parsed.error);
  return new LocalAuthorizer(parsed.value);
}

describe("the agent's realms (Slave::initialize's routes)", () => {
  test('/health, /version and the executor API are open, under any prefix or spelling', () => {
    for (const url of [
      '/health',
      '/slave(1)/health',
      '/slave%281%29/health/',
      '/version',
      '/api/v1/executor',
      '/agent(1)/api/v1/executor',
    ]) {
      assert.equal(agentRealmOf(url), undefined, url);
    }
  });
  test('the readers are read-only, however they are spelt; the operator API and /logging/toggle read-write', () => {
    for (const url of [
      '/state',
      '/state.json',
      '/slave(1)/state',
      '/STATE/',
      '//%73tate',
      '/flags',
      '/files/read?path=/x',
      '/metrics/snapshot',
    ]) {
      assert.equal(agentRealmOf(url), 'readonly', url);
    }
    assert.equal(agentRealmOf('/monitor/statistics.json'), 'readonly');
    assert.equal(agentRealmOf('/no/such/route'), 'readonly', 'a path not known is never open');
    assert.equal(agentRealmOf('/api/v1'), 'readwrite');
    assert.equal(agentRealmOf('/slave(1)/logging/toggle'), 'readwrite');
    assert.equal(agentCanonicalPath('/slave(1)/files//read/?path=/x'), '/files/read');
  });
  test("Mesos's realm names", () => {
    assert.deepEqual(AGENT_REALM_NAMES, { readonly: 'mesos-agent-readonly', readwrite: 'mesos-agent-readwrite' });
  });
});

describe('agentAuthFromFlags', () => {
  const base = { authenticate_http_readonly: false, authenticate_http_readwrite: false };
  const creds = file('http-creds.json', '{"credentials": [{"principal": "ops", "secret": "s"}]}');

  test('nothing switched on: no gate, though a given file is read', () => {
    const r = agentAuthFromFlags(base);
    assert.ok(r.ok && r.value.auth === undefined);
    const bad = agentAuthFromFlags({ ...base, http_credentials: path.join(dir, 'absent') });
    assert.ok(!bad.ok);
    assert.match(bad.error, /^--http_credentials=.*cannot read the file \(ENOENT\)/);
  });

  test("each flag switches on its realm; a refusal names the realm and the agent's --http_credentials", () => {
    const r = agentAuthFromFlags({ ...base, authenticate_http_readonly: true, http_credentials: creds });
    assert.ok(r.ok);
    const auth = r.value.auth;
    assert.ok(auth);
    assert.deepEqual([...auth.realms], ['readonly']);
    const refused = auth.authenticator.authenticate(undefined, auth.realmNames.readonly);
    assert.ok(!refused.ok);
    assert.equal(refused.challenge, 'Basic realm="mesos-agent-readonly"');
    assert.match(refused.message, /in the agent's --http_credentials/);
    assert.ok(auth.authenticator.authenticate(`Basic ${Buffer.from('ops:s').toString('base64')}`, 'x').ok);
  });

  test('what cannot work is refused in one line; a world-readable file is warned about', () => {
    const none = agentAuthFromFlags({ ...base, authenticate_http_readonly: true, authenticate_http_readwrite: true });
    assert.ok(!none.ok);
    assert.match(none.error, /^--authenticate_http_readonly, --authenticate_http_readwrite needs --http_credentials=file:\/\//);
    const module = agentAuthFromFlags({ ...base, http_authenticators: 'basic,custom' });
    assert.ok(!module.ok);
    assert.match(module.error, /--http_authenticators=basic,custom: only 'basic' and 'jwt' are built in/);
    assert.ok(agentAuthFromFlags({ ...base, http_authenticators: 'basic,jwt' }).ok);
    const open = file('open-creds.json', '{"credentials": [{"principal": "ops", "secret": "s"}]}', 0o644);
    const warned = agentAuthFromFlags({ ...base, authenticate_http_readonly: true, http_credentials: open });
    assert.ok(warned.ok);
    assert.match(warned.value.warnings[0] ?? '', /--http_credentials=.*readable by every user/);
  });
});

describe("the ACL action guarding each of the agent's endpoints", () => {
  const a = authorizer({
    get_endpoints: [
      { principals: { values: ['ops'] }, paths: { type: 'ANY' } },
      { principals: { type: 'NONE' }, paths: { type: 'ANY' } },
    ],
    view_flags: [{ principals: { type: 'NONE' }, flags: { type: 'ANY' } }],
    access_mesos_logs: [
      { principals: { values: ['ops'] }, logs: { type: 'ANY' } },
      { principals: { type: 'NONE' }, logs: { type: 'ANY' } },
    ],
  });
  test('get_endpoints for a GET of /metrics/snapshot, /monitor/statistics, /containers, /files/debug', () => {
    for (const p of ['/metrics/snapshot', '/monitor/statistics', '/containers', '/containerizer/debug', '/files/debug']) {
      assert.equal(agentEndpointAllowed(a, 'GET', p, 'ops'), true, p);
      assert.equal(agentEndpointAllowed(a, 'GET', p, 'dev'), false, p);
    }
    assert.equal(agentEndpointAllowed(a, 'GET', '/monitor/statistics.json', 'dev'), false, 'checked as /monitor/statistics');
    assert.equal(agentEndpointAllowed(a, 'GET', '/state', 'dev'), true, '/state is filtered, not refused');
    assert.equal(agentEndpointAllowed(a, 'GET', '/health', undefined), true);
  });
  test("view_flags for /flags, access_mesos_logs for the agent's log", () => {
    assert.equal(agentEndpointAllowed(a, 'GET', '/flags', 'ops'), false);
    assert.equal(agentEndpointAllowed(a, 'GET', '/files/read', 'dev', '/slave/log'), false);
    assert.equal(agentEndpointAllowed(a, 'GET', '/files/download', 'ops', '//slave/./log'), true);
    assert.equal(agentEndpointAllowed(a, 'GET', '/files/read', 'dev', '/master/log'), true, "not the agent's");
  });
});

describe('access_sandboxes', () => {
  const slaves = '/var/lib/mesos/slaves';
  const run = `${slaves}/A/frameworks/F/executors/E/runs/C`;

  test('sandboxScope: the framework and executor a real path belongs to, and the directory to stay in', () => {
    assert.deepEqual(sandboxScope(`${run}/stdout`, slaves), { frameworkId: 'F', executorId: 'E', root: run });
    assert.deepEqual(sandboxScope(run, slaves), { frameworkId: 'F', executorId: 'E', root: run });
    assert.deepEqual(sandboxScope(`${slaves}/A/frameworks/F/executors/E/runs`, slaves), {
      frameworkId: 'F',
      executorId: 'E',
      root: `${slaves}/A/frameworks/F/executors/E`,
    });
    assert.deepEqual(sandboxScope(`${slaves}/A/frameworks/F`, slaves), { frameworkId: 'F', root: `${slaves}/A/frameworks/F` });
    assert.deepEqual(sandboxScope(`${slaves}/A`, slaves), { root: slaves });
    assert.equal(sandboxScope('/var/log/mesos/agent.log', slaves), undefined);
    assert.equal(sandboxScope('/var/lib/mesos/slaves2/x', slaves), undefined);
  });

  test("the object is the executor's user; ANY when the framework is unknown; the root narrows to the sandbox", () => {
    const a = authorizer({
      access_sandboxes: [
        { principals: { values: ['ops'] }, users: { type: 'ANY' } },
        { principals: { values: ['dev'] }, users: { values: ['alice'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
    });
    const users: Record<string, string> = { 'F/E': 'alice', 'F/R': 'root' };
    const check = sandboxAuthorizer(a, slaves, (fw, ex) => users[`${fw}/${ex}`]);
    const as = (principal: string | undefined) => ({ principal }) as unknown as Request;
    const found = { path: `${run}/stdout`, root: slaves };
    assert.deepEqual(check(as('dev'), found), { path: found.path, root: run });
    assert.equal(check(as('dev'), { path: `${slaves}/A/frameworks/F/executors/R/runs/C/stdout`, root: slaves }), undefined);
    assert.equal(check(as(undefined), found), undefined);
    assert.ok(check(as('ops'), { path: `${slaves}/A/frameworks/X/executors/Y/runs/Z/stdout`, root: slaves }));
    assert.equal(check(as('dev'), { path: `${slaves}/A/frameworks/X/executors/Y/runs/Z/stdout`, root: slaves }), undefined);
    const log = { path: '/var/log/mesos/agent.log', root: '/var/log/mesos/agent.log' };
    assert.equal(check(as('dev'), log), log, 'the log is guarded by access_mesos_logs before routing');
  });
});

describe("the agent's /state for a reader", () => {
  const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'alice', checkpoint: true };
  const task = (id: string, user?: string): TaskInfo => ({
    name: id,
    task_id: { value: id },
    agent_id: { value: 'agent-1' },
    command: { value: 'sleep 1', ...(user ? { user } : {}) },
    resources: [],
  });

  test('frameworks, executors and tasks as view_frameworks, view_executors and view_tasks allow; flags with view_flags', async () => {
    const h = agentHarness();
    await h.agent.runTask(FW, task('mine'));
    await h.agent.runTask(FW, task('roots', 'root'));
    const a = authorizer({
      view_frameworks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
      view_executors: [
        { principals: { values: ['dev'] }, users: { values: ['alice'] } },
        { principals: { values: ['ops'] }, users: { type: 'ANY' } },
      ],
      view_tasks: [
        { principals: { values: ['ops'] }, users: { values: ['alice'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
      view_flags: [{ principals: { values: ['ops'] }, flags: { type: 'ANY' } }],
      permissive: false,
    });
    const as = (principal: string | undefined): AgentStateJson =>
      JSON.parse(
        JSON.stringify(
          agentStateJson({ agent: h.agent, flags: { log_dir: '/var/log/mesos' }, buildTime: 0, viewer: viewerFor(a, principal) }),
        ),
      );
    const executors = (s: AgentStateJson) => s.frameworks.flatMap((f) => f.executors.map((e) => e.id)).sort();
    const tasks = (s: AgentStateJson) =>
      s.frameworks.flatMap((f) => f.executors.flatMap((e) => [...e.tasks, ...e.queued_tasks].map((t) => t.id)));

    const dev = as('dev');
    assert.deepEqual(executors(dev), ['mine'], "a command executor is the task's user's: root's is hidden from dev");
    assert.deepEqual(tasks(dev), [], 'dev has no view_tasks');
    assert.equal(dev.flags, undefined);
    assert.equal(dev.log_dir, undefined);

    const ops = as('ops');
    assert.deepEqual(executors(ops), ['mine', 'roots']);
    assert.deepEqual(tasks(ops), ['mine'], "only alice's tasks");
    assert.deepEqual(ops.flags, { log_dir: '/var/log/mesos' });
    assert.equal(ops.log_dir, '/var/log/mesos');

    assert.deepEqual(as(undefined).frameworks.length, 1, 'view_frameworks ANY lets an anonymous reader see the framework');
    const all = JSON.parse(JSON.stringify(agentStateJson({ agent: h.agent, flags: {}, buildTime: 0 }))) as AgentStateJson;
    assert.deepEqual(tasks(all).sort(), ['mine', 'roots'], 'without --acls everything');
  });
});

describe("/files with a check of the resolved path (the agent's access_sandboxes)", () => {
  test('a refused path is a bare 403 on every endpoint; what is served stays under the root the check narrowed it to', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'agent-auth-files-'));
    mkdirSync(path.join(root, 'a'));
    mkdirSync(path.join(root, 'b'));
    writeFileSync(path.join(root, 'a', 'out'), 'from a');
    writeFileSync(path.join(root, 'b', 'out'), 'from b');
    const paths = new AttachedPaths();
    paths.attach(root, '/work');
    // Refuses b; keeps what it allows in a, except a/odd, given root b as if a swap had moved it:
    // what is opened must be under the root the check gave.
    const check = (_req: Request, found: Found): Found | undefined =>
      found.path.startsWith(path.join(root, 'b'))
        ? undefined
        : { path: found.path, root: path.join(root, found.path.endsWith('odd') ? 'b' : 'a') };
    writeFileSync(path.join(root, 'a', 'odd'), 'outside the narrowed root');
    const app = express();
    app.use(filesRouter(paths, undefined, check));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const get = async (p: string) => {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`);
      return { status: res.status, text: await res.text() };
    };
    try {
      for (const endpoint of ['browse', 'read', 'download']) {
        assert.deepEqual(await get(`/files/${endpoint}?path=/work/b/out&offset=0`), { status: 403, text: '' }, endpoint);
      }
      assert.deepEqual(await get('/files/browse?path=/work/b'), { status: 403, text: '' });
      assert.match((await get('/files/read?path=/work/a/out&offset=0')).text, /from a/);
      assert.equal((await get('/files/download?path=/work/a/out')).text, 'from a');
      assert.equal((await get('/files/read?path=/work/a/odd&offset=0')).status, 400, 'opened outside the root the check gave');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
