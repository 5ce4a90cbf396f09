// Three masters behind a real ZooKeeper (test/helpers/zookeeper.ts, ticks of 500 ms) with
// --zk_session_timeout=2secs: one leads and the others answer as Apache Mesos's followers do
// (307 to the leader for its endpoints, their own /health, /flags, /version, /metrics); kill -9
// of the leader elects another within a few seconds and the old one, started again, follows;
// agents admitted by one leader are in the next one's registry (ZooKeeper); with a task running,
// agents (--master=zk://) re-register and `mesos execute` subscribes again with its id, and no
// status update is lost; a 3-node ensemble loses one node (nothing changes), then its quorum
// (the leader exits, as under systemd it is started again) and gets it back (a leader again);
// a leader stopped (SIGSTOP) past its session timeout exits when it runs again, and no request
// is served by two leaders at once; masters started before ZooKeeper say why they wait, and
// lead once it is up. Each test has its own group znode in one ZooKeeper.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Daemon, freePort, runMesos, sleep, spawnAgent, startAgent, startMaster, waitFor } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

const unavailable = zookeeperUnavailable();
const skip = unavailable ? `ZooKeeper tests skipped: ${unavailable}` : false;

const SESSION = ['--zk_session_timeout=2secs'];

let zk: ZooKeeperCluster | undefined;
const daemons: Daemon[] = [];

before(async () => {
  if (!skip) zk = await ZooKeeperCluster.standalone();
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop('SIGKILL')));
  await zk?.stop();
});

function masterArgs(url: string): string[] {
  return [`--zk=${url}`, '--quorum=2', ...SESSION, '--hostname=127.0.0.1'];
}

async function candidate(url: string, at?: { port: number; workDir: string }): Promise<Daemon> {
  const d = await startMaster(masterArgs(url), {}, at);
  daemons.push(d);
  return d;
}

/** A master restarted half a second after each exit, on its port and work dir, as systemd's Restart=on-failure does. */
class Supervised {
  exits: (number | null)[] = [];
  private stopping = false;
  private constructor(
    public current: Daemon,
    private readonly url: string,
  ) {
    this.watch();
  }

  static async start(url: string): Promise<Supervised> {
    return new Supervised(await candidate(url), url);
  }

  private watch(): void {
    const d = this.current;
    void d.waitExit().then(async () => {
      this.exits.push(d.exited?.code ?? null);
      if (this.stopping) return;
      await sleep(500);
      if (this.stopping) return;
      this.current = await candidate(this.url, { port: d.port, workDir: d.workDir });
      this.watch();
    });
  }

  /** Every line any run of this master wrote. */
  get output(): string {
    return daemons
      .filter((d) => d.port === this.current.port)
      .map((d) => d.output)
      .join('');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.current.stop('SIGKILL');
  }
}

/** An agent that follows the leader through ZooKeeper (--master=zk://...). */
async function zkAgent(url: string): Promise<Daemon> {
  const d = await spawnAgent(url, SESSION);
  daemons.push(d);
  return d;
}

/** Status, Location and body of a request that is not followed. */
async function probe(d: Daemon, path: string, timeoutMs = 2000): Promise<{ status: number; location: string | null; body: string }> {
  const res = await fetch(`${d.url}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

/** The master serving /master/state as the leader, once exactly one does and the others redirect to it. */
async function leaderAmong(masters: Daemon[], timeoutMs = 15_000): Promise<Daemon> {
  return waitFor(
    'one leader, the others redirecting to it',
    async () => {
      const live = masters.filter((m) => !m.exited);
      const answers = await Promise.all(live.map((m) => probe(m, '/master/state').catch(() => undefined)));
      const leaders = live.filter((_, i) => answers[i]?.status === 200);
      if (leaders.length !== 1) return undefined;
      const leader = leaders[0]!;
      const redirected = answers.every((a, i) => live[i] === leader || a?.location === `//127.0.0.1:${leader.port}/master/state`);
      return redirected && leader;
    },
    timeoutMs,
    100,
  );
}

describe('three masters behind ZooKeeper', { skip }, () => {
  test('one leads; followers redirect its endpoints with 307 and serve their own', async () => {
    const url = zk!.url('/ha-basic');
    const masters = await Promise.all([candidate(url), candidate(url), candidate(url)]);
    const leader = await leaderAmong(masters);
    assert.match(leader.output, /Elected as the leading master!/);
    const state = await leader.json<{ leader: string; pid: string; leader_info: { port: number } }>('/master/state');
    assert.equal(state.leader, state.pid);
    assert.equal(state.leader_info.port, leader.port);
    const base = `//127.0.0.1:${leader.port}`;
    for (const f of masters.filter((m) => m !== leader)) {
      assert.doesNotMatch(f.output, /Elected as the leading master/);
      for (const path of [
        '/master/state?x=1',
        '/master/frameworks',
        '/master/slaves',
        '/master/tasks',
        '/master/state-summary',
        '/master/roles',
      ]) {
        const res = await probe(f, path);
        assert.equal(res.status, 307, path);
        assert.equal(res.location, `${base}${path}`, path);
      }
      const scheduler = await fetch(`${f.url}/api/v1/scheduler`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/json' },
        body: '{"type":"SUBSCRIBE"}',
      });
      assert.equal(scheduler.status, 307);
      assert.equal(scheduler.headers.get('location'), `${base}/api/v1/scheduler`);
      assert.deepEqual(await probe(f, '/master/redirect'), { status: 307, location: base, body: '' });
      for (const path of ['/health', '/master/health', '/version', '/flags']) assert.equal((await probe(f, path)).status, 200, path);
      const metrics = JSON.parse((await probe(f, '/metrics/snapshot')).body) as Record<string, number>;
      assert.equal(metrics['master/elected'], 0);
      const flags = JSON.parse((await probe(f, '/flags')).body) as { flags: Record<string, string> };
      assert.equal(flags.flags.zk, url);
    }
    const leaderMetrics = await leader.json<Record<string, number>>('/metrics/snapshot');
    assert.equal(leaderMetrics['master/elected'], 1);
    assert.deepEqual(await probe(leader, '/master/redirect'), { status: 307, location: base, body: '' });
  });

  test('kill -9 of the leader: another leads within seconds; the old one, started again, follows', async () => {
    const url = zk!.url('/ha-failover');
    const masters = await Promise.all([candidate(url), candidate(url), candidate(url)]);
    const first = await leaderAmong(masters);
    const killedAt = Date.now();
    first.proc.kill('SIGKILL');
    await first.waitExit();
    const rest = masters.filter((m) => m !== first);
    const second = await leaderAmong(rest, 15_000);
    const failoverMs = Date.now() - killedAt;
    process.stderr.write(`failover after kill -9 with a 2 s session: ${failoverMs} ms\n`);
    assert.ok(failoverMs < 8000, `a new leader within a few seconds (${failoverMs} ms)`);
    const times = await second.json<{ start_time: number; elected_time: number }>('/master/state');
    assert.ok(times.elected_time > times.start_time, 'elected after it started');
    const again = await candidate(url, { port: first.port, workDir: first.workDir });
    const all = [...rest, again];
    assert.equal(await leaderAmong(all), second, 'the restarted master follows');
    assert.equal((await probe(again, '/master/state')).location, `//127.0.0.1:${second.port}/master/state`);
  });

  test('the registry is in ZooKeeper: an agent admitted by one leader is known to the next', async () => {
    const url = zk!.url('/ha-registry');
    const masters = await Promise.all([candidate(url), candidate(url), candidate(url)]);
    const first = await leaderAmong(masters);
    // The agent is pointed at the leader itself: following leaders is the agent's own business.
    const agent = await startAgent(first);
    daemons.push(agent);
    const agentId = (await agent.json<{ id: string }>('/state')).id;
    first.proc.kill('SIGKILL');
    await first.waitExit();
    const rest = masters.filter((m) => m !== first);
    const second = await leaderAmong(rest);
    assert.match(second.output, /Recovered from the registry: 1 agents/);
    const state = await second.json<{ recovered_slaves: { id: string }[] }>('/master/state');
    assert.deepEqual(
      state.recovered_slaves.map((a) => a.id),
      [agentId],
    );
    await agent.stop('SIGTERM', 10_000, true);
    const back = await startAgent(second, [], { workDir: agent.workDir, runtimeDir: agent.runtimeDir!, port: agent.port });
    daemons.push(back);
    const slaves = await second.json<{ slaves: { id: string }[] }>('/master/slaves');
    assert.deepEqual(
      slaves.slaves.map((a) => a.id),
      [agentId],
      'the agent re-registers with its id',
    );
  });

  test('kill -9 of the leader while a task runs: agents and mesos execute follow the next, the task finishes', async () => {
    const url = zk!.url('/ha-task');
    const masters = await Promise.all([candidate(url), candidate(url), candidate(url)]);
    const first = await leaderAmong(masters);
    const agents = await Promise.all([zkAgent(url), zkAgent(url)]);
    const ids = await Promise.all(
      agents.map((a) => waitFor('the agent to register', async () => (await a.json<{ id: string }>('/state')).id || undefined)),
    );
    await waitFor(
      'both agents registered with the leader',
      async () => (await first.json<{ slaves: unknown[] }>('/master/slaves')).slaves.length === 2,
    );
    const execute = runMesos(['execute', `--master=${url}`, '--name=ha-task', '--command=sleep 5'], 60_000);
    await waitFor('the task to run', async () => JSON.stringify(await first.json('/master/tasks')).includes('TASK_RUNNING'), 20_000);
    const killedAt = Date.now();
    first.proc.kill('SIGKILL');
    const rest = masters.filter((m) => m !== first);
    const second = await waitFor(
      'a new leader with both agents back',
      async () => {
        for (const m of rest) {
          const res = await probe(m, '/master/slaves').catch(() => undefined);
          if (res?.status !== 200) continue;
          const back = (JSON.parse(res.body) as { slaves: { id: string; active: boolean }[] }).slaves.filter((a) => a.active);
          if (ids.every((id) => back.some((a) => a.id === id))) return m;
        }
        return undefined;
      },
      30_000,
      50,
    );
    process.stderr.write(`kill -9 to a new leader with both agents re-registered (2 s session): ${Date.now() - killedAt} ms\n`);
    const run = await execute;
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    const subscribed = [...run.stdout.matchAll(/^Subscribed with ID (\S+)$/gm)].map((m) => m[1]);
    assert.equal(subscribed.length, 2, 'subscribed with the first leader, then again with the next');
    assert.equal(subscribed[0], subscribed[1], 'under the same framework id');
    const states = [...run.stdout.matchAll(/^Received status update (\S+) for task 'ha-task'$/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(states)], ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], 'no update lost, none out of order');
    const state = await second.json<{ completed_frameworks: { id: string; completed_tasks: { state: string }[] }[] }>('/master/state');
    assert.deepEqual(
      state.completed_frameworks.filter((f) => f.id === subscribed[0]).flatMap((f) => f.completed_tasks.map((t) => t.state)),
      ['TASK_FINISHED'],
    );
  });

  test('a leader stopped past its session timeout exits when it runs again; never two leaders', async () => {
    const url = zk!.url('/ha-pause');
    const masters = await Promise.all([candidate(url), candidate(url), candidate(url)]);
    const paused = await leaderAmong(masters);
    const others = masters.filter((m) => m !== paused);
    // Every answer of /master/state as the leader, from every master: when it was asked, and
    // when the answer arrived.
    const served: { port: number; sent: number; at: number }[] = [];
    let polling = true;
    const pollers = masters.map(async (m) => {
      while (polling && !m.exited) {
        try {
          const sent = Date.now();
          const res = await fetch(`${m.url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
          if (res.status === 200) {
            await res.arrayBuffer();
            served.push({ port: m.port, sent, at: Date.now() });
          } else await res.arrayBuffer();
        } catch {
          // A stopped master times out; one that exits resets the connection.
        }
        await sleep(50);
      }
    });
    await sleep(300);
    const stoppedAt = Date.now();
    paused.proc.kill('SIGSTOP');
    const next = await leaderAmong(others, 15_000);
    await sleep(1000);
    const resumedAt = Date.now();
    paused.proc.kill('SIGCONT');
    await waitFor('the paused leader to exit', () => paused.exited !== undefined, 10_000);
    polling = false;
    await Promise.all(pollers);
    assert.equal(paused.exited?.code, 1, 'exits with a failure, for systemd to restart it');
    assert.match(paused.output, /Lost candidacy as a leader\.\.\. committing suicide!/);
    // Asked while stopped, or answered once running again: either was served after the stop.
    const late = served.filter((s) => s.port === paused.port && (s.sent > stoppedAt || s.at >= resumedAt));
    assert.deepEqual(late, [], 'the old leader served nothing as leader after it was stopped');
    assert.ok(served.some((s) => s.port === next.port));
    const nextFirst = Math.min(...served.filter((s) => s.port === next.port).map((s) => s.at));
    assert.ok(
      served.filter((s) => s.at >= nextFirst).every((s) => s.port === next.port),
      'one leader at a time',
    );
  });

  test('a 3-node ensemble: one node lost, the leader stays; quorum lost, it exits; quorum back, a leader again', async () => {
    const ensemble = await ZooKeeperCluster.ensemble();
    const url = ensemble.url('/ha-ensemble');
    const sup = await Promise.all([Supervised.start(url), Supervised.start(url), Supervised.start(url)]);
    const current = () => sup.map((s) => s.current);
    try {
      const leader = await leaderAmong(current(), 20_000);
      const leading = sup.find((s) => s.current === leader)!;
      await ensemble.kill(1);
      // Longer than the session timeout: a session on the killed node has moved by then.
      await sleep(3000);
      assert.equal(await leaderAmong(current()), leader, 'the same leader, with one ZooKeeper node down');
      assert.deepEqual(
        sup.flatMap((s) => s.exits),
        [],
        'no master exited',
      );

      const lostAt = Date.now();
      await ensemble.kill(2);
      await waitFor('the leader to exit', () => leading.exits.length > 0, 10_000);
      process.stderr.write(`leader exited ${Date.now() - lostAt} ms after ZooKeeper lost its quorum (2 s session)\n`);
      assert.deepEqual(leading.exits, [1]);
      assert.match(
        leading.output,
        /Lost leadership \(.*\): the ZooKeeper session expired\n.*Lost candidacy as a leader\.\.\. committing suicide!/,
      );
      await waitFor(
        'no master leading and the restarted one saying why',
        async () => {
          const answers = await Promise.all(current().map((m) => probe(m, '/master/state').catch(() => undefined)));
          return answers.every((a) => a?.status === 503) && /Cannot connect to ZooKeeper .*gives no session/.test(leading.current.output);
        },
        20_000,
      );

      await ensemble.restart(2);
      const next = await leaderAmong(current(), 30_000);
      assert.match(next.output, /Elected as the leading master!/);
    } finally {
      await Promise.all(sup.map((s) => s.stop()));
      await ensemble.stop();
    }
  });

  test('ZooKeeper down at start: one line per attempt, retries, then a leader once it is up', async () => {
    const port = await freePort();
    const url = `zk://127.0.0.1:${port}/ha-late`;
    const masters = await Promise.all([candidate(url), candidate(url)]);
    await waitFor(
      'two attempts logged',
      () => masters.every((m) => (m.output.match(/Cannot connect to ZooKeeper/g) ?? []).length >= 2),
      15_000,
    );
    for (const m of masters) {
      const lines = m.output.split('\n').filter((l) => l.includes('Cannot connect to ZooKeeper'));
      for (const line of lines) {
        assert.match(
          line,
          new RegExp(`Cannot connect to ZooKeeper at 127\\.0\\.0\\.1:${port}: .*refused the connection .*; retrying in \\d`),
        );
      }
      assert.equal(m.exited, undefined, 'still running');
      assert.deepEqual(await probe(m, '/master/state'), { status: 503, location: null, body: 'No leader elected' });
      assert.equal((await probe(m, '/health')).status, 200);
    }
    const late = await ZooKeeperCluster.standalone({ clientPorts: [port] });
    try {
      const leader = await leaderAmong(masters, 30_000);
      assert.match(leader.output, /Elected as the leading master!/);
    } finally {
      await Promise.all(masters.map((m) => m.stop('SIGKILL')));
      await late.stop();
    }
  });
});
