// The `mesos` binary's day-2 commands against a real master and agent: task/agent/framework
// list, state, ps, cat, tail (-f following a file a task is still writing), ls, task kill (the
// task ends TASK_KILLED), their --json, and the one-line errors (no master, no such task,
// ambiguous task id, unreachable agent, 401).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AgentStateJson, MasterStateJson, TaskJson } from '../../daemons/common/state-types.ts';
import {
  ROOT,
  type Daemon,
  freePort,
  mesosCommand,
  runMesos,
  spawnMesos,
  startAgent,
  startCluster,
  startMaster,
  tempDir,
  waitFor,
} from '../helpers/cluster.ts';
import { TestScheduler, scalar, task } from '../helpers/scheduler.ts';
import { announce } from '../helpers/announce.ts';
import { makeCa, makeCert, tlsEnvironment } from '../helpers/tls-certs.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

let cluster: Awaited<ReturnType<typeof startCluster>>;
let master = '';
let first: TestScheduler;
let second: TestScheduler;
let firstId = '';
let secondId = '';

/** A task writing a numbered line every 100 ms, for as long as it runs. */
const WRITER = 'i=0; while true; do echo "line-$i"; i=$((i+1)); sleep 0.1; done';

before(async () => {
  cluster = await startCluster();
  master = `127.0.0.1:${cluster.master.port}`;
  first = new TestScheduler(cluster.master.port);
  firstId = await first.subscribe({ name: 'first-fw' });
  second = new TestScheduler(cluster.master.port);
  secondId = await second.subscribe({ name: 'second-fw' });
  await first.launch((o) => [
    task('writer', o, WRITER, 0.1, 32),
    task('done', o, 'printf "one\\ntwo\\nthree\\n"; echo oops >&2; mkdir -p sub; echo x > sub/file', 0.1, 32),
    task('dup', o, 'sleep 600', 0.1, 32),
    // About 230 KB: more than one /files/read (64 KB each).
    task('big', o, 'seq 1 40000', 0.1, 32),
  ]);
  await second.launch((o) => [task('dup', o, 'sleep 600', 0.1, 32)]);
  await first.waitState('writer', 'TASK_RUNNING');
  await first.waitState('done', 'TASK_FINISHED');
  await first.waitState('big', 'TASK_FINISHED');
  await first.waitState('dup', 'TASK_RUNNING');
  await second.waitState('dup', 'TASK_RUNNING');
});

after(async () => {
  first?.close();
  second?.close();
  await cluster?.stop();
});

async function mesos(args: string[], env: Record<string, string> = {}) {
  return runMesos(args, 30_000, env);
}

/** One line on stderr, the exit code given, no stack trace. */
function assertError(res: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(res.code, code, `exit code; stderr: ${res.stderr}`);
  const lines = res.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${res.stderr}`);
  assert.match(lines[0]!, pattern);
}

/** The rows of a table, split on runs of two or more blanks. */
function rows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {2,}/));
}

describe('lists', () => {
  test('task list: the running tasks with the Mesos CLI columns; --all adds the finished one', async () => {
    const res = await mesos(['task', 'list', `--master=${master}`]);
    assert.equal(res.code, 0, res.stderr);
    const table = rows(res.stdout);
    assert.deepEqual(table[0], ['ID', 'State', 'Framework ID', 'Executor ID']);
    const ids = table.slice(1).map((r) => `${r[0]} ${r[1]} ${r[2]}`);
    assert.deepEqual(ids.sort(), [`dup TASK_RUNNING ${firstId}`, `dup TASK_RUNNING ${secondId}`, `writer TASK_RUNNING ${firstId}`].sort());
    const all = await mesos(['task', 'list', '-a', `--master=${master}`]);
    assert.match(all.stdout, new RegExp(`^done\\s+TASK_FINISHED\\s+${firstId}`, 'm'));
    const json = await mesos(['task', 'list', '--all', '--json', `--master=${master}`]);
    const tasks = JSON.parse(json.stdout) as TaskJson[];
    assert.deepEqual(tasks.map((t) => t.id).sort(), ['big', 'done', 'dup', 'dup', 'writer']);
  });

  test('agent list and framework list, as tables and --json; MESOS_MASTER names the master', async () => {
    const agents = await mesos(['agent', 'list'], { MESOS_MASTER: master });
    assert.equal(agents.code, 0, agents.stderr);
    const state = (await cluster.master.json('/master/state')) as MasterStateJson;
    const agent = state.slaves[0]!;
    assert.deepEqual(rows(agents.stdout), [
      ['Agent ID', 'Hostname', 'Active'],
      [agent.id, agent.hostname, 'True'],
    ]);
    const agentsJson = JSON.parse((await mesos(['agent', 'list', '--json', `--master=${master}`])).stdout) as { id: string }[];
    assert.deepEqual(
      agentsJson.map((a) => a.id),
      [agent.id],
    );
    const frameworks = await mesos(['framework', 'list', `--master=${master}`]);
    assert.equal(frameworks.code, 0, frameworks.stderr);
    const table = rows(frameworks.stdout);
    assert.deepEqual(table[0], ['ID', 'Active', 'Hostname', 'Name']);
    // The schedulers of this test give no hostname: that column is blank.
    const listed = frameworks.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => /^(\S+)\s+(True|False)\s+(\S+)$/.exec(l)?.slice(1).join(' '));
    assert.deepEqual(listed.sort(), [`${firstId} True first-fw`, `${secondId} True second-fw`].sort());
    const fwJson = JSON.parse((await mesos(['framework', 'list', '--json', `--master=${master}`])).stdout) as { name: string }[];
    assert.deepEqual(fwJson.map((f) => f.name).sort(), ['first-fw', 'second-fw']);
  });

  test("state: the master's state, indented; --json on one line", async () => {
    const pretty = await mesos(['state', `--master=${master}`]);
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /^\{\n {2}"/);
    const parsed = JSON.parse(pretty.stdout) as MasterStateJson;
    assert.equal(parsed.frameworks.length, 2);
    const compact = await mesos(['state', '--json', `--master=${master}`]);
    assert.equal(compact.stdout.trimEnd().split('\n').length, 1);
    assert.equal((JSON.parse(compact.stdout) as MasterStateJson).slaves.length, 1);
  });

  test("ps: mesos-ps's columns, with the agent's statistics", async () => {
    const res = await mesos(['ps', `--master=${master}`]);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^USER {4}FRAMEWORK {4}TASK {6}SLAVE {14}MEM {16}TIME {14}CPU \(allocated\)$/);
    const writer = lines.find((l) => /^\S+\s+first-fw\s+writer\s/.test(l));
    assert.ok(writer, res.stdout);
    assert.match(writer, /\d+\.\d (B|KB|MB)\/\d+\.\d (KB|MB|GB)\s+\d\d:\d\d:\d\d\.\d{6}/);
    assert.equal(lines.length, 1 + 3, 'the header and the three active tasks');
    const json = JSON.parse((await mesos(['ps', '--json', `--master=${master}`])).stdout) as { task: string; framework: string }[];
    assert.deepEqual(json.map((r) => `${r.framework}/${r.task}`).sort(), ['first-fw/dup', 'first-fw/writer', 'second-fw/dup']);
  });
});

describe('sandbox files', () => {
  test('cat with the flags mesos-cat takes, and in the positional form', async () => {
    const flagged = await mesos(['cat', `--master=${master}`, `--framework=${firstId}`, '--task=done', '--file=stdout']);
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.equal(flagged.stdout, 'one\ntwo\nthree\n');
    const positional = await mesos(['cat', 'done', 'stderr', `--master=${master}`]);
    assert.equal(positional.stdout, 'oops\n');
    const json = JSON.parse((await mesos(['cat', 'done', 'stdout', '--json', `--master=${master}`])).stdout) as Record<string, string>;
    assert.equal(json.data, 'one\ntwo\nthree\n');
    assert.equal(json.task_id, 'done');
    assert.equal(json.framework_id, firstId);
    assert.match(json.path!, /\/stdout$/);
  });

  test('a file larger than one read: cat prints all of it, tail -n reads back only what it needs', async () => {
    const expected = Array.from({ length: 40000 }, (_, i) => `${i + 1}\n`).join('');
    const all = await mesos(['cat', 'big', 'stdout', `--master=${master}`]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout.length, expected.length);
    assert.equal(all.stdout, expected);
    const last = await mesos(['tail', '-n3', 'big', `--master=${master}`]);
    assert.equal(last.stdout, '39998\n39999\n40000\n');
    const json = await mesos(['tail', '--lines=20000', '--json', 'big', `--master=${master}`]);
    const chunks = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: number; data: string });
    assert.ok(chunks.length >= 2, 'one line per read');
    assert.equal(chunks.map((c) => c.data).join(''), Array.from({ length: 20000 }, (_, i) => `${i + 20001}\n`).join(''));
    assert.equal(chunks[0]!.offset, expected.length - chunks.map((c) => c.data).join('').length);
  });

  test('tail -n prints the last lines; without -n the last 10', async () => {
    const two = await mesos(['tail', '-n', '2', 'done', `--master=${master}`]);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout, 'two\nthree\n');
    const ten = await mesos(['tail', 'writer', `--master=${master}`]);
    const lines = ten.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 10);
    for (let i = 1; i < lines.length; i++) assert.equal(Number(lines[i]!.slice(5)), Number(lines[i - 1]!.slice(5)) + 1, ten.stdout);
  });

  test('tail -f follows a file the task is still writing, until interrupted', async () => {
    const proc = spawnMesos(['tail', '-f', '-n', '1', `--framework=${firstId}`, '--task=writer', '--interval=100ms', `--master=${master}`]);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      const firstLine = await waitFor('the first line', () => /^line-(\d+)\n/.exec(out)?.[1], 15_000);
      // Lines written after tail started arrive, in order, none missing.
      await waitFor('ten more lines', () => out.trimEnd().split('\n').length >= 11, 15_000);
      const numbers = out
        .trimEnd()
        .split('\n')
        .map((l) => Number(l.slice(5)));
      assert.deepEqual(
        numbers,
        numbers.map((_, i) => Number(firstLine) + i),
        out,
      );
    } finally {
      proc.kill('SIGINT');
    }
    assert.equal(await exited, 130, err);
  });

  test('a reader that goes away (mesos tail -f | head) ends the command quietly', async () => {
    const proc = spawnMesos(['tail', '-f', 'writer', '--interval=100ms', `--master=${master}`]);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
    proc.stdout!.destroy();
    assert.equal(await exited, 0, err);
    assert.equal(err, '');
  });

  test('ls lists the sandbox and a directory in it; --json gives /files/browse entries', async () => {
    const root = await mesos(['ls', 'done', `--master=${master}`]);
    assert.equal(root.code, 0, root.stderr);
    const names = root.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/).at(-1));
    for (const name of ['stdout', 'stderr', 'sub']) assert.ok(names.includes(name), root.stdout);
    assert.match(root.stdout, /^d[rwx-]{9}\s+\d+\s+\S+\s+\S+\s+\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d sub$/m);
    const sub = await mesos(['ls', '--task=done', '--path=sub', `--master=${master}`]);
    assert.match(sub.stdout, /^-rw\S+\s+1\s+\S+\s+\S+\s+2\s+.* file\n$/);
    const json = JSON.parse((await mesos(['ls', 'done', 'sub', '--json', `--master=${master}`])).stdout) as {
      path: string;
      size: number;
    }[];
    assert.equal(json.length, 1);
    assert.match(json[0]!.path, /\/sub\/file$/);
    assert.equal(json[0]!.size, 2);
  });
});

describe('errors: one line, exit 1 (2 for usage)', () => {
  test('ambiguous and missing task ids', async () => {
    const ambiguous = await mesos(['cat', 'dup', 'stdout', `--master=${master}`]);
    assertError(
      ambiguous,
      1,
      new RegExp(
        `task ID 'dup' is ambiguous: it is in frameworks .*${firstId}.*${secondId}|${secondId}.*${firstId}.*; pass --framework=ID`,
      ),
    );
    const chosen = await mesos(['tail', 'dup', `--framework=${secondId}`, `--master=${master}`]);
    assert.equal(chosen.code, 0, chosen.stderr);
    const missing = await mesos(['ls', 'nope', `--master=${master}`]);
    assertError(missing, 1, /^mesos ls: no task 'nope' is known to the master; see 'mesos task list --all'/);
    const prefix = await mesos(['cat', 'writ', 'stdout', `--master=${master}`]);
    assertError(prefix, 1, /no task 'writ'/);
    const noFile = await mesos(['cat', 'done', 'nothing-here', `--master=${master}`]);
    assertError(noFile, 1, /no file '.*\/nothing-here' in the sandbox of task 'done'/);
  });

  test('usage errors exit 2: no master, unknown flag, missing task', async () => {
    assertError(await mesos(['task', 'list']), 2, /no master given; pass --master=HOST:PORT .* or set MESOS_MASTER/);
    assertError(await mesos(['agent', 'list', '--master=a:1', '--bogus']), 2, /unknown flag '--bogus'/);
    assertError(await mesos(['cat', `--master=${master}`]), 2, /no task given/);
    assertError(await mesos(['task', 'kil', `--master=${master}`]), 2, /'kil' is not a subcommand of 'mesos task'; use 'mesos task list'/);
  });

  test('an unreachable master or agent is named with its address', async () => {
    const port = await freePort();
    assertError(
      await mesos(['state', `--master=127.0.0.1:${port}`]),
      1,
      new RegExp(`cannot reach the master at 127\\.0\\.0\\.1:${port}: connection refused`),
    );
    // A master whose state names an agent that is gone (killed; the master has not given up on it yet).
    const stopped = await startCluster();
    const s = new TestScheduler(stopped.master.port);
    try {
      await s.subscribe();
      await s.launch((o) => [task('lonely', o, 'sleep 600', 0.1, 32)]);
      await s.waitState('lonely', 'TASK_RUNNING');
      await stopped.agent.stop('SIGKILL');
      const res = await mesos(['cat', 'lonely', 'stdout', `--master=127.0.0.1:${stopped.master.port}`]);
      assertError(res, 1, new RegExp(`cannot reach agent '[^']+' at 127\\.0\\.0\\.1:${stopped.agent.port}: connection refused`));
    } finally {
      s.close();
      await stopped.stop();
    }
  });

  test('a master asking for credentials: 401 says to pass --principal and --secret; they are sent', async () => {
    const dir = tempDir('cli-ops-auth');
    const file = path.join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }] }));
    chmodSync(file, 0o600);
    let secured: Daemon | undefined;
    try {
      secured = await startMaster([`--credentials=file://${file}`, '--authenticate_http_readonly']);
      const at = `--master=127.0.0.1:${secured.port}`;
      assertError(await mesos(['framework', 'list', at]), 1, /HTTP 401: authentication is required; pass --principal and --secret/);
      assertError(await mesos(['framework', 'list', at, '--principal=ops', '--secret=wrong']), 1, /HTTP 401: the credential was refused/);
      const ok = await mesos(['framework', 'list', at, '--principal=ops', '--secret=ops-secret']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'There are no active frameworks in the cluster.\n');
    } finally {
      await secured?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('task kill', () => {
  test("kills a running task through its agent's KILL_CONTAINER: it ends TASK_KILLED; again, it has already ended", async () => {
    // The second framework's: the first declines what it holds for the rest of the file, so the
    // allocator offers it to the second, in an offer with room for both (it may also hold one of
    // only the 0.1 CPU and 32 MB a finished task freed).
    await first.declineUnused(3600);
    await second.launch((o) => [task('victim', o, 'sleep 600', 0.1, 32), task('victim-json', o, 'sleep 600', 0.1, 32)], {
      fits: (o) => scalar(o, 'cpus') >= 0.2 && scalar(o, 'mem') >= 64,
    });
    await second.waitState('victim', 'TASK_RUNNING');
    const res = await mesos(['task', 'kill', 'victim', `--master=${master}`]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`^Killed task 'victim' of framework '${secondId}' \\(container '[^']+' on agent '[^']+'\\); it ends TASK_KILLED\n$`),
    );
    const killed = await second.waitState('victim', 'TASK_KILLED');
    assert.equal(killed.state, 'TASK_KILLED');
    const again = await mesos(['task', 'kill', '--task=victim', `--master=${master}`]);
    assertError(again, 1, /^mesos task kill: task 'victim' has already ended \(TASK_KILLED\); nothing to kill$/);
  });

  test("--json names the container it killed, the agent's executor container of a command task", async () => {
    await second.waitState('victim-json', 'TASK_RUNNING');
    const agentState = (await cluster.agent.json('/state')) as AgentStateJson;
    const ex = agentState.frameworks.flatMap((f) => f.executors).find((e) => e.id === 'victim-json')!;
    const res = await mesos(['task', 'kill', 'victim-json', '--json', `--framework=${secondId}`, `--master=${master}`]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), {
      framework_id: secondId,
      task_id: 'victim-json',
      agent_id: agentState.id,
      container_id: { value: ex.container },
    });
    await second.waitState('victim-json', 'TASK_KILLED');
  });

  test('an ambiguous or unknown task id is one line, exit 1; no task id is a usage error', async () => {
    assertError(await mesos(['task', 'kill', 'dup', `--master=${master}`]), 1, /^mesos task kill: task ID 'dup' is ambiguous/);
    assertError(await mesos(['task', 'kill', 'nope', `--master=${master}`]), 1, /^mesos task kill: no task 'nope' is known to the master/);
    assertError(await mesos(['task', 'kill', `--master=${master}`]), 2, /no task given/);
  });
});

describe('--master=zk://...', { skip: zookeeperUnavailable() ?? false }, () => {
  test('the leader ZooKeeper names is asked; without one, the error names the group', async () => {
    const zk = await ZooKeeperCluster.standalone();
    try {
      const empty = await mesos(['agent', 'list', `--master=${zk.url('/nobody')}`, '--timeout=1secs']);
      assertError(empty, 1, /^mesos agent list: no leading master found in zk:\/\/.*\/nobody within 1s/);
      const { contender, session } = await announce(zk.url('/mesos'), cluster.master);
      try {
        const res = await mesos(['agent', 'list', '--json'], { MESOS_MASTER: zk.url('/mesos') });
        assert.equal(res.code, 0, res.stderr);
        assert.equal((JSON.parse(res.stdout) as unknown[]).length, 1);
        // A master that does not lead answers 307 to the leader, which is followed.
        const standby = await startMaster([`--zk=${zk.url('/mesos')}`, '--quorum=1', '--zk_session_timeout=2secs', '--hostname=127.0.0.1']);
        try {
          await waitFor(
            'the standby to know the leader',
            async () => (await fetch(`http://127.0.0.1:${standby.port}/master/state`, { redirect: 'manual' })).status === 307,
          );
          const redirected = await mesos(['agent', 'list', '--json', `--master=127.0.0.1:${standby.port}`]);
          assert.equal(redirected.code, 0, redirected.stderr);
          assert.equal((JSON.parse(redirected.stdout) as unknown[]).length, 1);
        } finally {
          await standby.stop();
        }
      } finally {
        await contender.withdraw();
        await session.close();
      }
    } finally {
      await zk.stop();
    }
  });
});

describe('bash completion (spec/mesos.bash-completion, installed by the RPM)', () => {
  const dir = tempDir('cli-ops-completion');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'mesos');
  const cmd = mesosCommand([]);
  writeFileSync(bin, `#!/bin/sh\nexec ${[cmd.file, ...cmd.args].map((a) => `'${a}'`).join(' ')} "$@"\n`);
  chmodSync(bin, 0o755);

  /** What completing the last word offers. */
  function complete(...words: string[]): string[] {
    const script = `source '${path.join(ROOT, 'spec', 'mesos.bash-completion')}'; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mesos; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const res = spawnSync('bash', ['-c', script, '_', bin, ...words], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    return res.stdout.split('\n').filter((l) => l !== '');
  }

  test("commands, subcommands and each command's flags, from the binary's --help", () => {
    const commands = complete('');
    for (const c of ['master', 'agent', 'execute', 'task', 'framework', 'state', 'ps', 'cat', 'tail', 'ls'])
      assert.ok(commands.includes(c), c);
    assert.deepEqual(complete('ta'), ['tail', 'task']);
    assert.deepEqual(complete('task', ''), ['kill', 'list']);
    assert.deepEqual(complete('agent', ''), ['list']);
    assert.deepEqual(complete('help', 'framework', ''), ['list']);
    assert.deepEqual(complete('tail', '--f'), ['--file=', '--follow', '--framework=']);
    assert.ok(complete('--master=x', 'task', 'list', '--').includes('--all'));
    assert.deepEqual(complete('cat', '--file=std'), ['--file=stdout', '--file=stderr']);
    assert.ok(complete('agent', '--work').includes('--work_dir='), "the agent daemon's flags");
  });
});

describe('over TLS (LIBPROCESS_SSL_*)', () => {
  const dir = tempDir('cli-ops-tls');
  const file = (name: string) => path.join(dir, name);
  let tlsMaster: Daemon | undefined;
  let tlsAgent: Daemon | undefined;
  let env: Record<string, string> = {};
  before(async () => {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    makeCert(dir, 'server', 'ca');
    env = tlsEnvironment(dir);
    // Downgrade lets the helpers' plain-HTTP health checks in; the commands below speak TLS.
    const daemonEnv = { ...env, LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'true' };
    tlsMaster = await startMaster([], daemonEnv);
    tlsAgent = await startAgent(tlsMaster, [], { env: daemonEnv });
  });
  after(async () => {
    await tlsAgent?.stop();
    await tlsMaster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('task list and cat read the master and the agent over HTTPS, verifying their certificates', async () => {
    const at = `--master=127.0.0.1:${tlsMaster!.port}`;
    const run = await runMesos(['execute', at, '--name=secure', '--command=echo over-tls'], 60_000, env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const list = await mesos(['task', 'list', '--all', at], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^secure\s+TASK_FINISHED\s/m);
    const cat = await mesos(['cat', 'secure', 'stdout', at], env);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'over-tls\n');
    const untrusted = await mesos(['task', 'list', at], { ...env, LIBPROCESS_SSL_CA_FILE: file('other-ca.pem') });
    assertError(untrusted, 1, /^mesos task list: cannot reach the master at 127\.0\.0\.1:\d+: .*certificate/i);
  });
});
