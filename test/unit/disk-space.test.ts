// A full --work_dir: launches fail with a message naming the file system, after finished
// sandboxes were garbage collected; the agent and the tasks already running go on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DiskSpace } from '../../daemons/agent/disk-space.ts';
import { mountOf, writeFailure } from '../../daemons/common/disk-errors.ts';
import { fileSystemStartupError } from '../../daemons/agent/main.ts';
import { StartupError } from '../../daemons/common/program.ts';
import type { FrameworkInfo, TaskInfo } from '../../daemons/common/mesos.ts';
import { agentHarness } from './agent-harness.ts';

const FW: FrameworkInfo = { id: { value: 'fw-1' }, name: 'test', user: 'root', checkpoint: true };

function commandTask(id: string): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: 'agent-1' }, resources: [], command: { value: 'sleep 1000' } };
}

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '30 22 0:25 / /var/lib/mesos rw shared:2 - xfs /dev/sdb1 rw',
  '31 30 0:26 / /var/lib/mesos/small\\040disk rw - tmpfs tmpfs rw,size=8192k',
].join('\n');

describe('disk space', () => {
  test('mountOf: the longest mount point holding the path, its type, escaped spaces read', () => {
    assert.deepEqual(mountOf('/var/lib/mesos/slaves/x', MOUNTINFO), { mountPoint: '/var/lib/mesos', type: 'xfs' });
    assert.deepEqual(mountOf('/var/lib/mesos/small disk/a', MOUNTINFO), { mountPoint: '/var/lib/mesos/small disk', type: 'tmpfs' });
    assert.deepEqual(mountOf('/var/lib/mesosx', MOUNTINFO), { mountPoint: '/', type: 'ext4' });
  });

  test('writeFailure names the file system for a disk error, and only the error otherwise', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.match(
      writeFailure('Failed to write x', '/tmp/x', enospc),
      /^Failed to write x: no space left on the file system at \/\S* \(\w+\) \(ENOSPC\)/,
    );
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    assert.equal(writeFailure('Failed to write x', '/tmp/x', eacces), 'Failed to write x: EACCES: permission denied');
  });

  test('short of space, finished sandboxes are collected first; a launch goes on when that was enough', async () => {
    let free = 0;
    let collected = 0;
    const space = new DiskSpace({
      dir: '/tmp',
      freeBytes: () => free,
      freeUp: async () => {
        collected++;
        free = 10 << 20;
        return 3;
      },
    });
    assert.equal(await space.ensureRoom(), undefined);
    assert.equal(collected, 1);
    assert.equal(await space.ensureRoom(), undefined);
    assert.equal(collected, 1, 'not collected while there is room');
  });

  test('still full after collection: why, with the file system, what is free and what is needed', async () => {
    const space = new DiskSpace({ dir: '/tmp', freeBytes: () => 4096, freeUp: async () => 0 });
    assert.match(
      (await space.ensureRoom()) ?? '',
      /^No space left for a launch on the file system at \/\S* \(\w+\) holding --work_dir=\/tmp: 4096 bytes free, 1048576 needed \(garbage collection of finished sandboxes removed 0\)$/,
    );
  });
});

describe('a launch on a full disk', () => {
  test('fails with REASON_CONTAINER_LAUNCH_FAILED naming the file system; nothing is launched; the running task goes on', async () => {
    const h = agentHarness({}, undefined, { autoAck: true });
    await h.agent.runTask(FW, commandTask('before'));
    assert.deepEqual(await h.states('before'), ['TASK_STARTING', 'TASK_RUNNING']);
    h.agent.diskSpace = new DiskSpace({ dir: h.dir, freeBytes: () => 0 });
    await h.agent.runTask(FW, commandTask('after'));
    assert.deepEqual(await h.states('after'), ['TASK_FAILED']);
    const failed = h.sent.find((s) => s.task_id.value === 'after')!;
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', /No space left for a launch on the file system at \//);
    assert.equal(h.containerizer.launched.length, 1, 'only the first task was launched');
    assert.deepEqual(h.containerizer.killed, []);
    // Room again: the next launch runs.
    h.agent.diskSpace = new DiskSpace({ dir: h.dir });
    await h.agent.runTask(FW, commandTask('later'));
    assert.deepEqual(await h.states('later'), ['TASK_STARTING', 'TASK_RUNNING']);
  });

  test("a custom executor's launch fails the same way, and no executor is started", async () => {
    const h = agentHarness({}, undefined, { autoAck: true });
    h.agent.diskSpace = new DiskSpace({ dir: h.dir, freeBytes: () => 0 });
    await h.agent.runTask(FW, {
      ...commandTask('custom'),
      command: undefined,
      executor: { executor_id: { value: 'ex-1' }, command: { value: 'my-executor' } },
    });
    assert.deepEqual(await h.states('custom'), ['TASK_FAILED']);
    const failed = h.sent[0]!;
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', /No space left for a launch on the file system at \//);
    assert.equal(h.containerizer.launched.length, 0);
  });

  test('a launch whose checkpoint cannot be written fails, naming the file system, and is not started', async () => {
    const h = agentHarness({}, undefined, { autoAck: true });
    const cp = h.agent.checkpointed!;
    cp.launch = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    await h.agent.runTask(FW, commandTask('t1'));
    assert.deepEqual(await h.states('t1'), ['TASK_FAILED']);
    const failed = h.sent[0]!;
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', /^Failed to checkpoint the launch: no space left on the file system at \/\S* \(\w+\) \(ENOSPC\)/);
    assert.equal(h.containerizer.launched.length, 0);
  });
});

describe('an agent that cannot write its state at startup', () => {
  test('says so in one line naming --work_dir, its file system and what to do; other errors pass through', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const err = fileSystemStartupError(enospc, '/tmp');
    assert.ok(err instanceof StartupError);
    assert.match(
      err.message,
      /^cannot recover the agent's state under --work_dir=\/tmp: ENOSPC: no space left on device, write; the file system at \/\S* \(\w+\) is full: free some space there$/,
    );
    const other = new Error('boom');
    assert.equal(fileSystemStartupError(other, '/tmp'), other);
    const startup = new StartupError('already one line');
    assert.equal(fileSystemStartupError(startup, '/tmp'), startup);
  });
});
