// The agent's status update manager: every task has a stream of updates that reach the
// scheduler in order and at least once. Only the head of a stream is in flight; it is resent
// with backoff (10 s doubling to 10 min, as Mesos) until the scheduler's acknowledgement comes
// back through the master, then the next one goes. With persistence, an update is checkpointed
// before it is sent and acknowledgements are logged, so a restarted agent resends what was not
// acknowledged (an acknowledgement the log lost only costs one more resend).
import { newStatusUuid } from '../common/ids.ts';
import type { CheckStatusInfo, TaskState, TaskStatus, TaskStatusReason, TaskStatusSource } from '../common/mesos.ts';

/** What an update says besides its task and state. */
export interface UpdateFields {
  agentId?: string | undefined;
  executorId?: string | undefined;
  containerId?: string | undefined;
  /** SOURCE_EXECUTOR unless said otherwise: the agent speaks as the executors it plays. */
  source?: TaskStatusSource | undefined;
  message?: string | undefined;
  reason?: TaskStatusReason | undefined;
  healthy?: boolean | undefined;
  checkStatus?: CheckStatusInfo | undefined;
}

/** A new update of a task, with a fresh uuid (the scheduler acknowledges it by that uuid). */
export function newTaskStatus(taskId: string, state: TaskState, f: UpdateFields): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: taskId },
    state,
    source: f.source ?? 'SOURCE_EXECUTOR',
    timestamp: Date.now() / 1000,
    uuid: newStatusUuid(),
  };
  if (f.executorId) status.executor_id = { value: f.executorId };
  if (f.agentId) status.agent_id = { value: f.agentId };
  if (f.message) status.message = f.message;
  if (f.reason) status.reason = f.reason;
  if (f.healthy !== undefined) status.healthy = f.healthy;
  if (f.checkStatus) status.check_status = f.checkStatus;
  if (f.containerId) status.container_status = { container_id: { value: f.containerId } };
  return status;
}

export const INITIAL_RETRY_MS = 10_000;
export const MAX_RETRY_MS = 600_000;

interface Stream {
  frameworkId: string;
  taskId: string;
  queue: TaskStatus[];
  retryMs: number;
  timer?: NodeJS.Timeout;
  /** Serializes this stream's checkpoint writes so the log keeps the stream's order. */
  chain: Promise<void>;
}

export interface StatusUpdateSender {
  send(frameworkId: string, status: TaskStatus): void;
  /** A task's terminal update is queued behind unacknowledged ones: tell the master now. */
  latestState?(frameworkId: string, taskId: string, state: TaskStatus['state']): void;
}

export interface UpdatePersistence {
  /** Durably records an update; it is sent only after this resolves. */
  update(frameworkId: string, status: TaskStatus): Promise<void>;
  /** Records an acknowledgement (losing one only causes a harmless resend). */
  ack(frameworkId: string, taskId: string, uuid: string): Promise<void>;
  /** Reports a failed checkpoint write; the update is still sent. */
  failed(err: unknown): void;
}

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly sender: StatusUpdateSender,
    private readonly onTerminalAcknowledged: (frameworkId: string, taskId: string) => void,
    private readonly isTerminal: (status: TaskStatus) => boolean,
    private readonly persistence?: UpdatePersistence,
  ) {}

  private key(frameworkId: string, taskId: string): string {
    return `${frameworkId}/${taskId}`;
  }

  private stream(frameworkId: string, taskId: string): Stream {
    const key = this.key(frameworkId, taskId);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { frameworkId, taskId, queue: [], retryMs: INITIAL_RETRY_MS, chain: Promise.resolve() };
      this.streams.set(key, stream);
    }
    return stream;
  }

  private enqueue(stream: Stream, status: TaskStatus): void {
    stream.queue.push(status);
    if (stream.queue.length === 1) this.sendHead(stream);
    else if (this.isTerminal(status)) this.sender.latestState?.(stream.frameworkId, stream.taskId, status.state);
  }

  /**
   * Queues an update; it is sent at once if nothing else of the task is in flight (after it is
   * checkpointed, with persistence). The promise resolves once it is queued.
   */
  update(frameworkId: string, status: TaskStatus): Promise<void> {
    const stream = this.stream(frameworkId, status.task_id.value);
    const persistence = this.persistence;
    if (!persistence) {
      this.enqueue(stream, status);
      return Promise.resolve();
    }
    stream.chain = stream.chain
      .then(() => persistence.update(frameworkId, status))
      .catch((err: unknown) => persistence.failed(err))
      .then(() => {
        if (this.streams.get(this.key(frameworkId, status.task_id.value)) === stream) this.enqueue(stream, status);
      });
    return stream.chain;
  }

  /** The scheduler acknowledged `uuid`; returns false when it was not the update in flight. */
  acknowledge(frameworkId: string, taskId: string, uuid: string): boolean {
    const key = this.key(frameworkId, taskId);
    const stream = this.streams.get(key);
    const head = stream?.queue[0];
    if (!stream || !head || head.uuid !== uuid) return false;
    stream.queue.shift();
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    stream.retryMs = INITIAL_RETRY_MS;
    const persistence = this.persistence;
    if (persistence) {
      stream.chain = stream.chain.then(() => persistence.ack(frameworkId, taskId, uuid)).catch((err: unknown) => persistence.failed(err));
    }
    if (this.isTerminal(head)) {
      this.streams.delete(key);
      const done = () => this.onTerminalAcknowledged(frameworkId, taskId);
      if (persistence) void stream.chain.then(done);
      else done();
      return true;
    }
    if (stream.queue.length > 0) this.sendHead(stream);
    else if (!persistence) this.streams.delete(key);
    return true;
  }

  /** Restores a recovered task's unacknowledged updates; they go out with resendAll(). */
  recover(frameworkId: string, taskId: string, pending: TaskStatus[]): void {
    if (pending.length === 0) return;
    const stream = this.stream(frameworkId, taskId);
    stream.queue.push(...pending);
  }

  /** Resends every in-flight update now (after (re-)registering with a master). */
  resendAll(): void {
    for (const stream of this.streams.values()) {
      if (stream.timer) clearTimeout(stream.timer);
      stream.retryMs = INITIAL_RETRY_MS;
      this.sendHead(stream);
    }
  }

  /** Drops the streams of a framework (it was shut down; nobody will acknowledge). */
  removeFramework(frameworkId: string): void {
    for (const [key, stream] of this.streams) {
      if (stream.frameworkId !== frameworkId) continue;
      if (stream.timer) clearTimeout(stream.timer);
      this.streams.delete(key);
    }
  }

  /** Updates not yet acknowledged, oldest first, for the agent's state and re-registration. */
  pending(frameworkId: string, taskId: string): readonly TaskStatus[] {
    return this.streams.get(this.key(frameworkId, taskId))?.queue ?? [];
  }

  get size(): number {
    return this.streams.size;
  }

  /** Resolves when every checkpoint write issued so far has finished. */
  async flushed(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => s.chain));
  }

  /** Drops every stream (the agent starts over under a new identity). */
  clear(): void {
    this.stop();
    this.streams.clear();
  }

  stop(): void {
    for (const stream of this.streams.values()) if (stream.timer) clearTimeout(stream.timer);
  }

  private sendHead(stream: Stream): void {
    const head = stream.queue[0];
    if (!head) return;
    this.sender.send(stream.frameworkId, head);
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = setTimeout(() => {
      stream.retryMs = Math.min(stream.retryMs * 2, MAX_RETRY_MS);
      this.sendHead(stream);
    }, stream.retryMs);
    stream.timer.unref();
  }
}
