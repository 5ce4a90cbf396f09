// Read endpoints of master and agent (state, metrics, flags, redirect, jsonp, tasks paging,
// sandbox files with no path escape) and an agent restart re-registering with the same id.
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Daemon, runMesos, startAgent, startMaster, waitFor } from '../helpers/cluster.ts';

let master: Daemon;
let agent: Daemon;

before(async () => {
  master = await startMaster(['--cluster=test-cluster']);
  agent = await startAgent(master, ['--attributes=rack:r1;zone:z2;cores:8']);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

async function execute(name: string, command: string) {
  const res = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, `--name=${name}`, `--command=${command}`]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
}

test('/master/state describes the master, the agent (resources, attributes) and flags', async () => {
  const s = await master.json<
    Record<string, unknown> & { slaves: Record<string, unknown>[]; flags: Record<string, string>; leader_info: Record<string, unknown> }
  >('/master/state');
  assert.equal(s.cluster, 'test-cluster');
  assert.equal(s.version, '1.11.0');
  assert.match(String(s.pid), /^master@127\.0\.0\.1:\d+$/);
  assert.equal(s.leader, s.pid);
  assert.equal(s.leader_info.port, master.port);
  assert.equal(s.activated_slaves, 1);
  assert.equal(s.flags.port, String(master.port));
  assert.equal(s.flags.allocation_interval, '1secs');
  const a = s.slaves[0]!;
  assert.deepEqual(a.resources, { cpus: 4, gpus: 0, mem: 4096, disk: 10000, ports: '[31000-32000]' });
  assert.deepEqual(a.attributes, { rack: 'r1', zone: 'z2', cores: 8 });
  assert.equal(a.active, true);
});

test('/metrics/snapshot has Mesos metric names that follow tasks', async () => {
  const before = await master.json<Record<string, number>>('/metrics/snapshot');
  await execute('metric-task', 'true');
  const after = await master.json<Record<string, number>>('/metrics/snapshot');
  assert.equal(after['master/elected'], 1);
  assert.equal(after['master/slaves_active'], 1);
  assert.equal(after['master/cpus_total'], 4);
  assert.equal(after['master/tasks_finished']! - before['master/tasks_finished']!, 1);
  assert.ok(after['master/uptime_secs']! > 0);
  for (const k of [
    'master/frameworks_active',
    'master/tasks_running',
    'master/tasks_failed',
    'master/tasks_lost',
    'system/mem_total_bytes',
  ]) {
    assert.equal(typeof after[k], 'number', k);
  }
  // The allocator's timers: the task's offer took at least one allocation run.
  assert.ok(after['allocator/mesos/allocation_runs']! > before['allocator/mesos/allocation_runs']!);
  assert.equal(after['allocator/mesos/allocation_run_ms/count'], after['allocator/mesos/allocation_runs']);
  for (const k of ['allocation_run_ms', 'allocation_run_ms/p99', 'allocation_run_latency_ms/p50', 'allocation_run_latency_ms/max']) {
    assert.ok(after[`allocator/mesos/${k}`]! >= 0, k);
  }
  const agentMetrics = await agent.json<Record<string, number>>('/metrics/snapshot');
  assert.ok(agentMetrics['slave/tasks_finished']! >= 1);
  assert.equal(agentMetrics['slave/registered'], 1);
});

test('/health, /version, /master/flags, /redirect, /master/tasks paging, jsonp', async () => {
  assert.equal((await fetch(`${master.url}/master/health`)).status, 200);
  assert.equal((await master.json<{ version: string }>('/version')).version, '1.11.0');
  assert.equal((await master.json<{ flags: Record<string, string> }>('/master/flags')).flags.cluster, 'test-cluster');
  const redirect = await fetch(`${master.url}/redirect`, { redirect: 'manual' });
  assert.equal(redirect.status, 307);
  assert.match(redirect.headers.get('location') ?? '', new RegExp(`^//[^:]+:${master.port}$`));
  await execute('page-1', 'true');
  await execute('page-2', 'true');
  const page = await master.json<{ tasks: { id: string }[] }>('/master/tasks?limit=1&order=des');
  assert.equal(page.tasks.length, 1);
  const all = await master.json<{ tasks: { id: string }[] }>('/master/tasks?limit=100');
  assert.ok(all.tasks.some((t) => t.id === 'page-1') && all.tasks.some((t) => t.id === 'page-2'));
  // As Mesos: an unparsable limit is the default one, not an error (endpoint-conformance.test.ts).
  assert.equal((await master.json<{ tasks: unknown[] }>('/master/tasks?limit=abc')).tasks.length, all.tasks.length);
  const jsonp = await fetch(`${master.url}/master/state?jsonp=angular.callbacks._0`);
  assert.equal(jsonp.headers.get('content-type')?.split(';')[0], 'text/javascript');
  assert.match(await jsonp.text(), /^angular\.callbacks\._0\(\{.*\}\)$/s);
  assert.equal((await fetch(`${master.url}/master/state?jsonp=alert(1)//`)).status, 400);
  const agentJsonp = await fetch(`${agent.url}/slave(1)/state?jsonp=cb`);
  assert.match(await agentJsonp.text(), /^cb\(\{/);
});

test('sandbox files: browse, read (with offset -1), download; nothing outside sandboxes', async () => {
  await execute('files-task', 'echo line-one; echo line-two');
  const state = await agent.json<{
    completed_frameworks: { executors: unknown[]; completed_executors: { id: string; directory: string }[] }[];
  }>('/slave(1)/state');
  const ex = state.completed_frameworks.flatMap((f) => f.completed_executors).find((e) => e.id === 'files-task');
  assert.ok(ex, 'executor of files-task in agent state');
  const listing = await agent.json<{ path: string; size: number; mode: string }[]>(
    `/files/browse?path=${encodeURIComponent(ex.directory)}`,
  );
  const names = listing.map((e) => path.basename(e.path)).sort();
  assert.deepEqual(names, ['stderr', 'stdout']);
  assert.match(listing[0]!.mode, /^-rw/);
  // And under the virtual path of the executor's latest run, as Mesos's web UI asks for it.
  const ids = await agent.json<{ id: string; completed_frameworks: { id: string; completed_executors: { id: string }[] }[] }>(
    '/slave(1)/state',
  );
  const fwId = ids.completed_frameworks.find((f) => f.completed_executors.some((e) => e.id === 'files-task'))!.id;
  const latest = `/slaves/${ids.id}/frameworks/${fwId}/executors/files-task/runs/latest/stdout`;
  assert.equal(
    (await agent.json<{ data: string }>(`/files/read?path=${encodeURIComponent(latest)}&offset=0`)).data,
    'line-one\nline-two\n',
  );
  const stdoutPath = encodeURIComponent(path.join(ex.directory, 'stdout'));
  const size = await agent.json<{ offset: number; data: string }>(`/files/read?path=${stdoutPath}&offset=-1`);
  assert.equal(size.offset, 'line-one\nline-two\n'.length);
  assert.equal(size.data, '');
  const part = await agent.json<{ offset: number; data: string }>(`/files/read?path=${stdoutPath}&offset=5&length=3`);
  assert.deepEqual(part, { offset: 5, data: 'one' });
  const dl = await fetch(`${agent.url}/files/download?path=${stdoutPath}`);
  assert.equal(dl.status, 200);
  assert.equal(await dl.text(), 'line-one\nline-two\n');
  assert.equal((await fetch(`${agent.url}/files/download?path=${encodeURIComponent(ex.directory)}`)).status, 400);
  // Escapes: .. out of the sandbox, a symlink the task planted (refused with 400, as Mesos
  // does), a path never attached (404).
  assert.equal(
    (await fetch(`${agent.url}/files/read?path=${encodeURIComponent(`${ex.directory}/${'../'.repeat(30)}etc/passwd`)}&offset=0`)).status,
    400,
  );
  symlinkSync('/etc/passwd', path.join(ex.directory, 'evil'));
  writeFileSync(path.join(ex.directory, 'fine'), 'ok');
  assert.equal((await fetch(`${agent.url}/files/read?path=${encodeURIComponent(path.join(ex.directory, 'evil'))}&offset=0`)).status, 400);
  assert.equal(
    (await agent.json<{ data: string }>(`/files/read?path=${encodeURIComponent(path.join(ex.directory, 'fine'))}&offset=0`)).data,
    'ok',
  );
  assert.equal((await fetch(`${agent.url}/files/read?path=/etc/passwd&offset=0`)).status, 404);
  assert.equal((await fetch(`${agent.url}/files/browse`)).status, 400);
});

test('an agent restarted with its work_dir re-registers under the same id', async () => {
  const before = await agent.json<{ id: string }>('/state');
  await agent.stop();
  await waitFor('agent marked inactive', async () => {
    const s = await master.json<{ slaves: { id: string; active: boolean }[] }>('/master/slaves');
    return s.slaves.find((a) => a.id === before.id)?.active === false;
  });
  agent = await startAgent(master, ['--attributes=rack:r1;zone:z2;cores:8'], { workDir: agent.workDir, port: agent.port });
  const after = await agent.json<{ id: string }>('/state');
  assert.equal(after.id, before.id);
  // The master listed the agent (inactive) all along: wait for the re-registration itself.
  const s = await waitFor('the agent active again', async () => {
    const slaves = await master.json<{ slaves: { id: string; active: boolean; reregistered_time?: number }[] }>('/master/slaves');
    return slaves.slaves[0]?.active ? slaves : undefined;
  });
  assert.equal(s.slaves.length, 1);
  assert.equal(typeof s.slaves[0]!.reregistered_time, 'number');
  await execute('after-restart', 'true');
});
