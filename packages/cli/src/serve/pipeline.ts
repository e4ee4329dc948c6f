/**
 * The fan-out after decoding: one input batch goes to every sink that takes its kind of
 * record, and its undecodable records to the input dead-letter file. The batch is durable
 * (and its input may be acknowledged) only when every one of those writes resolved; one
 * failure fails the batch, so the sender retries the whole input (sinks that had succeeded
 * get those records again: delivery is at least once, duplicates carry the same event ids).
 */
import type { LogRecord, MetricRecord } from '@logpipe/core';
import type { InputDeadLetter, InputDeadLetterFile } from './dead-letter.js';
import { SinkWriteError } from './errors.js';
import { errorFields, type Logger } from './log.js';
import type { ServeMetrics } from './self-metrics.js';
import type { Sink } from './sinks/types.js';

/** What one input carried, decoded. */
export interface InputBatch {
  /** The source: `firehose`, `fluent-bit`, `stdin`. */
  source: string;
  /** Names the input in logs: a request id, a body hash. */
  input: string;
  records: LogRecord[];
  metrics: MetricRecord[];
  /** Records that could not be decoded; they go to the input dead-letter file. */
  failures: InputDeadLetter[];
}

const NONE: readonly never[] = [];

function codeOf(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' && c !== '' ? c : 'WRITE_FAILED';
}

/**
 * Writes batches to the sinks.
 *
 * @example
 * ```ts
 * const pipeline = new Pipeline(sinks, deadLetters, metrics, log);
 * await pipeline.write({ source: 'firehose', input: requestId, records, metrics: [], failures: [] });
 * ```
 */
export class Pipeline {
  constructor(
    private readonly sinks: readonly Sink[],
    private readonly deadLetters: InputDeadLetterFile,
    private readonly m: ServeMetrics,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves once every sink made the batch durable; rejects with a {@link SinkWriteError}
   * naming the sinks that failed.
   */
  async write(batch: InputBatch): Promise<void> {
    const jobs: Promise<void>[] = [];
    const names: string[] = [];
    for (const sink of this.sinks) {
      const records = sink.takesLogs ? batch.records : NONE;
      const metrics = sink.takesMetrics ? batch.metrics : NONE;
      if (records.length === 0 && metrics.length === 0) continue;
      names.push(sink.name);
      jobs.push(this.toSink(sink, records, metrics));
    }
    if (batch.failures.length > 0) {
      names.push('dead_letter');
      jobs.push(this.deadLetter(batch));
    }
    if (jobs.length === 0) return;
    const settled = await Promise.allSettled(jobs);
    const failures: Array<{ sink: string; code: string; message: string }> = [];
    settled.forEach((r, i) => {
      if (r.status === 'rejected') {
        failures.push({
          sink: names[i] as string,
          code: codeOf(r.reason),
          message: r.reason instanceof Error ? r.reason.message : String(r.reason),
        });
      }
    });
    if (failures.length > 0) {
      const err = new SinkWriteError(failures);
      this.log.warn('batch not durable; the input is not acknowledged', {
        source: batch.source,
        input: batch.input,
        ...errorFields(err),
      });
      throw err;
    }
  }

  private async toSink(
    sink: Sink,
    records: readonly LogRecord[],
    metrics: readonly MetricRecord[],
  ): Promise<void> {
    const started = process.hrtime.bigint();
    this.m.sinkBatchRecords.observe([sink.name], records.length + metrics.length);
    try {
      await sink.write(records, metrics);
    } catch (err) {
      this.m.errors.inc([sink.name, codeOf(err)]);
      throw err;
    }
    this.m.sinkWriteSeconds.observe([sink.name], Number(process.hrtime.bigint() - started) / 1e9);
    if (records.length > 0) this.m.sinkSent.inc([sink.name, 'log'], records.length);
    if (metrics.length > 0) this.m.sinkSent.inc([sink.name, 'metric'], metrics.length);
  }

  private async deadLetter(batch: InputBatch): Promise<void> {
    try {
      await this.deadLetters.write(batch.failures);
    } catch (err) {
      this.m.errors.inc(['dead_letter', codeOf(err)]);
      throw err;
    }
    for (const f of batch.failures) {
      this.m.deadLettered.inc([batch.source, f.code]);
      this.m.dropped.inc([batch.source, 'undecodable', 'false']);
    }
    this.log.warn('input records dead-lettered', {
      source: batch.source,
      input: batch.input,
      count: batch.failures.length,
      codes: [...new Set(batch.failures.map((f) => f.code))],
      file: this.deadLetters.path,
    });
  }
}
