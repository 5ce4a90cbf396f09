// `npm run bench [-- suites...] [options]`: end-to-end numbers, each with the physical limit
// measured in the same run so ratios survive a noisy machine. Suites (default: all):
//   execute   median/p90 ms of `mesos execute --command=/bin/true`, process start to exit,
//             next to `mesos --version` and bare `node -e 0` start-up; then against a cluster
//             with authentication and TLS, alternating with the plain one (secure-execute.ts)
//   launch    command tasks launched-and-finished per second by one scheduler, the agent's
//             work dir on the temp dir's disk (its file system named: ext4 with or without a
//             journal, xfs, ...) and then in /dev/shm (its runtime dir, as a
//             packaged agent's /run/mesos, in /dev/shm both times), next to sequential
//             fork/exec of /bin/true from a fresh Node process and from a shell loop (the
//             ceilings for command tasks)
//   peer      `srun -n1 /bin/true` of single-node Slurm, when ../shared/peers/slurm.sh set it up
//   recovery  master restart until N emulated agents are back; agent kill -9 with M running
//             tasks until they are recovered
//   http      requests/s of POST /api/v1/scheduler next to a bare Node HTTP server (the ceiling),
//             with authentication, and over TLS next to plain HTTP on one master
//   state     GET /master/state of an in-process master holding --state=AGENTSxTASKS (default
//             10000x100000) running tasks, next to a bare Node server sending the same bytes
//   scale     emulated agents x frameworks (scale.ts): latencies at --rate tasks/s for each size
//             of --scale, then the largest size (most agents, then most frameworks) asked for
//             --max_rate tasks/s (more than it can do) for throughput, CPU, memory and
//             /master/state
//   zkregistry  the registry in ZooKeeper (zk-registry.ts): an agent admission's write, in the
//             pointer and in chunks past 1 MB, next to a bare setData of the same bytes
//   failover  three masters behind ZooKeeper and --failover_agents real agents (failover.ts):
//             kill -9 and SIGTERM of the leader until another serves /master/state, and until
//             every agent is back, for each of --failover_timeouts session timeouts
//   abuse     master RSS with --abuse_subscribers (20) schedulers that never read, under
//             --abuse_rate (1000) updates/s, against their streams' bound (--abuse_buffer, 1MB
//             each); /health p50/p99 meanwhile and during a --abuse_reconcile (400000)-task
//             RECONCILE of a scheduler that reads
//   operator  the v1 operator API's SUBSCRIBE (operator.ts): emulated agents and schedulers making
//             --operator_rate (1000) task status updates/s; the master's CPU with no subscriber,
//             one, and --operator_subscribers (100); the one's latency from the agent's
//             TASK_STARTING to its TASK_UPDATED event (p50/p99), each for --operator_seconds (10)
// Options: --runs=N (execute samples, default 30), --tasks=N (launch test, default 1000),
//          --agents=N (default 100), --recovery_tasks=M (default 1000),
//          --scale=AxF,... (default 1000x100,1000x1000,2500x1000,5000x1000,10000x100,10000x1000),
//          --rate=R (default 1000), --max_rate=R (default 4000), --scale_seconds=S (default 15),
//          --calls=pipelined|pool (the schedulers' calls; see scale.ts),
//          --plot=FILE.svg (latency vs agents), --state=AxT, --state_frameworks=F (default 100),
//          --zk_agents=N (default 200), --zk_large_agents=N (default 5000), --zk_runs=N (default 50),
//          --failover_runs=N (default 3), --failover_agents=N (default 2), --failover_timeouts=10,2,
//          --binary=PATH (default: build/mesos, rebuilt first), --json
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInMemoryFs } from '../../daemons/common/checkpoint.ts';
import type { Offer, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { SchedulerClient } from '../../daemons/common/scheduler-client.ts';
import { buildBinary } from '../../packaging/binary.ts';
import { bundle } from '../../packaging/bundle.ts';
import { ROOT, type Daemon, startAgent, startMaster } from '../helpers/cluster.ts';
import { describeFs } from './fs-kind.ts';
import { BENCH_AGENT_FLAGS, secureExecuteLatency, timeCommand } from './secure-execute.ts';

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/** Times `mesos execute` (or, with `asIs`, the given command line) `runs` times after 2 warm-ups. */
async function executeLatency(cmd: { file: string; args: string[] }, master: Daemon, runs: number, asIs = false): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const args = asIs
      ? cmd.args
      : [...cmd.args, 'execute', `--master=127.0.0.1:${master.port}`, `--name=bench-exec-${i}`, '--command=/bin/true'];
    const ms = await timeCommand(cmd.file, args);
    if (i >= 2) samples.push(ms); // two warm-up runs
  }
  return samples.sort((a, b) => a - b);
}

/**
 * Sequential fork/exec of /bin/true per second, two ways: from a fresh Node process that does
 * nothing else (what the Node task supervisor could do at most; spawning from this bench process
 * itself, bigger and busier, measured 40-50 % less), and from a shell loop (the machine). The
 * Node process is the runtime the binary ships, with the binary's V8 flags, as the supervisor
 * is: the tooling's Node 20 forked ~10 % faster here.
 */
async function forkExecRates(n: number): Promise<{ node: number; shell: number }> {
  const { nodeRuntimeBinary, specNodeVersion } = await import('../../packaging/node-runtime.ts');
  const { SEA_EXEC_ARGV } = await import('../../packaging/binary.ts');
  const runtime = await nodeRuntimeBinary(await specNodeVersion());
  const script = `const { spawn } = require('node:child_process'); let i = 0; const t0 = performance.now();
    const next = () => { if (i++ === ${n}) { process.stdout.write(String(${n} / ((performance.now() - t0) / 1000))); return; }
      spawn('/bin/true', [], { stdio: 'ignore' }).once('exit', next); };
    next();`;
  const node = Number(execFileSync(runtime, [...SEA_EXEC_ARGV, '-e', script], { encoding: 'utf8' }));
  const t0 = performance.now();
  execFileSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done`]);
  const shell = n / ((performance.now() - t0) / 1000);
  return { node, shell };
}

/** One scheduler launching `total` /bin/true tasks as fast as offers come; tasks finished per second. */
async function launchThroughput(master: Daemon, total: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  let launched = 0;
  let finished = 0;
  const launchedAt = new Map<string, number>();
  const runningLatency: number[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const client: SchedulerClient = new SchedulerClient({
    master: { host: '127.0.0.1', port: master.port },
    format: 'protobuf',
    onEvent: (e) => {
      if (e.type === 'OFFERS') onOffers((e.offers as { offers: Offer[] }).offers).catch(() => {});
      if (e.type === 'UPDATE') {
        const s = (e.update as { status: TaskStatus }).status;
        if (s.uuid && s.agent_id)
          client.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } }).catch(() => {});
        if (s.state === 'TASK_RUNNING') {
          const t0 = launchedAt.get(s.task_id.value);
          if (t0 !== undefined) runningLatency.push(performance.now() - t0);
        }
        if (s.state === 'TASK_FINISHED' || s.state === 'TASK_FAILED' || s.state === 'TASK_LOST' || s.state === 'TASK_ERROR') {
          finished++;
          if (finished === total) resolveDone();
        }
      }
    },
  });
  async function onOffers(offers: Offer[]): Promise<void> {
    for (const offer of offers) {
      const cpus = offer.resources!.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
      const mem = offer.resources!.find((r) => r.name === 'mem')?.scalar?.value ?? 0;
      const fit = Math.min(Math.floor(cpus / 0.01 + 1e-9), Math.floor(mem / 1), total - launched);
      const tasks: TaskInfo[] = [];
      for (let i = 0; i < fit; i++) {
        const id = `bench-${launched++}`;
        launchedAt.set(id, performance.now());
        tasks.push({
          name: id,
          task_id: { value: id },
          agent_id: offer.agent_id,
          command: { value: '/bin/true', shell: false, arguments: ['/bin/true'] },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 1 } },
          ],
        });
      }
      await client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: tasks.length ? [{ type: 'LAUNCH', launch: { task_infos: tasks } }] : [],
          filters: { refuse_seconds: 0 },
        },
      });
    }
  }
  const start = performance.now();
  await client.subscribe({ user: os.userInfo().username, name: 'bench-launcher' });
  await done;
  const seconds = (performance.now() - start) / 1000;
  await client.call({ type: 'TEARDOWN' }).catch(() => {});
  client.close();
  runningLatency.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: quantile(runningLatency, 0.5), p99: quantile(runningLatency, 0.99) };
}

/**
 * A fresh master and agent for one launch run: the agent's work dir under `workParent`, else the
 * system's temp dir; its runtime dir under `runtimeParent` (in memory, as a packaged agent's
 * /run/mesos), else in the work dir.
 */
async function launchOn(
  workParent: string | undefined,
  runtimeParent: string | undefined,
  total: number,
): Promise<{ perSecond: number; p50: number; p99: number }> {
  const workDir = workParent ? mkdtempSync(path.join(workParent, 'mesos-bench-agent-')) : undefined;
  const runtimeDir = runtimeParent ? mkdtempSync(path.join(runtimeParent, 'mesos-bench-run-')) : undefined;
  const master = await startMaster(['--quiet']);
  try {
    const agent = await startAgent(master, BENCH_AGENT_FLAGS, { ...(workDir ? { workDir } : {}), ...(runtimeDir ? { runtimeDir } : {}) });
    try {
      return await launchThroughput(master, total);
    } finally {
      await agent.stop();
    }
  } finally {
    await master.stop();
    for (const dir of [workDir, runtimeDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** /dev/shm when it is in memory (where the in-memory launch run puts the agent's directories). */
function memoryDir(): string | undefined {
  return isInMemoryFs('/dev/shm') ? '/dev/shm' : undefined;
}

function slurmLatency(): number | undefined {
  const script = path.resolve(ROOT, '..', 'shared', 'peers', 'slurm.sh');
  if (!existsSync(script) || spawnSync('sh', ['-c', 'command -v srun'], { stdio: 'ignore' }).status !== 0) return undefined;
  try {
    const out = execFileSync('bash', [script, 'latency', '20'], { encoding: 'utf8', timeout: 120_000 });
    const m = /([\d.]+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const SUITES = ['execute', 'launch', 'peer', 'recovery', 'http', 'state', 'scale', 'zkregistry', 'failover', 'abuse', 'operator'] as const;
type Suite = (typeof SUITES)[number];

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  for (const a of asked)
    if (!(SUITES as readonly string[]).includes(a)) throw new Error(`unknown suite '${a}'; suites: ${SUITES.join(', ')}`);
  const suites = new Set<Suite>(asked.length > 0 ? (asked as Suite[]) : SUITES);
  const runs = Number(arg('runs', '30'));
  const tasks = Number(arg('tasks', '1000'));
  await bundle();
  // The single executable as shipped, built from this tree (an older build/mesos would measure
  // older code).
  const binary = arg('binary', '') || (await buildBinary());
  process.env.MESOS_TEST_BINARY = binary;
  const cmd = binary.endsWith('.cjs') ? { file: process.execPath, args: [binary] } : { file: binary, args: [] };
  const result: Record<string, unknown> = { date: new Date().toISOString(), binary: path.relative(ROOT, binary), cpus: os.cpus().length };
  const lines: string[] = [`binary: ${result.binary} (${result.cpus} cpus)`];

  if (suites.has('execute')) {
    const master = await startMaster(['--quiet']);
    const agent = await startAgent(master, BENCH_AGENT_FLAGS);
    try {
      const exec = await executeLatency(cmd, master, runs);
      const version = (await executeLatency({ file: cmd.file, args: [...cmd.args, '--version'] }, master, runs, true)) as number[];
      const bare = (await executeLatency({ file: process.execPath, args: ['-e', '0'] }, master, runs, true)) as number[];
      result.execute_ms = { median: quantile(exec, 0.5), p90: quantile(exec, 0.9), runs: exec.length };
      result.version_ms = { median: quantile(version, 0.5) };
      result.node_start_ms = { median: quantile(bare, 0.5) };
      const secured = await secureExecuteLatency(cmd, master, runs);
      result.execute_secure_ms = {
        median: quantile(secured.secure, 0.5),
        plain_median: quantile(secured.plain, 0.5),
        runs: secured.secure.length,
      };
      lines.push(
        `mesos execute /bin/true: median ${quantile(exec, 0.5).toFixed(0)} ms, p90 ${quantile(exec, 0.9).toFixed(0)} ms (${exec.length} runs; target < 300 ms)`,
        `  start-up alone: mesos --version median ${quantile(version, 0.5).toFixed(0)} ms; bare 'node -e 0' median ${quantile(bare, 0.5).toFixed(0)} ms`,
        `  with authentication and TLS (credentials, --authenticate_agents, --authenticate_http_frameworks, LIBPROCESS_SSL_*): median ${quantile(secured.secure, 0.5).toFixed(0)} ms against ${quantile(secured.plain, 0.5).toFixed(0)} ms plain, alternating (${((quantile(secured.secure, 0.5) / quantile(secured.plain, 0.5)) * 100).toFixed(0)}%)`,
      );
    } finally {
      await agent.stop();
      await master.stop();
    }
  }
  if (suites.has('launch')) {
    // The ceiling is measured just before and just after the launches, and averaged: on this
    // VM it drifts by a third within minutes.
    const memory = memoryDir();
    const before = await forkExecRates(300);
    const launch = await launchOn(undefined, memory, tasks);
    // Again with the agent's work dir in memory too: on an ext4 without a journal (this VM's
    // root) each new inode is found past the inodes freed in the last minutes (the kernel's
    // recently_deleted()), so the disk's figure also depends on what ran before.
    const inMemory = memory ? await launchOn(memory, memory, tasks) : undefined;
    const after = await forkExecRates(300);
    const fork = { node: (before.node + after.node) / 2, shell: (before.shell + after.shell) / 2 };
    // The disk run's agent has its work dir in the temp dir (tempDir() of the test helpers).
    const diskFs = describeFs(os.tmpdir());
    result.launch = {
      tasks,
      per_second: launch.perSecond,
      accept_to_running_p50_ms: launch.p50,
      accept_to_running_p99_ms: launch.p99,
      file_system: diskFs,
    };
    result.launch_in_memory = inMemory
      ? { tasks, per_second: inMemory.perSecond, accept_to_running_p50_ms: inMemory.p50, accept_to_running_p99_ms: inMemory.p99 }
      : null;
    result.forkexec_per_second = fork.node;
    result.forkexec_shell_per_second = fork.shell;
    result.launch_vs_forkexec = launch.perSecond / fork.node;
    result.launch_vs_forkexec_shell = launch.perSecond / fork.shell;
    result.launch_in_memory_vs_forkexec = inMemory ? inMemory.perSecond / fork.node : null;
    const pct = (rate: number, x: number) => `${((rate / x) * 100).toFixed(0)}%`;
    lines.push(
      `command tasks launched+finished by one scheduler: ${launch.perSecond.toFixed(0)}/s over ${tasks} tasks; ACCEPT->RUNNING p50 ${launch.p50.toFixed(1)} ms, p99 ${launch.p99.toFixed(1)} ms (the agent's work dir on ${diskFs})`,
      inMemory
        ? `  with the agent's work dir in memory too (${memory}): ${inMemory.perSecond.toFixed(0)}/s; ACCEPT->RUNNING p50 ${inMemory.p50.toFixed(1)} ms, p99 ${inMemory.p99.toFixed(1)} ms`
        : "  with the agent's work dir in memory: skipped, /dev/shm is not a tmpfs here",
      `  sequential fork/exec /bin/true (before and after): ${fork.node.toFixed(0)}/s from a fresh process of the binary's Node runtime (${before.node.toFixed(0)}, ${after.node.toFixed(0)}; tasks ${pct(launch.perSecond, fork.node)} of it${inMemory ? `, in memory ${pct(inMemory.perSecond, fork.node)}` : ''}), ${fork.shell.toFixed(0)}/s from a shell loop (${before.shell.toFixed(0)}, ${after.shell.toFixed(0)}; ${pct(launch.perSecond, fork.shell)})`,
    );
  }
  if (suites.has('peer')) {
    const peer = slurmLatency();
    result.slurm_srun_true_ms = peer ?? null;
    lines.push(
      peer !== undefined
        ? `slurm srun -n1 /bin/true: median ${peer} ms`
        : 'slurm peer: not set up (bash ../shared/peers/slurm.sh setup, as root)',
    );
  }
  if (suites.has('recovery')) {
    const { masterRestart, agentRecovery } = await import('./recovery.ts');
    const m = await masterRestart(Number(arg('agents', '100')));
    result.master_restart = m;
    lines.push(
      `master restart with ${m.agents} emulated agents: all re-registered ${m.restartToAllReregisteredMs.toFixed(0)} ms after the restart (master start-up ${m.masterStartMs.toFixed(0)} ms); first registration storm ${m.registrationStormMs.toFixed(0)} ms`,
    );
    const a = await agentRecovery(Number(arg('recovery_tasks', '1000')));
    result.agent_recovery = a;
    lines.push(
      `agent kill -9 with ${a.tasks} running tasks: recovered ${a.restartToRecoveredMs.toFixed(0)} ms after the restart, re-registered at ${a.restartToReregisteredMs.toFixed(0)} ms (launching them took ${a.launchSeconds.toFixed(0)} s)`,
    );
  }
  if (suites.has('http')) {
    const { bareServerRate, schedulerApiRate } = await import('./http-rate.ts');
    const bare = await bareServerRate(5);
    const master = await startMaster(['--quiet']);
    let api: number;
    try {
      api = await schedulerApiRate(master, 5);
    } finally {
      await master.stop();
    }
    // The same calls to a master that authenticates each one (HTTP Basic against --credentials).
    const { authenticatedApiRate } = await import('./http-rate.ts');
    const authed = await authenticatedApiRate(5);
    // Over TLS and plain HTTP to one master that serves both (SUPPORT_DOWNGRADE), alternating.
    const { tlsApiRate } = await import('./http-rate.ts');
    const tls = await tlsApiRate(2, 5);
    result.http = {
      bare_node_per_second: bare,
      scheduler_api_per_second: api,
      ratio: api / bare,
      authenticated_per_second: authed,
      tls_per_second: tls.tls,
      tls_plain_per_second: tls.plain,
    };
    lines.push(
      `POST /api/v1/scheduler (SUPPRESS): ${api.toFixed(0)}/s; bare Node HTTP server: ${bare.toFixed(0)}/s; ratio ${((api / bare) * 100).toFixed(0)}%; with --authenticate_http_frameworks ${authed.toFixed(0)}/s; over TLS ${tls.tls.toFixed(0)}/s against ${tls.plain.toFixed(0)}/s plain on the same master (medians of 5 alternating 2 s runs)`,
    );
  }
  if (suites.has('state')) {
    // In the Node runtime the binary ships with: its Buffer and JSON speed are what is measured.
    const { nodeRuntimeBinary, specNodeVersion } = await import('../../packaging/node-runtime.ts');
    const node = await nodeRuntimeBinary(await specNodeVersion());
    const [agents, tasks] = arg('state', '10000x100000').split('x').map(Number);
    const stateRun = (warmer: 'on' | 'off') =>
      JSON.parse(
        execFileSync(
          node,
          [
            '--import',
            'tsx',
            path.join(ROOT, 'test/bench/state.ts'),
            `--agents=${agents}`,
            `--tasks=${tasks}`,
            `--frameworks=${arg('state_frameworks', '100')}`,
            '--runs=5',
            `--warmer=${warmer}`,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
          },
        ),
      ) as import('./state.ts').StateResult;
    const r = stateRun('on');
    const cold = stateRun('off');
    result.state = { ...r, coldFirstMs: cold.stateFirstMs, coldMedianMs: cold.stateMs };
    lines.push(
      `/master/state at ${r.agents} agents and ${r.tasks} tasks (${r.stateMb.toFixed(1)} MB, ${r.stateWireMb.toFixed(1)} MB gzipped): median ${r.stateMs.toFixed(0)} ms; first call ${r.settleSecs} s after the launches ${r.stateFirstMs.toFixed(0)} ms (${r.warmedTasks} tasks serialized ahead), without the background serializer ${cold.stateFirstMs.toFixed(0)} ms; the same bytes from a bare Node server ${r.bareMs.toFixed(0)} ms (${(r.stateMs / r.bareMs).toFixed(1)}x)`,
    );
  }
  if (suites.has('scale')) {
    const { scale } = await import('./scale.ts');
    const sizes = arg('scale', '1000x100,1000x1000,2500x1000,5000x1000,10000x100,10000x1000')
      .split(',')
      .map((p) => {
        const m = /^(\d+)x(\d+)$/.exec(p.trim());
        if (!m) throw new Error(`--scale: '${p}' is not AGENTSxFRAMEWORKS, e.g. 10000x1000`);
        return { agents: Number(m[1]), frameworks: Number(m[2]) };
      });
    const rate = Number(arg('rate', '1000'));
    const seconds = Number(arg('scale_seconds', '15'));
    // One process each: on this 2-core machine more load processes only compete with the master.
    const procs = { agents: Number(arg('agent_procs', '1')), schedulers: Number(arg('scheduler_procs', '1')) };
    const calls = arg('calls', 'pipelined') === 'pool' ? 'pool' : 'pipelined';
    const runs: Array<Awaited<ReturnType<typeof scale>>> = [];
    for (const size of sizes) {
      const r = await scale(size.agents, size.frameworks, seconds, 200, procs, rate, 4, calls);
      runs.push(r);
      lines.push(
        `${size.agents} agents, ${size.frameworks} frameworks at ${rate} tasks/s: ${r.tasksPerSecond.toFixed(0)} tasks/s; offer cycle p50 ${r.offerCycleP50Ms.toFixed(1)} ms, p99 ${r.offerCycleP99Ms.toFixed(1)} ms (${r.offerCycleSamples} samples; until the finished update reached the scheduler p99 ${r.offerCycleToUpdateP99Ms.toFixed(1)} ms, of which in the emulated agent p99 ${r.agentSendDelayP99Ms.toFixed(1)} ms; from there to the offer p50 ${r.offerCycleAfterUpdateP50Ms.toFixed(1)} ms, p99 ${r.offerCycleAfterUpdateP99Ms.toFixed(1)} ms); ACCEPT->RUNNING p50 ${r.acceptToRunningP50Ms.toFixed(1)} ms, p99 ${r.acceptToRunningP99Ms.toFixed(1)} ms; allocation run p99 ${r.allocationRunP99Ms.toFixed(1)} ms, its latency p99 ${r.allocationRunLatencyP99Ms.toFixed(1)} ms; event loop delay of the load processes (agents, schedulers) p99 ${r.loadLoopDelayP99Ms.join(', ')} ms, max ${r.loadLoopDelayMaxMs.join(', ')} ms; registration storm ${r.registrationStormMs.toFixed(0)} ms`,
      );
    }
    // Throughput: the largest size asked for more than it can do. (Flat out, without a rate, the
    // first offers of every agent launch tens of thousands of tasks at once.)
    const largest = sizes.reduce((a, b) => (b.agents > a.agents || (b.agents === a.agents && b.frameworks > a.frameworks) ? b : a));
    const maxRate = Number(arg('max_rate', '4000'));
    const sat = await scale(largest.agents, largest.frameworks, seconds, 200, procs, maxRate, 4, calls);
    lines.push(
      `${largest.agents} agents, ${largest.frameworks} frameworks asked for ${maxRate} tasks/s: ${sat.tasksPerSecond.toFixed(0)} tasks/s; master ${sat.masterCpuShare.toFixed(2)} cores, ${sat.masterCpuSecsPerThousandTasks.toFixed(2)} s CPU per 1,000 tasks, ${sat.masterIoCallsPerTask.toFixed(1)} read/write calls per task, RSS ${sat.masterRssAgentsOnlyMb.toFixed(0)} MB with the agents alone, ${sat.masterRssMb.toFixed(0)} MB holding ${sat.tasksHeldAtWindowEnd} tasks at the window's end (${sat.masterRssMbPer100kTasks.toFixed(0)} MB per 100,000 tasks), ${sat.masterRssAfterMb.toFixed(0)} MB after the backlog holding ${sat.tasksHeld} (${sat.completedTasksHeld} completed); load processes ${sat.loadCpuShares.join(' + ')} cores; ACCEPT->RUNNING p50 ${sat.acceptToRunningP50Ms.toFixed(0)} ms; backlog done ${(sat.drainMs / 1000).toFixed(1)} s after the window; then /master/state ${sat.stateMs.toFixed(0)} ms, ${sat.stateMb.toFixed(1)} MB`,
    );
    result.scale = { rate, seconds, runs, saturated: sat };
    const plot = arg('plot', '');
    if (plot) {
      const { lineChartSvg } = await import('./plot.ts');
      const { writeFileSync } = await import('node:fs');
      const xs = runs.map((r) => r.agents);
      // Every latency for the most frameworks; for fewer, the offer cycle p99 alone.
      const most = Math.max(...runs.map((r) => r.frameworks));
      const main = runs.filter((r) => r.frameworks === most);
      const fewer = [...new Set(runs.map((r) => r.frameworks))].filter((f) => f !== most).sort((a, b) => a - b);
      writeFileSync(
        plot,
        lineChartSvg({
          title: `Latency vs emulated agents (${most.toLocaleString('en-US')} frameworks unless named; ${rate.toLocaleString('en-US')} tasks/s)`,
          xLabel: 'emulated agents',
          yLabel: 'milliseconds',
          series: [
            { name: 'offer cycle p50', points: main.map((r) => [r.agents, r.offerCycleP50Ms]) },
            { name: 'offer cycle p99', points: main.map((r) => [r.agents, r.offerCycleP99Ms]) },
            { name: 'ACCEPT→RUNNING p50', points: main.map((r) => [r.agents, r.acceptToRunningP50Ms]) },
            { name: 'ACCEPT→RUNNING p99', points: main.map((r) => [r.agents, r.acceptToRunningP99Ms]) },
            ...fewer.map((f) => ({
              name: `offer cycle p99, ${f.toLocaleString('en-US')} fw`,
              points: runs.filter((r) => r.frameworks === f).map((r): [number, number] => [r.agents, r.offerCycleP99Ms]),
            })),
            {
              name: 'target p99 (50 ms)',
              points: [
                [0, 50],
                [Math.max(...xs), 50],
              ],
              dashed: true,
            },
          ],
        }),
      );
      lines.push(`plot: ${plot}`);
    }
  }
  if (suites.has('zkregistry')) {
    const { describeZkRegistry, zkRegistryBench } = await import('./zk-registry.ts');
    const r = await zkRegistryBench({
      agents: Number(arg('zk_agents', '200')),
      largeAgents: Number(arg('zk_large_agents', '5000')),
      runs: Number(arg('zk_runs', '50')),
    });
    result.zk_registry = r;
    lines.push(...describeZkRegistry(r));
  }
  if (suites.has('failover')) {
    const { describeFailover, failoverBench } = await import('./failover.ts');
    const timeouts = arg('failover_timeouts', '10,2').split(',').map(Number);
    const r = await failoverBench(timeouts, Number(arg('failover_runs', '3')), Number(arg('failover_agents', '2')));
    result.failover = r;
    lines.push(...describeFailover(r));
  }
  if (suites.has('abuse')) {
    const { largeReconcile, stalledSubscribers } = await import('./abuse.ts');
    const { parseBytes } = await import('../../daemons/common/flags/units.ts');
    const s = await stalledSubscribers(
      Number(arg('abuse_subscribers', '20')),
      Number(arg('abuse_rate', '1000')),
      parseBytes(arg('abuse_buffer', '1MB')),
      Number(arg('abuse_seconds', '60')),
    );
    result.stalled_subscribers = s;
    lines.push(
      `${s.subscribers} subscribers that never read, ${s.updatesPerSecond} updates/s: master RSS ${s.baselineRssMb.toFixed(0)} MB -> peak ${s.peakRssMb.toFixed(0)} MB (+${(s.peakRssMb - s.baselineRssMb).toFixed(0)} MB; streams bounded at ${s.subscribers} x ${(s.bufferBytes / 2 ** 20).toFixed(1)} MB = ${s.boundMb.toFixed(0)} MB), ${s.endRssMb.toFixed(0)} MB at the end; all cut off after ${s.allCutSeconds === undefined ? 'not within the window' : `${s.allCutSeconds.toFixed(1)} s`}; /health p50 ${s.healthP50Ms.toFixed(1)} ms, p99 ${s.healthP99Ms.toFixed(1)} ms, max ${s.healthMaxMs.toFixed(0)} ms`,
    );
    const r = await largeReconcile(Number(arg('abuse_reconcile', '400000')));
    result.large_reconcile = r;
    lines.push(
      `${r.tasks}-task RECONCILE (${r.bodyMb.toFixed(1)} MB body): 202 after ${r.acceptedMs.toFixed(0)} ms, every update read after ${r.answeredMs.toFixed(0)} ms; /health p50 ${r.healthP50Ms.toFixed(1)} ms, p99 ${r.healthP99Ms.toFixed(1)} ms, max ${r.healthMaxMs.toFixed(0)} ms (${r.healthSamples} samples)`,
    );
  }
  if (suites.has('operator')) {
    const { operatorBench } = await import('./operator.ts');
    const r = await operatorBench(
      Number(arg('operator_subscribers', '100')),
      Number(arg('operator_rate', '1000')),
      Number(arg('operator_seconds', '10')),
    );
    result.operator = r;
    for (const p of r.phases) {
      const latency =
        p.latencyP50Ms === undefined
          ? ''
          : `; TASK_STARTING at the agent -> TASK_UPDATED at a subscriber p50 ${p.latencyP50Ms.toFixed(1)} ms, p99 ${p.latencyP99Ms!.toFixed(1)} ms, max ${p.latencyMaxMs!.toFixed(0)} ms (${p.latencySamples} samples)`;
      const readers =
        p.readerBytesPerSecond === undefined
          ? ''
          : `; each other subscriber read ${(p.readerBytesPerSecond / 1024).toFixed(0)} KB/s, ${p.readersEnded} cut off`;
      lines.push(
        `operator SUBSCRIBE, ${p.subscribers} subscribers, ${p.updatesPerSecond.toFixed(0)} status updates/s: master CPU ${(p.masterCpu * 100).toFixed(0)} % of a core (load and reader processes ${(p.othersCpu * 100).toFixed(0)} %)${latency}${readers}`,
      );
    }
  }
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : `${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
