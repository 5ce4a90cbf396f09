import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import type { TaskInfo } from '../../daemons/common/mesos.ts';
import { taskEnd } from '../../daemons/agent/executor/task-exit.ts';
import { CgroupTree } from '../../daemons/agent/isolation/cgroups.ts';
import { containerControls, cpuShares, cpuWeight } from '../../daemons/agent/isolation/controls.ts';
import type { Hierarchy } from '../../daemons/agent/isolation/hierarchy.ts';
import { CgroupsIsolator } from '../../daemons/agent/isolation/isolator.ts';
import { type Isolation, parseIsolation } from '../../daemons/agent/isolation/isolators.ts';
import { launchResources } from '../../daemons/agent/isolation/resources.ts';
import { isolationFromFlags } from '../../daemons/agent/isolation/setup.ts';
import {
  countsOomKills,
  formatBytes,
  memoryLimitMessage,
  oomKills,
  outOfMemory,
  usageV1,
  usageV2,
} from '../../daemons/agent/isolation/usage.ts';
import { forkInside, homeDirs, homeFor } from '../../daemons/agent/supervisor/cgroup-join.ts';

const MB = 1024 * 1024;
const log = pino({ level: 'silent' });
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../fixtures/cgroups', name), 'utf8');
const iso = (v: string): Isolation => {
  const r = parseIsolation(v);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const task = (cpus: number, mem: number, limits?: Record<string, { value: unknown }>): TaskInfo => ({
  name: 't',
  task_id: { value: 't' },
  agent_id: { value: 'a' },
  resources: [
    { name: 'cpus', type: 'SCALAR' as const, scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR' as const, scalar: { value: mem } },
  ],
  // Infinity travels in JSON as a string, which TaskInfo's type does not say.
  ...(limits ? { limits: limits as TaskInfo['limits'] } : {}),
});

test("a command task's container: the task plus Mesos's command executor allowance", () => {
  const r = launchResources({ task: task(0.5, 32) }, false);
  assert.deepEqual(r, { cpus: 0.6, mem: 64 * MB });
  assert.deepEqual(launchResources({ task: task(0.5, 32), inGroup: true }, false), { cpus: 0.5, mem: 32 * MB });
  const limited = launchResources({ task: task(1, 128, { cpus: { value: 2 }, mem: { value: 'Infinity' } }) }, false);
  assert.equal(limited.cpusLimit, 2 + 0.1);
  assert.equal(limited.memLimit, Number.POSITIVE_INFINITY);
});

test('cgroup v1 controls: shares, CFS quota only when asked, memory limit and soft limit', () => {
  const all = iso('cgroups/cpu,cgroups/mem');
  const noCfs = containerControls(1, all, { cpus: 0.6, mem: 64 * MB }, { enableCfs: false, limitSwap: false });
  assert.deepEqual(
    noCfs.map((w) => `${w.controller}:${w.file}=${w.value}`),
    ['cpu:cpu.shares=614', `memory:memory.soft_limit_in_bytes=${64 * MB}`, `memory:memory.limit_in_bytes=${64 * MB}`],
  );
  const cfs = containerControls(1, all, { cpus: 0.6, mem: 16 * MB }, { enableCfs: true, limitSwap: true });
  assert.deepEqual(
    cfs.map((w) => `${w.file}=${w.value}`),
    [
      'cpu.shares=614',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=60000',
      `memory.soft_limit_in_bytes=${32 * MB}`, // Mesos's MIN_MEMORY
      `memory.limit_in_bytes=${32 * MB}`,
      `memory.memsw.limit_in_bytes=${32 * MB}`,
    ],
  );
  // A cpus limit sets a quota even without --cgroups_enable_cfs; an infinite one none; mem limits raise the hard limit.
  const limited = containerControls(
    1,
    all,
    { cpus: 1, cpusLimit: 2.5, mem: 64 * MB, memLimit: 256 * MB },
    { enableCfs: false, limitSwap: false },
  );
  assert.deepEqual(
    limited.map((w) => `${w.file}=${w.value}`),
    [
      'cpu.shares=1024',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=250000',
      `memory.soft_limit_in_bytes=${64 * MB}`,
      `memory.limit_in_bytes=${256 * MB}`,
    ],
  );
  const infinite = containerControls(
    1,
    all,
    { cpus: 0.001, cpusLimit: Number.POSITIVE_INFINITY, mem: 64 * MB, memLimit: Number.POSITIVE_INFINITY },
    { enableCfs: true, limitSwap: false },
  );
  assert.deepEqual(
    infinite.map((w) => `${w.file}=${w.value}`),
    [
      'cpu.shares=2',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=-1',
      `memory.soft_limit_in_bytes=${64 * MB}`,
      'memory.limit_in_bytes=-1',
    ],
  );
  assert.deepEqual(
    containerControls(1, iso('cgroups/pids,posix/cpu'), { cpus: 1, mem: 64 * MB }, { enableCfs: true, limitSwap: false }),
    [],
  );
});

test('cgroup v2 controls: cpu.weight as systemd maps shares, cpu.max, memory.max and memory.low', () => {
  assert.equal(cpuShares(0.6), 614);
  assert.equal(cpuWeight(1024), 39);
  assert.equal(cpuWeight(2), 1);
  assert.equal(cpuWeight(262_144), 10_000);
  const w = containerControls(2, iso('cgroups/all'), { cpus: 0.6, mem: 64 * MB }, { enableCfs: true, limitSwap: true });
  assert.deepEqual(
    w.map((x) => `${x.file}=${x.value}`),
    ['cpu.weight=24', 'cpu.max=60000 100000', `memory.low=${64 * MB}`, `memory.max=${64 * MB}`, 'memory.swap.max=0'],
  );
  const inf = containerControls(
    2,
    iso('cgroups/all'),
    { cpus: 1, cpusLimit: Number.POSITIVE_INFINITY, mem: 64 * MB, memLimit: Number.POSITIVE_INFINITY },
    { enableCfs: false, limitSwap: false },
  );
  assert.deepEqual(
    inf.map((x) => `${x.file}=${x.value}`),
    ['cpu.weight=39', 'cpu.max=max 100000', `memory.low=${64 * MB}`, 'memory.max=max'],
  );
});

test('usage from v1 and v2 files, in ResourceStatistics names', () => {
  const v1 = usageV1(
    {
      cpuacctStat: 'user 250\nsystem 50\n',
      cpuStat: 'nr_periods 40\nnr_throttled 7\nthrottled_time 1500000000\n',
      memoryUsage: '73728000\n',
      memoryStat: 'cache 10\nrss 20\ntotal_cache 4096\ntotal_rss 8192\n',
      procs: '12\n13\n',
      pidsCurrent: '5\n',
    },
    100,
  );
  assert.deepEqual(v1, {
    processes: 2,
    threads: 5,
    cpus_user_time_secs: 2.5,
    cpus_system_time_secs: 0.5,
    cpus_nr_periods: 40,
    cpus_nr_throttled: 7,
    cpus_throttled_time_secs: 1.5,
    mem_total_bytes: 73728000,
    mem_cache_bytes: 4096,
    mem_rss_bytes: 8192,
  });
  const v2 = usageV2({
    cpuStat: 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\nnr_periods 3\nnr_throttled 1\nthrottled_usec 250000\n',
    memoryUsage: '1000\n',
    memoryStat: 'anon 600\nfile 300\n',
    procs: '1\n',
    pidsCurrent: '3',
  });
  assert.deepEqual(v2, {
    processes: 1,
    threads: 3,
    cpus_user_time_secs: 2,
    cpus_system_time_secs: 1,
    cpus_nr_periods: 3,
    cpus_nr_throttled: 1,
    cpus_throttled_time_secs: 0.25,
    mem_total_bytes: 1000,
    mem_cache_bytes: 300,
    mem_rss_bytes: 600,
  });
});

test("OOM: the kernel's counters and Mesos's message", () => {
  assert.equal(oomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKills('low 0\nhigh 0\nmax 31\noom 1\noom_kill 1\noom_group_kill 0\n'), 1);
  assert.equal(oomKills('oom_kill_disable 0\nunder_oom 0\n'), 0);
  // Kernels before 4.13 (CentOS 7's 3.10) have no oom_kill line: a cgroup whose killer is off waits in OOM.
  assert.equal(countsOomKills('oom_kill_disable 0\nunder_oom 0\n'), false);
  assert.equal(countsOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'), true);
  assert.equal(outOfMemory('oom_kill_disable 1\nunder_oom 1\n'), true);
  assert.equal(outOfMemory('oom_kill_disable 1\nunder_oom 0\n'), false);
  assert.equal(outOfMemory('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n'), true);
  assert.equal(formatBytes(64 * MB), '64MB');
  assert.equal(formatBytes(1536 * 1024), '1536KB');
  assert.equal(formatBytes(1000), '1000B');
  assert.equal(
    memoryLimitMessage(64 * MB, 67_104_768, 'total_rss 1\n'),
    'Memory limit exceeded: Requested: 64MB Maximum Used: 65532KB\n\nMEMORY STATISTICS: \ntotal_rss 1\n\n',
  );
});

test('a container ended by its memory limit fails with the reason, said by the agent', () => {
  const limitation = { reason: 'REASON_CONTAINER_LIMITATION_MEMORY' as const, message: 'Memory limit exceeded: Requested: 64MB ' };
  const end = taskEnd({ containerId: 'c', via: 'mesos', killRequested: false }, { code: 0, signal: null, at: 1, limitation });
  assert.deepEqual(end, { state: 'TASK_FAILED', message: limitation.message, reason: limitation.reason, source: 'SOURCE_AGENT' });
  const killed = taskEnd({ containerId: 'c', via: 'mesos', killRequested: true }, { code: null, signal: 'SIGTERM', at: 1, limitation });
  assert.equal(killed.state, 'TASK_KILLED');
});

function fakeTree(version: 1 | 2) {
  const base = mkdtempSync(path.join(os.tmpdir(), 'cgroups-'));
  const h: Hierarchy =
    version === 1
      ? {
          version: 1,
          mounts: { cpu: `${base}/cpu,cpuacct`, cpuacct: `${base}/cpu,cpuacct`, memory: `${base}/memory`, pids: `${base}/pids` },
        }
      : { version: 2, root: base, controllers: ['cpu', 'cpuacct', 'memory', 'pids'] };
  if (version === 2) writeFileSync(path.join(base, 'cgroup.subtree_control'), 'cpu\n');
  return { base, tree: new CgroupTree(h, 'mesos', ['cpu', 'cpuacct', 'memory', 'pids']) };
}

test('v1 tree (CentOS 7 layout in a temp dir): one directory for co-mounted cpu,cpuacct, limits written, found again', () => {
  const { base, tree } = fakeTree(1);
  try {
    const isolator = new CgroupsIsolator(
      tree,
      iso('cgroups/all'),
      { enableCfs: true, limitSwap: false, destroyTimeoutMs: 1000, ticksPerSecond: 100 },
      log,
    );
    const dirs = isolator.prepare('c1', { cpus: 0.6, mem: 64 * MB });
    assert.deepEqual(dirs, [`${base}/cpu,cpuacct/mesos/c1`, `${base}/memory/mesos/c1`, `${base}/pids/mesos/c1`]);
    assert.equal(readFileSync(`${base}/cpu,cpuacct/mesos/c1/cpu.shares`, 'utf8'), '614');
    assert.equal(readFileSync(`${base}/cpu,cpuacct/mesos/c1/cpu.cfs_quota_us`, 'utf8'), '60000');
    assert.equal(readFileSync(`${base}/memory/mesos/c1/memory.limit_in_bytes`, 'utf8'), String(64 * MB));
    assert.deepEqual(tree.list(), ['c1']);
    // No OOM yet; then the kernel's counter moves.
    writeFileSync(`${base}/memory/mesos/c1/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    assert.equal(isolator.limitation('c1'), undefined);
    writeFileSync(`${base}/memory/mesos/c1/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    writeFileSync(`${base}/memory/mesos/c1/memory.max_usage_in_bytes`, String(64 * MB));
    const l = isolator.limitation('c1');
    assert.equal(l?.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(l?.message ?? '', /^Memory limit exceeded: Requested: 64MB Maximum Used: 64MB\n/);
    writeFileSync(`${base}/pids/mesos/c1/cgroup.procs`, '');
    writeFileSync(`${base}/pids/mesos/c1/pids.current`, '0\n');
    assert.equal(isolator.usage('c1')?.processes, 0);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a task started outside its cgroups (by a supervisor older than isolation) is moved in, and the operator told once', async () => {
  const { base, tree } = fakeTree(1);
  const lines: string[] = [];
  const capture = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const isolator = new CgroupsIsolator(
      tree,
      iso('cgroups/mem'),
      { enableCfs: false, limitSwap: false, destroyTimeoutMs: 1000, ticksPerSecond: 100 },
      capture,
    );
    isolator.prepare('old', { cpus: 1, mem: 64 * MB });
    isolator.prepare('old2', { cpus: 1, mem: 64 * MB });
    isolator.ensureInside('old', child.pid!);
    isolator.ensureInside('old2', child.pid!);
    assert.equal(readFileSync(`${base}/memory/mesos/old/cgroup.procs`, 'utf8'), String(child.pid));
    assert.equal(lines.filter((l) => l.includes('predates cgroups isolation')).length, 1);
  } finally {
    child.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});

test("a running container's update: shares and soft limit follow, the hard memory limit only grows", () => {
  const { base, tree } = fakeTree(1);
  try {
    const isolator = new CgroupsIsolator(
      tree,
      iso('cgroups/cpu,cgroups/mem'),
      { enableCfs: false, limitSwap: false, destroyTimeoutMs: 1000, ticksPerSecond: 100 },
      log,
    );
    isolator.prepare('ex', { cpus: 0.5, mem: 64 * MB });
    const file = (f: string) => readFileSync(`${base}/${f.startsWith('cpu') ? 'cpu,cpuacct' : 'memory'}/mesos/ex/${f}`, 'utf8');
    isolator.update('ex', { cpus: 1.5, mem: 192 * MB });
    assert.deepEqual(
      [file('cpu.shares'), file('memory.limit_in_bytes'), file('memory.soft_limit_in_bytes')],
      ['1536', String(192 * MB), String(192 * MB)],
    );
    isolator.update('ex', { cpus: 0.25, mem: 48 * MB });
    assert.deepEqual(
      [file('cpu.shares'), file('memory.limit_in_bytes'), file('memory.soft_limit_in_bytes')],
      ['256', String(192 * MB), String(48 * MB)],
    );
    isolator.update('gone', { cpus: 1, mem: 64 * MB }); // no cgroup: nothing to do
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('v2 tree (Fedora layout in a temp dir): controllers switched on for children, one cgroup per container', () => {
  const { base, tree } = fakeTree(2);
  try {
    tree.create('c2', containerControls(2, iso('cgroups/all'), { cpus: 1, mem: 64 * MB }, { enableCfs: false, limitSwap: false }));
    assert.deepEqual(tree.dirs('c2'), [`${base}/mesos/c2`]);
    assert.equal(readFileSync(`${base}/cgroup.subtree_control`, 'utf8'), '+cpu +memory +pids');
    assert.equal(readFileSync(`${base}/mesos/cgroup.subtree_control`, 'utf8'), '+cpu +memory +pids');
    assert.equal(readFileSync(`${base}/mesos/c2/memory.max`, 'utf8'), String(64 * MB));
    assert.equal(readFileSync(`${base}/mesos/c2/cpu.weight`, 'utf8'), '39');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("the supervisor's own cgroups: v1 apart, co-mounted, hybrid and v2", () => {
  const homes = homeDirs(
    '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/e36\n2:cpuacct:/\n1:cpu:/\n0::/\n',
    fixture('build-host.mountinfo'),
  );
  assert.deepEqual(homeFor(homes, '/sys/fs/cgroup/memory/mesos/c1'), {
    mountPoint: '/sys/fs/cgroup/memory',
    dir: '/sys/fs/cgroup/memory/process_api/e36',
  });
  assert.equal(homeFor(homes, '/sys/fs/cgroup/cpu/mesos/c1')?.dir, '/sys/fs/cgroup/cpu');
  assert.equal(homeFor(homes, '/sys/fs/cgroup/unified/x')?.dir, '/sys/fs/cgroup/unified');
  const centos = homeDirs(
    '4:cpuacct,cpu:/system.slice/mesos-slave.service\n5:memory:/system.slice/mesos-slave.service\n',
    fixture('centos7.mountinfo'),
  );
  assert.equal(homeFor(centos, '/sys/fs/cgroup/cpu,cpuacct/mesos/c')?.dir, '/sys/fs/cgroup/cpu,cpuacct/system.slice/mesos-slave.service');
  const fedora = homeDirs('0::/system.slice/mesos-slave.service\n', fixture('fedora-v2.mountinfo'));
  assert.equal(homeFor(fedora, '/sys/fs/cgroup/mesos/c')?.dir, '/sys/fs/cgroup/system.slice/mesos-slave.service');
});

test('forkInside: joins each cgroup, forks, goes home; a cgroup it cannot join fails the fork', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'join-'));
  try {
    for (const d of ['memory/home', 'memory/mesos/c']) mkdirSync(path.join(base, d), { recursive: true });
    const homes = [{ mountPoint: `${base}/memory`, dir: `${base}/memory/home` }];
    const seen: string[] = [];
    const out = forkInside([`${base}/memory/mesos/c`], homes, () => {
      seen.push(readFileSync(`${base}/memory/mesos/c/cgroup.procs`, 'utf8'));
      return 7;
    });
    assert.equal(out, 7);
    assert.deepEqual(seen, [String(process.pid)]);
    assert.equal(readFileSync(`${base}/memory/home/cgroup.procs`, 'utf8'), String(process.pid));
    let forked = false;
    assert.throws(
      () =>
        forkInside([`${base}/memory/mesos/gone`], homes, () => {
          forked = true;
        }),
      /^Error: cannot enter the container's cgroup: ENOENT/,
    );
    assert.equal(forked, false);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the agent refuses an isolator whose controller the host lacks, in one line', () => {
  const flags = {
    isolation: 'cgroups/cpu,cgroups/mem',
    cgroups_hierarchy: '/sys/fs/cgroup',
    cgroups_root: 'mesos',
    cgroups_enable_cfs: false,
    cgroups_limit_swap: false,
    cgroups_destroy_timeout: 60,
  };
  const r = isolationFromFlags(flags, 100, log, {
    mountinfo: fixture('fedora-v2.mountinfo'),
    procCgroups: fixture('fedora-v2.cgroups'),
    v2RootControllers: 'cpuset io pids',
  });
  assert.equal(r.ok, false);
  assert.equal(
    !r.ok && r.error,
    '--isolation=cgroups/cpu,cgroups/mem needs the cgroup controllers cpu, memory, not offered in /sys/fs/cgroup/cgroup.controllers (cgroup v2); mount or delegate them, or drop the isolator',
  );
  const noSwap = isolationFromFlags({ ...flags, cgroups_limit_swap: true }, 100, log, {
    mountinfo: fixture('centos7.mountinfo'),
    procCgroups: fixture('centos7.cgroups'),
    swapAccounting: false,
  });
  assert.match(
    !noSwap.ok ? noSwap.error : '',
    /^--cgroups_limit_swap needs swap accounting .* boot it with swapaccount=1 or drop the flag$/,
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hier-'));
  try {
    const old = isolationFromFlags({ ...flags, isolation: 'cgroups/mem', cgroups_hierarchy: dir }, 100, log, {
      mountinfo: `29 24 0:25 / ${dir}/memory rw - cgroup cgroup rw,memory\n`,
      procCgroups: 'memory\t5\t61\t1\n',
      rootOomControl: 'oom_kill_disable 0\nunder_oom 0\n',
    });
    assert.ok(old.ok && old.value.isolator);
    assert.match(old.value.summary, /this kernel does not count OOM kills: the OOM killer is off in container cgroups/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const posix = isolationFromFlags({ ...flags, isolation: 'posix/cpu,posix/mem' }, 100, log, { mountinfo: '', procCgroups: '' });
  assert.deepEqual(posix, {
    ok: true,
    value: { isolator: undefined, summary: 'Isolation: posix/cpu,posix/mem (usage read from /proc; no cgroups, no limits enforced)' },
  });
  const bad = isolationFromFlags({ ...flags, cgroups_root: '../x' }, 100, log, {
    mountinfo: fixture('centos7.mountinfo'),
    procCgroups: fixture('centos7.cgroups'),
  });
  assert.match(!bad.ok ? bad.error : '', /^--cgroups_root=\.\.\/x: give a relative cgroup path/);
});
