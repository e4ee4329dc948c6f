/**
 * The record model: what every decoder and parser produces and every sink consumes.
 * Records are plain objects; the origin is shared by all events of one payload.
 */

/** Where a log event came from. One object is shared by every event of a payload. */
export interface LogOrigin {
  /** AWS account id that owns the log group (`owner` in the subscription envelope). */
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  /** AWS region, where known (from options or from the event itself). */
  readonly region?: string | undefined;
  /** Names of the subscription filters that matched. */
  readonly subscriptionFilters?: readonly string[] | undefined;
}

/**
 * One log event after parsing.
 *
 * @example
 * ```ts
 * const rec: LogRecord = {
 *   time: 1432826855000,
 *   id: '31953106606966983378809025079804211143289615424298221568',
 *   dataset: 'app',
 *   origin: { owner: '123456789012', logGroup: 'my-app', logStream: 'i-0abc' },
 *   message: 'hello',
 *   fields: { format: 'text' },
 * };
 * ```
 */
export interface LogRecord {
  /** Event time, epoch milliseconds UTC (the CloudWatch event timestamp). */
  time: number;
  /** CloudWatch event id: a 56-digit decimal string. Never a number. */
  id: string;
  /** Dataset the record belongs to, e.g. `vpc_flow`. */
  dataset: string;
  origin: LogOrigin;
  /** The raw message as received. */
  message: string;
  /**
   * Typed fields, keyed by the dataset's column names. A column may be absent
   * (a VPC flow log custom format carries only some fields): absent means null.
   */
  fields: Record<string, unknown>;
}

/** A measure value: numbers, strings and booleans, or an array of numbers (EMF `Values`). */
export type MeasureValue = number | string | boolean | readonly number[];

/** One named measure of a {@link MetricRecord}. */
export interface Measure {
  value: MeasureValue;
  /** CloudWatch unit name where known, e.g. `Milliseconds`. */
  unit?: string | undefined;
}

/**
 * One multi-measure data point.
 *
 * @example
 * ```ts
 * const m: MetricRecord = {
 *   time: 1574109732004,
 *   measureName: 'lambda-function-metrics',
 *   dimensions: { functionVersion: '$LATEST' },
 *   measures: { time: { value: 100, unit: 'Milliseconds' } },
 * };
 * ```
 */
export interface MetricRecord {
  /** Epoch milliseconds UTC. */
  time: number;
  /** The "data type" of the point, e.g. an EMF namespace or `AWS/Lambda`. */
  measureName: string;
  /** String dimensions. */
  dimensions: Record<string, string>;
  /** Named typed measures. */
  measures: Record<string, Measure>;
}
