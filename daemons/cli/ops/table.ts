// Text tables for the day-2 commands. Pure.

/**
 * Columns as wide as their widest cell plus two spaces, as the Mesos CLI's Table prints them
 * (cli_new/lib/cli/util.py), without the trailing blanks of the last column.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]! + 2))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A column of mesos-ps: as wide as its title plus its padding; longer text is cut with '... '. */
export interface FixedColumn {
  title: string;
  padding: number;
}

function fit(text: string, width: number): string {
  if (text.length < width) return text.padEnd(width);
  return `${text.slice(0, Math.max(0, width - 4))}... `;
}

/** mesos-ps's layout: every cell cut or padded to its column's fixed width. */
export function formatFixedTable(columns: readonly FixedColumn[], rows: readonly (readonly (string | undefined)[])[]): string {
  const header = columns.map((c) => c.title + ' '.repeat(c.padding)).join('');
  const lines = rows.map((r) => columns.map((c, i) => fit(r[i] ?? '', c.title.length + c.padding)).join(''));
  return [header, ...lines].map((l) => l.trimEnd()).join('\n');
}

/** Rows without a header, columns aligned; the `right` ones (numbers) aligned on the right. */
export function formatColumns(rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n');
}
