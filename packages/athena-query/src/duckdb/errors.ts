import { LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';

/** Codes a {@link DuckDbQueryError} can carry (public API). */
export type DuckDbQueryErrorCode =
  /** DuckDB refused or failed the SQL (parser, binder, conversion, out of memory…). */
  | 'QUERY_FAILED'
  /** The lake could not be listed or a Parquet file could not be read (after re-listing). */
  | 'LAKE_READ_FAILED'
  /** The caller's AbortSignal fired; a query that was still running was interrupted. */
  | 'ABORTED'
  /** The query cannot run as is: wrong dialect, placeholder count differs from `params`. */
  | 'INVALID_QUERY'
  /** A parameter value cannot be bound (not a string, finite number, boolean or null). */
  | 'INVALID_PARAMETER'
  /** `@duckdb/node-api` (a native module) could not be loaded, or the database not opened. */
  | 'ENGINE_UNAVAILABLE'
  /** `execute()` after `close()`, or a running query stopped by `close()`. */
  | 'ENGINE_CLOSED'
  /** A result was iterated a second time. */
  | 'ALREADY_ITERATED';

/**
 * A DuckDB query could not run, failed, was aborted, or its lake could not be read. The DuckDB
 * error, a {@link StorageError} or a `CompactionError` of `@logpipe/s3-parquet` is the `cause`.
 *
 * @example
 * ```ts
 * try {
 *   for await (const row of engine.execute(compiled)) console.log(row);
 * } catch (err) {
 *   if (DuckDbQueryError.isInstance(err) && err.code === 'ABORTED') console.error('cancelled');
 *   else throw err;
 * }
 * ```
 */
export class DuckDbQueryError extends LogpipeError {
  override readonly code: DuckDbQueryErrorCode;

  constructor(code: DuckDbQueryErrorCode, message: string, options: LogpipeErrorOptions = {}) {
    super(code, message, options);
    this.code = code;
  }

  /** `instanceof` that also works across two copies of this package. */
  static override isInstance(value: unknown): value is DuckDbQueryError {
    return (
      LogpipeError.isInstance(value) && (value as { name?: unknown }).name === 'DuckDbQueryError'
    );
  }
}
