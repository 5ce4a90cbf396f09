// Every endpoint Apache Mesos's web UI (src/webui/app/controllers.js, shared/pailer.html) reads,
// asked the way it asks: JSONP with AngularJS's `angular.callbacks._N` callback, or jQuery's
// `jQuery<digits>_<ms>` plus its `_=` cache buster for the log pailer, on the master and on the
// agent at the URLs the UI builds from the agent's pid (`/slave(1)/...`, and `/files/*` without it).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Daemon, runMesos, startAgent, startMaster, tempDir } from '../helpers/cluster.ts';

const ANGULAR = 'angular.callbacks._0';
const JQUERY = 'jQuery360012345678901234_1700000000000';
const EXTERNAL_LOG = 'I1207 12:00:00.000000 1 agent] written by something else\n';

let master: Daemon;
let agent: Daemon;
let externalLog: string;

before(async () => {
  master = await startMaster(['--hostname=localhost', `--log_dir=${tempDir('master-logs')}`]);
  externalLog = path.join(tempDir('agent-logs'), 'agent.log');
  writeFileSync(externalLog, EXTERNAL_LOG);
  agent = await startAgent(master, ['--hostname=localhost', `--external_log_file=${externalLog}`]);
  const run = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, '--name=webui-task', '--command=echo from-the-sandbox']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

/** GETs `url` with `jsonp=callback` (and `extra`); checks the script and returns its argument. */
async function jsonp<T>(url: string, callback: string, extra = ''): Promise<T> {
  const res = await fetch(`${url}${url.includes('?') ? '&' : '?'}jsonp=${callback}${extra}`);
  const body = await res.text();
  assert.equal(res.status, 200, `${url}: ${body}`);
  assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8', url);
  const prefix = `${callback}(`;
  // libprocess writes `callback(json)`, with no semicolon after.
  assert.ok(body.startsWith(prefix) && body.endsWith(')'), `${url} answered ${body.slice(0, 80)}`);
  return JSON.parse(body.slice(prefix.length, -1)) as T;
}

interface MasterState {
  leader: string;
  pid: string;
  leader_info: { hostname: string; port: number };
  log_dir?: string;
  slaves: { id: string; pid: string; hostname: string }[];
}

test('master: the state, metrics, roles and maintenance polls, and the leader they lead to', async () => {
  const state = await jsonp<MasterState>(`${master.url}/master/state`, ANGULAR);
  assert.equal(state.leader, state.pid);
  // The UI polls again at //leader_info.hostname:port; that must be this master.
  assert.deepEqual([state.leader_info.hostname, state.leader_info.port], ['localhost', master.port]);
  const again = await jsonp<MasterState>(`http://${state.leader_info.hostname}:${state.leader_info.port}/master/state`, ANGULAR);
  assert.equal(again.pid, state.pid);
  assert.ok(state.log_dir, 'log_dir in the state, so the UI offers the LOG link');
  const metrics = await jsonp<Record<string, number>>(`${master.url}/metrics/snapshot`, ANGULAR);
  assert.equal(metrics['master/tasks_finished'], 1);
  assert.ok(Array.isArray((await jsonp<{ roles: unknown[] }>(`${master.url}/master/roles`, ANGULAR)).roles));
  assert.deepEqual(await jsonp(`${master.url}/master/maintenance/schedule`, ANGULAR), {});
  assert.deepEqual(await jsonp(`${master.url}/maintenance/schedule`, ANGULAR), {});
});

test("master: the log pailer reads /master/log through the leader's /files/read", async () => {
  const size = await jsonp<{ offset: number; data: string }>(
    `${master.url}/files/read?path=/master/log&offset=-1&length=-1`,
    JQUERY,
    '&_=1700000000001',
  );
  assert.ok(size.offset > 0, `the master's log has lines (${size.offset} bytes)`);
  assert.equal(size.data, '');
  const page = await jsonp<{ offset: number; data: string }>(
    `${master.url}/files/read?path=/master/log&offset=0&length=4096`,
    JQUERY,
    '&_=1700000000002',
  );
  assert.equal(page.offset, 0);
  assert.match(page.data, /^[IWE]\d{4} /, 'glog-style lines');
  const download = await fetch(`${master.url}/files/download?path=/master/log`);
  assert.equal(download.status, 200);
  assert.ok((await download.text()).startsWith(page.data.slice(0, 20)));
  // Nothing else of the master's disk is reachable.
  assert.equal((await fetch(`${master.url}/files/read?path=/etc/passwd&offset=0`)).status, 404);
});

test("agent: /slave(1)/state and /flags by the pid's name, metrics, sandbox browse and read, /slave/log", async () => {
  const { slaves } = await jsonp<MasterState>(`${master.url}/master/state`, ANGULAR);
  const listed = slaves[0]!;
  assert.equal(listed.hostname, 'localhost');
  // agentURLPrefix(): //hostname:<port of the pid>, and /<pid name> for the agent's own endpoints.
  const port = listed.pid.slice(listed.pid.lastIndexOf(':') + 1);
  const processId = listed.pid.slice(0, listed.pid.indexOf('@'));
  assert.equal(processId, 'slave(1)');
  const bare = `http://${listed.hostname}:${port}`;
  const own = `${bare}/${processId}`;

  type Executor = { id: string; directory: string };
  const state = await jsonp<{ id: string; external_log_file?: string; completed_frameworks: { completed_executors: Executor[] }[] }>(
    `${own}/state`,
    ANGULAR,
  );
  assert.equal(state.id, listed.id);
  assert.equal(state.external_log_file, externalLog);
  assert.equal((await jsonp<{ flags: Record<string, string> }>(`${own}/flags`, ANGULAR)).flags.hostname, 'localhost');
  assert.equal((await jsonp<Record<string, number>>(`${bare}/metrics/snapshot`, ANGULAR))['slave/tasks_finished'], 1);

  const ex = state.completed_frameworks.flatMap((f) => f.completed_executors).find((e) => e.id === 'webui-task');
  assert.ok(ex, 'the task ran on this agent');
  const listing = await jsonp<{ path: string }[]>(`${bare}/files/browse?path=${encodeURIComponent(ex.directory)}`, ANGULAR);
  assert.deepEqual(listing.map((e) => path.basename(e.path)).sort(), ['stderr', 'stdout']);
  const stdout = encodeURIComponent(`${ex.directory}/stdout`);
  const size = await jsonp<{ offset: number }>(`${bare}/files/read?path=${stdout}&offset=-1&length=-1`, JQUERY, '&_=1700000000003');
  assert.equal(size.offset, 'from-the-sandbox\n'.length);
  assert.deepEqual(await jsonp(`${bare}/files/read?path=${stdout}&offset=0&length=${size.offset}`, JQUERY, '&_=1700000000004'), {
    offset: 0,
    data: 'from-the-sandbox\n',
  });
  // --external_log_file is the agent log the UI tails, as in Mesos.
  assert.deepEqual(await jsonp(`${bare}/files/read?path=/slave/log&offset=0&length=4096`, JQUERY, '&_=1700000000005'), {
    offset: 0,
    data: EXTERNAL_LOG,
  });
});
