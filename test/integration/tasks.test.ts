// Command tasks through `mesos execute` against real daemons: failures, kills, argv form,
// environment, sandboxes and task groups.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Daemon, runMesos, startAgent, startCluster, startMaster, tempDir } from '../helpers/cluster.ts';

let cluster: Awaited<ReturnType<typeof startCluster>>;
let master: Daemon;
let agent: Daemon;

before(async () => {
  cluster = await startCluster();
  master = cluster.master;
  agent = cluster.agent;
});
after(async () => {
  await cluster?.stop();
});

function exec(...args: string[]) {
  return runMesos(['execute', `--master=127.0.0.1:${master.port}`, ...args], 60_000);
}

interface AgentState {
  frameworks: AgentFw[];
  completed_frameworks: AgentFw[];
}
interface AgentFw {
  id: string;
  executors: AgentExecutor[];
  completed_executors: AgentExecutor[];
}
interface AgentExecutor {
  id: string;
  directory: string;
  type: string;
  tasks: { id: string }[];
  completed_tasks: { id: string; state: string }[];
}

async function sandboxOf(taskId: string): Promise<{ dir: string; type: string }> {
  const state = await agent.json<AgentState>('/state');
  for (const fw of [...state.frameworks, ...state.completed_frameworks]) {
    for (const ex of [...fw.executors, ...fw.completed_executors]) {
      if ([...ex.tasks, ...ex.completed_tasks].some((t) => t.id === taskId)) {
        return { dir: ex.type === 'DEFAULT' ? path.join(ex.directory, 'tasks', taskId) : ex.directory, type: ex.type };
      }
    }
  }
  throw new Error(`task ${taskId} not found in agent state`);
}

async function readSandboxFile(taskId: string, file: string): Promise<string> {
  const { dir } = await sandboxOf(taskId);
  const res = await agent.json<{ data: string; offset: number }>(`/files/read?path=${encodeURIComponent(path.join(dir, file))}&offset=0`);
  return res.data;
}

test('a failing command ends TASK_FAILED with its exit status and mesos execute exits non-zero', async () => {
  const res = await exec('--name=fails', '--command=echo oops >&2; exit 3', '--content_type=protobuf');
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /Received status update TASK_FAILED for task 'fails'/);
  assert.match(res.stdout, /message: 'Command exited with status 3'/);
  assert.equal((await readSandboxFile('fails', 'stderr')).trim(), 'oops');
});

test('--kill_after kills a running task: TASK_KILLED, exit 1, the process group is gone', async () => {
  const marker = path.join(tempDir('kill'), 'child-alive');
  // The task starts a background child that would write the marker after 3 s if it survived.
  const res = await exec(
    '--name=killme',
    `--command=(sleep 3; touch ${marker}) & sleep 60`,
    '--kill_after=1secs',
    '--content_type=protobuf',
  );
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /TASK_RUNNING[\s\S]*TASK_KILLING[\s\S]*TASK_KILLED/);
  assert.match(res.stdout, /message: 'Command terminated with signal Terminated'/);
  await new Promise((r) => setTimeout(r, 3500));
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(marker), false, 'the background child was killed with the task');
});

test('--no-shell runs the executable with its arguments; --env sets the environment; stdout lands in the sandbox', async () => {
  const res = await exec('--name=argv', '--no-shell', '--command=/usr/bin/env', '--env={"GREETING":"hello from env"}');
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const stdout = await readSandboxFile('argv', 'stdout');
  assert.match(stdout, /^GREETING=hello from env$/m);
  assert.match(stdout, /^MESOS_SANDBOX=\//m);
  assert.match(stdout, /^MESOS_TASK_ID=argv$/m);
  assert.doesNotMatch(stdout, /^MESOS_master=/im, 'agent flags do not leak into tasks');
});

test('--executor_environment_variables replaces the environment tasks inherit from the agent', async () => {
  const m = await startMaster();
  const a = await startAgent(
    m,
    ['--resources=cpus:1;mem:256', '--executor_environment_variables={"PATH":"/usr/bin:/bin","ONLY_THIS":"yes"}'],
    {
      env: { AGENT_SIDE_VARIABLE: 'leaks without the flag' },
    },
  );
  try {
    const res = await runMesos(
      ['execute', `--master=127.0.0.1:${m.port}`, '--name=envflag', '--no-shell', '--command=/usr/bin/env'],
      60_000,
    );
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const state = await a.json<AgentState>('/state');
    const ex = [...state.frameworks, ...state.completed_frameworks]
      .flatMap((f) => [...f.executors, ...f.completed_executors])
      .find((e) => e.id === 'envflag')!;
    const env = await a.json<{ data: string }>(`/files/read?path=${encodeURIComponent(path.join(ex.directory, 'stdout'))}&offset=0`);
    assert.match(env.data, /^ONLY_THIS=yes$/m);
    assert.match(env.data, /^PATH=\/usr\/bin:\/bin$/m);
    assert.match(env.data, /^MESOS_TASK_ID=envflag$/m, 'what Mesos tells every task is still there');
    assert.doesNotMatch(env.data, /AGENT_SIDE_VARIABLE/);
  } finally {
    await a.stop();
    await m.stop();
  }
});

test('a command that cannot be executed fails with a launch error', async () => {
  const res = await exec('--name=noexec', '--no-shell', '--command=/nonexistent/binary');
  assert.equal(res.code, 1);
  assert.match(res.stdout, /TASK_FAILED/);
  assert.match(res.stdout, /reason: REASON_CONTAINER_LAUNCH_FAILED/);
});

test('a task group of three: when one task fails the others are killed (default executor semantics)', async () => {
  const dir = tempDir('group');
  const group = {
    tasks: [
      {
        name: 'g-fail',
        task_id: { value: 'g-fail' },
        agent_id: { value: '' },
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        ],
        command: { value: 'sleep 0.5; exit 2' },
      },
      {
        name: 'g-long',
        task_id: { value: 'g-long' },
        agent_id: { value: '' },
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        ],
        command: { value: 'echo started; sleep 60' },
      },
      {
        name: 'g-long2',
        task_id: { value: 'g-long2' },
        agent_id: { value: '' },
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        ],
        command: { value: 'sleep 60' },
      },
    ],
  };
  const file = path.join(dir, 'group.json');
  writeFileSync(file, JSON.stringify(group));
  const res = await exec(`--task_group=file://${file}`, '--content_type=protobuf');
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /Submitted task group with tasks 'g-fail', 'g-long', 'g-long2'/);
  assert.match(res.stdout, /TASK_FAILED for task 'g-fail'/);
  assert.match(res.stdout, /TASK_KILLED for task 'g-long'/);
  assert.match(res.stdout, /TASK_KILLED for task 'g-long2'/);
  const sb = await sandboxOf('g-long');
  assert.equal(sb.type, 'DEFAULT');
  assert.equal((await readSandboxFile('g-long', 'stdout')).trim(), 'started');
});

test('a task group where every task succeeds exits 0', async () => {
  const group = {
    tasks: ['a', 'b'].map((n) => ({
      name: `ok-${n}`,
      task_id: { value: `ok-${n}` },
      agent_id: { value: '' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
      ],
      command: { value: `echo ${n}` },
    })),
  };
  const res = await exec(`--task_group=${JSON.stringify(group)}`);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal((res.stdout.match(/TASK_FINISHED/g) ?? []).length, 2);
});

test('a task asking for more than any offer has waits and says why', async () => {
  const started = Date.now();
  const res = await runMesos(
    ['execute', `--master=127.0.0.1:${master.port}`, '--name=huge', '--command=true', '--resources=cpus:64;mem:128'],
    11_500,
  );
  assert.equal(res.signal, 'SIGKILL', 'it keeps waiting for a fitting offer');
  assert.ok(Date.now() - started >= 10_000);
  assert.match(res.stderr, /Waiting for an offer with cpus:64; mem:128; largest offer so far: .*cpus:4/);
});
