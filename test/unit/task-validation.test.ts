import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExecutorInfo, Resource, TaskInfo } from '../../daemons/common/mesos.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import { type TaskContext, validateId, validateTask, validateTaskGroup } from '../../daemons/master/validation/task.ts';

const AGENT = 'agent-S0';
const FRAMEWORK = 'fw-0000';

function ctx(available = 'cpus:4;mem:1024;disk:1024;ports:[31000-31010]', existing: string[] = []): TaskContext {
  return { frameworkId: FRAMEWORK, agentId: AGENT, available: parseResources(available), isDuplicate: (id) => existing.includes(id) };
}

function task(id: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: AGENT },
    resources: parseResources('cpus:1;mem:128'),
    command: { value: 'sleep 10' },
    ...extra,
  };
}

function executor(extra: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return { type: 'DEFAULT', executor_id: { value: 'exec-1' }, resources: parseResources('cpus:0.1;mem:32'), ...extra };
}

const without = <T extends object>(obj: T, key: keyof T): T => {
  const copy = { ...obj };
  delete copy[key];
  return copy;
};

describe('validateId', () => {
  test('ordinary ids are valid', () => {
    for (const id of ['a', 'task-1', 'my.task_2', '...', 'a..b', 'ünïcode', 'with space', 'x'.repeat(255)]) {
      assert.equal(validateId('Task', id), undefined, id);
    }
  });

  test('empty or missing ids are invalid', () => {
    assert.equal(validateId('Task', ''), 'Task ID must not be empty');
    assert.equal(validateId('Executor', undefined), 'Executor ID must not be empty');
  });

  test('. and .. are invalid', () => {
    assert.match(validateId('Task', '.')!, /^Task ID '\.' is invalid/);
    assert.match(validateId('Task', '..')!, /'\.' and '\.\.' are disallowed/);
  });

  test('path separators are invalid', () => {
    assert.match(validateId('Task', 'a/b')!, /'\/' is disallowed/);
    assert.match(validateId('Task', '/')!, /is invalid/);
    assert.match(validateId('Task', 'a\\b')!, /is invalid/);
  });

  test('control characters are invalid', () => {
    for (const id of ['a\nb', 'tab\t', '\u0000', 'del\u007f', '\u001b[31m']) {
      assert.match(validateId('Executor', id)!, /^Executor ID is invalid: control characters are disallowed/, JSON.stringify(id));
    }
  });

  test('ids longer than 255 bytes are invalid (they name sandbox directories)', () => {
    assert.match(validateId('Task', 'x'.repeat(256))!, /longer than 255/);
    assert.match(validateId('Task', 'é'.repeat(128))!, /longer than 255/, '256 bytes in UTF-8');
  });
});

describe('validateTask', () => {
  test('a command task within the offer is valid', () => {
    assert.equal(validateTask(task('t1'), ctx()), undefined);
  });

  test('a task using all of the offer is valid', () => {
    assert.equal(validateTask(task('t1', { resources: parseResources('cpus:4;mem:1024') }), ctx()), undefined);
  });

  test('an invalid task id is reported first', () => {
    assert.equal(validateTask(task(''), ctx()), 'Task ID must not be empty');
    assert.match(validateTask(task('a/b'), ctx())!, /'\/' is disallowed/);
    assert.equal(validateTask(without(task('x'), 'task_id'), ctx()), 'Task ID must not be empty');
  });

  test('a duplicate task id is invalid', () => {
    assert.equal(validateTask(task('t1'), ctx(undefined, ['t1'])), 'Task has duplicate ID: t1');
    assert.equal(validateTask(task('t2'), ctx(undefined, ['t1'])), undefined);
  });

  test('the agent id must be the offer agent', () => {
    assert.match(
      validateTask(task('t1', { agent_id: { value: 'other' } }), ctx())!,
      /^Task uses invalid agent: other \(offer is for agent agent-S0\)/,
    );
    assert.match(validateTask(without(task('t1'), 'agent_id'), ctx())!, /^Task uses invalid agent: \(none\)/);
  });

  test('exactly one of command and executor', () => {
    const both = task('t1', { executor: executor({ type: 'CUSTOM', command: { value: 'exec' } }) });
    assert.equal(validateTask(both, ctx()), 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
    assert.equal(
      validateTask(without(task('t1'), 'command'), ctx()),
      'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present',
    );
  });

  test('a command needs a value', () => {
    assert.equal(
      validateTask(task('t1', { command: { shell: false } }), ctx()),
      "CommandInfo with 'shell' set to false must specify the executable in 'value'",
    );
    assert.equal(
      validateTask(task('t1', { command: {} }), ctx()),
      "CommandInfo with 'shell' set to true must specify the command in 'value'",
    );
    assert.equal(
      validateTask(task('t1', { command: { shell: true, value: '' } }), ctx()),
      "CommandInfo with 'shell' set to true must specify the command in 'value'",
    );
    assert.equal(validateTask(task('t1', { command: { shell: false, value: '/bin/true', arguments: ['true'] } }), ctx()), undefined);
  });

  test('a task with an executor is checked with the executor resources', () => {
    const withExec = (e: ExecutorInfo, resources = 'cpus:1;mem:128') =>
      validateTask(without(task('t1', { executor: e, resources: parseResources(resources) }), 'command'), ctx());
    assert.equal(withExec(executor({ type: 'CUSTOM', command: { value: 'exec' } })), undefined);
    assert.match(withExec(executor({ resources: parseResources('cpus:0.5') }), 'cpus:3.6')!, /^Task uses more resources/);
  });

  test('executor id and framework id rules', () => {
    const withExec = (e: ExecutorInfo) => validateTask(without(task('t1', { executor: e }), 'command'), ctx());
    assert.equal(withExec(executor({ executor_id: { value: '' } })), 'Executor ID must not be empty');
    assert.match(withExec(executor({ executor_id: { value: '..' } }))!, /^Executor ID '\.\.' is invalid/);
    assert.equal(
      withExec(executor({ framework_id: { value: 'someone-else' } })),
      `ExecutorInfo has an invalid FrameworkID (Actual: someone-else vs Expected: ${FRAMEWORK})`,
    );
    assert.equal(withExec(executor({ framework_id: { value: FRAMEWORK } })), undefined);
  });

  test('invalid executor resources are reported', () => {
    const bad: Resource[] = [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }];
    assert.match(
      validateTask(without(task('t1', { executor: executor({ resources: bad }) }), 'command'), ctx())!,
      /^Executor uses invalid resources: invalid resource/,
    );
  });

  test('a task must use some resources', () => {
    assert.equal(validateTask(task('t1', { resources: [] }), ctx()), 'Task uses no resources');
    assert.equal(validateTask(without(task('t1'), 'resources'), ctx()), 'Task uses no resources');
    assert.equal(
      validateTask(task('t1', { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0 } }] }), ctx()),
      'Task uses no resources',
    );
  });

  test('invalid task resources are reported', () => {
    const overlapping: Resource[] = [
      {
        name: 'ports',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 31000, end: 31005 },
            { begin: 31003, end: 31008 },
          ],
        },
      },
    ];
    assert.match(validateTask(task('t1', { resources: overlapping }), ctx())!, /^Task uses invalid resources: .*overlap/);
    assert.match(
      validateTask(task('t1', { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: Number.NaN } }] }), ctx())!,
      /^Task uses invalid resources/,
    );
  });

  test('a task may not use more than is available', () => {
    assert.match(
      validateTask(task('t1', { resources: parseResources('cpus:5') }), ctx())!,
      /^Task uses more resources cpus:5 than available /,
    );
    assert.match(validateTask(task('t1', { resources: parseResources('gpus:1') }), ctx())!, /^Task uses more resources/);
    assert.match(validateTask(task('t1', { resources: parseResources('ports:[80-80]') }), ctx())!, /^Task uses more resources/);
    assert.equal(validateTask(task('t1', { resources: parseResources('ports:[31000-31002]') }), ctx()), undefined);
  });
});

describe('validateTaskGroup', () => {
  test('a valid group under a DEFAULT executor', () => {
    assert.equal(validateTaskGroup(executor(), { tasks: [task('a'), task('b')] }, ctx()), undefined);
    assert.equal(validateTaskGroup(executor({ type: undefined }), { tasks: [task('a')] }, ctx()), undefined, 'type defaults to DEFAULT');
  });

  test('an executor is required and must be DEFAULT, or CUSTOM with a command (as in Mesos)', () => {
    assert.equal(validateTaskGroup(undefined, { tasks: [task('a')] }, ctx()), 'LAUNCH_GROUP requires an ExecutorInfo');
    assert.equal(
      validateTaskGroup(executor({ type: 'CUSTOM' }), { tasks: [task('a')] }, ctx()),
      "A CUSTOM executor of a task group needs 'command'",
    );
    assert.equal(validateTaskGroup(executor({ type: 'CUSTOM', command: { value: './exec' } }), { tasks: [task('a')] }, ctx()), undefined);
    assert.equal(
      validateTaskGroup(executor({ type: 'UNKNOWN' }), { tasks: [task('a')] }, ctx()),
      'LAUNCH_GROUP requires an executor of type DEFAULT or CUSTOM, got UNKNOWN',
    );
  });

  test('the executor id and framework id are checked', () => {
    assert.equal(
      validateTaskGroup(executor({ executor_id: { value: '' } }), { tasks: [task('a')] }, ctx()),
      'Executor ID must not be empty',
    );
    assert.match(validateTaskGroup(executor({ framework_id: { value: 'x' } }), { tasks: [task('a')] }, ctx())!, /invalid FrameworkID/);
  });

  test('the group must not be empty', () => {
    assert.equal(validateTaskGroup(executor(), { tasks: [] }, ctx()), 'Task group must not be empty');
    assert.equal(validateTaskGroup(executor(), {} as never, ctx()), 'Task group must not be empty');
  });

  test('tasks in a group must not have their own executor', () => {
    const t = task('a', { executor: executor() });
    assert.equal(validateTaskGroup(executor(), { tasks: [t] }, ctx()), "Task 'a' in a task group must not have an ExecutorInfo");
  });

  test('tasks in a group must not use DOCKER containers', () => {
    const t = task('a', { container: { type: 'DOCKER', docker: { image: 'busybox' } } });
    assert.equal(validateTaskGroup(executor(), { tasks: [t] }, ctx()), "Task 'a' in a task group must not use a DOCKER container");
  });

  test('task ids must be unique in the group and in the framework', () => {
    assert.equal(validateTaskGroup(executor(), { tasks: [task('a'), task('a')] }, ctx()), 'Task group has duplicate task ID: a');
    assert.equal(
      validateTaskGroup(executor(), { tasks: [task('a'), task('b')] }, ctx(undefined, ['b'])),
      "Task 'b' in the group is invalid: Task has duplicate ID: b",
    );
  });

  test('each task is validated', () => {
    assert.match(
      validateTaskGroup(executor(), { tasks: [task('a'), task('b', { agent_id: { value: 'elsewhere' } })] }, ctx())!,
      /^Task 'b' in the group is invalid: Task uses invalid agent/,
    );
    assert.match(
      validateTaskGroup(executor(), { tasks: [task('a', { resources: [] })] }, ctx())!,
      /^Task 'a' in the group is invalid: Task uses no resources/,
    );
  });

  test('the executor and all tasks together must fit', () => {
    const each = { resources: parseResources('cpus:2;mem:128') };
    const err = validateTaskGroup(executor(), { tasks: [task('a', each), task('b', each)] }, ctx());
    assert.match(err!, /^Task group uses more resources .* than available /);
    assert.equal(validateTaskGroup(executor({ resources: [] }), { tasks: [task('a', each), task('b', each)] }, ctx()), undefined);
    assert.match(
      validateTaskGroup(executor({ resources: parseResources('cpus:0.01') }), { tasks: [task('a', each), task('b', each)] }, ctx())!,
      /^Task group uses more/,
    );
  });
});
