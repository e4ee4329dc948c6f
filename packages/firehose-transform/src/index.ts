export { HttpEndpointError, ReingestError } from './errors.js';
export type {
  FirehoseRecordResult,
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
  KinesisRecordMetadata,
} from './event.js';
export type { TransformHandler, TransformOptions, TransformSummary } from './handler.js';
export { createTransformHandler } from './handler.js';
export type {
  HttpEndpointHandler,
  HttpEndpointOptions,
  HttpEndpointStats,
  ReceiveContext,
  ReceivedBatch,
  ReceivedFailure,
} from './http-receiver.js';
export {
  createHttpEndpointHandler,
  DEFAULT_HTTP_CALLBACK_TIMEOUT_MS,
  DEFAULT_HTTP_MAX_DECOMPRESSED_BYTES,
} from './http-receiver.js';
export {
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_RESPONSE_BUDGET_BYTES,
  FIREHOSE_MAX_RECORD_BYTES,
  FIREHOSE_PUT_BATCH_MAX_BYTES,
  FIREHOSE_PUT_BATCH_MAX_RECORDS,
  HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS,
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_PUT_RECORDS_MAX_BYTES,
  KINESIS_PUT_RECORDS_MAX_RECORDS,
  LAMBDA_MAX_RESPONSE_BYTES,
} from './limits.js';
export type { OutputMode } from './output.js';
export { recordLine, renderLines, renderLinesInto } from './output.js';
export type {
  ReingestEntry,
  ReingestOptions,
  ReingestOutcome,
  ReingestTarget,
} from './reingest.js';
export { reingest } from './reingest.js';
