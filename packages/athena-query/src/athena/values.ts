/**
 * Athena result values → typed cells. GetQueryResults returns every value as text
 * (`VarCharValue`, absent for NULL) and each column's type name in `ResultSetMetadata`
 * (`varchar`, `bigint`, `timestamp`, `array`… without type parameters); the text is Trino's
 * rendering of the value.
 */
import type { CellValue, ResultColumn } from '../types.js';
import { AthenaQueryError } from './errors.js';

/** One column of an Athena result as GetQueryResults describes it. */
export interface AthenaColumnInfo {
  Name?: string | undefined;
  Label?: string | undefined;
  Type?: string | undefined;
  Precision?: number | undefined;
  Scale?: number | undefined;
}

/** Turns the text of one non-NULL cell into its typed value. */
export type CellDecoder = (text: string) => CellValue;

/**
 * Largest decimal precision returned as a number: every decimal of at most 15 significant
 * digits survives the trip through a double and back to the same text. Wider decimals come
 * back as their exact text.
 */
export const MAX_NUMBER_DECIMAL_PRECISION = 15;

function invalid(type: string, text: string): AthenaQueryError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return new AthenaQueryError(
    'INVALID_RESULT',
    `${JSON.stringify(shown)} is not a valid ${type} value`,
  );
}

const INTEGER_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function decodeInt(text: string): number {
  if (!INTEGER_RE.test(text)) throw invalid('integer', text);
  return Number(text);
}

function decodeBigint(text: string): bigint {
  if (!INTEGER_RE.test(text)) throw invalid('bigint', text);
  return BigInt(text);
}

function decodeDouble(text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
  }
  if (!DOUBLE_RE.test(text)) throw invalid('double', text);
  return Number(text);
}

function decodeBoolean(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalid('boolean', text);
}

const DATE_RE = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE =
  /^([+-]?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*(\S.*))?$/;

function utcMs(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCDate() === day && d.getUTCMonth() === month - 1;
}

function decodeDate(text: string): Date {
  const m = DATE_RE.exec(text);
  if (m === null) throw invalid('date', text);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!validDate(year, month, day)) throw invalid('date', text);
  return new Date(utcMs(year, month, day));
}

const OFFSET_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/;
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset (ms) of an IANA zone from UTC at an instant. */
function zoneOffsetAt(zone: string, instantMs: number): number {
  let fmt = zoneFormats.get(zone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    zoneFormats.set(zone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(instantMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = utcMs(
    year,
    Number(parts.month),
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/** Offset (ms) to subtract from a wall-clock time read as UTC to get the instant. */
function zoneOffset(zone: string, wallAsUtcMs: number, text: string): number {
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT' || zone === 'Etc/UTC') return 0;
  const m = OFFSET_RE.exec(zone);
  if (m !== null) {
    const sign = m[1] === '-' ? -1 : 1;
    return sign * (Number(m[2]) * 3_600_000 + Number(m[3] ?? '0') * 60_000);
  }
  try {
    // Two passes settle the offset around DST changes.
    const first = zoneOffsetAt(zone, wallAsUtcMs);
    return zoneOffsetAt(zone, wallAsUtcMs - first);
  } catch {
    throw invalid('timestamp with time zone', text);
  }
}

function decodeTimestamp(text: string, withZone: boolean): Date {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) throw invalid(withZone ? 'timestamp with time zone' : 'timestamp', text);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6] ?? '0');
  // Sub-millisecond digits (timestamp(6), timestamp(9)) are truncated: a Date holds ms.
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) {
    throw invalid('timestamp', text);
  }
  const wall = utcMs(year, month, day, hour, minute, second, ms);
  const zone = m[8];
  if (zone === undefined) return new Date(wall);
  return new Date(wall - zoneOffset(zone.trim(), wall, text));
}

function decodeJson(text: string): CellValue {
  try {
    return JSON.parse(text) as CellValue;
  } catch {
    throw invalid('json', text);
  }
}

/**
 * Parses Trino's text rendering of an ARRAY, MAP or ROW: `[a, b]`, `{k1=v1, k2=v2}`,
 * `{field=value, …}`, nested. The element types are not in the result metadata, so scalar
 * elements stay strings (`null` → null). The rendering is ambiguous when an element contains
 * `, `, `=`, or unbalanced brackets, is the text `null`, or is the only, empty, element (`[]`
 * reads as an empty array); for exact nested values select `CAST(x AS JSON)`, which
 * arrives as a `json` column and is parsed as JSON.
 *
 * @example
 * ```ts
 * parseComplexText('{a=[1, 2], b=null}'); // { a: ['1', '2'], b: null }
 * ```
 * @throws AthenaQueryError `INVALID_RESULT` when the brackets do not balance.
 */
export function parseComplexText(text: string): CellValue {
  let pos = 0;

  function fail(): never {
    throw invalid('array/map/row', text);
  }

  /** A scalar runs to the next top-level `, ` or the closing bracket of its container. */
  function scalar(stop: string, allowEquals: boolean): string {
    const start = pos;
    let depth = 0;
    while (pos < text.length) {
      const c = text[pos]!;
      if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        if (depth === 0) {
          if (c !== stop) fail();
          break;
        }
        depth--;
      } else if (depth === 0 && c === ',' && text[pos + 1] === ' ') break;
      else if (depth === 0 && !allowEquals && c === '=') break;
      pos++;
    }
    return text.slice(start, pos);
  }

  function value(stop: string): CellValue {
    const c = text[pos];
    if (c === '[') return array();
    if (c === '{') return map();
    const s = scalar(stop, true);
    return s === 'null' ? null : s;
  }

  function array(): CellValue[] {
    pos++; // [
    const out: CellValue[] = [];
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      out.push(value(']'));
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      if (text[pos] === ',' && text[pos + 1] === ' ') pos += 2;
      else fail();
    }
  }

  function map(): { [key: string]: CellValue } {
    pos++; // {
    const out: { [key: string]: CellValue } = {};
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    for (;;) {
      const key = scalar('}', false);
      if (text[pos] !== '=') fail();
      pos++;
      out[key] = value('}');
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      if (text[pos] === ',' && text[pos + 1] === ' ') pos += 2;
      else fail();
    }
  }

  if (text[0] !== '[' && text[0] !== '{') fail();
  const result = value('');
  if (pos !== text.length) fail();
  return result;
}

const identity: CellDecoder = (text) => text;

/**
 * The decoder of one column, from its Athena type name (case-insensitive, parameters such as
 * `(3)` ignored). Unknown types (`varbinary`, `time`, `interval …`, `uuid`, `ipaddress`…)
 * keep their text.
 *
 * | Athena type | value |
 * |---|---|
 * | varchar, char | string |
 * | tinyint, smallint, integer | number |
 * | bigint | bigint |
 * | double, real, float | number (NaN, ±Infinity included) |
 * | decimal | number when precision ≤ 15, else the exact text |
 * | boolean | boolean |
 * | date | Date at 00:00 UTC |
 * | timestamp | Date, the text read as UTC (sub-ms digits truncated) |
 * | timestamp with time zone | Date of that instant |
 * | json | the parsed JSON |
 * | array, map, row | arrays / objects of strings ({@link parseComplexText}) |
 *
 * @example
 * ```ts
 * columnDecoder({ Name: 'n', Type: 'bigint' })('42'); // 42n
 * columnDecoder({ Name: 't', Type: 'timestamp' })('2026-01-02 03:04:05.678'); // Date (UTC)
 * ```
 */
export function columnDecoder(column: AthenaColumnInfo): CellDecoder {
  const type = (column.Type ?? 'varchar')
    .toLowerCase()
    .replace(/\(.*?\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  switch (type) {
    case 'varchar':
    case 'char':
    case 'string':
      return identity;
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return decodeInt;
    case 'bigint':
      return decodeBigint;
    case 'double':
    case 'real':
    case 'float':
      return decodeDouble;
    case 'decimal': {
      const precision = column.Precision ?? Number.POSITIVE_INFINITY;
      if (precision > MAX_NUMBER_DECIMAL_PRECISION) {
        return (text) => {
          if (!DECIMAL_RE.test(text)) throw invalid('decimal', text);
          return text;
        };
      }
      return (text) => {
        if (!DECIMAL_RE.test(text)) throw invalid('decimal', text);
        return Number(text);
      };
    }
    case 'boolean':
      return decodeBoolean;
    case 'date':
      return decodeDate;
    case 'timestamp':
    case 'timestamp without time zone':
      return (text) => decodeTimestamp(text, false);
    case 'timestamp with time zone':
      return (text) => decodeTimestamp(text, true);
    case 'json':
      return decodeJson;
    case 'array':
    case 'map':
    case 'row':
    case 'struct':
      return parseComplexText;
    default:
      return identity;
  }
}

/** The result columns (name and Athena type) of a result set. */
export function resultColumns(info: readonly AthenaColumnInfo[]): ResultColumn[] {
  return info.map((c, i) => ({
    name: c.Name ?? c.Label ?? `_col${i}`,
    type: (c.Type ?? 'varchar').toLowerCase(),
  }));
}
