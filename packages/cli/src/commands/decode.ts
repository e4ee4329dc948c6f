import {
  type Classifier,
  type CwlEnvelope,
  createClassifier,
  decodeInput,
  type LogRecord,
  type MetricRecord,
  type ParserOverride,
  type ProcessedPayload,
  processEnvelope,
  type RawLogEvent,
} from '@logpipe/core';
import { type Io, readInput, write } from '../io.js';

/** Options of `logpipe decode`. */
export interface DecodeCommandOptions {
  /** Log group for raw log lines (drives parser choice). */
  logGroup?: string | undefined;
  logStream?: string | undefined;
  owner?: string | undefined;
  region?: string | undefined;
  /** Force a parser for every event (built-in parser name). */
  parser?: string | undefined;
  /** VPC flow log custom format (with `--parser vpc_flow`). */
  flowFormat?: string | undefined;
  maxBytes?: number | undefined;
  sniff?: boolean | undefined;
}

/** Exit status and counts of one `decode` run. */
export interface DecodeSummary {
  exitCode: number;
  records: number;
  metrics: number;
  errors: number;
  controlMessages: number;
}

/** One NDJSON output line for a LogRecord: the origin flattened for readability. */
export function logLine(r: LogRecord): string {
  return JSON.stringify({
    kind: 'log',
    dataset: r.dataset,
    time: new Date(r.time).toISOString(),
    timestamp: r.time,
    id: r.id,
    owner: r.origin.owner,
    logGroup: r.origin.logGroup,
    logStream: r.origin.logStream,
    region: r.origin.region,
    message: r.message,
    fields: r.fields,
  });
}

/** One NDJSON output line for a MetricRecord. */
export function metricLine(m: MetricRecord): string {
  return JSON.stringify({
    kind: 'metric',
    time: new Date(m.time).toISOString(),
    timestamp: m.time,
    measureName: m.measureName,
    dimensions: m.dimensions,
    measures: m.measures,
  });
}

function rawEnvelopes(
  events: RawLogEvent[],
  options: DecodeCommandOptions,
  now: number,
): CwlEnvelope[] {
  const groups = new Map<string, CwlEnvelope>();
  for (const e of events) {
    const logGroup = options.logGroup ?? e.logGroup ?? '';
    const logStream = options.logStream ?? e.logStream ?? '';
    const key = `${logGroup}\u0000${logStream}`;
    let env = groups.get(key);
    if (env === undefined) {
      env = {
        messageType: 'DATA_MESSAGE',
        owner: options.owner ?? '',
        logGroup,
        logStream,
        subscriptionFilters: [],
        logEvents: [],
      };
      groups.set(key, env);
    }
    env.logEvents.push({ id: e.id ?? '', timestamp: e.timestamp ?? now, message: e.message });
  }
  return [...groups.values()];
}

/** The classifier the decode options ask for. */
export function classifierFor(options: DecodeCommandOptions): Classifier {
  const overrides: ParserOverride[] =
    options.parser === undefined
      ? []
      : [
          {
            logGroup: /.*/,
            parser: options.parser as ParserOverride['parser'],
            format: options.flowFormat,
          },
        ];
  return createClassifier({ overrides, sniff: options.sniff });
}

/**
 * Reads one input (file or `-`), decodes every unit of it and hands each
 * payload's records to `onOutput`; errors and control messages are reported on
 * stderr and counted in `summary`.
 */
export async function processInput(
  file: string,
  options: DecodeCommandOptions,
  io: Io,
  classifier: Classifier,
  summary: DecodeSummary,
  onOutput: (out: ProcessedPayload) => Promise<void>,
): Promise<void> {
  const bytes = await readInput(file, io);
  const { forms, units } = decodeInput(bytes, {
    name: file === '-' ? 'stdin' : file,
    maxDecompressedBytes: options.maxBytes,
  });
  const now = Date.now();
  io.stderr.write(
    `logpipe: ${file === '-' ? 'stdin' : file} is ${forms.length === 0 ? 'empty' : forms.join(', ')}\n`,
  );
  for (const unit of units) {
    if (unit.kind === 'error') {
      summary.errors++;
      io.stderr.write(`error ${unit.error.code}: ${unit.error.message}\n`);
      continue;
    }
    if (unit.kind === 'metrics') {
      summary.metrics += unit.metrics.length;
      await onOutput({ control: false, records: [], metrics: unit.metrics, fallbacks: 0 });
      continue;
    }
    const envelopes =
      unit.kind === 'payload' ? [unit.decoded.envelope] : rawEnvelopes(unit.events, options, now);
    for (const env of envelopes) {
      const out = processEnvelope(env, classifier, { region: options.region });
      if (unit.kind === 'raw') adoptLineTimes(out.records, now);
      if (out.control) {
        summary.controlMessages++;
        io.stderr.write(`${unit.source}: CONTROL_MESSAGE dropped (no log events)\n`);
        continue;
      }
      summary.records += out.records.length;
      summary.metrics += out.metrics.length;
      await onOutput(out);
    }
  }
}

/** Time fields that state when a line happened, by dataset (epoch ms). */
const LINE_TIME_FIELDS = ['request_time', 'start', 'event_time', 'log_time'] as const;

/**
 * Raw lines carry no CloudWatch timestamp (they got the run's time): where the
 * parsed line states its own time (ALB request time, flow start, CloudTrail
 * event time, Lambda log time), that becomes the record's time.
 */
function adoptLineTimes(records: LogRecord[], now: number): void {
  for (const r of records) {
    if (r.time !== now) continue;
    for (const f of LINE_TIME_FIELDS) {
      const t = r.fields[f];
      if (typeof t === 'number' && Number.isFinite(t)) {
        r.time = t;
        break;
      }
    }
  }
}

/** A fresh summary. */
export function emptySummary(): DecodeSummary {
  return { exitCode: 0, records: 0, metrics: 0, errors: 0, controlMessages: 0 };
}

/**
 * `logpipe decode [FILE|-]`: reads any supported input form and prints the
 * LogRecords and MetricRecords as NDJSON; errors go to stderr with their code.
 * Exit status 1 when any input record failed to decode.
 */
export async function runDecode(
  file: string,
  options: DecodeCommandOptions,
  io: Io,
): Promise<DecodeSummary> {
  const summary = emptySummary();
  await processInput(file, options, io, classifierFor(options), summary, async (out) => {
    let text = '';
    for (const r of out.records) text += `${logLine(r)}\n`;
    for (const m of out.metrics) text += `${metricLine(m)}\n`;
    await write(io.stdout, text);
  });
  summary.exitCode = summary.errors > 0 ? 1 : 0;
  io.stderr.write(
    `logpipe decode: ${summary.records} records, ${summary.metrics} metrics, ${summary.controlMessages} control messages, ${summary.errors} failed inputs\n`,
  );
  return summary;
}
