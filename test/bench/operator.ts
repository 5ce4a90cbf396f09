// The operator event stream under load (npm run bench -- operator): emulated agents (the scale
// bench's load processes) run short tasks for schedulers launching at a steady rate, so that the
// master handles about --operator_rate task status updates a second. The master's CPU is
// measured with no subscriber, with one, and with --operator_subscribers; the one in this
// process times each TASK_UPDATED of a TASK_STARTING from the emulated agent's timestamp (the
// moment the agent made the update) to its arrival here. The other subscribers run in a process
// of their own (operator-readers.ts) that counts records without parsing them.
import { type ChildProcess, fork } from 'node:child_process';
import { subscribeRequest } from './subscribe-request.ts';
import type { mesos } from '../../daemons/common/mesos.ts';
import { RecordIODecoder } from '../../daemons/common/recordio.ts';
import { startMaster } from '../helpers/cluster.ts';
import type { ReadersMessage } from './operator-readers.ts';
import { Load, procStat } from './scale.ts';

export interface OperatorPhase {
  subscribers: number;
  seconds: number;
  /** Status updates the master accepted per second in the window. */
  updatesPerSecond: number;
  /** The master's CPU, in cores (1 = one core busy all the time). */
  masterCpu: number;
  /** From the agent's TASK_STARTING to its TASK_UPDATED at the subscriber (none without one). */
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  latencyMaxMs?: number;
  latencySamples?: number;
  /** Bytes per second each of the other subscribers received, on average. */
  readerBytesPerSecond?: number;
  /** CPU of the load processes (emulated agents, schedulers) and of the readers' process, in cores. */
  othersCpu: number;
  /** Subscribers whose stream ended during the window (cut off, say). */
  readersEnded?: number;
}

export interface OperatorResult {
  agents: number;
  frameworks: number;
  tasksPerSecondAsked: number;
  phases: OperatorPhase[];
}

/** Wall-clock ms, as the emulated agents stamp their updates (scale-load.ts's wallMs). */
const wallMs = (): number => performance.timeOrigin + performance.now();

/** An emulated task makes three updates: STARTING, RUNNING, FINISHED. */
const UPDATES_PER_TASK = 3;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/** One SUBSCRIBE read and parsed here; `measuring` decides whether latencies are kept. */
function latencySubscriber(port: number): { latencies: number[]; measuring: boolean; ready: Promise<void>; close(): void } {
  const decoder = new RecordIODecoder();
  const state = { latencies: [] as number[], measuring: false, ready: undefined as unknown as Promise<void>, close: () => {} };
  state.ready = new Promise<void>((resolve, reject) => {
    const req = subscribeRequest(port, (res) => {
      res.on('data', (chunk: Buffer) => {
        const now = wallMs();
        for (const r of decoder.decode(chunk)) {
          const e = JSON.parse(r.toString('utf8')) as mesos.v1.master.Event;
          if (e.type === 'SUBSCRIBED') resolve();
          const status = e.task_updated?.status;
          if (state.measuring && status?.state === 'TASK_STARTING' && status.timestamp !== undefined)
            state.latencies.push(now - status.timestamp * 1000);
        }
      });
    });
    req.on('error', reject);
    state.close = () => req.destroy();
  });
  return state;
}

/** The forked readers: ready once each has its SUBSCRIBED; counts on request. */
class Readers {
  private readonly proc: ChildProcess;
  private readonly waiting: Array<(m: ReadersMessage) => void> = [];

  constructor(port: number, count: number) {
    this.proc = fork(new URL('./operator-readers.ts', import.meta.url).pathname, [JSON.stringify({ port, count })], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: ReadersMessage) => this.waiting.shift()?.(m));
  }

  next(): Promise<ReadersMessage> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async counts(): Promise<{ bytes: number; ended: number }> {
    const reply = this.next();
    this.proc.send({ type: 'counts' });
    const m = await reply;
    return m.type === 'counts' ? m : { bytes: 0, ended: 0 };
  }

  get pid(): number {
    return this.proc.pid!;
  }

  stop(): void {
    if (this.proc.connected) this.proc.disconnect();
  }
}

async function metric(url: string, name: string): Promise<number> {
  const m = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
  return m[name] ?? 0;
}

export async function operatorBench(
  subscribers: number,
  updatesPerSecond: number,
  seconds: number,
  agents = 50,
  frameworks = 10,
): Promise<OperatorResult> {
  // Few completed tasks kept: each SUBSCRIBED carries the whole state, and 10 frameworks' 1,000
  // completed tasks each (the default) would make it megabytes for each of the subscribers.
  const master = await startMaster(['--quiet', '--registry=in_memory', '--max_completed_tasks_per_framework=20']);
  const pid = master.proc.pid!;
  const tasksPerSecond = updatesPerSecond / UPDATES_PER_TASK;
  const loads: Load[] = [];
  let readers: Readers | undefined;
  let latency: ReturnType<typeof latencySubscriber> | undefined;
  try {
    const agentLoad = new Load({ role: 'agents', masterPort: master.port, first: 0, count: agents, taskMs: 200, rate: 0, agentCpus: 4 });
    loads.push(agentLoad);
    await agentLoad.next('ready');
    const schedulers = new Load({
      role: 'schedulers',
      masterPort: master.port,
      first: 0,
      count: frameworks,
      taskMs: 200,
      rate: tasksPerSecond,
    });
    loads.push(schedulers);
    await schedulers.next('ready');
    await new Promise((r) => setTimeout(r, 3000));

    const othersCpu = () =>
      [...loads.map((l) => l.pid), ...(readers ? [readers.pid] : [])].reduce((sum, p) => sum + procStat(p).cpuSecs, 0);
    const phase = async (n: number): Promise<OperatorPhase> => {
      const cpu0 = procStat(pid).cpuSecs;
      const others0 = othersCpu();
      const updates0 = await metric(master.url, 'master/valid_status_updates');
      const before = readers ? await readers.counts() : undefined;
      if (latency) {
        latency.latencies.length = 0;
        latency.measuring = true;
      }
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const secs = (performance.now() - t0) / 1000;
      const cpu = (procStat(pid).cpuSecs - cpu0) / secs;
      const updates = ((await metric(master.url, 'master/valid_status_updates')) - updates0) / secs;
      const out: OperatorPhase = {
        subscribers: n,
        seconds: secs,
        updatesPerSecond: updates,
        masterCpu: cpu,
        othersCpu: (othersCpu() - others0) / secs,
      };
      if (latency) {
        latency.measuring = false;
        const sorted = latency.latencies.slice().sort((a, b) => a - b);
        Object.assign(out, {
          latencyP50Ms: quantile(sorted, 0.5),
          latencyP99Ms: quantile(sorted, 0.99),
          latencyMaxMs: sorted.at(-1) ?? Number.NaN,
          latencySamples: sorted.length,
        });
      }
      if (readers && before) {
        const after = await readers.counts();
        out.readerBytesPerSecond = (after.bytes - before.bytes) / secs / (n - 1);
        out.readersEnded = after.ended - before.ended;
      }
      return out;
    };

    const phases: OperatorPhase[] = [await phase(0)];
    latency = latencySubscriber(master.port);
    await latency.ready;
    phases.push(await phase(1));
    if (subscribers > 1) {
      readers = new Readers(master.port, subscribers - 1);
      await readers.next();
      if ((await metric(master.url, 'master/operator_event_stream_subscribers')) !== subscribers)
        throw new Error(`expected ${subscribers} operator subscribers`);
      phases.push(await phase(subscribers));
    }
    return { agents, frameworks, tasksPerSecondAsked: tasksPerSecond, phases };
  } finally {
    latency?.close();
    readers?.stop();
    for (const l of loads) l.stop();
    await master.stop();
  }
}
