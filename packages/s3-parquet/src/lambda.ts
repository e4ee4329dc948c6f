import { createHash } from 'node:crypto';
import {
  type Classifier,
  type CwlLambdaEvent,
  createClassifier,
  createDecoder,
  type DecodeError,
  type DecodeResult,
  type DecoderOptions,
  hourStart,
  type KinesisEventRecord,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import type { ColumnBatch } from './columns.js';
import { encodeParquet } from './encode.js';
import type { LakeStorage } from './storage/types.js';
import { createLakeWriter, type LakeWriterOptions } from './writer.js';

/** Options of {@link createLakeHandler}. */
export interface LakeHandlerOptions {
  /** Where files go: `createS3Storage({ client, bucket, prefix })` in Lambda. */
  storage: LakeStorage;
  /**
   * Parquet encoder (bytes, or a promise of them). Default {@link encodeParquet} with its
   * defaults.
   */
  encode?: ((batch: ColumnBatch) => Uint8Array | Promise<Uint8Array>) | undefined;
  /** Chooses the parser of each event. Default `createClassifier()`. */
  classifier?: Classifier | undefined;
  /** Decoder limits (decompressed-size cap). */
  decoder?: DecoderOptions | undefined;
  /** Buffer limits of the per-invocation writer (mode is always `'lambda'`). */
  writer?: Pick<LakeWriterOptions, 'targetFileBytes' | 'maxRows' | 'maxBufferedBytes'> | undefined;
  /** AWS region recorded as the records' origin. Default `process.env.AWS_REGION`. */
  region?: string | undefined;
  /** Where the one summary line per invocation goes. Default `console.log`; `false` for none. */
  log?: ((line: string) => void) | false | undefined;
  /** Clock, for tests. */
  now?: (() => number) | undefined;
}

/** The events the handler accepts: a direct CloudWatch Logs subscription, or Kinesis. */
export type LakeHandlerEvent = CwlLambdaEvent | { Records: KinesisEventRecord[] };

/** What one invocation did (also the summary line, as JSON). */
export interface LakeInvocationSummary {
  inputs: number;
  records: number;
  metrics: number;
  files: number;
  bytes: number;
  deadLettered: number;
  durationMs: number;
}

/** Prefix of dead-letter objects; a leading `_` keeps Athena, Hive and Spark from reading them. */
export const DEAD_LETTER_PREFIX = '_dead_letter';

/** The dead-letter object of one input that could not be decoded. */
interface DeadLetter {
  source: string;
  code: string;
  reason: string;
  receivedAt: string;
  /** The input exactly as it arrived (base64 of the payload). */
  data: string;
}

function deadLetterKey(now: number, source: string, data: string): string {
  const d = new Date(hourStart(now));
  const p2 = (n: number) => String(n).padStart(2, '0');
  const id = createHash('sha256').update(source).update('\u0000').update(data).digest('hex');
  return `${DEAD_LETTER_PREFIX}/year=${d.getUTCFullYear()}/month=${p2(d.getUTCMonth() + 1)}/day=${p2(d.getUTCDate())}/hour=${p2(d.getUTCHours())}/${id.slice(0, 32)}.json`;
}

/**
 * A Lambda handler that lands CloudWatch Logs subscription payloads in the lake: for a
 * direct subscription (`{awslogs:{data}}`) or a Kinesis stream fed by one. Each invocation
 * gets its own writer in `'lambda'` mode and writes everything it has before returning.
 *
 * Nothing is lost:
 * - an input that cannot be decoded is dead-lettered with its error code and reason, as
 *   `_dead_letter/year=…/hour=…/<hash>.json` in the same storage (ignored by Athena);
 * - a file or dead letter that cannot be written makes the invocation throw, so Lambda
 *   retries the same event (async invocation, Kinesis batch); file keys are a hash of
 *   their rows, so the retry overwrites what the failed attempt did write instead of
 *   duplicating it.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { createLakeHandler, createS3Storage } from '@logpipe/s3-parquet';
 * const storage = createS3Storage({ client: new S3Client({}), bucket: 'my-lake', prefix: 'logs/' });
 * export const handler = createLakeHandler({ storage });
 * ```
 */
export function createLakeHandler(
  options: LakeHandlerOptions,
): (event: LakeHandlerEvent) => Promise<LakeInvocationSummary> {
  const decoder = createDecoder(options.decoder);
  const classifier = options.classifier ?? createClassifier();
  const encode = options.encode ?? ((batch: ColumnBatch) => encodeParquet(batch));
  const now = options.now ?? Date.now;
  const log = options.log === false ? undefined : (options.log ?? ((l) => console.log(l)));
  const region = options.region ?? process.env.AWS_REGION;

  return async (event) => {
    const started = now();
    const inputs: Array<{ result: DecodeResult; data: string; source: string }> = [];
    if ('awslogs' in event && event.awslogs !== undefined) {
      inputs.push({
        result: decoder.lambdaEvent(event),
        data: String(event.awslogs.data),
        source: 'awslogs',
      });
    } else if ('Records' in event && Array.isArray(event.Records)) {
      for (const [i, rec] of event.Records.entries()) {
        inputs.push({
          result: decoder.kinesisRecord(rec),
          data: String(rec.kinesis?.data),
          source: rec.kinesis?.sequenceNumber ?? rec.eventID ?? `Records[${i}]`,
        });
      }
    } else {
      throw new TypeError(
        'createLakeHandler: the event is neither a CloudWatch Logs subscription ({awslogs:{data}}) nor a Kinesis event ({Records:[…]})',
      );
    }

    const writer = createLakeWriter({
      ...options.writer,
      storage: options.storage,
      encode,
      mode: 'lambda',
    });
    const records: LogRecord[] = [];
    const metrics: MetricRecord[] = [];
    const dead: Array<Promise<void>> = [];
    for (const input of inputs) {
      if (input.result.ok) {
        const out = processEnvelope(input.result.value.envelope, classifier, { region });
        for (const r of out.records) records.push(r);
        for (const m of out.metrics) metrics.push(m);
      } else {
        dead.push(deadLetter(options.storage, input.result.error, input.data, started));
      }
    }
    // Both settle before either failure is thrown, so a retry starts from a quiet state. The
    // handlers are attached now: a file can fail while close() is still writing the others.
    const settled = Promise.allSettled([writer.write(records, metrics), Promise.all(dead)]);
    await writer.close();
    const [written, lettered] = await settled;
    if (written.status === 'rejected') throw written.reason;
    if (lettered.status === 'rejected') throw lettered.reason;

    const summary: LakeInvocationSummary = {
      inputs: inputs.length,
      records: records.length,
      metrics: metrics.length,
      files: writer.stats.filesWritten,
      bytes: writer.stats.bytesWritten,
      deadLettered: dead.length,
      durationMs: now() - started,
    };
    log?.(JSON.stringify({ logpipe: 'lake-handler', ...summary }));
    return summary;
  };
}

function deadLetter(
  storage: LakeStorage,
  error: DecodeError,
  data: string,
  now: number,
): Promise<void> {
  const letter: DeadLetter = {
    source: error.source,
    code: error.code,
    reason: error.message,
    receivedAt: new Date(now).toISOString(),
    data,
  };
  const key = deadLetterKey(now, error.source, data);
  return storage.put(key, new TextEncoder().encode(`${JSON.stringify(letter)}\n`));
}
