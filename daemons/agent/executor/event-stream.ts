// The event stream to a subscribed custom executor (the response to its SUBSCRIBE) with the
// HEARTBEAT events that keep it open, and the one deadline an executor is held to at a time
// (registration, re-registration, or the grace period after SHUTDOWN).
import type { ExecutorConnection, ExecutorEvent } from './calls.ts';

export class EventStream {
  private connection: ExecutorConnection | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  get open(): boolean {
    return this.connection !== undefined;
  }

  /** Whether events go to this connection now. */
  uses(connection: ExecutorConnection): boolean {
    return this.connection === connection;
  }

  /** Streams to `connection` from now on, with a HEARTBEAT every `heartbeatSecs`. */
  attach(connection: ExecutorConnection, heartbeatSecs: number): void {
    this.detach();
    this.connection = connection;
    this.heartbeat = setInterval(() => connection.send({ type: 'HEARTBEAT' }), heartbeatSecs * 1000);
    this.heartbeat.unref();
  }

  /** Stops streaming (the connection ended, or another replaces it); returns the connection it used. */
  detach(): ExecutorConnection | undefined {
    const connection = this.connection;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.connection = undefined;
    return connection;
  }

  /** False when no executor listens and the event was dropped. */
  send(event: ExecutorEvent): boolean {
    return this.connection?.send(event) ?? false;
  }
}

export class Deadline {
  private timer: NodeJS.Timeout | undefined;

  /** Calls `fire` in `secs` seconds, unless cleared or armed again first. */
  arm(secs: number, fire: () => void): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fire();
    }, secs * 1000);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
