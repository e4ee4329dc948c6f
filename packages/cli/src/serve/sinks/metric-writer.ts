/**
 * Adapts the MetricRecord writers of `@logpipe/timestream-writer` (`createTimestreamWriter`,
 * `createInfluxWriter`) to the {@link Sink} contract: their `write` resolves once every
 * record is ingested or dead-lettered, and rejects with the records it could not account for.
 */
import { join } from 'node:path';
import type { LogRecord, MetricRecord } from '@logpipe/core';
import { createNdjsonDeadLetterSink, type DeadLetterSink } from '@logpipe/timestream-writer';
import { flattenStats, type Sink, type SinkType } from './types.js';

/** What the sidecar needs of a metric writer: the shape both writers share. */
export interface MetricWriterLike {
  write(metrics: readonly MetricRecord[]): Promise<unknown>;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: object;
}

/** The dead-letter file of a metric sink: `<deadLetter.path>/<sink name>.ndjson`. */
export function deadLetterSinkFor(dir: string, sinkName: string): DeadLetterSink {
  return createNdjsonDeadLetterSink({ path: join(dir, `${sinkName}.ndjson`) });
}

/** Wraps a metric writer as a sink that takes MetricRecords only. */
export function metricSink(
  type: SinkType,
  name: string,
  writer: MetricWriterLike,
  where: string,
): Sink {
  return {
    name,
    type,
    takesLogs: false,
    takesMetrics: true,
    async write(_records: readonly LogRecord[], metrics: readonly MetricRecord[]) {
      if (metrics.length === 0) return;
      await writer.write(metrics);
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
    stats: () => flattenStats(writer.stats),
    describe: () => where,
  };
}
