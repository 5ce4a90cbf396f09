// The agent's status update manager: every task has a stream of updates that reach the
// scheduler in order and at least once. Only the head of a stream is in flight; it is resent
// with backoff (10 s doubling to 10 min, as Mesos) until the scheduler's acknowledgement comes
// back through the master, then the next one goes.
import type { TaskStatus } from '../common/mesos.ts';

export const INITIAL_RETRY_MS = 10_000;
export const MAX_RETRY_MS = 600_000;

interface Stream {
  frameworkId: string;
  taskId: string;
  queue: TaskStatus[];
  retryMs: number;
  timer?: NodeJS.Timeout;
}

export interface StatusUpdateSender {
  /** Sends one update to the master; false when it could not be delivered now. */
  send(frameworkId: string, status: TaskStatus): void;
}

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly sender: StatusUpdateSender,
    private readonly onTerminalAcknowledged: (frameworkId: string, taskId: string) => void,
    private readonly isTerminal: (status: TaskStatus) => boolean,
  ) {}

  private key(frameworkId: string, taskId: string): string {
    return `${frameworkId}/${taskId}`;
  }

  /** Queues an update; it is sent at once if nothing else of the task is in flight. */
  update(frameworkId: string, status: TaskStatus): void {
    const key = this.key(frameworkId, status.task_id.value);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { frameworkId, taskId: status.task_id.value, queue: [], retryMs: INITIAL_RETRY_MS };
      this.streams.set(key, stream);
    }
    stream.queue.push(status);
    if (stream.queue.length === 1) this.sendHead(stream);
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
    if (this.isTerminal(head)) {
      this.streams.delete(key);
      this.onTerminalAcknowledged(frameworkId, taskId);
      return true;
    }
    if (stream.queue.length > 0) this.sendHead(stream);
    else this.streams.delete(key);
    return true;
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
