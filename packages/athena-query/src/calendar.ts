/**
 * UTC calendar steps shared by the partition predicate (`insights/partitions.ts`) and the
 * ranged listing of the DuckDB engine (`duckdb/views.ts`). Every year of the lake layout
 * (0000–9999) is taken as it is: `Date.UTC` would read years 0–99 as 1900–1999.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Midnight UTC of the first of month `month` (0-based; may overflow into the next years) of `year`. */
export function monthStart(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 1);
  return d.getTime();
}

/** Midnight UTC of the first of the month after the one holding `t`. */
export function nextMonthStart(t: number): number {
  const d = new Date(t);
  return monthStart(d.getUTCFullYear(), d.getUTCMonth() + 1);
}

/** Midnight UTC of 1 January of the year after the one holding `t`. */
export function nextYearStart(t: number): number {
  return monthStart(new Date(t).getUTCFullYear() + 1, 0);
}
