// /master/tasks's paging and ordering parameters, read as Apache Mesos 1.11 reads them
// (ReadOnlyHandler::tasks in src/master/readonly_handler.cpp). Mesos never refuses them: a
// `limit` or `offset` that is not an `int` falls back to 100 and 0, any `order` but "asc" means
// descending. Both numbers then become unsigned 64-bit sizes, so a negative limit is a huge
// one (`limit=-1`, which the Mesos CLI's `task list` sends, lists every task) and a negative
// offset starts past the end (nothing). The page's end is `offset + limit` wrapped to 64 bits,
// capped at the number of tasks; a wrapped end before the offset gives an empty page.
import { numifyInt } from '../common/numify.ts';

/** Mesos's TASK_LIMIT. */
export const DEFAULT_TASK_LIMIT = 100;

export interface TasksPaging {
  /** `limit` as the size_t Mesos computes with. */
  limit: bigint;
  /** `offset` as the size_t Mesos computes with. */
  offset: bigint;
  order: 'asc' | 'des';
}

const SIZE_BITS = 64;

export function tasksPaging(query: ReadonlyMap<string, string>): TasksPaging {
  const intOr = (name: string, fallback: number): bigint => {
    const text = query.get(name);
    const value = text === undefined ? undefined : numifyInt(text, 32);
    return BigInt.asUintN(SIZE_BITS, value ?? BigInt(fallback));
  };
  return {
    limit: intOr('limit', DEFAULT_TASK_LIMIT),
    offset: intOr('offset', 0),
    order: query.get('order') === 'asc' ? 'asc' : 'des',
  };
}

/** The [start, end) indexes of the page among `count` sorted tasks (start >= end: none). */
export function pageBounds(count: number, paging: Pick<TasksPaging, 'limit' | 'offset'>): { start: number; end: number } {
  const total = BigInt(count);
  const wrappedEnd = BigInt.asUintN(SIZE_BITS, paging.offset + paging.limit);
  const end = wrappedEnd < total ? wrappedEnd : total;
  if (paging.offset >= end) return { start: 0, end: 0 };
  return { start: Number(paging.offset), end: Number(end) };
}
