/**
 * Errors of `@logpipe/core`. Every error has a stable `code` (public API) and a
 * `retryable` flag. Decoders and parsers return these as values instead of
 * throwing them on the hot path.
 */

const LOGPIPE_ERROR = Symbol.for('logpipe.error');

/** Options accepted by every logpipe error. */
export interface LogpipeErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Whether the same input may succeed when retried (transient fault). */
  retryable?: boolean;
}

/**
 * Base class of every error logpipe raises or returns.
 *
 * @example
 * ```ts
 * if (LogpipeError.isInstance(err)) console.error(err.code, err.message);
 * ```
 */
export class LogpipeError extends Error {
  /** Stable machine-readable code, e.g. `NOT_GZIP`. */
  readonly code: string;
  /** True when retrying the same input may succeed. */
  readonly retryable: boolean;
  readonly [LOGPIPE_ERROR] = true;

  constructor(code: string, message: string, options: LogpipeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** `instanceof` that also works across two copies of this package. */
  static isInstance(value: unknown): value is LogpipeError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [LOGPIPE_ERROR]?: unknown })[LOGPIPE_ERROR] === true
    );
  }
}

/** Codes a {@link DecodeError} can carry. */
export type DecodeErrorCode =
  | 'INVALID_BASE64'
  | 'NOT_GZIP'
  | 'TRUNCATED_GZIP'
  | 'CORRUPT_GZIP'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_UTF8'
  | 'INVALID_JSON'
  | 'INVALID_ENVELOPE'
  | 'INVALID_METRIC'
  | 'UNSUPPORTED_INPUT';

/**
 * A payload could not be decoded. `source` names the input record (a Firehose
 * `recordId`, a Kinesis sequence number, a file name and line…).
 *
 * @example
 * ```ts
 * const r = decodePayload(bytes, { source: 'record 49590338271490256608559692538361571095921575989136588898' });
 * if (!r.ok) console.error(r.error.code, r.error.message);
 * ```
 */
export class DecodeError extends LogpipeError {
  override readonly code: DecodeErrorCode;
  /** The input record this error is about. */
  readonly source: string;

  constructor(
    code: DecodeErrorCode,
    source: string,
    reason: string,
    options: LogpipeErrorOptions = {},
  ) {
    super(code, `${source}: ${reason} (${code})`, options);
    this.code = code;
    this.source = source;
  }
}

/** Invalid options given to a logpipe constructor or function. */
export class ConfigError extends LogpipeError {
  constructor(message: string, options: LogpipeErrorOptions = {}) {
    super('INVALID_CONFIG', message, options);
  }
}

/**
 * An integer option checked: returns `value` when it is a safe integer ≥ `min`,
 * else throws a {@link ConfigError} naming the option (what every logpipe
 * factory does with counts such as `threads` and `maxQueue`).
 *
 * @example
 * ```ts
 * const threads = intOption('threads', options.threads ?? 2, 1);
 * intOption('maxQueue', -1, 0); // throws ConfigError: maxQueue must be an integer ≥ 0, got -1
 * ```
 */
export function intOption(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}
