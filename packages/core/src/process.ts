import type { Classifier } from './classify.js';
import type { CwlEnvelope } from './decode/envelope.js';
import type { LogOrigin, LogRecord, MetricRecord } from './model.js';
import { appFallback } from './parsers/app.js';
import type { Parser } from './parsers/types.js';

/** Records made from one payload. */
export interface ProcessedPayload {
  /** True for a CONTROL_MESSAGE (no records; callers drop and count it). */
  control: boolean;
  records: LogRecord[];
  metrics: MetricRecord[];
  /** Events a dataset parser rejected and that went to `app` with the reason. */
  fallbacks: number;
}

/** Options of {@link processEnvelope}. */
export interface ProcessOptions {
  /** AWS region of the payload's origin, where the caller knows it. */
  region?: string | undefined;
  /**
   * `false`: classify only. Each record gets its parser's dataset and empty
   * `fields`, no parser runs (no metrics, no fallbacks), so a line its parser
   * would reject keeps the parser's dataset instead of `app`. For callers that
   * need only messages and partitions (the Firehose `messages` output). Default true.
   */
  parse?: boolean | undefined;
}

/**
 * Turns a decoded subscription payload into LogRecords and MetricRecords.
 * Every DATA_MESSAGE event yields exactly one LogRecord: a line its parser
 * rejects falls back to `app` with the reason in `fields.parse_error`.
 *
 * @example
 * ```ts
 * const decoded = createDecoder().lambdaEvent(event);
 * if (decoded.ok) {
 *   const { records, metrics } = processEnvelope(decoded.value.envelope, createClassifier());
 * }
 * ```
 */
export function processEnvelope(
  envelope: CwlEnvelope,
  classifier: Classifier,
  options: ProcessOptions = {},
): ProcessedPayload {
  const records: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
  if (envelope.messageType === 'CONTROL_MESSAGE') {
    return { control: true, records, metrics, fallbacks: 0 };
  }
  const origin: LogOrigin = {
    owner: envelope.owner,
    logGroup: envelope.logGroup,
    logStream: envelope.logStream,
    region: options.region,
    subscriptionFilters: envelope.subscriptionFilters,
  };
  const groupParser = classifier.parserFor(envelope.logGroup);
  if (options.parse === false) return classifyOnly(envelope, classifier, groupParser, origin);
  let fallbacks = 0;
  // One context object per payload, updated per event (parsers must not keep it).
  const ctx: { origin: LogOrigin; time: number } = { origin, time: 0 };
  const events = envelope.logEvents;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const message = ev.message;
    const parser = groupParser ?? classifier.sniff(message);
    ctx.time = ev.timestamp;
    let result = parser.parse(message, ctx);
    if (!result.ok) {
      fallbacks++;
      result = appFallback(message, ctx, `${parser.name}: ${result.reason}`);
    }
    records.push({
      time: ev.timestamp,
      id: ev.id,
      dataset: result.dataset,
      origin,
      message,
      fields: result.fields,
    });
    if (result.metrics !== undefined) {
      for (const m of result.metrics) metrics.push(m);
    }
  }
  return { control: false, records, metrics, fallbacks };
}

const NO_FIELDS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Records with their parser's dataset and no fields: no parser runs. */
function classifyOnly(
  envelope: CwlEnvelope,
  classifier: Classifier,
  groupParser: Parser | null,
  origin: LogOrigin,
): ProcessedPayload {
  const events = envelope.logEvents;
  const records: LogRecord[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    records[i] = {
      time: ev.timestamp,
      id: ev.id,
      dataset: (groupParser ?? classifier.sniff(ev.message)).dataset,
      origin,
      message: ev.message,
      fields: NO_FIELDS,
    };
  }
  return { control: false, records, metrics: [], fallbacks: 0 };
}
