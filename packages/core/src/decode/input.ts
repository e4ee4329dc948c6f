import { DecodeError } from '../errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../limits.js';
import { isMetricStreamDatum, metricStreamRecord } from '../metric-stream.js';
import type { MetricRecord } from '../model.js';
import { gunzipCapped, isGzip, utf8Text } from './bytes.js';
import {
  type CwlDecoder,
  createDecoder,
  type DecodedPayload,
  type DecoderOptions,
  envelopeResult,
  tooLarge,
} from './decoder.js';
import { decodeRecordData } from './record-data.js';

/** A log line that did not arrive inside a subscription payload. */
export interface RawLogEvent {
  message: string;
  /** Epoch ms, when the input says. */
  timestamp?: number | undefined;
  /** CloudWatch event id, when the input carries one. */
  id?: string | undefined;
  logGroup?: string | undefined;
  logStream?: string | undefined;
}

/** One unit of a captured input, in input order. */
export type InputUnit =
  | { kind: 'payload'; source: string; decoded: DecodedPayload }
  | { kind: 'raw'; source: string; events: RawLogEvent[] }
  | { kind: 'metrics'; source: string; metrics: MetricRecord[] }
  | { kind: 'error'; source: string; error: DecodeError };

/** The input forms {@link decodeInput} recognises. */
export type InputForm =
  | 'cwl-payload'
  | 'cwl-lambda-event'
  | 'firehose-transform-event'
  | 'firehose-http-request'
  | 'kinesis-lambda-event'
  | 'cloudtrail-log-file'
  | 'metric-stream'
  | 'log-lines';

/** Options of {@link decodeInput}. */
export interface InputOptions extends DecoderOptions {
  /** Name of the input (file name or `stdin`), used in error sources. */
  name?: string | undefined;
}

/** What {@link decodeInput} found. */
export interface DecodedInput {
  /** Forms seen, in order of first appearance. */
  forms: InputForm[];
  units: InputUnit[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class InputReader {
  readonly units: InputUnit[] = [];
  readonly forms: InputForm[] = [];
  private readonly decoder: CwlDecoder;
  private readonly maxBytes: number;

  constructor(options: InputOptions) {
    this.decoder = createDecoder(options);
    this.maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  }

  private form(f: InputForm): void {
    if (!this.forms.includes(f)) this.forms.push(f);
  }

  private error(error: DecodeError): void {
    this.units.push({ kind: 'error', source: error.source, error });
  }

  /** Bytes of a whole input: gzip of anything, a JSON document, NDJSON, base64, or text lines. */
  bytes(bytes: Uint8Array, source: string): void {
    let buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (isGzip(buf)) {
      const raw = gunzipCapped(buf, this.maxBytes, source);
      if (raw instanceof DecodeError) {
        this.error(raw);
        return;
      }
      buf = raw;
    }
    const text = utf8Text(buf, source);
    if (text instanceof DecodeError) {
      this.error(text);
      return;
    }
    this.text(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, source);
  }

  private text(text: string, source: string): void {
    const trimmed = text.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      let doc: unknown;
      let parsed = true;
      try {
        doc = JSON.parse(trimmed);
      } catch {
        parsed = false;
      }
      if (parsed) {
        if (Array.isArray(doc)) {
          doc.forEach((item, i) => {
            this.value(item, `${source}[${i}]`, JSON.stringify(item));
          });
        } else {
          this.value(doc, source, trimmed);
        }
        return;
      }
    } else if (/^H4sI[A-Za-z0-9+/=]*$/.test(trimmed)) {
      // A single base64 string of gzip data (a captured `data` field).
      this.recordData(trimmed, source);
      return;
    }
    this.lines(text, source);
  }

  /** NDJSON or plain text: every line is a document of its own or a raw log line. */
  private lines(text: string, source: string): void {
    const raw: RawLogEvent[] = [];
    const flush = (): void => {
      if (raw.length > 0) {
        this.form('log-lines');
        this.units.push({ kind: 'raw', source, events: raw.splice(0) });
      }
    };
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.trim() === '') continue;
      const lineSource = `${source}:${i + 1}`;
      if (line.trimStart().startsWith('{')) {
        let doc: unknown;
        try {
          doc = JSON.parse(line);
        } catch {
          raw.push({ message: line });
          continue;
        }
        if (isObj(doc) && isMetricStreamDatum(doc)) {
          flush();
          this.metricDatum(doc, lineSource);
          continue;
        }
        if (isObj(doc) && !isWrapper(doc)) {
          raw.push(rawEvent(doc, line));
          continue;
        }
        flush();
        this.value(doc, lineSource, line);
        continue;
      }
      raw.push({ message: line });
    }
    flush();
  }

  /** A parsed JSON document: one of the known event shapes, or a raw log line. */
  private value(doc: unknown, source: string, text: string): void {
    if (!isObj(doc)) {
      this.form('log-lines');
      this.units.push({ kind: 'raw', source, events: [{ message: text }] });
      return;
    }
    if (isMetricStreamDatum(doc)) {
      this.metricDatum(doc, source);
      return;
    }
    if ('messageType' in doc) {
      this.form('cwl-payload');
      // `doc` is JSON.parse(text): validate it as decoder.json(text) would, without parsing again.
      const size = Buffer.byteLength(text, 'utf8');
      if (size > this.maxBytes) this.error(tooLarge(source, size, this.maxBytes));
      else this.push(envelopeResult(doc, source, size, size), source);
      return;
    }
    if (isObj(doc.awslogs)) {
      this.form('cwl-lambda-event');
      this.push(this.decoder.lambdaEvent(doc as never, `${source} awslogs`), `${source} awslogs`);
      return;
    }
    const records = doc.records;
    if (Array.isArray(records)) {
      const firehose = records.length === 0 || (isObj(records[0]) && 'recordId' in records[0]);
      this.form(firehose ? 'firehose-transform-event' : 'firehose-http-request');
      records.forEach((r, i) => {
        const rec = isObj(r) ? r : {};
        const id = firehose ? `recordId ${String(rec.recordId)}` : `${source} records[${i}]`;
        if (typeof rec.data !== 'string') {
          this.error(
            new DecodeError('UNSUPPORTED_INPUT', id, 'record has no base64 `data` string'),
          );
        } else {
          this.recordData(rec.data, id);
        }
      });
      return;
    }
    const upper = doc.Records;
    if (Array.isArray(upper)) {
      if (upper.length > 0 && isObj(upper[0]) && isObj(upper[0].kinesis)) {
        this.form('kinesis-lambda-event');
        for (const r of upper) {
          const seq = isObj(r) && isObj(r.kinesis) ? r.kinesis.sequenceNumber : undefined;
          this.push(
            this.decoder.kinesisRecord(r as never),
            `kinesis sequenceNumber ${String(seq)}`,
          );
        }
        return;
      }
      this.form('cloudtrail-log-file');
      const events: RawLogEvent[] = upper.map((r) => {
        const t =
          isObj(r) && typeof r.eventTime === 'string' ? Date.parse(r.eventTime) : Number.NaN;
        return { message: JSON.stringify(r), timestamp: Number.isFinite(t) ? t : undefined };
      });
      this.units.push({ kind: 'raw', source, events });
      return;
    }
    this.form('log-lines');
    this.units.push({ kind: 'raw', source, events: [rawEvent(doc, text)] });
  }

  /** One metric stream data point; consecutive ones of a source share a unit. */
  private metricDatum(doc: Obj, source: string): void {
    this.form('metric-stream');
    const r = metricStreamRecord(doc);
    if (typeof r === 'string') {
      this.error(new DecodeError('INVALID_METRIC', source, `not a metric stream data point: ${r}`));
      return;
    }
    const last = this.units[this.units.length - 1];
    if (last?.kind === 'metrics' && last.source === source.replace(/:\d+$/, '')) {
      last.metrics.push(r);
    } else {
      this.units.push({ kind: 'metrics', source: source.replace(/:\d+$/, ''), metrics: [r] });
    }
  }

  /**
   * The base64 `data` of a Firehose or Kinesis record: a CWL payload when it is
   * gzip or an envelope, metric stream data points, otherwise the raw bytes a
   * producer put (log lines).
   */
  private recordData(data: string, source: string): void {
    const r = decodeRecordData(this.decoder, data, source);
    if (r.kind === 'error') {
      this.error(r.error);
    } else if (r.kind === 'payload') {
      this.form('cwl-payload');
      this.units.push({ kind: 'payload', source, decoded: r.decoded });
    } else if (r.kind === 'metrics') {
      this.form('metric-stream');
      if (r.metrics.length > 0) this.units.push({ kind: 'metrics', source, metrics: r.metrics });
      for (const e of r.errors) this.error(e);
    } else {
      this.form('log-lines');
      this.units.push({ kind: 'raw', source, events: r.lines.map((message) => ({ message })) });
    }
  }

  private push(r: ReturnType<CwlDecoder['bytes']>, source: string): void {
    if (r.ok) {
      this.form('cwl-payload');
      this.units.push({ kind: 'payload', source, decoded: r.value });
    } else {
      this.error(r.error);
    }
  }
}

/** True for a document that wraps payloads (rather than being a log event itself). */
function isWrapper(doc: Obj): boolean {
  return (
    'messageType' in doc ||
    isObj(doc.awslogs) ||
    (Array.isArray(doc.records) && ('requestId' in doc || 'invocationId' in doc)) ||
    Array.isArray(doc.Records)
  );
}

/** A JSON log event: `{message, timestamp, eventId, logStreamName}` (FilterLogEvents) or any object. */
function rawEvent(doc: Obj, text: string): RawLogEvent {
  if (typeof doc.message === 'string' && (typeof doc.timestamp === 'number' || 'eventId' in doc)) {
    return {
      message: doc.message,
      timestamp: typeof doc.timestamp === 'number' ? doc.timestamp : undefined,
      id:
        typeof doc.eventId === 'string'
          ? doc.eventId
          : typeof doc.id === 'string'
            ? doc.id
            : undefined,
      logGroup: typeof doc.logGroupName === 'string' ? doc.logGroupName : undefined,
      logStream: typeof doc.logStreamName === 'string' ? doc.logStreamName : undefined,
    };
  }
  return { message: text };
}

/**
 * Decodes a captured input of any supported form, auto-detected: a Firehose
 * transformation event, a Firehose HTTP endpoint request body, a Lambda
 * Kinesis or CloudWatch Logs event, a CWL payload gzipped or plain, base64 of
 * a gzipped payload, a CloudTrail log file, CloudWatch Metric Streams JSON lines, or
 * NDJSON / text log lines. Never
 * throws; failures are `error` units that name the record.
 *
 * @example
 * ```ts
 * const { forms, units } = decodeInput(readFileSync('event.json'), { name: 'event.json' });
 * ```
 */
export function decodeInput(bytes: Uint8Array, options: InputOptions = {}): DecodedInput {
  const reader = new InputReader(options);
  reader.bytes(bytes, options.name ?? 'input');
  return { forms: reader.forms, units: reader.units };
}
