/**
 * Limits of InfluxDB's line protocol and write API that the line-protocol writer relies on,
 * each with the page that states it (and, where the page is silent, what InfluxDB 1.6.7
 * answered in this package's tests).
 */

/**
 * Smallest timestamp InfluxDB accepts, in nanoseconds (1677-09-21T00:12:43.145224194Z).
 * https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/#unix-timestamp
 */
export const INFLUX_MIN_TIME_NS = -9223372036854775806n;

/**
 * Largest timestamp InfluxDB accepts, in nanoseconds (2262-04-11T23:47:16.854775806Z).
 * https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/#unix-timestamp
 */
export const INFLUX_MAX_TIME_NS = 9223372036854775806n;

/**
 * Smallest `MetricRecord.time` (epoch ms) the writer sends: the whole millisecond nearest
 * {@link INFLUX_MIN_TIME_NS} that is inside the range at every precision.
 */
export const INFLUX_MIN_TIME_MS = -9223372036854;

/** Largest `MetricRecord.time` (epoch ms) the writer sends; see {@link INFLUX_MIN_TIME_MS}. */
export const INFLUX_MAX_TIME_MS = 9223372036854;

/**
 * Longest series key plus field key, in bytes: InfluxDB 1.x rejects a point when
 * `len(measurement,tags) + len("#!~#") + len(fieldKey)` is over this ("max key length
 * exceeded: 65536 > 65535"; measured on InfluxDB 1.6.7, where 65,535 was accepted).
 * https://github.com/influxdata/influxdb/blob/1.8/models/points.go (`MaxKeyLength`)
 */
export const INFLUX_MAX_KEY_BYTES = 65_535;

/** Bytes InfluxDB 1.x adds between the series key and the field key when checking the key length. */
export const INFLUX_FIELD_KEY_SEPARATOR_BYTES = 4;

/**
 * Longest string field value, in bytes ("Length limit 64KB").
 * https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/#string
 */
export const INFLUX_MAX_STRING_FIELD_BYTES = 65_536;

/**
 * Lines per write request InfluxDB recommends ("optimal batch size is 5000 lines").
 * https://docs.influxdata.com/influxdb/v2/write-data/best-practices/optimize-writes/#batch-writes
 */
export const INFLUX_RECOMMENDED_BATCH_LINES = 5_000;

/**
 * Default `max-body-size` of InfluxDB 1.x's HTTP service (25 MB); larger bodies get 413.
 * https://docs.influxdata.com/influxdb/v1/administration/config/#max-body-size
 */
export const INFLUX_V1_DEFAULT_MAX_BODY_BYTES = 25_000_000;
