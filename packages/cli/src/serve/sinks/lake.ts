/**
 * The Parquet lake sink (local directory or S3) over `@logpipe/s3-parquet`'s writer, whose
 * `write` promise resolves once the rows are in files. Buffers roll by size, by rows, by age
 * (`flushIntervalMs`, which bounds how long a sender waits for its acknowledgement) and when
 * the sidecar's queue passes its high-water mark.
 */
import type { LogRecord, MetricRecord } from '@logpipe/core';
import { createLakeWriter, encodeParquet } from '@logpipe/s3-parquet';
import { lakeStorage } from '../../lake.js';
import type { LakeSinkConfig } from '../config.js';
import { flattenStats, type Sink } from './types.js';

/**
 * Creates the lake sink of a config entry.
 *
 * @example
 * ```ts
 * const sink = createLakeSink({ type: 'lake', location: './lake', metrics: true, flushIntervalMs: 5000 }, 'lake');
 * await sink.write(records, metrics);
 * ```
 */
export function createLakeSink(cfg: LakeSinkConfig, name: string): Sink {
  const storage = lakeStorage(cfg.location);
  const compression = cfg.compression;
  const writer = createLakeWriter({
    storage,
    encode:
      compression === undefined ? encodeParquet : (batch) => encodeParquet(batch, { compression }),
    mode: 'sidecar',
    maxAgeMs: cfg.flushIntervalMs,
    targetFileBytes: cfg.targetFileBytes,
    maxRows: cfg.maxRows,
    maxBufferedBytes: cfg.maxBufferedBytes,
  });
  const noMetrics: readonly MetricRecord[] = [];
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
    close: () => writer.close(),
    stats: () => flattenStats(writer.stats),
    describe: () => storage.describe(),
  };
}
