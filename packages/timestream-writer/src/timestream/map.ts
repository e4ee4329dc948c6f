/**
 * MetricRecord → the parts of one Timestream multi-measure record, with every per-record
 * quota checked. Pure; never throws.
 *
 * Mapping (see README-timestream.md for the table shapes):
 * - `measureName` → MeasureName (e.g. the EMF namespace, `AWS/Lambda`).
 * - `dimensions` → Dimensions (VARCHAR), sorted by name; a dimension whose value is the
 *   empty string is left out (Timestream stores no empty dimension value; an absent
 *   dimension reads the same as NULL).
 * - `time` → Time with TimeUnit MILLISECONDS.
 * - each measure → one MeasureValue: number → DOUBLE (BIGINT for the measure names listed
 *   in `bigintMeasures`, which must then be safe integers), string → VARCHAR, boolean →
 *   BOOLEAN, number array (EMF `Values`) → four measures `<name>_count` (BIGINT),
 *   `<name>_sum`, `<name>_min`, `<name>_max` (DOUBLE) with `arrays: 'stats'` (default), or a
 *   dead letter with `arrays: 'reject'`. One record per array value is never made: values
 *   of an EMF array share one timestamp, and several records with the same series, time and
 *   measure name would overwrite each other.
 * - `unit` is not stored: Timestream has no place for it (it stays in dead letters).
 */
import type { MetricRecord } from '@logpipe/core';
import type { TimestreamRejectCode } from './errors.js';
import {
  TIMESTREAM_FORBIDDEN_NAME_CHARACTER,
  TIMESTREAM_FUTURE_INGESTION_MS,
  TIMESTREAM_MAX_DIMENSION_NAME_BYTES,
  TIMESTREAM_MAX_DIMENSIONS,
  TIMESTREAM_MAX_MEASURE_NAME_BYTES,
  TIMESTREAM_MAX_MEASURE_VALUE_LENGTH,
  TIMESTREAM_MAX_SERIES_DIMENSION_BYTES,
  TIMESTREAM_RESERVED_NAMES,
  TIMESTREAM_RESERVED_PREFIXES,
} from './limits.js';
import { utf8Bytes } from './metering.js';

/** Timestream measure value types the writer emits. */
export type TimestreamValueType = 'DOUBLE' | 'BIGINT' | 'VARCHAR' | 'BOOLEAN';

/** One measure of a mapped record. */
export interface MappedMeasure {
  name: string;
  type: TimestreamValueType;
  /** The value as Timestream takes it (text). */
  value: string;
  /** Metered bytes: name + value. */
  bytes: number;
}

/** One dimension of a mapped record. */
export interface MappedDimension {
  name: string;
  value: string;
}

/** Which store a record is headed for, decided by its time. */
export type StoreLane = 'memory' | 'magnetic';

/** A MetricRecord that maps cleanly. */
export interface MappedRecord {
  ok: true;
  measureName: string;
  time: number;
  /** Sorted by name. */
  dimensions: MappedDimension[];
  measures: MappedMeasure[];
  /** Metered bytes of the dimensions (names + values). */
  dimensionBytes: number;
  lane: StoreLane;
}

/** A MetricRecord that cannot be written, and why. */
export interface MapFailure {
  ok: false;
  code: TimestreamRejectCode;
  reason: string;
}

/** How records map; defaults are applied by the caller. */
export interface MapSettings {
  /** The clock the windows are computed from, epoch ms. */
  now: number;
  memoryStoreRetentionHours: number;
  /** Magnetic store retention in days, or undefined when the table takes no magnetic writes. */
  magneticRetentionDays: number | undefined;
  bigintMeasures: ReadonlySet<string>;
  arrays: 'stats' | 'reject';
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Why a dimension, measure or attribute name is refused, or undefined when it is fine. */
export function nameProblem(name: string, maxBytes: number): string | undefined {
  if (name.length === 0) return 'is empty';
  const bytes = utf8Bytes(name);
  if (bytes > maxBytes) return `is ${bytes} bytes long; the limit is ${maxBytes}`;
  if (TIMESTREAM_RESERVED_NAMES.includes(name)) {
    return `is reserved by Timestream (${TIMESTREAM_RESERVED_NAMES.join(', ')} are system columns)`;
  }
  for (const prefix of TIMESTREAM_RESERVED_PREFIXES) {
    if (name.startsWith(prefix)) return `starts with the reserved prefix "${prefix}"`;
  }
  if (name.includes(TIMESTREAM_FORBIDDEN_NAME_CHARACTER)) {
    return `contains "${TIMESTREAM_FORBIDDEN_NAME_CHARACTER}", which Timestream does not allow in names`;
  }
  return undefined;
}

/** `AWS/Lambda @ 2026-01-01T00:00:00.000Z {function_name=orders}`: names a record in reasons. */
export function describeRecord(m: MetricRecord): string {
  const time =
    typeof m.time === 'number' && Number.isFinite(m.time) && Math.abs(m.time) < 8.64e15
      ? new Date(m.time).toISOString()
      : String(m.time);
  let dims = '';
  const d = m.dimensions;
  if (typeof d === 'object' && d !== null) {
    for (const k of Object.keys(d)) dims += `${dims === '' ? '' : ','}${k}=${String(d[k])}`;
  }
  return `${String(m.measureName)} @ ${time} {${dims}}`;
}

function fail(code: TimestreamRejectCode, reason: string): MapFailure {
  return { ok: false, code, reason };
}

function json(v: string): string {
  return JSON.stringify(v);
}

function lane(time: number, s: MapSettings): StoreLane | MapFailure {
  if (!Number.isSafeInteger(time) || time < 0) {
    return fail(
      'INVALID_TIME',
      `time ${String(time)} is not a non-negative integer of epoch milliseconds`,
    );
  }
  const ahead = time - s.now;
  if (ahead > TIMESTREAM_FUTURE_INGESTION_MS) {
    return fail(
      'FUTURE_TIME',
      `time is ${(ahead / 60_000).toFixed(1)} minutes ahead of now (${new Date(s.now).toISOString()}); Timestream accepts at most 15 minutes ahead`,
    );
  }
  const memoryStart = s.now - s.memoryStoreRetentionHours * HOUR_MS;
  if (time >= memoryStart) return 'memory';
  if (s.magneticRetentionDays === undefined) {
    return fail(
      'OUTSIDE_RETENTION',
      `time is older than the memory store window of ${s.memoryStoreRetentionHours} h (starts ${new Date(memoryStart).toISOString()}) and magnetic store writes are off`,
    );
  }
  const magneticStart = s.now - s.magneticRetentionDays * DAY_MS;
  if (time >= magneticStart) return 'magnetic';
  return fail(
    'OUTSIDE_RETENTION',
    `time is older than the magnetic store retention of ${s.magneticRetentionDays} days (starts ${new Date(magneticStart).toISOString()})`,
  );
}

function measureOf(name: string, type: TimestreamValueType, value: string): MappedMeasure {
  const valueBytes = type === 'VARCHAR' ? utf8Bytes(value) : type === 'BOOLEAN' ? 1 : 8;
  return { name, type, value, bytes: utf8Bytes(name) + valueBytes };
}

/** Adds the measures of one MetricRecord measure; returns a failure or undefined. */
function addMeasure(
  name: string,
  raw: unknown,
  s: MapSettings,
  out: MappedMeasure[],
): MapFailure | undefined {
  const problem = nameProblem(name, TIMESTREAM_MAX_MEASURE_NAME_BYTES);
  if (problem !== undefined)
    return fail('INVALID_MEASURE', `measure name ${json(name)} ${problem}`);
  const value = (raw as { value?: unknown } | null)?.value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      return fail(
        'INVALID_MEASURE_VALUE',
        `measure ${json(name)} is ${value}; Timestream stores finite numbers only`,
      );
    }
    if (s.bigintMeasures.has(name)) {
      if (!Number.isSafeInteger(value)) {
        return fail(
          'INVALID_MEASURE_VALUE',
          `measure ${json(name)} is written as BIGINT but ${value} is not a safe integer`,
        );
      }
      out.push(measureOf(name, 'BIGINT', String(value)));
    } else {
      out.push(measureOf(name, 'DOUBLE', String(value)));
    }
    return undefined;
  }
  if (typeof value === 'string') {
    if (value.length === 0) {
      return fail(
        'INVALID_MEASURE_VALUE',
        `measure ${json(name)} is an empty string; Timestream needs 1 to ${TIMESTREAM_MAX_MEASURE_VALUE_LENGTH} characters`,
      );
    }
    if (value.length > TIMESTREAM_MAX_MEASURE_VALUE_LENGTH) {
      return fail(
        'INVALID_MEASURE_VALUE',
        `measure ${json(name)} is ${value.length} characters long; the limit is ${TIMESTREAM_MAX_MEASURE_VALUE_LENGTH}`,
      );
    }
    out.push(measureOf(name, 'VARCHAR', value));
    return undefined;
  }
  if (typeof value === 'boolean') {
    out.push(measureOf(name, 'BOOLEAN', value ? 'true' : 'false'));
    return undefined;
  }
  if (Array.isArray(value)) {
    if (s.arrays === 'reject') {
      return fail(
        'INVALID_MEASURE_VALUE',
        `measure ${json(name)} is an array of ${value.length} values and arrays are refused (arrays: 'reject')`,
      );
    }
    if (value.length === 0) {
      return fail('INVALID_MEASURE_VALUE', `measure ${json(name)} is an empty array`);
    }
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        return fail(
          'INVALID_MEASURE_VALUE',
          `measure ${json(name)}: item ${i} of its array is not a finite number`,
        );
      }
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const names = [`${name}_count`, `${name}_sum`, `${name}_min`, `${name}_max`];
    for (const n of names) {
      const p = nameProblem(n, TIMESTREAM_MAX_MEASURE_NAME_BYTES);
      if (p !== undefined)
        return fail('INVALID_MEASURE', `measure name ${json(n)} (from array ${json(name)}) ${p}`);
    }
    if (!Number.isFinite(sum)) {
      return fail('INVALID_MEASURE_VALUE', `measure ${json(name)}: the sum of its array overflows`);
    }
    out.push(measureOf(names[0]!, 'BIGINT', String(value.length)));
    out.push(measureOf(names[1]!, 'DOUBLE', String(sum)));
    out.push(measureOf(names[2]!, 'DOUBLE', String(min)));
    out.push(measureOf(names[3]!, 'DOUBLE', String(max)));
    return undefined;
  }
  return fail(
    'INVALID_MEASURE_VALUE',
    `measure ${json(name)} is ${value === null ? 'null' : typeof value}; Timestream stores numbers, strings and booleans`,
  );
}

/**
 * Maps one MetricRecord. Checks time (integer, ≤ 15 minutes ahead, inside a store's
 * window), names (length, reserved names and prefixes, ':'), the number of dimensions, the
 * series size, and each value. Limits on the whole record (measure count, 2 KB) are checked
 * by the packer, after records of the same series and time are merged.
 */
export function mapMetric(m: MetricRecord, s: MapSettings): MappedRecord | MapFailure {
  if (typeof m !== 'object' || m === null) return fail('NO_MEASURES', 'not a MetricRecord object');
  const where = lane(m.time, s);
  if (typeof where !== 'string') return where;

  const measureName = m.measureName;
  if (typeof measureName !== 'string') {
    return fail('INVALID_MEASURE_NAME', 'measureName is not a string');
  }
  const mnProblem = nameProblem(measureName, TIMESTREAM_MAX_MEASURE_NAME_BYTES);
  if (mnProblem !== undefined) {
    return fail('INVALID_MEASURE_NAME', `measure name ${json(measureName)} ${mnProblem}`);
  }

  const dimensions: MappedDimension[] = [];
  let dimensionBytes = 0;
  const dims = m.dimensions;
  if (dims !== undefined && dims !== null) {
    if (typeof dims !== 'object') return fail('INVALID_DIMENSION', 'dimensions is not an object');
    for (const name of Object.keys(dims)) {
      const value: unknown = dims[name];
      if (typeof value !== 'string') {
        return fail(
          'INVALID_DIMENSION',
          `dimension ${json(name)} is ${value === null ? 'null' : typeof value}, not a string`,
        );
      }
      if (value === '') continue;
      const p = nameProblem(name, TIMESTREAM_MAX_DIMENSION_NAME_BYTES);
      if (p !== undefined) return fail('INVALID_DIMENSION', `dimension name ${json(name)} ${p}`);
      dimensions.push({ name, value });
      dimensionBytes += utf8Bytes(name) + utf8Bytes(value);
    }
  }
  if (dimensions.length > TIMESTREAM_MAX_DIMENSIONS) {
    return fail(
      'TOO_MANY_DIMENSIONS',
      `${dimensions.length} dimensions; the limit is ${TIMESTREAM_MAX_DIMENSIONS}`,
    );
  }
  if (dimensionBytes > TIMESTREAM_MAX_SERIES_DIMENSION_BYTES) {
    return fail(
      'SERIES_TOO_LARGE',
      `dimension names and values take ${dimensionBytes} bytes; the limit is ${TIMESTREAM_MAX_SERIES_DIMENSION_BYTES}`,
    );
  }
  dimensions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const measures: MappedMeasure[] = [];
  const src = m.measures;
  if (typeof src === 'object' && src !== null) {
    for (const name of Object.keys(src)) {
      const f = addMeasure(name, src[name], s, measures);
      if (f !== undefined) return f;
    }
  }
  if (measures.length === 0) return fail('NO_MEASURES', 'the record has no measures');

  const seen = new Set<string>();
  for (const d of dimensions) seen.add(d.name);
  for (const mv of measures) {
    if (seen.has(mv.name)) {
      return fail(
        'NAME_COLLISION',
        `${json(mv.name)} is used twice (as a dimension or as a measure); a Timestream record has one column of each name`,
      );
    }
    seen.add(mv.name);
  }
  return { ok: true, measureName, time: m.time, dimensions, measures, dimensionBytes, lane: where };
}
