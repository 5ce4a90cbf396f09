// One load-generating process of the scale benchmark (test/bench/scale.ts forks these), so that
// the emulated agents and the schedulers each get an event loop of their own instead of
// queueing behind each other in the process that measures.
//   agents      emulates agents [first, first + count) of the cluster
//   schedulers  runs frameworks [first, first + count): accept every offer with tasks, acknowledge
//               every update, and record what the parent needs to compute latencies
// Configuration comes as JSON in argv[2]; results go back over the IPC channel.
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { SchedulerClient } from '../../daemons/common/scheduler-client.ts';
import { AgentEmulator } from './emulated-agents.ts';
import { PipelinedCaller } from './pipelined-calls.ts';

export interface LoadConfig {
  role: 'agents' | 'schedulers';
  masterPort: number;
  first: number;
  count: number;
  /** agents: how long an emulated task runs. */
  taskMs: number;
  /** schedulers: tasks per second this process launches at most (0: as many as offers allow). */
  rate: number;
  /** agents: cpus each emulated agent offers (tasks take 0.5). */
  agentCpus?: number;
  /**
   * schedulers: how calls travel. 'pipelined' (the default): one connection per framework,
   * requests pipelined, as libmesos's scheduler library does; 'pool': node:http's keep-alive
   * pool, one request at a time per connection (SchedulerClient.call).
   */
  calls?: 'pipelined' | 'pool';
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export type ParentMessage = { type: 'measure' } | { type: 'report' } | { type: 'drain' } | { type: 'loop' };

export type ChildMessage =
  | { type: 'ready'; ms: number }
  /** Every framework is suppressed and every offer it held or got since was declined. */
  | { type: 'drained' }
  /**
   * How late this process's event loop ran timers since 'measure': its own stalls, which the
   * latencies it reports include. Agents also say how long each finished task's update waited
   * in the emulator between its timestamp and its write (ms).
   */
  | { type: 'loop'; p99Ms: number; maxMs: number; finishedSendDelaysMs: number[] }
  | {
      type: 'report';
      /** [agent id, wall ms when the agent reported the task finished, wall ms when that update arrived here] */
      finished: Array<[string, number, number]>;
      /** [agent id, wall ms when the offer arrived] */
      offers: Array<[string, number]>;
      acceptToRunningMs: number[];
      tasksFinished: number;
    };

const send = (m: ChildMessage): void => {
  process.send!(m);
};

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
/** The agents' finished updates: how long each waited in the emulator (ms). */
const finishedSendDelays: number[] = [];
process.on('message', (m: ParentMessage) => {
  if (m.type === 'measure') {
    loopDelay.reset();
    finishedSendDelays.length = 0;
  } else if (m.type === 'loop') {
    send({ type: 'loop', p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6, finishedSendDelaysMs: finishedSendDelays });
  }
});

async function runAgents(cfg: LoadConfig): Promise<void> {
  const emu = new AgentEmulator({
    masterHost: '127.0.0.1',
    masterPort: cfg.masterPort,
    count: cfg.count,
    firstIndex: cfg.first,
    taskMs: cfg.taskMs,
    finishedSendDelays,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cfg.agentCpus ?? 4 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 * 2 * (cfg.agentCpus ?? 4) } },
    ],
  });
  const t0 = performance.now();
  await emu.start();
  send({ type: 'ready', ms: performance.now() - t0 });
  process.on('disconnect', () => {
    emu.stop();
    process.exit(0);
  });
}

async function runSchedulers(cfg: LoadConfig): Promise<void> {
  let measuring = false;
  let draining = false;
  let finished: Array<[string, number, number]> = [];
  let offersSeen: Array<[string, number]> = [];
  let acceptToRunningMs: number[] = [];
  let tasksFinished = 0;
  const launchedAt = new Map<string, number>();
  let seq = 0;

  // With a rate, offers wait here for launch tokens (oldest first), as a scheduler with a
  // backlog of work holds offers until it has tasks for them.
  const callers = new Map<SchedulerClient, PipelinedCaller>();
  /** Who makes a framework's calls (its pipelined connection exists once it is subscribed). */
  const callerOf = (client: SchedulerClient): { call(c: Record<string, unknown>): Promise<void> } => {
    if (cfg.calls === 'pool' || client.frameworkId === undefined || client.streamId === undefined) return client;
    let caller = callers.get(client);
    if (caller === undefined) {
      caller = new PipelinedCaller('127.0.0.1', cfg.masterPort, client.frameworkId, client.streamId);
      callers.set(client, caller);
    }
    return caller;
  };
  const held: Array<{ client: SchedulerClient; fw: number; offer: Offer }> = [];
  /** Declines of offers that arrived while draining (sent before the drain's SUPPRESS was answered). */
  const lateDeclines: Array<Promise<void>> = [];
  let tokens = 0;
  let lastRefill = performance.now();
  if (cfg.rate > 0) {
    setInterval(() => {
      const now = performance.now();
      tokens = Math.min(tokens + ((now - lastRefill) / 1000) * cfg.rate, Math.max(8, cfg.rate / 50));
      lastRefill = now;
      while (held.length > 0 && tokens >= 1) {
        const h = held.shift()!;
        tokens -= launch(h.client, h.fw, h.offer, Math.floor(tokens));
      }
    }, 5);
  }

  const accept = (client: SchedulerClient, fw: number, offers: Offer[]): void => {
    const now = wallMs();
    for (const offer of offers) {
      if (measuring) offersSeen.push([offer.agent_id.value, now]);
      if (draining) {
        lateDeclines.push(
          callerOf(client)
            .call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } })
            .catch(() => undefined),
        );
        continue;
      }
      if (cfg.rate > 0) held.push({ client, fw, offer });
      else launch(client, fw, offer, Number.POSITIVE_INFINITY);
    }
  };

  /** Launches up to `max` tasks on an offer (what is left goes back); returns how many. */
  const launch = (client: SchedulerClient, fw: number, offer: Offer, max: number): number => {
    const cpus = offer.resources!.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
    const n = Math.min(16, max, Math.floor(cpus / 0.5 + 1e-9));
    const tasks: TaskInfo[] = [];
    for (let i = 0; i < n; i++) {
      const id = `f${fw}-${seq++}`;
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
    callerOf(client)
      .call({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } },
      })
      .catch(() => undefined);
    return n;
  };

  const clients: SchedulerClient[] = [];
  for (let i = cfg.first; i < cfg.first + cfg.count; i++) {
    const client: SchedulerClient = new SchedulerClient({
      master: { host: '127.0.0.1', port: cfg.masterPort },
      format: 'json',
      onEvent: (e) => {
        if (e.type === 'OFFERS') accept(client, i, (e.offers as { offers: Offer[] }).offers);
        else if (e.type === 'UPDATE') {
          const s = (e.update as { status: TaskStatus }).status;
          if (s.uuid && s.agent_id) {
            callerOf(client)
              .call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } })
              .catch(() => undefined);
          }
          if (s.state === 'TASK_RUNNING' && measuring) {
            const at = launchedAt.get(s.task_id.value);
            if (at !== undefined) acceptToRunningMs.push(performance.now() - at);
          }
          if (s.state === 'TASK_FINISHED') {
            launchedAt.delete(s.task_id.value);
            if (measuring) {
              tasksFinished++;
              if (s.agent_id && s.timestamp !== undefined) finished.push([s.agent_id.value, s.timestamp * 1000, wallMs()]);
            }
          }
        }
      },
    });
    clients.push(client);
  }
  const t0 = performance.now();
  await Promise.all(clients.map((c, i) => c.subscribe({ user: os.userInfo().username, name: `scale-${cfg.first + i}` })));
  send({ type: 'ready', ms: performance.now() - t0 });

  process.on('message', (m: ParentMessage) => {
    if (m.type === 'measure') measuring = true;
    else if (m.type === 'report') {
      measuring = false;
      send({ type: 'report', finished, offers: offersSeen, acceptToRunningMs, tasksFinished });
      finished = [];
      offersSeen = [];
      acceptToRunningMs = [];
      tasksFinished = 0;
    } else if (m.type === 'drain') {
      // Stop asking for offers (SUPPRESS) and give back the ones held, so that the master is
      // quiet for the measurements that follow. Every SUPPRESS is answered before the first
      // DECLINE leaves: declined resources would otherwise be offered to frameworks whose
      // SUPPRESS had not arrived yet, which decline them in turn (seconds of churn at 10k agents).
      draining = true;
      void (async () => {
        await Promise.all(
          clients.map((c) =>
            callerOf(c)
              .call({ type: 'SUPPRESS' })
              .catch(() => undefined),
          ),
        );
        const declines = held.splice(0).map((h) =>
          callerOf(h.client)
            .call({ type: 'DECLINE', decline: { offer_ids: [h.offer.id], filters: { refuse_seconds: 3600 } } })
            .catch(() => undefined),
        );
        await Promise.all([...declines, ...lateDeclines.splice(0)]);
        send({ type: 'drained' });
      })();
    }
  });
  process.on('disconnect', () => {
    for (const c of clients) c.close();
    for (const c of callers.values()) c.close();
    process.exit(0);
  });
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
if (cfg.role === 'agents') await runAgents(cfg);
else if (cfg.role === 'schedulers') await runSchedulers(cfg);
else {
  process.stderr.write(`scale-load: unknown role ${JSON.stringify(cfg.role)}\n`);
  process.exit(2);
}
