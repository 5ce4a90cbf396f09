// The agent's resource monitor without a running agent: /proc stat lines and the auxiliary
// vector parsed from fixture text, process trees and sessions, a scan of a fake /proc directory,
// Mesos's limit arithmetic, the monitor's shared scans, and the endpoints' JSON and query rules.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { eachLimited } from '../../daemons/common/each-limited.ts';
import type { Resource, TaskInfo, TaskState } from '../../daemons/common/mesos.ts';
import { CONTAINERS_QUERY_ERROR, containersFilter, containersJson, statisticsJson } from '../../daemons/agent/monitor/endpoints.ts';
import { COMMAND_EXECUTOR_RESOURCES, containerLimits } from '../../daemons/agent/monitor/limits.ts';
import { type MonitoredExecutor, ResourceMonitor, SAMPLE_MAX_AGE_MS, monitoredExecutors } from '../../daemons/agent/monitor/monitor.ts';
import { scanProcesses } from '../../daemons/agent/monitor/proc-scan.ts';
import {
  type ProcStat,
  containerProcesses,
  indexProcesses,
  parseAuxv,
  parseProcStat,
  sumUsage,
} from '../../daemons/agent/monitor/proc-stat.ts';
import type { AgentTask, ExecutorRecord } from '../../daemons/agent/records.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A /proc/<pid>/stat line as Linux 6.1 writes it (52 fields), with the fields the monitor reads set. */
function statLine(o: {
  pid: number;
  comm?: string;
  state?: string;
  ppid: number;
  session: number;
  utime?: number;
  stime?: number;
  cutime?: number;
  cstime?: number;
  threads?: number;
  rss?: number;
}): string {
  const f = (n: number | undefined) => String(n ?? 0);
  // Fields 3.. in order: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss rsslim ...
  const rest = [
    o.state ?? 'S',
    f(o.ppid),
    f(o.session),
    f(o.session),
    '0',
    '-1',
    '4194304',
    '120',
    '0',
    '0',
    '0',
    f(o.utime),
    f(o.stime),
    f(o.cutime),
    f(o.cstime),
    '20',
    '0',
    f(o.threads ?? 1),
    '0',
    '43562',
    '3133440',
    f(o.rss),
    '18446744073709551615',
  ];
  while (rest.length < 50) rest.push('0');
  return `${o.pid} (${o.comm ?? 'sh'}) ${rest.join(' ')}\n`;
}

describe('/proc parsing (pure)', () => {
  test('a stat line: fields counted from the last parenthesis, also with spaces and parentheses in the name', () => {
    const text =
      '4711 (my (odd) name) R 4700 4700 4700 0 -1 4194560 1500 0 0 0 250 31 12 3 20 0 3 0 99120 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
    assert.deepEqual(parseProcStat(text), {
      pid: 4711,
      state: 'R',
      ppid: 4700,
      session: 4700,
      utime: 250,
      stime: 31,
      cutime: 12,
      cstime: 3,
      threads: 3,
      rssPages: 2048,
    });
    // A real line of this machine's cat(1), shape and all.
    const cat =
      '15778 (cat) R 15776 15776 9144 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 43562 3133440 417 18446744073709551615 94329214853120 94329214873001 140733669643792 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94329214889008 94329214890624 94329916911616 140733669649122 140733669649142 140733669649142 140733669650411 0';
    assert.deepEqual(parseProcStat(cat), {
      pid: 15778,
      state: 'R',
      ppid: 15776,
      session: 9144,
      utime: 0,
      stime: 0,
      cutime: 0,
      cstime: 0,
      threads: 1,
      rssPages: 417,
    });
  });

  test('what is not a stat line is refused', () => {
    assert.equal(parseProcStat(''), undefined);
    assert.equal(parseProcStat('hello world'), undefined);
    assert.equal(parseProcStat('12 (sh) S 1 2 3'), undefined, 'cut short');
    assert.deepEqual(
      parseProcStat(statLine({ pid: 5, ppid: 1, session: 5 }).replace(' 43562 ', ' x ')),
      parseProcStat(statLine({ pid: 5, ppid: 1, session: 5 })),
      'fields not read may be anything',
    );
    assert.equal(
      parseProcStat(statLine({ pid: 5, ppid: 1, session: 5 }).replace(/^5 \(sh\) S 1/, '5 (sh) S one')),
      undefined,
      'a field read is not a number',
    );
  });

  test('auxv: AT_PAGESZ and AT_CLKTCK from native word pairs; defaults when missing', () => {
    const words = (pairs: [number, number][]) => {
      const buf = Buffer.alloc(pairs.length * 16);
      pairs.forEach(([t, v], i) => {
        buf.writeBigUInt64LE(BigInt(t), i * 16);
        buf.writeBigUInt64LE(BigInt(v), i * 16 + 8);
      });
      return buf;
    };
    // AT_SYSINFO_EHDR, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_NULL, then junk after the end.
    assert.deepEqual(
      parseAuxv(
        words([
          [33, 0x7ffd1000],
          [16, 0x178bfbff],
          [6, 16384],
          [17, 250],
          [3, 0x400040],
          [0, 0],
          [6, 1],
        ]),
      ),
      { pageSize: 16384, ticksPerSecond: 250 },
    );
    assert.deepEqual(
      parseAuxv(
        words([
          [16, 1],
          [0, 0],
        ]),
      ),
      { pageSize: 4096, ticksPerSecond: 100 },
    );
    assert.deepEqual(parseAuxv(Buffer.alloc(0)), { pageSize: 4096, ticksPerSecond: 100 });
    const small = Buffer.alloc(24);
    small.writeUInt32LE(6, 0);
    small.writeUInt32LE(8192, 4);
    assert.equal(parseAuxv(small, 4).pageSize, 8192, '32-bit words');
  });
});

describe('process trees (pure)', () => {
  const p = (pid: number, ppid: number, session: number, extra: Partial<ProcStat> = {}): ProcStat => ({
    pid,
    state: 'S',
    ppid,
    session,
    utime: 0,
    stime: 0,
    cutime: 0,
    cstime: 0,
    threads: 1,
    rssPages: 0,
    ...extra,
  });
  // 1 init; 100 supervisor; 200 a task (session leader) with children 201 -> 202; 210 a daemon
  // of the task re-parented to init but still in its session; 300 another task; 400 a Docker
  // container's first process (not a session leader) with child 401; 500 unrelated, session 1.
  const procs = [
    p(1, 0, 1),
    p(100, 1, 100),
    p(200, 100, 200),
    p(201, 200, 200),
    p(202, 201, 200),
    p(210, 1, 200),
    p(300, 100, 300),
    p(400, 399, 1),
    p(401, 400, 1),
    p(500, 1, 1),
  ];
  const index = indexProcesses(procs);
  const pids = (roots: number[]) =>
    containerProcesses(index, roots)
      .map((x) => x.pid)
      .sort((a, b) => a - b);

  test("a task's processes: its tree and what stayed in its session", () => {
    assert.deepEqual(pids([200]), [200, 201, 202, 210]);
    assert.deepEqual(pids([300]), [300]);
  });

  test("a root that does not lead its session brings only its tree (not the session's other processes)", () => {
    assert.deepEqual(pids([400]), [400, 401]);
  });

  test('several roots (a task group) are counted once each; unknown roots add nothing', () => {
    assert.deepEqual(pids([200, 201, 300]), [200, 201, 202, 210, 300]);
    assert.deepEqual(pids([999]), []);
  });

  test('usage: CPU ticks (with reaped children) to seconds, rss pages to bytes, threads summed', () => {
    const usage = sumUsage(
      [
        p(1, 0, 1, { utime: 250, stime: 30, cutime: 50, cstime: 10, threads: 4, rssPages: 1000 }),
        p(2, 1, 1, { utime: 100, stime: 0, threads: 2, rssPages: 24 }),
      ],
      { pageSize: 4096, ticksPerSecond: 100 },
    );
    assert.deepEqual(usage, { processes: 2, threads: 6, cpus_user_time_secs: 4, cpus_system_time_secs: 0.4, mem_rss_bytes: 1024 * 4096 });
  });
});

describe('scan of a /proc directory', () => {
  test('reads every numeric entry; skips other entries, unreadable and malformed ones', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fake-proc-'));
    dirs.push(root);
    const entries: Record<string, string | undefined> = {
      '1': statLine({ pid: 1, ppid: 0, session: 1 }),
      '42': statLine({ pid: 42, comm: 'a b) c', ppid: 1, session: 42, utime: 7, rss: 9 }),
      '43': 'garbage',
      '44': undefined, // a process that ended between readdir and open: no stat file
      self: statLine({ pid: 1, ppid: 0, session: 1 }),
      sys: undefined,
    };
    for (const [name, text] of Object.entries(entries)) {
      mkdirSync(path.join(root, name));
      if (text !== undefined) writeFileSync(path.join(root, name, 'stat'), text);
    }
    // More processes than reads in flight, to go through every worker's buffer.
    for (let pid = 1000; pid < 1040; pid++) {
      mkdirSync(path.join(root, String(pid)));
      writeFileSync(path.join(root, String(pid), 'stat'), statLine({ pid, ppid: 1, session: pid, rss: pid }));
    }
    const found = await scanProcesses(root);
    assert.deepEqual(
      found.map((s) => s.pid).sort((a, b) => a - b),
      [1, 42, ...Array.from({ length: 40 }, (_, i) => 1000 + i)],
    );
    for (const s of found) if (s.pid >= 1000) assert.equal(s.rssPages, s.pid, 'each line read whole, none mixed with another');
    assert.equal(found.find((s) => s.pid === 42)?.utime, 7);
  });

  test("this machine's own /proc has this process, with its parent", async () => {
    const found = await scanProcesses();
    const me = found.find((s) => s.pid === process.pid);
    assert.ok(me);
    assert.equal(me.ppid, process.ppid);
    assert.ok(me.rssPages > 0 && me.threads >= 1);
  });
});

describe("Mesos's limits (pure)", () => {
  const r = (cpus: number | undefined, mem: number | undefined): Resource[] => [
    ...(cpus !== undefined ? [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: cpus } }] : []),
    ...(mem !== undefined ? [{ name: 'mem', type: 'SCALAR' as const, scalar: { value: mem } }] : []),
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] } },
  ];
  const host = { cpus: 8, memBytes: 16 * 1024 ** 3 };
  const MB = 1024 * 1024;

  test('a command task under the Mesos containerizer: its resources plus the command executor allowance, no cpus_limit', () => {
    assert.deepEqual(
      containerLimits({ executorResources: COMMAND_EXECUTOR_RESOURCES, tasks: [{ resources: r(0.5, 128) }], containerizer: 'mesos', host }),
      {
        mem_limit_bytes: 160 * MB,
        mem_soft_limit_bytes: 160 * MB,
        cpus_soft_limit: 0.6,
      },
    );
  });

  test('the same task under Docker: no allowance, no soft mem limit without a mem limit', () => {
    assert.deepEqual(
      containerLimits({
        executorResources: COMMAND_EXECUTOR_RESOURCES,
        tasks: [{ resources: r(0.5, 128) }],
        containerizer: 'docker',
        host,
      }),
      { mem_limit_bytes: 128 * MB, cpus_soft_limit: 0.5 },
    );
  });

  test('TaskInfo.limits: hard limits with the executor request added; infinite is the whole host', () => {
    const limited = { resources: r(1, 100), limits: { cpus: { value: 2 }, mem: { value: 256.7 } } };
    assert.deepEqual(containerLimits({ executorResources: COMMAND_EXECUTOR_RESOURCES, tasks: [limited], containerizer: 'mesos', host }), {
      cpus_limit: 2.1,
      mem_limit_bytes: 288 * MB, // 256.7 + 32, whole megabytes
      mem_soft_limit_bytes: 132 * MB,
      cpus_soft_limit: 1.1,
    });
    const infinite = { resources: r(1, 100), limits: { cpus: { value: 'Infinity' }, mem: { value: Number.POSITIVE_INFINITY } } };
    assert.deepEqual(containerLimits({ executorResources: COMMAND_EXECUTOR_RESOURCES, tasks: [infinite], containerizer: 'mesos', host }), {
      cpus_limit: 8,
      mem_limit_bytes: 16 * 1024 ** 3,
      mem_soft_limit_bytes: 132 * MB,
      cpus_soft_limit: 1.1,
    });
    const docker = containerLimits({ executorResources: COMMAND_EXECUTOR_RESOURCES, tasks: [limited], containerizer: 'docker', host });
    assert.deepEqual(docker, { cpus_limit: 2, mem_limit_bytes: 256 * MB, mem_soft_limit_bytes: 100 * MB, cpus_soft_limit: 1 });
  });

  test('a task group: executor and task requests summed; a cpus limit is dropped when a task has none, a mem limit takes their requests', () => {
    const tasks = [{ resources: r(0.25, 64), limits: { cpus: { value: 1 }, mem: { value: 128 } } }, { resources: r(0.5, 32) }];
    assert.deepEqual(containerLimits({ executorResources: r(0.1, 32), tasks, containerizer: 'mesos', host }), {
      mem_limit_bytes: (128 + 32 + 32) * MB,
      mem_soft_limit_bytes: 128 * MB,
      cpus_soft_limit: 0.85,
    });
  });

  test('no cpus or mem anywhere: no limits at all', () => {
    assert.deepEqual(
      containerLimits({ executorResources: [], tasks: [{ resources: r(undefined, undefined) }], containerizer: 'mesos', host }),
      {},
    );
  });
});

// ---------------------------------------------------------------- the monitor

function agentTask(id: string, state: TaskState, containerId: string, info: Partial<TaskInfo> = {}): AgentTask {
  return {
    info: {
      name: id,
      task_id: { value: id },
      agent_id: { value: 'a' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
      ],
      ...info,
    },
    frameworkId: 'fw',
    executorId: id,
    containerId,
    state,
    statuses: [],
    directory: '/sb',
    running: state === 'TASK_RUNNING',
  };
}

function executor(
  id: string,
  kind: ExecutorRecord['kind'],
  tasks: AgentTask[],
  info: Partial<ExecutorRecord['info']> = {},
): ExecutorRecord {
  return {
    id,
    frameworkId: 'fw',
    kind,
    info: { executor_id: { value: id }, ...info },
    containerId: `c-${id}`,
    directory: '/sb',
    tasks: new Map(tasks.map((t) => [t.info.task_id.value, t])),
    completedTasks: [],
  };
}

function framework(executors: ExecutorRecord[]): { id: string; executors: Map<string, ExecutorRecord> } {
  return { id: 'fw', executors: new Map(executors.map((e) => [e.id, e])) };
}

describe('resource monitor', () => {
  const fw = framework([
    executor('cmd', 'COMMAND', [agentTask('cmd', 'TASK_RUNNING', 'c-cmd')], { name: 'Command Executor (Task: cmd)', source: 'cmd' }),
    executor('dock', 'COMMAND', [
      agentTask('dock', 'TASK_RUNNING', 'c-dock', { container: { type: 'DOCKER', docker: { image: 'busybox' } } }),
    ]),
    executor('group', 'DEFAULT', [agentTask('g1', 'TASK_RUNNING', 'c-group.g1'), agentTask('g2', 'TASK_FINISHED', 'c-group.g2')], {
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
    }),
    executor('starting', 'COMMAND', [agentTask('starting', 'TASK_STARTING', 'c-starting')]),
    executor('done', 'COMMAND', [agentTask('done', 'TASK_FINISHED', 'c-done')]),
    executor('custom', 'CUSTOM', [agentTask('ct', 'TASK_RUNNING', 'c-custom')], {
      name: 'my executor',
      source: 'src',
      resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    }),
  ]);

  test('which containers make each executor run, under which containerizer, with which resources', () => {
    const ex = new Map(monitoredExecutors([fw]).map((e) => [e.executorId, e]));
    assert.deepEqual([...ex.keys()], ['cmd', 'dock', 'group', 'starting', 'done', 'custom']);
    assert.deepEqual(ex.get('cmd'), {
      frameworkId: 'fw',
      executorId: 'cmd',
      name: 'Command Executor (Task: cmd)',
      source: 'cmd',
      containerId: 'c-cmd',
      kind: 'COMMAND',
      containerizer: 'mesos',
      containers: ['c-cmd'],
      executorResources: COMMAND_EXECUTOR_RESOURCES,
      tasks: [{ resources: fw.executors.get('cmd')!.tasks.get('cmd')!.info.resources, limits: undefined }],
    });
    assert.equal(ex.get('dock')?.containerizer, 'docker');
    assert.deepEqual(ex.get('group')?.containers, ['c-group.g1', 'c-group.g2']);
    assert.equal(ex.get('group')?.tasks.length, 1, 'a finished task no longer counts');
    assert.deepEqual(ex.get('group')?.executorResources, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }]);
    assert.deepEqual(ex.get('done')?.tasks, []);
    const custom = ex.get('custom')!;
    assert.deepEqual([custom.name, custom.source, custom.containerizer, custom.containers], ['my executor', 'src', 'mesos', ['c-custom']]);
    assert.deepEqual(
      custom.executorResources,
      [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
      "a custom executor's own resources, no allowance",
    );
  });

  function harness() {
    const calls = { scans: 0, pids: [] as [string, string[]][] };
    let now = 1_000_000;
    const known: Record<string, number> = { 'c-cmd': 10, 'c-dock': 20, 'c-group.g1': 30, 'c-custom': 50 };
    const procs: ProcStat[] = [
      { pid: 10, state: 'S', ppid: 1, session: 10, utime: 100, stime: 20, cutime: 0, cstime: 0, threads: 1, rssPages: 100 },
      { pid: 11, state: 'R', ppid: 10, session: 10, utime: 300, stime: 0, cutime: 0, cstime: 0, threads: 2, rssPages: 200 },
      { pid: 20, state: 'S', ppid: 5, session: 1, utime: 50, stime: 50, cutime: 0, cstime: 0, threads: 4, rssPages: 1000 },
      { pid: 30, state: 'S', ppid: 1, session: 30, utime: 1, stime: 1, cutime: 0, cstime: 0, threads: 1, rssPages: 1 },
      { pid: 50, state: 'S', ppid: 1, session: 50, utime: 1, stime: 1, cutime: 0, cstime: 0, threads: 9, rssPages: 1 },
    ];
    const monitor = new ResourceMonitor({
      executors: () => monitoredExecutors([fw]),
      pids: async (name, ids) => {
        calls.pids.push([name, ids]);
        return new Map(ids.filter((i) => known[i]).map((i) => [i, known[i]!]));
      },
      scan: async () => {
        calls.scans++;
        return procs;
      },
      system: async () => ({ pageSize: 4096, ticksPerSecond: 100 }),
      host: { cpus: 4, memBytes: 8 * 1024 ** 3 },
      now: () => now,
    });
    return {
      monitor,
      calls,
      known,
      procs,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  test('statistics: summed over each container tree, limits, timestamp of the scan; executor_pid where there is one process to show', async () => {
    const { monitor, calls } = harness();
    const usage = new Map((await monitor.usage()).map((u) => [u.executor.executorId, u]));
    assert.deepEqual(calls.pids, [
      ['mesos', ['c-cmd', 'c-group.g1', 'c-group.g2', 'c-starting', 'c-done', 'c-custom']],
      ['docker', ['c-dock']],
    ]);
    assert.deepEqual(usage.get('cmd')?.statistics, {
      timestamp: 1000,
      cpus_user_time_secs: 4,
      cpus_system_time_secs: 0.2,
      mem_rss_bytes: 300 * 4096,
      mem_limit_bytes: 96 * 1024 * 1024,
      processes: 2,
      threads: 3,
      mem_soft_limit_bytes: 96 * 1024 * 1024,
      cpus_soft_limit: 1.1,
    });
    assert.deepEqual(Object.keys(usage.get('cmd')!.statistics!), [
      'timestamp',
      'cpus_user_time_secs',
      'cpus_system_time_secs',
      'mem_rss_bytes',
      'mem_limit_bytes',
      'processes',
      'threads',
      'mem_soft_limit_bytes',
      'cpus_soft_limit',
    ]);
    assert.deepEqual(usage.get('cmd')?.status, { container_id: { value: 'c-cmd' }, executor_pid: 10 });
    assert.equal(usage.get('dock')?.statistics?.mem_rss_bytes, 1000 * 4096);
    assert.equal(usage.get('dock')?.statistics?.mem_limit_bytes, 64 * 1024 * 1024);
    assert.deepEqual(usage.get('dock')?.status, { container_id: { value: 'c-dock' } }, 'Docker reports no executor pid');
    assert.equal(usage.get('group')?.statistics?.processes, 1);
    assert.deepEqual(usage.get('group')?.status, { container_id: { value: 'c-group' } });
    // Starting: no process yet, but its limits (Mesos's posix isolators answer an empty usage).
    assert.deepEqual(usage.get('starting')?.statistics, {
      timestamp: 1000,
      mem_limit_bytes: 96 * 1024 * 1024,
      mem_soft_limit_bytes: 96 * 1024 * 1024,
      cpus_soft_limit: 1.1,
    });
    assert.deepEqual(usage.get('custom')?.status, { container_id: { value: 'c-custom' }, executor_pid: 50 });
    assert.equal(usage.get('custom')?.statistics?.threads, 9);
    assert.equal(usage.get('custom')?.statistics?.mem_limit_bytes, 96 * 1024 * 1024, "its 32 MB and its task's 64");
    // Done: its container is gone, no statistics and no status.
    assert.deepEqual(usage.get('done'), { executor: usage.get('done')!.executor });
  });

  test(`requests share a scan while it runs and for ${SAMPLE_MAX_AGE_MS} ms after; then scan again`, async () => {
    const { monitor, calls, advance } = harness();
    const [a, b] = await Promise.all([monitor.usage(), monitor.usage()]);
    assert.equal(calls.scans, 1);
    assert.equal(a[0]?.statistics?.timestamp, b[0]?.statistics?.timestamp);
    advance(SAMPLE_MAX_AGE_MS);
    await monitor.usage();
    assert.equal(calls.scans, 1);
    advance(1);
    const c = await monitor.usage();
    assert.equal(calls.scans, 2);
    assert.equal(c[0]?.statistics?.timestamp, 1000 + (SAMPLE_MAX_AGE_MS + 1) / 1000);
  });

  test('a container whose process started after the shared scan gets a new scan, not zero processes', async () => {
    const { monitor, calls, known, procs, advance } = harness();
    const before = new Map((await monitor.usage()).map((u) => [u.executor.executorId, u.statistics]));
    assert.equal(before.get('starting')?.processes, undefined);
    known['c-starting'] = 40;
    procs.push({ pid: 40, state: 'S', ppid: 1, session: 40, utime: 0, stime: 0, cutime: 0, cstime: 0, threads: 1, rssPages: 5 });
    advance(100);
    const after = new Map((await monitor.usage()).map((u) => [u.executor.executorId, u.statistics]));
    assert.equal(calls.scans, 2);
    assert.equal(after.get('starting')?.processes, 1);
    assert.equal(after.get('starting')?.timestamp, 1000.1);
    advance(100);
    await monitor.usage();
    assert.equal(calls.scans, 2, 'that scan is shared again');
  });

  test('a selection asks only for its containers', async () => {
    const { monitor, calls } = harness();
    const usage = await monitor.usage((ex) => ex.executorId === 'dock');
    assert.deepEqual(
      usage.map((u) => u.executor.executorId),
      ['dock'],
    );
    assert.deepEqual(calls.pids, [['docker', ['c-dock']]]);
  });
});

describe('endpoints (pure)', () => {
  const ex = (over: Partial<MonitoredExecutor>): MonitoredExecutor => ({
    frameworkId: 'fw',
    executorId: 'e',
    name: 'n',
    source: 's',
    containerId: 'c',
    kind: 'COMMAND',
    containerizer: 'mesos',
    containers: ['c'],
    executorResources: [],
    tasks: [],
    ...over,
  });

  test('/containers query: container_id only, framework_id only, or executor_id with framework_id, as Mesos allows', () => {
    const err = { ok: false, error: CONTAINERS_QUERY_ERROR };
    assert.deepEqual(containersFilter({ container_id: 'c', framework_id: 'fw' }), err);
    assert.deepEqual(containersFilter({ container_id: 'c', executor_id: 'e' }), err);
    assert.deepEqual(containersFilter({ executor_id: 'e' }), err);
    const pick = (q: Parameters<typeof containersFilter>[0]) => {
      const f = containersFilter(q);
      assert.ok(f.ok);
      return [ex({}), ex({ containerId: 'c2', executorId: 'e2' }), ex({ frameworkId: 'fw2', containerId: 'c3' })]
        .filter(f.value)
        .map((e) => e.containerId);
    };
    assert.deepEqual(pick({}), ['c', 'c2', 'c3']);
    assert.deepEqual(pick({ container_id: 'c2' }), ['c2']);
    assert.deepEqual(pick({ framework_id: 'fw' }), ['c', 'c2']);
    assert.deepEqual(pick({ framework_id: 'fw', executor_id: 'e' }), ['c']);
  });

  test('JSON: Mesos field names and order; /monitor/statistics leaves out runs without statistics', () => {
    const usage = [
      { executor: ex({}), statistics: { timestamp: 1, cpus_soft_limit: 0.5 }, status: { container_id: { value: 'c' }, executor_pid: 7 } },
      { executor: ex({ executorId: 'gone', containerId: 'c9' }) },
    ];
    assert.deepEqual(statisticsJson(usage), [
      { executor_id: 'e', executor_name: 'n', framework_id: 'fw', source: 's', statistics: { timestamp: 1, cpus_soft_limit: 0.5 } },
    ]);
    const containers = containersJson(usage);
    assert.deepEqual(containers, [
      {
        container_id: 'c',
        executor_id: 'e',
        executor_name: 'n',
        framework_id: 'fw',
        source: 's',
        statistics: { timestamp: 1, cpus_soft_limit: 0.5 },
        status: { container_id: { value: 'c' }, executor_pid: 7 },
      },
      { container_id: 'c9', executor_id: 'gone', executor_name: 'n', framework_id: 'fw', source: 's' },
    ]);
    assert.deepEqual(Object.keys(containers[0]!), [
      'container_id',
      'executor_id',
      'executor_name',
      'framework_id',
      'source',
      'statistics',
      'status',
    ]);
  });
});

test('eachLimited: every item once, never more than the limit in flight, workers numbered from 0', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const workers = new Set<number>();
  await eachLimited(
    Array.from({ length: 25 }, (_, i) => i),
    3,
    async (i, w) => {
      inFlight++;
      most = Math.max(most, inFlight);
      workers.add(w);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      seen.push(i);
      inFlight--;
    },
  );
  assert.deepEqual(
    seen.sort((a, b) => a - b),
    Array.from({ length: 25 }, (_, i) => i),
  );
  assert.equal(most, 3);
  assert.deepEqual([...workers].sort(), [0, 1, 2]);
  await eachLimited([], 3, async () => assert.fail('no items, no steps'));
});
