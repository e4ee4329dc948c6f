import { DecodeError } from '../errors.js';
import { type MetricStreamBatch, parseMetricStream } from '../metric-stream.js';
import { decodeBase64, isGzip, utf8Text } from './bytes.js';
import type { CwlDecoder, DecodedPayload } from './decoder.js';

/** What the `data` of a Firehose or Kinesis record turned out to hold. */
export type RecordData =
  | { kind: 'payload'; decoded: DecodedPayload }
  | { kind: 'lines'; lines: string[] }
  | ({ kind: 'metrics' } & MetricStreamBatch)
  | { kind: 'error'; error: DecodeError };

/**
 * Decodes the base64 `data` of a Firehose (transformation or HTTP endpoint) or
 * Kinesis record: a CloudWatch Logs payload when it is gzip or an envelope, CloudWatch
 * Metric Streams data points when it is metric stream JSON lines, otherwise the raw text a
 * producer put, as its non-empty lines. Never throws.
 *
 * @example
 * ```ts
 * const r = decodeRecordData(createDecoder(), record.data, `records[${i}]`);
 * if (r.kind === 'payload') processEnvelope(r.decoded.envelope, classifier);
 * ```
 */
export function decodeRecordData(decoder: CwlDecoder, data: string, source: string): RecordData {
  if (typeof data !== 'string') {
    return {
      kind: 'error',
      error: new DecodeError('UNSUPPORTED_INPUT', source, 'record has no base64 `data` string'),
    };
  }
  const bytes = decodeBase64(data, source);
  if (bytes instanceof DecodeError) return { kind: 'error', error: bytes };
  if (isGzip(bytes)) return payload(decoder.bytes(bytes, source));
  const text = utf8Text(bytes, source);
  if (text instanceof DecodeError) return { kind: 'error', error: text };
  if (text.trimStart().startsWith('{') && text.includes('"messageType"')) {
    return payload(decoder.json(text, source, bytes.length));
  }
  if (text.trimStart().startsWith('{') && text.includes('"metric_stream_name"')) {
    return { kind: 'metrics', ...parseMetricStream(text, source) };
  }
  return { kind: 'lines', lines: text.split(/\r?\n/).filter((l) => l !== '') };
}

function payload(r: ReturnType<CwlDecoder['bytes']>): RecordData {
  return r.ok ? { kind: 'payload', decoded: r.value } : { kind: 'error', error: r.error };
}
