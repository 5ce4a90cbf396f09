// The Docker containerizer against the real dockerd (test/setup.sh installs docker.io and starts
// it; the image is a local busybox rootfs, no registry): the guide's smoke test with
// --docker_image, failing and killed containers, resource limits, port mappings, pull failures,
// agent kill -9 with containers running and ending meanwhile, orphans, and the start-up version
// check against a fake old Docker API. The pure parts (create request, log positions, versions)
// are checked first; they need no daemon.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { containerizerFor } from '../../daemons/agent/containerizer/containerizer.ts';
import { FrameParser, PositionTracker, REORDER_MARGIN_SECS } from '../../daemons/agent/containerizer/docker-logs.ts';
import { DockerSpecError, containerIdOfName, dockerCreateOptions, stopSeconds } from '../../daemons/agent/containerizer/docker-spec.ts';
import { parseVersion, versionAtLeast } from '../../daemons/agent/containerizer/docker-version.ts';
import type { Offer, Resource, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { type Daemon, runMesos, sleep, startAgent, startMaster, stopSupervisor, tempDir, waitFor } from '../helpers/cluster.ts';
import { TEST_IMAGE, containersOf, dockerClient, dockerUnavailable, ensureTestImage, stopDockerCluster } from '../helpers/docker.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

// ---------------------------------------------------------------- pure parts

function dockerTask(over: Partial<TaskInfo> = {}, docker: Record<string, unknown> = {}): TaskInfo {
  return {
    name: 't',
    task_id: { value: 't' },
    agent_id: { value: 'a' },
    command: { value: 'echo hi' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] } },
    ],
    container: { type: 'DOCKER', docker: { image: 'busybox:1', ...docker } },
    ...over,
  };
}

function spec(task: TaskInfo) {
  return dockerCreateOptions({
    containerId: 'c1',
    task,
    sandbox: '/work/sb',
    mappedSandbox: '/mnt/mesos/sandbox',
    env: { MESOS_TASK_ID: 't', A: 'b' },
    labels: { l: 'v' },
  });
}

describe('Docker create request (pure)', () => {
  test('a shell command runs as /bin/sh -c, with the sandbox mounted, limits and Mesos variables', () => {
    const o = spec(dockerTask());
    assert.equal(o.name, 'mesos-c1');
    assert.equal(o.Image, 'busybox:1');
    assert.deepEqual(o.Entrypoint, ['/bin/sh']);
    assert.deepEqual(o.Cmd, ['-c', 'echo hi']);
    assert.deepEqual(o.HostConfig?.Binds, ['/work/sb:/mnt/mesos/sandbox']);
    assert.equal(o.HostConfig?.NetworkMode, 'host', 'HOST is the default network');
    assert.equal(o.HostConfig?.CpuShares, 512);
    assert.equal(o.HostConfig?.Memory, 64 * 1024 * 1024);
    assert.equal(o.HostConfig?.Privileged, false);
    assert.ok(o.Env?.includes('MESOS_SANDBOX=/mnt/mesos/sandbox'));
    assert.ok(o.Env?.includes('MESOS_CONTAINER_NAME=mesos-c1'));
    assert.ok(o.Env?.includes('A=b'));
    assert.deepEqual(o.Labels, { l: 'v' });
  });

  test('shell=false keeps the image entrypoint and passes value then arguments, as Mesos does', () => {
    const o = spec(dockerTask({ command: { shell: false, value: 'echo', arguments: ['a', 'b'] } }));
    assert.equal(o.Entrypoint, undefined);
    assert.deepEqual(o.Cmd, ['echo', 'a', 'b']);
    assert.deepEqual(spec(dockerTask({ command: { shell: false } })).Cmd, undefined, 'no command: the image default');
  });

  test('Mesos floors: 2 cpu shares, 32 MB', () => {
    const o = spec(
      dockerTask({
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.001 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 4 } },
        ],
      }),
    );
    assert.equal(o.HostConfig?.CpuShares, 2);
    assert.equal(o.HostConfig?.Memory, 32 * 1024 * 1024);
  });

  test('port mappings need a bridge network and offered ports', () => {
    const o = spec(
      dockerTask(
        {},
        {
          network: 'BRIDGE',
          port_mappings: [
            { host_port: 31001, container_port: 80 },
            { host_port: 31002, container_port: 53, protocol: 'UDP' },
          ],
        },
      ),
    );
    assert.equal(o.HostConfig?.NetworkMode, 'bridge');
    assert.deepEqual(o.HostConfig?.PortBindings, { '80/tcp': [{ HostPort: '31001' }], '53/udp': [{ HostPort: '31002' }] });
    assert.deepEqual(o.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.throws(
      () => spec(dockerTask({}, { network: 'HOST', port_mappings: [{ host_port: 31001, container_port: 80 }] })),
      /only supported for bridge/,
    );
    assert.throws(
      () => spec(dockerTask({}, { network: 'BRIDGE', port_mappings: [{ host_port: 40000, container_port: 80 }] })),
      /Port \[40000\] not included in resources/,
    );
  });

  test('volumes: host paths, relative paths, Docker volumes; bad ones are refused', () => {
    const task = dockerTask();
    task.container!.volumes = [
      { container_path: '/data', host_path: '/srv/data', mode: 'RO' },
      { container_path: 'cache', host_path: '/var/cache/x', mode: 'RW' },
      { container_path: '/in', host_path: 'input', mode: 'RW' },
      { container_path: '/v', mode: 'RW', source: { type: 'DOCKER_VOLUME', docker_volume: { name: 'vol1' } } },
    ];
    assert.deepEqual(spec(task).HostConfig?.Binds, [
      '/srv/data:/data:ro',
      '/var/cache/x:/mnt/mesos/sandbox/cache:rw',
      '/work/sb/input:/in:rw',
      'vol1:/v:rw',
      '/work/sb:/mnt/mesos/sandbox',
    ]);
    task.container!.volumes = [{ container_path: 'a', host_path: 'b', mode: 'RW' }];
    assert.throws(() => spec(task), /Both host_path 'b' and container_path 'a' of a volume are relative/);
    task.container!.volumes = [{ container_path: '/a', mode: 'RW' }];
    assert.throws(() => spec(task), DockerSpecError);
  });

  test('privileged only when asked; supported and unsupported docker run parameters', () => {
    assert.equal(spec(dockerTask({}, { privileged: true })).HostConfig?.Privileged, true);
    const o = spec(
      dockerTask(
        {},
        {
          parameters: [
            { key: 'label', value: 'team=x' },
            { key: 'env', value: 'X=1' },
            { key: 'user', value: 'nobody' },
          ],
        },
      ),
    );
    assert.equal(o.Labels?.team, 'x');
    assert.ok(o.Env?.includes('X=1'));
    assert.equal(o.User, 'nobody');
    assert.throws(() => spec(dockerTask({}, { parameters: [{ key: 'log-driver', value: 'none' }] })), /--log-driver/);
  });

  test('names, containerizer choice, stop timeout, versions', () => {
    assert.equal(containerIdOfName('/mesos-abc'), 'abc');
    assert.equal(containerIdOfName('/other'), undefined);
    assert.equal(containerizerFor(dockerTask()), 'docker');
    assert.equal(containerizerFor({ ...dockerTask(), container: { type: 'MESOS' } }), 'mesos');
    assert.equal(stopSeconds(3000, 0), 3);
    assert.equal(stopSeconds(1500, 0), 2);
    assert.equal(stopSeconds(0, 10), 10);
    assert.deepEqual(parseVersion('20.10.24+dfsg1'), [20, 10, 24]);
    assert.deepEqual(parseVersion('1.13'), [1, 13, 0]);
    assert.equal(parseVersion('dev'), undefined);
    assert.equal(versionAtLeast([0, 9, 1], [1, 0, 0]), false);
    assert.equal(versionAtLeast([1, 0, 0], [1, 0, 0]), true);
    assert.equal(versionAtLeast([17, 3, 1], [1, 13, 1]), true);
  });
});

describe('Docker log positions (pure)', () => {
  function frame(stream: 1 | 2, ts: string, text: string): Buffer {
    const payload = Buffer.from(`${ts} ${text}`);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  }

  test('frames split anywhere are reassembled; timestamps are stripped', () => {
    const all = Buffer.concat([frame(1, '2026-01-01T00:00:01.000000001Z', 'one\n'), frame(2, '2026-01-01T00:00:02.5Z', 'two\n')]);
    for (let cut = 0; cut <= all.length; cut++) {
      const p = new FrameParser();
      const frames = [...p.push(all.subarray(0, cut)), ...p.push(all.subarray(cut))];
      assert.deepEqual(
        frames.map((f) => [f.stream, f.second, f.data.toString()]),
        [
          ['stdout', Date.UTC(2026, 0, 1, 0, 0, 1) / 1000, 'one\n'],
          ['stderr', Date.UTC(2026, 0, 1, 0, 0, 2) / 1000, 'two\n'],
        ],
        `cut at ${cut}`,
      );
    }
  });

  test('since trails the newest entry by the reorder margin; skip counts what was copied since then', () => {
    const t = new PositionTracker();
    for (const s of [100, 100, 101, 104, 106, 107]) t.add(s);
    t.advance();
    assert.equal(t.since, 107 - REORDER_MARGIN_SECS);
    assert.equal(t.count(), 3, 'the entries at 104, 106 and 107');
    t.add(101); // older than since: Docker will not return it when resuming
    assert.equal(t.count(), 3);
    t.add(103);
    assert.equal(t.count(), 4);
  });
});

// ---------------------------------------------------------------- the start-up check (fake daemons)

/** A Docker API that answers /_ping and /version like a daemon of `version` would. */
async function fakeDocker(socket: string, version: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.end('OK');
      return;
    }
    if (req.url?.split('?')[0]?.endsWith('/version')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ Version: version, ApiVersion: '1.10', Os: 'linux', Arch: 'amd64' }));
      return;
    }
    res.statusCode = 404;
    res.end('{"message":"page not found"}');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return server;
}

function assertOneLineError(res: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(res.code, 1, `exit code, stderr: ${res.stderr}`);
  const lines = res.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${res.stderr}`);
  assert.match(lines[0]!, pattern);
}

describe('Docker version check at agent start-up', () => {
  const dir = tempDir('fake-docker');
  after(async () => {
    // Agents that passed the check were killed after a while; their task supervisors go too.
    await stopSupervisor(path.join(dir, 'run'));
    await stopSupervisor(path.join(dir, 'run2'));
    rmSync(dir, { recursive: true, force: true });
  });
  const agentArgs = (socket: string) => [
    'agent',
    '--master=127.0.0.1:1',
    `--work_dir=${path.join(dir, 'work')}`,
    `--runtime_dir=${path.join(dir, 'run')}`,
    '--containerizers=docker,mesos',
    `--docker_socket=${socket}`,
  ];

  test('an old Docker: the agent exits 1 with one line naming the version, the minimum and the env file', async () => {
    const socket = path.join(dir, 'old.sock');
    const server = await fakeDocker(socket, '0.9.1');
    try {
      const res = await runMesos(agentArgs(socket), 20_000);
      assertOneLineError(
        res,
        new RegExp(
          `^mesos agent: Docker 0\\.9\\.1 found at ${socket.replace(/[.]/g, '\\.')}, 1\\.0\\.0 or newer required; .*see /etc/mesos/mesos-slave-env\\.sh`,
        ),
      );
      // The minimum is a flag: the same daemon passes a lower one.
      const ok = await runMesos([...agentArgs(socket), '--docker_min_version=0.9'], 3000);
      assert.match(ok.stderr, /Docker 0\.9\.1 \(API 1\.10\) at /);
      assert.doesNotMatch(ok.stderr, /or newer required/);
    } finally {
      server.close();
    }
  });

  test('no daemon: no such socket, or connection refused, each in one line', async () => {
    assertOneLineError(
      await runMesos(agentArgs(path.join(dir, 'missing.sock')), 20_000),
      /^mesos agent: cannot reach Docker at \S+missing\.sock: no such socket; is dockerd running \(systemctl start docker\)\?$/,
    );
    // A socket file nobody listens on any more (its daemon was killed).
    const stale = path.join(dir, 'stale.sock');
    const holder: ChildProcess = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)})`], {
      stdio: 'ignore',
    });
    await waitFor('socket file', () => existsSync(stale));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    assertOneLineError(
      await runMesos(agentArgs(stale), 20_000),
      /^mesos agent: cannot reach Docker at \S+stale\.sock: connection refused; is dockerd running \(systemctl start docker\)\?$/,
    );
  });

  test('without docker in --containerizers, no daemon is needed', async () => {
    const res = await runMesos(
      [
        'agent',
        '--master=127.0.0.1:1',
        `--work_dir=${path.join(dir, 'work2')}`,
        `--runtime_dir=${path.join(dir, 'run2')}`,
        `--docker_socket=${path.join(dir, 'missing.sock')}`,
      ],
      3000,
    );
    assert.doesNotMatch(res.stderr, /Docker/);
  });
});

// ---------------------------------------------------------------- against the real dockerd

const unavailable = await dockerUnavailable();

interface AgentState {
  id: string;
  frameworks: {
    executors: { id: string; container: string; directory: string }[];
    completed_executors: { id: string; container: string; directory: string }[];
  }[];
  completed_frameworks: { completed_executors: { id: string; container: string; directory: string }[] }[];
}

describe('Docker containerizer with the real dockerd', { skip: unavailable ? `Docker tests skipped: ${unavailable}` : false }, () => {
  let master: Daemon;
  let agent: Daemon;
  const agentArgs = [
    '--containerizers=docker,mesos',
    '--docker_remove_delay=3secs',
    '--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]',
  ];

  before(async () => {
    await ensureTestImage();
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master, agentArgs);
  });
  after(() => stopDockerCluster(master, agent));

  async function executor(taskId: string): Promise<{ container: string; directory: string }> {
    return waitFor(`executor of ${taskId}`, async () => {
      const s = await agent.json<AgentState>('/state');
      const all = [
        ...s.frameworks.flatMap((f) => [...f.executors, ...f.completed_executors]),
        ...s.completed_frameworks.flatMap((f) => f.completed_executors),
      ];
      return all.find((e) => e.id === taskId);
    });
  }

  function resources(cpus: number, mem: number, ports?: [number, number]): Resource[] {
    const r: Resource[] = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
    ];
    if (ports) r.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: ports[0], end: ports[1] }] } });
    return r;
  }

  function container(id: string, offer: Offer, command: string, docker: Record<string, unknown> = {}, res = resources(0.1, 32)): TaskInfo {
    return {
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { value: command },
      resources: res,
      container: { type: 'DOCKER', docker: { image: TEST_IMAGE, network: 'HOST', ...docker } },
    };
  }

  async function terminal(s: TestScheduler, id: string, timeoutMs = 30_000): Promise<TaskStatus> {
    return waitFor(
      `${id} terminal`,
      () => s.updates(id).find((u) => ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR'].includes(u.state)),
      timeoutMs,
    );
  }

  test("the guide's smoke test with --docker_image and --containerizer=docker", async () => {
    const run = runMesos(
      [
        'execute',
        '--command=/bin/sleep 10',
        `--master=127.0.0.1:${master.port}`,
        '--name=whizbang',
        `--docker_image=${TEST_IMAGE}`,
        '--containerizer=docker',
      ],
      60_000,
    );
    // While it runs it is a Docker container named mesos-<container id>, owned by this agent.
    const ex = await executor('whizbang');
    const inspect = await waitFor('the container', () =>
      dockerClient()
        .getContainer(`mesos-${ex.container}`)
        .inspect()
        .catch(() => undefined),
    );
    assert.equal(inspect.Config.Image, TEST_IMAGE);
    assert.equal(inspect.Config.Labels['mesos-ts.work_dir'], agent.workDir);
    assert.equal(inspect.HostConfig.NetworkMode, 'host');
    assert.ok(inspect.HostConfig.Binds?.includes(`${ex.directory}:/mnt/mesos/sandbox`), JSON.stringify(inspect.HostConfig.Binds));
    const res = await run;
    assert.equal(res.code, 0, `exit code; stdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
    const states = [...res.stdout.matchAll(/Received status update (TASK_\w+) for task 'whizbang'/g)].map((m) => m[1]);
    assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.match(res.stdout, /message: 'Container exited with status 0'/);
    assert.ok(res.ms >= 10_000, `the task slept 10 s, the command took ${res.ms} ms`);
    // --docker_remove_delay=3secs: the finished container goes away.
    await waitFor(
      'the container removed',
      async () =>
        !(await dockerClient()
          .getContainer(`mesos-${ex.container}`)
          .inspect()
          .then(
            () => true,
            () => false,
          )),
      20_000,
    );
  });

  test('output goes to the sandbox; a failing container is TASK_FAILED with its exit status', async () => {
    const res = await runMesos(
      [
        'execute',
        `--master=127.0.0.1:${master.port}`,
        '--name=failing',
        `--docker_image=${TEST_IMAGE}`,
        '--containerizer=docker',
        '--command=echo to-stdout; echo to-stderr >&2; echo "sandbox=$MESOS_SANDBOX task=$MESOS_TASK_ID"; exit 3',
      ],
      60_000,
    );
    assert.notEqual(res.code, 0);
    assert.match(res.stdout, /Received status update TASK_FAILED for task 'failing'/);
    assert.match(res.stdout, /message: 'Container exited with status 3'/);
    const ex = await executor('failing');
    assert.equal(readFileSync(path.join(ex.directory, 'stdout'), 'utf8'), 'to-stdout\nsandbox=/mnt/mesos/sandbox task=failing\n');
    assert.equal(readFileSync(path.join(ex.directory, 'stderr'), 'utf8'), 'to-stderr\n');
  });

  test('--containerizer=mesos with an image fails clearly (no image provisioner)', async () => {
    const res = await runMesos(
      ['execute', `--master=127.0.0.1:${master.port}`, '--name=mesos-image', `--docker_image=${TEST_IMAGE}`, '--command=true'],
      60_000,
    );
    assert.notEqual(res.code, 0);
    assert.match(res.stdout, /TASK_FAILED/);
    assert.match(res.stdout, /no image provisioner.*--containerizer=docker/);
  });

  test('kill: docker stop with the grace period, TASK_KILLING then TASK_KILLED', async () => {
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe({ capabilities: [{ type: 'TASK_KILLING_STATE' }] });
      // PID 1 of a container ignores SIGTERM unless it handles it: the stop ends with SIGKILL.
      await s.launch((o) => [
        { ...container('to-kill', o, 'echo started; sleep 300'), kill_policy: { grace_period: { nanoseconds: 1e9 } } },
      ]);
      const running = await s.waitState('to-kill', 'TASK_RUNNING');
      const started = Date.now();
      await s.client.call({ type: 'KILL', kill: { task_id: { value: 'to-kill' }, agent_id: running.agent_id! } });
      const end = await terminal(s, 'to-kill');
      assert.equal(end.state, 'TASK_KILLED');
      assert.equal(end.message, 'Container exited with status 137');
      assert.ok(s.updates('to-kill').some((u) => u.state === 'TASK_KILLING'));
      const took = Date.now() - started;
      assert.ok(took >= 900 && took < 10_000, `killed after the 1 s grace period (${took} ms)`);
      // A container that handles SIGTERM ends within the grace period; a clean exit is a success, as in Mesos.
      await s.launch((o) => [
        {
          ...container('graceful', o, 'trap "echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done'),
          kill_policy: { grace_period: { nanoseconds: 20e9 } },
        },
      ]);
      const r2 = await s.waitState('graceful', 'TASK_RUNNING');
      const ex = await executor('graceful');
      await waitFor('ready', () => readFileSync(path.join(ex.directory, 'stdout'), 'utf8').includes('ready'));
      await s.client.call({ type: 'KILL', kill: { task_id: { value: 'graceful' }, agent_id: r2.agent_id! } });
      const end2 = await terminal(s, 'graceful');
      assert.equal(end2.state, 'TASK_FINISHED');
      assert.equal(readFileSync(path.join(ex.directory, 'stdout'), 'utf8'), 'ready\nbye\n');
    } finally {
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
    }
  });

  test('cpu shares and memory limit from the task resources are visible in docker inspect', async () => {
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe();
      await s.launch((o) => [
        container(
          'limits',
          o,
          'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; sleep 300',
          {},
          resources(1.5, 96),
        ),
      ]);
      const running = await s.waitState('limits', 'TASK_RUNNING');
      const ex = await executor('limits');
      const inspect = await dockerClient().getContainer(`mesos-${ex.container}`).inspect();
      assert.equal(inspect.HostConfig.CpuShares, 1536);
      assert.equal(inspect.HostConfig.Memory, 96 * 1024 * 1024);
      assert.equal(inspect.HostConfig.Privileged, false);
      // The kernel enforces it: the container sees the limit in its cgroup.
      await waitFor('limit printed', () => readFileSync(path.join(ex.directory, 'stdout'), 'utf8').trim() === String(96 * 1024 * 1024));
      await s.client.call({ type: 'KILL', kill: { task_id: { value: 'limits' }, agent_id: running.agent_id! } });
      await terminal(s, 'limits');
    } finally {
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
    }
  });

  test('a BRIDGE port mapping from the offered ports is reachable on loopback', async () => {
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe();
      let hostPort = 0;
      await s.launch((o) => {
        const range = o.resources!.find((r) => r.name === 'ports')!.ranges!.range![0]!;
        hostPort = range.begin + 7;
        return [
          container(
            'web',
            o,
            'mkdir -p /www && echo "hello from $HOSTNAME" > /www/index.html && exec httpd -f -p 8080 -h /www',
            { network: 'BRIDGE', port_mappings: [{ host_port: hostPort, container_port: 8080, protocol: 'tcp' }] },
            resources(0.1, 32, [hostPort, hostPort]),
          ),
        ];
      });
      const running = await s.waitState('web', 'TASK_RUNNING');
      const body = await waitFor('the page', async () => {
        const r = await fetch(`http://127.0.0.1:${hostPort}/index.html`);
        return r.ok ? r.text() : undefined;
      });
      assert.match(body, /^hello from \w+/);
      const ex = await executor('web');
      const inspect = await dockerClient().getContainer(`mesos-${ex.container}`).inspect();
      assert.equal(inspect.HostConfig.NetworkMode, 'bridge');
      await s.client.call({ type: 'KILL', kill: { task_id: { value: 'web' }, agent_id: running.agent_id! } });
      await terminal(s, 'web');
      // A mapping outside the task's ports is refused, in Mesos's words.
      await s.launch((o) => [
        container(
          'bad-port',
          o,
          'true',
          { network: 'BRIDGE', port_mappings: [{ host_port: 45000, container_port: 80 }] },
          resources(0.1, 32, [31050, 31050]),
        ),
      ]);
      const bad = await terminal(s, 'bad-port');
      assert.equal(bad.state, 'TASK_FAILED');
      assert.equal(bad.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
      assert.match(bad.message ?? '', /Port \[45000\] not included in resources/);
    } finally {
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
    }
  });

  test("an image that cannot be pulled: TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, with the daemon's reason", async () => {
    const s = new TestScheduler(master.port);
    try {
      await s.subscribe();
      // A registry on a closed port fails at once, without any network access.
      await s.launch((o) => [container('no-image', o, 'true', { image: '127.0.0.1:1/mesos-ts-test/absent:1' })]);
      const end = await terminal(s, 'no-image');
      assert.equal(end.state, 'TASK_FAILED');
      assert.equal(end.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
      assert.match(end.message ?? '', /^Failed to pull image '127\.0\.0\.1:1\/mesos-ts-test\/absent:1': .*connection refused/);
      assert.ok(!s.updates('no-image').some((u) => u.state === 'TASK_RUNNING'));
      // force_pull_image pulls even an image that is here: ours exists in no registry.
      await s.launch((o) => [container('forced', o, 'true', { force_pull_image: true })]);
      const forced = await terminal(s, 'forced', 60_000);
      assert.equal(forced.state, 'TASK_FAILED');
      assert.match(forced.message ?? '', /^Failed to pull image 'mesos-ts-test\/busybox:1': \S/);
    } finally {
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
    }
  });

  test('agent kill -9: a running container goes on with its output intact, one that ended meanwhile keeps its exit status, orphans are removed', async () => {
    const s = new TestScheduler(master.port);
    const docker = dockerClient();
    try {
      await s.subscribe({ checkpoint: true });
      // `steady` prints a numbered line every 50 ms, before, during and after the outage, until
      // told to stop; `outage` waits for a file, then prints 200 lines and exits 5.
      await s.launch((o) => [
        container(
          'steady',
          o,
          'i=0; while [ ! -f $MESOS_SANDBOX/stop ]; do echo "line $i"; echo "err $i" >&2; i=$((i+1)); sleep 0.05; done; echo last',
        ),
        container(
          'outage',
          o,
          'echo start; while [ ! -f $MESOS_SANDBOX/go ]; do sleep 0.05; done; i=0; while [ $i -lt 200 ]; do echo "out $i"; i=$((i+1)); done; exit 5',
        ),
      ]);
      await s.waitState('steady', 'TASK_RUNNING');
      await s.waitState('outage', 'TASK_RUNNING');
      const steady = await executor('steady');
      const outage = await executor('outage');
      // Long enough (> the 5 s reorder margin) that the copy resumes from a `since` past the start.
      await waitFor(
        'steady output copied',
        () => readFileSync(path.join(steady.directory, 'stdout'), 'utf8').includes('line 150\n'),
        30_000,
      );

      // Containers no task owns: one of this agent (by its label) is removed on recovery, one of
      // another agent is left alone.
      const mine = await docker.createContainer({
        name: 'mesos-orphan-of-test',
        Image: TEST_IMAGE,
        Cmd: ['sleep', '300'],
        Labels: { 'mesos-ts.work_dir': agent.workDir },
      });
      await mine.start();
      const other = await docker.createContainer({
        name: 'mesos-other-agent-test',
        Image: TEST_IMAGE,
        Cmd: ['sleep', '300'],
        Labels: { 'mesos-ts.work_dir': '/elsewhere' },
      });
      await other.start();

      agent.proc.kill('SIGKILL');
      await agent.waitExit();
      writeFileSync(path.join(outage.directory, 'go'), '');
      await waitFor(
        'outage container ended',
        async () => !(await docker.getContainer(`mesos-${outage.container}`).inspect()).State.Running,
      );
      await sleep(1000); // steady keeps printing with nobody copying

      agent = await startAgent(master, agentArgs, { workDir: agent.workDir, port: agent.port });
      assert.match(
        agent.output,
        /Recovered agent \S+: \d+ frameworks, 1 running tasks re-attached, 1 ended while the agent was down, 0 launched now, 0 lost, 1 orphan/,
      );
      assert.match(agent.output, /Killing Docker container mesos-orphan-of-test .*no checkpointed task owns it/);

      const failed = await terminal(s, 'outage');
      assert.equal(failed.state, 'TASK_FAILED');
      assert.equal(failed.message, 'Container exited with status 5');
      const expectOutage = ['start', ...Array.from({ length: 200 }, (_, i) => `out ${i}`)].join('\n') + '\n';
      assert.equal(
        readFileSync(path.join(outage.directory, 'stdout'), 'utf8'),
        expectOutage,
        'output written while the agent was down is all there',
      );

      await sleep(500);
      writeFileSync(path.join(steady.directory, 'stop'), '');
      const done = await terminal(s, 'steady');
      assert.equal(done.state, 'TASK_FINISHED');
      const lines = readFileSync(path.join(steady.directory, 'stdout'), 'utf8').split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.pop(), 'last');
      assert.ok(lines.length > 40, `printed before, during and after the outage (${lines.length} lines)`);
      assert.deepEqual(
        lines,
        lines.map((_, i) => `line ${i}`),
        'every line exactly once, in order',
      );
      const errs = readFileSync(path.join(steady.directory, 'stderr'), 'utf8').trim().split('\n');
      assert.deepEqual(
        errs,
        errs.map((_, i) => `err ${i}`),
      );
      assert.equal(errs.length, lines.length);
      for (const id of ['steady', 'outage']) {
        assert.deepEqual(s.updates(id).filter((u) => u.state === 'TASK_RUNNING').length, 1, `${id}: TASK_RUNNING once`);
      }

      await waitFor(
        'orphan removed',
        async () =>
          !(await docker
            .getContainer('mesos-orphan-of-test')
            .inspect()
            .then(
              () => true,
              () => false,
            )),
      );
      assert.equal((await other.inspect()).State.Running, true, "another agent's container is left alone");
    } finally {
      await docker
        .getContainer('mesos-orphan-of-test')
        .remove({ force: true })
        .catch(() => undefined);
      await docker
        .getContainer('mesos-other-agent-test')
        .remove({ force: true })
        .catch(() => undefined);
      await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      s.close();
    }
  });

  test('the Mesos containerizer keeps working beside it', async () => {
    const res = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, '--name=plain', '--command=echo plain'], 60_000);
    assert.equal(res.code, 0, res.stdout);
    assert.match(res.stdout, /message: 'Command exited with status 0'/);
    assert.equal((await containersOf(agent.workDir)).filter((c) => c.Names.some((n) => n.includes('plain'))).length, 0);
  });
});
