// The `mesos` binary's command line: dispatch, busybox names, --help/--version, and the one-line
// errors for bad flags, environment variables and files.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { agentFlagDefs } from '../../daemons/agent/flags.ts';
import { executeFlagDefs } from '../../daemons/cli/execute-flags.ts';
import { masterFlagDefs } from '../../daemons/master/flags.ts';
import { BUNDLE, type Daemon, freePort, runMesos, spawnMesos, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';

const daemons: Daemon[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

/** A user-facing error: exit 1, exactly one line on stderr, no stack trace. */
function assertOneLineError(res: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(res.code, 1, `exit code, stderr: ${res.stderr}`);
  const lines = res.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${res.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
}

test('mesos --version, mesos help, unknown commands', async () => {
  const v = await runMesos(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^mesos 1\.11\.0 \(mesos-ts \d+\.\d+\.\d+\)\n$/);
  const help = await runMesos(['help']);
  assert.equal(help.code, 0);
  for (const cmd of ['master', 'agent', 'execute', 'local']) assert.match(help.stdout, new RegExp(`^  ${cmd}\\s`, 'm'));
  const none = await runMesos([]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Usage: mesos <command>/);
  const bogus = await runMesos(['bogus']);
  assert.equal(bogus.code, 1);
  assert.match(bogus.stderr, /'bogus' is not a valid command/);
  const dash = await runMesos(['--port=1', 'master']);
  assert.equal(dash.code, 1);
  assert.match(dash.stderr, /Not expecting '--port=1' before command/);
});

test('--help of each program lists every flag with its default', async () => {
  for (const [cmd, defs] of [
    ['master', masterFlagDefs],
    ['agent', agentFlagDefs],
    ['execute', executeFlagDefs],
  ] as const) {
    const res = await runMesos(['help', cmd]);
    assert.equal(res.code, 0, `${cmd}: ${res.stderr}`);
    for (const def of defs) {
      assert.match(res.stdout, new RegExp(`--(\\[no-\\])?${def.name}\\b`), `${cmd} --help lists --${def.name}`);
      if ('default' in def && def.default !== undefined && def.default !== '') {
        assert.ok(res.stdout.includes(def.default), `${cmd} --help shows the default of --${def.name} (${def.default})`);
      }
    }
  }
});

test('the binary runs as mesos-master, mesos-agent, mesos-slave and mesos-execute through links', async () => {
  const dir = tempDir('links');
  try {
    for (const name of ['mesos-master', 'mesos-agent', 'mesos-slave', 'mesos-execute']) {
      const link = path.join(dir, BUNDLE.endsWith('.cjs') ? `${name}` : name);
      symlinkSync(BUNDLE, link);
      const { spawnSync } = await import('node:child_process');
      const args = BUNDLE.endsWith('.cjs') ? [link, '--help'] : ['--help'];
      const file = BUNDLE.endsWith('.cjs') ? process.execPath : link;
      const res = spawnSync(file, args, { encoding: 'utf8', argv0: name });
      assert.equal(res.status, 0, `${name}: ${res.stderr}`);
      const expected = name === 'mesos-execute' ? /--command/ : name === 'mesos-master' ? /--allocation_interval/ : /--containerizers/;
      assert.match(res.stdout, expected, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags, environment and files give one clear line and exit 1', async () => {
  assertOneLineError(await runMesos(['master', '--prot=5050']), /unknown flag '--prot'; did you mean '--port'\?/);
  assertOneLineError(await runMesos(['master', '--port', '5050']), /--port=5050/);
  assertOneLineError(await runMesos(['master', '--port=99999']), /'--port'.*65535/);
  assertOneLineError(
    await runMesos(['master', '--work_dir=/tmp/x'], 10_000, { MESOS_PORT: 'abc' }),
    /invalid value 'abc' for flag '--port' \(from MESOS_PORT\)/,
  );
  assertOneLineError(await runMesos(['master', '--port=file:///nonexistent/port']), /\/nonexistent\/port.*'--port'/);
  assertOneLineError(await runMesos(['master', '--allocation_interval=soon']), /allocation_interval/);
  assertOneLineError(await runMesos(['master']), /--work_dir is required/);
  assertOneLineError(
    await runMesos(['master', '--zk=zk://127.0.0.1:2181/mesos', '--work_dir=/tmp/x']),
    /^mesos master: Need to specify --quorum for replicated log based registry when using ZooKeeper: pass --quorum=2/,
  );
  assertOneLineError(await runMesos(['master', '--zk=zk://127.0.0.1:2181/', '--quorum=1', '--work_dir=/tmp/x']), /chroot/);
  assertOneLineError(await runMesos(['master', '--master_contender=c.so', '--work_dir=/tmp/x']), /--master_contender: .*--zk=zk:\/\//);
  assertOneLineError(
    await runMesos(['master', '--authenticate_frameworks', '--work_dir=/tmp/x']),
    /--authenticate_http_frameworks needs --credentials=file:/,
  );
  assertOneLineError(
    await runMesos(['agent', '--master=127.0.0.1:1', '--acls={"view_task": []}', '--work_dir=/tmp/x']),
    /--acls: unknown action 'view_task'/,
  );
  assertOneLineError(
    await runMesos(['agent', '--master=127.0.0.1:1', '--authenticate_http_readonly', '--work_dir=/tmp/x']),
    /--authenticate_http_readonly needs --http_credentials=file:/,
  );
  assertOneLineError(await runMesos(['agent', '--work_dir=/tmp/x']), /--master/);
  assertOneLineError(
    await runMesos(['agent', '--master=zk://127.0.0.1:2181', '--work_dir=/tmp/x']),
    /--master.*Expecting a \(chroot\) path for ZooKeeper/,
  );
  assertOneLineError(await runMesos(['agent', '--master=nonsense', '--work_dir=/tmp/x']), /--master.*host:port/);
  assertOneLineError(await runMesos(['agent', '--master=127.0.0.1:1', '--resources=cpus:abc', '--work_dir=/tmp/x']), /--resources.*abc/);
  assertOneLineError(await runMesos(['agent', '--master=127.0.0.1:1', '--attributes=rack', '--work_dir=/tmp/x']), /--attributes.*rack/);
  assertOneLineError(
    await runMesos(['agent', '--master=127.0.0.1:1', '--containerizers=lxc', '--work_dir=/tmp/x']),
    /'lxc' for flag '--containerizers'/,
  );
  assertOneLineError(
    await runMesos(['agent', '--master=127.0.0.1:1', '--work_dir=/etc/hostname/sub']),
    /--work_dir=\/etc\/hostname\/sub is not a writable directory/,
  );
  assertOneLineError(await runMesos(['execute', '--master=127.0.0.1:1', '--command=true']), /--name/);
  assertOneLineError(await runMesos(['execute', '--name=x', '--command=true']), /master/);
  assertOneLineError(
    await runMesos(['execute', '--master=127.0.0.1:1', '--name=x', '--command=true', '--resources=cpus:x']),
    /--resources/,
  );
  assertOneLineError(await runMesos(['execute', '--master=127.0.0.1:1', '--name=x', '--command=true', '--env=[1]']), /--env/);
  assertOneLineError(
    await runMesos(['execute', '--master=zk://h:2181', '--name=x', '--command=true']),
    /--master.*Expecting a \(chroot\) path for ZooKeeper/,
  );
  assertOneLineError(
    await runMesos(['execute', '--master=127.0.0.1:1', '--name=x', '--command=true']),
    /connection refused .*check --master/,
  );
});

test("--roles, deprecated and without effect, must still list valid roles, as Mesos's master checks at start", async () => {
  const res = await runMesos(['master', '--roles=web,-x', '--registry=in_memory', `--port=${await freePort()}`], 10_000);
  assert.equal(res.code, 1, `exit code, stderr: ${res.stderr}`);
  const lines = res.stderr.trim().split('\n');
  assert.deepEqual(lines, [
    "mesos master: warning: flag '--roles' is deprecated: any role may be used when it is not set",
    "mesos master: invalid value 'web,-x' for flag '--roles': Role component '-x' is invalid because it starts with a dash",
  ]);
});

test('MESOS_master (any case) in the environment points an agent at its master', async () => {
  const master = await startMaster();
  daemons.push(master);
  const port = await freePort();
  const workDir = tempDir('envagent');
  const proc = spawnMesos(['agent', '--ip=127.0.0.1', `--port=${port}`, '--resources=cpus:1;mem:256'], {
    MESOS_master: `127.0.0.1:${master.port}`,
    MESOS_WORK_DIR: workDir,
    MESOS_runtime_dir: path.join(workDir, 'run'),
  });
  const { Daemon: D } = await import('../helpers/cluster.ts');
  const agent = new D('agent', proc, port, workDir);
  agent.runtimeDir = path.join(workDir, 'run');
  daemons.push(agent);
  await waitFor('agent registered through MESOS_master', async () => {
    const s = await master.json<{ slaves: { pid: string }[] }>('/master/slaves');
    return s.slaves.some((a) => a.pid.endsWith(`:${port}`));
  });
});

test('mesos local runs a single-node cluster that mesos execute can use, and stops on SIGINT', async () => {
  const port = await freePort();
  const agentPort = await freePort();
  const workDir = tempDir('local');
  mkdirSync(workDir, { recursive: true });
  const proc = spawnMesos(['local', `--port=${port}`, `--agent_port=${agentPort}`, `--work_dir=${workDir}`, '--resources=cpus:2;mem:1024']);
  const { Daemon: D } = await import('../helpers/cluster.ts');
  const local = new D('local', proc, port, workDir);
  try {
    await waitFor('local cluster with an agent', async () => {
      const s = await local.json<{ slaves: unknown[] }>('/master/slaves');
      return s.slaves.length === 1;
    });
    const res = await runMesos(['execute', `--master=127.0.0.1:${port}`, '--name=hello', '--command=echo hello']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(local.output, /Single-node cluster running: master http:\/\/127\.0\.0\.1:\d+/);
  } finally {
    await local.stop('SIGINT');
  }
  assert.equal(local.exited?.code, 0, local.output);
  rmSync(workDir, { recursive: true, force: true });
});
