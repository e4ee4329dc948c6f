/**
 * A pool of worker threads (piscina) that encode Parquet: {@link encodeParquet} off the
 * calling thread. A batch crosses as plain data (its dataset name, columns, values and row
 * count, structured-cloned); the encoded file comes back transferred, not copied.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { type ColumnDef, intOption, WorkerThreads } from '@logpipe/core';
import type { ColumnBatch } from './columns.js';
import { checkEncodeOptions, type EncodeParquetOptions, type encodeParquet } from './encode.js';
import { EncoderPoolError } from './errors.js';

/** Batches that may wait for a thread, beyond one per thread. */
export const DEFAULT_ENCODER_MAX_QUEUE = 64;

/** Options of {@link createParquetEncoderPool}. */
export interface ParquetEncoderPoolOptions {
  /** Worker threads. Default `os.availableParallelism()`. */
  threads?: number | undefined;
  /**
   * Batches that may wait beyond one per thread: with `threads + maxQueue` batches accepted
   * and not encoded, the next one is refused with {@link EncoderPoolError} `POOL_QUEUE_FULL`.
   * Default {@link DEFAULT_ENCODER_MAX_QUEUE}.
   */
  maxQueue?: number | undefined;
  /** Options of every encode, as {@link encodeParquet} takes them (checked here, once). */
  encodeOptions?: EncodeParquetOptions | undefined;
  /** Heap limits of each worker thread (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits | undefined;
}

/** Counters of an encoder pool since it was created. */
export interface ParquetEncoderPoolStats {
  threads: number;
  /** Batches encoded by the workers. */
  encoded: number;
  /** Rows of those batches. */
  rows: number;
  /** Batches accepted and not settled yet. */
  pending: number;
  /** Batches refused with `POOL_QUEUE_FULL`. */
  refused: number;
  /** Batches failed with `ENCODE_FAILED`. */
  failed: number;
}

/**
 * Parquet encoding on worker threads.
 *
 * @example
 * ```ts
 * const pool = createParquetEncoderPool({ threads: 2 });
 * const writer = createLakeWriter({ storage, encode: pool.encode });
 * // …
 * await writer.close();
 * await pool.close();
 * ```
 */
export interface ParquetEncoderPool {
  readonly threads: number;
  /**
   * Encodes a batch on a worker thread: byte for byte what `encodeParquet(batch, encodeOptions)`
   * returns. Bound to the pool (pass it as `encode` as is). Rejects with
   * {@link EncoderPoolError}: `ENCODE_FAILED` (naming the dataset and row count),
   * `POOL_QUEUE_FULL` or `POOL_CLOSED`.
   */
  encode(batch: ColumnBatch): Promise<Uint8Array>;
  /** Takes no new batches, lets the accepted ones finish, then ends the threads. Idempotent. */
  close(): Promise<void>;
  stats(): ParquetEncoderPoolStats;
}

/** A batch as it crosses to a worker: no functions, only the data encodeParquet reads. */
export interface EncodeTask {
  dataset: string;
  columns: Array<Pick<ColumnDef, 'name' | 'type'>>;
  values: ReadonlyArray<unknown[]>;
  rows: number;
}

/** What every worker gets at start. */
export interface EncoderWorkerSetup {
  encodeOptions: EncodeParquetOptions;
}

/** Set per output format by the build (tsup.config.ts); absent when running the sources. */
declare const __LOGPIPE_BUILD_FORMAT__: 'esm' | 'cjs';

/** The worker entry next to the running build: `parquet-worker.cjs` (CJS) or `parquet-worker.js` (ESM). */
function workerFile(): string {
  // Not `typeof __dirname`: some hosts define a global __dirname for ESM code too.
  const format = typeof __LOGPIPE_BUILD_FORMAT__ === 'string' ? __LOGPIPE_BUILD_FORMAT__ : 'esm';
  if (format === 'cjs') return join(__dirname, 'parquet-worker.cjs');
  return fileURLToPath(new URL('./parquet-worker.js', import.meta.url));
}

class EncoderPool implements ParquetEncoderPool {
  readonly threads: number;
  private readonly maxQueue: number;
  private readonly workers: WorkerThreads;
  private readonly counts: ParquetEncoderPoolStats;

  constructor(options: ParquetEncoderPoolOptions) {
    this.threads = intOption('threads', options.threads ?? availableParallelism(), 1);
    this.maxQueue = intOption('maxQueue', options.maxQueue ?? DEFAULT_ENCODER_MAX_QUEUE, 0);
    const encodeOptions: EncodeParquetOptions = {};
    const given = options.encodeOptions ?? {};
    if (given.compression !== undefined) encodeOptions.compression = given.compression;
    if (given.rowGroupSize !== undefined) encodeOptions.rowGroupSize = given.rowGroupSize;
    // A bad option (or no zstd) fails here, not on the first batch.
    checkEncodeOptions(encodeOptions);
    this.counts = {
      threads: this.threads,
      encoded: 0,
      rows: 0,
      pending: 0,
      refused: 0,
      failed: 0,
    };
    const workerData: EncoderWorkerSetup = { encodeOptions };
    this.workers = new WorkerThreads({
      filename: workerFile(),
      threads: this.threads,
      workerData,
      resourceLimits: options.resourceLimits,
    });
    this.encode = this.encode.bind(this);
  }

  encode(batch: ColumnBatch): Promise<Uint8Array> {
    const dataset = batch.dataset.name;
    const rows = batch.rows;
    const what = `${rows} rows of dataset ${dataset}`;
    if (this.workers.closed) {
      return Promise.reject(
        new EncoderPoolError(
          'POOL_CLOSED',
          `the Parquet encoder pool is closed; cannot encode ${what}`,
          { dataset, rows },
        ),
      );
    }
    if (this.counts.pending >= this.threads + this.maxQueue) {
      this.counts.refused++;
      return Promise.reject(
        new EncoderPoolError(
          'POOL_QUEUE_FULL',
          `the Parquet encoder pool is full (${this.counts.pending} batches: threads ${this.threads} + maxQueue ${this.maxQueue}); cannot take ${what}`,
          { dataset, rows },
        ),
      );
    }
    const task: EncodeTask = {
      dataset,
      columns: batch.columns.map((c) => ({ name: c.name, type: c.type })),
      values: batch.values,
      rows,
    };
    this.counts.pending++;
    const work = this.workers.run<Uint8Array>(task).then(
      (bytes) => {
        this.counts.pending--;
        this.counts.encoded++;
        this.counts.rows += rows;
        return bytes;
      },
      (err: unknown) => {
        this.counts.pending--;
        this.counts.failed++;
        const reason = err instanceof Error ? err.message : String(err);
        throw new EncoderPoolError(
          'ENCODE_FAILED',
          `cannot encode ${what} on a worker thread: ${reason}`,
          { dataset, rows, cause: err },
        );
      },
    );
    return this.workers.track(work);
  }

  stats(): ParquetEncoderPoolStats {
    return { ...this.counts };
  }

  close(): Promise<void> {
    return this.workers.close();
  }
}

/**
 * Creates a Parquet encoder pool. Options are checked here, once; the threads start in the
 * background (nothing happens at import time).
 *
 * @example
 * ```ts
 * const pool = createParquetEncoderPool({ threads: 2, encodeOptions: { compression: 'ZSTD' } });
 * const bytes = await pool.encode(logColumns(getDataset('alb'), records));
 * await pool.close();
 * ```
 * @throws ConfigError for invalid options (as {@link encodeParquet} would for `encodeOptions`).
 */
export function createParquetEncoderPool(
  options: ParquetEncoderPoolOptions = {},
): ParquetEncoderPool {
  return new EncoderPool(options);
}
