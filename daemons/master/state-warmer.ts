// Serializes tasks for /master/state a little at a time between other work. Without it the first
// call after a failover, or after a burst of launches, serializes every task at once and sums the
// resources of every agent and framework, which is most of that answer's time (BENCHMARKS.md has
// the first call with and without it). A slice is skipped while the master is busy: when its
// timer fires late (other work is queued) or when the event loop was busy for most of the last
// second (under a sustained load the work would only be taken from it). Passes start `restMs`
// apart: a pass scans every task, and back to back they would take a steady share of the
// master's CPU under load.
import type { Master } from './master.ts';
import { stateTasks, warmTaskJson } from './state-json.ts';

export interface WarmerOptions {
  /** Work per slice. */
  sliceMs: number;
  /** Between slices while a pass is under way. */
  intervalMs: number;
  /** Between the end of a pass and the start of the next. */
  restMs: number;
  /** A task whose latest status is younger than this may change again soon: left for later. */
  settledMs: number;
  /** A slice whose timer fired this late is skipped: the master is busy. */
  lateMs: number;
  /** Slices are skipped while the event loop was busy for more than this share of the last second. */
  busyShare: number;
}

export const WARMER_DEFAULTS: WarmerOptions = { sliceMs: 4, intervalMs: 20, restMs: 2000, settledMs: 1000, lateMs: 25, busyShare: 0.5 };

export interface WarmerClock {
  /** Monotonic milliseconds, for slices and lateness. */
  now(): number;
  /** Wall-clock milliseconds since the epoch, to compare with status timestamps. */
  wall(): number;
  /** The share of the last whole second the event loop spent busy (0 before the first). */
  busyShare(): number;
}

function realClock(): WarmerClock {
  let mark = performance.eventLoopUtilization();
  let last = 0;
  return {
    now: () => performance.now(),
    wall: () => Date.now(),
    busyShare() {
      const since = performance.eventLoopUtilization(mark);
      if (since.idle + since.active >= 1000) {
        last = since.utilization;
        mark = performance.eventLoopUtilization();
      }
      return last;
    },
  };
}

export class StateJsonWarmer {
  private pass: Iterator<void, void> | undefined;
  private settledBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = 0;
  /** Tasks serialized so far, for tests and the bench. */
  serialized = 0;

  constructor(
    private readonly master: Master,
    private readonly opts: WarmerOptions = WARMER_DEFAULTS,
    private readonly clock: WarmerClock = realClock(),
  ) {}

  start(): void {
    if (this.timer === undefined) this.schedule(this.opts.intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Does the work a /master/state call would otherwise do, until the slice's time is up. Returns
   * the wait before the next slice: short while a pass is under way, long after it ended.
   */
  slice(): number {
    const deadline = this.clock.now() + this.opts.sliceMs;
    this.settledBefore = (this.clock.wall() - this.opts.settledMs) / 1000;
    this.pass ??= this.work();
    for (let seen = 1; ; seen++) {
      const next = this.pass.next();
      if (next.done === true) {
        this.pass = undefined;
        return this.opts.restMs;
      }
      // The clock is read every 64 items: a check costs less than a serialization, a read more.
      if ((seen & 63) === 0 && this.clock.now() >= deadline) return this.opts.intervalMs;
    }
  }

  /** One pass over every task, agent and framework. */
  private *work(): Generator<void, void, undefined> {
    for (const task of stateTasks(this.master)) {
      if (warmTaskJson(task, this.settledBefore)) this.serialized++;
      yield;
    }
    // The sums of used resources that every agent and framework reports: summing them all is
    // linear in the number of tasks and would otherwise fall on the first call. Each is kept
    // until its task table changes.
    for (const owner of [this.master.agents.values(), this.master.frameworks.values()]) {
      for (const { tasks } of owner) {
        if (!tasks.usedIsCurrent()) tasks.usedResources();
        yield;
      }
    }
  }

  private schedule(ms: number): void {
    this.dueAt = this.clock.now() + ms;
    this.timer = setTimeout(() => {
      const busy = this.clock.now() - this.dueAt > this.opts.lateMs || this.clock.busyShare() > this.opts.busyShare;
      const wait = busy ? this.opts.intervalMs : this.slice();
      if (this.timer !== undefined) this.schedule(wait);
    }, ms);
    this.timer.unref();
  }
}
