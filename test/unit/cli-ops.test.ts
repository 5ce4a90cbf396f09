// The day-2 commands without sockets: argument parsing (flags, MESOS_MASTER, short options,
// positional forms, usage errors), the table layouts, and the derivations from state JSON
// (task lookup, mesos-ps rows, where the last lines of a file start).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CatFlags,
  type OpsCommand,
  type TailFlags,
  UsageError,
  commandHelp,
  expandShortOptions,
  findOpsCommand,
  parseOpsArgs,
  subcommandsOf,
} from '../../daemons/cli/ops/commands-spec.ts';
import { formatColumns, formatFixedTable, formatTable } from '../../daemons/cli/ops/table.ts';
import {
  PS_COLUMNS,
  agentEndpoint,
  cpuTime,
  dataSize,
  frameworkListFrameworks,
  killContainerOf,
  lastLinesOffset,
  locateTask,
  lsRows,
  psRows,
  sandboxPath,
  taskListRows,
  taskListTasks,
} from '../../daemons/cli/ops/views.ts';
import type { AgentStateJson, FrameworkJson, MasterStateJson, TaskJson } from '../../daemons/common/state-types.ts';

function command(...words: string[]): OpsCommand {
  const found = findOpsCommand(words);
  assert.ok(found, words.join(' '));
  return found.command;
}

function run<T>(words: string[], argv: string[], env: Record<string, string> = {}): T {
  const parsed = parseOpsArgs<T>(command(...words), argv, env);
  assert.equal(parsed.kind, 'run');
  return (parsed as { flags: T }).flags;
}

function usageError(words: string[], argv: string[], pattern: RegExp, env: Record<string, string> = {}): void {
  assert.throws(
    () => parseOpsArgs(command(...words), argv, env),
    (err: unknown) => err instanceof UsageError && pattern.test(err.message) && !err.message.includes('\n'),
  );
}

describe('argument parsing', () => {
  test('commands are found by their words; the rest are their arguments', () => {
    assert.deepEqual(findOpsCommand(['task', 'list', '--all'])?.rest, ['--all']);
    assert.equal(findOpsCommand(['agent', '--port=5051']), undefined, 'mesos agent is still the daemon');
    assert.equal(findOpsCommand(['task']), undefined);
    assert.deepEqual(subcommandsOf('task'), ['list', 'kill']);
    assert.deepEqual(subcommandsOf('ps'), []);
  });

  test('--master from the command line, else MESOS_MASTER; none is a usage error', () => {
    assert.equal(run<{ master: string }>(['state'], ['--master=10.0.0.1:5050']).master, '10.0.0.1:5050');
    assert.equal(run<{ master: string }>(['state'], [], { MESOS_MASTER: 'zk://z:2181/mesos' }).master, 'zk://z:2181/mesos');
    assert.equal(run<{ master: string }>(['state'], ['--master=a:1'], { MESOS_MASTER: 'b:2' }).master, 'a:1');
    usageError(['state'], [], /no master given; pass --master=HOST:PORT .* or set MESOS_MASTER/);
  });

  test('task kill takes the task as --task or its argument, --framework, and needs one', () => {
    const flags = run<{ task: string; framework?: string }>(['task', 'kill'], ['t1', '--framework=F', '--master=a:1']);
    assert.deepEqual([flags.task, flags.framework], ['t1', 'F']);
    assert.equal(run<{ task: string }>(['task', 'kill'], ['--task=t2', '--master=a:1']).task, 't2');
    usageError(['task', 'kill'], ['--master=a:1'], /^mesos task kill: no task given; pass --task=TASK or give it as an argument$/);
    usageError(['task', 'kill'], ['t1', 't2', '--master=a:1'], /unexpected argument 't2': it takes at most TASK/);
  });

  test('other MESOS_* variables are not read as flags', () => {
    const flags = run<{ json: boolean }>(['state'], ['--master=a:1'], { MESOS_JSON: 'true' });
    assert.equal(flags.json, false);
  });

  test('short options: -a, -f, -n N and -nN', () => {
    assert.equal(run<{ all: boolean }>(['task', 'list'], ['-a', '--master=a:1']).all, true);
    const t = run<TailFlags>(['tail'], ['-f', '-n', '3', 't1', '--master=a:1']);
    assert.equal(t.follow, true);
    assert.equal(t.lines, 3);
    assert.equal(run<TailFlags>(['tail'], ['-n7', 't1', '--master=a:1']).lines, 7);
    assert.deepEqual(expandShortOptions(['-f', '--', '-n'], { '-f': 'follow', '-n': 'lines' }, 'p'), ['--follow', '--', '-n']);
    usageError(['tail'], ['-x', 't1', '--master=a:1'], /unknown option '-x' \(short options here: -f -n\)/);
    usageError(['tail'], ['t1', '--master=a:1', '-n'], /'-n' needs a number of lines/);
    usageError(['tail'], ['-fx', 't1', '--master=a:1'], /'-f' takes no value/);
    usageError(['agent', 'list'], ['-a', '--master=a:1'], /unknown option '-a'; run/);
  });

  test('cat takes --task/--file or TASK FILE, --framework optional', () => {
    const flagged = run<CatFlags>(['cat'], ['--master=a:1', '--framework=F', '--task=T', '--file=stdout']);
    assert.deepEqual([flagged.framework, flagged.task, flagged.file], ['F', 'T', 'stdout']);
    const positional = run<CatFlags>(['cat'], ['--master=a:1', 'T', 'stderr']);
    assert.deepEqual([positional.framework, positional.task, positional.file], [undefined, 'T', 'stderr']);
    usageError(['cat'], ['--master=a:1', 'T'], /no file given; pass --file=FILE or give it as an argument/);
    usageError(['cat'], ['--master=a:1', '--task=T', 'U', 'stdout'], /task given twice/);
    usageError(['cat'], ['--master=a:1', 'T', 'f', 'x'], /unexpected argument 'x'.*at most TASK FILE/);
  });

  test('tail defaults to the last 10 lines of stdout; --file given twice is refused', () => {
    const t = run<TailFlags>(['tail'], ['--master=a:1', 'T']);
    assert.deepEqual([t.file, t.lines, t.follow, t.interval], ['stdout', 10, false, 0.5]);
    usageError(['tail'], ['--master=a:1', '--file=stdout', 'T', 'stderr'], /file given twice/);
    usageError(['tail'], ['--master=a:1', '--lines=-1', 'T'], /lines/);
  });

  test('unknown flags and bad values are usage errors of one line', () => {
    usageError(['task', 'list'], ['--master=a:1', '--alll'], /unknown flag '--alll'; did you mean '--all'/);
    usageError(['state'], ['--master=a:1', 'extra'], /unexpected argument 'extra': it takes no arguments/);
    usageError(['state'], ['--master=a:1', '--timeout=soon'], /timeout/);
  });

  test('--help: usage, every flag, short options and exit codes', () => {
    const parsed = parseOpsArgs(command('tail'), ['--help'], {});
    assert.equal(parsed.kind, 'help');
    const help = commandHelp(command('tail'));
    for (const flag of ['master', 'json', 'principal', 'secret', 'framework', 'task', 'file', 'lines', 'follow', 'interval'])
      assert.match(help, new RegExp(`--(\\[no-\\])?${flag}\\b`));
    assert.match(help, /-f \(--follow\), -n \(--lines\)/);
    assert.match(help, /Exit codes: 0 success, 1 error .*, 2 usage error/);
  });
});

describe('tables', () => {
  test('the Mesos CLI layout: columns two spaces wider than their widest cell, no trailing blanks', () => {
    assert.equal(
      formatTable(
        ['ID', 'State'],
        [
          ['a-long-id', 'TASK_RUNNING'],
          ['b', 'X'],
        ],
      ),
      'ID         State\na-long-id  TASK_RUNNING\nb          X',
    );
  });

  test("mesos-ps's fixed widths: short text padded, long text cut with '... '", () => {
    const out = formatFixedTable(
      [
        { title: 'USER', padding: 4 },
        { title: 'TASK', padding: 2 },
      ],
      [
        ['root', 'a-very-long-task-name'],
        [undefined, 'x'],
      ],
    );
    assert.equal(out, 'USER    TASK\nroot    a-...\n        x');
  });

  test('headerless columns, numbers on the right', () => {
    assert.equal(
      formatColumns(
        [
          ['a', '1'],
          ['bbb', '100'],
        ],
        new Set([1]),
      ),
      'a     1\nbbb 100',
    );
  });
});

function task(id: string, frameworkId: string, state: string, extra: Partial<TaskJson> = {}): TaskJson {
  return {
    id,
    name: `name-${id}`,
    framework_id: frameworkId,
    executor_id: '',
    slave_id: 'S0',
    state: state as TaskJson['state'],
    resources: {} as TaskJson['resources'],
    role: '*',
    statuses: [{ state, timestamp: 1 } as TaskJson['statuses'][number]],
    ...extra,
  };
}

function framework(id: string, tasks: TaskJson[], completed: TaskJson[] = [], extra: Partial<FrameworkJson> = {}): FrameworkJson {
  return {
    id,
    name: `fw-${id}`,
    user: 'alice',
    hostname: 'h',
    active: true,
    tasks,
    completed_tasks: completed,
    unreachable_tasks: [],
    ...extra,
  } as FrameworkJson;
}

function state(frameworks: FrameworkJson[], completed: FrameworkJson[] = []): MasterStateJson {
  return {
    frameworks,
    completed_frameworks: completed,
    slaves: [{ id: 'S0', pid: 'slave(1)@10.0.0.5:5051', hostname: 'node1', port: 5051, active: true }],
  } as unknown as MasterStateJson;
}

describe('views of the state', () => {
  const s = state(
    [framework('F1', [task('web', 'F1', 'TASK_RUNNING'), task('dup', 'F1', 'TASK_RUNNING')], [task('old', 'F1', 'TASK_FINISHED')])],
    [framework('F2', [], [task('dup', 'F2', 'TASK_KILLED')], { active: false })],
  );

  test('task list: running tasks, or every task with --all; state of the latest status, else UNKNOWN', () => {
    assert.deepEqual(
      taskListTasks(s, false).map((t) => t.id),
      ['web', 'dup'],
    );
    assert.deepEqual(
      taskListTasks(s, true).map((t) => t.id),
      ['web', 'dup', 'old', 'dup'],
    );
    assert.deepEqual(taskListRows([task('q', 'F1', 'TASK_STAGING', { statuses: [], executor_id: 'e1' })]), [['q', 'UNKNOWN', 'F1', 'e1']]);
  });

  test('framework list: active ones, or all with --all (completed included)', () => {
    assert.deepEqual(
      frameworkListFrameworks(s, false).map((f) => f.id),
      ['F1'],
    );
    assert.deepEqual(
      frameworkListFrameworks(s, true).map((f) => f.id),
      ['F1', 'F2'],
    );
  });

  test('a task is found by its exact id; the same id in two frameworks is ambiguous', () => {
    const found = locateTask(s, 'web');
    assert.ok(found.ok);
    assert.equal(found.found.framework.id, 'F1');
    assert.equal(locateTask(s, 'we').ok, false, 'a prefix is not a match');
    const ambiguous = locateTask(s, 'dup');
    assert.ok(!ambiguous.ok);
    assert.match(
      ambiguous.error,
      /task ID 'dup' is ambiguous: it is in frameworks F1 \(TASK_RUNNING\), F2 \(TASK_KILLED\); pass --framework=ID/,
    );
    const chosen = locateTask(s, 'dup', 'F2');
    assert.ok(chosen.ok);
    assert.equal(chosen.found.task.state, 'TASK_KILLED');
    const missing = locateTask(s, 'nope');
    assert.ok(!missing.ok);
    assert.match(missing.error, /no task 'nope' is known to the master; see 'mesos task list --all'/);
    const wrongFramework = locateTask(s, 'web', 'F2');
    assert.ok(!wrongFramework.ok);
    assert.match(wrongFramework.error, /no task 'web' in framework 'F2'; it is in framework 'F1'/);
    const noFramework = locateTask(s, 'web', 'F9');
    assert.ok(!noFramework.ok);
    assert.match(noFramework.error, /no framework 'F9'/);
  });

  test('the active copy of a task id wins over a completed one in the same framework', () => {
    const again = state([framework('F1', [task('t', 'F1', 'TASK_RUNNING')], [task('t', 'F1', 'TASK_FAILED')])]);
    const found = locateTask(again, 't');
    assert.ok(found.ok);
    assert.equal(found.found.task.state, 'TASK_RUNNING');
  });

  test('mesos-ps rows: statistics of the task executor (a command task: its own id), empty without them', () => {
    const stats = new Map([
      [
        'S0',
        [
          {
            framework_id: 'F1',
            executor_id: 'web',
            statistics: {
              cpus_limit: 0.6,
              mem_rss_bytes: 1_572_864,
              mem_limit_bytes: 67_108_864,
              cpus_user_time_secs: 1.5,
              cpus_system_time_secs: 0.25,
            },
          },
        ],
      ],
    ]);
    const rows = psRows(s, stats);
    assert.deepEqual(rows[0], {
      user: 'alice',
      framework: 'fw-F1',
      task: 'name-web',
      agent: 'node1',
      mem: '1.5 MB/64.0 MB',
      time: '00:00:01.750000',
      cpus: '0.6',
    });
    assert.deepEqual([rows[1]!.mem, rows[1]!.time, rows[1]!.cpus], [undefined, undefined, undefined]);
    assert.equal(rows.length, 2, 'only active tasks of active frameworks');
    assert.equal(PS_COLUMNS.map((c) => c.title).join(' '), 'USER FRAMEWORK TASK SLAVE MEM TIME CPU (allocated)');
  });

  test('sizes and CPU times as mesos-ps wrote them', () => {
    assert.equal(dataSize(512), '512.0 B');
    assert.equal(dataSize(2048), '2.0 KB');
    assert.equal(dataSize(3 * 1024 ** 3), '3.0 GB');
    assert.equal(cpuTime(3723.5), '01:02:03.500000');
  });

  test("an agent is reached at its pid's address, else its hostname and port", () => {
    assert.deepEqual(agentEndpoint({ pid: 'slave(1)@10.0.0.5:5051', hostname: 'n', port: 1 }), { host: '10.0.0.5', port: 5051 });
    assert.deepEqual(agentEndpoint({ pid: 'slave(1)@[::1]:5052', hostname: 'n', port: 1 }), { host: '::1', port: 5052 });
    assert.deepEqual(agentEndpoint({ pid: '', hostname: 'n', port: 5053 }), { host: 'n', port: 5053 });
  });

  test('paths stay inside the sandbox', () => {
    assert.equal(sandboxPath('/w/run', 'stdout'), '/w/run/stdout');
    assert.equal(sandboxPath('/w/run/', './a//b/../c'), '/w/run/a/c');
    assert.equal(sandboxPath('/w/run', ''), '/w/run');
    assert.equal(sandboxPath('/w/run', '../x'), undefined);
  });

  test('ls rows: sorted by name, the time in UTC, the base name only', () => {
    const rows = lsRows([
      { path: '/w/run/stdout', nlink: 1, size: 12, mtime: 0, mode: '-rw-r--r--', uid: 'u', gid: 'g' },
      { path: '/w/run/a', nlink: 2, size: 4096, mtime: 60, mode: 'drwxr-xr-x', uid: 'u', gid: 'g' },
    ]);
    assert.deepEqual(rows[0], ['drwxr-xr-x', '2', 'u', 'g', '4096', '1970-01-01 00:01', 'a']);
    assert.equal(rows[1]![6], 'stdout');
  });
});

describe('where the last lines of a file start', () => {
  const bytes = (s: string) => Buffer.from(s);
  test('a final newline ends the last line', () => {
    assert.equal(lastLinesOffset(bytes('a\nb\nc\n'), 0, 2), 2);
    assert.equal(lastLinesOffset(bytes('a\nb\nc'), 0, 2), 2);
    assert.equal(lastLinesOffset(bytes('a\nb\nc\n'), 0, 5), 0, 'fewer lines than asked: the whole file');
    assert.equal(lastLinesOffset(bytes('a\nb\n'), 0, 0), 4, 'no lines: the end');
  });
  test('a window that does not hold enough lines asks to read further back', () => {
    assert.equal(lastLinesOffset(bytes('b\nc\n'), 100, 3), undefined);
    assert.equal(lastLinesOffset(bytes('x\nb\nc\n'), 100, 2), 102);
  });
});

describe('the container mesos task kill sends KILL_CONTAINER to', () => {
  /** An agent /state with one framework F and executors given by id, type, container and live task ids. */
  function agentState(executors: { id: string; type?: 'DEFAULT' | 'CUSTOM'; container: string; tasks: string[]; queued?: string[] }[]) {
    const t = (id: string) => ({ id }) as TaskJson;
    return {
      frameworks: [
        {
          id: 'F',
          executors: executors.map((e) => ({
            id: e.id,
            type: e.type,
            container: e.container,
            tasks: e.tasks.map(t),
            queued_tasks: (e.queued ?? []).map(t),
            completed_tasks: [t('old')],
          })),
        },
      ],
    } as unknown as AgentStateJson;
  }

  test("a command task's own container; a task group task's nested one under its executor's", () => {
    const s = agentState([
      { id: 'cmd', container: 'c1', tasks: ['cmd'] },
      { id: 'gx', type: 'DEFAULT', container: 'c2', tasks: ['g1', 'g2'] },
    ]);
    assert.deepEqual(killContainerOf(s, 'F', 'cmd'), { ok: true, containerId: { value: 'c1' } });
    assert.deepEqual(killContainerOf(s, 'F', 'g2'), { ok: true, containerId: { value: 'g2', parent: { value: 'c2' } } });
  });

  test("a custom executor's container only when the task is the only live one in it", () => {
    const alone = agentState([{ id: 'ex', type: 'CUSTOM', container: 'c3', tasks: ['t1'] }]);
    assert.deepEqual(killContainerOf(alone, 'F', 't1'), { ok: true, containerId: { value: 'c3' } });
    const shared = killContainerOf(agentState([{ id: 'ex', type: 'CUSTOM', container: 'c3', tasks: ['t1'], queued: ['t2'] }]), 'F', 't1');
    assert.ok(!shared.ok);
    assert.match(shared.error, /task 't1' shares the container of executor 'ex' with 't2', which a kill would end too/);
  });

  test('a task the agent no longer runs (ended, other framework) has nothing to kill', () => {
    const s = agentState([{ id: 'cmd', container: 'c1', tasks: ['cmd'] }]);
    for (const [fw, id] of [
      ['F', 'old'],
      ['G', 'cmd'],
    ] as const) {
      const r = killContainerOf(s, fw, id);
      assert.ok(!r.ok);
      assert.match(r.error, new RegExp(`its /state lists no live task '${id}'`));
    }
  });
});
