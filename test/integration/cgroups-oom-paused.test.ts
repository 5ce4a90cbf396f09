// The real kernel under the isolator, without the agent (root, cgroup v1): the supervisor's way of
// starting a process inside its cgroups (forkInside), and the OOM handling of kernels that do
// not count OOM kills (CentOS 7), run here by switching the OOM killer off as the agent does
// there: the process waits in OOM, the isolator sees `under_oom 1`, and cleanup kills it and
// removes the cgroups.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { CgroupTree } from '../../daemons/agent/isolation/cgroups.ts';
import { detectHierarchy } from '../../daemons/agent/isolation/hierarchy.ts';
import { CgroupsIsolator } from '../../daemons/agent/isolation/isolator.ts';
import { parseIsolation } from '../../daemons/agent/isolation/isolators.ts';
import { forkInside, homeDirs } from '../../daemons/agent/supervisor/cgroup-join.ts';
import { waitFor } from '../helpers/cluster.ts';

const MB = 1024 * 1024;
const ROOT = `mesos-unit-${process.pid}`;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cgroups cannot be created';
  try {
    accessSync('/sys/fs/cgroup/memory/cgroup.procs', constants.W_OK);
  } catch {
    return 'no writable cgroup v1 memory controller at /sys/fs/cgroup/memory';
  }
  return undefined;
}
const skip = skipReason();

after(() => {
  const dir = path.join('/sys/fs/cgroup/memory', ROOT);
  if (existsSync(dir)) rmdirSync(dir);
});

test('OOM killer off (kernels without the oom_kill counter): the container waits in OOM, is seen, killed whole and removed', {
  skip,
}, async () => {
  const h = detectHierarchy({
    mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'),
    procCgroups: readFileSync('/proc/cgroups', 'utf8'),
    hierarchy: '/sys/fs/cgroup',
  });
  assert.ok(h.ok && h.value.version === 1);
  const iso = parseIsolation('cgroups/mem');
  assert.ok(iso.ok);
  const tree = new CgroupTree(h.value, ROOT, ['memory']);
  const isolator = new CgroupsIsolator(
    tree,
    iso.value,
    { enableCfs: false, limitSwap: false, oomKillerOff: true, destroyTimeoutMs: 10_000, ticksPerSecond: 100 },
    pino({ level: 'silent' }),
  );
  const dirs = isolator.prepare('hog', { cpus: 0.1, mem: 32 * MB });
  assert.match(readFileSync(path.join(dirs[0]!, 'memory.oom_control'), 'utf8'), /oom_kill_disable 1/);
  const homes = homeDirs(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'));
  const ownBefore = readFileSync('/proc/self/cgroup', 'utf8');
  const child = forkInside(dirs, homes, () =>
    spawn('sh', ['-c', "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"], { stdio: 'ignore' }),
  );
  try {
    assert.equal(readFileSync('/proc/self/cgroup', 'utf8'), ownBefore, 'this process is back in its own cgroups');
    assert.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`memory:/${ROOT}/hog`), 'the child was born inside');
    const limitation = await waitFor('the OOM seen', () => isolator.limitation('hog'), 15_000);
    assert.equal(limitation.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(limitation.message, /^Memory limit exceeded: Requested: 32MB Maximum Used: 32MB\n/);
    assert.equal(child.exitCode, null, 'nothing was killed by the kernel: it waits in OOM');
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    await isolator.cleanup('hog');
    await exited;
  }
  assert.equal(child.signalCode, 'SIGKILL');
  assert.equal(existsSync(dirs[0]!), false, 'its cgroup is removed');
});
