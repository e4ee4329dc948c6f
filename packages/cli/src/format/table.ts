/**
 * The human-readable table of a query result.
 */
import type { CellValue } from '@logpipe/athena-query';
import Table from 'cli-table3';
import { cellText } from './cell.js';

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Colour the header and borders (a terminal). Default false. */
  color?: boolean | undefined;
  /** Longest cell text shown; longer text is cut with `…`. Default 80. */
  maxCellWidth?: number | undefined;
}

/** Text of a cell in a table: one line, numbers without float noise, cut when too long. */
function tableCell(value: CellValue, max: number): string {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) {
    // 3 decimals (4 significant digits below 1): the exact value is in --format json.
    text = String(Math.abs(value) >= 1 ? Number(value.toFixed(3)) : Number(value.toPrecision(4)));
  } else {
    text = cellText(value);
  }
  text = text.replace(/\r\n|\r|\n/g, '↵').replace(/\t/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A result as a table: a header of column names, one line per row; columns whose values are
 * all numbers are right-aligned.
 *
 * @example
 * ```ts
 * console.log(formatTable(['level', 'n'], [{ level: 'error', n: 3n }]));
 * ```
 */
export function formatTable(
  columns: readonly string[],
  rows: readonly Record<string, CellValue>[],
  options: TableOptions = {},
): string {
  const max = Math.max(2, options.maxCellWidth ?? 80);
  const numeric = columns.map((c) =>
    rows.every((r) => {
      const v = r[c] ?? null;
      return v === null || typeof v === 'number' || typeof v === 'bigint';
    }),
  );
  const table = new Table({
    head: [...columns],
    colAligns: numeric.map((n) => (n ? 'right' : 'left')),
    // compact: no rule between rows, a result reads as a list.
    style: options.color === true ? { compact: true } : { compact: true, head: [], border: [] },
  });
  for (const row of rows) table.push(columns.map((c) => tableCell(row[c] ?? null, max)));
  return table.toString();
}
