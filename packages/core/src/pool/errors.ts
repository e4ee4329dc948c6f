import { LogpipeError, type LogpipeErrorOptions } from '../errors.js';

/**
 * Codes a {@link WorkerPoolError} can carry (public API).
 *
 * - `POOL_QUEUE_FULL`: the pool already holds `threads + maxQueue` tasks; retry later
 *   (back-pressure). Retryable.
 * - `POOL_CLOSED`: `close()` was called; the pool takes no new work.
 * - `WORKER_FAILED`: a worker thread died (crash, out of memory, failed to start)
 *   while it held part of this batch; only this batch fails. Retryable.
 * - `RECORD_FAILED`: processing one input threw unexpectedly (a bug, not bad data:
 *   bad data gives a `DecodeError`); only that input fails.
 */
export type WorkerPoolErrorCode =
  | 'POOL_QUEUE_FULL'
  | 'POOL_CLOSED'
  | 'WORKER_FAILED'
  | 'RECORD_FAILED';

/**
 * An error of the worker pool: a whole batch refused or failed, or one input
 * whose processing threw.
 *
 * @example
 * ```ts
 * try {
 *   await pool.processBatch(inputs);
 * } catch (err) {
 *   if (WorkerPoolError.isInstance(err) && err.code === 'POOL_QUEUE_FULL') return answer429();
 *   throw err;
 * }
 * ```
 */
export class WorkerPoolError extends LogpipeError {
  override readonly code: WorkerPoolErrorCode;
  /** The input this error is about (`RECORD_FAILED` only). */
  readonly source: string | undefined;

  constructor(
    code: WorkerPoolErrorCode,
    message: string,
    options: LogpipeErrorOptions & { source?: string | undefined } = {},
  ) {
    super(code, message, {
      cause: options.cause,
      retryable: options.retryable ?? (code === 'POOL_QUEUE_FULL' || code === 'WORKER_FAILED'),
    });
    this.code = code;
    this.source = options.source;
  }
}
