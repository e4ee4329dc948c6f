/**
 * MetricRecord → one line of InfluxDB line protocol, or the precise reason it cannot be one.
 *
 * Mapping (each decision is tested, most of them against a real InfluxDB):
 * - measurement = `measurementPrefix + measureName`;
 * - tags = `dimensions`, sorted by key in code-point order (= UTF-8 byte order, what Go's
 *   `bytes.Compare` gives and InfluxDB recommends); a dimension whose value is `''` is left
 *   out, because InfluxDB has no empty tag values (an absent tag reads back as `''`);
 * - fields = `measures`, in their order: number → float (integral numbers as integers `…i`
 *   only with `integerFields`, since one float among integers of the same field is a "field
 *   type conflict"), boolean → `true`/`false`, string → double-quoted; a number array (EMF
 *   `Values`) → four float fields `<name>_count`, `<name>_sum`, `<name>_min`, `<name>_max`
 *   (or a dead letter with `arrays: 'reject'`); units are not written;
 * - time = `time` (epoch ms) at the precision: `s` and `ms` truncate toward −∞, `us`/`ns` keep
 *   the sub-millisecond part of `time`.
 *
 * Escaping: measurement `,` and space; tag keys, tag values, field keys `,` `=` and space;
 * string field values `"` and `\`. Line protocol has no escape for a newline, and InfluxDB
 * 1.x/2.x read a backslash before `\` `,` `=` space `"` or at the end of a name differently
 * from 3.x (or not at all), so names with those are dead-lettered instead of written
 * ambiguously; any other backslash is written as is and reads back as itself. InfluxDB 1.x
 * skips tabs and NULs at the start of a line and of the field set, so a measurement or field
 * key starting with one is dead-lettered too (seen on 1.6.7: the character was dropped).
 */
import type { Measure, MetricRecord } from '@logpipe/core';
import type { InfluxDeadLetterCode } from './errors.js';
import {
  INFLUX_FIELD_KEY_SEPARATOR_BYTES,
  INFLUX_MAX_KEY_BYTES,
  INFLUX_MAX_STRING_FIELD_BYTES,
  INFLUX_MAX_TIME_MS,
  INFLUX_MIN_TIME_MS,
} from './limits.js';

/** Timestamp precision of the lines (and the `precision` query parameter). */
export type InfluxPrecision = 's' | 'ms' | 'us' | 'ns';

/** Which write API the lines are for: InfluxDB 1.x `/write` or 2.x `/api/v2/write`. */
export type InfluxApi = 'v1' | 'v2';

/** How a number array (EMF `Values`) is written. */
export type InfluxArrayMode = 'summary' | 'reject';

/** Options of {@link toLineProtocol} and {@link createLineEncoder}. */
export interface LineProtocolOptions {
  /** Timestamp precision. Default `'ms'` (MetricRecord times are epoch ms). */
  precision?: InfluxPrecision | undefined;
  /** Prepended to every `measureName`, e.g. `logpipe_`. Default none. */
  measurementPrefix?: string | undefined;
  /**
   * Write integral numbers (safe integers) as integer fields (`42i`). Default `false`: every
   * number is a float, so a field never flips type between records.
   */
  integerFields?: boolean | undefined;
  /** Number arrays: `'summary'` (default) writes `_count/_sum/_min/_max` fields; `'reject'` dead-letters. */
  arrays?: InfluxArrayMode | undefined;
  /** `'v2'` also refuses names starting with `_` (reserved in InfluxDB 2.x). Default `'v1'`. */
  api?: InfluxApi | undefined;
}

/** A record as one line (no trailing newline). */
export interface LineOk {
  ok: true;
  line: string;
}

/** Why a record cannot be written: a stable code and a sentence naming the record and the part. */
export interface LineRejected {
  ok: false;
  code: InfluxDeadLetterCode;
  reason: string;
}

/** What {@link toLineProtocol} returns. */
export type LineResult = LineOk | LineRejected;

/** Encodes MetricRecords with options validated once. Never throws. */
export type LineEncoder = (metric: MetricRecord) => LineResult;

/** Suffixes of the fields a number array becomes with `arrays: 'summary'`. */
export const ARRAY_SUMMARY_SUFFIXES = ['_count', '_sum', '_min', '_max'] as const;

const PRECISIONS: readonly InfluxPrecision[] = ['s', 'ms', 'us', 'ns'];
const hasOwn = Object.prototype.hasOwnProperty;

/** Characters a backslash may not precede in a name, because parsers disagree on what it means. */
const AMBIGUOUS_AFTER_BACKSLASH = /\\(?:[\\,= "]|$)/;
const NEEDS_MEASUREMENT_ESCAPE = /[, ]/g;
const NEEDS_KEY_ESCAPE = /[,= ]/g;
const NEEDS_STRING_ESCAPE = /["\\]/g;
const NEWLINE = /[\n\r]/;

/**
 * Escapes a measurement name: `,` and space get a backslash. Does not check the name: see
 * {@link toLineProtocol} for what cannot be written.
 *
 * @example
 * ```ts
 * escapeMeasurement('my app,v2'); // 'my\\ app\\,v2'
 * ```
 */
export function escapeMeasurement(name: string): string {
  return name.replace(NEEDS_MEASUREMENT_ESCAPE, '\\$&');
}

/**
 * Escapes a tag key, tag value or field key: `,`, `=` and space get a backslash.
 *
 * @example
 * ```ts
 * escapeKey('a=b c'); // 'a\\=b\\ c'
 * ```
 */
export function escapeKey(key: string): string {
  return key.replace(NEEDS_KEY_ESCAPE, '\\$&');
}

/**
 * A string field value, quoted: `"` and `\` get a backslash.
 *
 * @example
 * ```ts
 * quoteString('say "hi"'); // '"say \\"hi\\""'
 * ```
 */
export function quoteString(value: string): string {
  return `"${value.replace(NEEDS_STRING_ESCAPE, '\\$&')}"`;
}

/** Compares two strings by code point (the order of their UTF-8 bytes). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800–DFFF, an astral code point) sorts after every other BMP unit from U+E000 up.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (x >= 0xe000 || y >= 0xe000)) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function label(metric: MetricRecord): string {
  const name = typeof metric.measureName === 'string' ? JSON.stringify(metric.measureName) : '?';
  const t = metric.time;
  const when =
    typeof t === 'number' && Number.isFinite(t) && Math.abs(t) <= 8.64e15
      ? new Date(t).toISOString()
      : String(t);
  return `MetricRecord ${name} at ${when}`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Why a name (measurement, tag key/value, field key) cannot be written, or undefined.
 * `leading` marks the places where InfluxDB 1.x skips whitespace (the start of the line and
 * of the field set): a tab or NUL there is dropped (a space is escaped, so it survives).
 */
function nameProblem(
  name: string,
  reservedUnderscore: boolean,
  leading = false,
): string | undefined {
  if (name.length === 0) return 'is empty';
  if (NEWLINE.test(name)) return 'contains a newline, which line protocol cannot carry';
  if (leading && (name.charCodeAt(0) === 0x09 || name.charCodeAt(0) === 0)) {
    return 'starts with a tab or NUL, which InfluxDB 1.x strips there';
  }
  if (AMBIGUOUS_AFTER_BACKSLASH.test(name)) {
    return 'has a backslash before \\ , = space " or at its end, which InfluxDB versions read differently';
  }
  if (reservedUnderscore && name.charCodeAt(0) === 0x5f) {
    return 'starts with "_", which InfluxDB 2.x reserves';
  }
  return undefined;
}

function utf8Length(s: string): number {
  // Fast path for ASCII, the common case.
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return s.length;
}

interface Settings {
  precision: InfluxPrecision;
  prefix: string;
  integerFields: boolean;
  arrays: InfluxArrayMode;
  reservedUnderscore: boolean;
}

function settingsOf(options: LineProtocolOptions | undefined): Settings | string {
  const o = options ?? {};
  const precision = o.precision ?? 'ms';
  if (!PRECISIONS.includes(precision)) {
    return `precision must be one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`;
  }
  const prefix = o.measurementPrefix ?? '';
  if (typeof prefix !== 'string') return 'measurementPrefix must be a string';
  const arrays = o.arrays ?? 'summary';
  if (arrays !== 'summary' && arrays !== 'reject') {
    return `arrays must be 'summary' or 'reject', got ${JSON.stringify(arrays)}`;
  }
  const api = o.api ?? 'v1';
  if (api !== 'v1' && api !== 'v2') return `api must be 'v1' or 'v2', got ${JSON.stringify(api)}`;
  if (o.integerFields !== undefined && typeof o.integerFields !== 'boolean') {
    return 'integerFields must be a boolean';
  }
  return {
    precision,
    prefix,
    integerFields: o.integerFields ?? false,
    arrays,
    reservedUnderscore: api === 'v2',
  };
}

/** The timestamp of `ms` (already range-checked) at the precision, as decimal digits. */
function timestamp(ms: number, precision: InfluxPrecision): string {
  if (precision === 's') return String(Math.floor(ms / 1000));
  const whole = Math.floor(ms);
  if (precision === 'ms') return String(whole);
  if (whole === ms) return precision === 'us' ? `${whole}000` : `${whole}000000`;
  // Sub-millisecond part, rounded to the nanosecond (a double near 1.7e12 ms resolves ~0.2 µs).
  const fracNs = Math.min(999_999, Math.round((ms - whole) * 1e6));
  if (precision === 'us') return String(BigInt(whole) * 1000n + BigInt(Math.floor(fracNs / 1000)));
  return String(BigInt(whole) * 1_000_000n + BigInt(fracNs));
}

function rejected(code: InfluxDeadLetterCode, metric: MetricRecord, what: string): LineRejected {
  return { ok: false, code, reason: `${label(metric)}: ${what}` };
}

/** The field set being built for one record. */
interface FieldState {
  fields: string;
  /** Bytes of the longest escaped field key (for the key-length limit). */
  longestKey: number;
  seen: Set<string> | undefined;
}

/** Appends one field; returns a problem when the key is already taken. */
function addField(st: FieldState, fieldKey: string, encoded: string): string | undefined {
  if (st.seen === undefined) st.seen = new Set();
  if (st.seen.has(fieldKey)) return `two measures map to the field key ${JSON.stringify(fieldKey)}`;
  st.seen.add(fieldKey);
  const escaped = escapeKey(fieldKey);
  const bytes = utf8Length(escaped);
  if (bytes > st.longestKey) st.longestKey = bytes;
  st.fields += st.fields === '' ? `${escaped}=${encoded}` : `,${escaped}=${encoded}`;
  return undefined;
}

function encodeNumber(value: number, integerFields: boolean): string {
  if (integerFields && Number.isSafeInteger(value)) return `${value}i`;
  // String(-0) is '0'; InfluxDB keeps a float -0, so write it.
  return value === 0 && 1 / value < 0 ? '-0' : String(value);
}

function encode(metric: MetricRecord, s: Settings): LineResult {
  if (typeof metric !== 'object' || metric === null) {
    return {
      ok: false,
      code: 'INVALID_RECORD',
      reason: `not a MetricRecord: ${typeName(metric)}`,
    };
  }
  const t = metric.time;
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    return rejected(
      'INVALID_TIME',
      metric,
      `time must be a finite number of epoch ms, got ${typeName(t)}`,
    );
  }
  if (t < INFLUX_MIN_TIME_MS || t > INFLUX_MAX_TIME_MS) {
    return rejected(
      'INVALID_TIME',
      metric,
      `time ${t} is outside InfluxDB's range [${INFLUX_MIN_TIME_MS}, ${INFLUX_MAX_TIME_MS}] ms (1677-09-21 to 2262-04-11)`,
    );
  }

  if (typeof metric.measureName !== 'string') {
    return rejected(
      'INVALID_MEASUREMENT',
      metric,
      `measureName must be a string, got ${typeName(metric.measureName)}`,
    );
  }
  const measurement = s.prefix + metric.measureName;
  const mProblem = nameProblem(measurement, s.reservedUnderscore, true);
  if (mProblem !== undefined) {
    return rejected(
      'INVALID_MEASUREMENT',
      metric,
      `measurement ${JSON.stringify(measurement)} ${mProblem}`,
    );
  }
  if (measurement.charCodeAt(0) === 0x23) {
    return rejected(
      'INVALID_MEASUREMENT',
      metric,
      `measurement ${JSON.stringify(measurement)} starts with "#", which makes the line a comment InfluxDB ignores`,
    );
  }

  const dims = metric.dimensions;
  if (typeof dims !== 'object' || dims === null || Array.isArray(dims)) {
    return rejected(
      'INVALID_RECORD',
      metric,
      `dimensions must be an object, got ${typeName(dims)}`,
    );
  }
  let key = escapeMeasurement(measurement);
  let tagKeys = Object.keys(dims);
  if (tagKeys.length > 0) {
    if (tagKeys.length > 1) tagKeys = tagKeys.sort(compareCodePoints);
    for (const k of tagKeys) {
      const v = (dims as Record<string, unknown>)[k];
      if (typeof v !== 'string') {
        return rejected(
          'INVALID_TAG',
          metric,
          `dimension ${JSON.stringify(k)} must be a string, got ${typeName(v)}`,
        );
      }
      if (v === '') continue;
      const kProblem =
        k === 'time'
          ? 'is "time", which InfluxDB refuses as a tag key'
          : nameProblem(k, s.reservedUnderscore);
      if (kProblem !== undefined) {
        return rejected('INVALID_TAG', metric, `dimension key ${JSON.stringify(k)} ${kProblem}`);
      }
      const vProblem = nameProblem(v, false);
      if (vProblem !== undefined) {
        return rejected(
          'INVALID_TAG',
          metric,
          `dimension ${JSON.stringify(k)} value ${JSON.stringify(v)} ${vProblem}`,
        );
      }
      key += `,${escapeKey(k)}=${escapeKey(v)}`;
    }
  }

  const measures = metric.measures;
  if (typeof measures !== 'object' || measures === null || Array.isArray(measures)) {
    return rejected(
      'INVALID_RECORD',
      metric,
      `measures must be an object, got ${typeName(measures)}`,
    );
  }
  const st: FieldState = { fields: '', longestKey: 0, seen: undefined };
  for (const name in measures) {
    if (!hasOwn.call(measures, name)) continue;
    const m = (measures as Record<string, unknown>)[name] as Measure | undefined;
    const where = `measure ${JSON.stringify(name)}`;
    if (typeof m !== 'object' || m === null || !('value' in m)) {
      return rejected(
        'INVALID_RECORD',
        metric,
        `${where} must be an object with a value, got ${typeName(m)}`,
      );
    }
    const kProblem =
      name === 'time'
        ? 'is "time", which InfluxDB refuses as a field key'
        : nameProblem(name, s.reservedUnderscore, true);
    if (kProblem !== undefined)
      return rejected('INVALID_FIELD', metric, `${where}: the name ${kProblem}`);
    const v: unknown = m.value;
    let dup: string | undefined;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        return rejected(
          'INVALID_FIELD_VALUE',
          metric,
          `${where} is ${typeName(v)}; InfluxDB fields hold finite numbers only`,
        );
      }
      dup = addField(st, name, encodeNumber(v, s.integerFields));
    } else if (typeof v === 'boolean') {
      dup = addField(st, name, v ? 'true' : 'false');
    } else if (typeof v === 'string') {
      if (NEWLINE.test(v)) {
        return rejected(
          'INVALID_FIELD_VALUE',
          metric,
          `${where} is a string with a newline, which line protocol cannot carry`,
        );
      }
      if (
        v.length * 3 > INFLUX_MAX_STRING_FIELD_BYTES &&
        utf8Length(v) > INFLUX_MAX_STRING_FIELD_BYTES
      ) {
        return rejected(
          'INVALID_FIELD_VALUE',
          metric,
          `${where} is a string of ${utf8Length(v)} bytes; InfluxDB's limit is ${INFLUX_MAX_STRING_FIELD_BYTES}`,
        );
      }
      dup = addField(st, name, quoteString(v));
    } else if (Array.isArray(v)) {
      if (s.arrays === 'reject') {
        return rejected(
          'INVALID_FIELD_VALUE',
          metric,
          `${where} is an array of values and arrays are rejected (option arrays: 'reject')`,
        );
      }
      if (v.length === 0)
        return rejected('INVALID_FIELD_VALUE', metric, `${where} is an empty array`);
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          return rejected(
            'INVALID_FIELD_VALUE',
            metric,
            `${where}[${i}] is ${typeName(x)}; arrays must hold finite numbers`,
          );
        }
        sum += x;
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      if (!Number.isFinite(sum)) {
        return rejected(
          'INVALID_FIELD_VALUE',
          metric,
          `${where}: the sum of its values overflows to ${sum}`,
        );
      }
      dup =
        addField(st, `${name}_count`, encodeNumber(v.length, s.integerFields)) ??
        addField(st, `${name}_sum`, encodeNumber(sum, s.integerFields)) ??
        addField(st, `${name}_min`, encodeNumber(min, s.integerFields)) ??
        addField(st, `${name}_max`, encodeNumber(max, s.integerFields));
    } else {
      return rejected(
        'INVALID_FIELD_VALUE',
        metric,
        `${where} is ${typeName(v)}; expected a number, boolean, string or array of numbers`,
      );
    }
    if (dup !== undefined) return rejected('INVALID_FIELD', metric, dup);
  }
  if (st.fields === '')
    return rejected('NO_FIELDS', metric, 'has no measures; InfluxDB needs at least one field');

  const keyBytes = utf8Length(key) + INFLUX_FIELD_KEY_SEPARATOR_BYTES + st.longestKey;
  if (keyBytes > INFLUX_MAX_KEY_BYTES) {
    return rejected(
      'KEY_TOO_LONG',
      metric,
      `measurement, tags and longest field key take ${keyBytes} bytes; InfluxDB's key limit is ${INFLUX_MAX_KEY_BYTES}`,
    );
  }
  return { ok: true, line: `${key} ${st.fields} ${timestamp(t, s.precision)}` };
}

/**
 * An encoder with its options checked once (use it on the hot path; {@link toLineProtocol}
 * checks them on every call).
 *
 * @throws TypeError when an option is invalid.
 * @example
 * ```ts
 * const encode = createLineEncoder({ precision: 'ms', measurementPrefix: 'logpipe_' });
 * const r = encode(metric);
 * if (r.ok) body += `${r.line}\n`;
 * else deadLetter(metric, r.code, r.reason);
 * ```
 */
export function createLineEncoder(options?: LineProtocolOptions): LineEncoder {
  const s = settingsOf(options);
  if (typeof s === 'string') throw new TypeError(`createLineEncoder: ${s}`);
  return (metric) => encode(metric, s);
}

/**
 * One MetricRecord as one line of InfluxDB line protocol (without the newline), or why it
 * cannot be written: a stable code and a reason naming the record and the part at fault.
 * Never throws for a bad record; throws `TypeError` for invalid options.
 *
 * @example
 * ```ts
 * toLineProtocol({
 *   time: 1767225600000,
 *   measureName: 'AWS/Lambda',
 *   dimensions: { function_name: 'orders api' },
 *   measures: { duration_ms: { value: 12.5, unit: 'Milliseconds' } },
 * });
 * // { ok: true, line: 'AWS/Lambda,function_name=orders\\ api duration_ms=12.5 1767225600000' }
 * ```
 */
export function toLineProtocol(metric: MetricRecord, options?: LineProtocolOptions): LineResult {
  return createLineEncoder(options)(metric);
}
