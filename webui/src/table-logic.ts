// Filtering, sorting and paging of table rows. Pure and close to linear (each row's key is
// computed once), so a cluster's whole task list can be filtered and sorted on every poll; only
// one page of it reaches the DOM.

export type SortDir = 'asc' | 'desc';
export type SortKey = string | number | undefined;

export interface SortSpec {
  column: string;
  dir: SortDir;
}

/** Undefined sorts last in both directions; numbers numerically; strings by code point. */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A stable sort on one key (computed once per row), ties kept in input order. */
export function sortRows<T>(rows: readonly T[], key: (row: T) => SortKey, dir: SortDir): T[] {
  const decorated = rows.map((row, index) => ({ row, index, key: key(row) }));
  const sign = dir === 'asc' ? 1 : -1;
  decorated.sort((x, y) => {
    if (x.key === undefined || y.key === undefined) {
      const c = compareKeys(x.key, y.key);
      if (c !== 0) return c;
    } else {
      const c = compareKeys(x.key, y.key) * sign;
      if (c !== 0) return c;
    }
    return x.index - y.index;
  });
  return decorated.map((d) => d.row);
}

/** Rows whose text contains every whitespace-separated word of the query, case-insensitively. */
export function filterRows<T>(rows: readonly T[], query: string, textOf: (row: T) => string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows.slice();
  return rows.filter((row) => {
    const t = textOf(row).toLowerCase();
    return words.every((w) => t.includes(w));
  });
}

export interface Page<T> {
  rows: T[];
  /** Zero-based page index, clamped into range. */
  page: number;
  pageCount: number;
  /** One-based index of the first row shown (0 when empty). */
  first: number;
  last: number;
  total: number;
}

export function pageOf<T>(rows: readonly T[], page: number, size: number): Page<T> {
  const total = rows.length;
  const pageCount = Math.max(1, Math.ceil(total / size));
  const p = Math.min(Math.max(0, Math.floor(page)), pageCount - 1);
  const start = p * size;
  const slice = rows.slice(start, start + size);
  return { rows: slice, page: p, pageCount, first: slice.length ? start + 1 : 0, last: start + slice.length, total };
}
