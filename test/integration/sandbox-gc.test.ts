// --gc_delay through a real agent: a finished task's sandbox is removed after the delay, and
// sandboxes an earlier run of the agent left behind go by their age when it starts again; the
// checkpoints of a removed run are forgotten with it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statfsSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Offer } from '../../daemons/common/mesos.ts';
import { type Daemon, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

let master: Daemon;
let agent: Daemon;

before(async () => {
  master = await startMaster(['--allocation_interval=50ms']);
  agent = await startAgent(master, [
    '--gc_delay=4secs',
    '--gc_disk_headroom=0',
    '--disk_watch_interval=1secs',
    '--max_completed_executors_per_framework=1',
  ]);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

/** A short command task that leaves a line in its sandbox's stdout. */
const gcTask = (id: string, offer: Offer) => task(id, offer, 'echo kept-for-a-while', 0.1, 32);

test('a finished sandbox is kept for --gc_delay (shortened by the disk usage), then removed and no longer served by /files', async () => {
  const s = new TestScheduler(master.port);
  try {
    await s.subscribe();
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [gcTask('gc-1', offer)] } }] },
    });
    const finished = await s.waitState('gc-1', 'TASK_FINISHED');
    type AgentState = { id: string; frameworks: Fw[]; completed_frameworks: Fw[] };
    type Fw = { id: string; completed_executors: { id: string; directory: string }[] };
    // The executor ends once the scheduler has acknowledged the task's last update.
    const { state, fw } = await waitFor('the executor of gc-1 completed', async () => {
      const state = await agent.json<AgentState>('/state');
      const fw = [...state.frameworks, ...state.completed_frameworks].find((f) => f.completed_executors.some((e) => e.id === 'gc-1'));
      return fw && { state, fw };
    });
    const dir = fw.completed_executors.find((e) => e.id === 'gc-1')!.directory;
    // The agent's own time of the task's end: its executor ends at that moment or later.
    const finishedAt = (finished.timestamp ?? 0) * 1000;
    assert.ok(existsSync(path.join(dir, 'stdout')), 'the sandbox is there right after the task');
    const latest = `/slaves/${state.id}/frameworks/${fw.id}/executors/gc-1/runs/latest/stdout`;
    assert.equal(
      (await agent.json<{ data: string }>(`/files/read?path=${encodeURIComponent(latest)}&offset=0`)).data,
      'kept-for-a-while\n',
    );
    await waitFor('the sandbox removed', () => !existsSync(dir), 10_000);
    // As in Mesos, a sandbox is kept gc_delay × (1 − gc_disk_headroom − disk usage).
    const fsStat = statfsSync(agent.workDir);
    const keep = 4000 * (fsStat.bfree / fsStat.blocks);
    const after = Date.now() - finishedAt;
    assert.ok(after >= keep - 200, `removed ${after} ms after the task ended; it should be kept ${keep.toFixed(0)} ms`);
    assert.equal((await fetch(`${agent.url}/files/read?path=${encodeURIComponent(latest)}&offset=0`)).status, 404);
    assert.equal(existsSync(path.dirname(path.dirname(dir))), false, "the executor's directory went with its only run");
    // Its checkpoints go too (as Mesos removes the run's meta directory): forgotten in runs.log.
    const runsLog = path.join(agent.workDir, 'meta', 'slaves', state.id, 'runs.log');
    await waitFor('the run forgotten in runs.log', () =>
      readFileSync(runsLog, 'utf8').includes(`\n{"c":"${path.basename(dir)}","t":"GONE"}`),
    );
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('sandboxes left by an earlier run of the agent are removed by their age at start-up', async () => {
  const workDir = tempDir('agent-gc');
  const runs = path.join(workDir, 'slaves', 'old-agent-S0', 'frameworks', 'old-fw', 'executors');
  const old = path.join(runs, 'old-task', 'runs', 'run-1');
  const recent = path.join(runs, 'recent-task', 'runs', 'run-1');
  for (const d of [old, recent]) {
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'stdout'), 'x');
  }
  const hourAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(old, hourAgo, hourAgo);
  // With no headroom, the two-hour-old run is past gc_delay × (1 − disk usage) however full the disk.
  const second = await startAgent(master, ['--gc_delay=1hrs', '--disk_watch_interval=1secs', '--gc_disk_headroom=0'], { workDir });
  try {
    await waitFor('the hour-old sandbox removed', () => !existsSync(old), 10_000);
    assert.ok(existsSync(recent), 'a sandbox younger than --gc_delay stays');
  } finally {
    await second.stop();
  }
});

test('--max_completed_executors_per_framework bounds the completed executors an agent reports', async () => {
  const s = new TestScheduler(master.port);
  try {
    await s.subscribe();
    const offer = await s.nextOffer();
    await s.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [gcTask('kept-a', offer), gcTask('kept-b', offer)] } }],
      },
    });
    await s.waitState('kept-a', 'TASK_FINISHED');
    await s.waitState('kept-b', 'TASK_FINISHED');
    type Fw = { id: string; executors?: { id: string }[]; completed_executors: { id: string }[] };
    // Both executors have ended once none of the framework's is running.
    const f = await waitFor('both executors completed', async () => {
      const state = await agent.json<{ frameworks: Fw[]; completed_frameworks: Fw[] }>('/state');
      const found = [...state.frameworks, ...state.completed_frameworks].find((x) => x.id === s.client.frameworkId);
      return found && (found.executors ?? []).length === 0 && found.completed_executors.length > 0 ? found : undefined;
    });
    assert.equal(f.completed_executors.length, 1, JSON.stringify(f.completed_executors.map((e) => e.id)));
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});
