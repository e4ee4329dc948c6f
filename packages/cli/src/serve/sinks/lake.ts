/**
 * The Parquet lake sink (local directory or S3) over `@logpipe/s3-parquet`'s writer, whose
 * `write` promise resolves once the rows are in files. Buffers roll by size, by rows, by age
 * (`flushIntervalMs`, which bounds how long a sender waits for its acknowledgement) and when
 * the sidecar's queue passes its high-water mark. With `encodeThreads` > 0 the files are
 * encoded on a Parquet encoder pool of that many worker threads (the same bytes as on the main
 * thread); a batch the pool's queue refuses is encoded on the main thread.
 */
import type { LogRecord, MetricRecord } from '@logpipe/core';
import {
  type ColumnBatch,
  createLakeWriter,
  createParquetEncoderPool,
  EncoderPoolError,
  encodeParquet,
  type ParquetEncoderPool,
} from '@logpipe/s3-parquet';
import { lakeStorage } from '../../lake.js';
import type { LakeSinkConfig } from '../config.js';
import { flattenStats, type Sink } from './types.js';

/** Options of {@link createLakeSink}. */
export interface LakeSinkOptions {
  /** Threads of the sink's Parquet encoder pool; 0 or undefined: encode on the main thread. */
  encodeThreads?: number | undefined;
}

/**
 * Creates the lake sink of a config entry.
 *
 * @example
 * ```ts
 * const sink = createLakeSink({ type: 'lake', location: './lake', metrics: true, flushIntervalMs: 5000 }, 'lake', { encodeThreads: 2 });
 * await sink.write(records, metrics);
 * ```
 */
export function createLakeSink(
  cfg: LakeSinkConfig,
  name: string,
  options: LakeSinkOptions = {},
): Sink {
  const storage = lakeStorage(cfg.location);
  const compression = cfg.compression;
  const encodeOptions = compression === undefined ? {} : { compression };
  const inline = (batch: ColumnBatch): Uint8Array => encodeParquet(batch, encodeOptions);
  const threads = options.encodeThreads ?? 0;
  const pool: ParquetEncoderPool | undefined =
    threads > 0 ? createParquetEncoderPool({ threads, encodeOptions }) : undefined;
  let inlineFallbacks = 0;
  const encode =
    pool === undefined
      ? inline
      : (batch: ColumnBatch): Promise<Uint8Array> =>
          pool.encode(batch).catch((err: unknown) => {
            // Back-pressure of the pool: this file is encoded here instead of failing its rows.
            if (EncoderPoolError.isInstance(err) && err.code === 'POOL_QUEUE_FULL') {
              inlineFallbacks++;
              return inline(batch);
            }
            throw err;
          });
  let writer: ReturnType<typeof createLakeWriter>;
  try {
    writer = createLakeWriter({
      storage,
      encode,
      mode: 'sidecar',
      maxAgeMs: cfg.flushIntervalMs,
      targetFileBytes: cfg.targetFileBytes,
      maxRows: cfg.maxRows,
      maxBufferedBytes: cfg.maxBufferedBytes,
    });
  } catch (err) {
    void pool?.close();
    throw err;
  }
  const noMetrics: readonly MetricRecord[] = [];
  let closing: Promise<void> | undefined;
  return {
    name,
    type: 'lake',
    takesLogs: true,
    takesMetrics: cfg.metrics,
    write(records: readonly LogRecord[], metrics: readonly MetricRecord[]) {
      try {
        return writer.write(records, cfg.metrics ? metrics : noMetrics);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    flush: () => writer.flush(),
    // The encoder pool ends only after the writer flushed its last files through it.
    close: () => {
      closing ??= writer.close().finally(() => pool?.close());
      return closing;
    },
    stats: () =>
      flattenStats(
        pool === undefined
          ? writer.stats
          : { ...writer.stats, encoder: { ...pool.stats(), inlineFallbacks } },
      ),
    describe: () => storage.describe(),
  };
}
