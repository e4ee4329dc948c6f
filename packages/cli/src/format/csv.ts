/**
 * CSV output as RFC 4180 writes it: fields separated by commas, records ended by CRLF, a field
 * that holds a comma, a double quote, CR or LF enclosed in double quotes with its quotes
 * doubled.
 */
import type { CellValue } from '@logpipe/athena-query';
import { cellText } from './cell.js';

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field. `null` is an empty field and the empty string a quoted empty field (`""`),
 * so the two stay apart.
 *
 * @example
 * ```ts
 * csvField('say "hi", then go'); // '"say ""hi"", then go"'
 * ```
 */
export function csvField(value: CellValue): string {
  if (value === null) return '';
  const text = cellText(value);
  if (text === '') return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV record with its CRLF.
 *
 * @example
 * ```ts
 * csvRecord(['a', 1n, null]); // 'a,1,\r\n'
 * ```
 */
export function csvRecord(values: readonly CellValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
