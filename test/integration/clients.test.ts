// The client libraries shipped as python-mesos and mesos-java, against a real master and agent:
// the Python unittest suite (unit tests plus the example scheduler run to TASK_FINISHED), and
// the Java build, its test runner and HelloScheduler. Each part skips, saying why, when its
// toolchain (python3, javac/java) is missing. MESOS_TEST_PYTHONS (space or comma separated)
// runs the Python suite under several interpreters, e.g. a Python 3.6 like CentOS 7's.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { announce } from '../helpers/announce.ts';
import { ROOT, freePort, startCluster, tempDir } from '../helpers/cluster.ts';
import { ZooKeeperCluster, classpath as zookeeperClasspath, zookeeperUnavailable } from '../helpers/zookeeper.ts';

const PYTHON_ROOT = path.join(ROOT, 'clients', 'python');
const JAVA_ROOT = path.join(ROOT, 'clients', 'java');

interface Run {
  code: number | null;
  output: string;
}

/** Runs a command to completion, stdout and stderr interleaved; SIGKILL after timeoutMs. */
function run(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Why a tool cannot be used, or undefined when it runs. */
function missing(file: string, args: string[], what: string): string | undefined {
  const res = spawnSync(file, args, { encoding: 'utf8' });
  if (res.error || res.status !== 0) return `${file} is not available (${what}); skipped`;
  return undefined;
}

const pythons = (process.env.MESOS_TEST_PYTHONS ?? 'python3').split(/[\s,]+/).filter((p) => p !== '');
const noJava =
  missing('javac', ['-version'], 'a JDK is needed to build mesos-java') ??
  missing('java', ['-version'], 'a JRE is needed to run the mesos-java tests');

let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
let masterAddress = '';

before(async () => {
  // /master/redirect names the master by its hostname; the list-of-masters tests follow it.
  cluster = await startCluster(['--hostname=127.0.0.1']);
  masterAddress = `127.0.0.1:${cluster.master.port}`;
});
after(async () => {
  await cluster?.stop();
});

describe('python-mesos (clients/python)', () => {
  for (const python of pythons) {
    const skip = missing(python, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 6) else 1)'], 'Python 3.6 or newer');
    test(`python3 -m unittest discover under ${python}: unit tests and the example scheduler to TASK_FINISHED`, { skip }, async () => {
      const res = await run(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-v'], {
        cwd: PYTHON_ROOT,
        env: { MESOS_TEST_MASTER: masterAddress, PYTHONDONTWRITEBYTECODE: '1' },
        timeoutMs: 240_000,
      });
      assert.equal(res.code, 0, res.output);
      // The integration tests ran against our cluster instead of skipping.
      assert.match(res.output, /test_the_example_scheduler_runs_a_task_to_task_finished .*\.\.\. ok/, res.output);
      assert.match(res.output, /test_launch_acknowledge_reconcile_kill_failover_and_teardown .*\.\.\. ok/, res.output);
      assert.match(res.output, /test_a_list_of_masters_finds_the_leader_through_master_redirect .*\.\.\. ok/, res.output);
      assert.match(res.output, /\nOK/, res.output);
    });
  }
});

describe('python-mesos with ZooKeeper (kazoo)', () => {
  const noKazoo =
    spawnSync(pythons[0] ?? 'python3', ['-c', 'import kazoo.client']).status === 0
      ? undefined
      : 'kazoo is not importable (optional; python-mesos needs it only for zk://); skipped';
  const skip = zookeeperUnavailable() ?? noKazoo;
  test('the example scheduler with --master=zk://... finds the leader in ZooKeeper', { skip }, async (t) => {
    if (!cluster) return t.skip('no cluster');
    const zk = await ZooKeeperCluster.standalone();
    try {
      const { session } = await announce(zk.url('/mesos'), cluster.master);
      try {
        const example = path.join(PYTHON_ROOT, 'examples', 'hello_scheduler.py');
        const res = await run(pythons[0] ?? 'python3', [example, '--master', zk.url('/mesos'), '--command', 'echo via-zk'], {
          timeoutMs: 90_000,
        });
        assert.equal(res.code, 0, res.output);
        assert.match(res.output, /Received status update TASK_FINISHED/);
      } finally {
        await session.close();
      }
    } finally {
      await zk.stop();
    }
  });
});

describe('mesos-java (clients/java)', { skip: noJava }, () => {
  let out = '';
  let built = false;
  const classpath = () => [path.join(out, 'mesos.jar'), path.join(out, 'test-classes')].join(path.delimiter);

  before(() => {
    out = tempDir('java');
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('build.sh compiles the library for Java 8 and packs mesos.jar', async () => {
    const res = await run('sh', [path.join(JAVA_ROOT, 'build.sh'), out], { timeoutMs: 180_000 });
    assert.equal(res.code, 0, res.output);
    assert.doesNotMatch(res.output, /warning/, res.output);
    const version = await run('java', ['-cp', path.join(out, 'mesos.jar'), 'mesos.Version'], { timeoutMs: 30_000 });
    assert.equal(version.code, 0, version.output);
    assert.match(version.output.trim(), /^\d+\.\d+\.\d+/);
    built = true;
  });

  test('the Java test runner passes (JSON, RecordIO, resources, HTTP, SchedulerClient on a fake master)', async (t) => {
    if (!built) return t.skip('the build failed');
    const res = await run('java', ['-cp', classpath(), 'io.mesosts.v1.TestMain'], { timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /\d+ passed, 0 failed/);
  });

  test('examples/HelloScheduler runs a task to TASK_FINISHED on the real cluster', async (t) => {
    if (!built) return t.skip('the build failed');
    const res = await run(
      'java',
      ['-cp', classpath(), 'HelloScheduler', `--master=${masterAddress}`, '--command=echo hello-from-java', '--timeout=60'],
      {
        timeoutMs: 90_000,
      },
    );
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /Subscribed with ID \S+/);
    assert.match(res.output, /Submitted task 'hello-\S+' to agent/);
    assert.match(res.output, /Received status update TASK_FINISHED/);
  });

  test('HelloScheduler with a list of masters finds the leader through /master/redirect', async (t) => {
    if (!built) return t.skip('the build failed');
    // The first master listed is down; the master's own /master/redirect names itself.
    const masters = `127.0.0.1:${await freePort()},${masterAddress}`;
    const res = await run('java', ['-cp', classpath(), 'HelloScheduler', `--master=${masters}`, '--command=echo via-redirect'], {
      timeoutMs: 90_000,
    });
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /Received status update TASK_FINISHED/);
  });

  test('HelloScheduler --master=zk://... finds the leader in ZooKeeper with its client on the classpath', {
    skip: zookeeperUnavailable(),
  }, async (t) => {
    if (!built || !cluster) return t.skip('the build failed');
    const zk = await ZooKeeperCluster.standalone();
    try {
      const { session } = await announce(zk.url('/mesos'), cluster.master);
      try {
        const cp = [classpath(), zookeeperClasspath()].join(path.delimiter);
        const res = await run('java', ['-cp', cp, 'HelloScheduler', `--master=${zk.url('/mesos')}`, '--command=echo via-zk'], {
          timeoutMs: 90_000,
        });
        assert.equal(res.code, 0, res.output);
        assert.match(res.output, /Received status update TASK_FINISHED/);
      } finally {
        await session.close();
      }
    } finally {
      await zk.stop();
    }
  });

  test('without a ZooKeeper client, zk:// is refused in one line naming the alternative', async (t) => {
    if (!built) return t.skip('the build failed');
    const res = await run('java', ['-cp', classpath(), 'HelloScheduler', '--master=zk://127.0.0.1:2181/mesos'], { timeoutMs: 30_000 });
    assert.equal(res.code, 1, res.output);
    assert.equal(res.output.trim().split('\n').length, 1, res.output);
    assert.match(res.output, /zk:\/\/ needs a ZooKeeper client .*host1:5050,host2:5050.*\/master\/redirect/);
  });

  test('HelloScheduler exits 1 when the task fails', async (t) => {
    if (!built) return t.skip('the build failed');
    const res = await run('java', ['-cp', classpath(), 'HelloScheduler', `--master=${masterAddress}`, '--command=exit 3', '--timeout=60'], {
      timeoutMs: 90_000,
    });
    assert.equal(res.code, 1, res.output);
    assert.match(res.output, /TASK_FAILED/);
    assert.match(res.output, /Command exited with status 3/);
  });
});
