/**
 * A receiver for Firehose HTTP endpoint delivery: a `node:http` request handler
 * that authenticates, reads (bounded), decodes and hands a request's records to
 * the pipeline, and answers in the format Firehose expects.
 * https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';
import {
  type Classifier,
  type ClassifierOptions,
  ConfigError,
  type CwlDecoder,
  type CwlEnvelope,
  createClassifier,
  createDecoder,
  type DecoderOptions,
  decodeRecordData,
  type LogRecord,
  type MetricRecord,
  type PooledPayload,
  type PoolInput,
  type PoolResult,
  processEnvelope,
  type WorkerPool,
} from '@logpipe/core';
import { HttpEndpointError } from './errors.js';
import { DEFAULT_HTTP_MAX_BODY_BYTES, HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS } from './limits.js';

/** Firehose limits the access key to 4096 bytes (same page as above). */
const MAX_ACCESS_KEY_BYTES = 4096;

/**
 * Default wait for `onRecords`: 150 s, leaving 30 s of Firehose's 3 minutes for the rest.
 *
 * @example
 * ```ts
 * createHttpEndpointHandler({ onRecords, callbackTimeoutMs: DEFAULT_HTTP_CALLBACK_TIMEOUT_MS / 2 });
 * ```
 */
export const DEFAULT_HTTP_CALLBACK_TIMEOUT_MS = 150_000;

/**
 * Default cap on a gzip body once inflated: twice the default body cap (128 MiB).
 * Firehose buffers up to 64 MiB of record data; base64 in the JSON body adds a
 * third and the framing a little more.
 *
 * @example
 * ```ts
 * createHttpEndpointHandler({ onRecords, maxDecompressedBytes: DEFAULT_HTTP_MAX_DECOMPRESSED_BYTES / 4 });
 * ```
 */
export const DEFAULT_HTTP_MAX_DECOMPRESSED_BYTES = 2 * DEFAULT_HTTP_MAX_BODY_BYTES;

/** The only request/response format version Firehose sends today. */
const PROTOCOL_VERSION = '1.0';

/** Request ids are opaque GUIDs; anything printable and short enough to echo back is accepted. */
const REQUEST_ID = /^[\x21-\x7e]{1,256}$/;

/**
 * One record of a request that could not be decoded; the pipeline decides where it goes.
 *
 * @example
 * ```ts
 * for (const f of batch.failures) await deadLetter.put({ requestId: batch.requestId, ...f });
 * ```
 */
export interface ReceivedFailure {
  /** Names the record: `records[<index>]`. */
  source: string;
  /** Index of the record in the request body. */
  index: number;
  /** A `DecodeError` code (`INVALID_BASE64`, `TRUNCATED_GZIP`, `INVALID_ENVELOPE`…). */
  code: string;
  message: string;
  /** The record's `data` as received (base64), for dead-lettering; absent when it was not a string. */
  data: string | undefined;
}

/**
 * What one Firehose HTTP request carried, decoded.
 *
 * @example
 * ```ts
 * const onRecords = async (batch: ReceivedBatch) => {
 *   await sink.write(batch.records);
 *   if (batch.failures.length > 0) await deadLetter.put(batch.requestId, batch.failures);
 * };
 * ```
 */
export interface ReceivedBatch {
  /**
   * Firehose's request id. Firehose sends the same id on every retry of one
   * request, so a batch may arrive again after a failed or lost answer:
   * deduplicating by it (or by record id) is the pipeline's concern.
   */
  requestId: string;
  /** The request's `timestamp` (epoch ms). */
  timestamp: number;
  /** ARN of the Firehose stream (`X-Amz-Firehose-Source-Arn`), `''` when absent. */
  sourceArn: string;
  /** `X-Amz-Firehose-Common-Attributes`, `{}` when absent. */
  commonAttributes: Record<string, string>;
  records: LogRecord[];
  metrics: MetricRecord[];
  /** Records that carried plain log lines rather than a CloudWatch Logs payload. */
  rawRecords: number;
  /** Records that failed to decode. They are not retried by Firehose (the request is answered 200). */
  failures: ReceivedFailure[];
  /** CONTROL_MESSAGE payloads seen (no records; dropped on purpose). */
  controlMessages: number;
}

/**
 * Second argument of `onRecords`.
 *
 * @example
 * ```ts
 * const onRecords = (batch: ReceivedBatch, { signal }: ReceiveContext) => sink.write(batch.records, { signal });
 * ```
 */
export interface ReceiveContext {
  /** Aborted when the answer is no longer awaited: `callbackTimeoutMs` passed or the client went away. */
  signal: AbortSignal;
}

/**
 * Options of {@link createHttpEndpointHandler}.
 *
 * @example
 * ```ts
 * const options: HttpEndpointOptions = {
 *   accessKey: ['current-key', 'previous-key'],
 *   maxBodyBytes: 16 * 1024 * 1024,
 *   onRecords: async (batch) => sink.write(batch.records),
 * };
 * ```
 */
export interface HttpEndpointOptions {
  /**
   * The pipeline. The request is answered 200 only after the promise resolves
   * (ack after write); a rejection or a timeout answers 500 so Firehose retries.
   */
  onRecords: (batch: ReceivedBatch, context: ReceiveContext) => Promise<void>;
  /**
   * Accepted access key(s). When set, `X-Amz-Firehose-Access-Key` must equal
   * one of them (compared in constant time); otherwise 401.
   */
  accessKey?: string | readonly string[] | undefined;
  /** Largest body as it arrives (compressed when gzip), bytes. Default 64 MiB. */
  maxBodyBytes?: number | undefined;
  /**
   * Largest gzip body once inflated, bytes; inflating stops as soon as it is
   * passed (413). Default 128 MiB. Per-payload caps are `decoder.maxDecompressedBytes`.
   */
  maxDecompressedBytes?: number | undefined;
  /** Longest wait for `onRecords`, ms. Default 150 000; at most 180 000 (Firehose's timeout). */
  callbackTimeoutMs?: number | undefined;
  /** Classifier options (with a `pool`: set them on the pool instead). */
  classifier?: ClassifierOptions | undefined;
  /** Decoder options, e.g. the per-payload cap (with a `pool`: set them on the pool instead). */
  decoder?: DecoderOptions | undefined;
  /**
   * A worker pool (`createWorkerPool` of `@logpipe/core`) that decodes and parses the
   * request's CloudWatch Logs payloads (gzip or JSON envelopes) on worker threads with
   * `processBatch`; requests the pool estimates small stay on this thread. The batch handed
   * to `onRecords` is the same with or without it: records the pool does not settle exactly
   * as the inline path would (metric stream lines, plain log lines, payloads that are not
   * CloudWatch Logs JSON) are decoded here. When the pool refuses a request
   * (`POOL_QUEUE_FULL`, `POOL_CLOSED`, `WORKER_FAILED`) it is decoded here and a `warn`
   * line goes to `logger`. Classifier and decoder options are the pool's (`pool.processing`):
   * setting `classifier` or `decoder` beside a pool is a ConfigError. The handler never
   * closes the pool.
   */
  pool?: WorkerPool | undefined;
  /** Clock for response timestamps, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Where one JSON line per request goes. Default `console.log`. */
  logger?: ((line: string) => void) | undefined;
}

/**
 * Counters of a handler since it was created. Plain numbers, safe to read at any time.
 *
 * @example
 * ```ts
 * const { requests, accepted, rejected } = handler.stats; // rejected: { "401": 3, "500": 1 }
 * ```
 */
export interface HttpEndpointStats {
  requests: number;
  /** Requests answered 200. */
  accepted: number;
  /** Refused requests by HTTP status sent, e.g. `{ "401": 2 }`. */
  rejected: Record<string, number>;
  /** Refused requests by error code, e.g. `{ "UNAUTHORIZED": 2 }`. */
  errors: Record<string, number>;
  /** LogRecords handed to `onRecords` (counted once `onRecords` resolved). */
  records: number;
  metrics: number;
  /** Records reported in `failures` (counted once `onRecords` resolved). */
  failures: number;
  controlMessages: number;
}

/**
 * A `node:http` request handler with its counters.
 *
 * @example
 * ```ts
 * const handler = createHttpEndpointHandler({ onRecords });
 * createServer(handler).listen(8080);
 * setInterval(() => console.log(handler.stats), 60_000).unref();
 * ```
 */
export interface HttpEndpointHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  readonly stats: HttpEndpointStats;
}

interface Config {
  onRecords: HttpEndpointOptions['onRecords'];
  keyHashes: Buffer[] | null;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  callbackTimeoutMs: number;
  classifier: Classifier;
  decoder: CwlDecoder;
  pool: WorkerPool | undefined;
  now: () => number;
  logger: (line: string) => void;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return v;
}

function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

function configure(options: HttpEndpointOptions): Config {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createHttpEndpointHandler needs an options object with onRecords');
  }
  if (typeof options.onRecords !== 'function') {
    throw new ConfigError('onRecords must be a function (batch) => Promise<void>');
  }
  let keyHashes: Buffer[] | null = null;
  if (options.accessKey !== undefined) {
    const keys = typeof options.accessKey === 'string' ? [options.accessKey] : options.accessKey;
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new ConfigError('accessKey must be a non-empty string or a non-empty array of them');
    }
    keyHashes = keys.map((k, i) => {
      if (typeof k !== 'string' || k === '') {
        throw new ConfigError(`accessKey[${i}] must be a non-empty string`);
      }
      if (Buffer.byteLength(k, 'utf8') > MAX_ACCESS_KEY_BYTES) {
        throw new ConfigError(
          `accessKey[${i}] is longer than Firehose's ${MAX_ACCESS_KEY_BYTES}-byte limit`,
        );
      }
      return sha256(k);
    });
  }
  const callbackTimeoutMs = positiveInt(
    'callbackTimeoutMs',
    options.callbackTimeoutMs,
    DEFAULT_HTTP_CALLBACK_TIMEOUT_MS,
  );
  if (callbackTimeoutMs >= HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS) {
    throw new ConfigError(
      `callbackTimeoutMs must be under Firehose's ${HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS} ms response timeout, got ${callbackTimeoutMs}`,
    );
  }
  for (const name of ['now', 'logger'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ConfigError(`${name} must be a function`);
    }
  }
  const pool = options.pool;
  if (pool !== undefined) {
    if (
      typeof pool !== 'object' ||
      pool === null ||
      typeof pool.processBatch !== 'function' ||
      typeof pool.processing !== 'object'
    ) {
      throw new ConfigError('pool must be a worker pool made by createWorkerPool (@logpipe/core)');
    }
    if (options.classifier !== undefined || options.decoder !== undefined) {
      throw new ConfigError(
        'with a pool, set classifier and decoder options on the pool (createWorkerPool), not on the handler',
      );
    }
  }
  // The inline path processes with the pool's options, so both give the same records.
  const processing = pool?.processing;
  return {
    onRecords: options.onRecords,
    keyHashes,
    maxBodyBytes: positiveInt('maxBodyBytes', options.maxBodyBytes, DEFAULT_HTTP_MAX_BODY_BYTES),
    maxDecompressedBytes: positiveInt(
      'maxDecompressedBytes',
      options.maxDecompressedBytes,
      DEFAULT_HTTP_MAX_DECOMPRESSED_BYTES,
    ),
    callbackTimeoutMs,
    classifier: createClassifier(processing?.classifier ?? options.classifier),
    decoder: createDecoder(processing?.decoder ?? options.decoder),
    pool,
    now: options.now ?? Date.now,
    logger: options.logger ?? ((line) => console.log(line)),
  };
}

/** Every accepted key is compared (no early exit); sha256 first so lengths do not leak. */
function keyMatches(header: string | undefined, keyHashes: readonly Buffer[]): boolean {
  const given = sha256(header ?? '');
  let match = false;
  for (const h of keyHashes) {
    if (timingSafeEqual(given, h)) match = true;
  }
  return match && header !== undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function refused(code: string, status: number, message: string, cause?: unknown) {
  return new HttpEndpointError(code, status, message, cause === undefined ? {} : { cause });
}

function parseCommonAttributes(header: string | undefined): Record<string, string> {
  if (header === undefined || header === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(header);
  } catch (err) {
    throw refused(
      'INVALID_COMMON_ATTRIBUTES',
      400,
      'X-Amz-Firehose-Common-Attributes is not JSON',
      err,
    );
  }
  const attrs = isObj(doc) ? doc.commonAttributes : undefined;
  if (!isObj(attrs) || !Object.values(attrs).every((v) => typeof v === 'string')) {
    throw refused(
      'INVALID_COMMON_ATTRIBUTES',
      400,
      'X-Amz-Firehose-Common-Attributes must be {"commonAttributes":{<name>:<string>}}',
    );
  }
  return attrs as Record<string, string>;
}

/**
 * Reads the body with both caps enforced while it streams: the bytes on the
 * wire (`maxBody`) and, for gzip, the inflated bytes (`maxOut`). At most
 * `maxOut` plus one zlib chunk is ever held.
 */
function readBody(
  req: IncomingMessage,
  gzip: boolean,
  maxBody: number,
  maxOut: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let inBytes = 0;
    let outBytes = 0;
    let done = false;
    const gunzip = gzip ? createGunzip() : null;
    const finish = (err: HttpEndpointError | null): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err === null) {
        resolve(Buffer.concat(chunks, outBytes));
        return;
      }
      chunks.length = 0;
      gunzip?.destroy();
      // Keep reading (and dropping) whatever the client still sends, so it can read our answer.
      req.resume();
      reject(err);
    };
    const collect = (chunk: Buffer): void => {
      if (done) return;
      outBytes += chunk.length;
      if (outBytes > maxOut) {
        finish(
          refused(
            'DECOMPRESSED_BODY_TOO_LARGE',
            413,
            `gzip body inflates past the ${maxOut}-byte limit (maxDecompressedBytes)`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onData = (chunk: Buffer): void => {
      inBytes += chunk.length;
      if (inBytes > maxBody) {
        finish(
          refused('BODY_TOO_LARGE', 413, `body exceeds the ${maxBody}-byte limit (maxBodyBytes)`),
        );
        return;
      }
      if (gunzip === null) {
        collect(chunk);
      } else if (!gunzip.write(chunk)) {
        req.pause();
        gunzip.once('drain', () => {
          if (!done) req.resume();
        });
      }
    };
    const onEnd = (): void => {
      if (gunzip === null) finish(null);
      else gunzip.end();
    };
    const onError = (err: Error): void => {
      finish(refused('REQUEST_STREAM_ERROR', 400, `request stream failed: ${err.message}`, err));
    };
    const onClose = (): void => {
      if (!req.complete) finish(refused('REQUEST_ABORTED', 400, 'client closed the request early'));
    };
    if (gunzip !== null) {
      gunzip.on('data', collect);
      gunzip.on('end', () => finish(null));
      gunzip.on('error', (err) =>
        finish(refused('INVALID_GZIP', 400, `gzip body is corrupt: ${err.message}`, err)),
      );
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

interface Origin {
  owner: string;
  region: string | undefined;
}

/** `arn:aws:firehose:<region>:<account>:deliverystream/<name>` → account and region. */
function originOf(arn: string): Origin {
  const parts = arn.split(':');
  return {
    owner: parts.length >= 6 && parts[0] === 'arn' ? (parts[4] ?? '') : '',
    region: parts.length >= 6 && parts[0] === 'arn' && parts[3] !== '' ? parts[3] : undefined,
  };
}

/** A record's outcome from the worker pool. */
type Pooled = PoolResult<PooledPayload>;

/**
 * Decodes the request's records into `batch`, one at a time, never throwing:
 * the same rule as core's `decodeInput` for a record's `data` (gzip or an
 * envelope → CloudWatch Logs payload, anything else → log lines), without
 * parsing the body a second time. `pooled[i]`, when set, is record `i` already
 * decoded by the worker pool (see {@link decodeWithPool}).
 */
function decodeRecords(
  records: unknown[],
  batch: ReceivedBatch,
  cfg: Config,
  pooled?: ReadonlyArray<Pooled | undefined>,
): void {
  const origin = originOf(batch.sourceArn);
  const options = { region: origin.region };
  const fail = (index: number, code: string, message: string, data: string | undefined) => {
    batch.failures.push({ source: `records[${index}]`, index, code, message, data });
  };
  for (let i = 0; i < records.length; i++) {
    const source = `records[${i}]`;
    const rec = records[i];
    const data = isObj(rec) && typeof rec.data === 'string' ? rec.data : undefined;
    const fromPool = pooled?.[i];
    if (fromPool !== undefined) {
      if (!fromPool.ok) {
        fail(i, fromPool.error.code, fromPool.error.message, data);
        continue;
      }
      const v = fromPool.value;
      if (v.control) batch.controlMessages++;
      for (const x of v.records) batch.records.push(x);
      for (const m of v.metrics) batch.metrics.push(m);
      continue;
    }
    const r = decodeRecordData(cfg.decoder, data as string, source);
    if (r.kind === 'error') {
      fail(i, r.error.code, r.error.message, data);
      continue;
    }
    if (r.kind === 'metrics') {
      // CloudWatch Metric Streams (JSON format) delivered through Firehose: data points, no
      // log events. A bad line puts its whole record into `failures`, with the original data
      // for the dead letter, so a replay of that record cannot count its good lines twice.
      const bad = r.errors[0];
      if (bad !== undefined) {
        fail(
          i,
          bad.code,
          `${bad.message}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more lines)` : ''}`,
          data,
        );
        continue;
      }
      for (const m of r.metrics) batch.metrics.push(m);
      continue;
    }
    let envelope: CwlEnvelope;
    if (r.kind === 'payload') {
      envelope = r.decoded.envelope;
    } else {
      // Plain log lines: one record each, classified by content (no log group), at
      // the request time. Ids are derived from the request id, so a retried
      // request yields the same ids and the pipeline can deduplicate.
      if (r.lines.length === 0) continue;
      batch.rawRecords++;
      envelope = {
        messageType: 'DATA_MESSAGE',
        owner: origin.owner,
        logGroup: '',
        logStream: '',
        subscriptionFilters: [],
        logEvents: r.lines.map((message, j) => ({
          id: `${batch.requestId}:${i}:${j}`,
          timestamp: batch.timestamp,
          message,
        })),
      };
    }
    const p = processEnvelope(envelope, cfg.classifier, options);
    if (p.control) batch.controlMessages++;
    for (const x of p.records) batch.records.push(x);
    for (const m of p.metrics) batch.metrics.push(m);
  }
}

/** What the first bytes of a record's base64 `data` are. */
type Lead = 'gzip' | 'json' | 'other';

/**
 * The first bytes of base64 `data`, decoded from its first 4 characters: gzip
 * (`1f 8b`, what `decodeRecordData` tests), possibly JSON (`{` or whitespace), or
 * neither (log lines: the pool has nothing to do for them). Exact whenever the
 * data is valid base64, which is all that matters (see {@link settledAsInline}).
 */
function leadOf(data: string): Lead {
  const head = Buffer.from(data.slice(0, 4), 'base64');
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  const b = head[0];
  return b === 0x7b || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 ? 'json' : 'other';
}

/**
 * True when the pool's outcome for a record is exactly what `decodeRecordData` and
 * `processEnvelope` give on this thread. The pool runs `decoder.base64`: strict base64
 * first (as `decodeRecordData` does), then gzip by magic bytes (as it does), else a JSON
 * envelope when the first non-space byte is `{`. So:
 * - INVALID_BASE64 is the same error either way;
 * - a gzip record goes through `decoder.bytes` either way: same payload or same error
 *   (but RECORD_FAILED, an unexpected throw, is left to this thread);
 * - a plain JSON record parsed by the pool is an envelope here too only when its text holds
 *   `"messageType"` (else `decodeRecordData` tries metric stream lines or log lines);
 * - any other error of a plain record (not JSON, not an envelope, too large…) is left to
 *   this thread, which decides between a payload, metric stream lines and log lines.
 */
function settledAsInline(r: Pooled, data: string, lead: Lead): boolean {
  if (!r.ok) {
    return (
      r.error.code === 'INVALID_BASE64' || (lead === 'gzip' && r.error.code !== 'RECORD_FAILED')
    );
  }
  return lead === 'gzip' || Buffer.from(data, 'base64').includes('"messageType"');
}

/**
 * Decodes and parses the request's gzip and JSON records on the worker pool. Returns,
 * per record, the pool's outcome where it is exactly what this thread would give
 * (`undefined` elsewhere: that record is decoded inline); every entry is `undefined`
 * when the pool did not take the batch (queue full, closed, a worker failed), which is
 * logged as a warning.
 */
async function decodeWithPool(
  records: unknown[],
  batch: ReceivedBatch,
  cfg: Config,
  pool: WorkerPool,
): Promise<Array<Pooled | undefined>> {
  const out = new Array<Pooled | undefined>(records.length);
  const inputs: PoolInput[] = [];
  const index: number[] = [];
  const leads: Lead[] = [];
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    if (!isObj(rec) || typeof rec.data !== 'string') continue; // the inline path's error
    const lead = leadOf(rec.data);
    if (lead === 'other') continue;
    inputs.push({ data: rec.data, source: `records[${i}]` });
    index.push(i);
    leads.push(lead);
  }
  if (inputs.length === 0) return out;
  let results: Pooled[];
  try {
    results = await pool.processBatch(inputs, { region: originOf(batch.sourceArn).region });
  } catch (err) {
    try {
      cfg.logger(
        JSON.stringify({
          level: 'warn',
          msg: 'worker pool did not take the request; decoding it on this thread',
          requestId: batch.requestId,
          code: (err as { code?: unknown } | null)?.code,
          error: messageOf(err),
        }),
      );
    } catch {
      // A failing logger must not fail the request.
    }
    return out;
  }
  for (let k = 0; k < inputs.length; k++) {
    const r = results[k];
    const input = inputs[k] as PoolInput;
    if (r !== undefined && settledAsInline(r, input.data as string, leads[k] as Lead)) {
      out[index[k] as number] = r;
    }
  }
  return out;
}

/** Parses and checks the body: `{requestId, timestamp, records: [...]}`. */
function parseBody(body: Buffer): { requestId: string; timestamp: number; records: unknown[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw refused('INVALID_JSON', 400, `body is not JSON: ${(err as Error).message}`, err);
  }
  if (
    !isObj(doc) ||
    typeof doc.requestId !== 'string' ||
    typeof doc.timestamp !== 'number' ||
    !Number.isFinite(doc.timestamp) ||
    !Array.isArray(doc.records)
  ) {
    throw refused(
      'INVALID_REQUEST',
      400,
      'body must be {"requestId": string, "timestamp": number, "records": [{"data": base64}]}',
    );
  }
  return { requestId: doc.requestId, timestamp: doc.timestamp, records: doc.records };
}

/**
 * Creates a handler for Firehose HTTP endpoint delivery, to pass to
 * `http.createServer` (or `https.createServer` when TLS ends here; Firehose
 * only delivers to https on port 443).
 *
 * The exchange, in order: POST only (405); `Content-Type: application/json`
 * (415); `X-Amz-Firehose-Protocol-Version` `1.0` when present (400); the access
 * key when configured (401, the body is not read); the request id (400); the
 * body within `maxBodyBytes` and, when `Content-Encoding: gzip`, within
 * `maxDecompressedBytes` once inflated (413, memory stays bounded); the body
 * shape (400). Then the records are decoded and `onRecords` is awaited: 200
 * with `{"requestId","timestamp"}` only once it resolved, 500 with
 * `errorMessage` when it rejects or outlasts `callbackTimeoutMs` (a rejection
 * with an `HttpEndpointError` of status 4xx/5xx, e.g. 429 or 503 for
 * backpressure, answers that status instead). Every
 * refusal answers `{"requestId","timestamp","errorMessage"}`; Firehose retries
 * every answer but 200 until its retry duration ends, then backs the data up to S3.
 *
 * Records that fail to decode (bad base64, truncated gzip, broken envelope…)
 * do not fail the request: answering an error would make Firehose retry the
 * same bytes until it gives up, holding back the good records with them.
 * They are listed in `batch.failures` (with their `data`) and `onRecords` is
 * called with the rest; dead-lettering them is the pipeline's decision.
 *
 * A request id delivered twice (a retry after a 500, a timeout or a lost
 * answer) is processed again: ids are handed to `onRecords`, and
 * deduplication is the pipeline's concern.
 *
 * The handler never rejects. Slow clients are bounded by the server's own
 * `requestTimeout` / `headersTimeout`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHttpEndpointHandler } from '@logpipe/firehose-transform';
 *
 * const handler = createHttpEndpointHandler({
 *   accessKey: process.env.FIREHOSE_ACCESS_KEY,
 *   onRecords: async (batch) => {
 *     await sink.write(batch.records); // answered 200 only after this resolves
 *   },
 * });
 * createServer(handler).listen(8080);
 * ```
 */
export function createHttpEndpointHandler(options: HttpEndpointOptions): HttpEndpointHandler {
  const cfg = configure(options);
  const stats: HttpEndpointStats = {
    requests: 0,
    accepted: 0,
    rejected: {},
    errors: {},
    records: 0,
    metrics: 0,
    failures: 0,
    controlMessages: 0,
  };

  const send = (res: ServerResponse, status: number, body: string, close: boolean): void => {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (close) headers.connection = 'close';
    if (status === 405) headers.allow = 'POST';
    res.writeHead(status, headers);
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = cfg.now();
    stats.requests++;
    const headerId = single(req.headers['x-amz-firehose-request-id']);
    let requestId = headerId !== undefined && REQUEST_ID.test(headerId) ? headerId : '';
    let batch: ReceivedBatch | undefined;
    try {
      if (req.method !== 'POST') {
        throw refused(
          'METHOD_NOT_ALLOWED',
          405,
          `method ${String(req.method)} not allowed; use POST`,
        );
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        throw refused(
          'UNSUPPORTED_MEDIA_TYPE',
          415,
          `Content-Type must be application/json, got ${type === '' ? 'none' : type}`,
        );
      }
      const version = single(req.headers['x-amz-firehose-protocol-version']);
      if (version !== undefined && version !== PROTOCOL_VERSION) {
        throw refused(
          'UNSUPPORTED_PROTOCOL_VERSION',
          400,
          `X-Amz-Firehose-Protocol-Version ${version} is not supported (expected ${PROTOCOL_VERSION})`,
        );
      }
      if (
        cfg.keyHashes !== null &&
        !keyMatches(single(req.headers['x-amz-firehose-access-key']), cfg.keyHashes)
      ) {
        throw refused('UNAUTHORIZED', 401, 'X-Amz-Firehose-Access-Key is missing or not accepted');
      }
      if (headerId !== undefined && requestId === '') {
        throw refused('INVALID_REQUEST_ID', 400, 'X-Amz-Firehose-Request-Id is empty or malformed');
      }
      const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'gzip' && encoding !== 'identity') {
        throw refused(
          'UNSUPPORTED_CONTENT_ENCODING',
          415,
          `Content-Encoding must be gzip or absent, got ${encoding}`,
        );
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > cfg.maxBodyBytes) {
        throw refused(
          'BODY_TOO_LARGE',
          413,
          `body of ${declared} bytes exceeds the ${cfg.maxBodyBytes}-byte limit (maxBodyBytes)`,
        );
      }
      const commonAttributes = parseCommonAttributes(
        single(req.headers['x-amz-firehose-common-attributes']),
      );
      const raw = await readBody(
        req,
        encoding === 'gzip',
        cfg.maxBodyBytes,
        encoding === 'gzip' ? cfg.maxDecompressedBytes : cfg.maxBodyBytes,
      );
      const body = parseBody(raw);
      if (requestId === '') {
        if (!REQUEST_ID.test(body.requestId)) {
          throw refused('INVALID_REQUEST_ID', 400, 'request has no valid request id');
        }
        requestId = body.requestId;
      } else if (body.requestId !== requestId) {
        throw refused(
          'INVALID_REQUEST_ID',
          400,
          'X-Amz-Firehose-Request-Id and the body requestId differ',
        );
      }
      batch = {
        requestId,
        timestamp: body.timestamp,
        sourceArn: single(req.headers['x-amz-firehose-source-arn']) ?? '',
        commonAttributes,
        records: [],
        metrics: [],
        rawRecords: 0,
        failures: [],
        controlMessages: 0,
      };
      const pooled =
        cfg.pool === undefined
          ? undefined
          : await decodeWithPool(body.records, batch, cfg, cfg.pool);
      decodeRecords(body.records, batch, cfg, pooled);
      await deliver(batch, res);
      stats.accepted++;
      stats.records += batch.records.length;
      stats.metrics += batch.metrics.length;
      stats.failures += batch.failures.length;
      stats.controlMessages += batch.controlMessages;
      send(res, 200, JSON.stringify({ requestId, timestamp: cfg.now() }), false);
      log(requestId, 200, undefined, batch, started);
    } catch (err) {
      const e =
        err instanceof HttpEndpointError
          ? err
          : refused('INTERNAL_ERROR', 500, `unexpected error: ${messageOf(err)}`, err);
      const status = e.status;
      stats.rejected[status] = (stats.rejected[status] ?? 0) + 1;
      stats.errors[e.code] = (stats.errors[e.code] ?? 0) + 1;
      // An unread body would otherwise be parsed as the next request on this connection.
      const close = !req.complete;
      if (close) req.resume();
      send(
        res,
        status,
        JSON.stringify({ requestId, timestamp: cfg.now(), errorMessage: e.message }),
        close,
      );
      log(requestId, status, e, batch, started);
    }
  };

  /** Awaits onRecords within callbackTimeoutMs; rejects with a 500 HttpEndpointError. */
  const deliver = async (batch: ReceivedBatch, res: ServerResponse): Promise<void> => {
    const ac = new AbortController();
    const onClose = (): void => {
      if (!res.writableEnded) ac.abort(new Error('client closed the connection'));
    };
    res.on('close', onClose);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = refused(
          'CALLBACK_TIMEOUT',
          500,
          `onRecords did not finish within ${cfg.callbackTimeoutMs} ms`,
        );
        ac.abort(err);
        reject(err);
      }, cfg.callbackTimeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([
        Promise.resolve().then(() => cfg.onRecords(batch, { signal: ac.signal })),
        timeout,
      ]);
    } catch (err) {
      // The pipeline may choose the status (e.g. 429 or 503 for backpressure).
      if (err instanceof HttpEndpointError && err.status >= 400) throw err;
      throw refused('CALLBACK_FAILED', 500, `onRecords failed: ${messageOf(err)}`, err);
    } finally {
      clearTimeout(timer);
      res.off('close', onClose);
    }
  };

  const log = (
    requestId: string,
    status: number,
    err: HttpEndpointError | undefined,
    batch: ReceivedBatch | undefined,
    started: number,
  ): void => {
    try {
      cfg.logger(
        JSON.stringify({
          msg: 'logpipe firehose http',
          requestId,
          status,
          code: err?.code,
          error: err?.message,
          records: batch?.records.length,
          failures: batch?.failures.length,
          durationMs: cfg.now() - started,
        }),
      );
    } catch {
      // A failing logger must not turn into an unanswered request.
    }
  };

  const handler = handle as HttpEndpointHandler;
  Object.defineProperty(handler, 'stats', { value: stats, enumerable: true });
  return handler;
}
