// The executors the agent plays itself, Mesos's built-in command executor and default executor:
// each task runs in a container of its own, which the agent launches through the task's
// containerizer (a process group under the task supervisor, or a Docker container), follows to
// its exit, and stops; the agent speaks as the executor (SOURCE_EXECUTOR).
//
//   STAGING --checkpointed--> STARTING --URIs fetched, container runs--> RUNNING --exit--> FINISHED
//      |                          |                                        |              FAILED
//      '--kill: KILLED            '--kill waits for the launch, then ------'--kill-->    KILLED
//         (during launch)            stops it                       (KILLING) SIGTERM, grace, SIGKILL
//
// What differs between the two kinds (where a task lives, what else a task's end takes along,
// what the master is told) is in command-run.ts and default-run.ts.
import type { ReportedExecutor } from '../../common/agent-protocol.ts';
import {
  type CheckStatusInfo,
  type ExecutorInfo,
  type KillPolicy,
  type TaskInfo,
  type TaskState,
  type TaskStatusReason,
  isTerminalState,
} from '../../common/mesos.ts';
import type { RecoveredRun } from '../checkpoints.ts';
import { type Containerizer, type FoundContainer, containerizerFor } from '../containerizer/containerizer.ts';
import { fetchUris } from '../fetcher/fetcher.ts';
import { Checker } from '../health/checker.ts';
import { HealthChecker } from '../health/health-checker.ts';
import { type TaskContext, taskEnvironment, taskUser } from '../launch-spec.ts';
import type { OsUser } from '../users.ts';
import { type AgentFramework, type AgentTask, type ContainerExit, DEFAULT_KILL_GRACE_MS, newTask, placeholderTask } from '../records.ts';
import { validateContainer } from '../validation.ts';
import type { RecoverableRun, RunHost, RunRecovery, TaskPlace } from './host.ts';
import { taskEnd } from './task-exit.ts';

/** A task of a built-in executor: what the agent keeps to run it. */
export interface BuiltInTask extends AgentTask {
  /** A kill was asked for; one that arrives while the container starts waits for the launch. */
  killRequested: boolean;
  killGraceMs?: number;
  health?: HealthChecker;
  checker?: Checker;
  /** Latest result of TaskInfo.check; every update of the task carries it. */
  checkStatus?: CheckStatusInfo;
  /** Why a health-check kill happened; the terminal update carries it (and healthy: false). */
  unhealthyKill?: string;
  /**
   * The operator sent its container a signal (KILL_CONTAINER): however it ends now, it was
   * killed. Apart from killRequested, so that a later kill still stops it if the signal did not.
   */
  operatorKill?: boolean;
}

export abstract class BuiltInExecutorRun implements RecoverableRun {
  abstract readonly kind: 'COMMAND' | 'DEFAULT';
  readonly id: string;
  readonly frameworkId: string;
  readonly tasks = new Map<string, BuiltInTask>();
  readonly completedTasks: AgentTask[] = [];
  /** Its tasks by container, also once completed: an exit can be heard after the acknowledgement. */
  private readonly byContainer = new Map<string, BuiltInTask>();

  constructor(
    protected readonly host: RunHost,
    protected readonly fw: AgentFramework,
    readonly info: ExecutorInfo,
    readonly containerId: string,
    readonly directory: string,
  ) {
    this.id = info.executor_id.value;
    this.frameworkId = fw.id;
  }

  /** The container and sandbox of one of its tasks. */
  abstract placeOf(taskId: string): TaskPlace;
  abstract reported(): ReportedExecutor | undefined;
  /** The tasks a kill of `task` stops. */
  protected abstract killedWith(task: BuiltInTask): BuiltInTask[];
  /** A task ended in a state other than FINISHED or KILLED. */
  protected taskFailed(_task: BuiltInTask, _state: TaskState): void {}

  // ---------------------------------------------------------------- launch

  async launch(infos: TaskInfo[]): Promise<void> {
    // Added first, so that a kill arriving while the sandboxes are made finds them.
    const tasks = infos.map((info) => this.add(info, this.placeOf(info.task_id.value)));
    this.host.counters.tasksLaunched += tasks.length;
    // A full disk or a failed write fails the launch (its tasks, not the agent): nothing runs
    // that has no sandbox, or that a restarted agent could not find in its checkpoints.
    const failLaunch = (message: string): void => {
      this.host.log.error(`Cannot launch ${infos.map((t) => t.task_id.value).join(', ')}: ${message}`);
      for (const t of tasks) this.finish(t, 'TASK_FAILED', message, 'REASON_CONTAINER_LAUNCH_FAILED');
    };
    for (const t of tasks) {
      const problem = await this.host.prepareSandbox(t.directory, this.fw, t.info.command);
      if (problem) return failLaunch(problem);
    }
    try {
      await this.host.checkpointLaunch(this.fw, this, tasks);
    } catch (err) {
      return failLaunch(this.host.launchCheckpointFailure(err));
    }
    const { config, containerizers } = this.host;
    const invalid = infos.map((t) => validateContainer(t.container, config.containerizers, containerizers)).find((e) => e !== undefined);
    if (invalid) {
      for (const t of tasks) this.finish(t, 'TASK_FAILED', invalid.message, invalid.reason);
      return;
    }
    await Promise.all(tasks.map((t) => this.start(t)));
  }

  private add(info: TaskInfo, place: TaskPlace): BuiltInTask {
    const task: BuiltInTask = { ...newTask(this, info, place.directory, place.containerId), killRequested: false };
    this.tasks.set(info.task_id.value, task);
    this.byContainer.set(place.containerId, task);
    this.host.indexTask(this, task);
    return task;
  }

  /** Launches a task's container (also for a recovered task that never got launched). */
  private async start(task: BuiltInTask): Promise<void> {
    if (isTerminalState(task.state)) return; // killed while its launch was being checkpointed
    const runAs = taskUser(task.info, this.fw.info, this.host.config.switchUser, this.host.isRoot);
    if (!runAs.ok) {
      this.finish(task, 'TASK_FAILED', runAs.error, 'REASON_CONTAINER_LAUNCH_FAILED');
      return;
    }
    const user = runAs.value;
    this.update(task, 'TASK_STARTING');
    const ctx = this.contextOf(task, user);
    const uris = task.info.command?.uris ?? [];
    if (uris.length > 0) {
      try {
        await fetchUris(uris, { sandbox: task.directory, ...this.host.fetcherConfig, ...(user ? { owner: user } : {}) });
      } catch (err) {
        // Mesos reports fetch failures as a container launch failure.
        const message = `Failed to fetch all URIs for container '${task.containerId}': ${(err as Error).message}`;
        this.finish(task, 'TASK_FAILED', message, 'REASON_CONTAINER_LAUNCH_FAILED');
        return;
      }
      if (task.killRequested) {
        this.finish(task, 'TASK_KILLED', 'Task killed before it started', 'REASON_TASK_KILLED_DURING_LAUNCH');
        return;
      }
    }
    try {
      task.pid = await this.containerizerOf(task).launch(ctx);
    } catch (err) {
      this.finish(task, 'TASK_FAILED', (err as Error).message, 'REASON_CONTAINER_LAUNCH_FAILED');
      return;
    }
    if (isTerminalState(task.state)) return; // its exit was reported while the launch reply was on its way
    task.running = true;
    const check = task.info.check;
    if (check) task.checkStatus = Checker.initial(check);
    this.update(task, 'TASK_RUNNING');
    if (task.killRequested) {
      // A kill arrived while the process was being started.
      task.killRequested = false;
      this.stop(task, task.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
      return;
    }
    this.startProbes(task, ctx);
  }

  private contextOf(task: BuiltInTask, user: OsUser | undefined): TaskContext {
    const { config } = this.host;
    return {
      task: task.info,
      framework: this.fw.info,
      containerId: task.containerId,
      executorId: task.executorId,
      sandbox: task.directory,
      agentId: this.host.id ?? '',
      agentEndpoint: `${config.ip}:${config.port}`,
      agentEnv: this.host.executorBaseEnv(),
      user,
    };
  }

  /**
   * TaskInfo.health_check: health changes become TASK_RUNNING updates, too many failures kill.
   * TaskInfo.check: each changed result goes out as TASK_RUNNING with check_status.
   */
  private startProbes(task: BuiltInTask, ctx: TaskContext): void {
    const health = task.info.health_check;
    if (health && !task.health) {
      task.health = new HealthChecker(
        health,
        { host: '127.0.0.1', cwd: task.directory, env: taskEnvironment(ctx) },
        {
          healthChanged: (healthy, message) => {
            if (isTerminalState(task.state)) return;
            this.update(task, 'TASK_RUNNING', message, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy);
          },
          kill: (message) => {
            this.host.log.warn({ task: task.info.task_id.value }, `Killing task ${task.info.task_id.value}: ${message}`);
            task.unhealthyKill = message;
            const grace = task.info.kill_policy?.grace_period;
            this.stop(task, grace ? grace.nanoseconds / 1e6 : DEFAULT_KILL_GRACE_MS);
          },
        },
      );
      task.health.start();
    }
    const check = task.info.check;
    if (check && !task.checker) {
      task.checkStatus ??= Checker.initial(check);
      task.checker = new Checker(check, { host: '127.0.0.1', cwd: task.directory, env: taskEnvironment(ctx) }, (status) => {
        if (isTerminalState(task.state)) return;
        task.checkStatus = status;
        this.update(task, task.state, undefined, 'REASON_TASK_CHECK_STATUS_UPDATED');
      });
      task.checker.start();
    }
  }

  // ---------------------------------------------------------------- updates

  /** Moves a task to a new state, as its executor: every update carries its check and health results. */
  private update(task: BuiltInTask, state: TaskState, message?: string, reason?: TaskStatusReason, healthy?: boolean): void {
    if (isTerminalState(task.state)) return;
    if (isTerminalState(state)) {
      task.health?.stop();
      task.checker?.stop();
    }
    const unhealthy = task.unhealthyKill && isTerminalState(state) ? false : undefined;
    this.host.updates.transition(task, state, { message, reason, healthy: healthy ?? unhealthy, checkStatus: task.checkStatus });
  }

  /** Ends a task; a failure may end others too (taskFailed). */
  protected finish(task: BuiltInTask, state: TaskState, message: string, reason?: TaskStatusReason): void {
    if (isTerminalState(task.state)) return;
    this.update(task, state, message, reason);
    if (state !== 'TASK_FINISHED' && state !== 'TASK_KILLED') this.taskFailed(task, state);
  }

  // ---------------------------------------------------------------- exits and kills

  exited(containerId: string, exit: ContainerExit): void {
    const task = this.byContainer.get(containerId);
    if (!task) return;
    task.running = false;
    if (isTerminalState(task.state)) return;
    // It ran, even if the launch reply had not arrived yet: say so before saying how it ended.
    if (!exit.unknown && task.state === 'TASK_STARTING') this.update(task, 'TASK_RUNNING');
    const via = containerizerFor(task.info);
    const killRequested = task.killRequested || task.operatorKill === true;
    const end = taskEnd({ containerId, via, killRequested, unhealthyKill: task.unhealthyKill }, exit);
    this.finish(task, end.state, end.message, end.reason);
  }

  kill(taskId: string, policy: KillPolicy | undefined): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    const graceNs = policy?.grace_period?.nanoseconds;
    const graceMs = graceNs !== undefined ? Math.max(0, graceNs / 1e6) : DEFAULT_KILL_GRACE_MS;
    for (const t of this.killedWith(task)) this.stop(t, graceMs);
  }

  killContainer(containerId: string, signal: NodeJS.Signals): boolean {
    // The run's own container holds every task of it (a command task's is the run's).
    const named = containerId === this.containerId ? [...this.tasks.values()] : [this.byContainer.get(containerId)];
    const live = named.filter((t): t is BuiltInTask => t !== undefined && !isTerminalState(t.state));
    for (const task of live) {
      // Not started yet: there is nothing to signal, so it is stopped as a kill stops it.
      if (!task.running) {
        this.stop(task, 0);
        continue;
      }
      task.operatorKill = true;
      this.containerizerOf(task)
        .kill(task.containerId, 0, signal)
        .catch((err: unknown) => this.host.log.error(`Failed to signal task ${task.info.task_id.value}: ${(err as Error).message}`));
    }
    return live.length > 0;
  }

  /** Stops a task's container, giving it graceMs between SIGTERM and SIGKILL. */
  protected stop(task: BuiltInTask, graceMs: number): void {
    if (isTerminalState(task.state)) return;
    if (!task.running) {
      task.killRequested = true;
      if (task.state === 'TASK_STAGING') {
        this.finish(task, 'TASK_KILLED', 'Task killed before it started', 'REASON_TASK_KILLED_DURING_LAUNCH');
      } else {
        task.killGraceMs = graceMs; // being launched right now: stopped as soon as the launch completes
      }
      return;
    }
    if (task.killRequested) return;
    task.killRequested = true;
    if (this.fw.info.capabilities?.some((c) => c.type === 'TASK_KILLING_STATE')) this.update(task, 'TASK_KILLING');
    this.containerizerOf(task)
      .kill(task.containerId, graceMs)
      .catch((err: unknown) => this.host.log.error(`Failed to kill task ${task.info.task_id.value}: ${(err as Error).message}`));
  }

  shutdown(): void {
    for (const t of this.tasks.values()) this.stop(t, this.host.config.executorShutdownGraceSecs * 1000);
  }

  shutdownFramework(): void {
    this.shutdown();
    // Nobody will acknowledge these tasks: they complete as soon as they end.
    const settle = () => {
      if ([...this.tasks.values()].every((t) => isTerminalState(t.state))) this.host.retire(this.fw, this);
      else setTimeout(settle, 50).unref();
    };
    settle();
  }

  message(): void {
    this.host.log.warn(
      { framework: this.frameworkId, executor: this.id },
      `Dropping a message for executor '${this.id}': it is the agent's ${this.kind.toLowerCase()} executor, which takes no messages`,
    );
  }

  canComplete(): boolean {
    return true;
  }

  forget(): Promise<unknown> {
    return Promise.all(
      this.completedTasks.map((t) =>
        this.containerizerOf(t)
          .forget(t.containerId)
          .catch(() => undefined),
      ),
    );
  }

  destroy(): void {
    for (const t of this.tasks.values()) {
      if (t.running || t.state !== 'TASK_STAGING') void this.host.destroyContainer(t.containerId, containerizerFor(t.info));
    }
  }

  private containerizerOf(task: AgentTask): Containerizer {
    return this.host.containerizers[containerizerFor(task.info)] ?? this.host.containerizers.mesos;
  }

  // ---------------------------------------------------------------- agent restart

  /**
   * Each checkpointed task meets its container again: running ones are followed again, one that
   * ended meanwhile reports its exit, one never launched is launched, the rest are lost.
   */
  recover(r: RecoveredRun, containers: ReadonlyMap<string, FoundContainer>, rebooted: boolean): RunRecovery {
    const result: RunRecovery = { running: 0, endedWhileDown: 0, relaunched: 0, lost: 0, containers: [], completed: false };
    const toStart: BuiltInTask[] = [];
    for (const rt of r.tasks) {
      const place = this.placeOf(rt.id);
      result.containers.push(place.containerId);
      const task = this.add(rt.info ?? placeholderTask(rt.id, this.host.id ?? ''), place);
      task.statuses = [...rt.updates];
      task.state = rt.updates[rt.updates.length - 1]?.state ?? 'TASK_STAGING';
      this.host.updates.manager.recover(this.frameworkId, rt.id, rt.pending);
      const container = containers.get(place.containerId);
      if (container?.pid) task.pid = container.pid;
      if (isTerminalState(task.state)) continue;
      if (!rt.info && !container) {
        result.lost++;
        const message = "The agent could not read this task's checkpoint after a restart (see the agent log)";
        this.finish(task, 'TASK_FAILED', message, 'REASON_AGENT_RESTARTED');
      } else if (rebooted) {
        result.lost++;
        this.finish(task, 'TASK_GONE', "The agent's host rebooted; the task's process is gone", 'REASON_AGENT_RESTARTED');
      } else if (container?.exit) {
        result.endedWhileDown++;
        // A Docker container's last output is copied before its exit is reported.
        if (!this.reattach(task)) this.exited(place.containerId, container.exit);
      } else if (container) {
        task.running = true;
        result.running++;
        if (task.state === 'TASK_STAGING' || task.state === 'TASK_STARTING') this.update(task, 'TASK_RUNNING');
        this.reattach(task);
        // A task whose TaskInfo could not be read is not killed for it: it is followed to its
        // end, without the checks its TaskInfo would have asked for.
        if (!rt.info) {
          this.host.log.error(`Task ${rt.id}: its TaskInfo could not be read after a restart; it is followed without its checks`);
          continue;
        }
        const user = taskUser(task.info, this.fw.info, this.host.config.switchUser, this.host.isRoot);
        this.startProbes(task, this.contextOf(task, user.ok ? user.value : undefined));
      } else if (task.state === 'TASK_STAGING' || task.state === 'TASK_STARTING') {
        // Checkpointed but the agent stopped before the supervisor started it.
        result.relaunched++;
        toStart.push(task);
      } else {
        result.lost++;
        const message = 'The task supervisor has no record of this task after a restart; its exit status is unknown';
        this.finish(task, 'TASK_FAILED', message, 'REASON_EXECUTOR_TERMINATED');
      }
    }
    // A run whose tasks had all ended, with every update acknowledged, is history already.
    result.completed = r.tasks.every(
      (t) => isTerminalState(t.updates[t.updates.length - 1]?.state ?? 'TASK_STAGING') && t.pending.length === 0,
    );
    if (toStart.length > 0) {
      result.start = () => {
        for (const task of toStart) {
          task.state = 'TASK_STAGING';
          void this.start(task);
        }
      };
    }
    return result;
  }

  /**
   * After an agent restart: has the task's containerizer follow its container again. False when
   * that containerizer reports exits by itself (the task supervisor), so recovery reports them.
   */
  private reattach(task: BuiltInTask): boolean {
    const c = this.containerizerOf(task);
    if (!c.reattach) return false;
    c.reattach(task.containerId, task.directory).catch((err: unknown) => {
      this.host.log.error(
        `Cannot follow container ${task.containerId} of task ${task.info.task_id.value} again: ${(err as Error).message}`,
      );
      this.exited(task.containerId, { code: null, signal: null, unknown: true, at: Date.now() });
    });
    return true;
  }
}
