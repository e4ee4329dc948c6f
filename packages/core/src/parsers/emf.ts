/**
 * CloudWatch Embedded Metric Format (EMF): metric extraction from an already
 * parsed JSON log event, following the specification at
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * Decisions where the specification leaves room (each one is tested):
 * - A metric whose target member is absent from the root is skipped, as
 *   CloudWatch does for a metric with no value in the event; a target that is
 *   present with a non-numeric value is a violation. A directive left with no
 *   metric at all yields no record.
 * - `_aws.Timestamp` absent → `fallbackTime`; present but not a non-negative
 *   finite number → violation (the specification says it MUST be a number of
 *   milliseconds since the epoch).
 * - `Dimensions: []` and `Dimensions: [[]]` both yield one record without
 *   dimensions (the JSON schema in the specification asks for at least one
 *   DimensionSet; CloudWatch accepts the empty array and so do we).
 * - `Unit` absent → `'None'` (the default the specification states); `Unit` is
 *   not checked against the unit list (the specification says SHOULD).
 * - `StorageResolution` is accepted when it is 1 or 60 (the only values
 *   CloudWatch supports) and is otherwise a violation; it is not carried into
 *   the MetricRecord, which has no place for it.
 */
import {
  EMF_MAX_DIMENSIONS_PER_SET,
  EMF_MAX_METRICS_PER_DIRECTIVE,
  EMF_MAX_NAME_LENGTH,
  EMF_MAX_VALUES_PER_METRIC,
} from '../limits.js';
import type { Measure, MetricRecord } from '../model.js';
import { setOwn } from './own.js';

const hasOwn = Object.prototype.hasOwnProperty;
/**
 * Reads a member of the root. EMF documents come in many shapes (their members are their
 * metric and dimension names), more than V8's per-shape property caches hold, and a plain
 * `doc.x` or `doc[k]` that misses those caches goes through the runtime (about 70 ns a
 * read); `Reflect.get` looks the member up directly. Same semantics as `doc[key]`.
 */
const get = Reflect.get as (doc: Record<string, unknown>, key: string) => unknown;

/**
 * True when a parsed JSON object is a CloudWatch Embedded Metric Format document
 * (has `_aws.CloudWatchMetrics`). Whether the document is valid is
 * {@link emfMetrics}' business.
 *
 * @example
 * ```ts
 * isEmfDocument({ _aws: { CloudWatchMetrics: [] } }); // true
 * isEmfDocument({ level: 'info' }); // false
 * ```
 */
export function isEmfDocument(doc: Record<string, unknown>): boolean {
  const aws = get(doc, '_aws');
  return typeof aws === 'object' && aws !== null && 'CloudWatchMetrics' in aws;
}

/**
 * The MetricRecords of an EMF document (an already parsed JSON object): one per
 * metric directive and dimension set, with `measureName` = the namespace,
 * `dimensions` = the root values of the set's keys, and one measure per metric
 * (`value` = the root value: a number or an array of numbers; `unit` = `Unit`,
 * `'None'` when absent). Time is `_aws.Timestamp`, or `fallbackTime` when the
 * document has none.
 *
 * Returns a string instead when the document breaks the specification; the
 * string names the part that does (e.g.
 * `EMF: CloudWatchMetrics[0].Dimensions[1]: dimension "service" must be a string`).
 * A document either yields all its records or a reason: never a part of them.
 * Never throws.
 *
 * @example
 * ```ts
 * const doc = JSON.parse(message);
 * if (isEmfDocument(doc)) {
 *   const metrics = emfMetrics(doc, event.timestamp);
 *   if (typeof metrics === 'string') console.warn(metrics);
 *   else for (const m of metrics) console.log(m.measureName, m.dimensions, m.measures);
 * }
 * ```
 */
export function emfMetrics(
  doc: Record<string, unknown>,
  fallbackTime: number,
): MetricRecord[] | string {
  const aws = get(doc, '_aws');
  if (typeof aws !== 'object' || aws === null || Array.isArray(aws)) {
    return 'EMF: _aws must be an object';
  }
  const meta = aws as Record<string, unknown>;
  let time = fallbackTime;
  const ts = meta.Timestamp;
  if (ts !== undefined) {
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
      return 'EMF: _aws.Timestamp must be a number of milliseconds since 1970-01-01T00:00:00Z';
    }
    time = ts;
  }
  const directives = meta.CloudWatchMetrics;
  if (!Array.isArray(directives)) return 'EMF: _aws.CloudWatchMetrics must be an array';

  const out: MetricRecord[] = [];
  for (let d = 0; d < directives.length; d++) {
    const reason = addDirective(doc, directives[d], d, time, out);
    if (reason !== undefined) return reason;
  }
  return out;
}

/** Validates one MetricDirective and appends its records; returns the reason on a violation. */
function addDirective(
  doc: Record<string, unknown>,
  directive: unknown,
  d: number,
  time: number,
  out: MetricRecord[],
): string | undefined {
  if (typeof directive !== 'object' || directive === null || Array.isArray(directive)) {
    return `EMF: CloudWatchMetrics[${d}] must be a MetricDirective object`;
  }
  const dir = directive as Record<string, unknown>;

  const namespace = dir.Namespace;
  if (
    typeof namespace !== 'string' ||
    namespace.length === 0 ||
    namespace.length > EMF_MAX_NAME_LENGTH
  ) {
    return `EMF: CloudWatchMetrics[${d}].Namespace must be a string of 1 to ${EMF_MAX_NAME_LENGTH} characters`;
  }

  // Metrics first: its measures are shared by every dimension set.
  const metrics = dir.Metrics;
  if (!Array.isArray(metrics)) return `EMF: CloudWatchMetrics[${d}].Metrics must be an array`;
  if (metrics.length > EMF_MAX_METRICS_PER_DIRECTIVE) {
    return `EMF: CloudWatchMetrics[${d}].Metrics has ${metrics.length} MetricDefinitions; the limit is ${EMF_MAX_METRICS_PER_DIRECTIVE}`;
  }
  const measures: Record<string, Measure> = {};
  let measureCount = 0;
  for (let m = 0; m < metrics.length; m++) {
    const def = metrics[m];
    // The location prefix of a reason is built only when there is one.
    if (typeof def !== 'object' || def === null || Array.isArray(def)) {
      return `${metricAt(d, m)} must be a MetricDefinition object`;
    }
    const md = def as Record<string, unknown>;
    const name = md.Name;
    if (typeof name !== 'string' || name.length === 0 || name.length > EMF_MAX_NAME_LENGTH) {
      return `${metricAt(d, m)}.Name must be a string of 1 to ${EMF_MAX_NAME_LENGTH} characters`;
    }
    const unit = md.Unit;
    if (unit !== undefined && typeof unit !== 'string') {
      return `${metricAt(d, m)}.Unit must be a string`;
    }
    const res = md.StorageResolution;
    if (res !== undefined && res !== 1 && res !== 60) {
      return `${metricAt(d, m)}.StorageResolution must be 1 or 60`;
    }
    if (!hasOwn.call(doc, name)) continue; // no value in this event: skipped, not an error
    const value = get(doc, name);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        return `${metricAt(d, m)}: metric "${name}" must be a finite number`;
      }
    } else if (Array.isArray(value)) {
      const problem = numericArrayProblem(value);
      if (problem !== undefined) return `${metricAt(d, m)}: metric "${name}" ${problem}`;
    } else {
      return `${metricAt(d, m)}: metric "${name}" must be a number or an array of numbers`;
    }
    setOwn(measures, name, { value: value as number | readonly number[], unit: unit ?? 'None' });
    measureCount++;
  }

  const dimensions = dir.Dimensions;
  if (!Array.isArray(dimensions)) {
    return `EMF: CloudWatchMetrics[${d}].Dimensions must be an array of DimensionSets`;
  }
  // On a violation the caller discards `out`, so records pushed before it never escape.
  const first = out.length;
  if (dimensions.length === 0) {
    if (measureCount > 0) out.push({ time, measureName: namespace, dimensions: {}, measures });
    return undefined;
  }
  for (let s = 0; s < dimensions.length; s++) {
    const set = dimensions[s];
    if (!Array.isArray(set)) {
      return `${dimensionSetAt(d, s)} must be an array of dimension keys`;
    }
    if (set.length > EMF_MAX_DIMENSIONS_PER_SET) {
      return `${dimensionSetAt(d, s)} has ${set.length} dimension keys; the limit is ${EMF_MAX_DIMENSIONS_PER_SET}`;
    }
    const dims: Record<string, string> = {};
    for (let k = 0; k < set.length; k++) {
      const key = set[k];
      if (typeof key !== 'string' || key.length === 0 || key.length > EMF_MAX_NAME_LENGTH) {
        return `${dimensionSetAt(d, s)}[${k}] must be a dimension key of 1 to ${EMF_MAX_NAME_LENGTH} characters`;
      }
      const value = hasOwn.call(doc, key) ? get(doc, key) : undefined;
      if (typeof value !== 'string') {
        return value === undefined
          ? `${dimensionSetAt(d, s)}: dimension "${key}" is missing from the root node`
          : `${dimensionSetAt(d, s)}: dimension "${key}" must be a string, not ${jsonType(value)}`;
      }
      setOwn(dims, key, value);
    }
    if (measureCount > 0) {
      // The first set takes the measures object; later sets get a copy, so no two
      // records share a mutable object.
      out.push({
        time,
        measureName: namespace,
        dimensions: dims,
        measures: out.length === first ? measures : copyMeasures(measures),
      });
    }
  }
  return undefined;
}

/** Where a reason about `CloudWatchMetrics[d].Metrics[m]` points. */
function metricAt(d: number, m: number): string {
  return `EMF: CloudWatchMetrics[${d}].Metrics[${m}]`;
}

/** Where a reason about `CloudWatchMetrics[d].Dimensions[s]` points. */
function dimensionSetAt(d: number, s: number): string {
  return `EMF: CloudWatchMetrics[${d}].Dimensions[${s}]`;
}

/** Why an array metric target is invalid, or undefined when it is valid. */
function numericArrayProblem(values: readonly unknown[]): string | undefined {
  if (values.length === 0) return 'must not be an empty array';
  if (values.length > EMF_MAX_VALUES_PER_METRIC) {
    return `has ${values.length} values; the limit is ${EMF_MAX_VALUES_PER_METRIC}`;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      return `must be an array of numbers (item ${i} is not)`;
  }
  return undefined;
}

function copyMeasures(src: Record<string, Measure>): Record<string, Measure> {
  const dst: Record<string, Measure> = {};
  for (const k in src) {
    const m = src[k] as Measure;
    setOwn(dst, k, { value: m.value, unit: m.unit });
  }
  return dst;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
