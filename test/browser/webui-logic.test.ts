// The web UI's pure modules (routes, table logic, state derivations, tail bookkeeping, formats)
// on plain objects; no browser needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, formatCount, formatDuration, formatMB } from '../../webui/src/format.ts';
import { agentFilesUrl, agentStateUrl, agentUrl } from '../../webui/src/agent-urls.ts';
import {
  allTasks,
  clusterResources,
  findTask,
  frameworkStatus,
  otherLeader,
  safeHttpUrl,
  sandboxCrumbs,
  sandboxDirectory,
  taskCountsFromMetrics,
} from '../../webui/src/model.ts';
import { type Route, canonicalHash, href, fallbackUrl, leaderRedirectUrl, parseHash, takeVia, withVia } from '../../webui/src/routes.ts';
import type { TaskState } from '../../daemons/common/mesos.ts';
import type { AgentStateJson, MasterStateJson, TaskJson } from '../../daemons/common/state-types.ts';
import { filterRows, pageOf, sortRows } from '../../webui/src/table-logic.ts';
import { appendCapped, tailStart, utf8Length } from '../../webui/src/tail.ts';
import { RecordIODecoder } from '../../webui/src/recordio.ts';
import { streamRefused, streamRetryDelay } from '../../webui/src/retry.ts';
import { type V1State, applyEvent, modelFromState, toMasterState } from '../../webui/src/v1-state.ts';
import { AllocHistory, HISTORY_MS, sampleFromMetrics, seriesLines, timeTicks } from '../../webui/src/alloc-history.ts';

const task = (id: string, state: TaskState, ts = 1): TaskJson => ({
  id,
  name: id,
  framework_id: 'F',
  executor_id: '',
  slave_id: 'S0',
  state,
  resources: { cpus: 0.1, gpus: 0, mem: 32, disk: 0 },
  role: '*',
  statuses: [{ state, timestamp: ts }],
});

/** The JSON with only the fields a derivation reads given (the others are the type's). */
type Fixture<T> = T extends readonly (infer E)[] ? Fixture<E>[] : T extends object ? { [K in keyof T]?: Fixture<T[K]> } : T;
const fixture = <T>(value: Fixture<T>): T => value as T;

describe('routes', () => {
  test('parses every page and builds the same hash back', () => {
    const routes: Route[] = [
      { page: 'overview' },
      { page: 'agents' },
      { page: 'agent', agentId: 'abc-S0' },
      { page: 'frameworks' },
      { page: 'framework', frameworkId: 'abc-0000' },
      { page: 'task', frameworkId: 'abc-0000', taskId: 'whizbang' },
      { page: 'tasks' },
      { page: 'offers' },
      { page: 'roles' },
      { page: 'browse', agentId: 'S0', path: '/var/lib/mesos/slaves/S0/frameworks/F/executors/e/runs/c' },
      { page: 'file', agentId: 'S0', path: '/tmp/x/stdout' },
      { page: 'sandbox', agentId: 'S0', frameworkId: 'F', taskId: 't' },
      { page: 'sandbox', agentId: 'S0', frameworkId: 'F', executorId: 'e' },
      { page: 'sandbox', agentId: 'S0', frameworkId: 'F', executorId: 'e', taskId: 't' },
    ];
    for (const r of routes) assert.deepEqual(parseHash(href(r)), r, href(r));
  });

  test('ids with slashes, hashes and markup stay one segment', () => {
    const r: Route = { page: 'task', frameworkId: 'F/../x', taskId: '<img src=x onerror=alert(1)>#?&' };
    const h = href(r);
    assert.equal(h.split('/').length, 5);
    assert.deepEqual(parseHash(h), r);
  });

  test('legacy #/slaves hashes map to #/agents', () => {
    assert.equal(canonicalHash('#/slaves'), '#/agents');
    assert.equal(canonicalHash('#/slaves/S0'), '#/agents/S0');
    assert.equal(canonicalHash('#/slaves/S0/browse?path=/a'), '#/agents/S0/browse?path=/a');
    assert.equal(canonicalHash('#/agents'), undefined);
    assert.equal(canonicalHash('#/slavesX'), undefined);
    assert.deepEqual(parseHash('#/slaves/S0'), { page: 'agent', agentId: 'S0' });
  });

  test('unknown and malformed hashes are not found', () => {
    assert.equal(parseHash('#/nope').page, 'not-found');
    assert.equal(parseHash('#/agents/S0/browse').page, 'not-found');
    assert.equal(parseHash('#/frameworks/%E0%A4%A').page, 'not-found');
    assert.deepEqual(parseHash(''), { page: 'overview' });
    assert.deepEqual(parseHash('#/'), { page: 'overview' });
  });
});

describe('table logic', () => {
  const rows = [
    { n: 'b', v: 2 },
    { n: 'a', v: undefined },
    { n: 'c', v: 1 },
    { n: 'a2', v: 2 },
  ];

  test('sorts numbers, keeps ties stable and undefined last both ways', () => {
    assert.deepEqual(
      sortRows(rows, (r) => r.v, 'asc').map((r) => r.n),
      ['c', 'b', 'a2', 'a'],
    );
    assert.deepEqual(
      sortRows(rows, (r) => r.v, 'desc').map((r) => r.n),
      ['b', 'a2', 'c', 'a'],
    );
    assert.deepEqual(
      sortRows(rows, (r) => r.n, 'desc').map((r) => r.n),
      ['c', 'b', 'a2', 'a'],
    );
  });

  test('filters on every word, case-insensitively', () => {
    const text = (r: { n: string; v?: number }) => `${r.n} ${r.v ?? ''}`;
    assert.deepEqual(
      filterRows(rows, 'A 2', text).map((r) => r.n),
      ['a2'],
    );
    assert.equal(filterRows(rows, '   ', text).length, 4);
    assert.equal(filterRows(rows, 'zzz', text).length, 0);
  });

  test('pages clamp into range', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => i);
    const last = pageOf(many, 999, 50);
    assert.equal(last.page, 200);
    assert.equal(last.pageCount, 201);
    assert.deepEqual(last.rows, [10_000]);
    assert.equal(last.first, 10_001);
    const empty = pageOf([], 3, 50);
    assert.deepEqual([empty.page, empty.pageCount, empty.first, empty.last], [0, 1, 0, 0]);
  });

  test('10,000 rows filter and sort in well under a frame budget', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: `task-${String(i).padStart(5, '0')}`, t: (i * 7919) % 10_000 }));
    const started = performance.now();
    const sorted = sortRows(
      filterRows(many, 'task', (r) => r.id),
      (r) => r.t,
      'desc',
    );
    const ms = performance.now() - started;
    assert.equal(sorted[0]!.t, 9999);
    assert.ok(ms < 200, `took ${ms} ms`);
  });
});

describe('state derivations', () => {
  const state = fixture<MasterStateJson>({
    pid: 'master@10.0.0.1:5050',
    leader: 'master@10.0.0.1:5050',
    leader_info: { hostname: 'm1', port: 5050 },
    slaves: [
      {
        id: 'S0',
        pid: 'slave(1)@10.0.0.5:5051',
        hostname: 'a1',
        resources: { cpus: 4, gpus: 0, mem: 1000, disk: 100, ports: '[31000-32000]' },
        used_resources: { cpus: 1, gpus: 0, mem: 128, disk: 0 },
        offered_resources: { cpus: 2, gpus: 0, mem: 500, disk: 100 },
      },
    ],
    frameworks: [
      {
        id: 'F1',
        name: 'active',
        tasks: [task('r', 'TASK_RUNNING'), task('f', 'TASK_FINISHED')],
        unreachable_tasks: [task('u', 'TASK_UNREACHABLE')],
        completed_tasks: [task('c', 'TASK_KILLED')],
      },
    ],
    completed_frameworks: [
      { id: 'F2', name: 'done', tasks: [task('x', 'TASK_RUNNING')], completed_tasks: [task('whizbang', 'TASK_FINISHED')] },
    ],
  });

  test('allTasks lists every task once with its category', () => {
    const rows = allTasks(state).map((r) => `${r.frameworkName}:${r.task.id}:${r.category}`);
    assert.deepEqual(rows, [
      'active:r:active',
      'active:f:completed',
      'active:u:unreachable',
      'active:c:completed',
      'done:x:completed',
      'done:whizbang:completed',
    ]);
    assert.equal(findTask(state, 'F2', 'whizbang')?.task.state, 'TASK_FINISHED');
    assert.equal(findTask(state, 'F2', 'nope'), undefined);
  });

  test('cluster resources: idle is total minus used minus offered', () => {
    const r = clusterResources(state);
    assert.deepEqual(r.total, { cpus: 4, gpus: 0, mem: 1000, disk: 100 });
    assert.deepEqual(r.idle, { cpus: 1, gpus: 0, mem: 372, disk: 0 });
  });

  test('agents are read through the master, relative to the page, by their id', () => {
    assert.equal(agentStateUrl('S0'), 'agent/S0/slave(1)/state');
    assert.equal(
      agentFilesUrl('S0', 'browse', { path: '/var/lib/mesos/slaves/S0' }),
      'agent/S0/files/browse?path=%2Fvar%2Flib%2Fmesos%2Fslaves%2FS0',
    );
    assert.equal(
      agentFilesUrl('S0', 'read', { path: '/s/a b&c', offset: '-1', length: '-1' }),
      'agent/S0/files/read?path=%2Fs%2Fa+b%26c&offset=-1&length=-1',
    );
    assert.equal(agentUrl('a/b?c', 'flags'), 'agent/a%2Fb%3Fc/flags', 'an odd id stays one path segment');
    // Under a path prefix the master is reached at, the URL stays under it.
    assert.equal(new URL(agentStateUrl('S0'), 'https://gw.example/mesos/').href, 'https://gw.example/mesos/agent/S0/slave(1)/state');
  });

  test('a page whose master stopped answering goes to the master that sent it there, if another', () => {
    assert.equal(fallbackUrl('http://m2:5050', 'http://m1:5050/#/tasks'), 'http://m2:5050/#/tasks');
    assert.equal(fallbackUrl('http://m1:5050', 'http://m1:5050/#/'), undefined, 'not itself');
    assert.equal(fallbackUrl(undefined, 'http://m1:5050/#/'), undefined, 'opened directly');
    assert.equal(fallbackUrl('javascript:alert(1)', 'http://m1:5050/#/'), undefined);
    assert.equal(fallbackUrl('not a url', 'http://m1:5050/#/'), undefined);
  });

  test('the master that sent the page travels in the fragment and is taken out of it', () => {
    assert.equal(withVia('#/agents', 'http://m2:5050'), '#/agents?via=http%3A%2F%2Fm2%3A5050');
    assert.equal(withVia('', 'http://m2:5050'), '#/?via=http%3A%2F%2Fm2%3A5050');
    assert.deepEqual(takeVia('#/agents/a1/browse?path=%2Ftmp&via=http%3A%2F%2Fm2%3A5050'), {
      via: 'http://m2:5050',
      hash: '#/agents/a1/browse?path=%2Ftmp',
    });
    assert.deepEqual(takeVia('#/agents?via=x'), { via: 'x', hash: '#/agents' });
    assert.deepEqual(takeVia('#/agents?path=1'), { hash: '#/agents?path=1' });
    assert.deepEqual(takeVia('#/agents'), { hash: '#/agents' });
  });

  test('a page on a master that does not lead goes to its /master/redirect, keeping its view', () => {
    assert.equal(leaderRedirectUrl('http://m2:5050/#/agents/a1'), 'http://m2:5050/master/redirect#/agents/a1?via=http%3A%2F%2Fm2%3A5050');
    assert.equal(
      leaderRedirectUrl('http://proxy/mesos/?x#/'),
      'http://proxy/mesos/master/redirect#/?via=http%3A%2F%2Fproxy',
      'under a path prefix too',
    );
  });

  test('a leader elsewhere is pointed at; a standalone master is its own leader', () => {
    assert.equal(otherLeader(state), undefined);
    assert.equal(
      otherLeader({ ...state, leader: 'master@10.0.0.2:5050', leader_info: { id: 'm2', ip: 0, hostname: 'm2', port: 5050 } }),
      '//m2:5050',
    );
  });

  test('task counts come from metrics when the master has them', () => {
    const counts = taskCountsFromMetrics({ 'master/tasks_running': 3, 'master/tasks_finished': 7, 'master/uptime_secs': 1 });
    assert.equal(counts?.get('TASK_RUNNING'), 3);
    assert.equal(counts?.get('TASK_FINISHED'), 7);
    assert.equal(taskCountsFromMetrics({}), undefined);
  });

  test('sandbox directory: command executor, default executor task, completed frameworks', () => {
    const agent = fixture<AgentStateJson>({
      frameworks: [
        {
          id: 'F1',
          executors: [{ id: 'group', type: 'DEFAULT', directory: '/w/executors/group/runs/c1', tasks: [task('t1', 'TASK_RUNNING')] }],
          completed_executors: [
            { id: 'whizbang', directory: '/w/executors/whizbang/runs/c0', completed_tasks: [task('whizbang', 'TASK_FINISHED')] },
          ],
        },
      ],
      completed_frameworks: [
        {
          id: 'F2',
          completed_executors: [{ id: 'e9', directory: '/w/executors/e9/runs/c9', completed_tasks: [task('t9', 'TASK_FAILED')] }],
        },
      ],
    });
    assert.equal(sandboxDirectory(agent, { frameworkId: 'F1', taskId: 'whizbang' }), '/w/executors/whizbang/runs/c0');
    assert.equal(sandboxDirectory(agent, { frameworkId: 'F1', taskId: 't1' }), '/w/executors/group/runs/c1/tasks/t1');
    assert.equal(sandboxDirectory(agent, { frameworkId: 'F1', executorId: 'group' }), '/w/executors/group/runs/c1');
    assert.equal(sandboxDirectory(agent, { frameworkId: 'F2', taskId: 't9' }), '/w/executors/e9/runs/c9');
    assert.equal(sandboxDirectory(agent, { frameworkId: 'F1', taskId: 'missing' }), undefined);
  });

  test('breadcrumbs start at the sandbox root', () => {
    assert.deepEqual(sandboxCrumbs('/w/slaves/S0/frameworks/F/executors/e/runs/c/tasks/t/'), [
      { label: 'sandbox', path: '/w/slaves/S0/frameworks/F/executors/e/runs/c' },
      { label: 'tasks', path: '/w/slaves/S0/frameworks/F/executors/e/runs/c/tasks' },
      { label: 't', path: '/w/slaves/S0/frameworks/F/executors/e/runs/c/tasks/t' },
    ]);
    assert.deepEqual(sandboxCrumbs('/somewhere/else'), [{ label: '/somewhere/else', path: '/somewhere/else' }]);
  });

  test('only http(s) framework web UIs become links', () => {
    assert.equal(safeHttpUrl('http://fw.example:8080/ui'), 'http://fw.example:8080/ui');
    assert.equal(safeHttpUrl('javascript:alert(1)'), undefined);
    assert.equal(safeHttpUrl('data:text/html,<script>'), undefined);
    assert.equal(safeHttpUrl('not a url'), undefined);
  });
});

describe('tail and formats', () => {
  test('the tailer starts 64 KiB before the end and counts bytes, not characters', () => {
    assert.equal(tailStart(10), 0);
    assert.equal(tailStart(100_000), 100_000 - 65_536);
    assert.equal(utf8Length('héllo✓'), 9);
  });

  test('shown text is capped at whole lines from the head', () => {
    const shown = appendCapped({ text: 'line1\nline2\n', clipped: false }, 'line3\n', 10);
    assert.deepEqual(shown, { text: 'line3\n', clipped: true });
    assert.deepEqual(appendCapped({ text: '', clipped: false }, 'ab', 10), { text: 'ab', clipped: false });
  });

  test('formats', () => {
    assert.equal(formatMB(128), '128 MB');
    assert.equal(formatMB(23081), '22.5 GB');
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatDuration(42), '42s');
    assert.equal(formatDuration(93784), '1d 2h 3m');
    assert.equal(formatCount(10000), '10,000');
  });
});

test('framework status: a recovered framework whose scheduler has not come back is Orphaned', () => {
  const fw = { id: 'F', name: 'f' };
  assert.equal(frameworkStatus({ ...fw, active: true, connected: true, recovered: false }, false), 'Active');
  assert.equal(frameworkStatus({ ...fw, active: false, connected: false, recovered: false }, false), 'Inactive');
  assert.equal(frameworkStatus({ ...fw, active: false, connected: false, recovered: true }, false), 'Orphaned');
  assert.equal(frameworkStatus({ ...fw, active: true, connected: true, recovered: false }, false), 'Active');
  assert.equal(frameworkStatus({ ...fw, active: false, connected: false, recovered: true }, true), 'Completed');
});

describe('allocation history', () => {
  const box = { width: 60, height: 100, maxGapMs: 5_000 };
  const now = 10 * HISTORY_MS;
  const minute = 60_000;

  test('a sample is allocated over total, and has no value for a resource the cluster has none of', () => {
    const metrics = { 'master/cpus_used': 1, 'master/cpus_total': 4, 'master/mem_used': 0, 'master/mem_total': 0 };
    assert.deepEqual(sampleFromMetrics(5, metrics), { t: 5, cpus: 0.25 });
    assert.equal(sampleFromMetrics(5, { 'master/cpus_used': 1 }), undefined);
  });

  test('the ring keeps the newest samples up to its capacity, and only those of the last hour', () => {
    const h = new AllocHistory(3);
    for (const t of [1, 2, 3, 4]) h.push({ t: now - HISTORY_MS + t * minute, cpus: t / 10 });
    assert.deepEqual(
      h.samples(now).map((s) => s.cpus),
      [0.2, 0.3, 0.4],
    );
    assert.deepEqual(
      h.samples(now + 3.5 * minute).map((s) => s.cpus),
      [0.4],
    );
  });

  test('one point per pixel column, averaging the samples in it, y 0 at 100 %', () => {
    // Two samples a second in the last column but one, one in the first column.
    const samples = [
      { t: now - HISTORY_MS + 1_000, cpus: 1 },
      { t: now - 2 * minute + 1_000, cpus: 0.2 },
      { t: now - 2 * minute + 2_000, cpus: 0.4 },
    ];
    // The first sample is an hour old minus a second; far from the others, so its own line.
    const lines = seriesLines(samples, 'cpus', now, box);
    assert.deepEqual(lines, ['0,0 1,0', '58,70 59,70']);
    // 3,600 samples a second apart: 60 points, one line.
    const dense = Array.from({ length: 3_600 }, (_, i) => ({ t: now - HISTORY_MS + (i + 1) * 1_000, cpus: 0.5 }));
    const [line, ...rest] = seriesLines(dense, 'cpus', now, box);
    assert.equal(rest.length, 0);
    assert.equal(line!.split(' ').length, 60);
    assert.ok(line!.split(' ').every((p) => p.endsWith(',50')));
  });

  test('the line breaks where the master was unreachable and where samples stopped coming', () => {
    const s = (ago: number, cpus?: number) => (cpus === undefined ? { t: now - ago } : { t: now - ago, cpus });
    const samples = [
      s(10 * minute, 0.5),
      s(10 * minute - 1_000, 0.5),
      s(9 * minute),
      s(8 * minute, 0.5),
      s(8 * minute - 1_000, 0.5),
      s(1 * minute, 1),
      s(1 * minute - 2_000, 1),
    ];
    const lines = seriesLines(samples, 'cpus', now, box);
    // Unreachable between 10 and 8 minutes ago; nothing from 8 to 1 minute ago.
    assert.equal(lines.length, 3);
    assert.deepEqual(lines, ['50,50 51,50', '52,50 53,50', '59,0 60,0']);
    assert.deepEqual(seriesLines([s(1_000, undefined)], 'cpus', now, box), []);
  });

  test('the time axis runs from an hour ago to now', () => {
    assert.deepEqual(
      timeTicks().map((t) => [t.at, t.label]),
      [
        [0, '−60 min'],
        [0.25, '−45 min'],
        [0.5, '−30 min'],
        [0.75, '−15 min'],
        [1, 'now'],
      ],
    );
  });
});

describe('RecordIO decoder', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  test('splits records at their byte lengths, across chunks and inside a UTF-8 character', () => {
    const whole = bytes('2\n{}16\n{"name":"été"}');
    const d = new RecordIODecoder();
    const out: string[] = [];
    // One byte at a time: every split point, 'é' (two bytes) cut in half.
    for (let i = 0; i < whole.length; i++) out.push(...d.push(whole.subarray(i, i + 1)));
    assert.deepEqual(out, ['{}', '{"name":"été"}']);
    assert.deepEqual(new RecordIODecoder().push(whole), ['{}', '{"name":"été"}']);
  });

  test('a stream that is not RecordIO fails with the reason', () => {
    assert.throws(() => new RecordIODecoder().push(bytes('<html>\n')), /malformed RecordIO stream: record length '<html>'/);
    assert.throws(() => new RecordIODecoder().push(bytes('x'.repeat(30))), /no record length in 20 bytes/);
  });
});

describe('the event stream state (v1) as /master/state', () => {
  const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value }, allocation_info: { role: 'web' } });
  const agent = (id: string): V1State['get_agents'] & object => ({
    agents: [
      {
        agent_info: {
          id: { value: id },
          hostname: `${id}.example`,
          port: 5051,
          attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
        },
        active: true,
        deactivated: false,
        version: '1.11.0',
        pid: `slave(1)@10.0.0.1:5051`,
        registered_time: { nanoseconds: 1_700_000_000_500_000_000 },
        total_resources: [
          scalar('cpus', 4),
          scalar('mem', 1024),
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
        ],
        allocated_resources: [scalar('cpus', 0.5)],
        capabilities: [{ type: 'MULTI_ROLE' }],
      },
    ],
  });
  const v1Task = (id: string, state: TaskState = 'TASK_RUNNING') => ({
    name: `n-${id}`,
    task_id: { value: id },
    framework_id: { value: 'F1' },
    agent_id: { value: 'S1' },
    state,
    resources: [scalar('cpus', 0.5), scalar('mem', 64)],
    statuses: [{ task_id: { value: id }, state, timestamp: 1_700_000_001 }],
  });
  const framework = (id: string, name: string) => ({
    framework_info: { id: { value: id }, name, user: 'root', roles: ['web'], webui_url: 'http://ui.example' },
    active: true,
    connected: true,
    recovered: false,
    registered_time: { nanoseconds: 1_700_000_000_000_000_000 },
  });
  const subscribed = (): V1State => ({
    get_agents: agent('S1'),
    get_frameworks: {
      frameworks: [framework('F1', 'web')],
      completed_frameworks: [{ ...framework('F0', 'old'), active: false, connected: false }],
    },
    get_tasks: { tasks: [v1Task('t1')], completed_tasks: [{ ...v1Task('t0', 'TASK_FINISHED'), framework_id: { value: 'F0' } }] },
    get_executors: {},
  });
  const base = fixture<MasterStateJson>({
    id: 'M',
    version: '1.11.0',
    cluster: 'prod',
    unreachable_slaves: 2,
    slaves: [
      {
        id: 'S1',
        used_resources: { cpus: 0.6, gpus: 0, mem: 96, disk: 0, ports: '[31000-31000]' },
        offered_resources: { cpus: 4, gpus: 0, mem: 0, disk: 0 },
      },
    ],
    frameworks: [{ id: 'F1', offers: [{ id: 'O1' }] }],
  });

  test('SUBSCRIBED is the state: agents, frameworks, tasks in the /master/state shape, the master from base', () => {
    const state = toMasterState(modelFromState(subscribed()), base);
    assert.equal(state.cluster, 'prod');
    assert.equal(state.unreachable_slaves, 2);
    assert.equal(state.activated_slaves, 1);
    const s = state.slaves[0]!;
    assert.equal(s.id, 'S1');
    assert.equal(s.hostname, 'S1.example');
    assert.equal(s.registered_time, 1_700_000_000.5);
    assert.deepEqual(s.resources, { cpus: 4, gpus: 0, mem: 1024, disk: 0, ports: '[31000-32000]' });
    assert.deepEqual(s.attributes, { rack: 'r1' });
    assert.deepEqual(s.capabilities, ['MULTI_ROLE']);
    // Use is summed from the live tasks; offers are the latest /master/state's, less that use.
    assert.deepEqual(s.used_resources, { cpus: 0.5, gpus: 0, mem: 64, disk: 0, ports: '[31000-31000]' });
    assert.equal(s.offered_resources.cpus, 3.5);
    const f = state.frameworks[0]!;
    assert.deepEqual([f.id, f.name, f.roles, f.webui_url, f.offers.length], ['F1', 'web', ['web'], 'http://ui.example', 1]);
    assert.deepEqual(f.tasks[0], {
      id: 't1',
      name: 'n-t1',
      framework_id: 'F1',
      executor_id: '',
      slave_id: 'S1',
      state: 'TASK_RUNNING',
      resources: { cpus: 0.5, gpus: 0, mem: 64, disk: 0 },
      role: 'web',
      statuses: [{ state: 'TASK_RUNNING', timestamp: 1_700_000_001 }],
    });
    assert.deepEqual(
      state.completed_frameworks.map((c) => [c.id, c.active, c.completed_tasks.map((t) => t.id)]),
      [['F0', false, ['t0']]],
    );
    assert.deepEqual(
      allTasks(state).map((r) => r.task.id),
      ['t1', 't0'],
    );
  });

  test('events add and update tasks, agents and frameworks; a heartbeat changes nothing', () => {
    const model = modelFromState(subscribed());
    assert.equal(applyEvent(model, { type: 'HEARTBEAT' }), false);
    assert.equal(applyEvent(model, { type: 'TASK_ADDED', task_added: { task: v1Task('t2', 'TASK_STAGING') } }), true);
    const status = { task_id: { value: 't2' }, state: 'TASK_FINISHED' as const, timestamp: 1_700_000_009 };
    assert.equal(
      applyEvent(model, { type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'F1' }, status, state: 'TASK_FINISHED' } }),
      true,
    );
    assert.equal(
      applyEvent(model, {
        type: 'TASK_UPDATED',
        task_updated: { framework_id: { value: 'F1' }, status: { ...status, task_id: { value: 'nope' } }, state: 'TASK_FINISHED' },
      }),
      false,
    );
    applyEvent(model, { type: 'AGENT_ADDED', agent_added: { agent: agent('S2').agents![0]! } });
    applyEvent(model, { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'S1' } } });
    applyEvent(model, { type: 'FRAMEWORK_ADDED', framework_added: { framework: framework('F2', 'batch') } });
    applyEvent(model, { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: { ...framework('F1', 'web'), connected: false } } });
    let state = toMasterState(model, base);
    const t2 = state.frameworks[0]!.tasks.find((t) => t.id === 't2')!;
    assert.equal(t2.state, 'TASK_FINISHED');
    assert.deepEqual(
      t2.statuses.map((s) => s.state),
      ['TASK_STAGING', 'TASK_FINISHED'],
    );
    assert.deepEqual(
      state.slaves.map((s) => s.id),
      ['S2'],
    );
    // No live task on the new agent; t1 (0.5 CPUs) alone runs for F1, t2 has finished.
    assert.equal(state.slaves[0]!.used_resources.cpus, 0);
    assert.deepEqual([state.frameworks[0]!.used_resources.cpus, state.frameworks[0]!.used_resources.mem], [0.5, 64]);
    assert.deepEqual(
      state.frameworks.map((f) => [f.id, f.connected]),
      [
        ['F1', false],
        ['F2', true],
      ],
    );
    applyEvent(model, { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: framework('F1', 'web').framework_info } });
    state = toMasterState(model, base);
    assert.deepEqual(
      state.frameworks.map((f) => f.id),
      ['F2'],
    );
    const gone = state.completed_frameworks.find((f) => f.id === 'F1')!;
    assert.deepEqual([gone.active, gone.tasks.length, gone.completed_tasks.map((t) => t.id)], [false, 0, ['t1', 't2']]);
  });

  test('a task that becomes unreachable is listed as such, and back when it returns', () => {
    const model = modelFromState(subscribed());
    const update = (state: TaskState) =>
      applyEvent(model, {
        type: 'TASK_UPDATED',
        task_updated: { framework_id: { value: 'F1' }, status: { task_id: { value: 't1' }, state }, state },
      });
    update('TASK_UNREACHABLE');
    assert.deepEqual(
      toMasterState(model, base).frameworks[0]!.unreachable_tasks.map((t) => t.id),
      ['t1'],
    );
    update('TASK_RUNNING');
    const f = toMasterState(model, base).frameworks[0]!;
    assert.deepEqual([f.tasks.map((t) => t.id), f.unreachable_tasks.length], [['t1'], 0]);
  });
});

describe('event stream retries', () => {
  test('wait 1 s after the first break, doubling up to a minute', () => {
    assert.deepEqual([1, 2, 3, 4, 7, 8, 20].map(streamRetryDelay), [1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
  });
});

describe('a master that refuses the event stream', () => {
  test('is not asked again after a missing login or a missing call; outages are retried', () => {
    assert.deepEqual([401, 403, 404, 501].map(streamRefused), [true, true, true, true]);
    assert.deepEqual([500, 502, 503, 429].map(streamRefused), [false, false, false, false]);
  });
});
