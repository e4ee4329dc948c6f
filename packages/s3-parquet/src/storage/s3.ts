/**
 * Lake storage in Amazon S3: PutObject for small files, multipart upload for large ones,
 * retries with full-jitter backoff on transient faults, no incomplete upload left behind.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type StorageClass,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ConfigError, describeSdkError, isRetryableSdkError } from '@logpipe/core';
import { StorageError, type StorageErrorCode } from '../errors.js';
import {
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_PART_BYTES,
  S3_DELETE_OBJECTS_MAX_KEYS,
  S3_LIST_MAX_KEYS,
  S3_MAX_PART_BYTES,
  S3_MAX_PARTS,
  S3_MAX_PUT_OBJECT_BYTES,
  S3_MIN_PART_BYTES,
} from '../limits.js';
import { type LakeObject, type LakeStorage, validateLakeKey, validateLakePrefix } from './types.js';

/**
 * Options of {@link createS3Storage}. The client is used as given, its own retry policy
 * included: give it `maxAttempts: 1` to make this storage the only retry layer, or accept
 * that attempts multiply (SDK attempts × `maxAttempts`).
 *
 * Backoff is exponential with full jitter: before retry `n` (1-based) of one call it sleeps
 * `random() × min(maxDelayMs, baseDelayMs × 2^(n-1))`.
 *
 * @example
 * ```ts
 * const options: S3StorageOptions = {
 *   client: new S3Client({ maxAttempts: 1 }),
 *   bucket: 'my-lake',
 *   prefix: 'logs/',
 *   serverSideEncryption: 'aws:kms',
 *   kmsKeyId: 'alias/lake',
 * };
 * ```
 */
export interface S3StorageOptions {
  /** The S3 client (injected; never created here). */
  client: S3Client;
  /** Bucket name. */
  bucket: string;
  /** Key prefix inside the bucket, e.g. `lake/`; a missing trailing `/` is added. Default none. */
  prefix?: string | undefined;
  /** Server-side encryption sent with every object write. Default: the bucket's default. */
  serverSideEncryption?: 'AES256' | 'aws:kms' | undefined;
  /** KMS key id or ARN; only with `serverSideEncryption: 'aws:kms'`. */
  kmsKeyId?: string | undefined;
  /** Storage class of written objects, e.g. `STANDARD_IA`. Default: `STANDARD`. */
  storageClass?: StorageClass | undefined;
  /** `Content-Type` of written objects. Default `application/octet-stream`. */
  contentType?: string | undefined;
  /** Bodies larger than this go multipart (≤ 5 GiB). Default 16 MiB. */
  multipartThresholdBytes?: number | undefined;
  /**
   * Multipart part size (5 MiB to 5 GiB). Default 8 MiB. Raised for a body that would need
   * more than 10,000 parts.
   */
  partSizeBytes?: number | undefined;
  /** Attempts per S3 call (per part for multipart), first one included (integer ≥ 1). Default 5. */
  maxAttempts?: number | undefined;
  /** Backoff base in ms (≥ 0). Default 100. */
  baseDelayMs?: number | undefined;
  /** Backoff cap in ms (≥ `baseDelayMs`). Default 5000. */
  maxDelayMs?: number | undefined;
  /** Keys per ListObjectsV2 page (1 to 1,000). Default 1,000. */
  listPageSize?: number | undefined;
  /** Waits between attempts; tests inject one that records instead of waiting. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Source of jitter in [0, 1); default `Math.random`. */
  random?: (() => number) | undefined;
}

interface Settings {
  client: S3Client;
  bucket: string;
  prefix: string;
  sse: 'AES256' | 'aws:kms' | undefined;
  kmsKeyId: string | undefined;
  storageClass: StorageClass | undefined;
  contentType: string;
  threshold: number;
  partSize: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  listPageSize: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const DEFAULTS = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  contentType: 'application/octet-stream',
} as const;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function intInRange(name: string, value: unknown, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `createS3Storage: ${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(
      `createS3Storage: ${name} must be a finite number ≥ 0, got ${String(value)}`,
    );
  }
  return value;
}

function settingsOf(options: S3StorageOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createS3Storage: options are required');
  }
  if (typeof options.client?.send !== 'function') {
    throw new ConfigError('createS3Storage: client must be an S3Client');
  }
  if (typeof options.bucket !== 'string' || options.bucket === '') {
    throw new ConfigError('createS3Storage: bucket must be a non-empty string');
  }
  let prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') throw new ConfigError('createS3Storage: prefix must be a string');
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (prefix !== '') {
    try {
      validateLakePrefix(prefix);
    } catch (error) {
      throw new ConfigError(`createS3Storage: ${(error as Error).message}`, { cause: error });
    }
  }
  const sse = options.serverSideEncryption;
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    throw new ConfigError(
      `createS3Storage: serverSideEncryption must be 'AES256' or 'aws:kms', got ${String(sse)}`,
    );
  }
  if (options.kmsKeyId !== undefined) {
    if (sse !== 'aws:kms') {
      throw new ConfigError("createS3Storage: kmsKeyId needs serverSideEncryption: 'aws:kms'");
    }
    if (typeof options.kmsKeyId !== 'string' || options.kmsKeyId === '') {
      throw new ConfigError('createS3Storage: kmsKeyId must be a non-empty string');
    }
  }
  if (
    options.storageClass !== undefined &&
    (typeof options.storageClass !== 'string' || (options.storageClass as string) === '')
  ) {
    throw new ConfigError('createS3Storage: storageClass must be a non-empty string');
  }
  if (
    options.contentType !== undefined &&
    (typeof options.contentType !== 'string' || options.contentType === '')
  ) {
    throw new ConfigError('createS3Storage: contentType must be a non-empty string');
  }
  const threshold = intInRange(
    'multipartThresholdBytes',
    options.multipartThresholdBytes,
    DEFAULT_MULTIPART_THRESHOLD_BYTES,
    0,
    S3_MAX_PUT_OBJECT_BYTES,
  );
  const partSize = intInRange(
    'partSizeBytes',
    options.partSizeBytes,
    DEFAULT_PART_BYTES,
    S3_MIN_PART_BYTES,
    S3_MAX_PART_BYTES,
  );
  const maxAttempts = intInRange(
    'maxAttempts',
    options.maxAttempts,
    DEFAULTS.maxAttempts,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const baseDelayMs = nonNegative('baseDelayMs', options.baseDelayMs, DEFAULTS.baseDelayMs);
  const maxDelayMs = nonNegative('maxDelayMs', options.maxDelayMs, DEFAULTS.maxDelayMs);
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigError(
      `createS3Storage: maxDelayMs (${maxDelayMs}) must be ≥ baseDelayMs (${baseDelayMs})`,
    );
  }
  const listPageSize = intInRange(
    'listPageSize',
    options.listPageSize,
    S3_LIST_MAX_KEYS,
    1,
    S3_LIST_MAX_KEYS,
  );
  if (options.sleep !== undefined && typeof options.sleep !== 'function') {
    throw new ConfigError('createS3Storage: sleep must be a function');
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new ConfigError('createS3Storage: random must be a function');
  }
  return {
    client: options.client,
    bucket: options.bucket,
    prefix,
    sse,
    kmsKeyId: options.kmsKeyId,
    storageClass: options.storageClass,
    contentType: options.contentType ?? DEFAULTS.contentType,
    threshold,
    partSize,
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    listPageSize,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
}

/** S3 error names (codes) that mean "slow down" or "try again later". */
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
  'TimeoutError',
  'OperationAborted',
]);

/**
 * Whether a failed S3 call is worth retrying: throttling (503 SlowDown, 429), 5xx, request
 * timeouts and network errors are; 4xx such as AccessDenied or NoSuchBucket are not.
 */
function isRetryable(error: unknown): boolean {
  return isRetryableSdkError(error, RETRYABLE_NAMES);
}

/** What a failed GetObject tells of a missing object. */
interface SdkErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** A call that failed for good, with how many attempts it took. */
class CallFailure {
  constructor(
    readonly error: unknown,
    readonly attempts: number,
    readonly retryable: boolean,
  ) {}
}

class S3Storage implements LakeStorage {
  readonly #s: Settings;

  constructor(settings: Settings) {
    this.#s = settings;
  }

  /** Run `call` up to `maxAttempts` times, backing off between transient failures. */
  async #withRetry<T>(call: () => Promise<T>): Promise<T> {
    const { maxAttempts, baseDelayMs, maxDelayMs, sleep, random } = this.#s;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retryable = isRetryable(error);
        if (!retryable || attempt >= maxAttempts) {
          throw new CallFailure(error, attempt, retryable);
        }
      }
      const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.min(cap, Math.floor(cap * random())));
    }
  }

  #fail(code: StorageErrorCode, what: string, key: string | undefined, failure: unknown) {
    if (failure instanceof CallFailure) {
      const tries = failure.attempts === 1 ? '1 attempt' : `${failure.attempts} attempts`;
      return new StorageError(
        code,
        `${what}: ${describeSdkError(failure.error)} (after ${tries})`,
        {
          key,
          cause: failure.error,
          attempts: failure.attempts,
          retryable: failure.retryable,
        },
      );
    }
    if (StorageError.isInstance(failure)) return failure;
    return new StorageError(code, `${what}: ${describeSdkError(failure)}`, {
      key,
      cause: failure,
      retryable: isRetryable(failure),
    });
  }

  #objectKey(key: string): string {
    return `${this.#s.prefix}${key}`;
  }

  #location(key: string): string {
    return `s3://${this.#s.bucket}/${this.#objectKey(key)}`;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    validateLakeKey(key);
    if (!(body instanceof Uint8Array)) {
      throw new ConfigError('S3Storage.put: body must be a Uint8Array');
    }
    if (body.length > this.#s.threshold) {
      await this.#putMultipart(key, body);
      return;
    }
    const s = this.#s;
    try {
      await this.#withRetry(() =>
        s.client.send(
          new PutObjectCommand({
            Bucket: s.bucket,
            Key: this.#objectKey(key),
            Body: body,
            ContentLength: body.length,
            ContentType: s.contentType,
            ServerSideEncryption: s.sse,
            SSEKMSKeyId: s.kmsKeyId,
            StorageClass: s.storageClass,
          }),
        ),
      );
    } catch (failure) {
      throw this.#fail('STORAGE_WRITE_FAILED', `cannot put ${this.#location(key)}`, key, failure);
    }
  }

  async #putMultipart(key: string, body: Uint8Array): Promise<void> {
    const s = this.#s;
    const objectKey = this.#objectKey(key);
    const what = `cannot put ${this.#location(key)} (multipart)`;
    // Keep within 10,000 parts: raise the part size (to a whole MiB) when the body needs it.
    let partSize = s.partSize;
    if (Math.ceil(body.length / partSize) > S3_MAX_PARTS) {
      const mib = 1024 * 1024;
      partSize = Math.ceil(body.length / S3_MAX_PARTS / mib) * mib;
    }
    let uploadId: string;
    try {
      const created = await this.#withRetry(() =>
        s.client.send(
          new CreateMultipartUploadCommand({
            Bucket: s.bucket,
            Key: objectKey,
            ContentType: s.contentType,
            ServerSideEncryption: s.sse,
            SSEKMSKeyId: s.kmsKeyId,
            StorageClass: s.storageClass,
          }),
        ),
      );
      if (typeof created.UploadId !== 'string' || created.UploadId === '') {
        throw new StorageError('STORAGE_WRITE_FAILED', `${what}: no UploadId in the response`, {
          key,
          attempts: 1,
        });
      }
      uploadId = created.UploadId;
    } catch (failure) {
      throw this.#fail('STORAGE_WRITE_FAILED', what, key, failure);
    }
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let start = 0, partNumber = 1; start < body.length; start += partSize, partNumber++) {
        const chunk = body.subarray(start, Math.min(body.length, start + partSize));
        const out = await this.#withRetry(() =>
          s.client.send(
            new UploadPartCommand({
              Bucket: s.bucket,
              Key: objectKey,
              UploadId: uploadId,
              PartNumber: partNumber,
              Body: chunk,
              ContentLength: chunk.length,
            }),
          ),
        );
        if (typeof out.ETag !== 'string') {
          throw new StorageError(
            'STORAGE_WRITE_FAILED',
            `${what}: no ETag for part ${partNumber}`,
            { key, attempts: 1 },
          );
        }
        parts.push({ ETag: out.ETag, PartNumber: partNumber });
      }
      await this.#withRetry(() =>
        s.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: s.bucket,
            Key: objectKey,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (failure) {
      const error = this.#fail('STORAGE_WRITE_FAILED', what, key, failure);
      // Abort so no incomplete upload (and its billed parts) stays behind. If even the abort
      // fails, say so: a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the backstop.
      try {
        await this.#withRetry(() =>
          s.client.send(
            new AbortMultipartUploadCommand({
              Bucket: s.bucket,
              Key: objectKey,
              UploadId: uploadId,
            }),
          ),
        );
      } catch (abortFailure) {
        const cause = abortFailure instanceof CallFailure ? abortFailure.error : abortFailure;
        throw new StorageError(
          'STORAGE_WRITE_FAILED',
          `${error.message}; aborting upload ${uploadId} also failed: ${describeSdkError(cause)}`,
          { key, cause: error, attempts: error.attempts, retryable: error.retryable },
        );
      }
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    validateLakeKey(key);
    const s = this.#s;
    try {
      return await this.#withRetry(async () => {
        const out = await s.client.send(
          new GetObjectCommand({ Bucket: s.bucket, Key: this.#objectKey(key) }),
        );
        if (out.Body === undefined) return new Uint8Array(0);
        // Reading the body is part of the attempt: a connection dropped mid-body is retried.
        return await out.Body.transformToByteArray();
      });
    } catch (failure) {
      const error = failure instanceof CallFailure ? failure.error : failure;
      const name = (error as SdkErrorShape | null)?.name;
      const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
      if (name === 'NoSuchKey' || status === 404) {
        throw new StorageError('STORAGE_NOT_FOUND', `no object ${this.#location(key)}`, {
          key,
          cause: error,
          attempts: failure instanceof CallFailure ? failure.attempts : 1,
        });
      }
      throw this.#fail('STORAGE_READ_FAILED', `cannot get ${this.#location(key)}`, key, failure);
    }
  }

  async list(prefix: string): Promise<LakeObject[]> {
    validateLakePrefix(prefix);
    const s = this.#s;
    const fullPrefix = this.#objectKey(prefix);
    const out: LakeObject[] = [];
    let token: string | undefined;
    try {
      do {
        const continuationToken = token;
        const page = await this.#withRetry(() =>
          s.client.send(
            new ListObjectsV2Command({
              Bucket: s.bucket,
              Prefix: fullPrefix === '' ? undefined : fullPrefix,
              MaxKeys: s.listPageSize,
              ContinuationToken: continuationToken,
            }),
          ),
        );
        for (const object of page.Contents ?? []) {
          if (typeof object.Key !== 'string') continue;
          out.push({
            key: object.Key.slice(s.prefix.length),
            size: object.Size ?? 0,
            lastModified: object.LastModified?.getTime(),
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined && token !== '');
    } catch (failure) {
      throw this.#fail(
        'STORAGE_LIST_FAILED',
        `cannot list s3://${s.bucket}/${fullPrefix}`,
        prefix,
        failure,
      );
    }
    return out;
  }

  async delete(keys: string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new ConfigError('S3Storage.delete: keys must be an array');
    for (const key of keys) validateLakeKey(key);
    for (let i = 0; i < keys.length; i += S3_DELETE_OBJECTS_MAX_KEYS) {
      await this.#deleteChunk(keys.slice(i, i + S3_DELETE_OBJECTS_MAX_KEYS));
    }
  }

  /** One DeleteObjects call (≤ 1,000 keys), retrying the whole call or just its failed keys. */
  async #deleteChunk(keys: string[]): Promise<void> {
    const s = this.#s;
    const { maxAttempts, baseDelayMs, maxDelayMs, sleep, random } = s;
    let pending = keys.map((key) => this.#objectKey(key));
    let lastProblem = '';
    let lastCause: unknown;
    let retryable = true;
    let attempt = 1;
    for (; ; attempt++) {
      try {
        const objects = pending.map((Key) => ({ Key }));
        const out = await s.client.send(
          new DeleteObjectsCommand({
            Bucket: s.bucket,
            Delete: { Objects: objects, Quiet: true },
          }),
        );
        const errors = out.Errors ?? [];
        if (errors.length === 0) return;
        // Per-key errors: retry those keys when every code is transient.
        retryable = errors.every((e) => typeof e.Code === 'string' && RETRYABLE_NAMES.has(e.Code));
        pending = errors.map((e) => e.Key).filter((k): k is string => typeof k === 'string');
        const first = errors[0];
        lastProblem = `${errors.length} key(s) not deleted, e.g. ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`;
        lastCause = undefined;
        if (pending.length === 0) retryable = false;
      } catch (error) {
        retryable = isRetryable(error);
        lastProblem = describeSdkError(error);
        lastCause = error;
      }
      if (!retryable || attempt >= maxAttempts) break;
      const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.min(cap, Math.floor(cap * random())));
    }
    const tries = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
    throw new StorageError(
      'STORAGE_DELETE_FAILED',
      `cannot delete from s3://${s.bucket}/${s.prefix}: ${lastProblem} (after ${tries})`,
      { cause: lastCause, attempts: attempt, retryable },
    );
  }

  describe(): string {
    return `s3://${this.#s.bucket}/${this.#s.prefix}`;
  }
}

/**
 * Lake storage in an S3 bucket (under an optional key prefix).
 *
 * - `put`: one PutObject up to `multipartThresholdBytes`; above it a multipart upload
 *   (CreateMultipartUpload, UploadPart per `partSizeBytes` slice, CompleteMultipartUpload).
 *   Objects appear whole or not at all; when a multipart upload fails for good it is aborted
 *   (AbortMultipartUpload) so no incomplete upload remains. Server-side encryption, KMS key,
 *   storage class and content type are sent with PutObject and CreateMultipartUpload.
 * - Every call (each part on its own) is retried on 503 SlowDown, 5xx, 429, throttling,
 *   request timeouts and network errors, at most `maxAttempts` times with full-jitter
 *   backoff; other errors (AccessDenied, NoSuchBucket…) fail at once.
 * - `list`: ListObjectsV2, following continuation tokens; keys come back without the prefix,
 *   with `LastModified` as `lastModified`.
 * - `delete`: DeleteObjects in calls of at most 1,000 keys, retrying keys that failed with a
 *   transient per-key error.
 * - Failures reject with {@link StorageError} (`retryable` tells whether the last failure was
 *   transient); invalid options throw {@link ConfigError} here, at construction.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 *
 * const storage = createS3Storage({
 *   client: new S3Client({ maxAttempts: 1 }),
 *   bucket: 'my-lake',
 *   prefix: 'logs/',
 *   serverSideEncryption: 'AES256',
 *   storageClass: 'STANDARD_IA',
 * });
 * await storage.put('alb/year=2026/month=01/day=01/hour=00/part-abc.parquet', bytes);
 * ```
 */
export function createS3Storage(options: S3StorageOptions): LakeStorage {
  return new S3Storage(settingsOf(options));
}
