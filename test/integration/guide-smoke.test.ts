// The guide's journey, word for word: start a master, start an agent, run
// `mesos execute --command="/bin/sleep 10" --master=HOST:5050 --name="whizbang"`, then see the
// agent and the completed framework with its finished task in /master/state.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Daemon, runMesos, startCluster } from '../helpers/cluster.ts';

interface TaskJson {
  id: string;
  name: string;
  state: string;
  statuses: { state: string }[];
}
interface FrameworkJson {
  id: string;
  name: string;
  active: boolean;
  tasks: TaskJson[];
  completed_tasks: TaskJson[];
}
interface State {
  slaves: { id: string; hostname: string; active: boolean; pid: string }[];
  frameworks: FrameworkJson[];
  completed_frameworks: FrameworkJson[];
}

let cluster: Awaited<ReturnType<typeof startCluster>>;
let master: Daemon;

before(async () => {
  cluster = await startCluster();
  master = cluster.master;
});
after(async () => {
  await cluster?.stop();
});

test('mesos execute --command="/bin/sleep 10" --name="whizbang" runs to TASK_FINISHED and exits 0', async () => {
  const res = await runMesos(['execute', '--command=/bin/sleep 10', `--master=127.0.0.1:${master.port}`, '--name=whizbang'], 60_000);
  assert.equal(res.code, 0, `exit code; stdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
  assert.match(res.stdout, /^Subscribed with ID \S+-0000$/m);
  assert.match(res.stdout, /Submitted task 'whizbang' to agent '\S+-S0'/);
  const states = [...res.stdout.matchAll(/Received status update (TASK_\w+) for task 'whizbang'/g)].map((m) => m[1]);
  assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  assert.match(res.stdout, /message: 'Command exited with status 0'/);
  assert.ok(res.ms >= 10_000, `the task slept 10 s, the command took ${res.ms} ms`);

  const state = await master.json<State>('/master/state');
  assert.equal(state.slaves.length, 1);
  assert.equal(state.slaves[0]!.active, true);
  assert.match(state.slaves[0]!.pid, /^slave\(1\)@127\.0\.0\.1:\d+$/);
  assert.equal(state.frameworks.length, 0, 'the framework is no longer active');
  const fw = state.completed_frameworks.find((f) => f.name === 'mesos-execute instance');
  assert.ok(fw, `completed_frameworks: ${JSON.stringify(state.completed_frameworks.map((f) => f.name))}`);
  const task = fw.completed_tasks.find((t) => t.name === 'whizbang');
  assert.ok(task, 'task whizbang is among the completed tasks');
  assert.equal(task.id, 'whizbang');
  assert.equal(task.state, 'TASK_FINISHED');
  assert.deepEqual(
    task.statuses.map((s) => s.state),
    ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
  );
  // The same state under the aliases tools use.
  for (const alias of ['/state.json', '/master/state.json', '/state']) {
    const s = await master.json<State>(alias);
    assert.equal(s.completed_frameworks.length, state.completed_frameworks.length, alias);
  }
});
