/**
 * The one place `logpipe serve` reads its environment variables (secrets and the config
 * location). `LOGPIPE_LOG_LEVEL` and `LOGPIPE_MAX_DECOMPRESSED_BYTES` are core's and read
 * through core's `readEnv`.
 */
import { readEnv } from '@logpipe/core';

/** Environment variables of `logpipe serve`, typed. Absent or empty variables are `undefined`. */
export interface ServeEnv {
  /** `LOGPIPE_CONFIG`: path of the config file when `--config` is not given. */
  configPath?: string | undefined;
  /** `LOGPIPE_CONFIG_YAML`: the whole config document (YAML or JSON) when no file is given. */
  configText?: string | undefined;
  /** `LOGPIPE_FIREHOSE_ACCESS_KEY`: replaces `sources.firehose.accessKeys` with this one key. */
  firehoseAccessKey?: string | undefined;
  /** `LOGPIPE_FLUENT_BIT_TOKEN`: replaces `sources.fluentBit.token`. */
  fluentBitToken?: string | undefined;
  /** `LOGPIPE_INFLUX_TOKEN`: replaces `token` of every `influxdb` sink. */
  influxToken?: string | undefined;
  /** `LOGPIPE_INFLUX_PASSWORD`: replaces `password` of every `influxdb` sink. */
  influxPassword?: string | undefined;
  /** `LOGPIPE_PORT`: replaces `server.port`. */
  port?: string | undefined;
  /** `LOGPIPE_LOG_LEVEL` (core): replaces `log.level`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | undefined;
  /** `LOGPIPE_MAX_DECOMPRESSED_BYTES` (core): replaces `processing.maxDecompressedBytes`. */
  maxDecompressedBytes?: number | undefined;
}

/** The variable names, for documentation and for the start log (names only, never values). */
export const SERVE_ENV_NAMES = {
  configPath: 'LOGPIPE_CONFIG',
  configText: 'LOGPIPE_CONFIG_YAML',
  firehoseAccessKey: 'LOGPIPE_FIREHOSE_ACCESS_KEY',
  fluentBitToken: 'LOGPIPE_FLUENT_BIT_TOKEN',
  influxToken: 'LOGPIPE_INFLUX_TOKEN',
  influxPassword: 'LOGPIPE_INFLUX_PASSWORD',
  port: 'LOGPIPE_PORT',
  logLevel: 'LOGPIPE_LOG_LEVEL',
  maxDecompressedBytes: 'LOGPIPE_MAX_DECOMPRESSED_BYTES',
} as const satisfies Record<keyof ServeEnv, string>;

/**
 * Reads the serve variables.
 *
 * @example
 * ```ts
 * const env = readServeEnv(process.env);
 * if (env.influxToken !== undefined) sink.token = env.influxToken;
 * ```
 * @throws ConfigError (from core) when a core variable does not parse.
 */
export function readServeEnv(source: Readonly<Record<string, string | undefined>>): ServeEnv {
  const core = readEnv(source);
  const get = (name: string): string | undefined => {
    const v = source[name];
    return v === undefined || v === '' ? undefined : v;
  };
  return {
    configPath: get(SERVE_ENV_NAMES.configPath),
    configText: get(SERVE_ENV_NAMES.configText),
    firehoseAccessKey: get(SERVE_ENV_NAMES.firehoseAccessKey),
    fluentBitToken: get(SERVE_ENV_NAMES.fluentBitToken),
    influxToken: get(SERVE_ENV_NAMES.influxToken),
    influxPassword: get(SERVE_ENV_NAMES.influxPassword),
    port: get(SERVE_ENV_NAMES.port),
    logLevel: core.logLevel,
    maxDecompressedBytes: core.maxDecompressedBytes,
  };
}
