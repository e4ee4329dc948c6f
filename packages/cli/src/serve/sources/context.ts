/**
 * What every source shares: the queue, the pipeline, the metrics and the logger.
 */
import type {
  Classifier,
  ClassifierOptions,
  LogRecord,
  MetricRecord,
  WorkerPool,
} from '@logpipe/core';
import type { Logger } from '../log.js';
import type { Pipeline } from '../pipeline.js';
import type { BoundedQueue } from '../queue.js';
import type { ServeMetrics } from '../self-metrics.js';

/** The shared parts a source is built with. */
export interface SourceContext {
  queue: BoundedQueue;
  pipeline: Pipeline;
  metrics: ServeMetrics;
  log: Logger;
  /** `Retry-After` (seconds) on 429 and 503 answers. */
  retryAfterSeconds: number;
  /** True once shutdown began: new input is refused. */
  draining: () => boolean;
  classifierOptions: ClassifierOptions;
  classifier: Classifier;
  /** AWS region recorded as origin of records whose input does not say. */
  region: string | undefined;
  /** Cap on one payload's decompressed size. */
  maxDecompressedBytes: number | undefined;
  /**
   * The worker pool (`workers.threads` > 0) that decodes and parses Firehose requests, built
   * with `classifierOptions` and `maxDecompressedBytes`; undefined when processing stays on
   * the main thread.
   */
  pool: WorkerPool | undefined;
}

/** Estimated memory a batch holds: messages plus a fixed overhead per record. */
export function batchBytes(
  records: readonly LogRecord[],
  metrics: readonly MetricRecord[],
): number {
  let n = metrics.length * 200;
  for (const r of records) n += r.message.length + 160;
  return n;
}

/** Counts a decoded batch as received. */
export function countReceived(
  m: SourceContext['metrics'],
  source: string,
  records: number,
  metrics: number,
): void {
  if (records > 0) m.receivedRecords.inc([source, 'log'], records);
  if (metrics > 0) m.receivedRecords.inc([source, 'metric'], metrics);
  m.batchRecords.observe([source], records + metrics);
}

/** Counts a batch's records as acknowledged. */
export function countAcknowledged(
  m: SourceContext['metrics'],
  source: string,
  records: number,
  metrics: number,
): void {
  if (records > 0) m.acknowledgedRecords.inc([source, 'log'], records);
  if (metrics > 0) m.acknowledgedRecords.inc([source, 'metric'], metrics);
}
