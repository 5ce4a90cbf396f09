import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { describeHierarchy, detectHierarchy, missingControllers } from '../../daemons/agent/isolation/hierarchy.ts';
import { neededControllers, parseIsolation } from '../../daemons/agent/isolation/isolators.ts';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../fixtures/cgroups', name), 'utf8');
const host = (name: string, v2 = false) => ({
  mountinfo: fixture(`${name}.mountinfo`),
  procCgroups: fixture(`${name}.cgroups`),
  hierarchy: '/sys/fs/cgroup',
  ...(v2 ? { v2RootControllers: fixture(`${name}.cgroup.controllers`) } : {}),
});

test('--isolation: Mesos default, aliases and cgroups/all', () => {
  const def = parseIsolation('posix/cpu,posix/mem');
  assert.deepEqual(def.ok && { cpu: def.value.cpu, mem: def.value.mem, pids: def.value.pids }, { cpu: 'posix', mem: 'posix', pids: false });
  const legacy = parseIsolation('cgroups');
  assert.ok(legacy.ok);
  assert.deepEqual(legacy.value.names, ['cgroups/cpu', 'cgroups/mem']);
  const all = parseIsolation('cgroups/all');
  assert.ok(all.ok);
  assert.deepEqual(neededControllers(all.value), ['cpu', 'cpuacct', 'memory', 'pids']);
  const mem = parseIsolation(' cgroups/mem , posix/cpu,filesystem/posix');
  assert.ok(mem.ok);
  assert.deepEqual([mem.value.cpu, mem.value.mem, mem.value.pids], ['posix', 'cgroups', false]);
  assert.deepEqual(neededControllers(mem.value), ['memory']);
});

test('--isolation: unknown names and isolators not built yet are refused in one line', () => {
  const unknown = parseIsolation('cgroups/cpu,cgroups/memory');
  assert.equal(unknown.ok, false);
  assert.match(
    !unknown.ok ? unknown.error : '',
    /^--isolation: unknown isolator 'cgroups\/memory'; known isolators: posix\/cpu, .*cgroups\/pids/,
  );
  for (const name of ['disk/du', 'namespaces/pid', 'filesystem/linux', 'docker/runtime', 'posix/disk']) {
    const r = parseIsolation(`cgroups/cpu,${name}`);
    assert.equal(r.ok, false, name);
    const error = !r.ok ? r.error : '';
    assert.match(error, /is not provided by this agent yet \(issue #28\)/);
    assert.ok(!error.includes('\n'));
  }
});

test("hierarchy: this build machine's v1 layout, cpu and cpuacct mounted apart beside a hybrid unified tree", () => {
  const h = detectHierarchy(host('build-host'));
  assert.ok(h.ok);
  assert.deepEqual(h.value, {
    version: 1,
    mounts: { cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct', memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids' },
  });
  assert.equal(missingControllers(h.value, ['cpu', 'cpuacct', 'memory', 'pids'], 'cgroups/all'), undefined);
  assert.equal(
    describeHierarchy(h.value, ['cpu', 'cpuacct', 'memory'], 'mesos'),
    'cgroups isolation: cgroup v1, cpu at /sys/fs/cgroup/cpu, cpuacct at /sys/fs/cgroup/cpuacct, memory at /sys/fs/cgroup/memory, containers under <controller>/mesos',
  );
});

test('hierarchy: CentOS 7 co-mounts cpu,cpuacct', () => {
  const h = detectHierarchy(host('centos7'));
  assert.ok(h.ok);
  assert.equal(h.value.version, 1);
  assert.deepEqual(h.value.version === 1 && h.value.mounts, {
    cpu: '/sys/fs/cgroup/cpu,cpuacct',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
    memory: '/sys/fs/cgroup/memory',
    pids: '/sys/fs/cgroup/pids',
  });
});

test('hierarchy: pure cgroup v2 (Fedora) with the controllers the root offers', () => {
  const h = detectHierarchy(host('fedora-v2', true));
  assert.ok(h.ok);
  assert.deepEqual(h.value, { version: 2, root: '/sys/fs/cgroup', controllers: ['cpu', 'cpuacct', 'memory', 'pids'] });
  assert.match(
    describeHierarchy(h.value, ['cpu', 'cpuacct', 'memory'], 'mesos'),
    /cgroup v2 at \/sys\/fs\/cgroup, controllers cpu, memory, containers under \/sys\/fs\/cgroup\/mesos$/,
  );
});

test('hierarchy: a missing controller refuses its isolator with the reason', () => {
  const v2 = detectHierarchy({ ...host('fedora-v2', true), v2RootControllers: 'cpuset io hugetlb' });
  assert.ok(v2.ok);
  assert.equal(
    missingControllers(v2.value, ['memory'], 'cgroups/mem'),
    '--isolation=cgroups/mem needs the cgroup controller memory, not offered in /sys/fs/cgroup/cgroup.controllers (cgroup v2); mount or delegate it, or drop the isolator',
  );
  const noPids = detectHierarchy({
    ...host('centos7'),
    procCgroups: fixture('centos7.cgroups').replace(/^pids\t12\t61\t1/m, 'pids\t12\t61\t0'),
  });
  assert.ok(noPids.ok);
  assert.match(
    missingControllers(noPids.value, ['cpu', 'pids'], 'cgroups/cpu,cgroups/pids') ?? '',
    /controller pids, not mounted as cgroup v1/,
  );
  const none = detectHierarchy({ ...host('build-host'), hierarchy: '/cgroups' });
  assert.equal(none.ok, false);
  assert.match(!none.ok ? none.error : '', /^--cgroups_hierarchy=\/cgroups: no cgroup v1 controller is mounted under it/);
});
