// Runs an async step for each item with at most `limit` steps in flight: work that fans out to
// many files or daemon requests (reading /proc for every process, inspecting every container)
// takes libuv's thread pool or a daemon in small bites, leaving room for everything else.

/**
 * Calls `step` for every item, at most `limit` at a time, and resolves when all are done (a step
 * that throws rejects it: steps catch what they can live with). `worker` (0 to limit - 1) tells
 * which of the parallel workers runs the step, so each can have scratch space of its own.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, step: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (_: unknown, w: number) => {
    while (next < items.length) {
      const item = items[next++]!;
      await step(item, w);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
