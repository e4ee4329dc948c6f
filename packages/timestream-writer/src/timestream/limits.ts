/**
 * Amazon Timestream for LiveAnalytics quotas the writer enforces before sending,
 * each with the page that states it. Quotas are hard limits (not adjustable).
 *
 * Quotas page: https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 * WriteRecords and its shapes:
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html
 */

/**
 * Records per WriteRecords request ("Records per WriteRecords API request": 100).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_MAX_RECORDS_PER_REQUEST = 100;

/**
 * Maximum record size ("Maximum record size": 2 KB), measured here with the metering
 * formula (see `metering.ts`), which is the only published definition of a record's size.
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_MAX_RECORD_BYTES = 2048;

/**
 * Size of a series' dimension names and values together ("Dimension name dimension value
 * pair size per series": 2 KB).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_MAX_SERIES_DIMENSION_BYTES = 2048;

/**
 * Dimensions of one record (Record.Dimensions: at most 128 items; also "Dimensions per
 * table": 128, which only the table can check).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_Record.html
 */
export const TIMESTREAM_MAX_DIMENSIONS = 128;

/**
 * Measures of one multi-measure record ("Measures per multi-measure record": 256).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_MAX_MEASURES_PER_RECORD = 256;

/**
 * Dimension name length in bytes ("Dimension name length": 60 bytes; Dimension.Name
 * length 1–60).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_Dimension.html
 */
export const TIMESTREAM_MAX_DIMENSION_NAME_BYTES = 60;

/**
 * Measure name length in bytes ("Measure name length": 256 bytes; Record.MeasureName
 * length 1–256). Applied to multi-measure attribute names too: they become columns of the
 * table, like measure names.
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_Record.html
 */
export const TIMESTREAM_MAX_MEASURE_NAME_BYTES = 256;

/**
 * A measure value's text (MeasureValue.Value: length 1–2048).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_MeasureValue.html
 */
export const TIMESTREAM_MAX_MEASURE_VALUE_LENGTH = 2048;

/**
 * Database and table name length (256 bytes) and characters (`a-z A-Z 0-9 _ - .`).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html#limits.naming
 */
export const TIMESTREAM_MAX_RESOURCE_NAME_BYTES = 256;
export const TIMESTREAM_MIN_RESOURCE_NAME_LENGTH = 3;
export const TIMESTREAM_RESOURCE_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;

/**
 * Column names the table reserves: no dimension or measure may be called so.
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html#limits.system_identifier
 * (also stated on https://docs.aws.amazon.com/iot/latest/apireference/API_TimestreamDimension.html:
 * "Dimensions cannot be named: measure_name, measure_value, or time").
 */
export const TIMESTREAM_RESERVED_NAMES: readonly string[] = [
  'measure_name',
  'measure_value',
  'time',
];

/** Prefixes a dimension or measure name may not start with (same pages). */
export const TIMESTREAM_RESERVED_PREFIXES: readonly string[] = ['ts_', 'measure_value'];

/** A character no dimension or measure name may contain (same pages). */
export const TIMESTREAM_FORBIDDEN_NAME_CHARACTER = ':';

/**
 * How far ahead of the service's clock a record's time may be ("Future ingestion period
 * in minutes": 15).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_FUTURE_INGESTION_MS = 15 * 60 * 1000;

/**
 * Memory store retention bounds (1–8766 hours) and the default a new table gets (6 hours).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_MIN_MEMORY_RETENTION_HOURS = 1;
export const TIMESTREAM_MAX_MEMORY_RETENTION_HOURS = 8766;
export const TIMESTREAM_DEFAULT_MEMORY_RETENTION_HOURS = 6;

/**
 * Magnetic store retention bounds (1–73000 days) and the default (73000 days, 200 years).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html
 */
export const TIMESTREAM_MIN_MAGNETIC_RETENTION_DAYS = 1;
export const TIMESTREAM_MAX_MAGNETIC_RETENTION_DAYS = 73000;
export const TIMESTREAM_DEFAULT_MAGNETIC_RETENTION_DAYS = 73000;

/**
 * Writes are metered in units of 1 KiB.
 * https://docs.aws.amazon.com/timestream/latest/developerguide/metering-and-pricing.writes.html
 */
export const TIMESTREAM_WRITE_UNIT_BYTES = 1024;
