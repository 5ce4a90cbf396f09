// An Agent on a temporary work_dir with a fake containerizer and a fake master, for the unit
// tests of the agent's core: nothing runs, the test says when a launch completes or fails and
// when a container exits (agent.containerExited), and reads what the master was sent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import pino from 'pino';
import { Agent } from '../../daemons/agent/agent.ts';
import type { Containerizer } from '../../daemons/agent/containerizer/containerizer.ts';
import type { TaskContext } from '../../daemons/agent/launch-spec.ts';
import type { AgentConfig } from '../../daemons/agent/records.ts';
import type { AgentToMaster } from '../../daemons/common/agent-protocol.ts';
import type { TaskStatus } from '../../daemons/common/mesos.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A containerizer that runs nothing: it records what it is asked, and launches as the test says. */
export class FakeContainerizer implements Containerizer {
  launched: TaskContext[] = [];
  /** Containers killed or destroyed, in order. */
  killed: string[] = [];
  /** The grace period each kill gave its container. */
  readonly graceOf = new Map<string, number>();
  readonly signalOf = new Map<string, NodeJS.Signals>();
  forgotten: string[] = [];
  /** While true, launches wait for release() (a container being started). */
  hold = false;
  /** Launches fail with this message. */
  failWith: string | undefined;
  private readonly waiting: Array<() => void> = [];

  async launch(ctx: TaskContext): Promise<number> {
    this.launched.push(ctx);
    if (this.failWith) throw new Error(this.failWith);
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return 4242;
  }
  /** Completes the launches held so far. */
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  async kill(containerId: string, graceMs: number, signal?: NodeJS.Signals): Promise<void> {
    this.killed.push(containerId);
    this.graceOf.set(containerId, graceMs);
    if (signal !== undefined) this.signalOf.set(containerId, signal);
  }
  async forget(containerId: string): Promise<void> {
    this.forgotten.push(containerId);
  }
  async destroy(containerId: string): Promise<void> {
    this.killed.push(containerId);
  }
  async list() {
    return [];
  }
  async pids(): Promise<Map<string, number>> {
    return new Map();
  }
}

export interface HarnessOptions {
  /** The scheduler acknowledges every update as soon as it is sent (so the next one goes). */
  autoAck?: boolean;
}

export function agentHarness(config: Partial<AgentConfig> = {}, workDir?: string, opts: HarnessOptions = {}) {
  const dir = workDir ?? mkdtempSync(path.join(os.tmpdir(), 'agent-core-'));
  if (!workDir) dirs.push(dir);
  const containerizer = new FakeContainerizer();
  const agent = new Agent(
    {
      workDir: dir,
      hostname: 'agent.example',
      ip: '127.0.0.1',
      port: 5051,
      resources: [],
      attributes: [],
      switchUser: false,
      containerizers: ['mesos'],
      executorShutdownGraceSecs: 0.05,
      executorRegistrationTimeoutSecs: 60,
      maxCompletedExecutorsPerFramework: 10,
      maxCompletedFrameworks: 10,
      ...config,
    },
    pino({ level: 'silent' }),
    { mesos: containerizer },
    false,
  );
  agent.setId('agent-1');
  const sent: TaskStatus[] = [];
  const posted: AgentToMaster[] = [];
  agent.attach({
    sendStatusUpdate: (fw, status) => {
      sent.push(status);
      if (opts.autoAck) queueMicrotask(() => agent.statusUpdates.acknowledge(fw, status.task_id.value, status.uuid!));
    },
    post: async (msg) => {
      posted.push(msg);
      return true;
    },
  });
  /** The states sent to the master for a task, once the checkpoint writes before them are done. */
  const states = async (taskId: string) => {
    await agent.statusUpdates.flushed();
    return sent.filter((s) => s.task_id.value === taskId).map((s) => s.state);
  };
  return { dir, agent, containerizer, sent, posted, states };
}

export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 5 s) for a condition that follows fsynced checkpoint writes. */
export async function until(what: string, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await tick(10);
  }
}
