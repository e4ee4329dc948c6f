/**
 * The Timestream (LiveAnalytics) writer: packs MetricRecords (`pack.ts`), sends
 * WriteRecords through an injected `@aws-sdk/client-timestream-write` client with a
 * concurrency limit, retries whole requests on throttling, 5xx and network errors with
 * jittered exponential backoff, handles rejected records one by one by their reason
 * (`classify.ts`), and dead-letters what it cannot store. Every MetricRecord it takes ends
 * ingested or dead-lettered with its reason — or, if the dead-letter sink itself fails,
 * handed back to the caller in a {@link DeadLetterSinkError}.
 *
 * Endpoint discovery is the SDK's: the client calls DescribeEndpoints and sends
 * WriteRecords to the address it returns. A client built with an explicit `endpoint`
 * skips discovery (the SDK's endpoint-discovery middleware passes custom endpoints through).
 */
import {
  type RejectedRecord,
  WriteRecordsCommand,
  type WriteRecordsCommandOutput,
} from '@aws-sdk/client-timestream-write';
import { ConfigError, type MetricRecord } from '@logpipe/core';
import {
  createNdjsonDeadLetterSink,
  type DeadLetter,
  type DeadLetterSink,
  DeadLetterSinkError,
} from '../dead-letter.js';
import { classifyRejection, classifyRequestError } from './classify.js';
import {
  TIMESTREAM_REJECT_CODES,
  type TimestreamRejectCode,
  TimestreamWriterClosedError,
} from './errors.js';
import {
  TIMESTREAM_MAX_RESOURCE_NAME_BYTES,
  TIMESTREAM_MIN_RESOURCE_NAME_LENGTH,
  TIMESTREAM_RESOURCE_NAME_PATTERN,
} from './limits.js';
import { writeUnits } from './metering.js';
import {
  buildRequests,
  deadLetter,
  type PackedUnit,
  type PackOptions,
  type PackSettings,
  resolvePackSettings,
  toUnits,
  type UnitRequest,
  unitBytes,
} from './pack.js';

/**
 * What the writer needs of a client: `send` of a WriteRecordsCommand. A
 * `TimestreamWriteClient` fits; build it once and inject it. Give it `maxAttempts: 1`, or
 * the SDK's own retries multiply with the writer's.
 */
export interface TimestreamWriteClientLike {
  send(command: WriteRecordsCommand): Promise<WriteRecordsCommandOutput>;
}

/**
 * Options of {@link createTimestreamWriter}.
 *
 * @example
 * ```ts
 * const opts: TimestreamWriterOptions = {
 *   client: new TimestreamWriteClient({ region: 'eu-west-1', maxAttempts: 1 }),
 *   database: 'logpipe', table: 'metrics', memoryStoreRetentionHours: 24, magneticStore: true,
 * };
 * ```
 */
export interface TimestreamWriterOptions
  extends Omit<PackOptions, 'now' | 'version' | 'maxRecordsPerRequest'> {
  /** The injected Timestream write client. */
  client: TimestreamWriteClientLike;
  /** Database name (3–256 characters of `a-z A-Z 0-9 _ - .`). */
  database: string;
  /** Table name (same rules). */
  table: string;
  /** Where records that cannot be stored go. Default: NDJSON at `./dead-letters/timestream.ndjson`. */
  deadLetters?: DeadLetterSink | undefined;
  /** WriteRecords calls in flight at once, across all `write` calls. Default 4. */
  maxConcurrency?: number | undefined;
  /**
   * Attempts per request on throttling, 5xx and network errors (1 = no retry); also the most
   * times one record is re-sent after a rejection (upsert, magnetic path). Default 5.
   */
  maxAttempts?: number | undefined;
  /** Backoff before retry n: `random() × min(maxDelayMs, baseDelayMs × 2^(n-1))`. Default 100. */
  baseDelayMs?: number | undefined;
  /** Default 5000. */
  maxDelayMs?: number | undefined;
  /** Waits between attempts; default a `setTimeout` promise (tests pass a fake). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: (() => number) | undefined;
  /** Clock, epoch ms; default `Date.now`. Drives the store windows, versions and `at` stamps. */
  now?: (() => number) | undefined;
  /**
   * Upserts: every record gets `Version = now()`, so a later write of the same series, time
   * and measure name replaces an earlier one; a version conflict is re-sent with
   * `ExistingVersion + 1`. Default false: no Version is sent and conflicts are dead-lettered.
   */
  upsert?: boolean | undefined;
  /** Records per request, 1–100. Default 100. */
  maxRecordsPerRequest?: number | undefined;
}

/** Counters of one writer. MetricRecords unless named otherwise. */
export interface TimestreamWriterStats {
  /** MetricRecords given to `write`. */
  recordsIn: number;
  /** MetricRecords ingested, by the store lane they were sent on. */
  ingested: { total: number; memory: number; magnetic: number };
  /**
   * Every refusal by code, before sending or by the service — including service refusals
   * that an upsert or the magnetic path later resolved.
   */
  rejected: Record<TimestreamRejectCode, number>;
  /** MetricRecords the dead-letter sink holds, by code. */
  deadLettered: { total: number; byCode: Record<TimestreamRejectCode, number> };
  /** MetricRecords handed back to the caller because the dead-letter sink failed. */
  failed: number;
  /** MetricRecords still being written. recordsIn = ingested + deadLettered + failed + pending. */
  pending: number;
  /** Whole-request retries (throttling, 5xx, network) and the MetricRecords they carried. */
  retried: { requests: number; records: number };
  /** MetricRecords re-sent with a higher Version after a version conflict. */
  upserted: number;
  /** MetricRecords re-sent on the magnetic store path after an outside-memory-store rejection. */
  rerouted: number;
  /** Requests split in two to find the record a ValidationException was about. */
  splits: number;
  /** WriteRecords calls made, retries included. */
  requests: number;
  /** Timestream (multi-measure) records: sent (every attempt) and ingested. */
  timestreamRecords: { sent: number; ingested: number };
  /** `RecordsIngested` as the service reported it (successful responses only), in Timestream records. */
  service: { memoryStore: number; magneticStore: number };
  /** 1 KiB write units metered for what was ingested (the documented formula; see metering.ts). */
  writeUnits: number;
}

/** What one `write` did. */
export interface WriteSummary {
  /** MetricRecords given. */
  records: number;
  /** MetricRecords ingested. */
  ingested: number;
  /** MetricRecords dead-lettered (durably). */
  deadLettered: number;
  /** The dead letters, with record, code and reason. */
  deadLetters: DeadLetter[];
  /** WriteRecords calls made for this write, retries included. */
  requests: number;
  /** Timestream records ingested (after packing). */
  timestreamRecords: number;
  /** 1 KiB write units metered. */
  writeUnits: number;
}

/** A writer of MetricRecords to one Timestream table. */
export interface TimestreamWriter {
  /**
   * Packs and sends; resolves once every record is ingested or dead-lettered.
   * @throws TimestreamWriterClosedError after `close()`.
   * @throws DeadLetterSinkError when the dead-letter sink fails (the letters are in it).
   */
  write(metrics: readonly MetricRecord[]): Promise<WriteSummary>;
  /** Resolves when every `write` in progress has finished. */
  flush(): Promise<void>;
  /** Refuses new writes and waits for the ones in progress. Idempotent. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  readonly stats: TimestreamWriterStats;
}

function zeroCodes(): Record<TimestreamRejectCode, number> {
  const out = {} as Record<TimestreamRejectCode, number>;
  for (const c of TIMESTREAM_REJECT_CODES) out[c] = 0;
  return out;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkResourceName(kind: string, name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.length < TIMESTREAM_MIN_RESOURCE_NAME_LENGTH ||
    Buffer.byteLength(name) > TIMESTREAM_MAX_RESOURCE_NAME_BYTES ||
    !TIMESTREAM_RESOURCE_NAME_PATTERN.test(name)
  ) {
    throw new ConfigError(
      `createTimestreamWriter: ${kind} must be ${TIMESTREAM_MIN_RESOURCE_NAME_LENGTH}–${TIMESTREAM_MAX_RESOURCE_NAME_BYTES} characters of a-z A-Z 0-9 _ - ., got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

function positiveInt(name: string, v: unknown, dflt: number): number {
  const n = v ?? dflt;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(
      `createTimestreamWriter: ${name} must be a positive integer, got ${String(v)}`,
    );
  }
  return n;
}

function nonNegative(name: string, v: unknown, dflt: number): number {
  const n = v ?? dflt;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new ConfigError(
      `createTimestreamWriter: ${name} must be a non-negative number, got ${String(v)}`,
    );
  }
  return n;
}

function fn<T>(name: string, v: unknown, dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'function')
    throw new ConfigError(`createTimestreamWriter: ${name} must be a function`);
  return v as T;
}

/** A counting semaphore for the in-flight WriteRecords calls. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}

/** Per-`write` bookkeeping. */
interface WriteRun {
  letters: DeadLetter[];
  ingested: number;
  requests: number;
  timestreamRecords: number;
  writeUnits: number;
}

function sourcesOf(units: readonly PackedUnit[]): number {
  let n = 0;
  for (const u of units) n += u.sources.length;
  return n;
}

/**
 * Creates a writer of MetricRecords to one Timestream for LiveAnalytics table.
 *
 * @example
 * ```ts
 * import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
 * const writer = createTimestreamWriter({
 *   client: new TimestreamWriteClient({ region: 'eu-west-1', maxAttempts: 1 }),
 *   database: 'logpipe',
 *   table: 'metrics',
 *   deadLetters: createNdjsonDeadLetterSink({ path: './dead-letters/timestream.ndjson' }),
 * });
 * const summary = await writer.write(processEnvelope(envelope, classifier).metrics);
 * console.log(summary.ingested, summary.deadLettered, writer.stats.writeUnits);
 * await writer.close();
 * ```
 * @throws ConfigError for invalid options.
 */
export function createTimestreamWriter(options: TimestreamWriterOptions): TimestreamWriter {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createTimestreamWriter: options are required');
  }
  const client = options.client;
  if (typeof client?.send !== 'function') {
    throw new ConfigError(
      'createTimestreamWriter: client must be a TimestreamWriteClient (with send)',
    );
  }
  const database = checkResourceName('database', options.database);
  const table = checkResourceName('table', options.table);
  const deadLetters =
    options.deadLetters ?? createNdjsonDeadLetterSink({ path: 'dead-letters/timestream.ndjson' });
  if (typeof deadLetters.write !== 'function') {
    throw new ConfigError('createTimestreamWriter: deadLetters must be a DeadLetterSink');
  }
  const maxConcurrency = positiveInt('maxConcurrency', options.maxConcurrency, 4);
  const maxAttempts = positiveInt('maxAttempts', options.maxAttempts, 5);
  const baseDelayMs = nonNegative('baseDelayMs', options.baseDelayMs, 100);
  const maxDelayMs = nonNegative('maxDelayMs', options.maxDelayMs, 5000);
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigError('createTimestreamWriter: maxDelayMs must not be less than baseDelayMs');
  }
  const sleep = fn<(ms: number) => Promise<void>>('sleep', options.sleep, defaultSleep);
  const random = fn<() => number>('random', options.random, Math.random);
  const now = fn<() => number>('now', options.now, Date.now);
  const upsert = options.upsert ?? false;
  if (typeof upsert !== 'boolean') {
    throw new ConfigError('createTimestreamWriter: upsert must be a boolean');
  }
  // Validates the packing options once; `now` is refreshed per write.
  const base: PackSettings = resolvePackSettings(
    {
      now: now(),
      memoryStoreRetentionHours: options.memoryStoreRetentionHours,
      magneticStore: options.magneticStore,
      bigintMeasures: options.bigintMeasures,
      arrays: options.arrays,
      maxRecordsPerRequest: options.maxRecordsPerRequest,
    },
    'createTimestreamWriter',
  );
  const magnetic = base.magneticRetentionDays !== undefined;

  const slots = new Slots(maxConcurrency);
  const inflight = new Set<Promise<unknown>>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const stats: TimestreamWriterStats = {
    recordsIn: 0,
    ingested: { total: 0, memory: 0, magnetic: 0 },
    rejected: zeroCodes(),
    deadLettered: { total: 0, byCode: zeroCodes() },
    failed: 0,
    pending: 0,
    retried: { requests: 0, records: 0 },
    upserted: 0,
    rerouted: 0,
    splits: 0,
    requests: 0,
    timestreamRecords: { sent: 0, ingested: 0 },
    service: { memoryStore: 0, magneticStore: 0 },
    writeUnits: 0,
  };

  const stamp = (): string => new Date(now()).toISOString();

  function reject(run: WriteRun, u: PackedUnit, code: TimestreamRejectCode, reason: string): void {
    const at = stamp();
    for (const m of u.sources) run.letters.push(deadLetter(m, code, reason, at));
    stats.rejected[code] += u.sources.length;
  }

  function ingest(run: WriteRun, units: readonly PackedUnit[], commonBytes: number): void {
    let bytes = commonBytes;
    for (const u of units) {
      const n = u.sources.length;
      stats.ingested.total += n;
      stats.ingested[u.lane] += n;
      stats.pending -= n;
      run.ingested += n;
      bytes += unitBytes(u) - commonBytes;
    }
    stats.timestreamRecords.ingested += units.length;
    run.timestreamRecords += units.length;
    const w = units.length === 0 ? 0 : writeUnits(bytes);
    stats.writeUnits += w;
    run.writeUnits += w;
  }

  async function sendUnits(run: WriteRun, units: PackedUnit[]): Promise<void> {
    if (units.length === 0) return;
    const requests = buildRequests(units, base.maxRecordsPerRequest);
    await Promise.all(requests.map((r) => sendRequest(run, r)));
  }

  async function handleRejected(
    run: WriteRun,
    req: UnitRequest,
    list: readonly RejectedRecord[] | undefined,
    message: string,
  ): Promise<void> {
    if (!Array.isArray(list) || list.length === 0) {
      for (const u of req.units) {
        reject(
          run,
          u,
          'REQUEST_FAILED',
          `RejectedRecordsException without RejectedRecords: ${message}`,
        );
      }
      return;
    }
    const byIndex = new Map<number, RejectedRecord>();
    for (const rr of list) {
      const i = rr.RecordIndex;
      if (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < req.units.length) {
        byIndex.set(i, rr);
      }
    }
    const ok: PackedUnit[] = [];
    const resend: PackedUnit[] = [];
    for (let i = 0; i < req.units.length; i++) {
      const u = req.units[i]!;
      const rr = byIndex.get(i);
      if (rr === undefined) {
        ok.push(u);
        continue;
      }
      const text = rr.Reason ?? 'no reason given';
      const n = u.sources.length;
      switch (classifyRejection(rr.Reason, rr.ExistingVersion)) {
        case 'version-conflict': {
          if (upsert && u.resends < maxAttempts) {
            stats.rejected.REJECTED_VERSION_CONFLICT += n;
            const existing = rr.ExistingVersion ?? u.version ?? 1;
            u.version = Math.max(existing, u.version ?? 1) + 1;
            u.resends++;
            stats.upserted += n;
            resend.push(u);
          } else {
            const ev =
              rr.ExistingVersion === undefined ? '' : ` (existing version ${rr.ExistingVersion})`;
            const why = upsert ? `; gave up after ${u.resends} upsert(s)` : '; upsert is off';
            reject(run, u, 'REJECTED_VERSION_CONFLICT', `${text}${ev}${why}`);
          }
          break;
        }
        case 'outside-memory-store': {
          if (magnetic && u.lane === 'memory' && u.resends < maxAttempts) {
            stats.rejected.REJECTED_OUTSIDE_RETENTION += n;
            u.lane = 'magnetic';
            u.resends++;
            stats.rerouted += n;
            resend.push(u);
          } else {
            const why = magnetic
              ? '; already sent on the magnetic store path'
              : '; magnetic store writes are off';
            reject(run, u, 'REJECTED_OUTSIDE_RETENTION', `${text}${why}`);
          }
          break;
        }
        case 'outside-ingestion-window':
          reject(run, u, 'REJECTED_OUTSIDE_RETENTION', text);
          break;
        default:
          reject(run, u, 'REJECTED_INVALID', text);
      }
    }
    ingest(run, ok, req.commonBytes);
    await sendUnits(run, resend);
  }

  async function sendRequest(run: WriteRun, req: UnitRequest): Promise<void> {
    const command = new WriteRecordsCommand({
      DatabaseName: database,
      TableName: table,
      CommonAttributes: req.CommonAttributes,
      Records: req.Records,
    });
    for (let attempt = 1; ; attempt++) {
      await slots.acquire();
      stats.requests++;
      run.requests++;
      stats.timestreamRecords.sent += req.Records.length;
      let out: WriteRecordsCommandOutput | undefined;
      let error: unknown;
      let failed = false;
      try {
        out = await client.send(command);
      } catch (e) {
        failed = true;
        error = e;
      } finally {
        slots.release();
      }
      if (!failed) {
        stats.service.memoryStore += out?.RecordsIngested?.MemoryStore ?? 0;
        stats.service.magneticStore += out?.RecordsIngested?.MagneticStore ?? 0;
        ingest(run, req.units, req.commonBytes);
        return;
      }
      const info = classifyRequestError(error);
      switch (info.kind) {
        case 'rejected-records':
          await handleRejected(
            run,
            req,
            (error as { RejectedRecords?: RejectedRecord[] }).RejectedRecords,
            info.message,
          );
          return;
        case 'retryable': {
          if (attempt >= maxAttempts) {
            for (const u of req.units) {
              reject(
                run,
                u,
                'RETRIES_EXHAUSTED',
                `${attempt} attempt(s); the last failed with ${info.name}: ${info.message}`,
              );
            }
            return;
          }
          stats.retried.requests++;
          stats.retried.records += sourcesOf(req.units);
          const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          await sleep(Math.floor(cap * random()));
          break;
        }
        case 'validation': {
          if (req.units.length > 1) {
            // The service refused the request as a whole: halve it until the record at fault
            // is alone, so the others still get written.
            stats.splits++;
            const mid = Math.ceil(req.units.length / 2);
            await Promise.all([
              sendUnits(run, req.units.slice(0, mid)),
              sendUnits(run, req.units.slice(mid)),
            ]);
          } else {
            for (const u of req.units)
              reject(run, u, 'REJECTED_INVALID', `${info.name}: ${info.message}`);
          }
          return;
        }
        default:
          for (const u of req.units)
            reject(run, u, 'REQUEST_FAILED', `${info.name}: ${info.message}`);
          return;
      }
    }
  }

  async function run(metrics: readonly MetricRecord[]): Promise<WriteSummary> {
    const t = now();
    const settings: PackSettings = { ...base, now: t };
    const { units, rejected } = toUnits(metrics, settings, new Date(t).toISOString());
    if (upsert) for (const u of units) u.version = Math.max(1, Math.floor(t));
    const r: WriteRun = {
      letters: rejected,
      ingested: 0,
      requests: 0,
      timestreamRecords: 0,
      writeUnits: 0,
    };
    for (const l of rejected) stats.rejected[l.code as TimestreamRejectCode] += 1;
    await sendUnits(r, units);
    const letters = r.letters;
    if (letters.length > 0) {
      try {
        await deadLetters.write(letters);
      } catch (cause) {
        stats.failed += letters.length;
        stats.pending -= letters.length;
        throw new DeadLetterSinkError(letters, { cause });
      }
      stats.deadLettered.total += letters.length;
      stats.pending -= letters.length;
      for (const l of letters) stats.deadLettered.byCode[l.code as TimestreamRejectCode] += 1;
    }
    return {
      records: metrics.length,
      ingested: r.ingested,
      deadLettered: letters.length,
      deadLetters: letters,
      requests: r.requests,
      timestreamRecords: r.timestreamRecords,
      writeUnits: r.writeUnits,
    };
  }

  function snapshot(): TimestreamWriterStats {
    return {
      ...stats,
      ingested: { ...stats.ingested },
      rejected: { ...stats.rejected },
      deadLettered: { total: stats.deadLettered.total, byCode: { ...stats.deadLettered.byCode } },
      retried: { ...stats.retried },
      timestreamRecords: { ...stats.timestreamRecords },
      service: { ...stats.service },
    };
  }

  async function flush(): Promise<void> {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  }

  return {
    write(metrics) {
      if (closed) return Promise.reject(new TimestreamWriterClosedError());
      if (!Array.isArray(metrics)) {
        return Promise.reject(new ConfigError('TimestreamWriter.write: metrics must be an array'));
      }
      stats.recordsIn += metrics.length;
      stats.pending += metrics.length;
      const p = run(metrics);
      inflight.add(p);
      const done = (): void => {
        inflight.delete(p);
      };
      p.then(done, done);
      return p;
    },
    flush,
    close() {
      closed = true;
      closing ??= flush();
      return closing;
    },
    get stats() {
      return snapshot();
    },
  };
}
