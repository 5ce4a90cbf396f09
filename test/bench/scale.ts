// Scale benchmark (issue 9): N emulated agents and M schedulers against one real master.
//   registration storm    N agents connect at once
//   throughput            tasks launched and finished per second, sustained for --seconds
//   offer cycle           a task finishes on an agent -> its resources are offered again (p50/p99)
//   accept -> running     ACCEPT sent -> TASK_RUNNING received (p50/p99)
//   master memory/state   RSS and CPU of the master, /master/state time and size at the end
// The agents and the schedulers run in child processes of their own (scale-load.ts); this
// process only starts them, waits and computes.
// Usage: tsx test/bench/scale.ts [--agents=N] [--frameworks=M] [--seconds=S] [--task_ms=T]
//          [--agent_procs=P] [--scheduler_procs=Q] [--rate=R] [--agent_cpus=C]
//          [--calls=pipelined|pool]
// --calls: the schedulers' calls pipelined on one connection per framework as libmesos makes
// them (default), or through node:http's keep-alive pool, one request per connection at a time.
// --rate: tasks launched per second in all (0, the default: as fast as offers come back). A
// closed loop at full speed measures throughput; its latencies are queueing, so latency
// targets are measured at a given rate.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startMaster } from '../helpers/cluster.ts';
import type { ChildMessage, LoadConfig, ParentMessage } from './scale-load.ts';

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!;
}

export function procStat(pid: number): { rssMb: number; cpuSecs: number; syscalls: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const syscalls = Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? 0) + Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0);
  return { rssMb: rss, cpuSecs: ticks / 100, syscalls };
}

export interface ScaleResult {
  agents: number;
  frameworks: number;
  /** Tasks per second asked for (0: unlimited). */
  rate: number;
  seconds: number;
  registrationStormMs: number;
  subscribeMs: number;
  tasksFinished: number;
  tasksPerSecond: number;
  offerCycleP50Ms: number;
  offerCycleP99Ms: number;
  offerCycleSamples: number;
  /** The offer cycle's parts (p99 of each): agent timestamp -> its update at a scheduler, and that -> the offer. */
  offerCycleToUpdateP99Ms: number;
  offerCycleAfterUpdateP50Ms: number;
  offerCycleAfterUpdateP99Ms: number;
  /** How long the emulated agents held finished updates between their timestamp and their write (p99). */
  agentSendDelayP99Ms: number;
  acceptToRunningP50Ms: number;
  acceptToRunningP99Ms: number;
  /** The master's own view: allocator/mesos/allocation_run_ms and allocation_run_latency_ms. */
  allocationRunP99Ms: number;
  allocationRunLatencyP99Ms: number;
  /** Tasks staging, starting or running in the master when /master/state was fetched. */
  tasksActiveAtEnd: number;
  /** From the end of the measurement until no task was active (the backlog of an overloaded run). */
  drainMs: number;
  /**
   * How late each load process's event loop ran (agents first), p99 and max over the window: a
   * stall there delays the updates and offers it timestamps, so it is part of the latencies.
   */
  loadLoopDelayP99Ms: number[];
  loadLoopDelayMaxMs: number[];
  /** Cores used while measuring: the master, and each load process (agents first). */
  masterCpuShare: number;
  loadCpuShares: number[];
  masterRssMb: number;
  /** The master's RSS with the agents registered, before any framework subscribed. */
  masterRssAgentsOnlyMb: number;
  /** Tasks in the master's memory at the window's end (`masterRssMb`), completed and active. */
  tasksHeldAtWindowEnd: number;
  /** What each 100,000 tasks held added to the master's RSS by the window's end. */
  masterRssMbPer100kTasks: number;
  /**
   * Its RSS once the backlog was done (before /master/state), holding `tasksHeld` tasks, of
   * which `completedTasksHeld` completed (kept for /master/state).
   */
  masterRssAfterMb: number;
  tasksHeld: number;
  completedTasksHeld: number;
  masterCpuSecsPerThousandTasks: number;
  /** The master's read and write system calls (socket I/O on loopback, mostly) per task finished. */
  masterIoCallsPerTask: number;
  stateMs: number;
  stateAgainMs: number;
  stateMb: number;
  /** What travelled: gzip, as a browser asks for it. */
  stateWireMb: number;
}

/** A forked scale-load.ts process. */
export class Load {
  private readonly proc: ChildProcess;
  private readonly waiting: Array<(m: ChildMessage) => void> = [];
  readonly exited: Promise<void>;

  constructor(cfg: LoadConfig) {
    this.proc = fork(new URL('./scale-load.ts', import.meta.url).pathname, [JSON.stringify(cfg)], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: ChildMessage) => this.waiting.shift()?.(m));
    this.exited = new Promise((resolve, reject) =>
      this.proc.on('exit', (code, signal) => {
        const early = this.waiting.length > 0;
        for (const w of this.waiting.splice(0)) w({ type: 'ready', ms: Number.NaN });
        if (early) reject(new Error(`scale-load (${cfg.role} ${cfg.first}+${cfg.count}) exited: ${signal ?? code}`));
        else resolve();
      }),
    );
    this.exited.catch(() => undefined);
  }

  next<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) =>
      this.waiting.push((m) =>
        m.type === type
          ? resolve(m as Extract<ChildMessage, { type: T }>)
          : reject(new Error(`scale-load: expected ${type}, got ${m.type}`)),
      ),
    );
  }

  tell(m: ParentMessage): void {
    this.proc.send(m);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  stop(): void {
    if (this.proc.connected) this.proc.disconnect();
  }
}

/** GET with gzip accepted, as a browser: the time until the whole body is in and decoded. */
function timedGet(url: string): Promise<{ ms: number; wireBytes: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const body = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire).toString('utf8');
          resolve({ ms: performance.now() - t0, wireBytes: wire.length, body });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Every task the master knows of: its task metrics count each terminal state ever reached and
 * gauge the active ones (the bench keeps every completed task, so none was dropped).
 */
function tasksKnown(metrics: Record<string, number>): number {
  return Object.entries(metrics).reduce((n, [k, v]) => (k.startsWith('master/tasks_') ? n + v : n), 0);
}

/** Splits n items into k nearly equal slices. */
function slices(n: number, k: number): Array<{ first: number; count: number }> {
  const out: Array<{ first: number; count: number }> = [];
  for (let i = 0, first = 0; i < k; i++) {
    const count = Math.floor(n / k) + (i < n % k ? 1 : 0);
    if (count > 0) out.push({ first, count });
    first += count;
  }
  return out;
}

/** One offer cycle, and its two parts: until a scheduler had the finished task's update, and from there to the offer. */
export interface OfferCycle {
  ms: number;
  toUpdateMs: number;
  afterUpdateMs: number;
}

/**
 * Offer cycle samples: for each agent, from the first task that finished on it (the agent's
 * timestamp) to the next offer of that agent (its arrival at a scheduler), ordered by wall clock
 * across all the schedulers' processes. `finished` holds [agent, timestamp, arrival of that
 * update at its scheduler]: the master forwards the update when it takes the resources back, so
 * the part after it is the master's allocation and the trip of the offer.
 */
export function offerCycles(finished: Array<[string, number, number]>, offers: Array<[string, number]>): OfferCycle[] {
  type Event = { a: string; t: number; arrived?: number };
  const events: Event[] = [...finished.map(([a, t, arrived]) => ({ a, t, arrived })), ...offers.map(([a, t]) => ({ a, t }))].sort(
    (x, y) => x.t - y.t,
  );
  const freed = new Map<string, Event>();
  const cycles: OfferCycle[] = [];
  for (const e of events) {
    if (e.arrived !== undefined) {
      if (!freed.has(e.a)) freed.set(e.a, e);
    } else {
      const f = freed.get(e.a);
      if (f !== undefined) cycles.push({ ms: e.t - f.t, toUpdateMs: f.arrived! - f.t, afterUpdateMs: e.t - f.arrived! });
      freed.delete(e.a);
    }
  }
  return cycles;
}

export async function scale(
  agents: number,
  frameworks: number,
  seconds: number,
  taskMs: number,
  procs: { agents: number; schedulers: number } = { agents: 1, schedulers: 1 },
  rate = 0,
  agentCpus = 4,
  calls: 'pipelined' | 'pool' = 'pipelined',
): Promise<ScaleResult> {
  // Every completed task is kept (the busiest frameworks launch several times their share), so
  // the master's memory is measured against all the tasks it held.
  const master = await startMaster(['--quiet', '--registry=in_memory', '--max_completed_tasks_per_framework=1000000']);
  const loads: Load[] = [];
  try {
    const agentLoads = slices(agents, procs.agents).map(
      (s) => new Load({ role: 'agents', masterPort: master.port, taskMs, rate: 0, agentCpus, ...s }),
    );
    loads.push(...agentLoads);
    const t0 = performance.now();
    await Promise.all(agentLoads.map((l) => l.next('ready')));
    const registrationStormMs = performance.now() - t0;
    const masterRssAgentsOnlyMb = procStat(master.proc.pid!).rssMb;

    const schedulerSlices = slices(frameworks, procs.schedulers);
    const schedulerLoads = schedulerSlices.map(
      (s) => new Load({ role: 'schedulers', masterPort: master.port, taskMs, rate: rate / schedulerSlices.length, calls, ...s }),
    );
    loads.push(...schedulerLoads);
    const t1 = performance.now();
    await Promise.all(schedulerLoads.map((l) => l.next('ready')));
    const subscribeMs = performance.now() - t1;

    // Warm up, then measure a steady state.
    await new Promise((r) => setTimeout(r, 3000));
    const { cpuSecs: cpuBefore, syscalls: ioBefore } = procStat(master.proc.pid!);
    const loadCpuBefore = loads.map((l) => procStat(l.pid).cpuSecs);
    for (const l of loads) l.tell({ type: 'measure' });
    const m0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const reports = await Promise.all(
      schedulerLoads.map((l) => {
        const r = l.next('report');
        l.tell({ type: 'report' });
        return r;
      }),
    );
    const measuredSecs = (performance.now() - m0) / 1000;
    const loops = await Promise.all(
      loads.map((l) => {
        const r = l.next('loop');
        l.tell({ type: 'loop' });
        return r;
      }),
    );
    const stat = procStat(master.proc.pid!);
    const tasksHeldAtWindowEnd = tasksKnown((await (await fetch(`${master.url}/metrics/snapshot`)).json()) as Record<string, number>);
    const loadCpu = loads.map((l, i) => (procStat(l.pid).cpuSecs - loadCpuBefore[i]!) / measuredSecs);
    const drainStart = performance.now();
    await Promise.all(
      schedulerLoads.map((l) => {
        const drained = l.next('drained');
        l.tell({ type: 'drain' });
        return drained;
      }),
    );
    // Let the tasks in flight finish (asked for more than it can do, the master works through a
    // backlog for a while), so /master/state is timed on a master that only serves it.
    const active = (m: Record<string, number>) =>
      (m['master/tasks_staging'] ?? 0) + (m['master/tasks_starting'] ?? 0) + (m['master/tasks_running'] ?? 0);
    let metrics: Record<string, number>;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      metrics = (await (await fetch(`${master.url}/metrics/snapshot`)).json()) as Record<string, number>;
      if (active(metrics) === 0 || performance.now() - drainStart > 120_000) break;
    }
    const drainMs = performance.now() - drainStart;
    await new Promise((r) => setTimeout(r, 500));
    const masterRssAfterMb = procStat(master.proc.pid!).rssMb;
    const first = await timedGet(`${master.url}/master/state`);
    // Again, as a web UI polling it would: tasks unchanged since are served from the cache.
    const again = await timedGet(`${master.url}/master/state`);
    const stateMs = first.ms;
    const stateAgainMs = again.ms;
    const body = first.body;
    // A task whose terminal update is not yet acknowledged is still among a framework's tasks.
    const stateFrameworks = (JSON.parse(body) as { frameworks: Array<{ tasks: unknown[]; completed_tasks: unknown[] }> }).frameworks;
    const completedTasksHeld = stateFrameworks.reduce((n, f) => n + f.completed_tasks.length, 0);
    const tasksHeld = completedTasksHeld + stateFrameworks.reduce((n, f) => n + f.tasks.length, 0);

    const finished = reports.flatMap((r) => r.finished);
    const offers = reports.flatMap((r) => r.offers);
    const acceptToRunning = reports.flatMap((r) => r.acceptToRunningMs);
    const tasksFinished = reports.reduce((n, r) => n + r.tasksFinished, 0);
    const cycles = offerCycles(finished, offers);
    const cycleMs = cycles.map((c) => c.ms);
    const afterUpdateMs = cycles.map((c) => c.afterUpdateMs);
    return {
      agents,
      frameworks,
      rate,
      seconds: measuredSecs,
      registrationStormMs,
      subscribeMs,
      tasksFinished,
      tasksPerSecond: tasksFinished / measuredSecs,
      offerCycleP50Ms: quantile(cycleMs, 0.5),
      offerCycleP99Ms: quantile(cycleMs, 0.99),
      offerCycleSamples: cycles.length,
      offerCycleToUpdateP99Ms: quantile(
        cycles.map((c) => c.toUpdateMs),
        0.99,
      ),
      offerCycleAfterUpdateP50Ms: quantile(afterUpdateMs, 0.5),
      offerCycleAfterUpdateP99Ms: quantile(afterUpdateMs, 0.99),
      agentSendDelayP99Ms: quantile(
        loops.slice(0, agentLoads.length).flatMap((l) => l.finishedSendDelaysMs),
        0.99,
      ),
      acceptToRunningP50Ms: quantile(acceptToRunning, 0.5),
      acceptToRunningP99Ms: quantile(acceptToRunning, 0.99),
      allocationRunP99Ms: metrics['allocator/mesos/allocation_run_ms/p99'] ?? Number.NaN,
      allocationRunLatencyP99Ms: metrics['allocator/mesos/allocation_run_latency_ms/p99'] ?? Number.NaN,
      tasksActiveAtEnd: active(metrics),
      drainMs,
      loadLoopDelayP99Ms: loops.map((l) => Number(l.p99Ms.toFixed(1))),
      loadLoopDelayMaxMs: loops.map((l) => Number(l.maxMs.toFixed(1))),
      masterCpuShare: (stat.cpuSecs - cpuBefore) / measuredSecs,
      loadCpuShares: loadCpu.map((c) => Number(c.toFixed(2))),
      masterRssMb: stat.rssMb,
      masterRssAgentsOnlyMb,
      tasksHeldAtWindowEnd,
      masterRssMbPer100kTasks:
        tasksHeldAtWindowEnd > 0 ? ((stat.rssMb - masterRssAgentsOnlyMb) / tasksHeldAtWindowEnd) * 100_000 : Number.NaN,
      masterRssAfterMb,
      tasksHeld,
      completedTasksHeld,
      masterCpuSecsPerThousandTasks: tasksFinished > 0 ? ((stat.cpuSecs - cpuBefore) / tasksFinished) * 1000 : Number.NaN,
      masterIoCallsPerTask: tasksFinished > 0 ? (stat.syscalls - ioBefore) / tasksFinished : Number.NaN,
      stateMs,
      stateAgainMs,
      stateMb: body.length / 1e6,
      stateWireMb: first.wireBytes / 1e6,
    };
  } finally {
    for (const l of loads) l.stop();
    await Promise.all(loads.map((l) => l.exited.catch(() => undefined)));
    await master.stop();
  }
}

if (process.argv[1]?.endsWith('scale.ts')) {
  const r = await scale(
    Number(arg('agents', '1000')),
    Number(arg('frameworks', '10')),
    Number(arg('seconds', '10')),
    Number(arg('task_ms', '200')),
    {
      agents: Number(arg('agent_procs', '1')),
      schedulers: Number(arg('scheduler_procs', '1')),
    },
    Number(arg('rate', '0')),
    Number(arg('agent_cpus', '4')),
    arg('calls', 'pipelined') === 'pool' ? 'pool' : 'pipelined',
  );
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
