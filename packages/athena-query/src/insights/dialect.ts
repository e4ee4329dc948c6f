/**
 * What differs between Athena (Trino, engine v3) and DuckDB SQL, in one place. Every
 * function returns SQL that computes the same value in its dialect; where the
 * engines' own functions disagree (regex extraction on no match, division by zero,
 * trimming, JSON scalars) the SQL here is written to agree.
 *
 * Timestamps travel through a compiled query as BIGINT epoch milliseconds and become
 * timestamps only in the final SELECT: no step depends on a session time zone.
 */
import type { Dialect } from '../types.js';
import { intLiteral, join, param, raw, type Sql, sql, stringLiteral } from './sql.js';

/** Text that is a number: what Logs Insights treats as a number value. */
export const NUMBER_TEXT_RE = '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';

/** Characters `trim`/`ltrim`/`rtrim` remove when given no second argument. */
export const WHITESPACE = ' \t\n\r\u000b\f';

/** A dotted-quad IPv4 address, no leading zeros. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
export const IPV4_RE = `^${OCTET}(\\.${OCTET}){3}$`;
const H = '[0-9a-fA-F]{1,4}';
const V4 = `${OCTET}(\\.${OCTET}){3}`;
/** An IPv6 address in any RFC 4291 text form (no zone index). */
export const IPV6_RE = `^(${[
  `(${H}:){7}${H}`,
  `(${H}:){1,7}:`,
  `(${H}:){1,6}:${H}`,
  `(${H}:){1,5}(:${H}){1,2}`,
  `(${H}:){1,4}(:${H}){1,3}`,
  `(${H}:){1,3}(:${H}){1,4}`,
  `(${H}:){1,2}(:${H}){1,5}`,
  `${H}:(:${H}){1,6}`,
  `:((:${H}){1,7}|:)`,
  `(${H}:){6}${V4}`,
  `(${H}:){1,5}:${V4}`,
  `::((${H}:){0,5})${V4}`,
].join('|')})$`;

const EPOCH = "TIMESTAMP '1970-01-01 00:00:00.000'";

/** SQL pieces of one dialect. */
export interface DialectOps {
  readonly dialect: Dialect;
  /** A `timestamp` column as BIGINT epoch ms. */
  timeMs(column: Sql): Sql;
  /** BIGINT epoch ms as a timestamp value (final output only). */
  msToTimestamp(ms: Sql): Sql;
  /** Row filter on the raw `time` column: `from <= time < to`. */
  timeRange(column: Sql, from: number, to: number): Sql;
  /** Partial regex match (boolean). */
  regexMatch(subject: Sql, pattern: Sql): Sql;
  /** Capture group `group` of the first match, NULL when there is no match or the capture is empty. */
  regexCapture(subject: Sql, pattern: Sql, group: number): Sql;
  /** Every match of `pattern` replaced with the literal `replacement`. */
  regexReplace(subject: Sql, pattern: Sql, replacement: Sql): Sql;
  /** The scalar at `path` in a JSON text column as text; NULL for objects, arrays, JSON null, missing. */
  jsonScalar(column: Sql, path: readonly string[]): Sql;
  /** The value of `key` in a MAP(VARCHAR, VARCHAR) column, NULL when absent. */
  mapGet(column: Sql, key: string): Sql;
  /** x % y with the sign of x; NULL when y is 0. */
  mod(x: Sql, y: Sql): Sql;
  /** Number → text. */
  toVarchar(x: Sql): Sql;
  /** UTF-8 byte length. */
  byteLength(x: Sql): Sql;
  base64(x: Sql): Sql;
  /** Truncation towards zero to BIGINT. */
  truncToBigint(x: Sql): Sql;
  /** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) of epoch ms. */
  formatMs(ms: Sql): Sql;
  /** Integer floor division of BIGINTs (both non-negative or floor semantics via the caller). */
  intDiv(x: Sql, y: Sql): Sql;
  /** epoch ms → months since 1970-01. */
  monthIndex(ms: Sql): Sql;
  /** months since 1970-01 → epoch ms of that month's start. */
  monthStartMs(monthIndex: Sql): Sql;
  /** A string whose binary order is Logs Insights' natural order of non-number values. */
  naturalKey(x: Sql): Sql;
  /** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
  percentile(x: Sql, p: number): Sql;
  /** Value of x at the smallest / largest `by` (rows with x NULL skipped). */
  valueAtMin(x: Sql, by: Sql): Sql;
  valueAtMax(x: Sql, by: Sql): Sql;
  /** First non-null x in the order given. */
  firstInOrder(x: Sql, order: Sql): Sql;
  /** Whether an IPv6 text is inside a CIDR block, or undefined when the dialect cannot tell. */
  ipv6InSubnet(x: Sql, cidr: string): Sql | undefined;
}

function naturalChunkKey(
  chunk: Sql,
  repeat: (n: Sql) => Sql,
  chr: (n: Sql) => Sql,
  isDigit: Sql,
): Sql {
  // A digit run becomes (its length in a prefix-free code of digit characters) + the digits:
  // runs then order by length first, then value, and against any other character as the
  // digit itself would (every code character is a digit too).
  const len1 = sql`(length(${chunk}) - 1)`;
  return sql`CASE WHEN ${isDigit} THEN ${repeat(sql`${len1} / 9`)} || ${chr(sql`48 + ${len1} % 9`)} || ${chunk} ELSE ${chunk} END`;
}

const ATHENA: DialectOps = {
  dialect: 'athena',
  timeMs: (c) => sql`date_diff('millisecond', ${raw(EPOCH)}, ${c})`,
  msToTimestamp: (ms) => sql`date_add('millisecond', ${ms}, ${raw(EPOCH)})`,
  timeRange: (c, from, to) =>
    sql`${c} >= ${raw(`TIMESTAMP '${isoSql(from)}'`)} AND ${c} < ${raw(`TIMESTAMP '${isoSql(to)}'`)}`,
  regexMatch: (s, p) => sql`regexp_like(${s}, ${p})`,
  regexCapture: (s, p, g) => sql`NULLIF(regexp_extract(${s}, ${p}, ${intLiteral(g)}), '')`,
  regexReplace: (s, p, r) => sql`regexp_replace(${s}, ${p}, ${r})`,
  jsonScalar: (c, path) => sql`json_extract_scalar(${c}, ${param(trinoJsonPath(path))})`,
  mapGet: (c, key) => sql`element_at(${c}, ${param(key)})`,
  mod: (x, y) => sql`mod(${x}, NULLIF(${y}, 0))`,
  toVarchar: (x) => sql`CAST(${x} AS VARCHAR)`,
  byteLength: (x) => sql`length(to_utf8(${x}))`,
  base64: (x) => sql`to_base64(to_utf8(${x}))`,
  truncToBigint: (x) => sql`CAST(truncate(${x}) AS BIGINT)`,
  formatMs: (ms) => sql`format_datetime(${ATHENA_TS(ms)}, 'yyyy-MM-dd HH:mm:ss.SSS')`,
  intDiv: (x, y) => sql`(${x} / ${y})`,
  monthIndex: (ms) => {
    const ts = ATHENA_TS(ms);
    return sql`((year(${ts}) - 1970) * 12 + month(${ts}) - 1)`;
  },
  monthStartMs: (m) =>
    sql`date_diff('millisecond', ${raw(EPOCH)}, date_add('month', ${m}, ${raw(EPOCH)}))`,
  naturalKey: (x) => {
    const c = raw('lp_chunk');
    const key = naturalChunkKey(
      c,
      (n) => sql`rpad('', ${n}, '9')`,
      (n) => sql`chr(${n})`,
      sql`regexp_like(${c}, '^[0-9]')`,
    );
    return sql`array_join(transform(regexp_extract_all(${x}, '[0-9]+|[^0-9]+'), lp_chunk -> ${key}), '')`;
  },
  percentile: (x, p) =>
    sql`element_at(array_sort(array_agg(${x}) FILTER (WHERE ${x} IS NOT NULL)), CAST(greatest(1, ceiling(${doubleLiteral(p)} * count(${x}) / 100)) AS BIGINT))`,
  valueAtMin: (x, by) => sql`min_by(${x}, ${by}) FILTER (WHERE ${x} IS NOT NULL)`,
  valueAtMax: (x, by) => sql`max_by(${x}, ${by}) FILTER (WHERE ${x} IS NOT NULL)`,
  firstInOrder: (x, order) =>
    sql`element_at(array_agg(${x} ORDER BY ${order}) FILTER (WHERE ${x} IS NOT NULL), 1)`,
  ipv6InSubnet: (x, cidr) =>
    sql`(CASE WHEN regexp_like(${x}, ${stringLiteral(IPV6_RE)}) THEN contains(${param(cidr)}, CAST(${x} AS IPADDRESS)) ELSE false END)`,
};

function ATHENA_TS(ms: Sql): Sql {
  return sql`date_add('millisecond', ${ms}, ${raw(EPOCH)})`;
}

const DUCKDB: DialectOps = {
  dialect: 'duckdb',
  timeMs: (c) => sql`epoch_ms(${c})`,
  msToTimestamp: (ms) => sql`epoch_ms(CAST(${ms} AS BIGINT))`,
  // epoch_ms() reads TIMESTAMP and TIMESTAMP WITH TIME ZONE alike, whatever the session time zone.
  timeRange: (c, from, to) =>
    sql`epoch_ms(${c}) >= ${intLiteral(from)} AND epoch_ms(${c}) < ${intLiteral(to)}`,
  regexMatch: (s, p) => sql`regexp_matches(${s}, ${p})`,
  // regexp_extract gives '' where Trino gives NULL (no match, unset group): NULLIF makes both NULL.
  regexCapture: (s, p, g) => sql`NULLIF(regexp_extract(${s}, ${p}, ${intLiteral(g)}), '')`,
  regexReplace: (s, p, r) => sql`regexp_replace(${s}, ${p}, ${r}, 'g')`,
  jsonScalar: (c, path) => {
    const pointer = duckdbJsonPointer(path);
    return sql`CASE WHEN json_type(${c}, ${param(pointer)}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(${c}, ${param(pointer)}) END`;
  },
  mapGet: (c, key) => sql`${c}[${param(key)}]`,
  mod: (x, y) => sql`(${x} % NULLIF(${y}, 0))`,
  toVarchar: (x) => sql`CAST(${x} AS VARCHAR)`,
  byteLength: (x) => sql`strlen(${x})`,
  base64: (x) => sql`to_base64(encode(${x}))`,
  truncToBigint: (x) => sql`CAST(trunc(${x}) AS BIGINT)`,
  formatMs: (ms) => sql`strftime(epoch_ms(CAST(${ms} AS BIGINT)), '%Y-%m-%d %H:%M:%S.%g')`,
  intDiv: (x, y) => sql`(${x} // ${y})`,
  monthIndex: (ms) => {
    const ts = sql`epoch_ms(CAST(${ms} AS BIGINT))`;
    return sql`((year(${ts}) - 1970) * 12 + month(${ts}) - 1)`;
  },
  monthStartMs: (m) =>
    sql`epoch_ms(TIMESTAMP '1970-01-01 00:00:00' + to_months(CAST(${m} AS INTEGER)))`,
  naturalKey: (x) => {
    const c = raw('lp_chunk');
    const key = naturalChunkKey(
      c,
      (n) => sql`repeat('9', CAST(${n} AS BIGINT))`,
      (n) => sql`chr(CAST(${n} AS INTEGER))`,
      sql`regexp_matches(${c}, '^[0-9]')`,
    );
    return sql`array_to_string(list_transform(regexp_extract_all(${x}, '[0-9]+|[^0-9]+'), lp_chunk -> ${key}), '')`;
  },
  percentile: (x, p) =>
    sql`list_sort(list(${x}) FILTER (WHERE ${x} IS NOT NULL))[CAST(greatest(1, ceil(${doubleLiteral(p)} * count(${x}) / 100)) AS BIGINT)]`,
  valueAtMin: (x, by) => sql`arg_min(${x}, ${by}) FILTER (WHERE ${x} IS NOT NULL)`,
  valueAtMax: (x, by) => sql`arg_max(${x}, ${by}) FILTER (WHERE ${x} IS NOT NULL)`,
  firstInOrder: (x, order) => sql`first(${x} ORDER BY ${order}) FILTER (WHERE ${x} IS NOT NULL)`,
  ipv6InSubnet: () => undefined,
};

/** The SQL pieces of a dialect. */
export function dialectOps(dialect: Dialect): DialectOps {
  return dialect === 'athena' ? ATHENA : DUCKDB;
}

/** A double constant the compiler wrote (`CAST(95 AS DOUBLE)`), never from raw query text. */
export function doubleLiteral(n: number): Sql {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return raw(`CAST(${String(n)} AS DOUBLE)`);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of epoch ms, UTC. */
export function isoSql(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Trino JSONPath: `$["a"]["b"][0]`; digit-only segments index arrays. */
function trinoJsonPath(path: readonly string[]): string {
  return `$${path.map((seg) => (/^[0-9]+$/.test(seg) ? `[${seg}]` : `["${seg}"]`)).join('')}`;
}

/** DuckDB JSON pointer (RFC 6901): `/a/b/0`, `~` and `/` escaped. */
function duckdbJsonPointer(path: readonly string[]): string {
  return path.map((seg) => `/${seg.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Why a JSON key cannot be looked up safely in every dialect, or undefined. */
export function jsonKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (/["\\]/.test(key)) return 'it contains " or \\';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects.
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  return undefined;
}

/** `ORDER BY` text of keys, each with its direction and NULLS LAST. */
export function orderBy(keys: readonly { sql: Sql; direction: 'asc' | 'desc' }[]): Sql {
  return join(
    keys.map((k) => sql`${k.sql} ${raw(k.direction === 'asc' ? 'ASC' : 'DESC')} NULLS LAST`),
    ', ',
  );
}
