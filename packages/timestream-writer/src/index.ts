export type {
  DeadLetter,
  DeadLetterSink,
  NdjsonDeadLetterOptions,
  S3ClientLike,
  S3DeadLetterOptions,
} from './dead-letter.js';
export {
  createNdjsonDeadLetterSink,
  createS3DeadLetterSink,
  DeadLetterSinkError,
} from './dead-letter.js';
export type { InfluxDeadLetterCode, InfluxWriterErrorCode } from './influx/errors.js';
export { INFLUX_DEAD_LETTER_CODES, InfluxWriterError } from './influx/errors.js';
export type {
  InfluxApi,
  InfluxArrayMode,
  InfluxPrecision,
  LineEncoder,
  LineOk,
  LineProtocolOptions,
  LineRejected,
  LineResult,
} from './influx/line-protocol.js';
export {
  createLineEncoder,
  escapeKey,
  escapeMeasurement,
  quoteString,
  toLineProtocol,
} from './influx/line-protocol.js';
export type { InfluxFetch, InfluxWriterOptions } from './influx/options.js';
export { INFLUX_WRITER_DEFAULTS } from './influx/options.js';
export type { InfluxWriteResult, InfluxWriter, InfluxWriterStats } from './influx/writer.js';
export { createInfluxWriter } from './influx/writer.js';
export type { RejectionKind, RequestErrorInfo, RequestErrorKind } from './timestream/classify.js';
export { classifyRejection, classifyRequestError } from './timestream/classify.js';
export type { TimestreamRejectCode } from './timestream/errors.js';
export {
  TIMESTREAM_REJECT_CODES,
  TimestreamRecordError,
  TimestreamWriterClosedError,
} from './timestream/errors.js';
export {
  TIMESTREAM_FUTURE_INGESTION_MS,
  TIMESTREAM_MAX_DIMENSION_NAME_BYTES,
  TIMESTREAM_MAX_DIMENSIONS,
  TIMESTREAM_MAX_MEASURE_NAME_BYTES,
  TIMESTREAM_MAX_MEASURES_PER_RECORD,
  TIMESTREAM_MAX_RECORD_BYTES,
  TIMESTREAM_MAX_RECORDS_PER_REQUEST,
  TIMESTREAM_WRITE_UNIT_BYTES,
} from './timestream/limits.js';
export type { StoreLane, TimestreamValueType } from './timestream/map.js';
export { recordBytes, requestBytes, writeUnits } from './timestream/metering.js';
export type { PackedRequest, PackOptions, PackResult } from './timestream/pack.js';
export { packMetrics } from './timestream/pack.js';
export type {
  TimestreamWriteClientLike,
  TimestreamWriter,
  TimestreamWriterOptions,
  TimestreamWriterStats,
  WriteSummary,
} from './timestream/writer.js';
export { createTimestreamWriter } from './timestream/writer.js';
