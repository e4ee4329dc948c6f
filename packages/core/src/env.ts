/**
 * The one place where logpipe reads environment variables. Values are parsed
 * and validated here; the rest of the code receives typed options.
 */
import { ConfigError } from './errors.js';

/** Environment variables logpipe understands. */
export interface LogpipeEnv {
  /** `LOGPIPE_MAX_DECOMPRESSED_BYTES`: cap on one payload's decompressed size. */
  maxDecompressedBytes?: number;
  /** `LOGPIPE_LOG_LEVEL`: `debug` | `info` | `warn` | `error`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * `LOGPIPE_GUNZIP`: `libdeflate` (the default: the `@logpipe/libdeflate` addon where it
   * is built, else node:zlib) or `zlib` (node:zlib only).
   */
  gunzip?: 'libdeflate' | 'zlib';
}

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/**
 * Reads logpipe's environment variables into typed values.
 *
 * @example
 * ```ts
 * const env = readEnv(process.env);
 * const decoder = createDecoder({ maxDecompressedBytes: env.maxDecompressedBytes });
 * ```
 * @throws ConfigError when a variable is set to a value that does not parse.
 */
export function readEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): LogpipeEnv {
  const env: LogpipeEnv = {};
  const max = source.LOGPIPE_MAX_DECOMPRESSED_BYTES;
  if (max !== undefined && max !== '') {
    const n = Number(max);
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new ConfigError(
        `LOGPIPE_MAX_DECOMPRESSED_BYTES must be a positive integer, got ${JSON.stringify(max)}`,
      );
    }
    env.maxDecompressedBytes = n;
  }
  const level = source.LOGPIPE_LOG_LEVEL;
  if (level !== undefined && level !== '') {
    if (!LEVELS.has(level)) {
      throw new ConfigError(
        `LOGPIPE_LOG_LEVEL must be one of debug, info, warn, error; got ${JSON.stringify(level)}`,
      );
    }
    env.logLevel = level as LogpipeEnv['logLevel'];
  }
  const gunzip = gunzipChoice(source);
  if (gunzip !== undefined) env.gunzip = gunzip;
  return env;
}

/**
 * `LOGPIPE_GUNZIP` alone (the gunzip reads it when it first runs; `createDecoder` and
 * {@link readEnv} report a bad value at setup).
 *
 * @throws ConfigError when it is set to anything but `libdeflate` or `zlib`.
 */
export function gunzipChoice(
  source: Readonly<Record<string, string | undefined>> = process.env,
): LogpipeEnv['gunzip'] {
  const v = source.LOGPIPE_GUNZIP;
  if (v === undefined || v === '') return undefined;
  if (v !== 'libdeflate' && v !== 'zlib') {
    throw new ConfigError(`LOGPIPE_GUNZIP must be libdeflate or zlib; got ${JSON.stringify(v)}`);
  }
  return v;
}
