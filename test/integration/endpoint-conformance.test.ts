// The read-only endpoints of master and agent answer what Apache Mesos 1.11 answers, for the
// requests existing tools send: /master/tasks paging (the Mesos CLI's `task list`), /files/*
// (files.cpp), /metrics/snapshot's timeout, /master/teardown, and the fields of the state
// endpoints. Each test states the Mesos source it follows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Daemon, runMesos, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

let master: Daemon;
let agent: Daemon;
const masterLogDir = tempDir('master-log');

before(async () => {
  master = await startMaster([`--log_dir=${masterLogDir}`]);
  agent = await startAgent(master);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

async function execute(name: string, command: string, extra: string[] = []): Promise<void> {
  const res = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, `--name=${name}`, `--command=${command}`, ...extra]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
}

async function get(daemon: Daemon, p: string): Promise<{ status: number; text: string; bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${daemon.url}${p}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: bytes.toString('utf8'), bytes, headers: res.headers };
}

interface AgentState {
  id: string;
  frameworks: { id: string; executors: { id: string; directory: string }[]; completed_executors: { id: string; directory: string }[] }[];
  completed_frameworks: AgentState['frameworks'];
}

/** The sandbox and framework of the executor that ran `taskId` (a command task's executor has its id). */
async function sandboxOf(taskId: string): Promise<{ directory: string; frameworkId: string; agentId: string }> {
  const state = await agent.json<AgentState>('/state');
  for (const fw of [...state.frameworks, ...state.completed_frameworks]) {
    const ex = [...fw.executors, ...fw.completed_executors].find((e) => e.id === taskId);
    if (ex) return { directory: ex.directory, frameworkId: fw.id, agentId: state.id };
  }
  throw new Error(`no executor of ${taskId} in the agent's /state`);
}

const enc = encodeURIComponent;

interface TaskJson {
  id: string;
  statuses: { timestamp: number }[];
}

// First in the file: it counts every task the master knows.
test('/master/tasks never refuses limit, offset or order: it falls back as readonly_handler.cpp does', async () => {
  for (const name of ['paged-1', 'paged-2', 'paged-3']) await execute(name, 'true');
  const first = (t: TaskJson) => t.statuses[0]!.timestamp;

  // The Mesos CLI's `mesos task list` sends exactly this: every task, oldest first.
  const all = await get(master, '/master/tasks?limit=-1&order=asc');
  assert.equal(all.status, 200, all.text);
  const asc = (JSON.parse(all.text) as { tasks: TaskJson[] }).tasks;
  assert.deepEqual(
    asc.map((t) => t.id),
    ['paged-1', 'paged-2', 'paged-3'],
  );
  assert.ok(first(asc[0]!) <= first(asc[1]!) && first(asc[1]!) <= first(asc[2]!));

  // Unparsable numbers and unknown orders: the defaults (100, 0, descending).
  for (const q of ['limit=abc', 'limit=abc&offset=xyz&order=xyz', 'limit=1.5&order=DESC', 'offset=&limit=']) {
    const r = await get(master, `/master/tasks?${q}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.deepEqual(
      (JSON.parse(r.text) as { tasks: TaskJson[] }).tasks.map((t) => t.id),
      ['paged-3', 'paged-2', 'paged-1'],
      q,
    );
  }
  // A negative offset is a huge unsigned one: nothing. A page in the middle, ascending.
  assert.deepEqual(await master.json('/master/tasks?offset=-1'), { tasks: [] });
  const middle = await master.json<{ tasks: TaskJson[] }>('/master/tasks?order=asc&offset=1&limit=1');
  assert.deepEqual(
    middle.tasks.map((t) => t.id),
    ['paged-2'],
  );
});

test('/files/read: offset and length, the 64 KiB cap, raw bytes, and the 400/404 texts of files.cpp', async () => {
  await execute('read-files', "printf 'caf\\303\\251' > utf; head -c 70000 /dev/zero | tr '\\0' x > big; mkdir sub");
  const { directory } = await sandboxOf('read-files');
  const read = (q: string) => get(agent, `/files/read?${q}`);
  const big = enc(path.join(directory, 'big'));

  // No offset (the web UI's first call sends offset=-1): only the size.
  assert.deepEqual(JSON.parse((await read(`path=${big}`)).text), { offset: 70_000, data: '' });
  assert.deepEqual(JSON.parse((await read(`path=${big}&offset=-1&length=10`)).text), { offset: 70_000, data: '' });
  // To the end means at most 16 pages; so does a longer length.
  for (const q of [`path=${big}&offset=0`, `path=${big}&offset=0&length=-1`, `path=${big}&offset=0&length=100000`]) {
    const r = JSON.parse((await read(q)).text) as { offset: number; data: string };
    assert.equal(r.offset, 0, q);
    assert.equal(r.data.length, 65_536, q);
  }
  assert.equal((JSON.parse((await read(`path=${big}&offset=65536`)).text) as { data: string }).data.length, 70_000 - 65_536);
  // Past the end: nothing, at the offset asked.
  assert.deepEqual(JSON.parse((await read(`path=${big}&offset=999999&length=5`)).text), { offset: 999_999, data: '' });

  // A read that ends inside a UTF-8 character carries its bytes as they are.
  const utf = enc(path.join(directory, 'utf'));
  const head = await read(`path=${utf}&offset=0&length=4`);
  assert.deepEqual([...head.bytes.subarray(head.bytes.length - 4)], [0x66, 0xc3, 0x22, 0x7d], 'f, the first byte of é, "}');
  const tail = await read(`path=${utf}&offset=4&length=4`);
  assert.ok(tail.bytes.includes(Buffer.from([0x22, 0xa9, 0x22])), 'the second byte of é alone');

  // Errors, with Mesos's status codes and texts.
  const expectError = async (q: string, status: number, text: string) => {
    const r = await read(q);
    assert.equal(r.status, status, q);
    assert.equal(r.text, text, q);
  };
  await expectError('offset=0', 400, "Expecting 'path=value' in query.\n");
  await expectError('path=&offset=0', 400, "Expecting 'path=value' in query.\n");
  await expectError(`path=${big}&offset=abc`, 400, "Failed to parse offset: Failed to convert 'abc' to number.\n");
  await expectError(`path=${big}&offset=-2`, 400, 'Negative offset provided: -2.\n');
  await expectError(`path=${big}&offset=0&length=x`, 400, "Failed to parse length: Failed to convert 'x' to number.\n");
  await expectError(`path=${big}&offset=0&length=-5`, 400, 'Negative length provided: -5.\n');
  await expectError(`path=${enc(path.join(directory, 'missing'))}&offset=0`, 404, '');
  await expectError(`path=${enc(path.join(directory, 'sub'))}&offset=0`, 400, 'Cannot read a directory.\n');
  await expectError('path=/etc/passwd&offset=0', 404, '');
  // Enough .. to reach /, then a file that exists: refused; a missing one would be 404.
  const outside = await read(`path=${enc(`${directory}/${'../'.repeat(30)}etc/passwd`)}&offset=0`);
  assert.equal(outside.status, 400);
  assert.match(outside.text, /^'.*\/etc\/passwd' is inaccessible\.\n$/);
  symlinkSync('/etc/passwd', path.join(directory, 'evil'));
  assert.equal((await read(`path=${enc(path.join(directory, 'evil'))}&offset=0`)).status, 400);
});

test('/files/browse lists as files.cpp: stat of each entry, owner names, the path as asked; a file lists nothing', async () => {
  await execute('browse-files', 'mkdir sub; printf note > notes.txt; ln -s sub sublink; ln -s nowhere dangling');
  const { directory } = await sandboxOf('browse-files');
  type Entry = { path: string; mode: string; uid: string; gid: string; size: number; nlink: number; mtime: number };
  const listing = JSON.parse((await get(agent, `/files/browse?path=${enc(`${directory}/`)}`)).text) as Entry[];
  assert.deepEqual(
    listing.map((e) => e.path),
    ['notes.txt', 'stderr', 'stdout', 'sub', 'sublink'].map((n) => `${directory}/${n}`),
    'sorted, the dangling symlink left out, one trailing slash of the request taken off',
  );
  const byName = (n: string) => listing.find((e) => e.path.endsWith(`/${n}`))!;
  assert.equal(byName('sublink').mode[0], 'd', 'a symlink is listed as what it points to');
  assert.equal(byName('notes.txt').size, 4);
  // The agent runs tasks as the user it runs as here: names, not numbers, as getpwuid gives.
  assert.equal(byName('notes.txt').uid, userInfo().username);
  assert.equal(byName('notes.txt').gid, execFileSync('id', ['-gn']).toString().trim());
  const file = await get(agent, `/files/browse?path=${enc(path.join(directory, 'notes.txt'))}`);
  assert.equal(file.status, 200);
  assert.equal(file.text, '[]');
  const missing = await get(agent, `/files/browse?path=${enc(path.join(directory, 'nothing'))}`);
  assert.deepEqual([missing.status, missing.text], [404, '']);
  const none = await get(agent, '/files/browse');
  assert.deepEqual([none.status, none.text], [400, "Expecting 'path=value' in query.\n"]);
});

test("/files/download: Mesos's headers, 404 and 400 texts", async () => {
  await execute('download-files', 'printf note > notes.txt; mkdir sub');
  const { directory } = await sandboxOf('download-files');
  const notes = await get(agent, `/files/download?path=${enc(path.join(directory, 'notes.txt'))}`);
  assert.equal(notes.status, 200);
  assert.equal(notes.text, 'note');
  assert.equal(notes.headers.get('content-type'), 'text/plain');
  assert.equal(notes.headers.get('content-disposition'), 'attachment; filename=notes.txt');
  assert.equal(notes.headers.get('content-length'), '4');
  const stdout = await get(agent, `/files/download?path=${enc(path.join(directory, 'stdout'))}`);
  assert.equal(stdout.headers.get('content-type'), 'application/octet-stream');
  const missing = await get(agent, `/files/download?path=${enc(path.join(directory, 'nothing'))}`);
  assert.deepEqual([missing.status, missing.text], [404, '404 Not Found.']);
  const dir = await get(agent, `/files/download?path=${enc(path.join(directory, 'sub'))}`);
  assert.deepEqual([dir.status, dir.text], [400, 'Cannot download a directory.\n']);
});

test("/files/debug lists the attachments: a sandbox under Mesos's latest-run paths, and the master's log", async () => {
  await execute('debug-files', 'echo latest');
  const { directory, frameworkId, agentId } = await sandboxOf('debug-files');
  const debug = await agent.json<Record<string, string>>('/files/debug');
  const virtual = `/frameworks/${frameworkId}/executors/debug-files/runs/latest`;
  assert.equal(debug[virtual], directory);
  assert.equal(debug[path.join(agent.workDir, 'slaves', agentId, virtual)], directory);
  for (const latest of [virtual, path.join(agent.workDir, 'slaves', agentId, virtual)]) {
    assert.equal((await agent.json<{ data: string }>(`/files/read?path=${enc(`${latest}/stdout`)}&offset=0`)).data, 'latest\n', latest);
  }

  // The master serves its log file as /master/log, which Mesos's web UI reads.
  const masterLog = path.join(masterLogDir, 'mesos-master.INFO');
  assert.ok(existsSync(masterLog));
  assert.deepEqual(await master.json('/files/debug'), { '/master/log': masterLog });
  const size = await master.json<{ offset: number }>('/files/read?path=/master/log');
  assert.ok(size.offset > 0);
  const log = await master.json<{ data: string }>('/files/read?path=/master/log&offset=0');
  assert.match(log.data, /master/i);
});

test('/metrics/snapshot refuses a timeout that is not a duration, as libprocess does', async () => {
  for (const daemon of [master, agent]) {
    const bad = await get(daemon, '/metrics/snapshot?timeout=abc');
    assert.equal(bad.status, 400, daemon.name);
    assert.match(bad.text, /^Invalid timeout 'abc': .+\.\n$/);
    const good = await get(daemon, '/metrics/snapshot?timeout=5secs');
    assert.equal(good.status, 200, daemon.name);
    assert.equal(typeof (JSON.parse(good.text) as Record<string, number>)['system/cpus_total'], 'number');
  }
});

test('/master/teardown: POST only (405), the body read as a query string whatever its type, texts of http.cpp', async () => {
  const s = new TestScheduler(master.port);
  try {
    const id = await s.subscribe({ name: 'to-tear-down' });
    const teardown = async (init: RequestInit) => {
      const res = await fetch(`${master.url}/master/teardown`, init);
      return { status: res.status, text: await res.text(), allow: res.headers.get('allow') };
    };
    assert.deepEqual(await teardown({ method: 'GET' }), {
      status: 405,
      text: "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.",
      allow: 'POST',
    });
    const post = (body: string) => teardown({ method: 'POST', body: Buffer.from(body) });
    assert.deepEqual(await post(''), { status: 400, text: "Missing 'frameworkId' query parameter in the request body", allow: null });
    assert.deepEqual(await post('frameworkId=nope'), { status: 400, text: 'No framework found with specified ID', allow: null });
    assert.equal((await post('frameworkId=%zz')).status, 400);
    assert.match((await post('frameworkId=%zz')).text, /^Unable to decode query string: Malformed % escape/);
    // No Content-Type at all (curl --data-binary with -H 'Content-Type:'): still read.
    assert.deepEqual(await post(`other=1;frameworkId=${id}`), { status: 200, text: '', allow: null });
    await waitFor('the framework completed', async () => {
      const f = await master.json<{ frameworks: { id: string }[]; completed_frameworks: { id: string }[] }>(
        `/master/frameworks?framework_id=${id}`,
      );
      return f.frameworks.length === 0 && f.completed_frameworks.length === 1;
    });
  } finally {
    s.client.close();
  }
});

test('state endpoints carry the fields readonly_handler.cpp writes: role/roles, no pid, resources, offer_constraints, full resources, summaries, role quantities', async () => {
  const multi = new TestScheduler(master.port);
  const plain = new TestScheduler(master.port);
  try {
    const multiId = await multi.subscribe({
      name: 'multi-role',
      roles: ['a', 'b'],
      capabilities: [{ type: 'MULTI_ROLE' }],
      principal: 'ops',
    });
    await multi.nextOffer();
    const plainId = await plain.subscribe({ name: 'plain' });
    type Fw = Record<string, unknown> & {
      resources: { cpus: number };
      used_resources: { cpus: number };
      offered_resources: { cpus: number };
    };
    const fw = async (id: string) => (await master.json<{ frameworks: Fw[] }>(`/master/frameworks?framework_id=${id}`)).frameworks[0]!;
    const m = await fw(multiId);
    assert.deepEqual(m.roles, ['a', 'b']);
    assert.equal('role' in m, false, 'a MULTI_ROLE framework has roles only');
    assert.equal('pid' in m, false, 'HTTP frameworks have no pid');
    assert.equal(m.principal, 'ops');
    assert.deepEqual(m.offer_constraints, {});
    assert.ok(m.offered_resources.cpus > 0, 'it holds an offer');
    assert.equal(m.resources.cpus, m.used_resources.cpus + m.offered_resources.cpus, 'resources = used + offered');
    // The query decoded as libprocess decodes it: ';' separates, the last repeat wins.
    const last = await master.json<{ frameworks: Fw[] }>(`/master/frameworks?framework_id=nope;framework_id=${multiId}`);
    assert.deepEqual(
      last.frameworks.map((f) => f.id),
      [multiId],
    );
    const p = await fw(plainId);
    assert.equal(p.role, '*');
    assert.equal('roles' in p, false);

    const state = await master.json<{ slaves: Record<string, unknown>[] }>('/master/state');
    const slaves = await master.json<{ slaves: Record<string, unknown>[] }>(`/master/slaves?slave_id=${String(state.slaves[0]!.id)}`);
    assert.equal('unreserved_resources_full' in state.slaves[0]!, false, '/master/state lists agents without the full resources');
    assert.ok(Array.isArray(slaves.slaves[0]!.unreserved_resources_full), '/master/slaves lists them');
    assert.deepEqual(slaves.slaves[0]!.reserved_resources_full, {});
    assert.equal(state.slaves[0]!.deactivated, false);

    const summary = await master.json<
      { slaves: Record<string, unknown>[]; frameworks: Record<string, unknown>[] } & Record<string, unknown>
    >('/master/state-summary');
    assert.equal('cluster' in summary, false, 'no cluster field without --cluster');
    const summaryFw = summary.frameworks.find((f) => f.id === multiId)!;
    assert.equal('pid' in summaryFw, false);
    assert.deepEqual([summaryFw.hostname, summaryFw.recovered, summaryFw.webui_url], ['', false, '']);
    for (const k of ['port', 'attributes', 'registered_time', 'version', 'deactivated', 'capabilities', 'unreserved_resources'])
      assert.ok(k in summary.slaves[0]!, k);

    const roles = await master.json<{ roles: { name: string; offered: Record<string, number>; resources: Record<string, number> }[] }>(
      '/master/roles',
    );
    const offeredRole = roles.roles.find((r) => (r.offered.cpus ?? 0) > 0)!;
    assert.equal(offeredRole.offered.ports, 1001, 'ports [31000-32000] count as 1001');
    assert.equal('gpus' in offeredRole.offered, false, 'quantities list what there is');
  } finally {
    multi.client.close();
    plain.client.close();
  }
});

test("the agent's /state carries the fields slave/http.cpp writes: roles or role, principal, task roles, executor type only when set", async () => {
  const s = new TestScheduler(master.port);
  try {
    const id = await s.subscribe({ name: 'agent-fields', roles: ['a'], capabilities: [{ type: 'MULTI_ROLE' }], principal: 'ops' });
    const offer = await s.nextOffer();
    const t = task('labelled', offer, 'sleep 60', 0.25, 32);
    t.resources = t.resources!.map((r) => ({ ...r, allocation_info: { role: 'a' } }));
    t.labels = { labels: [{ key: 'k', value: 'v' }] };
    await s.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [t] } }] },
    });
    await s.waitState('labelled', 'TASK_RUNNING');
    type Task = { id: string; role: string; labels?: unknown };
    type Executor = { id: string; tasks: Task[] } & Record<string, unknown>;
    type State = {
      frameworks: ({ id: string; executors: Executor[] } & Record<string, unknown>)[];
      unreserved_resources_allocated: { cpus: number };
      reserved_resources_allocated: Record<string, unknown>;
      master_hostname?: string;
    };
    const state = await agent.json<State>('/slave(1)/state');
    const fw = state.frameworks.find((f) => f.id === id)!;
    assert.deepEqual(fw.roles, ['a']);
    assert.equal('role' in fw, false, 'a MULTI_ROLE framework has roles only');
    assert.equal(fw.principal, 'ops');
    const ex = fw.executors.find((e) => e.id === 'labelled')!;
    assert.equal('type' in ex, false, "a command executor's ExecutorInfo has no type");
    assert.equal('role' in ex, false, 'nor resources of its own, so no role');
    assert.deepEqual(
      ex.tasks.map((x) => [x.id, x.role, x.labels]),
      [['labelled', 'a', [{ key: 'k', value: 'v' }]]],
    );
    assert.ok(state.unreserved_resources_allocated.cpus >= 0.25);
    assert.deepEqual(state.reserved_resources_allocated, {});
    assert.equal(typeof state.master_hostname, 'string');
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.client.close();
  }
});

test('jsonp answers are callback(json), without a semicolon, as libprocess writes them', async () => {
  for (const [daemon, p] of [
    [master, '/master/state-summary?jsonp=cb'],
    [master, '/version?jsonp=cb'],
    [agent, '/slave(1)/state?jsonp=cb'],
    [agent, '/files/debug?jsonp=cb'],
  ] as const) {
    const r = await get(daemon, p);
    assert.equal(r.headers.get('content-type')?.split(';')[0], 'text/javascript', p);
    assert.match(r.text, /^cb\(\{.*\}\)$/s, p);
  }
});

test('read endpoints answer any method, as libprocess routes do', async () => {
  for (const [daemon, method, p] of [
    [master, 'POST', '/master/state'],
    [master, 'PUT', '/master/flags'],
    [master, 'DELETE', '/health'],
    [agent, 'POST', '/slave(1)/state'],
    [agent, 'POST', '/files/debug'],
  ] as const) {
    const res = await fetch(`${daemon.url}${p}`, { method });
    assert.equal(res.status, 200, `${method} ${p}`);
    await res.arrayBuffer();
  }
});
