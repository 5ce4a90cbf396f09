// /master/state at size (issue 9): an in-process master with N agents and T running tasks,
// built through the master's own calls (no sockets for agents and schedulers, so it takes
// seconds, not the minutes the scale suite needs to launch 100,000 tasks), served by the
// master's real request listener on loopback and fetched by a client process of its own, as a
// browser would (gzip accepted). Next to it, in the same run, a bare Node HTTP server sends the
// same bytes to the same client: the limit of this machine for the document.
// The master serializes settled tasks in the background (state-warmer.ts) as the daemon does, and
// the first call comes --settle seconds after the launches, as a user opening the web UI would
// meet it. With --warmer=off there is no background work and no wait: the first call serializes
// every task and sums every agent's resources itself (the worst case, and the master before the
// warmer).
// Usage: tsx test/bench/state.ts [--agents=10000] [--frameworks=100] [--tasks=100000]
//          [--runs=5] [--settle=10] [--warmer=on|off]
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { configureMasterServer, masterRequestListener } from '../../daemons/master/http-app.ts';
import { StateJsonWarmer } from '../../daemons/master/state-warmer.ts';
import { populatedMaster } from '../helpers/populated-master.ts';

export interface StateResult {
  agents: number;
  frameworks: number;
  tasks: number;
  buildSecs: number;
  /** Median of --runs GETs of /master/state, request to decoded body. */
  stateMs: number;
  /** The first call, `settleSecs` after the last launch, and how many tasks the warmer (if on) had serialized by then. */
  stateFirstMs: number;
  warmer: boolean;
  settleSecs: number;
  warmedTasks: number;
  stateMb: number;
  stateWireMb: number;
  /** The same bytes from a bare Node server (gzipped beforehand), median. */
  bareMs: number;
  masterHeapMb: number;
}

/**
 * The client: a process of its own, so its decoding does not queue behind the server. Before the
 * first call it decodes a document of the same kind and size once: a fresh process's first 50 MB
 * decode took ~0.5 s longer than its next ones, which would have been counted against the
 * master's first call and not against the bare server's.
 */
const CLIENT = `
const http = require('node:http');
const { gzipSync, gunzipSync } = require('node:zlib');
const task = (i) => ({ id: 'warm-' + i, name: 'warm', framework_id: 'fw', executor_id: '', slave_id: 'agent-' + (i % 10000), state: 'TASK_FINISHED', resources: { cpus: 0.5, gpus: 0, mem: 64, disk: 0 }, role: '*', statuses: [{ state: 'TASK_RUNNING', timestamp: i }, { state: 'TASK_FINISHED', timestamp: i + 0.2 }] });
const warm = gzipSync(JSON.stringify({ tasks: Array.from({ length: Number(process.argv[1]) }, (_, i) => task(i)) }), { level: 1 });
for (let i = 0; i < 2; i++) gunzipSync(warm).toString('utf8');
process.send({ ready: true });
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

async function listen(
  listener: http.RequestListener,
  configure?: (server: http.Server) => void,
): Promise<{ url: string; close: () => void }> {
  const server = http.createServer(listener);
  configure?.(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

export async function stateBench(
  agents: number,
  frameworks: number,
  tasks: number,
  runs: number,
  settleSecs: number,
  warm: boolean,
): Promise<StateResult> {
  const t0 = performance.now();
  let warmer: StateJsonWarmer | undefined;
  const master = await populatedMaster(agents, frameworks, tasks, (m) => {
    if (!warm) return;
    warmer = new StateJsonWarmer(m);
    warmer.start();
  });
  const buildSecs = (performance.now() - t0) / 1000;
  const ctx = { master, flags: {}, buildTime: Date.now() };
  // Configured as the master's own server is (timeouts, writes batched per turn).
  const server = await listen(masterRequestListener(ctx), configureMasterServer);
  const client = fork('-e', [CLIENT, String(tasks)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => client.once('message', resolve));
  const get = (url: string) =>
    new Promise<{ ms: number; wire: number; size: number }>((resolve) => {
      client.once('message', (m: { ms: number; wire: number; size: number }) => resolve(m));
      client.send({ url });
    });
  try {
    if (warmer) await new Promise((r) => setTimeout(r, settleSecs * 1000));
    const warmedTasks = warmer?.serialized ?? 0;
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
      warmer: warm,
      settleSecs: warm ? settleSecs : 0,
      warmedTasks,
      stateMb: first.size / 1e6,
      stateWireMb: first.wire / 1e6,
      bareMs: median(bareTimes),
      masterHeapMb: process.memoryUsage().heapUsed / 1e6,
    };
  } finally {
    warmer?.stop();
    client.kill();
    server.close();
    master.stop();
  }
}

if (process.argv[1]?.endsWith('state.ts')) {
  const arg = (name: string, fallback: string) => process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const r = await stateBench(
    Number(arg('agents', '10000')),
    Number(arg('frameworks', '100')),
    Number(arg('tasks', '100000')),
    Number(arg('runs', '5')),
    Number(arg('settle', '10')),
    arg('warmer', 'on') !== 'off',
  );
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
