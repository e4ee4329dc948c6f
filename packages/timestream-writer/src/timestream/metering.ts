/**
 * The metering formula of Timestream writes, as documented on
 * https://docs.aws.amazon.com/timestream/latest/developerguide/metering-and-pricing.writes.html
 *
 * "The write size of each time series event is calculated as the sum of the size of the
 * timestamp and one or more dimension names, dimension values, measure names, and measure
 * values. The size of the timestamp is 8 bytes. [Names and values of dimensions, and measure
 * names, count] the length of the UTF-8 encoded bytes […]. The size of the measure value
 * depends on the data type. It is 1 byte for the boolean data type, 8 bytes for bigint and
 * double, and the length of the UTF-8 encoded bytes for strings. Each write is counted in
 * units of 1 KiB."
 *
 * The page's batching examples put a batch of events into one write (12 events of 83 bytes
 * → one 1 KiB write) and, with CommonAttributes, count the common part once per write.
 * So a WriteRecords request is metered as
 *
 *     units = ceil((size(CommonAttributes) + Σ size(record without the common part)) / 1024)
 *
 * For a multi-measure record the record's measure name counts once and each measure adds
 * its own name and value. TIMESTAMP values count 8 bytes, like the time. The service's bill
 * is the authority; this is the estimate users see in the writer's stats.
 */
import type { _Record } from '@aws-sdk/client-timestream-write';
import { TIMESTREAM_WRITE_UNIT_BYTES } from './limits.js';

/** Bytes of a string in UTF-8 (no allocation). */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Bytes a measure value of this type is metered at. */
export function measureValueBytes(type: string | undefined, value: string): number {
  switch (type) {
    case 'BOOLEAN':
      return 1;
    case 'BIGINT':
    case 'DOUBLE':
    case 'TIMESTAMP':
      return 8;
    case 'VARCHAR':
      return utf8Bytes(value);
    default:
      // Scalar records default to DOUBLE.
      return type === undefined ? 8 : utf8Bytes(value);
  }
}

/**
 * Metered bytes of the attributes a record (or CommonAttributes) carries itself: 8 for a
 * time, its dimensions' names and values, its measure name, its measure values.
 *
 * @example
 * ```ts
 * // The page's example: 83 bytes.
 * recordBytes({
 *   Time: '1602983435238563000',
 *   Dimensions: [
 *     { Name: 'region', Value: 'us-east-1' }, { Name: 'az', Value: '1d' },
 *     { Name: 'vpc', Value: 'vpc-1a2b3c4d' }, { Name: 'hostname', Value: 'host-24Gju' },
 *   ],
 *   MeasureName: 'cpu_utilization', MeasureValue: '35.0', MeasureValueType: 'DOUBLE',
 * }); // 83
 * ```
 */
export function recordBytes(record: _Record): number {
  let n = record.Time !== undefined ? 8 : 0;
  const dims = record.Dimensions;
  if (dims !== undefined) {
    for (const d of dims) n += utf8Bytes(d.Name ?? '') + utf8Bytes(d.Value ?? '');
  }
  if (record.MeasureName !== undefined) n += utf8Bytes(record.MeasureName);
  if (record.MeasureValues !== undefined) {
    for (const mv of record.MeasureValues) {
      n += utf8Bytes(mv.Name ?? '') + measureValueBytes(mv.Type, mv.Value ?? '');
    }
  } else if (record.MeasureValue !== undefined) {
    n += measureValueBytes(record.MeasureValueType, record.MeasureValue);
  }
  return n;
}

/**
 * Metered bytes of one WriteRecords request: the common part once, then each record.
 *
 * @example
 * ```ts
 * const { requests } = packMetrics(metrics);
 * requestBytes(requests[0].CommonAttributes, requests[0].Records) === requests[0].bytes; // true
 * ```
 */
export function requestBytes(common: _Record | undefined, records: readonly _Record[]): number {
  let n = common === undefined ? 0 : recordBytes(common);
  for (const r of records) n += recordBytes(r);
  return n;
}

/**
 * 1 KiB write units for a number of metered bytes (at least one for a non-empty write).
 *
 * @example
 * ```ts
 * writeUnits(998); // 1
 * writeUnits(8300); // 9
 * ```
 */
export function writeUnits(bytes: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / TIMESTREAM_WRITE_UNIT_BYTES);
}
