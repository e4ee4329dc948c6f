/**
 * Text of query result cells, shared by the table, CSV and chart output.
 */
import type { CellValue } from '@logpipe/athena-query';

/**
 * JSON text of a cell value: Dates as ISO 8601 strings, bigints as exact JSON numbers
 * (digits, no quotes), non-finite numbers as `null` (JSON has none), objects and arrays
 * recursively.
 *
 * @example
 * ```ts
 * cellJson({ n: 12n, at: new Date(0) }); // '{"n":12,"at":"1970-01-01T00:00:00.000Z"}'
 * ```
 */
export function cellJson(value: CellValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`;
  if (Array.isArray(value)) return `[${value.map((v: CellValue) => cellJson(v)).join(',')}]`;
  const obj = value as { readonly [key: string]: CellValue };
  return `{${Object.keys(obj)
    .map((k) => `${JSON.stringify(k)}:${cellJson(obj[k] as CellValue)}`)
    .join(',')}}`;
}

/**
 * Plain text of a cell: `''` for null, ISO 8601 for Dates, digits for bigints, JSON for
 * objects and arrays.
 *
 * @example
 * ```ts
 * cellText(new Date(0)); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function cellText(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return cellJson(value);
}

/** The number a cell holds, for charts: numbers and bigints; `undefined` otherwise. */
export function cellNumber(value: CellValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
