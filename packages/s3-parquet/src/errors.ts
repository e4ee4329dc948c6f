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
