import { type CompactionStats, compactLake } from '@logpipe/s3-parquet';
import type { Io } from '../io.js';
import { lakeStorage } from '../lake.js';

/** Options of `logpipe compact`. */
export interface CompactCommandOptions {
  /** Lake location: a local directory or `s3://bucket/prefix`. */
  lake: string;
  /** Only this dataset's partitions. */
  dataset?: string | undefined;
  /** Fewest small files that make a partition worth compacting. */
  minFiles?: number | undefined;
  /** Files larger than this are left alone. */
  smallFileBytes?: number | undefined;
  /** Cap on one merged file (estimated from its inputs). */
  maxOutputBytes?: number | undefined;
  /** Files modified less than this many seconds ago are left alone. */
  minFileAgeSeconds?: number | undefined;
  /** A marker older than this many seconds is taken for a crashed compaction. */
  markerLeaseSeconds?: number | undefined;
}

/** What one compact run did, and its exit status. */
export interface CompactSummary extends CompactionStats {
  exitCode: number;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function seconds(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1000;
}

/**
 * `logpipe compact [--lake DIR|s3://bucket/prefix] [--dataset D] …`: merges the small Parquet
 * files of each partition (see `compactLake` in `@logpipe/s3-parquet`), prints a summary line,
 * and reports each failed partition on standard error. Exit status 1 when any partition failed.
 */
export async function runCompact(options: CompactCommandOptions, io: Io): Promise<CompactSummary> {
  const storage = lakeStorage(options.lake);
  const stats = await compactLake({
    storage,
    dataset: options.dataset,
    minFiles: options.minFiles,
    smallFileBytes: options.smallFileBytes,
    maxOutputBytes: options.maxOutputBytes,
    minFileAgeMs: seconds(options.minFileAgeSeconds),
    markerLeaseMs: seconds(options.markerLeaseSeconds),
    onPartition: (result, error) => {
      if (error !== undefined) {
        io.stderr.write(`error ${error.code} in ${result.partition}: ${error.message}\n`);
      } else if (result.status === 'busy') {
        io.stderr.write(`busy ${result.partition}: ${result.reason ?? ''}\n`);
      }
    },
  });
  const summary: CompactSummary = { ...stats, exitCode: stats.partitionsFailed > 0 ? 1 : 0 };
  io.stdout.write(
    `logpipe compact: ${stats.partitionsSeen} partitions under ${storage.describe()}: ` +
      `${stats.partitionsCompacted} compacted (${stats.filesIn} files → ${stats.filesOut}, ` +
      `${stats.rows} rows, ${mb(stats.bytesBefore)} MB → ${mb(stats.bytesAfter)} MB), ` +
      `${stats.partitionsSkipped} skipped, ${stats.partitionsBusy} busy, ` +
      `${stats.partitionsFailed} failed; crashed compactions: ${stats.markersFinished} finished, ` +
      `${stats.markersRolledBack} rolled back\n`,
  );
  return summary;
}
