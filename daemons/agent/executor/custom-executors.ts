// What the custom executor runs of an agent share (each run is in custom-run.ts, held by its
// framework like every other run): the timeouts they are held to, from the flags; the moment the
// agent serves the executor API, from which recovered executors' deadlines count; and finding
// the run that an executor's Call names.
import type { AgentConfig, AgentFramework } from '../records.ts';
import type { ExecutorCall } from './calls.ts';
import { CustomExecutorRun, DEFAULT_EXECUTOR_HEARTBEAT_SECS } from './custom-run.ts';
import type { CustomExecutorShared, CustomExecutorTimeouts } from './host.ts';

/** The run a Call names, or what cannot be found (Mesos's words; the executor API answers 400). */
export type ExecutorLookup = { fw: AgentFramework; run: CustomExecutorRun } | { missing: string };

export class CustomExecutors implements CustomExecutorShared {
  readonly timeouts: CustomExecutorTimeouts;
  private isServing = false;
  private readonly waitingForServer: Array<() => void> = [];

  constructor(
    config: AgentConfig,
    private readonly frameworks: ReadonlyMap<string, AgentFramework>,
  ) {
    this.timeouts = {
      registrationSecs: config.executorRegistrationTimeoutSecs ?? 60,
      reregistrationSecs: config.executorReregistrationTimeoutSecs ?? 2,
      recoverySecs: config.recoveryTimeoutSecs ?? 15 * 60,
      heartbeatSecs: config.executorHeartbeatIntervalSecs ?? DEFAULT_EXECUTOR_HEARTBEAT_SECS,
    };
  }

  /**
   * The agent serves /api/v1/executor from this call on. Recovered executors' deadlines start
   * here, not during recovery: an executor retrying every MESOS_SUBSCRIPTION_BACKOFF_MAX (the same
   * length as --executor_reregistration_timeout) must get a whole window to reach the agent.
   */
  serving(): void {
    this.isServing = true;
    for (const start of this.waitingForServer.splice(0)) start();
  }

  whenServing(start: () => void): void {
    if (this.isServing) start();
    else this.waitingForServer.push(start);
  }

  /** The framework and custom executor run a Call names. */
  lookup(call: Pick<ExecutorCall, 'framework_id' | 'executor_id'>): ExecutorLookup {
    const fw = this.frameworks.get(call.framework_id.value);
    if (!fw) return { missing: 'Framework cannot be found' };
    const run = fw.executors.get(call.executor_id.value);
    // The agent's own executors have no executor API to speak to.
    if (!(run instanceof CustomExecutorRun)) return { missing: 'Executor cannot be found' };
    return { fw, run };
  }
}
