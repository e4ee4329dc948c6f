import {
  createClassifier,
  createDecoder,
  generateWorkload,
  gzipEnvelope,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
  type WorkloadFormat,
} from '@logpipe/core';
import { createLakeWriter, encodeParquet } from '@logpipe/s3-parquet';
import Table from 'cli-table3';
import type { Io } from '../io.js';
import { lakeStorage } from '../lake.js';

/** Options of `logpipe demo`. */
export interface DemoOptions {
  events: number;
  seed: number;
  formats?: readonly WorkloadFormat[] | undefined;
  /** Local lake directory to write into; `false` skips writing. */
  lake: string | false;
}

/** What one demo run measured. */
export interface DemoResult {
  payloads: number;
  events: number;
  records: number;
  metrics: number;
  fallbacks: number;
  byDataset: Record<string, number>;
  compressedBytes: number;
  decompressedBytes: number;
  seconds: number;
  /** Events whose dataset differs from what the generator intended. */
  misplaced: number;
  /** What was written to the lake, when one was given. */
  lake?: { root: string; files: number; rows: number; bytes: number; seconds: number } | undefined;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * `logpipe demo`: generates a seeded workload of gzipped CloudWatch Logs
 * payloads, decodes and parses them, and prints a summary.
 */
export async function runDemo(options: DemoOptions, io: Io): Promise<DemoResult> {
  io.stdout.write(`Generating ${options.events} events (seed ${options.seed})…\n`);
  const payloads: Buffer[] = [];
  const intended: string[][] = [];
  for (const p of generateWorkload({
    events: options.events,
    seed: options.seed,
    formats: options.formats,
  })) {
    payloads.push(gzipEnvelope(p.envelope));
    intended.push(p.expected.map((e) => e.dataset));
  }
  const decoder = createDecoder();
  const classifier = createClassifier();
  const result: DemoResult = {
    payloads: payloads.length,
    events: 0,
    records: 0,
    metrics: 0,
    fallbacks: 0,
    byDataset: {},
    compressedBytes: 0,
    decompressedBytes: 0,
    seconds: 0,
    misplaced: 0,
  };
  const records: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < payloads.length; i++) {
    const bytes = payloads[i]!;
    const decoded = decoder.bytes(bytes, `payload ${i}`);
    if (!decoded.ok) throw decoded.error;
    const out = processEnvelope(decoded.value.envelope, classifier);
    result.compressedBytes += bytes.length;
    result.decompressedBytes += decoded.value.decompressedBytes;
    result.events += decoded.value.envelope.logEvents.length;
    result.records += out.records.length;
    result.metrics += out.metrics.length;
    result.fallbacks += out.fallbacks;
    if (options.lake !== false) {
      for (const r of out.records) records.push(r);
      for (const m of out.metrics) metrics.push(m);
    }
    const want = intended[i]!;
    for (let j = 0; j < out.records.length; j++) {
      const ds = out.records[j]!.dataset;
      result.byDataset[ds] = (result.byDataset[ds] ?? 0) + 1;
      if (ds !== want[j]) result.misplaced++;
    }
  }
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (options.lake !== false) {
    const t0 = process.hrtime.bigint();
    const storage = lakeStorage(options.lake);
    const root = storage.describe();
    const writer = createLakeWriter({ storage, encode: encodeParquet });
    const durable = writer.write(records, metrics);
    // Awaited below; marked handled now, as a file may fail while close() writes the others.
    durable.catch(() => undefined);
    await writer.close();
    await durable;
    result.lake = {
      root,
      files: writer.stats.filesWritten,
      rows: writer.stats.rowsWritten,
      bytes: writer.stats.bytesWritten,
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    };
  }

  const plain = !(io.stdout as { isTTY?: boolean }).isTTY;
  const table = new Table({
    head: ['dataset', 'records'],
    colAligns: ['left', 'right'],
    ...(plain ? { style: { head: [], border: [] } } : {}),
  });
  for (const [ds, n] of Object.entries(result.byDataset).sort()) table.push([ds, n]);
  table.push(['metric records derived', result.metrics]);
  io.stdout.write(`${table.toString()}\n`);
  const rate = result.events / result.seconds;
  io.stdout.write(
    [
      `payloads: ${result.payloads}  events: ${result.events}  records: ${result.records}  lines that fell back to app: ${result.fallbacks}  misplaced: ${result.misplaced}`,
      `bytes: ${mb(result.compressedBytes)} MB gzip → ${mb(result.decompressedBytes)} MB JSON`,
      `decode + classify + parse: ${result.seconds.toFixed(2)} s, ${Math.round(rate).toLocaleString('en-US')} events/s, ${mb(result.decompressedBytes / result.seconds)} MB/s (one thread)`,
      result.lake === undefined
        ? 'lake: not written (--no-lake)'
        : `lake: ${result.lake.rows} rows in ${result.lake.files} Parquet files, ${mb(result.lake.bytes)} MB, under ${result.lake.root} (${result.lake.seconds.toFixed(2)} s)`,
      result.records === result.events
        ? 'every event became exactly one record'
        : `MISMATCH: ${result.events} events but ${result.records} records`,
      '',
    ].join('\n'),
  );
  if (result.lake !== undefined && options.lake !== false && !options.lake.startsWith('s3://')) {
    // A few real Logs Insights queries over what was just written (DuckDB, loaded on demand).
    const { runDemoQueries } = await import('./query.js');
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const r of records) {
      if (r.time < from) from = r.time;
      if (r.time >= to) to = r.time + 1;
    }
    if (from < to) await runDemoQueries(options.lake, { from, to }, io);
  }
  return result;
}
