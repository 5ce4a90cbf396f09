import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { INITIAL_RETRY_MS, MAX_RETRY_MS, StatusUpdateManager } from '../../daemons/agent/status-updates.ts';
import { isTerminalState, type TaskState, type TaskStatus } from '../../daemons/common/mesos.ts';

interface Sent {
  frameworkId: string;
  taskId: string;
  state: TaskState;
  uuid: string | undefined;
}

function status(taskId: string, state: TaskState, uuid: string): TaskStatus {
  return { task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: 1 };
}

function harness() {
  const sent: Sent[] = [];
  const terminalAcks: string[] = [];
  const latest: string[] = [];
  const manager = new StatusUpdateManager(
    {
      send(frameworkId, s) {
        sent.push({ frameworkId, taskId: s.task_id.value, state: s.state, uuid: s.uuid });
      },
      latestState(frameworkId, taskId, state) {
        latest.push(`${frameworkId}/${taskId}:${state}`);
      },
    },
    (frameworkId, taskId) => terminalAcks.push(`${frameworkId}/${taskId}`),
    (s) => isTerminalState(s.state),
  );
  return { manager, sent, terminalAcks, latest, uuids: () => sent.map((s) => s.uuid) };
}

describe('StatusUpdateManager', () => {
  let active: StatusUpdateManager[] = [];
  const make = () => {
    const h = harness();
    active.push(h.manager);
    return h;
  };

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
  });

  afterEach(() => {
    for (const m of active) m.stop();
    active = [];
    mock.timers.reset();
  });

  test('only the head of a task stream is in flight', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_STARTING', 'u1'));
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u2'));
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'u3'));
    assert.deepEqual(h.uuids(), ['u1']);
    assert.deepEqual(
      h.manager.pending('fw', 't1').map((s) => s.uuid),
      ['u1', 'u2', 'u3'],
    );
    assert.equal(h.manager.size, 1);
  });

  test('a terminal update queued behind unacknowledged ones is announced as the latest state', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_STARTING', 'u1'));
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u2'));
    assert.deepEqual(h.latest, [], 'not for a non-terminal state');
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'u3'));
    assert.deepEqual(h.latest, ['fw/t1:TASK_FINISHED']);
    assert.deepEqual(h.uuids(), ['u1'], 'the stream still goes in order');
    h.manager.update('fw', status('t2', 'TASK_FAILED', 'v1'));
    assert.deepEqual(h.latest, ['fw/t1:TASK_FINISHED'], 'a terminal head goes out itself');
  });

  test('an acknowledgement of the wrong uuid is ignored', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u1'));
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'u2'));
    assert.equal(h.manager.acknowledge('fw', 't1', 'u2'), false, 'not the head');
    assert.equal(h.manager.acknowledge('fw', 't1', 'nope'), false);
    assert.equal(h.manager.acknowledge('fw', 'other', 'u1'), false, 'other task');
    assert.equal(h.manager.acknowledge('other-fw', 't1', 'u1'), false, 'other framework');
    assert.deepEqual(h.uuids(), ['u1']);
    assert.equal(h.manager.pending('fw', 't1').length, 2);
  });

  test('acknowledging the head sends the next update at once', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u1'));
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'u2'));
    assert.equal(h.manager.acknowledge('fw', 't1', 'u1'), true);
    assert.deepEqual(h.uuids(), ['u1', 'u2']);
    assert.deepEqual(
      h.manager.pending('fw', 't1').map((s) => s.uuid),
      ['u2'],
    );
    assert.deepEqual(h.terminalAcks, []);
  });

  test('acknowledging a non-terminal last update ends the stream without the terminal callback', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u1'));
    assert.equal(h.manager.acknowledge('fw', 't1', 'u1'), true);
    assert.equal(h.manager.size, 0);
    assert.deepEqual(h.terminalAcks, []);
    mock.timers.tick(MAX_RETRY_MS * 2);
    assert.deepEqual(h.uuids(), ['u1'], 'no retry after the acknowledgement');
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'u2'));
    assert.deepEqual(h.uuids(), ['u1', 'u2'], 'a later update starts a new stream');
  });

  test('the terminal acknowledgement calls onTerminalAcknowledged and drops the stream', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u1'));
    h.manager.update('fw', status('t1', 'TASK_FAILED', 'u2'));
    h.manager.acknowledge('fw', 't1', 'u1');
    assert.deepEqual(h.terminalAcks, []);
    assert.equal(h.manager.acknowledge('fw', 't1', 'u2'), true);
    assert.deepEqual(h.terminalAcks, ['fw/t1']);
    assert.equal(h.manager.size, 0);
    assert.deepEqual(h.manager.pending('fw', 't1'), []);
    assert.equal(h.manager.acknowledge('fw', 't1', 'u2'), false, 'a duplicate acknowledgement is ignored');
    assert.deepEqual(h.terminalAcks, ['fw/t1']);
  });

  test('an unacknowledged update is resent after 10 s, then 20 s, doubling up to 10 min', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u1'));
    assert.equal(h.sent.length, 1);
    mock.timers.tick(INITIAL_RETRY_MS - 1);
    assert.equal(h.sent.length, 1, 'not before 10 s');
    mock.timers.tick(1);
    assert.equal(h.sent.length, 2, 'resent at 10 s');
    mock.timers.tick(2 * INITIAL_RETRY_MS - 1);
    assert.equal(h.sent.length, 2, 'not before 20 s more');
    mock.timers.tick(1);
    assert.equal(h.sent.length, 3, 'resent 20 s later');
    mock.timers.tick(4 * INITIAL_RETRY_MS);
    assert.equal(h.sent.length, 4, 'then 40 s');
    assert.deepEqual(h.uuids(), ['u1', 'u1', 'u1', 'u1']);

    // 80 s, 160 s, 320 s, then capped at 600 s.
    for (const delay of [80_000, 160_000, 320_000, MAX_RETRY_MS, MAX_RETRY_MS, MAX_RETRY_MS]) {
      const before: number = h.sent.length;
      mock.timers.tick(delay - 1);
      assert.equal(h.sent.length, before, `not before ${delay} ms`);
      mock.timers.tick(1);
      assert.equal(h.sent.length, before + 1, `resent after ${delay} ms`);
    }
    assert.equal(MAX_RETRY_MS, 600_000);
    assert.equal(INITIAL_RETRY_MS, 10_000);
  });

  test('the acknowledgement stops retries and resets the backoff for the next update', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'u1'));
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'u2'));
    // One tick per retry: a mocked tick() re-arms timers from the end of the tick.
    mock.timers.tick(INITIAL_RETRY_MS);
    mock.timers.tick(2 * INITIAL_RETRY_MS);
    assert.deepEqual(h.uuids(), ['u1', 'u1', 'u1']);
    h.manager.acknowledge('fw', 't1', 'u1');
    assert.deepEqual(h.uuids(), ['u1', 'u1', 'u1', 'u2']);
    mock.timers.tick(INITIAL_RETRY_MS);
    assert.deepEqual(h.uuids(), ['u1', 'u1', 'u1', 'u2', 'u2'], 'the next update retries after 10 s again');
  });

  test('resendAll resends every head now and restarts the backoff', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'a1'));
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'a2'));
    h.manager.update('fw', status('t2', 'TASK_RUNNING', 'b1'));
    mock.timers.tick(INITIAL_RETRY_MS + 5_000);
    assert.deepEqual(h.uuids(), ['a1', 'b1', 'a1', 'b1']);
    h.manager.resendAll();
    assert.deepEqual(h.uuids().slice(4).sort(), ['a1', 'b1']);
    mock.timers.tick(INITIAL_RETRY_MS - 1);
    assert.equal(h.sent.length, 6, 'backoff restarted: nothing before 10 s');
    mock.timers.tick(1);
    assert.equal(h.sent.length, 8, 'both resent 10 s after resendAll');
  });

  test('removeFramework drops its streams and their retries only', () => {
    const h = make();
    h.manager.update('fw1', status('t1', 'TASK_RUNNING', 'a1'));
    h.manager.update('fw2', status('t1', 'TASK_RUNNING', 'b1'));
    h.manager.removeFramework('fw1');
    assert.equal(h.manager.size, 1);
    assert.deepEqual(h.manager.pending('fw1', 't1'), []);
    assert.equal(h.manager.acknowledge('fw1', 't1', 'a1'), false);
    mock.timers.tick(INITIAL_RETRY_MS);
    assert.deepEqual(
      h.sent.map((s) => `${s.frameworkId}:${s.uuid}`),
      ['fw1:a1', 'fw2:b1', 'fw2:b1'],
    );
    h.manager.resendAll();
    assert.equal(h.sent.filter((s) => s.frameworkId === 'fw1').length, 1);
  });

  test('independent tasks stream independently', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'a1'));
    h.manager.update('fw', status('t2', 'TASK_RUNNING', 'b1'));
    h.manager.update('fw', status('t1', 'TASK_FINISHED', 'a2'));
    h.manager.update('fw', status('t2', 'TASK_KILLED', 'b2'));
    assert.deepEqual(h.uuids(), ['a1', 'b1']);
    assert.equal(h.manager.size, 2);
    h.manager.acknowledge('fw', 't2', 'b1');
    assert.deepEqual(h.uuids(), ['a1', 'b1', 'b2']);
    h.manager.acknowledge('fw', 't2', 'b2');
    assert.deepEqual(h.terminalAcks, ['fw/t2']);
    assert.deepEqual(
      h.manager.pending('fw', 't1').map((s) => s.uuid),
      ['a1', 'a2'],
    );
    mock.timers.tick(INITIAL_RETRY_MS);
    assert.deepEqual(h.uuids(), ['a1', 'b1', 'b2', 'a1'], 't1 retries; t2 is done');
  });

  test('the same task id in two frameworks is two streams', () => {
    const h = make();
    h.manager.update('fw1', status('t', 'TASK_RUNNING', 'a1'));
    h.manager.update('fw2', status('t', 'TASK_RUNNING', 'b1'));
    assert.deepEqual(h.uuids(), ['a1', 'b1']);
    assert.equal(h.manager.size, 2);
  });

  test('stop cancels every retry', () => {
    const h = make();
    h.manager.update('fw', status('t1', 'TASK_RUNNING', 'a1'));
    h.manager.stop();
    mock.timers.tick(MAX_RETRY_MS);
    assert.equal(h.sent.length, 1);
  });
});
