// The read-only endpoints of master and agent answer what Apache Mesos 1.11 answers, for the
// requests existing tools send: /master/tasks paging (the Mesos CLI's `task list`), /files/*
// (files.cpp), /metrics/snapshot's timeout, /master/teardown, and the fields of the state
// endpoints. Each test states the Mesos source it follows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Daemon, runMesos, startAgent, startMaster } from '../helpers/cluster.ts';

let master: Daemon;
let agent: Daemon;

before(async () => {
  master = await startMaster();
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

async function get(daemon: Daemon, p: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${daemon.url}${p}`);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

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
