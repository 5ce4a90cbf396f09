// A master that stops (SIGTERM, as `systemctl restart` does) or crashes (SIGKILL) removes
// nothing: with 20 tasks of three frameworks running, every task keeps running through the
// restart. The schedulers that come back (failover timeouts 0 and 60 s) carry on under their
// framework ids and get their updates; the one that never comes back is an orphan, listed in
// /master/state until the operator tears it down, which stops its tasks on the agent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { test } from 'node:test';
import type { Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { sleep, waitFor } from '../helpers/cluster.ts';
import { restartableCluster } from '../helpers/restartable-cluster.ts';
import { ResilientScheduler } from '../helpers/scheduler.ts';

const cluster = restartableCluster('master-restart');

interface StateTask {
  id: string;
  framework_id: string;
  state: string;
}
interface StateFramework {
  id: string;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  tasks: StateTask[];
}
interface MasterState {
  frameworks: StateFramework[];
  completed_frameworks: { id: string }[];
}

/** Processes of this test's tasks: `sleep <marker>`, distinct per test so runs do not mix. */
function sleepers(marker: number): number {
  try {
    return Number(execFileSync('pgrep', ['-c', '-x', '-f', `sleep ${marker}`], { encoding: 'utf8' }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

function sleeper(id: string, offer: Offer, marker: number): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: `exec sleep ${marker}` },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ],
  };
}

async function launchAll(s: ResilientScheduler, prefix: string, count: number, marker: number): Promise<string[]> {
  const offer = await waitFor(`an offer for ${prefix}`, () => s.offers.at(-1), 20_000);
  const tasks = Array.from({ length: count }, (_, i) => sleeper(`${prefix}-${i}`, offer, marker));
  await s.client.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 3600 } },
  });
  const ids = tasks.map((t) => t.task_id.value);
  await waitFor(`${prefix}'s tasks running`, () => ids.every((id) => s.statesOf(id).includes('TASK_RUNNING')), 30_000);
  return ids;
}

// Distinct per run too: tasks of an aborted earlier run may still be sleeping.
const runMarker = 100_000 + (process.pid % 10_000) * 10;
for (const [signal, marker] of [
  ['SIGTERM', runMarker + 1],
  ['SIGKILL', runMarker + 2],
] as const) {
  test(`${signal} of the master under 20 running tasks of three frameworks: no task is killed, two schedulers carry on, the third is an orphan until torn down`, async () => {
    const user = os.userInfo().username;
    const zero = new ResilientScheduler(cluster.port, { user, name: 'failover-0', failover_timeout: 0 });
    const minute = new ResilientScheduler(cluster.port, { user, name: 'failover-60', failover_timeout: 60 });
    const orphan = new ResilientScheduler(cluster.port, { user, name: 'never-returns', failover_timeout: 0 });
    try {
      for (const s of [zero, minute, orphan]) await s.connect();
      const zeroTasks = await launchAll(zero, `zero-${signal}`, 7, marker);
      const minuteTasks = await launchAll(minute, `minute-${signal}`, 7, marker);
      const orphanTasks = await launchAll(orphan, `orphan-${signal}`, 6, marker);
      assert.equal(sleepers(marker), 20);

      // The orphan's scheduler dies with the master: its stream breaks, and nobody subscribes again.
      orphan.abandon();
      const logged = cluster.master.output.length;
      await cluster.stopMaster(signal);
      const lastWords = cluster.master.output.slice(logged);
      if (signal === 'SIGTERM') assert.match(lastWords, /Master shutting down/);
      assert.doesNotMatch(lastWords, /Removing framework/, 'a stopping master removes no framework');
      await cluster.relaunchMaster();

      await waitFor('both schedulers subscribed again', () => zero.subscriptions === 2 && minute.subscriptions === 2, 30_000);
      const state = await waitFor(
        'every task back in /master/state, RUNNING',
        async () => {
          const st = await cluster.master.json<MasterState>('/master/state');
          const running = st.frameworks.flatMap((f) => f.tasks).filter((t) => t.state === 'TASK_RUNNING');
          return running.length === 20 && st;
        },
        30_000,
      );
      assert.equal(sleepers(marker), 20, 'the same 20 processes still run');
      const byId = new Map(state.frameworks.map((f) => [f.id, f]));
      for (const s of [zero, minute]) {
        const fw = byId.get(s.frameworkId!);
        assert.ok(fw?.active && fw.connected, `${s.frameworkId} is back and active`);
      }
      const orphaned = byId.get(orphan.frameworkId!);
      assert.ok(orphaned, 'the orphan framework is listed');
      assert.deepEqual([orphaned.active, orphaned.connected, orphaned.recovered], [false, false, true]);
      assert.equal(orphaned.tasks.filter((t) => t.state === 'TASK_RUNNING').length, 6);

      // The returning schedulers get their updates: reconciliation answers, and a kill is reported.
      for (const [s, ids] of [
        [zero, zeroTasks],
        [minute, minuteTasks],
      ] as const) {
        const seen = s.updates.length;
        await s.client.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
        await waitFor('reconciliation of every task', () =>
          ids.every((id) => s.updates.slice(seen).some((u) => u.task_id.value === id && u.state === 'TASK_RUNNING')),
        );
        await s.client.call({ type: 'KILL', kill: { task_id: { value: ids[0]! } } });
        await waitFor(`${ids[0]} killed`, () => s.statesOf(ids[0]!).includes('TASK_KILLED'));
      }
      assert.equal(sleepers(marker), 18);

      // The operator tears the orphan down: its tasks stop on the agent.
      const res = await fetch(`${cluster.master.url}/master/teardown`, {
        method: 'POST',
        body: new URLSearchParams({ frameworkId: orphan.frameworkId! }),
      });
      assert.equal(res.status, 200, await res.text());
      await waitFor("the orphan's tasks to stop", () => sleepers(marker) === 12, 15_000);
      const after = await cluster.master.json<MasterState>('/master/state');
      assert.ok(after.completed_frameworks.some((f) => f.id === orphan.frameworkId));
      assert.ok(!after.frameworks.some((f) => f.id === orphan.frameworkId));
      await waitFor('the agent to forget the orphan', async () => {
        const st = await cluster.agent.json<{ frameworks: { id: string }[] }>('/state');
        return !st.frameworks.some((f) => f.id === orphan.frameworkId);
      });
      assert.ok(orphanTasks.length === 6);
    } finally {
      for (const s of [zero, minute]) await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      for (const s of [zero, minute, orphan]) s.close();
      await waitFor('every task of this test to stop', () => sleepers(marker) === 0, 15_000).catch(() => undefined);
      await sleep(100);
    }
  });
}
