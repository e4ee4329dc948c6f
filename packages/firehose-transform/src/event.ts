/**
 * Shapes of the Firehose data-transformation event and response.
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 */

/** Kinesis metadata Firehose adds when its source is a Kinesis data stream. */
export interface KinesisRecordMetadata {
  shardId: string;
  partitionKey: string;
  /** Epoch ms, or an ISO 8601 string as in the Lambda guide's sample event. */
  approximateArrivalTimestamp: number | string;
  sequenceNumber: string;
  subsequenceNumber: string;
}

/** One input record of a transformation invocation. */
export interface FirehoseTransformationEventRecord {
  recordId: string;
  approximateArrivalTimestamp: number;
  /** Base64 of the record data: a gzipped CloudWatch Logs payload when fed by a subscription. */
  data: string;
  kinesisRecordMetadata?: KinesisRecordMetadata | undefined;
}

/** The event Firehose invokes a transformation Lambda with. */
export interface FirehoseTransformationEvent {
  invocationId: string;
  deliveryStreamArn: string;
  /** Present when the delivery stream reads from a Kinesis data stream. */
  sourceKinesisStreamArn?: string | undefined;
  region: string;
  records: FirehoseTransformationEventRecord[];
}

/** The result of one record. */
export type FirehoseRecordResult = 'Ok' | 'Dropped' | 'ProcessingFailed';

/** One output record; exactly one per input `recordId`. */
export interface FirehoseTransformationResultRecord {
  recordId: string;
  result: FirehoseRecordResult;
  /** Base64 of the transformed data (empty for Dropped and ProcessingFailed). */
  data: string;
  metadata?: { partitionKeys: Record<string, string> } | undefined;
}

/** What the handler returns to Firehose. */
export interface FirehoseTransformationResult {
  records: FirehoseTransformationResultRecord[];
}
