// Failover of three masters behind one standalone ZooKeeper: from the leader's end to another
// master serving /master/state (200) as the leader, polled every 20 ms. Two ways to end: kill -9
// (ZooKeeper notices only when the dead master's session times out, so the session timeout is
// the floor, printed next to each figure) and SIGTERM (what `systemctl stop` sends: the master
// closes its session and its znode goes at once). For each --zk_session_timeout asked for
// (Mesos's default 10secs and 2secs by default), `--failover_runs` times each; the killed master
// is started again as a follower between runs. With `--failover_agents` real agents following
// the leader through ZooKeeper (--master=zk://...), also until every one of them is back
// (re-registered and active) with the new leader.
// `npm run bench -- failover` runs it too. Run alone: `npx tsx test/bench/failover.ts [--failover_runs=N] [--failover_agents=N] [--failover_timeouts=10,2] [--json]`
// (bundle first: `npx tsx packaging/bundle.ts`; MESOS_TEST_BINARY=PATH for another build).
import { pathToFileURL } from 'node:url';
import { type Daemon, spawnAgent, startMaster, tempDir } from '../helpers/cluster.ts';
import { ZooKeeperCluster } from '../helpers/zookeeper.ts';

export interface FailoverResult {
  sessionTimeoutSecs: number;
  /** kill -9 of the leader → a new leader serving /master/state, ms, each run. */
  killMs: number[];
  /** SIGTERM of the leader → a new leader serving /master/state, ms, each run. */
  stopMs: number[];
  agents: number;
  /** kill -9 of the leader → every agent active on the new leader, ms, each run. */
  killAgentsMs: number[];
  /** SIGTERM of the leader → every agent active on the new leader, ms, each run. */
  stopAgentsMs: number[];
}

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

async function status(m: Daemon): Promise<number | undefined> {
  try {
    const res = await fetch(`${m.url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

/** The master serving /master/state, polled every 20 ms (at most `timeoutMs`). */
async function servingLeader(masters: Daemon[], timeoutMs: number): Promise<Daemon> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = masters.filter((m) => !m.exited);
    const answers = await Promise.all(live.map(status));
    const i = answers.indexOf(200);
    if (i >= 0) return live[i]!;
    if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A real agent following the leader through ZooKeeper. */
async function zkAgent(url: string, sessionSecs: number): Promise<Daemon> {
  return spawnAgent(url, [`--zk_session_timeout=${sessionSecs}secs`, '--resources=cpus:4;mem:4096;disk:10000', '--quiet'], {
    workDir: tempDir('bench-agent'),
  });
}

/** Once `master` serves /master/slaves with `count` active agents, polled every 20 ms. */
async function agentsBack(master: Daemon, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${master.url}/master/slaves`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        const { slaves } = (await res.json()) as { slaves: { active: boolean }[] };
        if (slaves.filter((a) => a.active).length >= count) return;
      } else await res.arrayBuffer();
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`${count} agents not back within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function failoverBench(timeoutsSecs: number[], runs: number, agentCount = 2): Promise<FailoverResult[]> {
  const zk = await ZooKeeperCluster.standalone();
  const results: FailoverResult[] = [];
  try {
    for (const secs of timeoutsSecs) {
      const url = zk.url(`/bench-failover-${secs}`);
      const args = [`--zk=${url}`, '--quorum=2', `--zk_session_timeout=${secs}secs`, '--hostname=127.0.0.1', '--quiet'];
      let masters: Daemon[] = await Promise.all([startMaster(args), startMaster(args), startMaster(args)]);
      const agents = await Promise.all(Array.from({ length: agentCount }, () => zkAgent(url, secs)));
      const result: FailoverResult = {
        sessionTimeoutSecs: secs,
        killMs: [],
        stopMs: [],
        agents: agentCount,
        killAgentsMs: [],
        stopAgentsMs: [],
      };
      try {
        for (let i = 0; i < runs * 2; i++) {
          const kill = i % 2 === 0;
          const leader = await servingLeader(masters, 60_000);
          await agentsBack(leader, agentCount, 60_000);
          const rest = masters.filter((m) => m !== leader);
          const t0 = performance.now();
          leader.proc.kill(kill ? 'SIGKILL' : 'SIGTERM');
          const next = await servingLeader(rest, 60_000);
          (kill ? result.killMs : result.stopMs).push(Math.round(performance.now() - t0));
          await agentsBack(next, agentCount, 60_000);
          (kill ? result.killAgentsMs : result.stopAgentsMs).push(Math.round(performance.now() - t0));
          await leader.waitExit();
          masters = [...rest, await startMaster(args, {}, { port: leader.port, workDir: leader.workDir })];
        }
      } finally {
        await Promise.all([...masters, ...agents].map((d) => d.stop('SIGKILL')));
      }
      results.push(result);
    }
  } finally {
    await zk.stop();
  }
  return results;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function describeFailover(results: FailoverResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const floor = r.sessionTimeoutSecs * 1000;
    const at = `failover, --zk_session_timeout=${r.sessionTimeoutSecs}secs`;
    lines.push(
      `${at}: kill -9 → new leader serving /master/state: median ${median(r.killMs)} ms (${r.killMs.join(', ')}), ${(median(r.killMs) / floor).toFixed(2)}× the session timeout (the floor: ZooKeeper expires the dead session then, to a tick)`,
      `${at}: SIGTERM (systemctl stop) → new leader serving /master/state: median ${median(r.stopMs)} ms (${r.stopMs.join(', ')})`,
      `${at}: until all ${r.agents} agents are active on the new leader: kill -9 median ${median(r.killAgentsMs)} ms (${r.killAgentsMs.join(', ')}), SIGTERM median ${median(r.stopAgentsMs)} ms (${r.stopAgentsMs.join(', ')})`,
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const timeouts = arg('failover_timeouts', '10,2').split(',').map(Number);
  const results = await failoverBench(timeouts, Number(arg('failover_runs', '3')), Number(arg('failover_agents', '2')));
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else console.log(describeFailover(results).join('\n'));
  process.exit(0);
}
