import {
  type Classifier,
  type CwlEnvelope,
  createClassifier,
  decodeInput,
  type LogRecord,
  type MetricRecord,
  type ParserOverride,
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
  const classifier: Classifier = createClassifier({ overrides, sniff: options.sniff });
  const bytes = await readInput(file, io);
  const { forms, units } = decodeInput(bytes, {
    name: file === '-' ? 'stdin' : file,
    maxDecompressedBytes: options.maxBytes,
  });
  const summary: DecodeSummary = {
    exitCode: 0,
    records: 0,
    metrics: 0,
    errors: 0,
    controlMessages: 0,
  };
  const now = Date.now();
  io.stderr.write(`logpipe decode: input is ${forms.length === 0 ? 'empty' : forms.join(', ')}\n`);
  for (const unit of units) {
    if (unit.kind === 'error') {
      summary.errors++;
      io.stderr.write(`error ${unit.error.code}: ${unit.error.message}\n`);
      continue;
    }
    const envelopes =
      unit.kind === 'payload' ? [unit.decoded.envelope] : rawEnvelopes(unit.events, options, now);
    for (const env of envelopes) {
      const out = processEnvelope(env, classifier, { region: options.region });
      if (out.control) {
        summary.controlMessages++;
        io.stderr.write(`${unit.source}: CONTROL_MESSAGE dropped (no log events)\n`);
        continue;
      }
      let text = '';
      for (const r of out.records) text += `${logLine(r)}\n`;
      for (const m of out.metrics) text += `${metricLine(m)}\n`;
      summary.records += out.records.length;
      summary.metrics += out.metrics.length;
      await write(io.stdout, text);
    }
  }
  summary.exitCode = summary.errors > 0 ? 1 : 0;
  io.stderr.write(
    `logpipe decode: ${summary.records} records, ${summary.metrics} metrics, ${summary.controlMessages} control messages, ${summary.errors} failed inputs\n`,
  );
  return summary;
}
