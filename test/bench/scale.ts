// Scale benchmark (issue 9): N emulated agents and M schedulers against one real master.
//   registration storm    N agents connect at once
//   throughput            tasks launched and finished per second, sustained for --seconds
//   offer cycle           a task finishes on an agent -> its resources are offered again (p50/p99)
//   accept -> running     ACCEPT sent -> TASK_RUNNING received (p50/p99)
//   master memory/state   RSS and CPU of the master, /master/state time and size at the end
// Usage: tsx test/bench/scale.ts [--agents=N] [--frameworks=M] [--seconds=S] [--task_ms=T] [--json]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { SchedulerClient } from '../../daemons/common/scheduler-client.ts';
import { startMaster } from '../helpers/cluster.ts';
import { AgentEmulator } from './emulated-agents.ts';

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!;
}

function procStat(pid: number): { rssMb: number; cpuSecs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  return { rssMb: rss, cpuSecs: ticks / 100 };
}

export interface ScaleResult {
  agents: number;
  frameworks: number;
  seconds: number;
  registrationStormMs: number;
  tasksFinished: number;
  tasksPerSecond: number;
  offerCycleP50Ms: number;
  offerCycleP99Ms: number;
  acceptToRunningP50Ms: number;
  acceptToRunningP99Ms: number;
  masterRssMb: number;
  masterCpuSecsPerThousandTasks: number;
  stateMs: number;
  stateMb: number;
}

export async function scale(agents: number, frameworks: number, seconds: number, taskMs: number): Promise<ScaleResult> {
  const master = await startMaster(['--quiet', '--registry=in_memory', `--max_completed_tasks_per_framework=${Math.max(1000, Math.ceil(200_000 / frameworks))}`]);
  const freedAt = new Map<string, number>(); // agent id -> when its last task finished
  const offerCycle: number[] = [];
  const acceptToRunning: number[] = [];
  const launchedAt = new Map<string, number>();
  let finished = 0;
  let measuring = false;
  const emu = new AgentEmulator({
    masterHost: '127.0.0.1',
    masterPort: master.port,
    count: agents,
    taskMs,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } },
    ],
  });
  const t0 = performance.now();
  await emu.start();
  const registrationStormMs = performance.now() - t0;

  const clients: SchedulerClient[] = [];
  let stopped = false;
  let seq = 0;
  const accept = (client: SchedulerClient, offers: Offer[]) => {
    for (const offer of offers) {
      const freed = freedAt.get(offer.agent_id.value);
      if (freed !== undefined && measuring) offerCycle.push(performance.now() - freed);
      freedAt.delete(offer.agent_id.value);
      if (stopped) {
        client.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } }).catch(() => undefined);
        continue;
      }
      const cpus = offer.resources.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
      const n = Math.min(8, Math.floor(cpus / 0.5 + 1e-9));
      const tasks: TaskInfo[] = [];
      for (let i = 0; i < n; i++) {
        const id = `s${seq++}`;
        launchedAt.set(id, performance.now());
        tasks.push({
          name: id,
          task_id: { value: id },
          agent_id: offer.agent_id,
          command: { value: 'true' },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
          ],
        });
      }
      client
        .call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } } })
        .catch(() => undefined);
    }
  };
  for (let i = 0; i < frameworks; i++) {
    const client: SchedulerClient = new SchedulerClient({
      master: { host: '127.0.0.1', port: master.port },
      format: 'json',
      onEvent: (e) => {
        if (e.type === 'OFFERS') accept(client, (e.offers as { offers: Offer[] }).offers);
        else if (e.type === 'UPDATE') {
          const s = (e.update as { status: TaskStatus }).status;
          if (s.uuid && s.agent_id) {
            client.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } }).catch(() => undefined);
          }
          if (s.state === 'TASK_RUNNING' && measuring) {
            const at = launchedAt.get(s.task_id.value);
            if (at !== undefined) acceptToRunning.push(performance.now() - at);
          }
          if (s.state === 'TASK_FINISHED') {
            launchedAt.delete(s.task_id.value);
            if (measuring) finished++;
            if (s.agent_id) freedAt.set(s.agent_id.value, performance.now());
          }
        }
      },
    });
    clients.push(client);
  }
  await Promise.all(clients.map((c, i) => c.subscribe({ user: os.userInfo().username, name: `scale-${i}` })));
  // Warm up, then measure a steady state.
  await new Promise((r) => setTimeout(r, 2000));
  const cpuBefore = procStat(master.proc.pid!).cpuSecs;
  measuring = true;
  const m0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const measuredSecs = (performance.now() - m0) / 1000;
  const stat = procStat(master.proc.pid!);
  stopped = true;
  const s0 = performance.now();
  const body = await (await fetch(`${master.url}/master/state`)).text();
  const stateMs = performance.now() - s0;
  for (const c of clients) c.close();
  emu.stop();
  await master.stop();
  return {
    agents,
    frameworks,
    seconds: measuredSecs,
    registrationStormMs,
    tasksFinished: finished,
    tasksPerSecond: finished / measuredSecs,
    offerCycleP50Ms: quantile(offerCycle, 0.5),
    offerCycleP99Ms: quantile(offerCycle, 0.99),
    acceptToRunningP50Ms: quantile(acceptToRunning, 0.5),
    acceptToRunningP99Ms: quantile(acceptToRunning, 0.99),
    masterRssMb: stat.rssMb,
    masterCpuSecsPerThousandTasks: finished > 0 ? ((stat.cpuSecs - cpuBefore) / finished) * 1000 : Number.NaN,
    stateMs,
    stateMb: body.length / 1e6,
  };
}

if (process.argv[1]?.endsWith('scale.ts')) {
  const r = await scale(Number(arg('agents', '1000')), Number(arg('frameworks', '10')), Number(arg('seconds', '10')), Number(arg('task_ms', '200')));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
