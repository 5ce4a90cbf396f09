// Breaking the master on purpose: kill -9 it during a burst of launches and restart it from
// its registry. Agents re-register with their tasks, the scheduler re-subscribes with its
// framework id, and after reconciliation every task is accounted for and no update is lost.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import type { Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { sleep, spawnMesos, waitFor } from '../helpers/cluster.ts';
import { restartableCluster } from '../helpers/restartable-cluster.ts';
import { ResilientScheduler } from '../helpers/scheduler.ts';

const cluster = restartableCluster('master-reg');

function sleeper(id: string, offer: Offer): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: 'sleep 2' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ],
  };
}

const TERMINAL = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_GONE',
  'TASK_DROPPED',
  'TASK_ERROR',
  'TASK_UNKNOWN',
]);

test('kill -9 of the master during a burst of launches loses no task and no status update', async () => {
  const s = new ResilientScheduler(cluster.port, {
    user: os.userInfo().username,
    name: 'burst',
    failover_timeout: 3600,
    checkpoint: true,
    capabilities: [{ type: 'PARTITION_AWARE' }],
  });
  try {
    await s.connect();
    const frameworkId = s.frameworkId!;
    const launched: string[] = [];
    let used = 0;
    let killed = false;
    // Launch in small batches; the master dies after the third ACCEPT.
    while (launched.length < 40) {
      const offer = await waitFor('an offer', () => s.offers[used], 20_000);
      used++;
      const batch: TaskInfo[] = [];
      for (let i = 0; i < 5; i++) batch.push(sleeper(`burst-${launched.length + i}`, offer));
      const accepted = await s.client
        .call({
          type: 'ACCEPT',
          accept: {
            offer_ids: [offer.id],
            operations: [{ type: 'LAUNCH', launch: { task_infos: batch } }],
            filters: { refuse_seconds: 0 },
          },
        })
        .then(
          () => true,
          () => false,
        );
      if (accepted) launched.push(...batch.map((t) => t.task_id.value));
      if (launched.length >= 15 && !killed) {
        killed = true;
        await cluster.stopMaster('SIGKILL');
        s.offers.length = used; // offers of the dead master are void
        await cluster.relaunchMaster();
      }
    }
    assert.ok(killed);
    await waitFor('the scheduler re-subscribed with its id', () => s.subscriptions >= 2, 30_000);
    assert.equal(s.frameworkId, frameworkId, 'same framework id after the master restart');

    // A task that reached the agent is settled by the agent's own terminal update: reconciliation
    // may answer FINISHED while the agent is still resending the RUNNING the dead master did not
    // forward (as in Mesos, its answer is the latest state). One that never reached the agent is
    // settled by reconciliation saying so.
    const settled = (id: string) => {
      const ups = s.updates.filter((u) => u.task_id.value === id);
      if (ups.some((u) => TERMINAL.has(u.state) && u.reason !== 'REASON_RECONCILIATION')) return true;
      return (
        !ups.some((u) => u.state === 'TASK_STARTING') &&
        ups.some((u) => ['TASK_GONE', 'TASK_UNKNOWN', 'TASK_DROPPED', 'TASK_LOST'].includes(u.state))
      );
    };
    // Reconcile until every launched task has a terminal answer.
    await waitFor(
      'every task accounted for',
      async () => {
        await s.client
          .call({ type: 'RECONCILE', reconcile: { tasks: launched.map((id) => ({ task_id: { value: id } })) } })
          .catch(() => undefined);
        await sleep(300);
        return launched.every(settled);
      },
      60_000,
      500,
    );
    let finished = 0;
    for (const id of launched) {
      const states = s.statesOf(id);
      if (states.includes('TASK_RUNNING')) {
        // It ran: every update the agent sent arrived, in order, ending in FINISHED.
        assert.ok(states.includes('TASK_FINISHED'), `${id}: ${states.join(',')}`);
        assert.ok(states.indexOf('TASK_STARTING') < states.indexOf('TASK_RUNNING'), `${id}: ${states.join(',')}`);
        finished++;
      } else {
        // Never reached the agent (lost with the master): the scheduler is told so.
        assert.ok(
          states.some((st) => ['TASK_GONE', 'TASK_UNKNOWN', 'TASK_DROPPED', 'TASK_LOST'].includes(st)),
          `${id}: ${states.join(',')}`,
        );
      }
    }
    assert.ok(
      finished >= 25,
      `most tasks ran (${finished} of ${launched.length}): ${launched.map((id) => `${id}=${s.statesOf(id).join('/')}`).join(' ')}`,
    );
    const state = await cluster.master.json<{
      frameworks: { id: string; active: boolean; completed_tasks: unknown[] }[];
      slaves: { id: string }[];
    }>('/master/state');
    assert.equal(state.slaves.length, 1, 'the agent re-registered with the new master');
    const fw = state.frameworks.find((f) => f.id === frameworkId);
    assert.ok(fw?.active, 'the framework is back and active');
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('after a master restart /master/state still has the agent, the frameworks and the completed ones', async () => {
  const before = await cluster.master.json<{
    slaves: { id: string }[];
    completed_frameworks: { id: string; completed_tasks: { id: string }[] }[];
  }>('/master/state');
  assert.ok(before.completed_frameworks.length >= 1);
  await sleep(500); // history is written without waiting: give the group commit its moment
  await cluster.stopMaster('SIGKILL');
  await cluster.relaunchMaster();
  const recovered = await cluster.master.json<{
    recovered_slaves: { id: string }[];
    completed_frameworks: { id: string; completed_tasks: { id: string }[] }[];
  }>('/master/state');
  assert.deepEqual(
    recovered.completed_frameworks.map((f) => [f.id, f.completed_tasks.length]),
    before.completed_frameworks.map((f) => [f.id, f.completed_tasks.length]),
  );
  await waitFor(
    'the agent re-registered',
    async () => {
      const s = await cluster.master.json<{ slaves: { id: string }[]; recovered_slaves: unknown[] }>('/master/state');
      return s.slaves.length === 1 && s.slaves[0]!.id === before.slaves[0]!.id && s.recovered_slaves.length === 0;
    },
    30_000,
  );
  assert.ok(recovered.recovered_slaves.length <= 1);
});

// `systemctl restart mesos-master` sends SIGTERM; a crash is SIGKILL. mesos execute's framework
// has failover timeout 0 and, without --checkpoint, asks the agent for nothing across restarts.
for (const [signal, flags] of [
  ['SIGKILL', ['--checkpoint']],
  ['SIGTERM', []],
] as const) {
  test(`mesos execute ${flags.join(' ') || '(no --checkpoint)'} rides out a ${signal} of the master: it subscribes again and its task finishes`, async () => {
    const name = `survivor-${signal}`;
    const proc = spawnMesos(['execute', `--master=127.0.0.1:${cluster.port}`, `--name=${name}`, '--command=sleep 3', ...flags]);
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    await waitFor('the task is running', () => new RegExp(`TASK_RUNNING for task '${name}'`).test(out), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${out}`);
    });
    await cluster.stopMaster(signal);
    await cluster.relaunchMaster();
    const code = await exited;
    assert.equal(code, 0, out);
    assert.match(out, /lost the connection to the master .*; subscribing again/);
    assert.equal((out.match(/^Subscribed with ID/gm) ?? []).length, 2, out);
    assert.match(out, new RegExp(`TASK_FINISHED for task '${name}'`));
  });
}
