// Long work cut into slices, so that no turn of the event loop holds it for more than a few
// milliseconds: /health, heartbeats and other clients' calls are served between the slices.
// Every piece of sliced work shares one budget per turn, taking steps in turn: twenty large
// RECONCILE answers at once hold a turn no longer than one does.

/** The longest a turn runs steps of sliced work, in ms. */
export const SLICE_MS = 4;

export interface SliceOptions {
  /**
   * Asked before each step: a number of ms to wait before doing more (back-pressure, e.g. the
   * reader of what the work produces is behind), or 0 to go on.
   */
  pause?: () => number;
  /** Wait for the next turn's budget even for the first step (work that arrives in bursts). */
  deferred?: boolean;
}

interface Job {
  step: () => boolean;
  pause: (() => number) | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const runnable: Job[] = [];
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runTurn);
}

function runTurn(): void {
  scheduled = false;
  const end = performance.now() + SLICE_MS;
  while (runnable.length > 0 && performance.now() < end) {
    const job = runnable.shift()!;
    advance(job);
  }
  if (runnable.length > 0) schedule();
}

/** One step of a job: done, back in the queue, or waiting out its pause. */
function advance(job: Job): void {
  try {
    const wait = job.pause?.() ?? 0;
    if (wait > 0) {
      setTimeout(() => {
        runnable.push(job);
        schedule();
      }, wait);
      return;
    }
    if (job.step()) {
      job.resolve();
      return;
    }
    runnable.push(job);
    schedule();
  } catch (err) {
    job.reject(err);
  }
}

/**
 * Runs `step` until it returns true (done). Each call of `step` should do a small, bounded amount
 * of work (a millisecond or so); the steps of all sliced work share SLICE_MS per turn of the event
 * loop. Unless `deferred`, the first step runs at once, so work of one step ends before this
 * returns.
 */
export function runInSlices(step: () => boolean, opts: SliceOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const job: Job = { step, pause: opts.pause, resolve, reject };
    if (!opts.deferred) {
      advance(job);
      return;
    }
    runnable.push(job);
    schedule();
  });
}
