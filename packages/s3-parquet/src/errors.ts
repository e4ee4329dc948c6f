/**
 * Errors of `@logpipe/s3-parquet`. Every error has a stable `code` and a `retryable` flag.
 */
import { LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';

/** Codes a {@link StorageError} can carry. */
export type StorageErrorCode =
  /** A key or prefix is not a valid relative lake path (refused before any I/O). */
  | 'STORAGE_INVALID_KEY'
  /** A put failed for good (attempts exhausted or a permanent error). */
  | 'STORAGE_WRITE_FAILED'
  /** A get failed for good. */
  | 'STORAGE_READ_FAILED'
  /** A get found no object under the key. */
  | 'STORAGE_NOT_FOUND'
  /** A list failed for good. */
  | 'STORAGE_LIST_FAILED'
  /** A delete failed for good (some keys may have been deleted). */
  | 'STORAGE_DELETE_FAILED';

/** Options of {@link StorageError}. */
export interface StorageErrorOptions extends LogpipeErrorOptions {
  /** The lake key (or prefix) the error is about, when there is one. */
  key?: string | undefined;
  /** Calls made for the failed operation, retries included (0 when refused before any call). */
  attempts?: number | undefined;
}

/**
 * A lake storage operation failed. `retryable` is true when the last failure was transient
 * (throttling, 5xx, network): the same operation may succeed later. The underlying error (an
 * AWS SDK error or a Node `fs` error) is the `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await storage.put(key, bytes);
 * } catch (err) {
 *   if (StorageError.isInstance(err) && err.retryable) requeue(key);
 *   else throw err;
 * }
 * ```
 */
export class StorageError extends LogpipeError {
  override readonly code: StorageErrorCode;
  /** The lake key (or prefix) the error is about; `undefined` for multi-key operations. */
  readonly key: string | undefined;
  /** Calls made for the failed operation, retries included. */
  readonly attempts: number;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(code, message, options);
    this.code = code;
    this.key = options.key;
    this.attempts = options.attempts ?? 0;
  }

  /** `instanceof` that also works across two copies of this package. */
  static override isInstance(value: unknown): value is StorageError {
    return (
      LogpipeError.isInstance(value) &&
      typeof value.code === 'string' &&
      value.code.startsWith('STORAGE_')
    );
  }
}

/**
 * Codes an {@link EncoderPoolError} can carry.
 *
 * - `ENCODE_FAILED`: encoding the batch threw on the worker thread (e.g. a column whose
 *   length is not the batch's row count), or the thread died while it held the batch.
 * - `POOL_QUEUE_FULL`: `threads + maxQueue` batches are already on the pool; retry later or
 *   encode on this thread (back-pressure). Retryable.
 * - `POOL_CLOSED`: `close()` was called; the pool takes no new batches.
 */
export type EncoderPoolErrorCode = 'ENCODE_FAILED' | 'POOL_QUEUE_FULL' | 'POOL_CLOSED';

/** Options of {@link EncoderPoolError}. */
export interface EncoderPoolErrorOptions extends LogpipeErrorOptions {
  /** The dataset of the batch. */
  dataset?: string | undefined;
  /** Rows of the batch. */
  rows?: number | undefined;
}

/**
 * A batch the Parquet encoder pool refused or could not encode. The message names the
 * dataset and the row count; the worker's own error is the `cause` (`ENCODE_FAILED`).
 *
 * @example
 * ```ts
 * try {
 *   bytes = await pool.encode(batch);
 * } catch (err) {
 *   if (EncoderPoolError.isInstance(err) && err.code === 'POOL_QUEUE_FULL') bytes = encodeParquet(batch);
 *   else throw err;
 * }
 * ```
 */
export class EncoderPoolError extends LogpipeError {
  override readonly code: EncoderPoolErrorCode;
  readonly dataset: string | undefined;
  readonly rows: number | undefined;

  constructor(code: EncoderPoolErrorCode, message: string, options: EncoderPoolErrorOptions = {}) {
    super(code, message, {
      cause: options.cause,
      retryable: options.retryable ?? code === 'POOL_QUEUE_FULL',
    });
    this.code = code;
    this.dataset = options.dataset;
    this.rows = options.rows;
  }

  /** `instanceof` that also works across two copies of this package. */
  static override isInstance(value: unknown): value is EncoderPoolError {
    return (
      LogpipeError.isInstance(value) &&
      (value.code === 'ENCODE_FAILED' ||
        value.code === 'POOL_QUEUE_FULL' ||
        value.code === 'POOL_CLOSED') &&
      'rows' in value
    );
  }
}
