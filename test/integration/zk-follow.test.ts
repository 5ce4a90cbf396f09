// Everything that connects to a master follows the leader named in ZooKeeper. A real standalone
// ZooKeeper and ordinary masters: the test itself says which master leads, by joining the group
// in Apache Mesos's layout with each master's MasterInfo (test/helpers/announce.ts; the first to
// join leads) and fails over as a dying leader does, its znode going. An agent started with
// --master=zk://... registers with A and re-registers with B under the same id, its task still
// running; `mesos execute --master=zk://...` subscribes with A, then with B with its framework
// id, and its task finishes there (exit 0). Also: a follower's 307 followed by mesos execute;
// ZooKeeper down while a task runs (kept); a paused leader replaced, which only ZooKeeper tells;
// ZooKeeper unreachable at start; bad --master values.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ZkSession } from '../../daemons/common/zk/session.ts';
import type { MasterContender } from '../../daemons/master/contender.ts';
import { announce } from '../helpers/announce.ts';
import { Daemon, freePort, runMesos, spawnMesos, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

const unavailable = zookeeperUnavailable();
const skip = unavailable ? `ZooKeeper tests skipped: ${unavailable}` : false;

interface MasterState {
  slaves: { id: string; active: boolean }[];
  frameworks: { id: string; name: string; tasks: { id: string; state: string; slave_id: string }[] }[];
}

/** A candidacy for `master` in the group /mesos, in a ZooKeeper session of its own. */
async function announceIn(zk: ZooKeeperCluster, master: Daemon, sessions: ZkSession[]): Promise<MasterContender> {
  const { contender, session } = await announce(zk.url('/mesos'), master);
  sessions.push(session);
  return contender;
}

async function startZkAgent(master: string, extra: string[] = []): Promise<Daemon> {
  const port = await freePort();
  const workDir = tempDir('agent');
  const proc = spawnMesos([
    'agent',
    '--ip=127.0.0.1',
    `--port=${port}`,
    `--master=${master}`,
    '--zk_session_timeout=2secs',
    `--work_dir=${workDir}`,
    `--runtime_dir=${path.join(workDir, 'run')}`,
    '--resources=cpus:4;mem:4096;disk:10000;ports:[31000-32000]',
    '--gc_disk_headroom=0',
    ...extra,
  ]);
  const d = new Daemon('agent', proc, port, workDir);
  d.runtimeDir = path.join(workDir, 'run');
  return d;
}

async function agentId(agent: Daemon): Promise<string> {
  return waitFor('the agent to register', async () => {
    if (agent.exited) throw new Error(`agent exited: ${agent.output}`);
    return (await agent.json<{ id: string }>('/state')).id || undefined;
  });
}

function taskOn(state: MasterState, taskId: string): { id: string; state: string; slave_id: string } | undefined {
  return state.frameworks.flatMap((f) => f.tasks).find((t) => t.id === taskId);
}

describe('following the leading master in ZooKeeper', { skip }, () => {
  let zk: ZooKeeperCluster;
  const sessions: ZkSession[] = [];
  const daemons: Daemon[] = [];
  /** The leader after the first test's failover, and the agent registered with it. */
  let leader: Daemon | undefined;
  let follower: Daemon | undefined;
  /** The leader's candidacy, once the test made it lead. */
  let leading: MasterContender | undefined;

  before(async () => {
    zk = await ZooKeeperCluster.standalone();
  });

  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    for (const d of daemons) await d.stop('SIGKILL');
    await zk?.stop();
  });

  test('agent and mesos execute move from A to B: same agent id, task kept, TASK_FINISHED, exit 0', async () => {
    const a = await startMaster(['--hostname=127.0.0.1']);
    daemons.push(a);
    const b = await startMaster(['--hostname=127.0.0.1']);
    daemons.push(b);
    const contenderA = await announceIn(zk, a, sessions);
    leading = await announceIn(zk, b, sessions);

    // The agent reads its --master from a file, as from the packages' /etc/mesos/zk.
    const zkFile = path.join(tempDir('etc-mesos'), 'zk');
    writeFileSync(zkFile, `${zk.url('/mesos')}\n`);
    const agent = await startZkAgent(`file://${zkFile}`);
    daemons.push(agent);
    const id = await agentId(agent);
    await waitFor('the agent registered with A', async () => (await a.json<MasterState>('/master/state')).slaves.some((s) => s.id === id));
    assert.equal((await b.json<MasterState>('/master/state')).slaves.length, 0, 'B, not leading, has no agent');

    const execute = new Daemon(
      'execute',
      spawnMesos(['execute', `--master=${zk.url('/mesos')}`, '--name=follow', '--command=sleep 8', '--resources=cpus:0.1;mem:32']),
      0,
      '',
    );
    daemons.push(execute);
    await waitFor(
      'the task running under A',
      async () => taskOn(await a.json<MasterState>('/master/state'), 'follow')?.state === 'TASK_RUNNING',
    );
    const frameworkId = /Subscribed with ID (\S+)/.exec(execute.output)?.[1];
    assert.ok(frameworkId, execute.output);

    // A dies as a leader that lost ZooKeeper would (Mesos's master exits); its znode goes.
    const failedOverAt = Date.now();
    await a.stop('SIGKILL');
    await contenderA.withdraw();

    await waitFor(
      'the agent re-registered with B under the same id, the task still running',
      async () => {
        const state = await b.json<MasterState>('/master/state');
        return state.slaves.some((s) => s.id === id && s.active) && taskOn(state, 'follow')?.state === 'TASK_RUNNING';
      },
      15_000,
    );
    const reregisteredMs = Date.now() - failedOverAt;
    assert.equal((await agent.json<{ id: string }>('/state')).id, id);
    await waitFor('mesos execute subscribed with B', () => execute.output.split('Subscribed with ID').length - 1 >= 2, 15_000);
    assert.equal(
      /Subscribed with ID (\S+)\s*$/m.exec(
        execute.output
          .trim()
          .split('\n')
          .filter((l) => l.includes('Subscribed'))
          .at(-1) ?? '',
      )?.[1],
      frameworkId,
    );
    const framework = (await b.json<MasterState>('/master/state')).frameworks.find((f) => f.id === frameworkId);
    assert.ok(framework, `B knows framework ${frameworkId}`);

    await execute.waitExit();
    assert.equal(execute.exited?.code, 0, execute.output);
    assert.match(execute.output, /Received status update TASK_FINISHED for task 'follow'/);
    assert.doesNotMatch(execute.output, /TASK_(KILLED|LOST|FAILED|GONE)/);
    assert.match(agent.output, /New master detected at 127\.0\.0\.1:\d+; registering with it/);
    leader = b;
    follower = agent;
    console.log(`failover: agent re-registered with B and the task seen running there ${reregisteredMs} ms after A was killed`);
  });

  test("mesos execute follows a master's 307 to the leader (Location: //host:port/...)", async (t) => {
    if (!leader) return t.skip('needs the cluster of the first test');
    const target = leader;
    let redirected = 0;
    const follower = http.createServer((req, res) => {
      redirected++;
      res.writeHead(307, { Location: `//127.0.0.1:${target.port}${req.url ?? '/'}` }).end();
    });
    await new Promise<void>((resolve) => follower.listen(0, '127.0.0.1', resolve));
    try {
      const port = (follower.address() as AddressInfo).port;
      const res = await runMesos([
        'execute',
        `--master=127.0.0.1:${port}`,
        '--name=redirected',
        '--command=true',
        '--resources=cpus:0.1;mem:32',
      ]);
      assert.equal(res.code, 0, res.stderr + res.stdout);
      assert.match(res.stdout, /Received status update TASK_FINISHED for task 'redirected'/);
      assert.equal(redirected, 1, 'only SUBSCRIBE went to the follower; the calls went to the leader');
    } finally {
      follower.close();
    }
  });

  test('ZooKeeper down while a task runs: the agent keeps the task, says why, and re-registers when a leader is back', async (t) => {
    if (!leader || !follower) return t.skip('needs the cluster of the first test');
    const [master, agent] = [leader, follower];
    const id = (await agent.json<{ id: string }>('/state')).id;
    const execute = new Daemon(
      'execute',
      spawnMesos(['execute', `--master=${zk.url('/mesos')}`, '--name=outage', '--command=sleep 15', '--resources=cpus:0.1;mem:32']),
      0,
      '',
    );
    daemons.push(execute);
    await waitFor(
      'the task running',
      async () => taskOn(await master.json<MasterState>('/master/state'), 'outage')?.state === 'TASK_RUNNING',
    );
    const logged = agent.output.length;
    await zk.kill(1);
    const line = await waitFor(
      'the agent saying ZooKeeper cannot be reached',
      () =>
        agent.output
          .slice(logged)
          .split('\n')
          .find((l) => l.includes('Cannot connect to ZooKeeper at')),
      20_000,
    );
    assert.match(line, /retrying in/);
    assert.equal(agent.exited, undefined, 'the agent keeps running');
    const running = await agent.json<{ frameworks: { executors: { tasks: { id: string; state: string }[] }[] }[] }>('/state');
    const task = running.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks)).find((t) => t.id === 'outage');
    assert.equal(task?.state, 'TASK_RUNNING', 'the task is kept through the outage');

    // ZooKeeper back; the candidacies made before died with their sessions: the leader joins again.
    await zk.restart(1);
    leading = await announceIn(zk, master, sessions);
    await waitFor(
      'the agent back with the leader under its id',
      async () => (await master.json<MasterState>('/master/state')).slaves.some((s) => s.id === id && s.active),
      30_000,
    );
    // The leader was unknown for a while (the agent's session ended), then found again.
    assert.match(agent.output.slice(logged), /No master leads; waiting for a new leading master[\s\S]*New master detected at/);
    await execute.waitExit();
    assert.equal(execute.exited?.code, 0, execute.output);
    assert.match(execute.output, /Received status update TASK_FINISHED for task 'outage'/);
    assert.equal((await agent.json<{ id: string }>('/state')).id, id);
  });

  test("a paused leader replaced in ZooKeeper: agent and mesos execute move on ZooKeeper's word alone", async (t) => {
    if (!leader || !follower || !leading) return t.skip('needs the cluster of the first tests');
    const [old, agent] = [leader, follower];
    const id = (await agent.json<{ id: string }>('/state')).id;
    const next = await startMaster(['--hostname=127.0.0.1']);
    daemons.push(next);
    await announceIn(zk, next, sessions);
    const execute = new Daemon(
      'execute',
      spawnMesos(['execute', `--master=${zk.url('/mesos')}`, '--name=paused', '--command=sleep 6', '--resources=cpus:0.1;mem:32']),
      0,
      '',
    );
    daemons.push(execute);
    await waitFor('the task running', async () => taskOn(await old.json<MasterState>('/master/state'), 'paused')?.state === 'TASK_RUNNING');

    // The old leader cannot close anything: its connections stay open until the others drop them.
    old.proc.kill('SIGSTOP');
    try {
      await leading.withdraw();
      await waitFor(
        'the agent on the new leader under its id, the task running there',
        async () => {
          const state = await next.json<MasterState>('/master/state');
          return state.slaves.some((s) => s.id === id && s.active) && taskOn(state, 'paused')?.state === 'TASK_RUNNING';
        },
        15_000,
      );
      await execute.waitExit();
      assert.equal(execute.exited?.code, 0, execute.output);
      assert.match(execute.output, /the leading master moved from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+; subscribing again/);
      assert.match(execute.output, /Received status update TASK_FINISHED for task 'paused'/);
    } finally {
      await old.stop('SIGKILL');
    }
  });

  test('ZooKeeper unreachable: the agent says why in one line, keeps trying, and registers once it can', async () => {
    const zkPort = await freePort();
    const master = await startMaster(['--hostname=127.0.0.1']);
    daemons.push(master);
    const agent = await startZkAgent(`zk://127.0.0.1:${zkPort}/mesos`);
    daemons.push(agent);
    const line = await waitFor('a connection failure logged', () =>
      agent.output.split('\n').find((l) => l.includes(`Cannot connect to ZooKeeper at 127.0.0.1:${zkPort}`)),
    );
    assert.match(line, /connection refused|refused/i);
    assert.equal(agent.exited, undefined, 'the agent keeps running');
    assert.equal((await agent.json<{ id: string }>('/state')).id, '', 'no master yet');

    const late = await ZooKeeperCluster.standalone({ clientPorts: [zkPort] });
    try {
      await announceIn(late, master, sessions);
      const id = await agentId(agent);
      await waitFor(
        'the agent registered',
        async () => (await master.json<MasterState>('/master/state')).slaves.some((s) => s.id === id),
        30_000,
      );
    } finally {
      await Promise.all(sessions.splice(0).map((s) => s.close()));
      await late.stop();
    }
  });

  test('mesos execute with ZooKeeper unreachable says why while it waits, and stops at once on SIGINT', async () => {
    const zkPort = await freePort();
    const execute = new Daemon(
      'execute',
      spawnMesos(['execute', `--master=zk://127.0.0.1:${zkPort}/mesos`, '--name=never', '--command=true']),
      0,
      '',
    );
    daemons.push(execute);
    const line = await waitFor('the reason it waits', () =>
      execute.output.split('\n').find((l) => l.startsWith('Waiting for a leading master')),
    );
    assert.match(
      line,
      new RegExp(
        `^Waiting for a leading master in zk://127\\.0\\.0\\.1:${zkPort}/mesos: Cannot connect to ZooKeeper at 127\\.0\\.0\\.1:${zkPort}: `,
      ),
    );
    const interrupted = Date.now();
    execute.proc.kill('SIGINT');
    await execute.waitExit();
    assert.equal(execute.exited?.code, 130, execute.output);
    assert.ok(Date.now() - interrupted < 3000, `exited ${Date.now() - interrupted} ms after SIGINT`);
  });

  test('bad --master values are refused in one line', async () => {
    const agent = await startZkAgent('zk://127.0.0.1:2181');
    await agent.waitExit();
    assert.notEqual(agent.exited?.code, 0);
    assert.match(agent.output, /invalid value for flag '--master': .*Expecting a \(chroot\) path for ZooKeeper/);
    const execute = new Daemon('execute', spawnMesos(['execute', '--master=file:///nonexistent/zk', '--name=x', '--command=true']), 0, '');
    await execute.waitExit();
    assert.equal(execute.exited?.code, 1);
    assert.equal(execute.output.trim().split('\n').length, 1, execute.output);
    assert.match(execute.output, /cannot read file '\/nonexistent\/zk' for flag '--master'/);
  });
});
