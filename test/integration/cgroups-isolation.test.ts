// cgroups isolation on this machine's real cgroup v1 hierarchy (root only): a task over its
// memory limit fails with REASON_CONTAINER_LIMITATION_MEMORY; a task's cpu.shares, CFS quota
// and memory limit match its resources; its processes are counted from its cgroups in
// /monitor/statistics; kill -9 of the agent and a restart keep it in its cgroups with its limits;
// orphan cgroups are removed at recovery and a container's cgroups when it ends.
// Each run uses its own --cgroups_root, removed at the end.
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TaskInfo } from '../../daemons/common/mesos.ts';
import { type Daemon, runMesos, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

const MB = 1024 * 1024;
const CG = '/sys/fs/cgroup';
const ROOT = `mesos-test-${process.pid}`;
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'];

/** Why these tests cannot run here, or undefined. */
function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cgroups cannot be created';
  for (const c of CONTROLLERS) {
    try {
      accessSync(path.join(CG, c, 'cgroup.procs'), constants.W_OK);
    } catch {
      return `no writable cgroup v1 ${c} controller at ${path.join(CG, c)}`;
    }
  }
  return undefined;
}
const skip = skipReason();

function cg(controller: string, container: string, file?: string): string {
  return path.join(CG, controller, ROOT, container, ...(file ? [file] : []));
}
const read = (controller: string, container: string, file: string) => readFileSync(cg(controller, container, file), 'utf8').trim();

interface Entry {
  executor_id: string;
  container_id: string;
  statistics: Record<string, number>;
}

async function containerOf(agent: Daemon, executorId: string): Promise<Entry> {
  return waitFor(`${executorId} in /containers`, async () =>
    (await agent.json<Entry[]>('/containers')).find((e) => e.executor_id === executorId),
  );
}

/** Container cgroups under the test's root for `controller`. */
function containerCgroups(controller: string): string[] {
  return readdirSync(path.join(CG, controller, ROOT), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Removes what a failed run may have left under the test's cgroups root. */
function removeTestRoot(): void {
  for (const c of CONTROLLERS) {
    const dir = path.join(CG, c, ROOT);
    if (!existsSync(dir)) continue;
    for (const name of containerCgroups(c)) rmdirSync(path.join(dir, name));
    rmdirSync(dir);
  }
}

test('an isolator not built yet, or a cgroup hierarchy that is not there, stops the agent with one line before it starts anything', async () => {
  const workDir = tempDir('agent');
  const base = ['agent', '--master=127.0.0.1:1', `--work_dir=${workDir}`, `--runtime_dir=${workDir}/run`];
  const unbuilt = await runMesos([...base, '--isolation=cgroups/cpu,filesystem/linux']);
  assert.equal(unbuilt.code, 1);
  assert.match(
    unbuilt.stderr,
    /^mesos agent: --isolation: the isolator 'filesystem\/linux' is not provided by this agent yet \(issue #28\); remove it from --isolation/m,
  );
  assert.equal(existsSync(`${workDir}/run/supervisor.pid`), false, 'no task supervisor was started');
  const nowhere = await runMesos([...base, '--isolation=cgroups/mem', '--cgroups_hierarchy=/nonexistent/cgroup']);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /--cgroups_hierarchy=\/nonexistent\/cgroup: no cgroup v1 controller is mounted under it/);
});

describe('cgroups isolation (real cgroup v1)', { skip }, () => {
  let master: Daemon;
  let agent: Daemon;
  let s: TestScheduler;
  const flags = [
    '--isolation=cgroups/cpu,cgroups/mem,cgroups/pids',
    '--cgroups_enable_cfs',
    `--cgroups_root=${ROOT}`,
    '--resources=cpus:2;mem:2048;disk:1000',
  ];

  before(async () => {
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master, flags);
    s = new TestScheduler(master.port, 'json');
    await s.subscribe({ checkpoint: true });
  });
  after(async () => {
    s?.close();
    await agent?.stop();
    await master?.stop();
    removeTestRoot();
  });

  test('the agent says which hierarchy and controllers it uses, in one line', () => {
    assert.match(
      agent.output,
      new RegExp(
        `cgroups isolation: cgroup v1, cpu at ${CG}/cpu, cpuacct at ${CG}/cpuacct, memory at ${CG}/memory, pids at ${CG}/pids, containers under <controller>/${ROOT}`,
      ),
    );
  });

  test('a task over its memory limit is TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY, and its cgroups go', async () => {
    // Holds 100 MB in the shell's memory: over the 64 MB of mem:32 plus the command executor's 32.
    await s.launch((o) => [task('hog', o, "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived", 0.1, 32)]);
    const failed = await waitFor(
      'hog TASK_FAILED',
      () => s.updates('hog').find((u) => u.state === 'TASK_FAILED' || u.state === 'TASK_FINISHED'),
      30_000,
    );
    assert.equal(failed.state, 'TASK_FAILED', failed.message);
    assert.equal(failed.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.equal(failed.source, 'SOURCE_AGENT');
    assert.match(failed.message ?? '', /^Memory limit exceeded: Requested: 64MB Maximum Used: \d+(KB|MB|B)\n\nMEMORY STATISTICS: \n/);
    await waitFor('its cgroups removed', () => containerCgroups('memory').length === 0, 15_000);
  });

  test('a task that ran into its memory limit while the agent was down is reported with the reason after the restart', async () => {
    await s.launch((o) => [
      task('late-hog', o, "while [ ! -e go ]; do sleep 0.1; done; x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived", 0.1, 32),
    ]);
    await s.waitState('late-hog', 'TASK_RUNNING');
    const { container_id: id } = await containerOf(agent, 'late-hog');
    const sandbox = await waitFor('its sandbox', async () => {
      const st = await agent.json<{ frameworks: { executors: { id: string; directory: string }[] }[] }>('/state');
      return st.frameworks.flatMap((f) => f.executors).find((e) => e.id === 'late-hog')?.directory;
    });
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    // The task waits for this file; then it allocates and the kernel's OOM killer acts.
    writeFileSync(path.join(sandbox, 'go'), '');
    await waitFor('the OOM kill', () => Number(/oom_kill (\d+)/.exec(read('memory', id, 'memory.oom_control'))?.[1] ?? 0) > 0, 15_000);
    // Offers made before the restart are rescinded: the next launch takes a new one.
    for (const o of s.offers()) s.usedOffers.add(o.id.value);
    agent = await startAgent(master, flags, { workDir: agent.workDir, port: agent.port });
    const failed = await waitFor(
      'late-hog terminal',
      () => s.updates('late-hog').find((u) => u.state === 'TASK_FAILED' || u.state === 'TASK_FINISHED'),
      30_000,
    );
    assert.equal(failed.state, 'TASK_FAILED', failed.message);
    assert.equal(failed.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(failed.message ?? '', /^Memory limit exceeded: Requested: 64MB /);
    await waitFor('its cgroups removed', () => CONTROLLERS.every((c) => !existsSync(cg(c, id))), 15_000);
  });

  test("a task's limits match its resources, its processes are counted, and kill -9 of the agent keeps it in its cgroups", async () => {
    await s.launch((o) => [task('sleeper', o, 'sleep 600 & sleep 600 & wait', 0.5, 96)]);
    await s.waitState('sleeper', 'TASK_RUNNING');
    const { container_id: id } = await containerOf(agent, 'sleeper');
    const limits = () => ({
      shares: read('cpu', id, 'cpu.shares'),
      period: read('cpu', id, 'cpu.cfs_period_us'),
      quota: read('cpu', id, 'cpu.cfs_quota_us'),
      mem: read('memory', id, 'memory.limit_in_bytes'),
      soft: read('memory', id, 'memory.soft_limit_in_bytes'),
    });
    // 0.5 + 0.1 cpus, 96 + 32 MB (the command executor's allowance, as in Mesos).
    const expected = { shares: '614', period: '100000', quota: '60000', mem: String(128 * MB), soft: String(128 * MB) };
    assert.deepEqual(limits(), expected);
    assert.doesNotMatch(agent.output, /predates cgroups isolation/, 'the supervisor started it inside its cgroups');
    const procs = () => read('memory', id, 'cgroup.procs').split('\n').map(Number).sort();
    await waitFor('3 processes in its memory cgroup', () => procs().length === 3);
    for (const c of ['cpu', 'cpuacct', 'pids']) assert.deepEqual(read(c, id, 'cgroup.procs').split('\n').map(Number).sort(), procs(), c);
    const stats = await waitFor('3 processes in /monitor/statistics', async () => {
      const e = (await agent.json<Entry[]>('/monitor/statistics')).find((x) => x.executor_id === 'sleeper');
      return e?.statistics.processes === 3 ? e.statistics : undefined;
    });
    assert.equal(stats.threads, 3);
    assert.equal(stats.mem_limit_bytes, 128 * MB);
    for (const k of [
      'cpus_user_time_secs',
      'cpus_system_time_secs',
      'cpus_nr_periods',
      'cpus_nr_throttled',
      'mem_rss_bytes',
      'mem_cache_bytes',
    ])
      assert.equal(typeof stats[k], 'number', k);

    // An orphan: a cgroup under the root that no container owns.
    for (const c of ['memory', 'pids']) mkdirSync(cg(c, 'orphan-1'), { recursive: true });
    const before = procs();
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    for (const o of s.offers()) s.usedOffers.add(o.id.value); // rescinded by the restart
    agent = await startAgent(master, flags, { workDir: agent.workDir, port: agent.port });
    assert.match(agent.output, /Recovered agent \S+: 1 frameworks, 1 running tasks re-attached/);
    assert.match(agent.output, /removed the cgroups of 1 unknown containers: orphan-1/);
    assert.equal(existsSync(cg('memory', 'orphan-1')), false);
    assert.deepEqual(procs(), before, 'the same processes in its cgroup');
    assert.deepEqual(limits(), expected);
    const recovered = await waitFor('/monitor/statistics after the restart', async () => {
      const e = (await agent.json<Entry[]>('/monitor/statistics')).find((x) => x.executor_id === 'sleeper');
      return e?.statistics.processes === 3 ? e.statistics : undefined;
    });
    assert.equal(recovered.mem_limit_bytes, 128 * MB);

    await s.client.call({ type: 'KILL', kill: { task_id: { value: 'sleeper' } } });
    await s.waitState('sleeper', 'TASK_KILLED');
    await waitFor('its cgroups removed', () => CONTROLLERS.every((c) => !existsSync(cg(c, id))), 15_000);
    // Reparented children are reaped by whatever init this host has: a zombie is gone too.
    for (const pid of before) await waitFor(`process ${pid} gone`, () => !running(pid));
  });
  test('each task of a task group has its own cgroups with its own resources', async () => {
    const fwId = s.client.frameworkId!;
    const offer = await waitFor('an unused offer', () => s.offers().find((o) => !s.usedOffers.has(o.id.value)));
    s.usedOffers.add(offer.id.value);
    // A shell and its sleep in each task, whichever shell /bin/sh is.
    const member = (id: string, mem: number): TaskInfo => task(id, offer, 'sleep 600 & wait', 0.2, mem);
    await s.client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH_GROUP',
            launch_group: {
              executor: {
                type: 'DEFAULT',
                executor_id: { value: 'group' },
                framework_id: { value: fwId },
                resources: [
                  { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
                  { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
                ],
              },
              task_group: { tasks: [member('ga', 48), member('gb', 80)] },
            },
          },
        ],
      },
    });
    await s.waitState('ga', 'TASK_RUNNING');
    await s.waitState('gb', 'TASK_RUNNING');
    const { container_id: run } = await containerOf(agent, 'group');
    assert.equal(read('memory', `${run}.ga`, 'memory.limit_in_bytes'), String(48 * MB));
    assert.equal(read('memory', `${run}.gb`, 'memory.limit_in_bytes'), String(80 * MB));
    assert.equal(read('cpu', `${run}.ga`, 'cpu.shares'), '204');
    let last: unknown;
    const stats = await waitFor('both tasks counted', async () => {
      const e = (await agent.json<Entry[]>('/monitor/statistics')).find((x) => x.executor_id === 'group');
      last = e;
      return e?.statistics.processes === 4 ? e.statistics : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last)}`);
    });
    assert.equal(stats.threads, 4);
    for (const id of ['ga', 'gb']) await s.client.call({ type: 'KILL', kill: { task_id: { value: id } } });
    await s.waitState('gb', 'TASK_KILLED');
    await waitFor(
      'their cgroups removed',
      () => CONTROLLERS.every((c) => !existsSync(cg(c, `${run}.ga`)) && !existsSync(cg(c, `${run}.gb`))),
      15_000,
    );
  });
});
