// A network partition between master and agent, made with a network namespace and a veth pair
// (root only): the master stops hearing the agent, a partition-aware scheduler gets
// TASK_UNREACHABLE, and when the link comes back the agent re-registers and the task is
// RUNNING again — it never stopped.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { TaskInfo } from '../../daemons/common/mesos.ts';
import { Daemon, freePort, mesosCommand, startMaster, stopSupervisor, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

const isRoot = process.getuid?.() === 0;
const NS = `mesos-part-${process.pid}`;
const HOST_IF = `mp${process.pid % 100000}h`;
const NS_IF = `mp${process.pid % 100000}n`;
// A subnet of its own per run (the e2e suite uses others), so parallel runs do not collide.
const SUBNET = `10.251.${process.pid % 250}`;
const HOST_IP = `${SUBNET}.1`;
const NS_IP = `${SUBNET}.2`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

let master: Daemon | undefined;
let agent: Daemon | undefined;
let agentRuntime = '';

before(async () => {
  if (!isRoot) return;
  ip('netns', 'add', NS);
  ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  ip('link', 'set', NS_IF, 'netns', NS);
  ip('addr', 'add', `${HOST_IP}/24`, 'dev', HOST_IF);
  ip('link', 'set', HOST_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_IP}/24`, 'dev', NS_IF);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
});

after(async () => {
  await agent?.stop();
  if (agentRuntime) await stopSupervisor(agentRuntime);
  await master?.stop();
  if (!isRoot) return;
  try {
    ip('link', 'del', HOST_IF);
  } catch {
    // already gone with the namespace
  }
  try {
    ip('netns', 'del', NS);
  } catch {
    // not created
  }
});

test('a partitioned agent: TASK_UNREACHABLE for partition-aware schedulers, RUNNING again when healed', {
  skip: isRoot ? false : 'needs root (ip netns, veth)',
}, async () => {
  master = await startMaster(
    ['--ip=0.0.0.0', '--agent_ping_timeout=1secs', '--max_agent_ping_timeouts=2', '--allocation_interval=50ms'],
    {},
  );
  const port = await freePort();
  const workDir = tempDir('part-agent');
  agentRuntime = path.join(workDir, 'run');
  const cmd = mesosCommand([
    'agent',
    `--ip=${NS_IP}`,
    `--port=${port}`,
    `--master=${HOST_IP}:${master.port}`,
    `--work_dir=${workDir}`,
    `--runtime_dir=${agentRuntime}`,
    '--resources=cpus:2;mem:1024',
    '--registration_backoff_factor=100ms',
  ]);
  const proc = spawn('ip', ['netns', 'exec', NS, cmd.file, ...cmd.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  agent = new Daemon('agent', proc, port, workDir);
  await waitFor('agent registered from its namespace', async () => {
    if (agent?.exited) throw new Error(agent.output);
    return (await master!.json<{ slaves: unknown[] }>('/master/slaves')).slaves.length === 1;
  });

  const s = new TestScheduler(master.port, 'json');
  const other = new TestScheduler(master.port, 'json');
  try {
    await s.subscribe({ checkpoint: true, failover_timeout: 600, capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = await s.nextOffer();
    const task: TaskInfo = {
      name: 'steady',
      task_id: { value: 'steady' },
      agent_id: offer.agent_id,
      command: { value: 'sleep 120' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
      ],
    };
    await s.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    await s.waitState('steady', 'TASK_RUNNING');
    // Every scheduler hears of the lost agent (FAILURE), not only the one with tasks there.
    await other.subscribe({});

    ip('link', 'set', HOST_IF, 'down');
    const unreachable = await waitFor('TASK_UNREACHABLE', () => s.updates('steady').find((u) => u.state === 'TASK_UNREACHABLE'), 20_000);
    assert.equal(unreachable.reason, 'REASON_AGENT_REMOVED');
    assert.ok(unreachable.unreachable_time, 'unreachable_time is set');
    assert.ok(
      other.events.some((e) => e.type === 'FAILURE'),
      'schedulers hear that the agent is gone',
    );
    const during = await master.json<{ unreachable_slaves: number; frameworks: { id: string; unreachable_tasks: { id: string }[] }[] }>(
      '/master/state',
    );
    assert.equal(during.unreachable_slaves, 1);
    assert.ok(during.frameworks.find((f) => f.id === s.client.frameworkId)?.unreachable_tasks.some((t) => t.id === 'steady'));

    ip('link', 'set', HOST_IF, 'up');
    await waitFor(
      'the agent is back',
      async () => (await master!.json<{ slaves: { active: boolean }[] }>('/master/slaves')).slaves.some((a) => a.active),
      30_000,
    );
    const before = s.updates('steady').length;
    await s.client.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'steady' }, agent_id: offer.agent_id }] } });
    const back = await waitFor(
      'RUNNING after the partition healed',
      () =>
        s
          .updates('steady')
          .slice(before)
          .find((u) => u.state === 'TASK_RUNNING'),
      10_000,
    );
    assert.equal(back.reason, 'REASON_RECONCILIATION');
    await s.client.call({ type: 'KILL', kill: { task_id: { value: 'steady' } } });
    await s.waitState('steady', 'TASK_KILLED');
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
    other.close();
  }
});
