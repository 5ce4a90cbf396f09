// How long the event stream waits before subscribing again: quickly after a single break (a
// master restarting), then less and less often while the master refuses or is gone, so that a
// page left open does not knock on a dead master every second (polling goes on meanwhile).

/** Wait after `failures` failed or broken streams in a row: 1 s, 2 s, 4 s … 60 s. */
export function streamRetryDelay(failures: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, failures - 1), 60_000);
}

/**
 * Whether an answer to SUBSCRIBE means this master will not stream to this page at all, so
 * polling goes on for good: a login the page lacks (the operator API is in the read-write realm;
 * asking again would prompt for it again), or a master without the call (404, 501).
 */
export function streamRefused(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 501;
}
