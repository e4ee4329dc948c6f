import { isAscii, isUtf8 } from 'node:buffer';
import { gunzipChoice } from '../env.js';
import { ConfigError, DecodeError } from '../errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../limits.js';
import type { LineBuffer } from '../line-buffer.js';
import { decodeBase64, firstNonSpace, gunzipCapped, isGzip, notGzip, notUtf8 } from './bytes.js';
import { type CwlEnvelope, envelopeProblem } from './envelope.js';
import { type MessageLines, scanEnvelope, scanMessageLines } from './scan.js';
import { Scratch } from './scratch.js';

/**
 * Memory for the record data a decoder decodes from base64 and for the JSON it inflates, reused
 * from one payload to the next: both are read into a string before the decoder returns, so no
 * result ever refers to them (see `scratch.ts`). Shared by the decoders of a thread (decoding
 * is synchronous); payloads larger than this get memory of their own.
 */
const BASE64_SCRATCH = new Scratch(2 * 1024 * 1024);
const INFLATE_SCRATCH = new Scratch(4 * 1024 * 1024);

/** Options of {@link createDecoder}. */
export interface DecoderOptions {
  /**
   * Cap on the decompressed size of one payload, in bytes. Inflating stops as
   * soon as it is passed. Default {@link DEFAULT_MAX_DECOMPRESSED_BYTES} (16 MiB).
   */
  maxDecompressedBytes?: number | undefined;
}

/** A successfully decoded payload. */
export interface DecodedPayload {
  envelope: CwlEnvelope;
  /** Size of the JSON text, in bytes. */
  decompressedBytes: number;
  /** Size of the payload as it arrived (gzip or JSON bytes), in bytes. */
  payloadBytes: number;
}

/** The outcome of decoding one input record: never a thrown error. */
export type DecodeResult = { ok: true; value: DecodedPayload } | { ok: false; error: DecodeError };

/**
 * The outcome of {@link CwlDecoder.lines} and `firehoseLines`: the payload's message lines,
 * written by the native scanner and accepted by the caller, or else what `base64`, `bytes`
 * or `firehoseRecord` gives.
 */
export type LinesResult =
  | {
      ok: true;
      lines: MessageLines;
      /** Size of the JSON text, in bytes. */
      decompressedBytes: number;
      /** Size of the payload as it arrived (gzip or JSON bytes), in bytes. */
      payloadBytes: number;
      value?: undefined;
    }
  | ({ lines?: undefined } & DecodeResult);

/** A Firehose data-transformation input record. */
export interface FirehoseTransformRecord {
  recordId: string;
  /** Base64 of the record data (a gzipped CWL payload when fed by a subscription filter). */
  data: string;
  approximateArrivalTimestamp?: number;
  kinesisRecordMetadata?: object | undefined;
}

/** A Kinesis record as Lambda delivers it (`event.Records[i]`). */
export interface KinesisEventRecord {
  kinesis: { data: string; sequenceNumber?: string; partitionKey?: string };
  eventID?: string;
  eventSourceARN?: string;
}

/** The event Lambda receives from a direct CloudWatch Logs subscription. */
export interface CwlLambdaEvent {
  awslogs: { data: string };
}

/**
 * Decodes CloudWatch Logs subscription payloads from every form they arrive in.
 * Every method returns a {@link DecodeResult}; none throws.
 *
 * @example
 * ```ts
 * const decoder = createDecoder();
 * for (const rec of firehoseEvent.records) {
 *   const r = decoder.firehoseRecord(rec);
 *   if (r.ok) console.log(r.value.envelope.logEvents.length);
 *   else console.error(r.error.code, r.error.message);
 * }
 * ```
 */
export interface CwlDecoder {
  /** Raw bytes: gzip (detected by magic bytes) or already-decompressed JSON. */
  bytes(input: Uint8Array, source: string): DecodeResult;
  /** Base64 text of gzip or JSON bytes. */
  base64(input: string, source: string): DecodeResult;
  /** JSON text of the envelope. */
  json(text: string, source: string, payloadBytes?: number): DecodeResult;
  /** A Firehose transformation record; errors name its `recordId`. */
  firehoseRecord(record: FirehoseTransformRecord): DecodeResult;
  /**
   * A payload for the `messages` output, as base64 text (as {@link base64}) or bytes (as
   * {@link bytes}): when the native scanner takes it (see `scan.ts`), the message
   * lines are appended to `out` and `accept` decides whether they serve; if it returns
   * false, or the scanner does not take the payload, `out` is left as it was and the
   * result is what `base64` or `bytes` gives (the payload is not inflated twice).
   */
  lines(
    input: string | Uint8Array,
    source: string,
    out: LineBuffer,
    accept: (lines: MessageLines) => boolean,
  ): LinesResult;
  /** {@link lines} for a Firehose transformation record; errors name its `recordId`. */
  firehoseLines(
    record: FirehoseTransformRecord,
    out: LineBuffer,
    accept: (lines: MessageLines) => boolean,
  ): LinesResult;
  /** A Kinesis record from a Lambda Kinesis event; errors name its sequence number. */
  kinesisRecord(record: KinesisEventRecord): DecodeResult;
  /** A direct Lambda subscription event `{awslogs:{data}}`. */
  lambdaEvent(event: CwlLambdaEvent, source?: string): DecodeResult;
}

function failed(error: DecodeError): DecodeResult {
  return { ok: false, error };
}

class Decoder implements CwlDecoder {
  private readonly maxBytes: number;

  constructor(options: DecoderOptions) {
    const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    if (!Number.isSafeInteger(max) || max <= 0) {
      throw new ConfigError(`maxDecompressedBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxBytes = max;
    // The gunzip reads LOGPIPE_GUNZIP when it first runs and cannot throw then: a bad value
    // is reported here, when the decoder is made.
    gunzipChoice();
  }

  bytes(input: Uint8Array, source: string): DecodeResult {
    const raw = this.jsonOf(input, source);
    return raw instanceof DecodeError ? failed(raw) : this.jsonBytes(raw, source, input.length);
  }

  base64(input: string, source: string): DecodeResult {
    const bytes = this.base64Bytes(input, source);
    return bytes instanceof DecodeError ? failed(bytes) : this.bytes(bytes, source);
  }

  lines(
    input: string | Uint8Array,
    source: string,
    out: LineBuffer,
    accept: (lines: MessageLines) => boolean,
  ): LinesResult {
    const bytes = typeof input === 'string' ? this.base64Bytes(input, source) : input;
    if (bytes instanceof DecodeError) return failed(bytes);
    const raw = this.jsonOf(bytes, source);
    if (raw instanceof DecodeError) return failed(raw);
    const from = out.length;
    const lines = scanMessageLines(raw, out);
    if (lines !== undefined && accept(lines)) {
      return { ok: true, lines, decompressedBytes: raw.length, payloadBytes: bytes.length };
    }
    out.length = from;
    return this.jsonBytes(raw, source, bytes.length);
  }

  firehoseLines(
    record: FirehoseTransformRecord,
    out: LineBuffer,
    accept: (lines: MessageLines) => boolean,
  ): LinesResult {
    if (typeof record !== 'object' || record === null || typeof record.data !== 'string')
      return this.firehoseRecord(record);
    return this.lines(record.data, `recordId ${String(record.recordId)}`, out, accept);
  }

  /** The bytes of base64 text (a view of scratch memory, valid until the next payload). */
  private base64Bytes(input: string, source: string): Buffer | DecodeError {
    if (typeof input !== 'string') {
      return new DecodeError(
        'INVALID_BASE64',
        source,
        `data must be a base64 string, got ${typeof input}`,
      );
    }
    return decodeBase64(input, source, BASE64_SCRATCH);
  }

  /** The JSON bytes of a payload: inflated when gzip, as they are when JSON, within the cap. */
  private jsonOf(input: Uint8Array, source: string): Buffer | DecodeError {
    if (isGzip(input)) return gunzipCapped(input, this.maxBytes, source, INFLATE_SCRATCH);
    if (firstNonSpace(input) === 0x7b /* { */) {
      if (input.length > this.maxBytes) return tooLarge(source, input.length, this.maxBytes);
      return Buffer.isBuffer(input)
        ? input
        : Buffer.from(input.buffer, input.byteOffset, input.length);
    }
    return notGzip(input, source);
  }

  json(text: string, source: string, payloadBytes?: number): DecodeResult {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > this.maxBytes) return failed(tooLarge(source, size, this.maxBytes));
    return parseEnvelope(text, source, size, payloadBytes ?? size);
  }

  firehoseRecord(record: FirehoseTransformRecord): DecodeResult {
    const source = `recordId ${String(record?.recordId)}`;
    if (typeof record !== 'object' || record === null) {
      return failed(
        new DecodeError('UNSUPPORTED_INPUT', source, 'Firehose record must be an object'),
      );
    }
    return this.base64(record.data, source);
  }

  kinesisRecord(record: KinesisEventRecord): DecodeResult {
    const k = (record as Partial<KinesisEventRecord> | null)?.kinesis;
    const source = `kinesis sequenceNumber ${String(k?.sequenceNumber ?? record?.eventID)}`;
    if (typeof k !== 'object' || k === null) {
      return failed(
        new DecodeError(
          'UNSUPPORTED_INPUT',
          source,
          'Kinesis event record has no `kinesis` object',
        ),
      );
    }
    return this.base64(k.data, source);
  }

  lambdaEvent(event: CwlLambdaEvent, source = 'awslogs event'): DecodeResult {
    const data = (event as Partial<CwlLambdaEvent> | null)?.awslogs?.data;
    if (data === undefined) {
      return failed(new DecodeError('UNSUPPORTED_INPUT', source, 'event has no awslogs.data'));
    }
    return this.base64(data, source);
  }

  private jsonBytes(raw: Buffer, source: string, payloadBytes: number): DecodeResult {
    const ascii = isAscii(raw);
    if (!ascii && !isUtf8(raw)) return failed(notUtf8(source));
    // Read by the native scanner where it takes the payload (see scan.ts), else JSON.parse
    // (ASCII read as Latin-1, as `utf8Text` does).
    const envelope = scanEnvelope(raw, ascii);
    if (envelope !== undefined) {
      return { ok: true, value: { envelope, decompressedBytes: raw.length, payloadBytes } };
    }
    const text = raw.toString(ascii ? 'latin1' : 'utf8');
    return parseEnvelope(text, source, raw.length, payloadBytes);
  }
}

/**
 * The error for a payload of `size` bytes over the cap. Internal (decodeInput uses it too).
 *
 * @example
 * ```ts
 * tooLarge('stdin:3', 20_000_000, 16_777_216).code; // 'PAYLOAD_TOO_LARGE'
 * ```
 */
export function tooLarge(source: string, size: number, max: number): DecodeError {
  return new DecodeError(
    'PAYLOAD_TOO_LARGE',
    source,
    `payload of ${size} bytes exceeds the ${max}-byte limit (maxDecompressedBytes)`,
  );
}

function parseEnvelope(
  text: string,
  source: string,
  decompressedBytes: number,
  payloadBytes: number,
): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return failed(
      new DecodeError(
        'INVALID_JSON',
        source,
        `payload is not valid JSON: ${(err as Error).message}`,
        {
          cause: err,
        },
      ),
    );
  }
  return envelopeResult(parsed, source, decompressedBytes, payloadBytes);
}

/**
 * The result for a JSON value already parsed from a payload's text: the
 * envelope when it is one, else INVALID_ENVELOPE. Internal: `decodeInput`
 * uses it for documents it has parsed itself, so that no envelope is parsed twice.
 *
 * @example
 * ```ts
 * const size = Buffer.byteLength(line);
 * const r = envelopeResult(JSON.parse(line), 'stdin:3', size, size);
 * ```
 */
export function envelopeResult(
  parsed: unknown,
  source: string,
  decompressedBytes: number,
  payloadBytes: number,
): DecodeResult {
  const problem = envelopeProblem(parsed);
  if (problem !== undefined) {
    return failed(
      new DecodeError(
        'INVALID_ENVELOPE',
        source,
        `not a CloudWatch Logs subscription payload: ${problem}`,
      ),
    );
  }
  return { ok: true, value: { envelope: parsed as CwlEnvelope, decompressedBytes, payloadBytes } };
}

/**
 * Creates a decoder. Options are validated here, once.
 *
 * @example
 * ```ts
 * const decoder = createDecoder({ maxDecompressedBytes: 8 * 1024 * 1024 });
 * const r = decoder.lambdaEvent(event);
 * ```
 * @throws ConfigError for invalid options, or a `LOGPIPE_GUNZIP` other than `libdeflate` or `zlib`.
 */
export function createDecoder(options: DecoderOptions = {}): CwlDecoder {
  return new Decoder(options);
}
