import { gzipSync } from 'node:zlib';
import type {
  CwlLambdaEvent,
  FirehoseTransformRecord,
  KinesisEventRecord,
} from '../decode/decoder.js';
import type { CwlEnvelope } from '../decode/envelope.js';

/**
 * Encoders for every form a CloudWatch Logs payload arrives in: the inverse of
 * the decoder, used by tests, the demo and the benchmarks.
 */

/**
 * Gzips an envelope as CloudWatch Logs does.
 *
 * @example
 * ```ts
 * const bytes = gzipEnvelope({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: [] });
 * ```
 */
export function gzipEnvelope(envelope: CwlEnvelope, level = 6): Buffer {
  return gzipSync(JSON.stringify(envelope), { level });
}

/** A Firehose transformation record carrying a payload. */
export function toFirehoseRecord(
  payload: Uint8Array,
  recordId: string,
  approximateArrivalTimestamp = 0,
): FirehoseTransformRecord {
  return { recordId, approximateArrivalTimestamp, data: Buffer.from(payload).toString('base64') };
}

/** A Firehose data-transformation event, as Firehose invokes the Lambda. */
export interface FirehoseTransformEvent {
  invocationId: string;
  deliveryStreamArn: string;
  sourceKinesisStreamArn?: string;
  region: string;
  records: FirehoseTransformRecord[];
}

/**
 * A Firehose transformation event over payloads (record ids `0`, `1`, …).
 *
 * @example
 * ```ts
 * const event = toFirehoseEvent([gzipEnvelope(env)]);
 * ```
 */
export function toFirehoseEvent(
  payloads: readonly Uint8Array[],
  options: { region?: string; deliveryStreamArn?: string; sourceKinesisStreamArn?: string } = {},
): FirehoseTransformEvent {
  const region = options.region ?? 'us-east-1';
  const event: FirehoseTransformEvent = {
    invocationId: '00540a87-5050-496a-84e4-e7d92bbaf5e2',
    deliveryStreamArn:
      options.deliveryStreamArn ?? `arn:aws:firehose:${region}:123456789012:deliverystream/logpipe`,
    region,
    records: payloads.map((p, i) =>
      toFirehoseRecord(
        p,
        `49546986683135544286507457936321625675700192471156785154${String(i).padStart(4, '0')}`,
      ),
    ),
  };
  if (options.sourceKinesisStreamArn !== undefined)
    event.sourceKinesisStreamArn = options.sourceKinesisStreamArn;
  return event;
}

/** A Lambda Kinesis event over payloads. */
export function toKinesisEvent(
  payloads: readonly Uint8Array[],
  streamArn = 'arn:aws:kinesis:us-east-1:123456789012:stream/logpipe',
): { Records: KinesisEventRecord[] } {
  return {
    Records: payloads.map((p, i) => ({
      kinesis: {
        data: Buffer.from(p).toString('base64'),
        sequenceNumber: `4959033827149025660855969253836157109592157598913658${String(i).padStart(4, '0')}`,
        partitionKey: 'p',
      },
      eventID: `shardId-000000000000:${i}`,
      eventSourceARN: streamArn,
    })),
  };
}

/** The event Lambda receives from a direct CloudWatch Logs subscription. */
export function toCwlLambdaEvent(payload: Uint8Array): CwlLambdaEvent {
  return { awslogs: { data: Buffer.from(payload).toString('base64') } };
}
