/**
 * The `logpipe serve` config file: YAML or JSON, validated once at start with messages that
 * name the key path and the problem; secrets may come from environment variables instead.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { PARSER_NAMES } from '@logpipe/core';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SERVE_ENV_NAMES, type ServeEnv } from './env.js';
import { ServeConfigError } from './errors.js';
import {
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  DEFAULT_WORKER_THREADS,
  FIREHOSE_MAX_CALLBACK_TIMEOUT_MS,
  MAX_WORKER_THREADS,
  RESERVED_PATHS,
} from './limits.js';

const MiB = 1024 * 1024;

const positiveInt = z.number().int().positive();
const path = z
  .string()
  .regex(/^\/[\x21-\x7e]*$/, { error: 'must start with "/" and hold no spaces' });
const name = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{1,64}$/, { error: 'must be 1–64 letters, digits, "_", "." or "-"' });

const serverSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65_535).default(8080),
  keepAliveTimeoutMs: positiveInt.default(65_000),
  requestTimeoutMs: positiveInt.default(300_000),
});

const firehoseSchema = z.strictObject({
  path: path.default('/firehose'),
  accessKeys: z.array(z.string().min(1)).min(1).optional(),
  maxBodyBytes: positiveInt.default(64 * MiB),
  maxDecompressedBytes: positiveInt.default(128 * MiB),
  timeoutMs: positiveInt.max(FIREHOSE_MAX_CALLBACK_TIMEOUT_MS).default(150_000),
});

/** Fluent Bit's `json_date_format` values. */
export const FLUENT_BIT_DATE_FORMATS = [
  'double',
  'epoch',
  'epoch_ms',
  'iso8601',
  'java_sql_timestamp',
] as const;

const fluentBitSchema = z.strictObject({
  path: path.default('/fluent-bit'),
  token: z.string().min(1).optional(),
  messageKey: z.string().min(1).default('log'),
  dateKey: z.union([z.string().min(1), z.literal(false)]).default('date'),
  dateFormat: z.enum(FLUENT_BIT_DATE_FORMATS).default('double'),
  logGroup: z.string().default(''),
  logGroupKey: z.string().min(1).optional(),
  logStreamKey: z.string().min(1).default('container_name'),
  owner: z.string().default(''),
  maxBodyBytes: positiveInt.default(16 * MiB),
  maxDecompressedBytes: positiveInt.default(64 * MiB),
  timeoutMs: positiveInt.default(60_000),
});

const stdinSchema = z.strictObject({
  enabled: z.boolean().default(true),
  exitOnEnd: z.boolean().default(true),
  batchLines: positiveInt.default(1000),
  batchWaitMs: positiveInt.default(200),
  logGroup: z.string().default(''),
  logStream: z.string().default('stdin'),
  owner: z.string().default(''),
});

const lakeSinkSchema = z.strictObject({
  type: z.literal('lake'),
  name: name.optional(),
  location: z.string().min(1),
  metrics: z.boolean().default(true),
  flushIntervalMs: positiveInt.default(5000),
  targetFileBytes: positiveInt.optional(),
  maxRows: positiveInt.optional(),
  maxBufferedBytes: positiveInt.optional(),
  compression: z.enum(['ZSTD', 'SNAPPY', 'UNCOMPRESSED']).optional(),
});

const timestreamSinkSchema = z.strictObject({
  type: z.literal('timestream'),
  name: name.optional(),
  database: z.string().min(3),
  table: z.string().min(3),
  region: z.string().min(1).optional(),
  endpoint: z.url().optional(),
  memoryStoreRetentionHours: z.number().int().min(1).max(8766).optional(),
  magneticStore: z
    .union([
      z.boolean(),
      z.strictObject({ retentionDays: z.number().int().min(1).max(73_000).optional() }),
    ])
    .optional(),
  bigintMeasures: z.array(z.string().min(1)).optional(),
  arrays: z.enum(['stats', 'reject']).optional(),
  upsert: z.boolean().optional(),
  maxConcurrency: positiveInt.optional(),
  maxAttempts: positiveInt.optional(),
  maxRecordsPerRequest: z.number().int().min(1).max(100).optional(),
});

const influxSinkSchema = z.strictObject({
  type: z.literal('influxdb'),
  name: name.optional(),
  url: z.url(),
  api: z.enum(['v1', 'v2']),
  database: z.string().min(1).optional(),
  retentionPolicy: z.string().min(1).optional(),
  org: z.string().min(1).optional(),
  bucket: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  precision: z.enum(['s', 'ms', 'us', 'ns']).optional(),
  measurementPrefix: z.string().min(1).optional(),
  integerFields: z.boolean().optional(),
  gzip: z.boolean().optional(),
  maxBatchLines: positiveInt.optional(),
  maxBatchBytes: positiveInt.optional(),
  maxAttempts: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
});

/**
 * Worker threads: `threads` > 0 starts, unless `encode: false`, one Parquet encoder pool per
 * lake sink with as many threads (`createParquetEncoderPool` of `@logpipe/s3-parquet`) and,
 * with `decode: true`, the pool that decodes and parses Firehose requests (`createWorkerPool`
 * of core; `inlineBelowBytes`, `maxQueue`).
 */
const workersSchema = z.strictObject({
  threads: z.number().int().min(0).max(MAX_WORKER_THREADS).default(DEFAULT_WORKER_THREADS),
  inlineBelowBytes: z.number().int().min(0).optional(),
  maxQueue: z.number().int().min(0).optional(),
  decode: z.boolean().optional(),
  encode: z.boolean().optional(),
});

const sinkSchema = z.discriminatedUnion('type', [
  lakeSinkSchema,
  timestreamSinkSchema,
  influxSinkSchema,
]);

const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    sources: z
      .strictObject({
        firehose: firehoseSchema.optional(),
        fluentBit: fluentBitSchema.optional(),
        stdin: stdinSchema.optional(),
      })
      .prefault({}),
    queue: z
      .strictObject({
        maxRequests: positiveInt.default(64),
        maxBytes: positiveInt.default(256 * MiB),
        retryAfterSeconds: positiveInt.default(1),
      })
      .prefault({}),
    processing: z
      .strictObject({
        region: z.string().min(1).optional(),
        sniff: z.boolean().default(true),
        maxDecompressedBytes: positiveInt.optional(),
        parsers: z
          .array(
            z.strictObject({
              logGroup: z.string().min(1),
              parser: z.enum(PARSER_NAMES),
              format: z.string().min(1).optional(),
            }),
          )
          .default([]),
      })
      .prefault({}),
    workers: workersSchema.prefault({}),
    sinks: z.array(sinkSchema).min(1, { error: 'configure at least one sink' }),
    deadLetter: z.strictObject({ path: z.string().min(1).default('./dead-letters') }).prefault({}),
    shutdown: z
      .strictObject({ deadlineMs: positiveInt.default(DEFAULT_SHUTDOWN_DEADLINE_MS) })
      .prefault({}),
    log: z
      .strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .prefault({}),
  })
  .check((ctx) => {
    const c = ctx.value;
    const issue = (p: PropertyKey[], message: string): void => {
      ctx.issues.push({ code: 'custom', input: c, path: p, message });
    };
    const { firehose, fluentBit, stdin } = c.sources;
    if (firehose === undefined && fluentBit === undefined && stdin?.enabled !== true) {
      issue(['sources'], 'configure at least one source: firehose, fluentBit or stdin');
    }
    if (firehose !== undefined && fluentBit !== undefined && firehose.path === fluentBit.path) {
      issue(
        ['sources', 'fluentBit', 'path'],
        `is the same as sources.firehose.path (${firehose.path})`,
      );
    }
    for (const [key, s] of [
      ['firehose', firehose],
      ['fluentBit', fluentBit],
    ] as const) {
      if (s !== undefined && RESERVED_PATHS.includes(s.path)) {
        issue(['sources', key, 'path'], `${s.path} is reserved (${RESERVED_PATHS.join(', ')})`);
      }
    }
    if (c.server.requestTimeoutMs <= c.server.keepAliveTimeoutMs + 1000) {
      issue(
        ['server', 'requestTimeoutMs'],
        `must be larger than server.keepAliveTimeoutMs + 1000 (${c.server.keepAliveTimeoutMs + 1000}): headers may take that long`,
      );
    }
    const seen = new Map<string, number>();
    c.sinks.forEach((s, i) => {
      const n = s.name ?? s.type;
      const before = seen.get(n);
      if (before !== undefined) {
        issue(
          ['sinks', i, 'name'],
          s.name === undefined
            ? `a second ${s.type} sink needs a name (sinks[${before}] is already "${n}")`
            : `"${n}" is already the name of sinks[${before}]`,
        );
      }
      seen.set(n, i);
      if (s.type === 'influxdb') {
        if (s.api === 'v1' && s.database === undefined) {
          issue(['sinks', i, 'database'], 'is required with api: v1');
        }
        if (s.api === 'v2') {
          for (const k of ['org', 'bucket'] as const) {
            if (s[k] === undefined) issue(['sinks', i, k], 'is required with api: v2');
          }
          if (s.token === undefined) {
            issue(
              ['sinks', i, 'token'],
              `is required with api: v2 (or set ${SERVE_ENV_NAMES.influxToken})`,
            );
          }
        }
        if ((s.username === undefined) !== (s.password === undefined)) {
          issue(
            ['sinks', i, s.username === undefined ? 'username' : 'password'],
            'username and password go together',
          );
        }
      }
    });
  });

/** The validated config, with every default applied. */
export type ServeConfig = z.infer<typeof configSchema>;
/** One configured sink. */
export type SinkConfig = ServeConfig['sinks'][number];
export type LakeSinkConfig = z.infer<typeof lakeSinkSchema>;
export type TimestreamSinkConfig = z.infer<typeof timestreamSinkSchema>;
export type InfluxSinkConfig = z.infer<typeof influxSinkSchema>;
export type FirehoseSourceConfig = z.infer<typeof firehoseSchema>;
export type FluentBitSourceConfig = z.infer<typeof fluentBitSchema>;
export type StdinSourceConfig = z.infer<typeof stdinSchema>;
export type WorkersConfig = z.infer<typeof workersSchema>;

/** `['sinks', 0, 'url']` → `sinks[0].url`. */
export function keyPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  input?: unknown;
}

/** One line per problem: `<key path>: <problem>`. */
function describeIssues(issues: readonly Issue[]): string[] {
  const out: string[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys' && i.keys !== undefined) {
      for (const k of i.keys) out.push(`${keyPath([...i.path, k])}: unknown key`);
      continue;
    }
    let message = i.message;
    if (i.code === 'invalid_type' && i.input === undefined && /received undefined/.test(message)) {
      message = 'is required';
    } else {
      message = message.replace(/^Invalid input: /, '');
    }
    out.push(`${keyPath(i.path)}: ${message}`);
  }
  return out;
}

/** Names of the environment variables that changed the document (never their values). */
export type AppliedOverrides = string[];

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Puts secrets from the environment into the raw document (before validation). */
function applyEnv(doc: Doc, env: ServeEnv): AppliedOverrides {
  const applied: AppliedOverrides = [];
  const section = (parent: Doc, key: string): Doc | undefined => {
    const v = parent[key];
    return isDoc(v) ? v : undefined;
  };
  if (env.port !== undefined) {
    const port = Number(env.port);
    const server = section(doc, 'server') ?? {};
    server.port = Number.isInteger(port) ? port : env.port;
    doc.server = server;
    applied.push(SERVE_ENV_NAMES.port);
  }
  if (env.logLevel !== undefined) {
    doc.log = { ...(section(doc, 'log') ?? {}), level: env.logLevel };
    applied.push(SERVE_ENV_NAMES.logLevel);
  }
  if (env.maxDecompressedBytes !== undefined) {
    doc.processing = {
      ...(section(doc, 'processing') ?? {}),
      maxDecompressedBytes: env.maxDecompressedBytes,
    };
    applied.push(SERVE_ENV_NAMES.maxDecompressedBytes);
  }
  const sources = section(doc, 'sources');
  const firehose = sources === undefined ? undefined : section(sources, 'firehose');
  if (env.firehoseAccessKey !== undefined && firehose !== undefined) {
    firehose.accessKeys = [env.firehoseAccessKey];
    applied.push(SERVE_ENV_NAMES.firehoseAccessKey);
  }
  const fluentBit = sources === undefined ? undefined : section(sources, 'fluentBit');
  if (env.fluentBitToken !== undefined && fluentBit !== undefined) {
    fluentBit.token = env.fluentBitToken;
    applied.push(SERVE_ENV_NAMES.fluentBitToken);
  }
  if (Array.isArray(doc.sinks)) {
    for (const s of doc.sinks) {
      if (!isDoc(s) || s.type !== 'influxdb') continue;
      if (env.influxToken !== undefined) {
        s.token = env.influxToken;
        if (!applied.includes(SERVE_ENV_NAMES.influxToken))
          applied.push(SERVE_ENV_NAMES.influxToken);
      }
      if (env.influxPassword !== undefined) {
        s.password = env.influxPassword;
        if (!applied.includes(SERVE_ENV_NAMES.influxPassword)) {
          applied.push(SERVE_ENV_NAMES.influxPassword);
        }
      }
    }
  }
  return applied;
}

/** Parses YAML (or JSON, which YAML reads too) into a plain value, or throws with the line. */
function parseText(text: string, source: string, json: boolean): unknown {
  if (json) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ServeConfigError(source, [`not valid JSON: ${(err as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ServeConfigError(
      source,
      doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** A config and where it came from. */
export interface LoadedConfig {
  config: ServeConfig;
  /** The file, or `LOGPIPE_CONFIG_YAML`. */
  source: string;
  /** Environment variables that replaced values of the document. */
  overrides: AppliedOverrides;
}

/**
 * Validates a parsed document (with the environment's overrides applied first).
 *
 * @example
 * ```ts
 * const { config } = validateConfig({ sources: { stdin: {} }, sinks: [{ type: 'lake', location: './lake' }] }, {});
 * ```
 * @throws ServeConfigError listing every problem as `<key path>: <problem>`.
 */
export function validateConfig(raw: unknown, env: ServeEnv, source = 'config'): LoadedConfig {
  if (raw === null || raw === undefined) {
    throw new ServeConfigError(source, ['(top level): the document is empty']);
  }
  if (!isDoc(raw)) {
    throw new ServeConfigError(source, ['(top level): must be a mapping of keys to values']);
  }
  const doc = structuredClone(raw);
  const overrides = applyEnv(doc, env);
  const r = configSchema.safeParse(doc);
  if (!r.success) {
    throw new ServeConfigError(source, describeIssues(r.error.issues as unknown as Issue[]));
  }
  return { config: r.data, source, overrides };
}

/**
 * Reads and validates the config: the file given (`--config`), else `LOGPIPE_CONFIG`, else
 * the document in `LOGPIPE_CONFIG_YAML`. `.json` files are read as JSON, anything else as YAML.
 *
 * @example
 * ```ts
 * const { config, overrides } = await loadConfig('/etc/logpipe/serve.yaml', readServeEnv(process.env));
 * ```
 * @throws ServeConfigError naming the key path and the problem.
 */
export async function loadConfig(file: string | undefined, env: ServeEnv): Promise<LoadedConfig> {
  const path = file ?? env.configPath;
  if (path !== undefined) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new ServeConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
    }
    return validateConfig(
      parseText(text, path, extname(path).toLowerCase() === '.json'),
      env,
      path,
    );
  }
  if (env.configText !== undefined) {
    const source = SERVE_ENV_NAMES.configText;
    return validateConfig(parseText(env.configText, source, false), env, source);
  }
  throw new ServeConfigError('config', [
    `no config: pass --config <file>, or set ${SERVE_ENV_NAMES.configPath} or ${SERVE_ENV_NAMES.configText}`,
  ]);
}

/** The name a sink goes by in logs and metrics: its `name`, else its type. */
export function sinkName(s: SinkConfig): string {
  return s.name ?? s.type;
}
