// The agent's /monitor/statistics and /containers against a real agent running real tasks that
// burn CPU and hold memory: the entries have Mesos's shape, the numbers come from the tasks'
// processes in /proc (all of them: a shell and its children) and move as the tasks run, the
// limits are Mesos's, the query rules and JSONP work; and under Docker the same is read from the
// container's processes (skipped when no Docker daemon is usable here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { TaskInfo } from '../../daemons/common/mesos.ts';
import { type Daemon, sleep, startAgent, startMaster, waitFor } from '../helpers/cluster.ts';
import { TEST_IMAGE, dockerUnavailable, ensureTestImage, stopDockerCluster } from '../helpers/docker.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

const MB = 1024 * 1024;

interface Statistics {
  timestamp: number;
  processes?: number;
  threads?: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  cpus_limit?: number;
  cpus_soft_limit?: number;
  mem_rss_bytes?: number;
  mem_limit_bytes?: number;
  mem_soft_limit_bytes?: number;
}
interface StatisticsEntry {
  executor_id: string;
  executor_name: string;
  framework_id: string;
  source: string;
  statistics: Statistics;
}
interface ContainerEntry extends StatisticsEntry {
  container_id: string;
  status?: { container_id: { value: string }; executor_pid?: number };
}

function resources(cpus: number, mem: number): TaskInfo['resources'] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
  ];
}

async function entryOf<T extends StatisticsEntry>(agent: Daemon, endpoint: string, executorId: string): Promise<T> {
  return waitFor(`${executorId} in ${endpoint}`, async () => (await agent.json<T[]>(endpoint)).find((e) => e.executor_id === executorId));
}

/** Reads a /proc/<pid>/stat field (numbered as in proc(5)). */
function procField(pid: number, field: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[field - 3]!;
}

describe('resource statistics of command tasks (Mesos containerizer, /proc)', () => {
  let master: Daemon;
  let agent: Daemon;
  let agentId: string;
  let s: TestScheduler;

  before(async () => {
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master);
    agentId = (await agent.json<{ id: string }>('/state')).id;
    s = new TestScheduler(master.port);
    await s.subscribe({ name: 'monitor-test' });
  });
  after(async () => {
    s?.close();
    await agent?.stop();
    await master?.stop();
  });

  // A shell with two children: one holds 64 MiB it wrote to, one keeps a core busy.
  const node = process.execPath;
  const hold = `${node} -e "const b = Buffer.alloc(64 * 1024 * 1024, 1); setInterval(() => b[0]++, 1000)"`;
  const burn = `${node} -e "for (;;) {}"`;

  test("a task burning CPU and holding memory: its whole process tree is measured, the numbers move, limits are Mesos's", async () => {
    await s.launch(
      (offer) => [
        {
          name: 'burner',
          task_id: { value: 'burner' },
          agent_id: offer.agent_id,
          command: { value: `${hold} & ${burn} & wait` },
          resources: resources(0.5, 256),
        },
      ],
      { agentId },
    );
    await s.waitState('burner', 'TASK_RUNNING');
    const first = await waitFor('both children running and the memory written', async () => {
      const e = await entryOf(agent, '/monitor/statistics', 'burner');
      return (e.statistics.processes ?? 0) >= 3 && (e.statistics.mem_rss_bytes ?? 0) > 64 * MB ? e : undefined;
    });
    assert.equal(first.framework_id, s.client.frameworkId);
    assert.equal(first.source, 'burner');
    assert.match(first.executor_name, /^Command Executor \(Task: burner\) \(Command: sh -c '.*'\)$/);
    assert.deepEqual(Object.keys(first).sort(), ['executor_id', 'executor_name', 'framework_id', 'source', 'statistics']);
    const a = first.statistics;
    assert.ok(Math.abs(a.timestamp - Date.now() / 1000) < 5, `timestamp ${a.timestamp} is now`);
    assert.equal(a.processes, 3, 'sh and its two node children');
    assert.ok(a.threads! >= 3 + 2 * 4, `threads ${a.threads}: node runs several each`);
    // Above what the task allocated (plus two Node runtimes), far below the host's memory.
    assert.ok(a.mem_rss_bytes! > 64 * MB + 2 * 10 * MB && a.mem_rss_bytes! < 1024 * MB, `rss ${a.mem_rss_bytes}`);
    // Mesos: the command executor's 0.1 cpus and 32 MB on top of the task's; no hard cpus limit without CFS.
    assert.equal(a.mem_limit_bytes, (256 + 32) * MB);
    assert.equal(a.mem_soft_limit_bytes, (256 + 32) * MB);
    assert.equal(a.cpus_soft_limit, 0.6);
    assert.equal(a.cpus_limit, undefined);
    await sleep(2000);
    const b = (await entryOf(agent, '/monitor/statistics', 'burner')).statistics;
    const cpu = b.cpus_user_time_secs! + b.cpus_system_time_secs! - (a.cpus_user_time_secs! + a.cpus_system_time_secs!);
    const elapsed = b.timestamp - a.timestamp;
    assert.ok(elapsed >= 1.5, `samples ${elapsed} s apart`);
    // One busy core on a shared 2-core machine: well above idle, at most both cores.
    assert.ok(cpu >= 0.25 * elapsed && cpu <= 2.2 * elapsed, `${cpu} s of CPU in ${elapsed} s`);
    assert.ok(b.cpus_user_time_secs! > a.cpus_user_time_secs!, 'user time grows');

    // /containers: the same run with its container and status; the pid leads the task's session.
    const c = await entryOf<ContainerEntry>(agent, '/containers', 'burner');
    const state = await agent.json<{ frameworks: { executors: { id: string; container: string }[] }[] }>('/state');
    const container = state.frameworks.flatMap((f) => f.executors).find((e) => e.id === 'burner')!.container;
    assert.equal(c.container_id, container);
    assert.deepEqual(Object.keys(c).sort(), [
      'container_id',
      'executor_id',
      'executor_name',
      'framework_id',
      'source',
      'statistics',
      'status',
    ]);
    assert.equal(c.status?.container_id.value, container);
    const pid = c.status!.executor_pid!;
    assert.equal(procField(pid, 6), String(pid), 'executor_pid is the task process, leader of its session');
    assert.equal(c.statistics.processes, 3);
  });

  test('every path Mesos serves them under, JSONP, any method; /containers query rules', async () => {
    const e = await entryOf<ContainerEntry>(agent, '/containers', 'burner');
    for (const p of [
      '/monitor/statistics.json',
      '/slave(1)/monitor/statistics',
      '/slave(1)/monitor/statistics.json',
      '/slave%281%29/monitor/statistics',
    ]) {
      assert.ok(
        (await agent.json<StatisticsEntry[]>(p)).some((x) => x.executor_id === 'burner'),
        p,
      );
    }
    assert.ok((await agent.json<ContainerEntry[]>('/slave(1)/containers')).some((x) => x.container_id === e.container_id));
    const jsonp = await fetch(`${agent.url}/monitor/statistics?jsonp=angular.callbacks._3`);
    assert.match(jsonp.headers.get('content-type') ?? '', /^text\/javascript/);
    const body = await jsonp.text();
    assert.ok(body.startsWith('angular.callbacks._3([') && body.endsWith('])'), body.slice(0, 80));
    const posted = await fetch(`${agent.url}/monitor/statistics`, { method: 'POST' });
    assert.equal(posted.status, 200);
    assert.ok(((await posted.json()) as StatisticsEntry[]).some((x) => x.executor_id === 'burner'));

    const ids = async (q: string) => (await agent.json<ContainerEntry[]>(`/containers?${q}`)).map((x) => x.executor_id);
    assert.deepEqual(await ids(`container_id=${e.container_id}`), ['burner']);
    assert.deepEqual(await ids('container_id=nope'), []);
    assert.ok((await ids(`framework_id=${e.framework_id}`)).includes('burner'));
    assert.deepEqual(await ids(`framework_id=${e.framework_id}&executor_id=burner`), ['burner']);
    assert.deepEqual(await ids('framework_id=other&executor_id=burner'), []);
    for (const q of ['executor_id=burner', `container_id=${e.container_id}&framework_id=${e.framework_id}`]) {
      const res = await fetch(`${agent.url}/containers?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(
        await res.text(),
        'Supported query parameters are container_id only, framework_id only, or executor_id and framework_id only',
      );
    }
  });

  test('TaskInfo.limits give a hard cpus_limit and mem limit as Mesos adds them up', async () => {
    await s.launch(
      (offer) => [
        {
          name: 'limited',
          task_id: { value: 'limited' },
          agent_id: offer.agent_id,
          command: { value: 'exec sleep 600' },
          resources: resources(0.25, 64),
          limits: { cpus: { value: 2 }, mem: { value: 100 } },
        },
      ],
      { agentId },
    );
    await s.waitState('limited', 'TASK_RUNNING');
    const st = (await entryOf(agent, '/monitor/statistics', 'limited')).statistics;
    assert.equal(st.cpus_limit, 2.1);
    assert.equal(st.mem_limit_bytes, 132 * MB);
    assert.equal(st.mem_soft_limit_bytes, 96 * MB);
    assert.equal(st.cpus_soft_limit, 0.35);
    assert.equal(st.processes, 1);
  });

  test('a task that ended is no longer in /monitor/statistics', async () => {
    for (const id of ['burner', 'limited'])
      await s.client.call({ type: 'KILL', kill: { task_id: { value: id }, agent_id: { value: agentId } } });
    await s.waitState('burner', 'TASK_KILLED');
    await s.waitState('limited', 'TASK_KILLED');
    await waitFor('the killed tasks gone from the statistics', async () =>
      (await agent.json<StatisticsEntry[]>('/monitor/statistics')).every((e) => e.executor_id !== 'burner' && e.executor_id !== 'limited'),
    );
  });
});

const unavailable = await dockerUnavailable();

describe('resource statistics of a Docker task', { skip: unavailable ? `Docker tests skipped: ${unavailable}` : false }, () => {
  let master: Daemon;
  let agent: Daemon;

  before(async () => {
    await ensureTestImage();
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master, ['--containerizers=docker,mesos']);
  });
  after(() => stopDockerCluster(master, agent));

  test("the container's processes, found from the pid Docker reports, are read like a command task's", async () => {
    const agentId = (await agent.json<{ id: string }>('/state')).id;
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe({ name: 'monitor-docker-test' });
      // busybox sh keeps a 30 MB string, then spins.
      const command = 'x=$(head -c 30000000 /dev/zero | tr "\\0" a); while :; do :; done';
      await s.launch(
        (offer) => [
          {
            name: 'spinner',
            task_id: { value: 'spinner' },
            agent_id: offer.agent_id,
            command: { value: command },
            resources: resources(0.5, 128),
            container: { type: 'DOCKER', docker: { image: TEST_IMAGE, network: 'HOST' } },
          },
        ],
        { agentId },
      );
      await s.waitState('spinner', 'TASK_RUNNING');
      const first = await waitFor(
        'the string held',
        async () => {
          const e = await entryOf<ContainerEntry>(agent, '/containers', 'spinner');
          return (e.statistics?.mem_rss_bytes ?? 0) > 30_000_000 ? e : undefined;
        },
        30_000,
      );
      const a = first.statistics;
      assert.ok(a.processes! >= 1, `processes ${a.processes}`);
      assert.ok(a.mem_rss_bytes! < 256 * MB, `rss ${a.mem_rss_bytes}`);
      // Mesos's Docker containerizer: the task's own resources, no executor allowance.
      assert.equal(a.mem_limit_bytes, 128 * MB);
      assert.equal(a.cpus_soft_limit, 0.5);
      assert.equal(a.mem_soft_limit_bytes, undefined);
      assert.deepEqual(first.status, { container_id: { value: first.container_id } }, 'the Docker containerizer reports no executor pid');
      await sleep(2000);
      const b = (await entryOf(agent, '/monitor/statistics', 'spinner')).statistics;
      const cpu = b.cpus_user_time_secs! + b.cpus_system_time_secs! - (a.cpus_user_time_secs! + a.cpus_system_time_secs!);
      assert.ok(cpu >= 0.25 * (b.timestamp - a.timestamp), `${cpu} s of CPU in ${b.timestamp - a.timestamp} s`);
      await s.client.call({ type: 'KILL', kill: { task_id: { value: 'spinner' }, agent_id: { value: agentId } } });
      await waitFor(
        'spinner ended',
        () => s.updates('spinner').find((u) => u.state === 'TASK_KILLED' || u.state === 'TASK_FAILED'),
        30_000,
      );
    } finally {
      s.close();
    }
  });
});
