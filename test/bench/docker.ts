// `npx tsx test/bench/docker.ts`: how long a task takes from the scheduler's ACCEPT to its
// TASK_RUNNING, as a Docker container (local image, no pull) and as a plain command, in the same
// run on the same single-node cluster. Tasks are launched one at a time, alternating kinds, so
// each measures the launch path alone. Needs root and a running dockerd (test/setup.sh).
// Options: --runs=N (per kind, default 30, after 3 warm-ups each), --json,
//          MESOS_TEST_BINARY=PATH to run a bundle other than build/mesos.cjs.
import os from 'node:os';
import type { Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { SchedulerClient } from '../../daemons/common/scheduler-client.ts';
import { bundle } from '../../packaging/bundle.ts';
import { startAgent, startMaster, waitFor } from '../helpers/cluster.ts';
import { TEST_IMAGE, dockerUnavailable, ensureTestImage, removeContainersOf } from '../helpers/docker.ts';

type Kind = 'docker' | 'command';

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

function task(kind: Kind, id: string, offer: Offer): TaskInfo {
  const t: TaskInfo = {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: 'true' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
    ],
  };
  if (kind === 'docker') t.container = { type: 'DOCKER', docker: { image: TEST_IMAGE, network: 'HOST' } };
  return t;
}

async function main(): Promise<void> {
  const why = await dockerUnavailable();
  if (why) throw new Error(`cannot benchmark Docker tasks: ${why}`);
  const runs = Number(arg('runs', '30'));
  const warmup = 3;
  if (!process.env.MESOS_TEST_BINARY) await bundle();
  await ensureTestImage();
  const master = await startMaster(['--quiet', '--allocation_interval=10ms']);
  const agent = await startAgent(master, [
    '--quiet',
    '--containerizers=docker,mesos',
    '--docker_remove_delay=1secs',
    '--resources=cpus:4;mem:4096;disk:10000;ports:[31000-32000]',
  ]);
  const offers: Offer[] = [];
  const arrived = new Map<string, Map<string, number>>();
  const client: SchedulerClient = new SchedulerClient({
    master: { host: '127.0.0.1', port: master.port },
    onEvent: (e) => {
      if (e.type === 'OFFERS') offers.push(...(e.offers as { offers: Offer[] }).offers);
      if (e.type !== 'UPDATE') return;
      const s = (e.update as { status: TaskStatus }).status;
      const seen = arrived.get(s.task_id.value) ?? new Map<string, number>();
      if (!seen.has(s.state)) seen.set(s.state, performance.now());
      arrived.set(s.task_id.value, seen);
      if (s.uuid && s.agent_id)
        client.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } }).catch(() => {});
    },
  });
  const samples: Record<Kind, number[]> = { docker: [], command: [] };
  try {
    await client.subscribe({ user: os.userInfo().username, name: 'bench-docker' });
    for (let i = 0; i < (runs + warmup) * 2; i++) {
      const kind: Kind = i % 2 === 0 ? 'docker' : 'command';
      const id = `bench-${kind}-${i}`;
      const offer = await waitFor('an offer', () => offers.shift(), 30_000, 1);
      const t0 = performance.now();
      await client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: [task(kind, id, offer)] } }],
          filters: { refuse_seconds: 0 },
        },
      });
      const running = await waitFor(`${id} running`, () => arrived.get(id)?.get('TASK_RUNNING'), 60_000, 1);
      await waitFor(`${id} finished`, () => arrived.get(id)?.get('TASK_FINISHED'), 60_000, 5);
      if (i >= warmup * 2) samples[kind].push(running - t0);
    }
    await client.call({ type: 'TEARDOWN' }).catch(() => {});
  } finally {
    client.close();
    await agent.stop();
    await master.stop();
    await removeContainersOf(agent.workDir);
  }
  const stats = (k: Kind) => {
    const s = [...samples[k]].sort((a, b) => a - b);
    return { median: quantile(s, 0.5), p90: quantile(s, 0.9), min: s[0]!, runs: s.length };
  };
  const result = { date: new Date().toISOString(), cpus: os.cpus().length, docker: stats('docker'), command: stats('command') };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const line = (k: Kind) =>
    `${k.padEnd(8)} ACCEPT->TASK_RUNNING median ${result[k].median.toFixed(0)} ms, p90 ${result[k].p90.toFixed(0)} ms, min ${result[k].min.toFixed(0)} ms (${result[k].runs} runs)`;
  process.stdout.write(
    `${line('docker')}\n${line('command')}\ndocker/command median ratio ${(result.docker.median / result.command.median).toFixed(1)}x (${result.cpus} cpus)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
