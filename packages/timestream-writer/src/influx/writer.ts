/**
 * The line-protocol writer: MetricRecords → InfluxDB `/write` (v1) or `/api/v2/write` (v2),
 * in byte-bounded gzip batches, with retries, and with every record accounted for: each one
 * ends written or dead-lettered with its reason (or, if the dead-letter sink itself fails,
 * handed back to the caller, letter and all, in a `DeadLetterSinkError`).
 *
 * Rejected lines. A partial write means the other points of the request WERE written
 * (InfluxDB 1.x, checked against 1.6.7; 2.x's 422 partial writes too), while InfluxDB 2.x
 * OSS rejects a whole request for one malformed line. The writer does not need to know which
 * server it talks to: it dead-letters the lines the response names and sends the others
 * again. Writing a point again is harmless in InfluxDB — a point is identified by
 * measurement, tag set and time, and the same fields overwrite themselves — so a point is
 * never stored twice and never counted twice. When the response does not say which lines
 * failed (a field type conflict names a field, not a line), the request is split in halves
 * and each half sent again, down to single lines, so exactly the refused lines are
 * dead-lettered, each with the server's own message.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { MetricRecord } from '@logpipe/core';
import { type DeadLetter, DeadLetterSinkError } from '../dead-letter.js';
import {
  INFLUX_DEAD_LETTER_CODES,
  type InfluxDeadLetterCode,
  InfluxWriterError,
} from './errors.js';
import { createLineEncoder, type LineEncoder } from './line-protocol.js';
import {
  type InfluxWriterOptions,
  type InfluxWriterSettings,
  resolveInfluxOptions,
} from './options.js';
import { classifyResponse, type WriteOutcome } from './response.js';

const gzip = promisify(gzipCallback);

/** Counters of a writer; `recordsIn = written + deadLettered + failed` once idle. */
export interface InfluxWriterStats {
  /** Records given to `write()`. */
  recordsIn: number;
  /** Records the server acknowledged. */
  written: number;
  /** Records stored in the dead-letter sink. */
  deadLettered: number;
  /** Dead letters by code (every code present, 0 when none). */
  deadLetteredByCode: Record<InfluxDeadLetterCode, number>;
  /** Records whose dead letter the sink did not take: handed back in a `DeadLetterSinkError`. */
  failed: number;
  /** HTTP requests made, retries and re-sends included. */
  requests: number;
  /** Requests repeated after a 429, 5xx or network error. */
  retries: number;
  /** Request body bytes sent (compressed when gzip is on). */
  bytesSent: number;
  /** Lines sent, counted once per request that carried them. */
  linesSent: number;
}

/** What one `write()` call did with its records. */
export interface InfluxWriteResult {
  written: number;
  deadLettered: number;
}

/**
 * Writes MetricRecords to InfluxDB as line protocol.
 *
 * @example
 * ```ts
 * const writer = createInfluxWriter({ url, api: 'v1', database: 'metrics', deadLetters });
 * const { written, deadLettered } = await writer.write(metrics);
 * await writer.close();
 * ```
 */
export interface InfluxWriter {
  /**
   * Encodes, batches and sends the records. Resolves once every one of them is written or
   * dead-lettered. Rejects only after every request of the call has settled, with the records
   * it could not account for: a `DeadLetterSinkError` (its `letters`, when the sink fails) or
   * an {@link InfluxWriterError} (its `records`, after `close()`).
   */
  write(metrics: readonly MetricRecord[]): Promise<InfluxWriteResult>;
  /** Resolves when every `write()` started before it has settled. */
  flush(): Promise<void>;
  /** Refuses new writes and waits for the pending ones. Idempotent. */
  close(): Promise<void>;
  /** Live counters. */
  readonly stats: InfluxWriterStats;
}

/** One encoded record. */
interface Line {
  text: string;
  /** UTF-8 bytes including the newline. */
  bytes: number;
  record: MetricRecord;
}

/** What one write() call gathers while its requests run. */
interface Tally {
  written: number;
  deadLettered: number;
  /** Letters the sink did not take. */
  failed: DeadLetter[];
  errors: unknown[];
}

/** A final outcome of one request, retries done. */
type FinalOutcome =
  | Exclude<WriteOutcome, { kind: 'retry' }>
  | { kind: 'exhausted'; message: string };

/** Limits requests in flight. */
class Gate {
  #free: number;
  readonly #queue: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }

  release(): void {
    const next = this.#queue.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail =
      cause instanceof Error
        ? `: ${cause.message}`
        : cause !== undefined
          ? `: ${String(cause)}`
          : '';
    return `${error.name}: ${error.message}${detail}`;
  }
  return String(error);
}

class LineProtocolWriter implements InfluxWriter {
  readonly stats: InfluxWriterStats;
  readonly #s: InfluxWriterSettings;
  readonly #encode: LineEncoder;
  readonly #gate: Gate;
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;

  constructor(settings: InfluxWriterSettings) {
    this.#s = settings;
    this.#encode = createLineEncoder({
      precision: settings.precision,
      measurementPrefix: settings.measurementPrefix,
      integerFields: settings.integerFields,
      arrays: settings.arrays,
      api: settings.api,
    });
    this.#gate = new Gate(settings.maxConcurrency);
    const byCode = {} as Record<InfluxDeadLetterCode, number>;
    for (const code of INFLUX_DEAD_LETTER_CODES) byCode[code] = 0;
    this.stats = {
      recordsIn: 0,
      written: 0,
      deadLettered: 0,
      deadLetteredByCode: byCode,
      failed: 0,
      requests: 0,
      retries: 0,
      bytesSent: 0,
      linesSent: 0,
    };
  }

  write(metrics: readonly MetricRecord[]): Promise<InfluxWriteResult> {
    if (!Array.isArray(metrics)) {
      return Promise.reject(new TypeError('InfluxWriter.write: metrics must be an array'));
    }
    if (this.#closed) {
      return Promise.reject(
        new InfluxWriterError(
          'INFLUX_WRITER_CLOSED',
          `write() after close(): ${metrics.length} record(s) not taken`,
          { records: metrics },
        ),
      );
    }
    const job = this.#write(metrics);
    this.#pending.add(job);
    const forget = () => this.#pending.delete(job);
    job.then(forget, forget);
    return job;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  async #write(metrics: readonly MetricRecord[]): Promise<InfluxWriteResult> {
    this.stats.recordsIn += metrics.length;
    const tally: Tally = { written: 0, deadLettered: 0, failed: [], errors: [] };
    const letters: DeadLetter[] = [];
    const tasks: Promise<void>[] = [];
    const { maxBatchBytes, maxBatchLines } = this.#s;
    let batch: Line[] = [];
    let batchBytes = 0;
    for (const record of metrics) {
      const r = this.#encode(record);
      if (!r.ok) {
        letters.push(this.#letter(record, r.code, r.reason));
        continue;
      }
      const bytes = Buffer.byteLength(r.line, 'utf8') + 1;
      if (
        batch.length > 0 &&
        (batchBytes + bytes > maxBatchBytes || batch.length >= maxBatchLines)
      ) {
        tasks.push(this.#send(batch, tally));
        batch = [];
        batchBytes = 0;
      }
      batch.push({ text: r.line, bytes, record });
      batchBytes += bytes;
    }
    if (batch.length > 0) tasks.push(this.#send(batch, tally));
    tasks.push(this.#deadLetter(letters, tally));
    await Promise.all(tasks);
    if (tally.failed.length > 0) {
      throw new DeadLetterSinkError(tally.failed, { cause: tally.errors[0] });
    }
    return { written: tally.written, deadLettered: tally.deadLettered };
  }

  #letter(record: MetricRecord, code: InfluxDeadLetterCode, reason: string): DeadLetter {
    return { record, code, reason, writer: 'influxdb', at: new Date(this.#s.now()).toISOString() };
  }

  /** Stores dead letters; never rejects (a sink failure is recorded in the tally). */
  async #deadLetter(letters: DeadLetter[], tally: Tally): Promise<void> {
    if (letters.length === 0) return;
    try {
      await this.#s.deadLetters.write(letters);
    } catch (error) {
      this.stats.failed += letters.length;
      for (const l of letters) tally.failed.push(l);
      tally.errors.push(error);
      return;
    }
    this.stats.deadLettered += letters.length;
    tally.deadLettered += letters.length;
    for (const l of letters) {
      const code = l.code as InfluxDeadLetterCode;
      this.stats.deadLetteredByCode[code] = (this.stats.deadLetteredByCode[code] ?? 0) + 1;
    }
  }

  #deadLetterAll(lines: readonly Line[], code: InfluxDeadLetterCode, reason: string, tally: Tally) {
    return this.#deadLetter(
      lines.map((l) => this.#letter(l.record, code, reason)),
      tally,
    );
  }

  /** Sends one batch and settles every line of it; never rejects. */
  async #send(lines: Line[], tally: Tally): Promise<void> {
    const outcome = await this.#request(lines);
    switch (outcome.kind) {
      case 'ok':
        this.stats.written += lines.length;
        tally.written += lines.length;
        return;
      case 'exhausted':
        return this.#deadLetterAll(lines, 'RETRIES_EXHAUSTED', outcome.message, tally);
      case 'request':
        return this.#deadLetterAll(lines, 'REQUEST_REJECTED', outcome.message, tally);
      case 'tooLarge':
        if (lines.length === 1) {
          return this.#deadLetterAll(lines, 'LINE_TOO_LARGE', outcome.message, tally);
        }
        return this.#halves(lines, tally);
      case 'lines':
        return this.#rejectedLines(lines, outcome, tally);
    }
  }

  /** Sends each half of `lines` in turn (so points keep their order). */
  async #halves(lines: Line[], tally: Tally): Promise<void> {
    const mid = Math.ceil(lines.length / 2);
    await this.#send(lines.slice(0, mid), tally);
    await this.#send(lines.slice(mid), tally);
  }

  /** A response that refused some lines: dead-letter the named ones, re-send or split the rest. */
  async #rejectedLines(
    lines: Line[],
    outcome: Extract<WriteOutcome, { kind: 'lines' }>,
    tally: Tally,
  ): Promise<void> {
    const reasons = new Map<number, string>();
    const status = outcome.message.slice(0, outcome.message.indexOf(':'));
    const n = outcome.lineNumber;
    if (n !== undefined && n <= lines.length) {
      // v2 names its first failing line; its entry is the message's first one.
      const first = /unable to parse '.*$/m.exec(outcome.message)?.[0].replace(/ dropped=\d+$/, '');
      reasons.set(n - 1, first === undefined ? outcome.message : `${status}: ${first}`);
    }
    if (outcome.unparsable.length > 0) {
      const byText = new Map<string, number[]>();
      for (let i = 0; i < lines.length; i++) {
        const t = (lines[i] as Line).text;
        const at = byText.get(t);
        if (at === undefined) byText.set(t, [i]);
        else at.push(i);
      }
      for (const u of outcome.unparsable) {
        for (const i of byText.get(u.line) ?? []) reasons.set(i, `${status}: ${u.entry}`);
      }
    }
    if (reasons.size === 0) {
      if (lines.length === 1) {
        return this.#deadLetterAll(lines, 'LINE_REJECTED', outcome.message, tally);
      }
      return this.#halves(lines, tally);
    }
    const letters: DeadLetter[] = [];
    const rest: Line[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Line;
      const reason = reasons.get(i);
      if (reason === undefined) rest.push(line);
      else letters.push(this.#letter(line.record, 'LINE_REJECTED', reason));
    }
    await Promise.all([
      this.#deadLetter(letters, tally),
      rest.length > 0 ? this.#send(rest, tally) : undefined,
    ]);
  }

  /** One request with its retries. Never rejects. */
  async #request(lines: readonly Line[]): Promise<FinalOutcome> {
    const s = this.#s;
    let text = '';
    for (const l of lines) text += `${l.text}\n`;
    const raw = Buffer.from(text, 'utf8');
    const body = s.gzip ? await gzip(raw) : raw;
    const headers = s.gzip ? { ...s.headers, 'Content-Encoding': 'gzip' } : s.headers;
    let known: ((line: string) => boolean) | undefined;
    const isKnown = (line: string): boolean => {
      if (known === undefined) {
        const set = new Set<string>();
        for (const l of lines) set.add(l.text);
        known = (t) => set.has(t);
      }
      return known(line);
    };

    for (let attempt = 1; ; attempt++) {
      let outcome: WriteOutcome;
      await this.#gate.acquire();
      try {
        this.stats.requests++;
        this.stats.bytesSent += body.length;
        this.stats.linesSent += lines.length;
        const response = await s.fetch(s.writeUrl, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(s.timeoutMs),
        });
        const responseText = await response.text();
        outcome = classifyResponse(
          response.status,
          responseText,
          response.headers,
          isKnown,
          s.now(),
        );
      } catch (error) {
        outcome = {
          kind: 'retry',
          message: `network error: ${errorText(error)}`,
          retryAfterMs: undefined,
        };
      } finally {
        this.#gate.release();
      }
      if (outcome.kind !== 'retry') return outcome;
      if (attempt >= s.maxAttempts) {
        return {
          kind: 'exhausted',
          message: `${outcome.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
        };
      }
      this.stats.retries++;
      const cap = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** (attempt - 1));
      const delay =
        outcome.retryAfterMs !== undefined
          ? Math.min(s.maxDelayMs, outcome.retryAfterMs)
          : Math.floor(cap * s.random());
      await s.sleep(delay);
    }
  }
}

/**
 * A writer of MetricRecords to InfluxDB (Amazon Timestream for InfluxDB, InfluxDB 1.x/2.x) in
 * line protocol. Options are checked here, once.
 *
 * @throws ConfigError for invalid options.
 * @example
 * ```ts
 * const writer = createInfluxWriter({
 *   url: 'http://127.0.0.1:8086',
 *   api: 'v2',
 *   org: 'logpipe',
 *   bucket: 'metrics',
 *   token,
 *   deadLetters: createNdjsonDeadLetterSink({ path: './dead-letters/influx.ndjson' }),
 * });
 * await writer.write(metrics);
 * console.log(writer.stats.written, writer.stats.deadLetteredByCode);
 * await writer.close();
 * ```
 */
export function createInfluxWriter(options: InfluxWriterOptions): InfluxWriter {
  return new LineProtocolWriter(resolveInfluxOptions(options));
}
