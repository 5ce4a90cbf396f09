// What becomes of the agent's tasks, told to their schedulers. Every new status of a task is
// recorded on it, counted (/metrics/snapshot), checkpointed and handed to the status update
// manager, which sends it to the master until the scheduler acknowledges it; transition() is
// the one way a task the agent tracks changes state. Also the agent's other messages to the
// master, retried while the agent is not registered.
//
//   run --transition(task, state)--> task.statuses --> counters --> checkpoint (runs.log)
//                                                          --> StatusUpdateManager --> master
//   master --ACKNOWLEDGE--> StatusUpdateManager --terminal--> the agent completes the task
import type { Logger } from 'pino';
import type { AgentToMaster } from '../common/agent-protocol.ts';
import {
  type CheckStatusInfo,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
  type TaskStatusSource,
  isTerminalState,
} from '../common/mesos.ts';
import type { Checkpoints } from './checkpoints.ts';
import type { AgentFramework, AgentTask, MasterChannel } from './records.ts';
import { StatusUpdateManager, type UpdateFields, newTaskStatus } from './status-updates.ts';

/** What a task update says besides the state. */
export type StatusDetails = Pick<UpdateFields, 'message' | 'reason' | 'healthy' | 'source'> & {
  checkStatus?: CheckStatusInfo | undefined;
};

/** What the updates need of the agent: its id, its frameworks and runs, its checkpoints. */
export interface UpdatesHost {
  readonly id: string | undefined;
  readonly log: Logger;
  readonly frameworks: ReadonlyMap<string, AgentFramework>;
  readonly checkpointed: Checkpoints | undefined;
  findTask(frameworkId: string, taskId: string): AgentTask | undefined;
}

export interface UpdateCounters {
  validStatusUpdates: number;
  terminal: Map<TaskState, number>;
}

export class TaskUpdates {
  readonly manager: StatusUpdateManager;
  private channel: MasterChannel | undefined;

  constructor(
    private readonly host: UpdatesHost,
    private readonly counters: UpdateCounters,
    terminalAcknowledged: (frameworkId: string, taskId: string) => void,
  ) {
    this.manager = new StatusUpdateManager(
      {
        send: (fw, status) => this.channel?.sendStatusUpdate(fw, status),
        // Only a head start: if this is lost, the terminal update frees the resources anyway.
        latestState: (fw, taskId, state) =>
          void this.channel?.post({ type: 'LATEST_STATE', latest_state: { framework_id: fw, task_id: taskId, state } }),
      },
      terminalAcknowledged,
      (s) => isTerminalState(s.state),
      {
        update: (fw, status) => {
          const t = host.findTask(fw, status.task_id.value);
          const checkpoints = host.checkpointed;
          return t && checkpoints ? checkpoints.update(this.runContainerOf(t), status) : Promise.resolve();
        },
        ack: (fw, taskId, uuid) => {
          const t = host.findTask(fw, taskId);
          const checkpoints = host.checkpointed;
          return t && checkpoints ? checkpoints.ack(this.runContainerOf(t), taskId, uuid) : Promise.resolve();
        },
        failed: (err) => host.log.error(`Failed to checkpoint a status update: ${(err as Error).message}`),
      },
    );
  }

  /** Where updates and messages to the master go from now on. */
  attach(channel: MasterChannel): void {
    this.channel = channel;
  }

  /**
   * Moves a task to a new state and sends the update: the one way a task the agent tracks changes
   * state. The agent speaks as the executors it plays (SOURCE_EXECUTOR), and as itself about a
   * custom executor's tasks (SOURCE_AGENT). No-op once the task is terminal.
   */
  transition(task: AgentTask, state: TaskState, details: StatusDetails = {}): void {
    if (isTerminalState(task.state)) return;
    task.state = state;
    const run = this.host.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
    const status = this.send(task.frameworkId, task.info.task_id.value, state, {
      ...details,
      executorId: task.executorId,
      containerId: run?.containerId,
    });
    task.statuses.push(status);
  }

  /** An update about a task the agent does not track (refused before it was recorded). */
  reportUntracked(
    fw: AgentFramework,
    taskId: string,
    state: TaskState,
    opts: { message: string; reason: TaskStatusReason; executorId?: string; source?: TaskStatusSource },
  ): void {
    this.send(fw.id, taskId, state, { source: 'SOURCE_AGENT', ...opts });
  }

  /** A status a custom executor sent about its task: recorded, then checkpointed and forwarded. */
  accept(task: AgentTask, status: TaskStatus): Promise<void> {
    task.state = status.state;
    task.statuses.push(status);
    return this.forward(task.frameworkId, status);
  }

  /**
   * Counts an update and hands it to the status update manager; resolves once it is checkpointed.
   * Nobody acknowledges updates of a framework being shut down, so those are not sent.
   */
  forward(frameworkId: string, status: TaskStatus): Promise<void> {
    this.counters.validStatusUpdates++;
    if (isTerminalState(status.state)) this.counters.terminal.set(status.state, (this.counters.terminal.get(status.state) ?? 0) + 1);
    if (this.host.frameworks.get(frameworkId)?.shuttingDown) return Promise.resolve();
    return this.manager.update(frameworkId, status);
  }

  /** Sends a message to the master, retrying every second (up to `attempts`) while the agent is not registered. */
  tellMaster(msg: AgentToMaster, attempts = 120): void {
    const attempt = (left: number) => {
      const sent = this.channel ? this.channel.post(msg) : Promise.resolve(false);
      void sent.then((ok) => {
        if (ok || left <= 1) {
          if (!ok) this.host.log.warn(`Could not send ${msg.type} to the master; dropped`);
          return;
        }
        setTimeout(() => attempt(left - 1), 1000).unref();
      });
    };
    attempt(attempts);
  }

  private send(frameworkId: string, taskId: string, state: TaskState, fields: UpdateFields): TaskStatus {
    const status = newTaskStatus(taskId, state, { ...fields, agentId: this.host.id });
    void this.forward(frameworkId, status);
    return status;
  }

  /** The container id of the executor run a task belongs to (its updates are checkpointed under it). */
  private runContainerOf(task: AgentTask): string {
    return this.host.frameworks.get(task.frameworkId)?.executors.get(task.executorId)?.containerId ?? task.containerId.split('.')[0]!;
  }
}
