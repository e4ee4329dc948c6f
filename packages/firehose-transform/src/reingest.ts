/**
 * Re-ingest records into a Firehose delivery stream or a Kinesis data stream: pack into
 * calls within the service limits, retry only what failed, never throw for service faults.
 */
import {
  type FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { ConfigError, describeSdkError, isRetryableSdkError } from '@logpipe/core';
import { ReingestError } from './errors.js';
import {
  FIREHOSE_MAX_RECORD_BYTES,
  FIREHOSE_PUT_BATCH_MAX_BYTES,
  FIREHOSE_PUT_BATCH_MAX_RECORDS,
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_PUT_RECORDS_MAX_BYTES,
  KINESIS_PUT_RECORDS_MAX_RECORDS,
} from './limits.js';

/**
 * Longest Kinesis partition key (256 Unicode characters).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html
 */
const KINESIS_MAX_PARTITION_KEY_CHARS = 256;

/**
 * One record to re-ingest.
 *
 * @example
 * ```ts
 * const entry: ReingestEntry = { data: Buffer.from('{"message":"hi"}\n'), recordId: record.recordId };
 * ```
 */
export interface ReingestEntry {
  /** Bytes to put, exactly as the stream should receive them. */
  data: Uint8Array;
  /** The source record this entry came from; several entries may share one. */
  recordId: string;
  /** Kinesis only: partition key; default: derived from `recordId` (stable). Ignored for Firehose. */
  partitionKey?: string | undefined;
}

/**
 * Where to re-ingest. The client is used as given (its own retry policy included): give it
 * `maxAttempts: 1` to let {@link reingest} be the only retry layer, or keep the SDK's
 * retries and accept that attempts multiply (SDK attempts × `maxAttempts`).
 *
 * @example
 * ```ts
 * const target: ReingestTarget = {
 *   kind: 'kinesis',
 *   client: new KinesisClient({ maxAttempts: 1 }),
 *   streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/logs',
 * };
 * ```
 */
export type ReingestTarget =
  | { kind: 'firehose'; client: FirehoseClient; deliveryStreamName: string }
  | { kind: 'kinesis'; client: KinesisClient; streamArn: string };

/**
 * Retry policy of {@link reingest}. Backoff is exponential with full jitter: before retry
 * `n` (1-based) it sleeps `random() × min(maxDelayMs, baseDelayMs × 2^(n-1))`.
 *
 * @example
 * ```ts
 * const options: ReingestOptions = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000 };
 * ```
 */
export interface ReingestOptions {
  /** Attempts per entry, first one included (integer ≥ 1). Default 5. */
  maxAttempts?: number;
  /** Backoff base in ms (≥ 0). Default 100. */
  baseDelayMs?: number;
  /** Backoff cap in ms (≥ `baseDelayMs`). Default 5000. */
  maxDelayMs?: number;
  /** Waits between attempts; tests inject one that records instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * What {@link reingest} achieved.
 *
 * @example
 * ```ts
 * const outcome = await reingest(entries, target);
 * for (const id of outcome.failedRecordIds) console.warn(id, outcome.lastErrors.get(id));
 * ```
 */
export interface ReingestOutcome {
  /** Record ids with at least one entry that was not accepted after all attempts. */
  failedRecordIds: Set<string>;
  /** Entries the service accepted (each counted once, however many attempts it took). */
  entriesSent: number;
  /** PutRecordBatch / PutRecords calls made, retries included. */
  calls: number;
  /** Calls that were retries (re-sending failed entries of an earlier call). */
  retries: number;
  /** For each failed record id only: the last error, as `Code: message`. */
  lastErrors: Map<string, string>;
  /**
   * Set when any record failed: a {@link ReingestError} summarising the failures, with the
   * last whole-call SDK error (if there was one) as `cause`. Returned, never thrown.
   */
  error: ReingestError | undefined;
}

interface Settings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const DEFAULTS = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000 } as const;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`reingest: ${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function settingsOf(options: ReingestOptions): Settings {
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigError(
      `reingest: maxAttempts must be an integer ≥ 1, got ${String(maxAttempts)}`,
    );
  }
  const baseDelayMs = nonNegative('baseDelayMs', options.baseDelayMs, DEFAULTS.baseDelayMs);
  const maxDelayMs = nonNegative('maxDelayMs', options.maxDelayMs, DEFAULTS.maxDelayMs);
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigError(
      `reingest: maxDelayMs (${maxDelayMs}) must be ≥ baseDelayMs (${baseDelayMs})`,
    );
  }
  if (options.sleep !== undefined && typeof options.sleep !== 'function') {
    throw new ConfigError('reingest: sleep must be a function');
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new ConfigError('reingest: random must be a function');
  }
  return {
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
}

function checkTarget(target: ReingestTarget): void {
  if (typeof target !== 'object' || target === null) {
    throw new ConfigError('reingest: target is required');
  }
  if (target.kind !== 'firehose' && target.kind !== 'kinesis') {
    throw new ConfigError(
      `reingest: target.kind must be 'firehose' or 'kinesis', got ${String((target as { kind?: unknown }).kind)}`,
    );
  }
  if (typeof target.client?.send !== 'function') {
    throw new ConfigError(`reingest: target.client must be a ${target.kind} SDK client`);
  }
  const name = target.kind === 'firehose' ? target.deliveryStreamName : target.streamArn;
  if (typeof name !== 'string' || name === '') {
    throw new ConfigError(
      `reingest: target.${target.kind === 'firehose' ? 'deliveryStreamName' : 'streamArn'} must be a non-empty string`,
    );
  }
}

function checkEntries(entries: readonly ReingestEntry[]): void {
  if (!Array.isArray(entries)) throw new ConfigError('reingest: entries must be an array');
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!(e?.data instanceof Uint8Array) || typeof e.recordId !== 'string') {
      throw new ConfigError(
        `reingest: entries[${i}] must have data (Uint8Array) and recordId (string)`,
      );
    }
  }
}

/** Kinesis error names that mean "slow down" or "try again later". */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** A stable Kinesis partition key for a record id: the id itself when it fits, else its hash. */
function partitionKeyOf(recordId: string): string {
  if (recordId.length >= 1 && recordId.length <= KINESIS_MAX_PARTITION_KEY_CHARS) return recordId;
  // FNV-1a over UTF-16 code units, twice with different seeds: 16 hex chars, no crypto needed
  // (Kinesis MD5-hashes the key anyway; this only has to be stable and spread).
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ recordId.length;
  for (let i = 0; i < recordId.length; i++) {
    const c = recordId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 13);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** Per-run mutable state; arrays are indexed by entry position. */
interface Run {
  readonly entries: readonly ReingestEntry[];
  readonly target: ReingestTarget;
  readonly settings: Settings;
  /** Kinesis only: the partition key of each entry. */
  readonly keys: string[];
  /** Last error of each entry, `undefined` once accepted. */
  readonly errors: Array<string | undefined>;
  /** Entries that failed for good. */
  readonly failed: boolean[];
  entriesSent: number;
  calls: number;
  retries: number;
  lastCallError: unknown;
  /** Scratch output of {@link sendOnce}: entries of the call to try again. */
  retry: number[];
}

/**
 * Send `batch` (entry positions) once. Accepted entries are counted; failed ones get their
 * error recorded and are pushed to `run.retry` when retryable or marked failed otherwise.
 */
async function sendOnce(run: Run, batch: readonly number[]): Promise<void> {
  const { entries, target } = run;
  run.calls++;
  let responses: ReadonlyArray<{
    ErrorCode?: string | undefined;
    ErrorMessage?: string | undefined;
  }>;
  try {
    if (target.kind === 'firehose') {
      const records = new Array<{ Data: Uint8Array }>(batch.length);
      for (let j = 0; j < batch.length; j++) records[j] = { Data: entries[batch[j]!]!.data };
      const out: PutRecordBatchCommandOutput = await target.client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: target.deliveryStreamName,
          Records: records,
        }),
      );
      responses = out.RequestResponses ?? [];
    } else {
      const records = new Array<{ Data: Uint8Array; PartitionKey: string }>(batch.length);
      for (let j = 0; j < batch.length; j++) {
        const i = batch[j]!;
        records[j] = { Data: entries[i]!.data, PartitionKey: run.keys[i]! };
      }
      const out: PutRecordsCommandOutput = await target.client.send(
        new PutRecordsCommand({ StreamARN: target.streamArn, Records: records }),
      );
      responses = out.Records ?? [];
    }
  } catch (error) {
    run.lastCallError = error;
    const text = describeSdkError(error);
    const retryable = isRetryableSdkError(error, RETRYABLE_NAMES);
    for (const i of batch) {
      run.errors[i] = text;
      if (retryable) run.retry.push(i);
      else run.failed[i] = true;
    }
    return;
  }
  for (let j = 0; j < batch.length; j++) {
    const i = batch[j]!;
    const response = responses[j];
    if (response === undefined) {
      // A short response list would be a service bug; the entry's fate is unknown, so resend.
      run.errors[i] = 'MissingResponseEntry: the service answered fewer entries than were sent';
      run.retry.push(i);
    } else if (response.ErrorCode !== undefined && response.ErrorCode !== null) {
      // Firehose documents ServiceUnavailableException / InternalFailure per entry, Kinesis
      // ProvisionedThroughputExceededException / InternalFailure: all transient, all retried.
      run.errors[i] = `${response.ErrorCode}: ${response.ErrorMessage ?? ''}`;
      run.retry.push(i);
    } else {
      run.errors[i] = undefined;
      run.entriesSent++;
    }
  }
}

/** Send one packed batch, retrying its failed entries up to `maxAttempts` times. */
async function deliver(run: Run, batch: number[]): Promise<void> {
  const { maxAttempts, baseDelayMs, maxDelayMs, sleep, random } = run.settings;
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) run.retries++;
    run.retry = [];
    await sendOnce(run, pending);
    pending = run.retry;
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      for (const i of pending) run.failed[i] = true;
      return;
    }
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    await sleep(Math.min(cap, Math.floor(cap * random())));
  }
}

/**
 * Put `entries` into a Firehose delivery stream (PutRecordBatch) or a Kinesis data stream
 * (PutRecords, by `StreamARN`).
 *
 * - Packs entries, in order, into calls of at most 500 records and 4 MiB of data (Firehose)
 *   or 500 records and 5 MiB of data plus partition keys (Kinesis). An entry over the
 *   per-record limit ({@link FIREHOSE_MAX_RECORD_BYTES} / {@link KINESIS_MAX_RECORD_BYTES},
 *   partition key included for Kinesis) is not sent and its record id fails.
 * - Retries only the failed entries of a partial failure, and the whole call on throttling,
 *   5xx and network errors, with exponential backoff and full jitter, at most `maxAttempts`
 *   attempts per entry. Other errors (validation, access denied, missing stream) fail the
 *   call's entries at once.
 * - Calls are sequential; each packed batch finishes its retries before the next is sent.
 * - Never throws for service failures: a record id fails when any of its entries failed
 *   after all attempts. Throws {@link ConfigError} (before any call) for invalid options,
 *   target or entries.
 *
 * The client is used as given. Build it with `maxAttempts: 1` so this function is the only
 * retry layer; otherwise each of our attempts is itself retried by the SDK.
 *
 * @example
 * ```ts
 * const client = new FirehoseClient({ maxAttempts: 1 });
 * const outcome = await reingest(
 *   [{ data: Buffer.from('{"message":"hi"}\n'), recordId: 'r0' }],
 *   { kind: 'firehose', client, deliveryStreamName: 'logs' },
 * );
 * if (outcome.error) console.error(outcome.error.message, [...outcome.failedRecordIds]);
 * ```
 */
export async function reingest(
  entries: readonly ReingestEntry[],
  target: ReingestTarget,
  options: ReingestOptions = {},
): Promise<ReingestOutcome> {
  const settings = settingsOf(options);
  checkTarget(target);
  checkEntries(entries);

  const kinesis = target.kind === 'kinesis';
  const maxRecords = kinesis ? KINESIS_PUT_RECORDS_MAX_RECORDS : FIREHOSE_PUT_BATCH_MAX_RECORDS;
  const maxCallBytes = kinesis ? KINESIS_PUT_RECORDS_MAX_BYTES : FIREHOSE_PUT_BATCH_MAX_BYTES;
  const maxRecordBytes = kinesis ? KINESIS_MAX_RECORD_BYTES : FIREHOSE_MAX_RECORD_BYTES;
  const n = entries.length;
  const run: Run = {
    entries,
    target,
    settings,
    keys: kinesis ? new Array<string>(n) : [],
    errors: new Array<string | undefined>(n).fill(undefined),
    failed: new Array<boolean>(n).fill(false),
    entriesSent: 0,
    calls: 0,
    retries: 0,
    lastCallError: undefined,
    retry: [],
  };

  let batch: number[] = [];
  let batchBytes = 0;
  for (let i = 0; i < n; i++) {
    const entry = entries[i]!;
    let size = entry.data.byteLength;
    if (kinesis) {
      const key = entry.partitionKey ?? partitionKeyOf(entry.recordId);
      if (key.length < 1 || key.length > KINESIS_MAX_PARTITION_KEY_CHARS) {
        run.errors[i] =
          `InvalidPartitionKey: partition key is ${key.length} characters; 1..${KINESIS_MAX_PARTITION_KEY_CHARS} allowed`;
        run.failed[i] = true;
        continue;
      }
      run.keys[i] = key;
      size += Buffer.byteLength(key, 'utf8');
    }
    if (size > maxRecordBytes) {
      run.errors[i] =
        `RecordTooLarge: ${size} bytes${kinesis ? ' (data + partition key)' : ''}; at most ${maxRecordBytes} per record`;
      run.failed[i] = true;
      continue;
    }
    if (batch.length === maxRecords || batchBytes + size > maxCallBytes) {
      await deliver(run, batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(i);
    batchBytes += size;
  }
  if (batch.length > 0) await deliver(run, batch);

  const failedRecordIds = new Set<string>();
  const lastErrors = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    if (!run.failed[i]) continue;
    const id = entries[i]!.recordId;
    failedRecordIds.add(id);
    lastErrors.set(id, run.errors[i] ?? 'Unknown: no error recorded');
  }
  let error: ReingestError | undefined;
  if (failedRecordIds.size > 0) {
    const [firstId] = failedRecordIds;
    error = new ReingestError(
      `${failedRecordIds.size} record(s) not re-ingested into ${kinesis ? 'Kinesis' : 'Firehose'} ` +
        `after up to ${settings.maxAttempts} attempt(s); e.g. ${firstId}: ${lastErrors.get(firstId!)}`,
      run.lastCallError === undefined ? {} : { cause: run.lastCallError },
    );
  }
  return {
    failedRecordIds,
    entriesSent: run.entriesSent,
    calls: run.calls,
    retries: run.retries,
    lastErrors,
    error,
  };
}
