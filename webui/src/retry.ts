// How long the event stream waits before subscribing again: quickly after a single break (a
// master restarting), then less and less often while the master refuses or is gone, so that a
// page left open does not knock on a dead master every second (polling goes on meanwhile).

/** Wait after `failures` failed or broken streams in a row: 1 s, 2 s, 4 s … 60 s. */
export function streamRetryDelay(failures: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, failures - 1), 60_000);
}
