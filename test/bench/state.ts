// /master/state at size (issue 9): an in-process master with N agents and T running tasks,
// built through the master's own calls (no sockets for agents and schedulers, so it takes
// seconds, not the minutes the scale suite needs to launch 100,000 tasks), served by the
// master's real request listener on loopback and fetched by a client process of its own, as a
// browser would (gzip accepted). Next to it, in the same run, a bare Node HTTP server sends the
// same bytes to the same client: the limit of this machine for the document.
// Usage: tsx test/bench/state.ts [--agents=10000] [--frameworks=100] [--tasks=100000]
//          [--runs=5]
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { MasterToAgent } from '../../daemons/common/agent-protocol.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import type { Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import { configureMasterServer, masterRequestListener } from '../../daemons/master/http-app.ts';
import type { AgentLink, EventSink, SchedulerEvent } from '../../daemons/master/links.ts';
import { Master } from '../../daemons/master/master.ts';
import type { AgentRecord, FrameworkRecord } from '../../daemons/master/records.ts';
import { applyCall, type SchedulerCall } from '../../daemons/master/scheduler-calls.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';

export interface StateResult {
  agents: number;
  frameworks: number;
  tasks: number;
  buildSecs: number;
  /** Median of --runs GETs of /master/state, request to decoded body, and the first one. */
  stateMs: number;
  stateFirstMs: number;
  stateMb: number;
  stateWireMb: number;
  /** The same bytes from a bare Node server (gzipped beforehand), median. */
  bareMs: number;
  masterHeapMb: number;
}

class Discard implements AgentLink, EventSink {
  offers: Offer[] = [];
  send(m: MasterToAgent | SchedulerEvent): void {
    if (m.type === 'OFFERS') this.offers.push(...(m.offers as { offers: Offer[] }).offers);
  }
  close(): void {}
}

const allocation = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A master holding `tasks` running tasks of `frameworks` frameworks on `agents` agents. */
export async function populatedMaster(agents: number, frameworks: number, tasks: number): Promise<Master> {
  const master = new Master({ ...TEST_MASTER_CONFIG, maxCompletedTasksPerFramework: 1000 }, silentLogger());
  const perAgent = Math.ceil(tasks / agents);
  const agentRecords = new Map<string, AgentRecord>();
  for (let i = 0; i < agents; i++) {
    const id = master.registerAgent(
      {
        hostname: `emu-${i}`,
        port: 10000 + (i % 50000),
        pid: `slave(1)@127.0.0.1:${10000 + (i % 50000)}`,
        version: '1.11.0',
        resources: parseResources(`cpus:${perAgent};mem:${perAgent * 64};ports:[31000-32000]`),
        attributes: [],
        tasks: [],
        frameworks: [],
      },
      new Discard(),
      `agent-${i}`,
    );
    agentRecords.set(id, master.agents.get(id)!);
  }
  const fws: Array<{ fw: FrameworkRecord; sink: Discard }> = [];
  for (let i = 0; i < frameworks; i++) {
    const sink = new Discard();
    const fw = master.subscribe({ user: 'bench', name: `f${i}`, capabilities: [{ type: 'PARTITION_AWARE' }], failover_timeout: 3600 }, [], sink, `fw-${i}`);
    fws.push({ fw, sink });
  }
  let launched = 0;
  while (launched < tasks) {
    await allocation();
    let progress = false;
    for (const { fw, sink } of fws) {
      const offers = sink.offers.splice(0);
      for (const offer of offers) {
        if (!master.offers.has(offer.id.value)) continue;
        const taskInfos: TaskInfo[] = [];
        const cpus = offer.resources.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
        for (let k = 0; k < Math.floor(cpus) && launched + taskInfos.length < tasks; k++) {
          const id = `${fw.info.name}-${launched + taskInfos.length}`;
          taskInfos.push({ name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: parseResources('cpus:1;mem:64'), command: { value: 'sleep 1000' } });
        }
        applyCall(master, fw, {
          type: 'ACCEPT',
          framework_id: { value: fw.id },
          accept: { offer_ids: [offer.id], operations: taskInfos.length > 0 ? [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }] : [] },
        } as SchedulerCall);
        const agent = agentRecords.get(offer.agent_id.value)!;
        for (const t of taskInfos) {
          for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const) {
            const uuid = newStatusUuid();
            master.statusUpdate(agent, fw.id, { task_id: t.task_id, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: Date.now() / 1000 });
            master.acknowledge(fw, agent.id, t.task_id.value, uuid);
          }
        }
        launched += taskInfos.length;
        progress ||= taskInfos.length > 0;
      }
    }
    if (!progress && launched < tasks) await new Promise((r) => setTimeout(r, 10));
  }
  return master;
}

/** The client: a process of its own, so its decoding does not queue behind the server. */
const CLIENT = `
const http = require('node:http');
const { gunzipSync } = require('node:zlib');
process.on('message', ({ url }) => {
  const t0 = performance.now();
  http.get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const wire = Buffer.concat(chunks);
      const body = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire).toString('utf8');
      process.send({ ms: performance.now() - t0, wire: wire.length, size: Buffer.byteLength(body) });
    });
  });
});
`;

async function listen(listener: http.RequestListener, configure?: (server: http.Server) => void): Promise<{ url: string; close: () => void }> {
  const server = http.createServer(listener);
  configure?.(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

export async function stateBench(agents: number, frameworks: number, tasks: number, runs: number): Promise<StateResult> {
  const t0 = performance.now();
  const master = await populatedMaster(agents, frameworks, tasks);
  const buildSecs = (performance.now() - t0) / 1000;
  const ctx = { master, flags: {}, buildTime: Date.now() };
  // Configured as the master's own server is (timeouts, writes batched per turn).
  const server = await listen(masterRequestListener(ctx), configureMasterServer);
  const client = fork('-e', [CLIENT], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const get = (url: string) =>
    new Promise<{ ms: number; wire: number; size: number }>((resolve) => {
      client.once('message', (m: { ms: number; wire: number; size: number }) => resolve(m));
      client.send({ url });
    });
  try {
    const first = await get(`${server.url}/master/state`);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push((await get(`${server.url}/master/state`)).ms);
    // The limit: the same document, already serialized and gzipped, from a bare Node server.
    const raw = await fetch(`${server.url}/master/state`).then((r) => r.arrayBuffer());
    const gz = gzipSync(Buffer.from(raw), { level: 1 });
    const bare = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gz.length });
      res.end(gz);
    });
    const bareTimes: number[] = [];
    for (let i = 0; i < runs; i++) bareTimes.push((await get(bare.url)).ms);
    bare.close();
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    return {
      agents,
      frameworks,
      tasks: [...master.frameworks.values()].reduce((n, f) => n + f.tasks.size, 0),
      buildSecs,
      stateMs: median(times),
      stateFirstMs: first.ms,
      stateMb: first.size / 1e6,
      stateWireMb: first.wire / 1e6,
      bareMs: median(bareTimes),
      masterHeapMb: process.memoryUsage().heapUsed / 1e6,
    };
  } finally {
    client.kill();
    server.close();
    master.stop();
  }
}

if (process.argv[1]?.endsWith('state.ts')) {
  const arg = (name: string, fallback: string) => process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const r = await stateBench(Number(arg('agents', '10000')), Number(arg('frameworks', '100')), Number(arg('tasks', '100000')), Number(arg('runs', '5')));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
