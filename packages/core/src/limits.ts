/**
 * AWS quotas the core relies on, each with the page that states it.
 */

/**
 * Largest batch of log events CloudWatch Logs accepts in one PutLogEvents call
 * (1,048,576 bytes, counting 26 bytes per event). A subscription payload
 * carries at most about this much decompressed log data plus JSON overhead.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html
 */
export const CWL_MAX_BATCH_BYTES = 1_048_576;

/**
 * Largest single log event CloudWatch Logs accepts (1 MB since 2025; 256 KB before).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html
 */
export const CWL_MAX_EVENT_BYTES = 1_048_576;

/**
 * Per-event overhead CloudWatch Logs counts against the batch size.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 */
export const CWL_EVENT_OVERHEAD_BYTES = 26;

/**
 * Default cap on the decompressed size of one payload. A real subscription
 * payload is at most ~1 MiB of events plus JSON escaping (worst case ~6× for
 * control characters escaped as `\u00XX`), so 16 MiB leaves wide headroom
 * while a gzip bomb stops early.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

/**
 * Largest record Firehose accepts before base64 encoding (1,000 KiB).
 * https://docs.aws.amazon.com/firehose/latest/dev/limits.html
 */
export const FIREHOSE_MAX_RECORD_BYTES = 1_024_000;

/**
 * Largest Kinesis Data Streams record data blob (1 MiB).
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export const KINESIS_MAX_RECORD_BYTES = 1_048_576;

// Embedded Metric Format limits, as the specification states them.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

/** Longest EMF namespace, metric name or dimension key (characters). */
export const EMF_MAX_NAME_LENGTH = 255;

/** Dimension keys per EMF DimensionSet ("MUST NOT contain more than 30 dimension keys"). */
export const EMF_MAX_DIMENSIONS_PER_SET = 30;

/** MetricDefinitions per EMF MetricDirective ("MUST NOT contain more than 100"). */
export const EMF_MAX_METRICS_PER_DIRECTIVE = 100;

/** Values in an EMF array metric target ("MUST NOT have more than 100 members"). */
export const EMF_MAX_VALUES_PER_METRIC = 100;
