import { createHash } from 'node:crypto';
import {
  ConfigError,
  type DatasetDef,
  getDataset,
  hourStart,
  type LogRecord,
  type MetricRecord,
  partitionPath,
} from '@logpipe/core';
import { type ColumnBatch, logColumns, metricColumns } from './columns.js';
import type { LakeStorage } from './storage/types.js';

/** Options of {@link createLakeWriter}. */
export interface LakeWriterOptions {
  /** Where files go: `createLocalStorage({ root })` or `createS3Storage({ … })`. */
  storage: LakeStorage;
  /**
   * Encodes one batch to Parquet bytes: `encodeParquet` on this thread, or the `encode` of
   * `createParquetEncoderPool` (worker threads; a promise). A rejection fails that
   * file's rows like a storage error does.
   */
  encode: (batch: ColumnBatch) => Uint8Array | Promise<Uint8Array>;
  /** Write a partition's buffer once its estimated size reaches this. Default 128 MiB. */
  targetFileBytes?: number | undefined;
  /** …or once it holds this many rows. Default 1,000,000. */
  maxRows?: number | undefined;
  /** …or once its oldest row waited this long (ms; sidecar mode). Default 300,000 (5 minutes). */
  maxAgeMs?: number | undefined;
  /** Cap on all buffers together (estimated bytes); past it the largest are written early. Default 512 MiB. */
  maxBufferedBytes?: number | undefined;
  /**
   * `'sidecar'` (default): a long-running process; files roll by size, rows or age (a timer
   * that never keeps the process alive). `'lambda'`: one invocation at a time; no age timer
   * (a frozen sandbox must not wake up mid-write), smaller default buffers (64 MiB files,
   * 256 MiB cap), and the caller flushes at the end of every invocation
   * (see {@link createLakeHandler}).
   */
  mode?: 'sidecar' | 'lambda' | undefined;
  /** Clock, for tests. */
  now?: (() => number) | undefined;
}

const MiB = 1024 * 1024;
const DEFAULTS = {
  sidecar: { targetFileBytes: 128 * MiB, maxBufferedBytes: 512 * MiB },
  lambda: { targetFileBytes: 64 * MiB, maxBufferedBytes: 256 * MiB },
} as const;

/** Counters of a writer. */
export interface LakeWriterStats {
  rowsIn: number;
  rowsWritten: number;
  filesWritten: number;
  bytesWritten: number;
  /** Rows whose file failed to write (handed back to the caller as a rejection). */
  rowsFailed: number;
  /** Files written early because the buffer cap was passed. */
  earlyFlushes: number;
}

/**
 * Buffers records per (dataset, hour) and writes each buffer as one Parquet
 * file at its partition of the lake layout.
 *
 * @example
 * ```ts
 * const writer = createLakeWriter({ storage: createLocalStorage({ root: './lake' }), encode: encodeParquet });
 * const durable = writer.write(records, metrics); // resolves once these rows are in files
 * await writer.flush();
 * await durable;
 * ```
 */
export interface LakeWriter {
  /**
   * Adds records to their buffers. The promise resolves when every one of them
   * is durably written (by size, age, `flush()` or `close()`), and rejects with
   * the storage error if its file could not be written — nothing is dropped
   * silently; the caller retries or dead-letters.
   */
  write(records: readonly LogRecord[], metrics?: readonly MetricRecord[]): Promise<void>;
  /** Writes every buffer now. */
  flush(): Promise<void>;
  /** Flushes and stops the age timer. Idempotent. */
  close(): Promise<void>;
  readonly stats: LakeWriterStats;
}

interface Waiter {
  pending: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  failed: boolean;
}

interface Buffer_ {
  dataset: DatasetDef;
  hour: number;
  logs: LogRecord[];
  metrics: MetricRecord[];
  bytes: number;
  since: number;
  waiters: Waiter[];
}

/** Estimated in-memory/encoded size of a record: its message plus fixed overhead. */
function estimate(r: LogRecord): number {
  return r.message.length + 160;
}

function positive(name: string, v: number | undefined, fallback: number): number {
  const n = v ?? fallback;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new ConfigError(`${name} must be a positive integer, got ${String(v)}`);
  return n;
}

class Writer implements LakeWriter {
  readonly stats: LakeWriterStats = {
    rowsIn: 0,
    rowsWritten: 0,
    filesWritten: 0,
    bytesWritten: 0,
    rowsFailed: 0,
    earlyFlushes: 0,
  };
  private readonly buffers = new Map<string, Buffer_>();
  private readonly targetBytes: number;
  private readonly maxRows: number;
  private readonly maxAge: number;
  private readonly maxBuffered: number;
  private readonly now: () => number;
  private readonly lambda: boolean;
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: LakeWriterOptions) {
    if (options.storage === undefined || typeof options.storage.put !== 'function') {
      throw new ConfigError(
        'storage must be a LakeStorage (createLocalStorage or createS3Storage)',
      );
    }
    if (typeof options.encode !== 'function') throw new ConfigError('encode must be a function');
    const mode = options.mode ?? 'sidecar';
    if (mode !== 'sidecar' && mode !== 'lambda') {
      throw new ConfigError(`mode must be 'sidecar' or 'lambda', got ${String(mode)}`);
    }
    this.lambda = mode === 'lambda';
    const d = DEFAULTS[mode];
    this.targetBytes = positive('targetFileBytes', options.targetFileBytes, d.targetFileBytes);
    this.maxRows = positive('maxRows', options.maxRows, 1_000_000);
    this.maxAge = positive('maxAgeMs', options.maxAgeMs, 300_000);
    this.maxBuffered = positive('maxBufferedBytes', options.maxBufferedBytes, d.maxBufferedBytes);
    this.now = options.now ?? Date.now;
  }

  write(records: readonly LogRecord[], metrics: readonly MetricRecord[] = []): Promise<void> {
    if (this.closed) return Promise.reject(new ConfigError('the lake writer is closed'));
    if (records.length === 0 && metrics.length === 0) return Promise.resolve();
    let waiter!: Waiter;
    const done = new Promise<void>((resolve, reject) => {
      waiter = { pending: 0, resolve, reject, failed: false };
    });
    const touched = new Set<Buffer_>();
    const now = this.now();
    const add = (b: Buffer_, size: number): void => {
      b.bytes += size;
      this.buffered += size;
      if (!touched.has(b)) {
        touched.add(b);
        b.waiters.push(waiter);
        waiter.pending++;
      }
      // Roll as soon as a buffer is full, so no file passes the limits.
      if (b.bytes >= this.targetBytes || b.logs.length + b.metrics.length >= this.maxRows)
        this.start(b);
    };
    for (const r of records) {
      const b = this.buffer(r.dataset, r.time, now);
      b.logs.push(r);
      add(b, estimate(r));
    }
    for (const m of metrics) {
      const b = this.buffer('metrics', m.time, now);
      b.metrics.push(m);
      add(b, 200);
    }
    this.stats.rowsIn += records.length + metrics.length;
    while (this.buffered > this.maxBuffered && this.buffers.size > 0) {
      let largest: Buffer_ | undefined;
      for (const b of this.buffers.values())
        if (largest === undefined || b.bytes > largest.bytes) largest = b;
      this.stats.earlyFlushes++;
      this.start(largest as Buffer_);
    }
    this.arm();
    return done;
  }

  async flush(): Promise<void> {
    for (const b of [...this.buffers.values()]) this.start(b);
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.closed) {
      this.closed = true;
    }
    await this.flush();
  }

  private buffer(dataset: string, time: number, now: number): Buffer_ {
    const hour = hourStart(time);
    const key = `${dataset}\u0000${hour}`;
    let b = this.buffers.get(key);
    if (b === undefined) {
      b = {
        dataset: getDataset(dataset),
        hour,
        logs: [],
        metrics: [],
        bytes: 0,
        since: now,
        waiters: [],
      };
      this.buffers.set(key, b);
    }
    return b;
  }

  /** Age-based flushing for long-running writers; the timer never keeps the process alive. */
  private arm(): void {
    if (this.timer !== undefined || this.closed || this.lambda) return;
    this.timer = setInterval(
      () => {
        const now = this.now();
        for (const b of [...this.buffers.values()]) if (now - b.since >= this.maxAge) this.start(b);
      },
      Math.min(this.maxAge, 1000),
    );
    this.timer.unref();
  }

  /** Detaches a buffer and writes it; settles its waiters. */
  private start(b: Buffer_): void {
    const key = `${b.dataset.name}\u0000${b.hour}`;
    if (this.buffers.get(key) !== b) return;
    this.buffers.delete(key);
    this.buffered -= b.bytes;
    const p = this.writeFile(b).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async writeFile(b: Buffer_): Promise<void> {
    const rows = b.logs.length + b.metrics.length;
    try {
      const batch =
        b.dataset.name === 'metrics'
          ? metricColumns(b.dataset, b.metrics)
          : logColumns(b.dataset, b.logs);
      const body = await this.options.encode(batch);
      const key = `${partitionPath(b.dataset.name, b.hour)}/${fileName(b)}`;
      await this.options.storage.put(key, body);
      this.stats.rowsWritten += rows;
      this.stats.filesWritten++;
      this.stats.bytesWritten += body.length;
      for (const w of b.waiters) {
        if (--w.pending === 0 && !w.failed) w.resolve();
      }
    } catch (err) {
      this.stats.rowsFailed += rows;
      for (const w of b.waiters) {
        if (!w.failed) {
          w.failed = true;
          w.reject(err);
        }
      }
    }
  }
}

/**
 * A deterministic file name for a buffer's contents: the same rows give the
 * same key, so a retried batch overwrites its file instead of duplicating it.
 */
function fileName(b: Buffer_): string {
  const h = createHash('sha256');
  for (const r of b.logs)
    h.update(r.id === '' ? `${r.time}\u0000${r.message}` : r.id).update('\u0001');
  for (const m of b.metrics) h.update(JSON.stringify(m)).update('\u0001');
  return `part-${h.digest('hex').slice(0, 32)}.parquet`;
}

/**
 * Creates a lake writer. Options are validated here, once.
 *
 * @example
 * ```ts
 * const writer = createLakeWriter({ storage, encode: encodeParquet, targetFileBytes: 64 * 1024 * 1024 });
 * ```
 * @throws ConfigError for invalid options.
 */
export function createLakeWriter(options: LakeWriterOptions): LakeWriter {
  return new Writer(options);
}
