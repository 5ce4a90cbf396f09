// Who owns a --runtime_dir (the task supervisor's socket and container records): an agent
// refuses one that another agent uses (live owner: its work dir exists or its supervisor
// answers) and takes over, with a warning naming the old work dir, one left by an agent whose
// work dir is gone and whose supervisor is gone too; the old agent's leftover task processes
// are then orphans and are killed.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AgentExitedError, type Daemon, startAgent, startMaster, stopSupervisor, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

let master: Daemon;
const started: Daemon[] = [];

before(async () => {
  master = await startMaster(['--allocation_interval=50ms']);
});
after(async () => {
  for (const d of started) await d.stop();
  await master?.stop();
});

async function agentAt(workDir: string, runtimeDir: string): Promise<Daemon> {
  const d = await startAgent(master, [], { workDir, runtimeDir });
  started.push(d);
  return d;
}

/** Starts an agent that is expected to exit at once; resolves with what it printed. */
async function refusedAgent(workDir: string, runtimeDir: string): Promise<Daemon> {
  const err = await startAgent(master, [], { workDir, runtimeDir }).then(
    (d) => {
      started.push(d);
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof AgentExitedError, `the agent should have refused to start: ${String(err)}`);
  await err.daemon.waitExit();
  assert.equal(err.daemon.exited?.code, 1, err.daemon.output);
  return err.daemon;
}

/** Running (a zombie nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** One framework launches every test's tasks; it stays till the end (a framework that goes has its tasks killed). */
let scheduler: TestScheduler | undefined;
after(() => scheduler?.close());

/** Launches a long task on `agent`; resolves with its pid. */
async function launchSleep(agent: Daemon, id: string): Promise<number> {
  const agentId = (await agent.json<{ id: string }>('/state')).id;
  if (!scheduler) {
    scheduler = new TestScheduler(master.port);
    await scheduler.subscribe();
  }
  const s = scheduler;
  const offer = await waitFor(`an offer of agent ${agentId}`, () =>
    s.offers().find((o) => o.agent_id.value === agentId && !s.usedOffers.has(o.id.value)),
  );
  s.usedOffers.add(offer.id.value);
  await s.client.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [
        { type: 'LAUNCH', launch: { task_infos: [task(id, offer, 'echo $$ > "$MESOS_SANDBOX/pid"; exec sleep 600', 0.1, 16)] } },
      ],
    },
  });
  await s.waitState(id, 'TASK_RUNNING');
  const state = await agent.json<{ frameworks: { executors: { id: string; directory: string }[] }[] }>('/state');
  const dir = state.frameworks.flatMap((f) => f.executors).find((e) => e.id === id)?.directory;
  assert.ok(dir, `the sandbox of ${id}`);
  return waitFor(`the pid of ${id}`, () => Number(readFileSync(path.join(dir, 'pid'), 'utf8')) || undefined);
}

test('a runtime_dir whose agent is running is refused to a second agent', async () => {
  const root = tempDir('runtime-live');
  const runtimeDir = path.join(root, 'run');
  const first = await agentAt(path.join(root, 'w1'), runtimeDir);
  const second = await refusedAgent(path.join(root, 'w2'), runtimeDir);
  assert.match(second.output, new RegExp(`--runtime_dir=${runtimeDir} belongs to the agent with --work_dir=${path.join(root, 'w1')}`));
  // The first agent is untouched.
  assert.equal(first.exited, undefined);
  assert.equal((await fetch(`${first.url}/health`)).status, 200);
  await first.stop();
});

test('a runtime_dir whose agent is stopped but whose work dir is still there is refused (that agent may come back)', async () => {
  const root = tempDir('runtime-stopped');
  const runtimeDir = path.join(root, 'run');
  const first = await agentAt(path.join(root, 'w1'), runtimeDir);
  await first.stop();
  const second = await refusedAgent(path.join(root, 'w2'), runtimeDir);
  assert.match(second.output, /belongs to the agent with --work_dir=/);
});

test('a runtime_dir whose work dir is gone but whose task supervisor still runs is refused', async () => {
  const root = tempDir('runtime-supervised');
  const runtimeDir = path.join(root, 'run');
  const w1 = path.join(root, 'w1');
  const first = await agentAt(w1, runtimeDir);
  // The agent goes, its supervisor (and so its tasks) stays.
  await first.stop('SIGTERM', 10_000, true);
  rmSync(w1, { recursive: true, force: true });
  try {
    const second = await refusedAgent(path.join(root, 'w2'), runtimeDir);
    assert.match(
      second.output,
      new RegExp(`--runtime_dir=${runtimeDir} belongs to the agent with --work_dir=${w1}.*its task supervisor still runs`),
    );
  } finally {
    await stopSupervisor(runtimeDir);
  }
});

test('a runtime_dir left by an agent whose work dir and supervisor are gone is taken over with a warning', async () => {
  const root = tempDir('runtime-stale');
  const runtimeDir = path.join(root, 'run');
  const w1 = path.join(root, 'w1');
  const first = await agentAt(w1, runtimeDir);
  await first.stop(); // also stops its task supervisor
  rmSync(w1, { recursive: true, force: true });
  const w2 = path.join(root, 'w2');
  const second = await agentAt(w2, runtimeDir);
  assert.match(
    second.output,
    new RegExp(
      `--runtime_dir=${runtimeDir} was last used by the agent with --work_dir=${w1}, which no longer exists, and its task supervisor is gone; taking it over`,
    ),
  );
  assert.equal(readFileSync(path.join(runtimeDir, 'work_dir'), 'utf8').trim(), w2);
  // The new owner runs tasks there.
  await launchSleep(second, 'after-takeover');
  await second.stop();
});

test("after a crash of the old supervisor, the taken-over runtime_dir's leftover task processes are killed as orphans", async () => {
  const root = tempDir('runtime-orphans');
  const runtimeDir = path.join(root, 'run');
  const w1 = path.join(root, 'w1');
  const first = await agentAt(w1, runtimeDir);
  const pid = await launchSleep(first, 'left-behind');
  await first.stop('SIGTERM', 10_000, true);
  // kill -9: the supervisor is gone, its task goes on with nobody watching it.
  process.kill(Number(readFileSync(path.join(runtimeDir, 'supervisor.pid'), 'utf8')), 'SIGKILL');
  await waitFor('the supervisor gone', () => !alive(Number(readFileSync(path.join(runtimeDir, 'supervisor.pid'), 'utf8'))));
  assert.ok(alive(pid), 'the task outlives its supervisor');
  rmSync(w1, { recursive: true, force: true });
  const second = await agentAt(path.join(root, 'w2'), runtimeDir);
  assert.match(second.output, /taking it over/);
  await waitFor(`the left-behind task (pid ${pid}) killed`, () => !alive(pid), 15_000);
  assert.match(second.output, /no checkpointed task owns it/);
  await second.stop();
});
