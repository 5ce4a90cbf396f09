// reconcileTasks and reconcileOperations as pure functions: Mesos's answers by agent standing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FrameworkRecord, TaskTable, newTaskRecord } from '../../daemons/master/records.ts';
import { type AgentStanding, type AgentView, reconcileOperations, reconcileTasks } from '../../daemons/master/reconciliation.ts';

function view(standings: Record<string, AgentStanding>): AgentView {
  return {
    standing: (id) => standings[id] ?? { kind: 'unknown' },
    anyRecovered: () => Object.values(standings).some((s) => s.kind === 'recovered'),
  };
}

function framework(partitionAware = true): FrameworkRecord {
  return {
    id: 'fw',
    info: { user: 'u', name: 'n' },
    roles: ['*'],
    suppressedRoles: new Set(),
    registeredTime: 0,
    connected: true,
    active: true,
    tasks: new TaskTable(),
    unreachableTasks: new Map(),
    completedTasks: [],
    offers: new Set(),
    partitionAware,
    killingStateCapable: false,
  };
}

test("a known task: the state last sent to the scheduler, with its latest health, check and container status (Mesos's getTaskHealth ...)", () => {
  const fw = framework();
  const task = newTaskRecord({
    info: { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' } },
    frameworkId: 'fw',
    agentId: 'a',
    executorId: 'ex',
    role: '*',
    resources: [],
    state: 'TASK_FINISHED',
    statuses: [
      { state: 'TASK_STARTING', timestamp: 1 },
      {
        state: 'TASK_RUNNING',
        timestamp: 2,
        healthy: true,
        check_status: { type: 'COMMAND', command: { exit_code: 0 } },
        container_status: { container_id: { value: 'c' } },
      },
    ],
    resourcesRecovered: true,
  });
  task.pendingState = 'TASK_RUNNING';
  fw.tasks.set('t', task);
  const [status] = reconcileTasks(fw, [], view({ a: { kind: 'registered' } }), 5000);
  assert.deepEqual(status, {
    task_id: { value: 't' },
    state: 'TASK_RUNNING',
    source: 'SOURCE_MASTER',
    timestamp: 5,
    agent_id: { value: 'a' },
    executor_id: { value: 'ex' },
    reason: 'REASON_RECONCILIATION',
    message: 'Reconciliation: Latest task state',
    healthy: true,
    check_status: { type: 'COMMAND', command: { exit_code: 0 } },
    container_status: { container_id: { value: 'c' } },
  });
});

test('unknown tasks by agent standing; nothing while an agent may still come back', () => {
  const agents = view({ reg: { kind: 'registered' }, lost: { kind: 'unreachable', since: 7000 } });
  const answers = reconcileTasks(
    framework(),
    [{ taskId: 'a', agentId: 'reg' }, { taskId: 'b', agentId: 'lost' }, { taskId: 'c', agentId: 'nobody' }, { taskId: 'd' }],
    agents,
    0,
  );
  assert.deepEqual(
    answers.map((s) => [s.task_id.value, s.state, s.message, s.agent_id?.value, s.unreachable_time?.nanoseconds]),
    [
      ['a', 'TASK_GONE', 'Reconciliation: Task is unknown to the agent', 'reg', undefined],
      ['b', 'TASK_UNREACHABLE', 'Reconciliation: Task is unreachable', 'lost', 7e9],
      ['c', 'TASK_UNKNOWN', 'Reconciliation: Task is unknown', 'nobody', undefined],
      ['d', 'TASK_UNKNOWN', 'Reconciliation: Task is unknown', undefined, undefined],
    ],
  );
  const waiting = view({ back: { kind: 'recovered' } });
  assert.deepEqual(reconcileTasks(framework(), [{ taskId: 'x', agentId: 'back' }, { taskId: 'y' }], waiting, 0), []);
  assert.equal(reconcileTasks(framework(), [{ taskId: 'z', agentId: 'elsewhere' }], waiting, 0).length, 1);
});

test('operations: implicit reconciliation answers nothing; explicit ones by agent standing', () => {
  const agents = view({ back: { kind: 'recovered' } });
  assert.deepEqual(reconcileOperations([], agents), []);
  assert.deepEqual(
    reconcileOperations([{ operation_id: { value: 'o' }, agent_id: { value: 'back' }, resource_provider_id: { value: 'rp' } }], agents),
    [
      {
        operation_id: { value: 'o' },
        state: 'OPERATION_RECOVERING',
        message: 'Reconciliation: Agent is recovered but has not re-registered',
        agent_id: { value: 'back' },
        resource_provider_id: { value: 'rp' },
      },
    ],
  );
});
