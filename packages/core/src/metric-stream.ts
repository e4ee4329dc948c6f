/**
 * CloudWatch Metric Streams, JSON output format: every Firehose record holds one JSON
 * object per line, each a single data point of a single metric
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-metric-streams-formats-json.html):
 *
 * ```json
 * {"metric_stream_name":"MyMetricStream","account_id":"1234567890","region":"us-east-1",
 *  "namespace":"AWS/EC2","metric_name":"DiskWriteOps","dimensions":{"InstanceId":"i-123456789012"},
 *  "timestamp":1611929698000,"value":{"count":3.0,"sum":20.0,"max":18.0,"min":0.0,"p99":17.56},
 *  "unit":"Seconds"}
 * ```
 *
 * Each data point becomes one multi-measure {@link MetricRecord}:
 * - `measureName` = the namespace (as for EMF), e.g. `AWS/EC2`;
 * - `dimensions` = the metric's dimensions plus `metric_name`, `account_id` and `region`
 *   (dimension names from CloudWatch win over these three only if they collide — they never
 *   do for AWS namespaces);
 * - `measures` = every statistic of `value` under its own name (`min`, `max`, `sum`,
 *   `count`, and any additional statistic such as `p99`, `p99.9`, `TM(25%:75%)`), each with
 *   the metric's `unit`.
 *
 * So a table of one namespace has one row per metric, dimension set and minute, with the
 * statistics as columns, which is how Timestream and the lake's `metrics` dataset store it.
 */
import { DecodeError } from './errors.js';
import type { Measure, MetricRecord } from './model.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether a parsed JSON object looks like a metric stream data point (has the fields that
 * only metric streams put together: `metric_stream_name`, `namespace`, `metric_name`, `value`).
 *
 * @example
 * ```ts
 * isMetricStreamDatum(JSON.parse(line)); // true for a metric stream line
 * ```
 */
export function isMetricStreamDatum(doc: unknown): boolean {
  return (
    isObj(doc) &&
    'metric_stream_name' in doc &&
    'namespace' in doc &&
    'metric_name' in doc &&
    'value' in doc
  );
}

/**
 * The MetricRecord of one metric stream data point, or the reason it is not one.
 *
 * @example
 * ```ts
 * const r = metricStreamRecord(JSON.parse(line));
 * if (typeof r === 'string') console.error(r); else metrics.push(r);
 * ```
 */
export function metricStreamRecord(doc: unknown): MetricRecord | string {
  if (!isObj(doc)) return 'not a JSON object';
  const { namespace, metric_name: metricName, timestamp, value, unit } = doc;
  if (typeof namespace !== 'string' || namespace === '') return '`namespace` must be a string';
  if (typeof metricName !== 'string' || metricName === '') {
    return '`metric_name` must be a string';
  }
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    return '`timestamp` must be epoch milliseconds';
  }
  if (!isObj(value)) return '`value` must be an object of statistics';
  if (unit !== undefined && typeof unit !== 'string') return '`unit` must be a string';
  const dimensions: Record<string, string> = {};
  if (doc.dimensions !== undefined) {
    if (!isObj(doc.dimensions)) return '`dimensions` must be an object';
    for (const [k, v] of Object.entries(doc.dimensions)) {
      if (typeof v !== 'string') return `dimension ${k} must be a string`;
      dimensions[k] = v;
    }
  }
  if (!('metric_name' in dimensions)) dimensions.metric_name = metricName;
  if (typeof doc.account_id === 'string' && !('account_id' in dimensions)) {
    dimensions.account_id = doc.account_id;
  }
  if (typeof doc.region === 'string' && !('region' in dimensions)) dimensions.region = doc.region;
  const measures: Record<string, Measure> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return `statistic ${k} must be a finite number`;
    }
    measures[k] = unit === undefined || unit === 'None' ? { value: v } : { value: v, unit };
    n++;
  }
  if (n === 0) return '`value` has no statistics';
  return { time: timestamp, measureName: namespace, dimensions, measures };
}

/** What {@link parseMetricStream} found in one record. */
export interface MetricStreamBatch {
  metrics: MetricRecord[];
  /** One per line that is not a valid data point, naming the line. */
  errors: DecodeError[];
}

/**
 * Parses the text of one metric stream Firehose record (newline-delimited JSON) into
 * MetricRecords. A bad line is an error that names `source:line` and the reason; the
 * other lines still count. Never throws.
 *
 * @example
 * ```ts
 * const { metrics, errors } = parseMetricStream(text, 'recordId 49546…');
 * ```
 */
export function parseMetricStream(text: string, source: string): MetricStreamBatch {
  const metrics: MetricRecord[] = [];
  const errors: DecodeError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const where = lines.length > 1 ? `${source} line ${i + 1}` : source;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (err) {
      errors.push(
        new DecodeError(
          'INVALID_JSON',
          where,
          `metric stream line is not JSON: ${(err as Error).message}`,
        ),
      );
      continue;
    }
    const r = metricStreamRecord(doc);
    if (typeof r === 'string') {
      errors.push(new DecodeError('INVALID_METRIC', where, `not a metric stream data point: ${r}`));
    } else {
      metrics.push(r);
    }
  }
  return { metrics, errors };
}
