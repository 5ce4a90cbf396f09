// The agent's checks (daemons/agent/validation.ts), each returning an error or nothing: what a
// task's container may ask of this agent, what a custom executor needs, when an executor id in
// use may take more tasks, Mesos's checks of an executor Call (validateExecutorCall in
// src/common/validation.cpp) and the executor API's 403 for an executor that has not subscribed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Containerizer } from '../../daemons/agent/containerizer/containerizer.ts';
import type { ExecutorKind } from '../../daemons/agent/records.ts';
import {
  validateContainer,
  validateCustomExecutor,
  validateExecutorCall,
  validateExecutorReuse,
  validateSubscribed,
} from '../../daemons/agent/validation.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import type { ContainerInfo, TaskStatus } from '../../daemons/common/mesos.ts';

const runner = {} as Containerizer;

describe("a task's container", () => {
  const both = { mesos: runner, docker: runner };
  const check = (c: ContainerInfo | undefined, configured = ['mesos', 'docker'], available: object = both) =>
    validateContainer(c, configured, available)?.message;

  test('plain commands and DOCKER containers run where their containerizer is configured and available', () => {
    assert.equal(check(undefined), undefined);
    assert.equal(check({ type: 'MESOS' }), undefined);
    assert.equal(check({ type: 'DOCKER', docker: { image: 'busybox' } }), undefined);
    assert.equal(
      check({ type: 'DOCKER', docker: { image: 'busybox' }, volumes: [{ mode: 'RW', container_path: '/x' }] }),
      undefined,
      'volumes are for Docker to mount',
    );
    assert.equal(
      check({ type: 'DOCKER', docker: { image: 'busybox' } }, ['mesos'], { mesos: runner }),
      'DOCKER containers need the Docker containerizer; start the agent with --containerizers=docker,mesos (now --containerizers=mesos)',
    );
    assert.equal(
      check({ type: 'DOCKER', docker: { image: 'busybox' } }, ['mesos', 'docker'], { mesos: runner }),
      'DOCKER containers need the Docker containerizer; start the agent with --containerizers=docker,mesos (now --containerizers=mesos,docker)',
      'configured, but dockerd could not be reached',
    );
    assert.equal(
      check(undefined, ['docker']),
      'This agent runs only DOCKER containers (--containerizers=docker); give the task a DOCKER ContainerInfo or add mesos to --containerizers',
    );
  });

  test('what no containerizer of this agent provides is refused, with the failure reason of a container launch', () => {
    const refused: Array<[ContainerInfo, string]> = [
      [{ type: 'MESOS', tty_info: {} }, 'A TTY for the task (ContainerInfo.tty_info) is not supported by this agent'],
      [
        { type: 'DOCKER', docker: { image: 'b' }, linux_info: {} },
        'Linux capabilities (ContainerInfo.linux_info) are not supported by this agent',
      ],
      [{ type: 'MESOS', rlimit_info: {} }, 'Resource limits (ContainerInfo.rlimit_info) are not supported by this agent'],
      [
        { type: 'MESOS', mesos: { image: { type: 'DOCKER' } } },
        'Container images in the Mesos containerizer are not supported (this agent has no image provisioner); run the image as a DOCKER container (mesos execute --containerizer=docker)',
      ],
      [
        { type: 'MESOS', network_infos: [{ name: 'cni-net' }] },
        'CNI networks (ContainerInfo.network_infos) are not supported by this agent',
      ],
      [
        { type: 'MESOS', volumes: [{ mode: 'RW', container_path: '/x' }] },
        'Volumes in the Mesos containerizer are not supported by this agent',
      ],
    ];
    for (const [c, message] of refused) {
      assert.deepEqual(validateContainer(c, ['mesos', 'docker'], both), { message, reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    }
    assert.equal(check({ type: 'MESOS', network_infos: [{}] }), undefined, 'a network without a name is the host network');
  });
});

describe("a custom executor's ExecutorInfo", () => {
  test('needs a command and the Mesos containerizer; no DOCKER container and no image', () => {
    const info = { executor_id: { value: 'e' }, command: { value: './my-executor' } };
    assert.equal(validateCustomExecutor(info, ['mesos']), undefined);
    assert.equal(
      validateCustomExecutor(info, ['docker']),
      'Custom executors run in the Mesos containerizer; this agent has --containerizers=docker',
    );
    assert.match(validateCustomExecutor({ ...info, container: { type: 'DOCKER' } }, ['mesos']) ?? '', /DOCKER containers .* not supported/);
    assert.match(
      validateCustomExecutor({ ...info, container: { type: 'MESOS', mesos: { image: { type: 'DOCKER' } } } }, ['mesos']) ?? '',
      /Container images/,
    );
    assert.equal(
      validateCustomExecutor({ executor_id: { value: 'e' }, command: { value: '' } }, ['mesos']),
      "ExecutorInfo.command must name the executor's program in 'value'",
    );
  });
});

describe('an executor id already in use', () => {
  test('only a custom executor takes more tasks; a command task gets an executor of its own', () => {
    const table: Array<[ExecutorKind, ExecutorKind, string | undefined]> = [
      ['CUSTOM', 'CUSTOM', undefined],
      ['COMMAND', 'COMMAND', undefined],
      ['DEFAULT', 'COMMAND', undefined],
      ['CUSTOM', 'COMMAND', undefined],
      ['DEFAULT', 'DEFAULT', 'REASON_TASK_GROUP_INVALID'],
      ['CUSTOM', 'DEFAULT', 'REASON_TASK_GROUP_INVALID'],
      ['COMMAND', 'DEFAULT', 'REASON_TASK_GROUP_INVALID'],
      ['DEFAULT', 'CUSTOM', 'REASON_TASK_INVALID'],
      ['COMMAND', 'CUSTOM', 'REASON_TASK_INVALID'],
    ];
    for (const [existing, requested, reason] of table) {
      assert.equal(validateExecutorReuse(existing, requested, 'x')?.reason, reason, `${requested} on a ${existing} run`);
    }
    assert.deepEqual(validateExecutorReuse('COMMAND', 'CUSTOM', 'x'), {
      message: "Executor 'x' is already in use by a command task of this framework; give the custom executor another id",
      reason: 'REASON_TASK_INVALID',
      source: 'SOURCE_AGENT',
    });
    assert.equal(validateExecutorReuse('DEFAULT', 'CUSTOM', 'x')?.message.includes('in use by a task group'), true);
    assert.deepEqual(validateExecutorReuse('DEFAULT', 'DEFAULT', 'x'), {
      message: 'Executor x is already running; launch each task group with a new executor id',
      reason: 'REASON_TASK_GROUP_INVALID',
      source: 'SOURCE_EXECUTOR',
    });
  });
});

describe('executor Call checks (Mesos validateExecutorCall)', () => {
  const base = { executor_id: { value: 'e' }, framework_id: { value: 'f' } };
  test('each call type needs its payload; UPDATE needs a valid uuid, SOURCE_EXECUTOR and not TASK_STAGING', () => {
    assert.equal(validateExecutorCall({ ...base }), "Expecting 'type' to be present");
    assert.equal(validateExecutorCall({ ...base, type: 'SUBSCRIBE' }), "Expecting 'subscribe' to be present");
    assert.equal(validateExecutorCall({ ...base, type: 'SUBSCRIBE', subscribe: {} }), undefined);
    assert.equal(validateExecutorCall({ ...base, type: 'MESSAGE' }), "Expecting 'message' to be present");
    assert.equal(validateExecutorCall({ ...base, type: 'HEARTBEAT' }), undefined);
    assert.equal(validateExecutorCall({ ...base, type: 'UPDATE' }), "Expecting 'update' to be present");
    const update = (status: Partial<TaskStatus>) =>
      validateExecutorCall({ ...base, type: 'UPDATE', update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', ...status } } });
    assert.equal(update({ source: 'SOURCE_EXECUTOR' }), "Expecting 'uuid' to be present");
    assert.equal(update({ source: 'SOURCE_EXECUTOR', uuid: Buffer.from('short').toString('base64') }), 'Not a valid UUID');
    assert.equal(
      update({ uuid: newStatusUuid() }),
      "Received Call from executor e of framework f with invalid source, expecting 'SOURCE_EXECUTOR'",
    );
    assert.equal(
      update({ source: 'SOURCE_EXECUTOR', uuid: newStatusUuid(), state: 'TASK_STAGING' }),
      'Received TASK_STAGING from executor e of framework f which is not allowed',
    );
    assert.equal(
      update({ source: 'SOURCE_EXECUTOR', uuid: newStatusUuid(), executor_id: { value: 'x' } }),
      'ExecutorID in Call: e does not match ExecutorID in TaskStatus: x',
    );
    assert.equal(update({ source: 'SOURCE_EXECUTOR', uuid: newStatusUuid() }), undefined);
  });

  test('an executor that has not subscribed may only SUBSCRIBE', () => {
    assert.equal(validateSubscribed('REGISTERING', 'SUBSCRIBE'), undefined);
    assert.equal(validateSubscribed('REGISTERING', 'UPDATE'), 'Executor is not subscribed');
    assert.equal(validateSubscribed('REGISTERING', 'MESSAGE'), 'Executor is not subscribed');
    assert.equal(validateSubscribed('RUNNING', 'UPDATE'), undefined);
    assert.equal(validateSubscribed('TERMINATING', 'MESSAGE'), undefined);
  });
});
