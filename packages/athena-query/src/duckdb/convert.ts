/**
 * DuckDB values → {@link CellValue}, typed the way the Athena engine types the same SQL types,
 * so one compiled query gives the same JavaScript types on both engines.
 */
import type {
  DuckDBArrayType,
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBListType,
  DuckDBListValue,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampValue,
  DuckDBType,
  DuckDBTypeId,
  DuckDBUnionType,
  DuckDBUnionValue,
  DuckDBValue,
} from '@duckdb/node-api';
import type { CellValue } from '../types.js';

/** Converts one non-NULL value of a column. */
export type ValueConverter = (value: DuckDBValue) => CellValue;

/**
 * Widest DECIMAL returned as a number: up to 15 significant digits survive a double. Wider
 * decimals come back as their exact text (as the Athena engine does).
 */
export const MAX_NUMBER_DECIMAL_WIDTH = 15;

/** Largest |epoch ms| a JavaScript Date holds. */
const MAX_DATE_MS = 8.64e15;
const DAY_MS = 86_400_000;

/** The runtime enum of DuckDB type ids (from the loaded module). */
export type TypeIds = typeof DuckDBTypeId;

const identity: ValueConverter = (v) => v as CellValue;

/** A Date of epoch ms, or the DuckDB text (`infinity`, year 300000…) when a Date cannot hold it. */
function dateOrText(ms: bigint | number, value: DuckDBValue): CellValue {
  const n = Number(ms);
  return Math.abs(n) <= MAX_DATE_MS ? new Date(n) : String(value);
}

/** Floor division of bigints (towards −∞, so pre-1970 times keep their millisecond). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function text(value: DuckDBValue): CellValue {
  return String(value);
}

/** Map keys become object keys: strings as they are, other values in a readable form. */
function keyText(key: CellValue): string {
  if (typeof key === 'string') return key;
  if (key instanceof Date) return key.toISOString();
  if (key !== null && typeof key === 'object') return JSON.stringify(key, jsonBigint);
  return String(key);
}

function jsonBigint(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

function nullable(convert: ValueConverter): (value: DuckDBValue) => CellValue {
  return (v) => (v === null || v === undefined ? null : convert(v));
}

/**
 * The converter of one column type (applied to non-NULL values; NULL stays `null`).
 *
 * | DuckDB type | value |
 * |---|---|
 * | VARCHAR, ENUM, UUID | string |
 * | JSON (VARCHAR alias) | the parsed JSON (the text when it does not parse) |
 * | TINYINT … INTEGER, UTINYINT … UINTEGER, FLOAT, DOUBLE | number |
 * | BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM | bigint (always, also when small: `count(*)` is `12n`) |
 * | DECIMAL(w, s) | number when w ≤ 15, else its exact text |
 * | BOOLEAN | boolean |
 * | TIMESTAMP, TIMESTAMPTZ, TIMESTAMP_S/_MS/_NS | Date (sub-millisecond digits dropped); text when out of a Date's range (`infinity`) |
 * | DATE | Date at 00:00 UTC |
 * | LIST, ARRAY | array |
 * | STRUCT | plain object |
 * | MAP | plain object (keys as text) |
 * | UNION | the value of its member |
 * | TIME, TIMETZ, INTERVAL, BLOB, BIT, others | DuckDB's text of the value |
 *
 * @example
 * ```ts
 * const convert = columnConverter(result.columnType(0), duck.DuckDBTypeId);
 * const cell = convert(chunk.getColumnValues(0)[0] ?? null);
 * ```
 */
export function columnConverter(type: DuckDBType, ids: TypeIds): (value: DuckDBValue) => CellValue {
  return nullable(converterOf(type, ids));
}

function converterOf(type: DuckDBType, ids: TypeIds): ValueConverter {
  switch (type.typeId) {
    case ids.BOOLEAN:
    case ids.TINYINT:
    case ids.SMALLINT:
    case ids.INTEGER:
    case ids.UTINYINT:
    case ids.USMALLINT:
    case ids.UINTEGER:
    case ids.FLOAT:
    case ids.DOUBLE:
      return identity;
    case ids.VARCHAR:
      return type.alias?.toUpperCase() === 'JSON' ? parseJson : identity;
    case ids.BIGINT:
    case ids.UBIGINT:
    case ids.HUGEINT:
    case ids.UHUGEINT:
    case ids.BIGNUM:
      return (v) => (typeof v === 'bigint' ? v : BigInt(v as number));
    case ids.DECIMAL: {
      const width = (type as DuckDBDecimalType).width;
      return width <= MAX_NUMBER_DECIMAL_WIDTH
        ? (v) => (v as DuckDBDecimalValue).toDouble()
        : (v) => (v as DuckDBDecimalValue).toString();
    }
    case ids.TIMESTAMP:
    case ids.TIMESTAMP_TZ:
      return (v) => dateOrText(floorDiv((v as DuckDBTimestampValue).micros, 1000n), v);
    case ids.TIMESTAMP_S:
      return (v) => dateOrText((v as DuckDBTimestampSecondsValue).seconds * 1000n, v);
    case ids.TIMESTAMP_MS:
      return (v) => dateOrText((v as DuckDBTimestampMillisecondsValue).millis, v);
    case ids.TIMESTAMP_NS:
      return (v) =>
        dateOrText(floorDiv((v as DuckDBTimestampNanosecondsValue).nanos, 1_000_000n), v);
    case ids.DATE:
      return (v) => dateOrText((v as DuckDBDateValue).days * DAY_MS, v);
    case ids.LIST:
    case ids.ARRAY: {
      const item = columnConverter((type as DuckDBListType | DuckDBArrayType).valueType, ids);
      return (v) => (v as DuckDBListValue).items.map(item);
    }
    case ids.STRUCT: {
      const t = type as DuckDBStructType;
      const entries = t.entryNames.map((name, i) => {
        const convert = columnConverter(t.entryTypes[i] as DuckDBType, ids);
        return [name, convert] as const;
      });
      return (v) => {
        const values = (v as DuckDBStructValue).entries;
        // fromEntries defines own properties: a field named __proto__ stays data.
        return Object.fromEntries(
          entries.map(([name, convert]) => [name, convert(values[name] ?? null)]),
        );
      };
    }
    case ids.MAP: {
      const t = type as DuckDBMapType;
      const key = columnConverter(t.keyType, ids);
      const value = columnConverter(t.valueType, ids);
      return (v) =>
        Object.fromEntries(
          (v as DuckDBMapValue).entries.map((e) => [keyText(key(e.key)), value(e.value)]),
        );
    }
    case ids.UNION: {
      const t = type as DuckDBUnionType;
      const members = new Map(
        t.memberTags.map((tag, i) => [tag, columnConverter(t.memberTypes[i] as DuckDBType, ids)]),
      );
      return (v) => {
        const u = v as DuckDBUnionValue;
        const convert = members.get(u.tag);
        return convert === undefined ? String(u.value) : convert(u.value);
      };
    }
    case ids.ENUM:
    case ids.UUID:
      return text;
    default:
      return text;
  }
}

function parseJson(v: DuckDBValue): CellValue {
  const s = v as string;
  try {
    return JSON.parse(s) as CellValue;
  } catch {
    return s;
  }
}
