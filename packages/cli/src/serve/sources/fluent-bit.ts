/**
 * The Fluent Bit source: the body Fluent Bit's `http` output sends with `format json_lines`
 * (one JSON object per line, `Content-Type: application/x-ndjson`) or `format json` (one
 * array), gzip when `compress gzip`. Each object is one record: its message is the
 * `messageKey` value (FireLens puts the container's line in `log`), else the object itself
 * as JSON; its time is the `dateKey` value in Fluent Bit's `json_date_format`.
 *
 * Fluent Bit retries a chunk on 5xx, 429 and 408 and drops it on any other 4xx
 * (plugins/out_http/http.c), so every condition retrying can fix answers 429 or 503, and 4xx
 * is kept for requests that can never succeed (malformed gzip, too large, unauthorized).
 *
 * Event ids are `fb-<first 32 hex digits of sha256(body)>-<line index>`: a retried chunk has
 * the same body, so its records get the same ids and duplicates can be found by id.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CwlEnvelope,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import type { FluentBitSourceConfig } from '../config.js';
import { SinkWriteError } from '../errors.js';
import { holdUntil, type Ticket } from '../queue.js';
import { batchBytes, countAcknowledged, countReceived, type SourceContext } from './context.js';
import type { HttpSource } from './firehose.js';
import { declaredLength, HttpRefusal, header, readBody, sendJson } from './http.js';

const SOURCE = 'fluent-bit';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A `json_date_format` value → epoch ms, or undefined when it does not parse.
 *
 * @example
 * ```ts
 * fluentBitTime(1700000000.25, 'double'); // 1700000000250
 * fluentBitTime('2018-05-30 09:39:52.000681', 'java_sql_timestamp'); // 1527673192000
 * ```
 */
export function fluentBitTime(
  value: unknown,
  format: FluentBitSourceConfig['dateFormat'],
): number | undefined {
  let ms: number;
  if (format === 'double' || format === 'epoch') {
    const n =
      typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    ms = Math.round(n * 1000);
  } else if (format === 'epoch_ms') {
    ms =
      typeof value === 'number'
        ? Math.round(value)
        : typeof value === 'string'
          ? Math.round(Number(value))
          : Number.NaN;
  } else if (typeof value !== 'string') {
    return undefined;
  } else if (format === 'iso8601') {
    ms = Date.parse(value);
  } else {
    // java_sql_timestamp: "YYYY-MM-DD HH:MM:SS.ffffff", UTC.
    ms = Date.parse(`${value.trim().replace(' ', 'T').slice(0, 23)}Z`);
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** What a request body decoded to. */
export interface FluentBitBatch {
  records: LogRecord[];
  metrics: MetricRecord[];
  /** Lines that were not JSON objects (kept as raw messages). */
  rawLines: number;
  /** The body hash the ids are made from. */
  bodyHash: string;
}

interface Pending {
  id: string;
  timestamp: number | undefined;
  message: string;
  logGroup: string;
  logStream: string;
}

/**
 * Decodes a json_lines (or json array) body into records.
 *
 * @example
 * ```ts
 * const batch = decodeFluentBitBody(Buffer.from('{"date":1700000000.5,"log":"hello"}\n'), cfg, ctx, Date.now());
 * ```
 */
export function decodeFluentBitBody(
  body: Buffer,
  cfg: FluentBitSourceConfig,
  ctx: Pick<SourceContext, 'classifier' | 'region'>,
  now: number,
): FluentBitBatch {
  const bodyHash = createHash('sha256').update(body).digest('hex').slice(0, 32);
  const text = body.toString('utf8');
  const items: unknown[] = [];
  const trimmed = text.trimStart();
  let parsedArray = false;
  if (trimmed.startsWith('[')) {
    try {
      const doc = JSON.parse(trimmed) as unknown;
      if (Array.isArray(doc)) {
        for (const d of doc) items.push(d);
        parsedArray = true;
      }
    } catch {
      // Not one JSON array: read it as lines.
    }
  }
  let rawLines = 0;
  if (!parsedArray) {
    for (const line of text.split('\n')) {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (l.trim() === '') continue;
      try {
        items.push(JSON.parse(l) as unknown);
      } catch {
        items.push(l);
      }
    }
  }
  const pending: Pending[] = [];
  const dateKey = cfg.dateKey;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const id = `fb-${bodyHash}-${i}`;
    if (!isObj(item)) {
      rawLines++;
      pending.push({
        id,
        timestamp: undefined,
        message: typeof item === 'string' ? item : JSON.stringify(item),
        logGroup: cfg.logGroup,
        logStream: '',
      });
      continue;
    }
    const timestamp = dateKey === false ? undefined : fluentBitTime(item[dateKey], cfg.dateFormat);
    const msg = item[cfg.messageKey];
    let message: string;
    if (typeof msg === 'string') {
      message = msg;
    } else {
      const rest: Obj = {};
      for (const [k, v] of Object.entries(item)) if (k !== dateKey) rest[k] = v;
      message = JSON.stringify(rest);
    }
    const group = cfg.logGroupKey === undefined ? undefined : item[cfg.logGroupKey];
    const stream = item[cfg.logStreamKey];
    pending.push({
      id,
      timestamp,
      message,
      logGroup: typeof group === 'string' && group !== '' ? group : cfg.logGroup,
      logStream: typeof stream === 'string' ? stream : '',
    });
  }
  // One envelope per (log group, log stream), in order of first appearance.
  const envelopes = new Map<string, CwlEnvelope>();
  const untimed = new Set<string>();
  for (const p of pending) {
    const key = `${p.logGroup}\u0000${p.logStream}`;
    let env = envelopes.get(key);
    if (env === undefined) {
      env = {
        messageType: 'DATA_MESSAGE',
        owner: cfg.owner,
        logGroup: p.logGroup,
        logStream: p.logStream,
        subscriptionFilters: [],
        logEvents: [],
      };
      envelopes.set(key, env);
    }
    if (p.timestamp === undefined) untimed.add(p.id);
    env.logEvents.push({ id: p.id, timestamp: p.timestamp ?? now, message: p.message });
  }
  const records: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
  for (const env of envelopes.values()) {
    const out = processEnvelope(env, ctx.classifier, { region: ctx.region });
    for (const r of out.records) {
      if (untimed.has(r.id)) adoptLineTime(r);
      records.push(r);
    }
    for (const x of out.metrics) metrics.push(x);
  }
  return { records, metrics, rawLines, bodyHash };
}

/** Time fields that state when a line happened (epoch ms), by dataset. */
const LINE_TIME_FIELDS = ['request_time', 'start', 'event_time', 'log_time'] as const;

/** A record without a date takes the time its line states, where it states one. */
function adoptLineTime(r: LogRecord): void {
  for (const f of LINE_TIME_FIELDS) {
    const t = r.fields[f];
    if (typeof t === 'number' && Number.isFinite(t)) {
      r.time = t;
      return;
    }
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * Creates the Fluent Bit source.
 *
 * @example
 * ```ts
 * const source = createFluentBitSource(config.sources.fluentBit, context);
 * ```
 */
export function createFluentBitSource(cfg: FluentBitSourceConfig, ctx: SourceContext): HttpSource {
  const m = ctx.metrics;
  const retryAfter = { 'retry-after': String(ctx.retryAfterSeconds) };
  const tokenHash = cfg.token === undefined ? undefined : sha256(`Bearer ${cfg.token}`);

  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    e: HttpRefusal,
    headers: Record<string, string> = {},
  ): void => {
    m.errors.inc([SOURCE, e.code]);
    sendJson(req, res, e.status, { error: e.code, message: e.message }, headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      refuse(req, res, new HttpRefusal(405, 'METHOD_NOT_ALLOWED', 'use POST'), { allow: 'POST' });
      return;
    }
    if (tokenHash !== undefined) {
      const given = sha256(header(req, 'authorization') ?? '');
      if (!timingSafeEqual(given, tokenHash)) {
        refuse(
          req,
          res,
          new HttpRefusal(401, 'UNAUTHORIZED', 'Authorization: Bearer <token> is missing or wrong'),
        );
        return;
      }
    }
    if (ctx.draining()) {
      refuse(req, res, new HttpRefusal(503, 'SHUTTING_DOWN', 'logpipe is shutting down'), {
        ...retryAfter,
        connection: 'close',
      });
      return;
    }
    const declared = declaredLength(req);
    if (declared !== undefined && declared > cfg.maxBodyBytes) {
      refuse(
        req,
        res,
        new HttpRefusal(
          413,
          'BODY_TOO_LARGE',
          `body of ${declared} bytes exceeds the ${cfg.maxBodyBytes}-byte limit (maxBodyBytes)`,
        ),
      );
      return;
    }
    const ticket = ctx.queue.tryAcquire(declared ?? 0);
    if (typeof ticket === 'string') {
      m.queueRefused.inc([ticket]);
      refuse(
        req,
        res,
        ticket === 'closed'
          ? new HttpRefusal(503, 'SHUTTING_DOWN', 'logpipe is shutting down')
          : new HttpRefusal(429, 'QUEUE_FULL', `queue full (${ticket}); retry later`),
        ticket === 'closed' ? { ...retryAfter, connection: 'close' } : retryAfter,
      );
      return;
    }
    const held: { work: Promise<void> | undefined } = { work: undefined };
    // The place is held until the answer is sent and the batch's writes settled.
    res.once('close', () => holdUntil(ticket, held.work));
    await receive(req, res, ticket, held);
  };

  const receive = async (
    req: IncomingMessage,
    res: ServerResponse,
    ticket: Ticket,
    held: { work: Promise<void> | undefined },
  ): Promise<void> => {
    let body: Buffer;
    try {
      const read = await readBody(req, cfg.maxBodyBytes, cfg.maxDecompressedBytes);
      body = read.body;
      m.receivedBytes.inc([SOURCE], read.wireBytes);
    } catch (err) {
      refuse(
        req,
        res,
        err instanceof HttpRefusal ? err : new HttpRefusal(400, 'BAD_REQUEST', String(err)),
      );
      return;
    }
    const batch = decodeFluentBitBody(body, cfg, ctx, Date.now());
    ticket.resize(Math.max(ticket.bytes, body.length, batchBytes(batch.records, batch.metrics)));
    countReceived(m, SOURCE, batch.records.length, batch.metrics.length);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new HttpRefusal(503, 'SINK_TIMEOUT', `sinks did not finish within ${cfg.timeoutMs} ms`),
          ),
        cfg.timeoutMs,
      );
      timer.unref();
    });
    held.work = ctx.pipeline.write({
      source: SOURCE,
      input: `fb-${batch.bodyHash}`,
      records: batch.records,
      metrics: batch.metrics,
      failures: [],
    });
    try {
      await Promise.race([held.work, timeout]);
    } catch (err) {
      const e =
        err instanceof HttpRefusal
          ? err
          : new HttpRefusal(
              503,
              SinkWriteError.isInstance(err) ? err.code : 'SINK_WRITE_FAILED',
              err instanceof Error ? err.message : String(err),
            );
      refuse(req, res, e, retryAfter);
      return;
    } finally {
      clearTimeout(timer);
    }
    countAcknowledged(m, SOURCE, batch.records.length, batch.metrics.length);
    sendJson(req, res, 200, { records: batch.records.length, metrics: batch.metrics.length });
  };

  return { name: SOURCE, path: cfg.path, handle, collect: () => undefined };
}
