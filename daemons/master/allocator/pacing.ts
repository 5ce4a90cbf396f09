// When the next allocation run may start. The master allocates as soon as anything changes
// (the end of the turn), which keeps offers quick while runs are short. A run can take much
// longer: after thousands of declines every framework has refuse filters on every agent, and
// each run checks them all. Back to back, such runs would starve the master of time to read
// calls (on a large cluster even /master/state would wait behind them). So a run that took
// longer than SHORT_RUN_MS is followed by a pause as long as itself: allocation gets at most
// half of the master's time.

/** Runs up to this long are followed at once by the next, when one is due. */
export const SHORT_RUN_MS = 5;

/** Milliseconds to wait before the next run, given how long the last one took and ended ago. */
export function allocationPauseMs(lastRunMs: number, sinceLastEndMs: number): number {
  if (!(lastRunMs > SHORT_RUN_MS)) return 0;
  return Math.max(0, lastRunMs - sinceLastEndMs);
}
