/**
 * Errors of `logpipe serve`. Codes are stable; `retryable` says whether the sender should
 * send the same input again.
 */
import { ConfigError, LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';

/**
 * The config file (or the environment) is invalid. `problems` holds one line per problem,
 * each naming the key path: `sinks[0].location: is required`.
 *
 * @example
 * ```ts
 * try { await loadConfig(file, env); } catch (err) {
 *   if (err instanceof ServeConfigError) for (const p of err.problems) console.error(p);
 * }
 * ```
 */
export class ServeConfigError extends ConfigError {
  readonly source: string;
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[], options: LogpipeErrorOptions = {}) {
    super(`${source}: ${problems.join('; ')}`, options);
    this.source = source;
    this.problems = problems;
  }
}

/**
 * A sink could not make a batch durable (its write rejected). The input is not acknowledged,
 * so the sender retries it.
 *
 * @example
 * ```ts
 * if (SinkWriteError.isInstance(err)) res.writeHead(503, { 'retry-after': '1' });
 * ```
 */
export class SinkWriteError extends LogpipeError {
  /** Names of the sinks that failed, with their error codes. */
  readonly failures: ReadonlyArray<{ sink: string; code: string; message: string }>;
  constructor(
    failures: ReadonlyArray<{ sink: string; code: string; message: string }>,
    options: LogpipeErrorOptions = {},
  ) {
    super(
      'SINK_WRITE_FAILED',
      `sink write failed: ${failures.map((f) => `${f.sink} (${f.code}: ${f.message})`).join('; ')}`,
      { retryable: true, ...options },
    );
    this.failures = failures;
  }
}
