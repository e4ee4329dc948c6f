/**
 * Options of the line-protocol writer, validated once, with every default in one place.
 */
import { ConfigError } from '@logpipe/core';
import type { DeadLetterSink } from '../dead-letter.js';
import { INFLUX_RECOMMENDED_BATCH_LINES } from './limits.js';
import type { InfluxApi, InfluxArrayMode, InfluxPrecision } from './line-protocol.js';

/** The `fetch` the writer calls (Node's global `fetch` by default). */
export type InfluxFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Options of {@link createInfluxWriter}.
 *
 * Backoff is exponential with full jitter: before retry `n` (1-based) of one request it sleeps
 * `random() × min(maxDelayMs, baseDelayMs × 2^(n-1))`, or the server's `Retry-After` (capped
 * at `maxDelayMs`) when the response has one.
 *
 * @example
 * ```ts
 * const options: InfluxWriterOptions = {
 *   url: 'https://abc123.us-east-1.timestream-influxdb.amazonaws.com:8086',
 *   api: 'v2',
 *   org: 'logpipe',
 *   bucket: 'metrics',
 *   token: process.env.INFLUX_TOKEN!,
 *   deadLetters: createNdjsonDeadLetterSink({ path: './dead-letters/influx.ndjson' }),
 * };
 * ```
 */
export interface InfluxWriterOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8086` (a path prefix is kept). */
  url: string;
  /** `'v1'`: `POST /write?db=…` (InfluxDB 1.x, and 2.x's compatibility API). `'v2'`: `POST /api/v2/write?org=…&bucket=…`. */
  api: InfluxApi;
  /** v1: database name (required with `api: 'v1'`). */
  database?: string | undefined;
  /** v1: retention policy; default the database's default. */
  retentionPolicy?: string | undefined;
  /** v2: organization name or id (required with `api: 'v2'`). */
  org?: string | undefined;
  /** v2: bucket name or id (required with `api: 'v2'`). */
  bucket?: string | undefined;
  /** API token, sent as `Authorization: Token …` (required with `api: 'v2'`). */
  token?: string | undefined;
  /** v1: user name for HTTP Basic authentication (with `password`). */
  username?: string | undefined;
  /** v1: password for HTTP Basic authentication (with `username`). */
  password?: string | undefined;
  /** Timestamp precision of the lines. Default `'ms'`. */
  precision?: InfluxPrecision | undefined;
  /** Prepended to every measurement name. Default none. */
  measurementPrefix?: string | undefined;
  /** Integral numbers as integer fields (`42i`). Default `false` (all numbers are floats). */
  integerFields?: boolean | undefined;
  /** Number arrays: `'summary'` (default) or `'reject'`. See {@link toLineProtocol}. */
  arrays?: InfluxArrayMode | undefined;
  /** Largest uncompressed request body, bytes (a longer single line is sent alone). Default 1 MiB. */
  maxBatchBytes?: number | undefined;
  /** Most lines per request. Default 5,000 (InfluxDB's recommendation). */
  maxBatchLines?: number | undefined;
  /** gzip request bodies (`Content-Encoding: gzip`). Default `true`. */
  gzip?: boolean | undefined;
  /** Requests in flight at once, across all `write()` calls. Default 4. */
  maxConcurrency?: number | undefined;
  /** Attempts per request, the first included, on 429 / 5xx / network errors. Default 5. */
  maxAttempts?: number | undefined;
  /** Backoff base, ms. Default 100. */
  baseDelayMs?: number | undefined;
  /** Backoff cap and `Retry-After` cap, ms (≥ `baseDelayMs`). Default 30,000. */
  maxDelayMs?: number | undefined;
  /** Time allowed for one request (response body included), ms; a timeout counts as a network error. Default 30,000. */
  timeoutMs?: number | undefined;
  /** Where records that cannot be written go, with their reason (required). */
  deadLetters: DeadLetterSink;
  /** The HTTP client. Default Node's global `fetch`. */
  fetch?: InfluxFetch | undefined;
  /** Waits between attempts; tests inject one that records instead of waiting. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Clock for dead-letter timestamps and `Retry-After` dates, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined;
}

/** Validated options with defaults applied. */
export interface InfluxWriterSettings {
  api: InfluxApi;
  /** Full write URL with its query string. */
  writeUrl: string;
  /** Request headers (without Content-Encoding). */
  headers: Record<string, string>;
  precision: InfluxPrecision;
  measurementPrefix: string;
  integerFields: boolean;
  arrays: InfluxArrayMode;
  maxBatchBytes: number;
  maxBatchLines: number;
  gzip: boolean;
  maxConcurrency: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  deadLetters: DeadLetterSink;
  fetch: InfluxFetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** Every default of the writer. */
export const INFLUX_WRITER_DEFAULTS = {
  precision: 'ms',
  maxBatchBytes: 1_048_576,
  maxBatchLines: INFLUX_RECOMMENDED_BATCH_LINES,
  gzip: true,
  maxConcurrency: 4,
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 30_000,
  timeoutMs: 30_000,
} as const;

/**
 * v1 `precision` values. InfluxDB 1.6 knows `n`, `u`, `ms`, `s` (and `m`, `h`) and reads any
 * other value, `us` included, as nanoseconds without an error; ns is left out (the default).
 */
const V1_PRECISION: Record<InfluxPrecision, string | undefined> = {
  s: 's',
  ms: 'ms',
  us: 'u',
  ns: undefined,
};

function fail(message: string): never {
  throw new ConfigError(`createInfluxWriter: ${message}`);
}

function int(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(`${name} must be a non-empty string`);
  return value;
}

function fn<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') fail(`${name} must be a function`);
  return value as T;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks the options once and applies the defaults. */
export function resolveInfluxOptions(options: InfluxWriterOptions): InfluxWriterSettings {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const d = INFLUX_WRITER_DEFAULTS;
  let base: URL;
  try {
    base = new URL(String(options.url));
  } catch {
    fail(`url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    fail(`url must be http or https, got ${base.protocol}`);
  }
  if (base.search !== '' || base.hash !== '') fail('url must not have a query or a fragment');
  const root = base.href.replace(/\/+$/, '');

  const api = options.api;
  if (api !== 'v1' && api !== 'v2') fail(`api must be 'v1' or 'v2', got ${JSON.stringify(api)}`);
  const precision = options.precision ?? d.precision;
  if (!['s', 'ms', 'us', 'ns'].includes(precision)) {
    fail(`precision must be s, ms, us or ns, got ${JSON.stringify(precision)}`);
  }
  const token = text('token', options.token);
  const username = text('username', options.username);
  const password = options.password;
  if (password !== undefined && typeof password !== 'string') fail('password must be a string');

  const headers: Record<string, string> = {
    'Content-Type': 'text/plain; charset=utf-8',
    Accept: 'application/json',
  };
  const query = new URLSearchParams();
  if (api === 'v1') {
    const database = text('database', options.database);
    if (database === undefined) fail("database is required with api 'v1'");
    if (options.org !== undefined || options.bucket !== undefined) {
      fail("org and bucket are for api 'v2'; use database (and retentionPolicy) with api 'v1'");
    }
    query.set('db', database);
    const rp = text('retentionPolicy', options.retentionPolicy);
    if (rp !== undefined) query.set('rp', rp);
    const p = V1_PRECISION[precision];
    if (p !== undefined) query.set('precision', p);
    if ((username === undefined) !== (password === undefined)) {
      fail('username and password go together');
    }
    if (token !== undefined && username !== undefined)
      fail('give token or username/password, not both');
    if (username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    }
  } else {
    const org = text('org', options.org);
    const bucket = text('bucket', options.bucket);
    if (org === undefined || bucket === undefined)
      fail("org and bucket are required with api 'v2'");
    if (options.database !== undefined || options.retentionPolicy !== undefined) {
      fail("database and retentionPolicy are for api 'v1'; use org and bucket with api 'v2'");
    }
    if (token === undefined) fail("token is required with api 'v2'");
    if (username !== undefined || password !== undefined) {
      fail("api 'v2' authenticates with token, not username/password");
    }
    query.set('org', org);
    query.set('bucket', bucket);
    query.set('precision', precision);
  }
  if (token !== undefined) headers.Authorization = `Token ${token}`;

  const prefix = options.measurementPrefix ?? '';
  if (typeof prefix !== 'string') fail('measurementPrefix must be a string');
  if (options.integerFields !== undefined && typeof options.integerFields !== 'boolean') {
    fail('integerFields must be a boolean');
  }
  const arrays = options.arrays ?? 'summary';
  if (arrays !== 'summary' && arrays !== 'reject') {
    fail(`arrays must be 'summary' or 'reject', got ${JSON.stringify(arrays)}`);
  }
  if (options.gzip !== undefined && typeof options.gzip !== 'boolean')
    fail('gzip must be a boolean');

  const baseDelayMs = nonNegative('baseDelayMs', options.baseDelayMs, d.baseDelayMs);
  const maxDelayMs = nonNegative('maxDelayMs', options.maxDelayMs, d.maxDelayMs);
  if (maxDelayMs < baseDelayMs) {
    fail(`maxDelayMs (${maxDelayMs}) must be ≥ baseDelayMs (${baseDelayMs})`);
  }
  const sink = options.deadLetters;
  if (
    typeof sink !== 'object' ||
    sink === null ||
    typeof sink.write !== 'function' ||
    typeof sink.describe !== 'function'
  ) {
    fail('deadLetters must be a DeadLetterSink (write and describe)');
  }
  const globalFetch = globalThis.fetch as InfluxFetch | undefined;
  const fetchImpl = fn<InfluxFetch | undefined>('fetch', options.fetch, globalFetch);
  if (fetchImpl === undefined) fail('no global fetch here; pass the fetch option');

  return {
    api,
    writeUrl: `${root}/${api === 'v1' ? 'write' : 'api/v2/write'}?${query.toString()}`,
    headers,
    precision,
    measurementPrefix: prefix,
    integerFields: options.integerFields ?? false,
    arrays,
    maxBatchBytes: int('maxBatchBytes', options.maxBatchBytes, d.maxBatchBytes, 1),
    maxBatchLines: int('maxBatchLines', options.maxBatchLines, d.maxBatchLines, 1),
    gzip: options.gzip ?? d.gzip,
    maxConcurrency: int('maxConcurrency', options.maxConcurrency, d.maxConcurrency, 1),
    maxAttempts: int('maxAttempts', options.maxAttempts, d.maxAttempts, 1),
    baseDelayMs,
    maxDelayMs,
    timeoutMs: int('timeoutMs', options.timeoutMs, d.timeoutMs, 1),
    deadLetters: sink,
    fetch: fetchImpl,
    sleep: fn('sleep', options.sleep, defaultSleep),
    random: fn('random', options.random, Math.random),
    now: fn('now', options.now, Date.now),
  };
}
