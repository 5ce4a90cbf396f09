// Recovery benchmarks: how long a restarted master takes until all its agents are back, and
// how long a restarted agent takes to recover many running tasks.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { Daemon, freePort, mesosCommand, startAgent, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler } from '../helpers/scheduler.ts';
import { AgentEmulator } from './emulated-agents.ts';

async function launchMaster(port: number, workDir: string): Promise<{ daemon: Daemon; startMs: number }> {
  const cmd = mesosCommand(['master', '--ip=127.0.0.1', `--port=${port}`, `--work_dir=${workDir}`, '--quiet']);
  const t0 = performance.now();
  const proc = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const daemon = new Daemon('master', proc, port, workDir);
  await waitFor('master', async () => (await fetch(`${daemon.url}/health`)).ok, 30_000, 10);
  return { daemon, startMs: performance.now() - t0 };
}

export interface MasterRestartResult {
  agents: number;
  registrationStormMs: number;
  restartToAllReregisteredMs: number;
  masterStartMs: number;
}

/** N emulated agents register at once; then the master is killed -9 and restarted. */
export async function masterRestart(agents: number): Promise<MasterRestartResult> {
  const port = await freePort();
  const workDir = tempDir('bench-master');
  let { daemon } = await launchMaster(port, workDir);
  const emu = new AgentEmulator({
    masterHost: '127.0.0.1',
    masterPort: port,
    count: agents,
    taskMs: 100,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
    ],
  });
  try {
    const t0 = performance.now();
    await emu.start();
    const registrationStormMs = performance.now() - t0;
    daemon.proc.kill('SIGKILL');
    await daemon.waitExit();
    const back = emu.allReregistered();
    const t1 = performance.now();
    const started = await launchMaster(port, workDir);
    daemon = started.daemon;
    await back;
    const restartToAllReregisteredMs = performance.now() - t1;
    return { agents, registrationStormMs, restartToAllReregisteredMs, masterStartMs: started.startMs };
  } finally {
    emu.stop();
    await daemon.stop();
  }
}

export interface AgentRecoveryResult {
  tasks: number;
  launchSeconds: number;
  restartToRecoveredMs: number;
  restartToReregisteredMs: number;
}

/** An agent with `tasks` running processes is killed -9 and restarted. */
export async function agentRecovery(tasks: number): Promise<AgentRecoveryResult> {
  const port = await freePort();
  const masterDir = tempDir('bench-rec-master');
  const { daemon: master } = await launchMaster(port, masterDir);
  const resources = `--resources=cpus:${Math.ceil(tasks * 0.01) + 1};mem:${tasks + 1024};disk:1000`;
  let agent = await startAgent(master, [resources, '--quiet=false']);
  // The newest agent process's output, whichever Daemon object holds it.
  const outputs: Daemon[] = [];
  const recoveryLine = () =>
    outputs
      .at(-1)
      ?.output.split('\n')
      .find((l) => l.includes('Recovered agent'));
  const s = new TestScheduler(port, 'json');
  try {
    await s.subscribe({ user: os.userInfo().username, checkpoint: true });
    const t0 = performance.now();
    let launched = 0;
    while (launched < tasks) {
      const offer: Offer = await waitFor('offer', () => s.offers().find((o) => !s.usedOffers.has(o.id.value)), 60_000);
      s.usedOffers.add(offer.id.value);
      const batch: TaskInfo[] = [];
      for (let i = 0; i < Math.min(200, tasks - launched); i++, launched++) {
        batch.push({
          name: `r${launched}`,
          task_id: { value: `r${launched}` },
          agent_id: offer.agent_id,
          command: { shell: false, value: '/bin/sleep', arguments: ['sleep', '3600'] },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 1 } },
          ],
        });
      }
      await s.client.call({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: batch } }], filters: { refuse_seconds: 0 } },
      });
    }
    await waitFor(
      'all running',
      async () => (await master.json<Record<string, number>>('/metrics/snapshot'))['master/tasks_running'] === tasks,
      tasks * 200 + 60_000,
      500,
    );
    const launchSeconds = (performance.now() - t0) / 1000;
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    const t1 = performance.now();
    const restarted = startAgent(master, [resources, '--quiet=false'], {
      workDir: agent.workDir,
      port: agent.port,
      onSpawn: (d) => outputs.push(d),
    });
    // startAgent returns when the agent is registered; its log says when recovery ended.
    const line = await waitFor('the recovery line', () => recoveryLine(), 120_000, 5);
    const restartToRecoveredMs = performance.now() - t1;
    agent = await restarted;
    const restartToReregisteredMs = performance.now() - t1;
    const reattached = Number(/(\d+) running tasks re-attached/.exec(line)?.[1]);
    if (reattached !== tasks) throw new Error(`expected ${tasks} re-attached tasks: ${line}`);
    return { tasks, launchSeconds, restartToRecoveredMs, restartToReregisteredMs };
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
    await agent.stop();
    await master.stop();
  }
}
