// A sortable, filterable, paged table. Only the current page is rendered, so a list of 10,000
// tasks costs one page of DOM; filter and sort run over plain values (see table-logic.ts).
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { formatCount } from '../format.ts';
import { text } from '../model.ts';
import { type SortKey, type SortSpec, filterRows, pageOf, sortRows } from '../table-logic.ts';

export interface Column<T> {
  id: string;
  title: string;
  /** The sort key; also the text the filter matches unless `search` or `searchable` says otherwise. */
  value: (row: T) => SortKey;
  /** The text the filter matches, when it differs from the sort key. */
  search?: (row: T) => string;
  /** What the cell shows; defaults to `value` as text. */
  render?: (row: T) => ComponentChildren;
  numeric?: boolean;
  searchable?: boolean;
  sortable?: boolean;
}

export interface DataTableProps<T> {
  /** Names the table for tests and the filter's label (`data-table` attribute). */
  id: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  defaultSort?: SortSpec;
  pageSize?: number;
  /** What a row is called in "Showing 1–50 of 200 tasks". */
  noun?: string;
  emptyText?: string;
  /** Extra controls beside the filter box (e.g. a state selector). */
  toolbar?: ComponentChildren;
}

const PAGE_SIZES = [25, 50, 100, 250];

export function DataTable<T>(props: DataTableProps<T>) {
  const { id, rows, columns, rowKey, noun = 'rows' } = props;
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortSpec | undefined>(props.defaultSort);
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(props.pageSize ?? 50);

  const shown = useMemo(() => {
    const searchable = columns.filter((c) => c.searchable !== false);
    const filtered =
      query.trim() === ''
        ? rows
        : filterRows(rows, query, (r) => searchable.map((c) => (c.search ? c.search(r) : text(c.value(r)))).join('\u0000'));
    const col = sort && columns.find((c) => c.id === sort.column);
    return col && sort ? sortRows(filtered, col.value, sort.dir) : filtered;
  }, [rows, columns, query, sort]);
  const current = pageOf(shown, page, size);

  const toggleSort = (column: string) => {
    setSort((s) => (s?.column === column ? { column, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { column, dir: 'asc' }));
  };

  return (
    <div class="table-block" data-table={id}>
      <div class="table-toolbar">
        <input
          type="search"
          class="filter"
          placeholder="Filter…"
          aria-label={`Filter ${noun}`}
          value={query}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            setPage(0);
          }}
        />
        {props.toolbar}
        <span class="table-count" data-count={current.total}>
          {current.total === 0
            ? `No ${noun}`
            : `Showing ${formatCount(current.first)}–${formatCount(current.last)} of ${formatCount(current.total)} ${noun}`}
          {current.total !== rows.length ? ` (filtered from ${formatCount(rows.length)})` : ''}
        </span>
      </div>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              {columns.map((c) => {
                const dir = sort?.column === c.id ? sort.dir : undefined;
                return (
                  <th
                    key={c.id}
                    class={c.numeric ? 'num' : undefined}
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                    data-column={c.id}
                  >
                    {c.sortable === false ? (
                      c.title
                    ) : (
                      <button type="button" class="sort" onClick={() => toggleSort(c.id)}>
                        {c.title}
                        <span class="sort-mark" aria-hidden="true">
                          {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                        </span>
                      </button>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {current.rows.length === 0 ? (
              <tr class="empty">
                <td colSpan={columns.length}>{rows.length === 0 ? (props.emptyText ?? `No ${noun}.`) : `No ${noun} match the filter.`}</td>
              </tr>
            ) : (
              current.rows.map((row) => (
                <tr key={rowKey(row)}>
                  {columns.map((c) => (
                    <td key={c.id} class={c.numeric ? 'num' : undefined} data-column={c.id}>
                      {c.render ? c.render(row) : text(c.value(row))}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {current.total > PAGE_SIZES[0]! && (
        <nav class="pager" aria-label={`Pages of ${noun}`}>
          <button type="button" disabled={current.page === 0} onClick={() => setPage(0)}>
            « First
          </button>
          <button type="button" disabled={current.page === 0} onClick={() => setPage(current.page - 1)}>
            ‹ Prev
          </button>
          <span class="pager-pos">
            Page {formatCount(current.page + 1)} of {formatCount(current.pageCount)}
          </span>
          <button type="button" disabled={current.page >= current.pageCount - 1} onClick={() => setPage(current.page + 1)}>
            Next ›
          </button>
          <button type="button" disabled={current.page >= current.pageCount - 1} onClick={() => setPage(current.pageCount - 1)}>
            Last »
          </button>
          <label>
            Rows per page{' '}
            <select
              value={size}
              onChange={(e) => {
                setSize(Number(e.currentTarget.value));
                setPage(0);
              }}
            >
              {PAGE_SIZES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </nav>
      )}
    </div>
  );
}
