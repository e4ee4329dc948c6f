import { createLakeWriter, encodeParquet } from '@logpipe/s3-parquet';
import type { Io } from '../io.js';
import { lakeStorage } from '../lake.js';
import {
  classifierFor,
  type DecodeCommandOptions,
  type DecodeSummary,
  emptySummary,
  processInput,
} from './decode.js';

/** Options of `logpipe ingest`. */
export interface IngestOptions extends DecodeCommandOptions {
  /** Local lake directory. */
  lake: string;
}

/** What one ingest run did. */
export interface IngestSummary extends DecodeSummary {
  files: number;
  rowsWritten: number;
  bytesWritten: number;
}

/**
 * `logpipe ingest [FILE…|-] --lake DIR`: decodes every input `logpipe decode`
 * accepts and writes the records into the local Parquet lake. Exit status 1
 * when any input record failed to decode or any file failed to write.
 */
export async function runIngest(
  files: readonly string[],
  options: IngestOptions,
  io: Io,
): Promise<IngestSummary> {
  const storage = lakeStorage(options.lake);
  const root = storage.describe();
  const writer = createLakeWriter({ storage, encode: encodeParquet });
  const classifier = classifierFor(options);
  const summary = emptySummary();
  const durable: Promise<void>[] = [];
  for (const file of files.length === 0 ? ['-'] : files) {
    await processInput(file, options, io, classifier, summary, async (out) => {
      const written = writer.write(out.records, out.metrics);
      // Observed below with allSettled; marked handled now, as a file may fail before then.
      written.catch(() => undefined);
      durable.push(written);
    });
  }
  await writer.close();
  const results = await Promise.allSettled(durable);
  let writeErrors = 0;
  for (const r of results) {
    if (r.status === 'rejected') {
      writeErrors++;
      io.stderr.write(
        `error ${(r.reason as { code?: string }).code ?? 'WRITE_FAILED'}: ${(r.reason as Error).message}\n`,
      );
    }
  }
  const result: IngestSummary = {
    ...summary,
    exitCode: summary.errors > 0 || writeErrors > 0 ? 1 : 0,
    files: writer.stats.filesWritten,
    rowsWritten: writer.stats.rowsWritten,
    bytesWritten: writer.stats.bytesWritten,
  };
  io.stdout.write(
    `logpipe ingest: ${result.records} records and ${result.metrics} metrics decoded, ${result.rowsWritten} rows in ${result.files} Parquet files under ${root}; ${result.errors} failed inputs\n`,
  );
  return result;
}
