/**
 * Packing MetricRecords into WriteRecords requests.
 *
 * 1. Each MetricRecord is mapped and checked (`map.ts`); a record that breaks a quota
 *    becomes a dead letter with a precise reason, and never reaches the service.
 * 2. Records with the same measure name, dimensions and time are merged into one
 *    multi-measure record (Timestream keeps one record per series, time and measure name,
 *    so they cannot be separate records anyway). A merge that would break the 256-measure
 *    or 2 KB limit, or give one measure two values, dead-letters the later record.
 * 3. Records are split by store lane (memory store / magnetic store), sorted by series, cut
 *    into requests of at most 100 records, and what every record of a request shares —
 *    measure name, dimensions, time, version — moves into CommonAttributes, which the
 *    service meters once per request.
 */
import type { _Record, Dimension, MeasureValue } from '@aws-sdk/client-timestream-write';
import { ConfigError, type MetricRecord } from '@logpipe/core';
import type { DeadLetter } from '../dead-letter.js';
import type { TimestreamRejectCode } from './errors.js';
import {
  TIMESTREAM_DEFAULT_MAGNETIC_RETENTION_DAYS,
  TIMESTREAM_DEFAULT_MEMORY_RETENTION_HOURS,
  TIMESTREAM_MAX_MAGNETIC_RETENTION_DAYS,
  TIMESTREAM_MAX_MEASURES_PER_RECORD,
  TIMESTREAM_MAX_MEMORY_RETENTION_HOURS,
  TIMESTREAM_MAX_RECORD_BYTES,
  TIMESTREAM_MAX_RECORDS_PER_REQUEST,
  TIMESTREAM_MIN_MAGNETIC_RETENTION_DAYS,
  TIMESTREAM_MIN_MEMORY_RETENTION_HOURS,
} from './limits.js';
import {
  type MappedDimension,
  type MappedMeasure,
  type MapSettings,
  mapMetric,
  type StoreLane,
} from './map.js';
import { utf8Bytes, writeUnits } from './metering.js';

/**
 * Options of {@link packMetrics} (and the packing part of the writer's options).
 *
 * @example
 * ```ts
 * const opts: PackOptions = { now: Date.now(), memoryStoreRetentionHours: 12, magneticStore: true };
 * ```
 */
export interface PackOptions {
  /** The clock the store windows are computed from, epoch ms. Default `Date.now()`. */
  now?: number | undefined;
  /** The table's memory store retention, 1–8766 hours. Default 6 (a new table's default). */
  memoryStoreRetentionHours?: number | undefined;
  /**
   * Whether the table takes magnetic store writes (`EnableMagneticStoreWrites`), and its
   * magnetic store retention (1–73000 days, default 73000). Records older than the memory
   * store window then go to separate "magnetic" requests instead of being dead-lettered.
   * Default false.
   */
  magneticStore?: boolean | { retentionDays?: number | undefined } | undefined;
  /** Measure names written as BIGINT (their values must be safe integers). Default none: DOUBLE. */
  bigintMeasures?: readonly string[] | undefined;
  /** What to do with number arrays (EMF `Values`): summarize them (default) or refuse them. */
  arrays?: 'stats' | 'reject' | undefined;
  /** Version given to every record (upserts). Default: none (the service assumes 1). */
  version?: number | undefined;
  /** Records per request, 1–100. Default 100. */
  maxRecordsPerRequest?: number | undefined;
}

/** Packing settings after defaults and validation. */
export interface PackSettings extends MapSettings {
  maxRecordsPerRequest: number;
  version: number | undefined;
}

/** One WriteRecords request (without database and table) and what it carries. */
export interface PackedRequest {
  CommonAttributes: _Record;
  Records: _Record[];
  /** Memory store or magnetic store: records of the two are never mixed in a request. */
  lane: StoreLane;
  /** For each record of `Records`, the MetricRecords merged into it. */
  sources: MetricRecord[][];
  /** Metered bytes (common part once, then each record). */
  bytes: number;
  /** 1 KiB write units the request is metered at when every record is ingested. */
  writeUnits: number;
}

/** What {@link packMetrics} returns. */
export interface PackResult {
  requests: PackedRequest[];
  /** MetricRecords that break a quota, each with the code and reason. */
  rejected: DeadLetter[];
}

/** One Timestream record under construction (internal). */
export interface PackedUnit {
  key: string;
  /** Measure name and dimensions: the sort key that groups a series together. */
  seriesKey: string;
  measureName: string;
  measureNameBytes: number;
  time: number;
  dimensions: MappedDimension[];
  dimensionBytes: number;
  measures: MappedMeasure[];
  measureByName: Map<string, MappedMeasure>;
  measureBytes: number;
  lane: StoreLane;
  sources: MetricRecord[];
  version: number | undefined;
  /** How often the writer re-sent it after a rejection (upsert, magnetic path). */
  resends: number;
}

/** A request built from units (internal). */
export interface UnitRequest {
  units: PackedUnit[];
  CommonAttributes: _Record;
  Records: _Record[];
  lane: StoreLane;
  /** Metered bytes of the CommonAttributes (counted once per request). */
  commonBytes: number;
  bytes: number;
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** Applies defaults and validates; throws ConfigError with the option's name. */
export function resolvePackSettings(options: PackOptions, who: string): PackSettings {
  const o = options ?? {};
  const now = o.now ?? Date.now();
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new ConfigError(`${who}: now must be epoch milliseconds`);
  }
  const hours = o.memoryStoreRetentionHours ?? TIMESTREAM_DEFAULT_MEMORY_RETENTION_HOURS;
  if (
    !isPositiveInteger(hours) ||
    hours < TIMESTREAM_MIN_MEMORY_RETENTION_HOURS ||
    hours > TIMESTREAM_MAX_MEMORY_RETENTION_HOURS
  ) {
    throw new ConfigError(
      `${who}: memoryStoreRetentionHours must be an integer from ${TIMESTREAM_MIN_MEMORY_RETENTION_HOURS} to ${TIMESTREAM_MAX_MEMORY_RETENTION_HOURS}, got ${String(hours)}`,
    );
  }
  let magneticRetentionDays: number | undefined;
  const mag = o.magneticStore ?? false;
  if (mag === true) magneticRetentionDays = TIMESTREAM_DEFAULT_MAGNETIC_RETENTION_DAYS;
  else if (typeof mag === 'object' && mag !== null) {
    const days = mag.retentionDays ?? TIMESTREAM_DEFAULT_MAGNETIC_RETENTION_DAYS;
    if (
      !isPositiveInteger(days) ||
      days < TIMESTREAM_MIN_MAGNETIC_RETENTION_DAYS ||
      days > TIMESTREAM_MAX_MAGNETIC_RETENTION_DAYS
    ) {
      throw new ConfigError(
        `${who}: magneticStore.retentionDays must be an integer from ${TIMESTREAM_MIN_MAGNETIC_RETENTION_DAYS} to ${TIMESTREAM_MAX_MAGNETIC_RETENTION_DAYS}, got ${String(days)}`,
      );
    }
    magneticRetentionDays = days;
  } else if (mag !== false) {
    throw new ConfigError(`${who}: magneticStore must be a boolean or { retentionDays }`);
  }
  const bigint = o.bigintMeasures ?? [];
  if (!Array.isArray(bigint) || bigint.some((n) => typeof n !== 'string')) {
    throw new ConfigError(`${who}: bigintMeasures must be an array of measure names`);
  }
  const arrays = o.arrays ?? 'stats';
  if (arrays !== 'stats' && arrays !== 'reject') {
    throw new ConfigError(`${who}: arrays must be 'stats' or 'reject', got ${String(arrays)}`);
  }
  const max = o.maxRecordsPerRequest ?? TIMESTREAM_MAX_RECORDS_PER_REQUEST;
  if (!isPositiveInteger(max) || max > TIMESTREAM_MAX_RECORDS_PER_REQUEST) {
    throw new ConfigError(
      `${who}: maxRecordsPerRequest must be an integer from 1 to ${TIMESTREAM_MAX_RECORDS_PER_REQUEST}, got ${String(max)}`,
    );
  }
  const version = o.version;
  if (version !== undefined && !isPositiveInteger(version)) {
    throw new ConfigError(`${who}: version must be a positive integer, got ${String(version)}`);
  }
  return {
    now,
    memoryStoreRetentionHours: hours,
    magneticRetentionDays,
    bigintMeasures: new Set(bigint),
    arrays,
    maxRecordsPerRequest: max,
    version,
  };
}

/** Metered bytes of a unit as one full record (time, dimensions, measure name, measures). */
export function unitBytes(u: PackedUnit): number {
  return 8 + u.dimensionBytes + u.measureNameBytes + u.measureBytes;
}

/** A dead letter for a record, stamped with `at` (ISO 8601). */
export function deadLetter(
  record: MetricRecord,
  code: TimestreamRejectCode,
  reason: string,
  at: string,
): DeadLetter {
  return { record, code, reason, writer: 'timestream', at };
}

function mergeProblem(
  u: PackedUnit,
  add: readonly MappedMeasure[],
): { code: TimestreamRejectCode; reason: string } | undefined {
  const earlier = u.sources.length;
  const merged =
    earlier === 0
      ? ''
      : ` after merging with ${earlier} earlier record(s) of the same series and time`;
  const count = u.measures.length + add.length;
  if (count > TIMESTREAM_MAX_MEASURES_PER_RECORD) {
    return {
      code: 'TOO_MANY_MEASURES',
      reason: `the record has ${count} measures${merged}; the limit is ${TIMESTREAM_MAX_MEASURES_PER_RECORD}`,
    };
  }
  let bytes = unitBytes(u);
  for (const mv of add) bytes += mv.bytes;
  if (bytes > TIMESTREAM_MAX_RECORD_BYTES) {
    return {
      code: 'RECORD_TOO_LARGE',
      reason: `the record is ${bytes} bytes${merged}; the limit is ${TIMESTREAM_MAX_RECORD_BYTES}`,
    };
  }
  return undefined;
}

/**
 * Maps and merges MetricRecords into units (internal; the writer keeps units to re-send
 * them). `at` stamps the dead letters.
 */
export function toUnits(
  metrics: readonly MetricRecord[],
  s: PackSettings,
  at: string,
): { units: PackedUnit[]; rejected: DeadLetter[] } {
  const byKey = new Map<string, PackedUnit>();
  const units: PackedUnit[] = [];
  const rejected: DeadLetter[] = [];
  for (const m of metrics) {
    const mapped = mapMetric(m, s);
    if (!mapped.ok) {
      rejected.push(deadLetter(m, mapped.code, mapped.reason, at));
      continue;
    }
    let seriesKey = mapped.measureName;
    for (const d of mapped.dimensions) seriesKey += `\u0000${d.name}\u0001${d.value}`;
    const key = `${mapped.time}\u0002${seriesKey}`;
    let u = byKey.get(key);
    let fresh = false;
    if (u === undefined) {
      fresh = true;
      u = {
        key,
        seriesKey,
        measureName: mapped.measureName,
        measureNameBytes: utf8Bytes(mapped.measureName),
        time: mapped.time,
        dimensions: mapped.dimensions,
        dimensionBytes: mapped.dimensionBytes,
        measures: [],
        measureByName: new Map(),
        measureBytes: 0,
        lane: mapped.lane,
        sources: [],
        version: s.version,
        resends: 0,
      };
    }
    const add: MappedMeasure[] = [];
    let duplicate: string | undefined;
    for (const mv of mapped.measures) {
      const prev = u.measureByName.get(mv.name);
      if (prev === undefined) add.push(mv);
      else if (prev.type !== mv.type || prev.value !== mv.value) {
        duplicate = `measure ${JSON.stringify(mv.name)} of this series and time is ${mv.value} (${mv.type}) here but ${prev.value} (${prev.type}) in an earlier record of the batch; Timestream keeps one value per series, time and measure`;
        break;
      }
    }
    if (duplicate !== undefined) {
      rejected.push(deadLetter(m, 'DUPLICATE_MEASURE', duplicate, at));
      continue;
    }
    const problem = mergeProblem(u, add);
    if (problem !== undefined) {
      rejected.push(deadLetter(m, problem.code, problem.reason, at));
      continue;
    }
    for (const mv of add) {
      u.measures.push(mv);
      u.measureByName.set(mv.name, mv);
      u.measureBytes += mv.bytes;
    }
    u.sources.push(m);
    if (fresh) {
      byKey.set(key, u);
      units.push(u);
    }
  }
  return { units, rejected };
}

function compareUnits(a: PackedUnit, b: PackedUnit): number {
  if (a.seriesKey !== b.seriesKey) return a.seriesKey < b.seriesKey ? -1 : 1;
  return a.time - b.time;
}

function hasDimension(u: PackedUnit, d: MappedDimension): boolean {
  for (const x of u.dimensions) if (x.name === d.name) return x.value === d.value;
  return false;
}

function toDimensions(dims: readonly MappedDimension[]): Dimension[] {
  const out: Dimension[] = new Array(dims.length);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    out[i] = { Name: d.name, Value: d.value, DimensionValueType: 'VARCHAR' };
  }
  return out;
}

function toMeasureValues(measures: readonly MappedMeasure[]): MeasureValue[] {
  const out: MeasureValue[] = new Array(measures.length);
  for (let i = 0; i < measures.length; i++) {
    const m = measures[i]!;
    out[i] = { Name: m.name, Value: m.value, Type: m.type };
  }
  return out;
}

/** One request from at most 100 units of one lane: factors what they share. */
function requestOf(chunk: PackedUnit[], lane: StoreLane): UnitRequest {
  const first = chunk[0]!;
  let sameName = true;
  let sameTime = true;
  let sameVersion = first.version !== undefined;
  for (let i = 1; i < chunk.length; i++) {
    const u = chunk[i]!;
    if (u.measureName !== first.measureName) sameName = false;
    if (u.time !== first.time) sameTime = false;
    if (u.version !== first.version) sameVersion = false;
  }
  const commonDims: MappedDimension[] = [];
  let commonBytes = 0;
  for (const d of first.dimensions) {
    let all = true;
    for (let i = 1; i < chunk.length && all; i++) all = hasDimension(chunk[i]!, d);
    if (all) {
      commonDims.push(d);
      commonBytes += utf8Bytes(d.name) + utf8Bytes(d.value);
    }
  }
  const common: _Record = { MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' };
  if (sameName) {
    common.MeasureName = first.measureName;
    commonBytes += first.measureNameBytes;
  }
  if (commonDims.length > 0) common.Dimensions = toDimensions(commonDims);
  if (sameTime) {
    common.Time = String(first.time);
    commonBytes += 8;
  }
  if (sameVersion) common.Version = first.version;

  const records: _Record[] = new Array(chunk.length);
  let bytes = commonBytes;
  for (let i = 0; i < chunk.length; i++) {
    const u = chunk[i]!;
    const r: _Record = {};
    if (commonDims.length < u.dimensions.length) {
      const own: MappedDimension[] = [];
      for (const d of u.dimensions) if (!isCommon(commonDims, d)) own.push(d);
      if (own.length > 0) r.Dimensions = toDimensions(own);
    }
    if (!sameName) r.MeasureName = u.measureName;
    if (!sameTime) r.Time = String(u.time);
    if (!sameVersion && u.version !== undefined) r.Version = u.version;
    r.MeasureValues = toMeasureValues(u.measures);
    records[i] = r;
    bytes += unitBytes(u) - commonBytes;
  }
  return { units: chunk, CommonAttributes: common, Records: records, lane, commonBytes, bytes };
}

function isCommon(common: readonly MappedDimension[], d: MappedDimension): boolean {
  for (const c of common) if (c.name === d.name) return true;
  return false;
}

/**
 * Builds requests from units (internal): lanes apart, sorted by series, at most
 * `maxRecordsPerRequest` records each, shared attributes in CommonAttributes.
 */
export function buildRequests(
  units: readonly PackedUnit[],
  maxRecordsPerRequest: number,
): UnitRequest[] {
  const out: UnitRequest[] = [];
  for (const lane of ['memory', 'magnetic'] as const) {
    const list = units.filter((u) => u.lane === lane).sort(compareUnits);
    for (let i = 0; i < list.length; i += maxRecordsPerRequest) {
      out.push(requestOf(list.slice(i, i + maxRecordsPerRequest), lane));
    }
  }
  return out;
}

/**
 * Packs MetricRecords into WriteRecords requests without sending anything: multi-measure
 * records (one per series, time and measure name), at most 100 per request, shared
 * attributes in CommonAttributes, every quota checked. Records that break one come back in
 * `rejected` with a code and a reason naming what is wrong. Pure and deterministic.
 *
 * @example
 * ```ts
 * const { requests, rejected } = packMetrics(metrics, { now: Date.now() });
 * for (const r of requests) {
 *   await client.send(new WriteRecordsCommand({ DatabaseName: 'db', TableName: 'metrics',
 *     CommonAttributes: r.CommonAttributes, Records: r.Records }));
 * }
 * ```
 * @throws ConfigError for invalid options.
 */
export function packMetrics(
  metrics: readonly MetricRecord[],
  options: PackOptions = {},
): PackResult {
  const s = resolvePackSettings(options, 'packMetrics');
  const { units, rejected } = toUnits(metrics, s, new Date(s.now).toISOString());
  const requests: PackedRequest[] = [];
  for (const r of buildRequests(units, s.maxRecordsPerRequest)) {
    requests.push({
      CommonAttributes: r.CommonAttributes,
      Records: r.Records,
      lane: r.lane,
      sources: r.units.map((u) => u.sources),
      bytes: r.bytes,
      writeUnits: writeUnits(r.bytes),
    });
  }
  return { requests, rejected };
}
