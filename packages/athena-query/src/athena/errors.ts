import { LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';

/** Codes an {@link AthenaQueryError} can carry (public API). */
export type AthenaQueryErrorCode =
  /** The query reached FAILED; see `athenaError` and `stateChangeReason`. */
  | 'QUERY_FAILED'
  /** The query reached CANCELLED without this client asking (a workgroup data limit, another caller). */
  | 'QUERY_CANCELLED'
  /** The caller's AbortSignal fired; a query that was still running was stopped. */
  | 'ABORTED'
  /** Athena kept throttling one call (TooManyRequestsException / ThrottlingException) after every attempt. */
  | 'THROTTLED'
  /** An Athena API call failed with a non-retryable error (InvalidRequestException…) or a transient one after every attempt. */
  | 'REQUEST_FAILED'
  /** The query cannot be sent as is: wrong dialect, placeholder count, too long. */
  | 'INVALID_QUERY'
  /** A parameter value cannot be passed as an Athena execution parameter. */
  | 'INVALID_PARAMETER'
  /** A result value does not parse as its column's type. */
  | 'INVALID_RESULT'
  /** `execute()` after `close()`, or a result iterated twice. */
  | 'ENGINE_CLOSED'
  | 'ALREADY_ITERATED';

/** `AthenaError` of a FAILED query, as GetQueryExecution reports it. */
export interface AthenaFailureInfo {
  /** 1 = SYSTEM, 2 = USER, 3 = OTHER. */
  errorCategory?: number | undefined;
  /** Athena error type number (see the Athena error catalog). */
  errorType?: number | undefined;
  /** Athena's own view of whether a rerun may succeed. */
  retryable?: boolean | undefined;
  errorMessage?: string | undefined;
}

/** Options of an {@link AthenaQueryError}. */
export interface AthenaQueryErrorOptions extends LogpipeErrorOptions {
  queryId?: string | undefined;
  /** Last known query state (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED). */
  state?: string | undefined;
  stateChangeReason?: string | undefined;
  athenaError?: AthenaFailureInfo | undefined;
  /** Name of the AWS error behind a REQUEST_FAILED / THROTTLED (e.g. `InvalidRequestException`). */
  awsErrorName?: string | undefined;
  /** Athena API operation that failed, e.g. `StartQueryExecution`. */
  operation?: string | undefined;
}

/**
 * An Athena query could not run, failed, was cancelled, or its results could not be read.
 *
 * @example
 * ```ts
 * try {
 *   for await (const row of engine.execute(compiled)) console.log(row);
 * } catch (err) {
 *   if (AthenaQueryError.isInstance(err) && err.code === 'QUERY_FAILED') {
 *     console.error(err.athenaError?.errorCategory, err.stateChangeReason);
 *   }
 * }
 * ```
 */
export class AthenaQueryError extends LogpipeError {
  override readonly code: AthenaQueryErrorCode;
  readonly queryId: string | undefined;
  readonly state: string | undefined;
  readonly stateChangeReason: string | undefined;
  readonly athenaError: AthenaFailureInfo | undefined;
  readonly awsErrorName: string | undefined;
  readonly operation: string | undefined;

  constructor(code: AthenaQueryErrorCode, message: string, options: AthenaQueryErrorOptions = {}) {
    super(code, message, options);
    this.code = code;
    this.queryId = options.queryId;
    this.state = options.state;
    this.stateChangeReason = options.stateChangeReason;
    this.athenaError = options.athenaError;
    this.awsErrorName = options.awsErrorName;
    this.operation = options.operation;
  }

  /** `instanceof` that also works across two copies of this package. */
  static override isInstance(value: unknown): value is AthenaQueryError {
    return (
      LogpipeError.isInstance(value) && (value as { name?: unknown }).name === 'AthenaQueryError'
    );
  }
}
