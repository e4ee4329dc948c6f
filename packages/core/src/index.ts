export type { Classifier, ClassifierOptions, ParserOverride } from './classify.js';
export { createClassifier, LOG_GROUP_CONVENTIONS } from './classify.js';
export { LOG_COLUMNS } from './datasets/common.js';
export type { BuiltinDataset } from './datasets/index.js';
export { BUILTIN_DATASETS, datasetColumns, getDataset, listDatasets } from './datasets/index.js';
export type { ColumnDef, ColumnType, DatasetDef } from './datasets/types.js';
export type { VpcFlowField } from './datasets/vpc-flow.js';
export { VPC_FLOW_FIELDS } from './datasets/vpc-flow.js';
export { isGzip } from './decode/bytes.js';
export type {
  CwlDecoder,
  CwlLambdaEvent,
  DecodedPayload,
  DecodeResult,
  DecoderOptions,
  FirehoseTransformRecord,
  KinesisEventRecord,
  LinesResult,
} from './decode/decoder.js';
export { createDecoder } from './decode/decoder.js';
export type { CwlEnvelope, CwlLogEvent } from './decode/envelope.js';
export { envelopeProblem } from './decode/envelope.js';
export { gunzipLibdeflateVersion } from './decode/gunzip.js';
export type {
  DecodedInput,
  InputForm,
  InputOptions,
  InputUnit,
  RawLogEvent,
} from './decode/input.js';
export { decodeInput } from './decode/input.js';
export type { RecordData } from './decode/record-data.js';
export { decodeRecordData } from './decode/record-data.js';
export type { MessageLines } from './decode/scan.js';
export { scannedPartition } from './decode/scan.js';
export type { LogpipeEnv } from './env.js';
export { readEnv } from './env.js';
export type { DecodeErrorCode, LogpipeErrorOptions } from './errors.js';
export { ConfigError, DecodeError, intOption, LogpipeError } from './errors.js';
export { generateAlbLine } from './generator/alb.js';
export type { AppLineKind, GeneratedAppLine } from './generator/app.js';
export { generateAppLine } from './generator/app.js';
export { generateCloudTrailEvent } from './generator/cloudtrail.js';
export type { FirehoseTransformEvent } from './generator/encode.js';
export {
  gzipEnvelope,
  toCwlLambdaEvent,
  toFirehoseEvent,
  toFirehoseRecord,
  toKinesisEvent,
} from './generator/encode.js';
export type { GeneratedLambdaLine, LambdaInvocationOptions } from './generator/lambda.js';
export { generateLambdaInvocation } from './generator/lambda.js';
export type { GeneratedLine } from './generator/rng.js';
export { Rng } from './generator/rng.js';
export { generateVpcFlowCustomLine, generateVpcFlowLine } from './generator/vpc-flow.js';
export type {
  GeneratedEvent,
  GeneratedPayload,
  WorkloadFormat,
  WorkloadOptions,
} from './generator/workload.js';
export { generateWorkload, WORKLOAD_FORMATS } from './generator/workload.js';
export type { Partition } from './layout.js';
export {
  hourStart,
  PARTITION_KEYS,
  parsePartitionPath,
  partitionOf,
  partitionPath,
} from './layout.js';
export {
  CWL_EVENT_OVERHEAD_BYTES,
  CWL_MAX_BATCH_BYTES,
  CWL_MAX_EVENT_BYTES,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  FIREHOSE_MAX_RECORD_BYTES,
  KINESIS_MAX_RECORD_BYTES,
} from './limits.js';
export { LineBuffer } from './line-buffer.js';
export type {
  DimensionSpec,
  DimensionTransform,
  FieldMatch,
  MeasureSpec,
  MeasureStat,
  MetricAggregator,
  MetricRule,
} from './metric-rules.js';
export {
  ALB_TARGET_GROUP_RULE,
  createMetricAggregator,
  VPC_FLOW_INTERFACE_RULE,
} from './metric-rules.js';
export type { MetricStreamBatch } from './metric-stream.js';
export { isMetricStreamDatum, metricStreamRecord, parseMetricStream } from './metric-stream.js';
export type { LogOrigin, LogRecord, Measure, MeasureValue, MetricRecord } from './model.js';
export { createAlbParser, looksLikeAlb } from './parsers/alb.js';
export type { AppFields, AppFormat } from './parsers/app.js';
export {
  appFallback,
  createAppParser,
  createJsonParser,
  createLogfmtParser,
  createTextParser,
} from './parsers/app.js';
export type { CloudTrailFields } from './parsers/cloudtrail.js';
export {
  createCloudTrailParser,
  looksLikeCloudTrail,
  splitCloudTrailLogFile,
} from './parsers/cloudtrail.js';
export { emfMetrics, isEmfDocument } from './parsers/emf.js';
export type { LambdaFields } from './parsers/lambda.js';
export { createLambdaParser, looksLikeLambdaPlatform } from './parsers/lambda.js';
export { formatLogfmt, looksLikeLogfmt, parseLogfmt } from './parsers/logfmt.js';
export type { ParserName, ParserOptions } from './parsers/registry.js';
export { createParser, PARSER_NAMES } from './parsers/registry.js';
export type { ParseContext, ParseFail, ParseOk, ParseResult, Parser } from './parsers/types.js';
export { fail as parseFail, ok as parseOk } from './parsers/types.js';
export type { VpcFlowParserOptions } from './parsers/vpc-flow.js';
export {
  createVpcFlowParser,
  looksLikeVpcFlow,
  parseVpcFlowFormat,
  VPC_FLOW_DEFAULT_FORMAT,
} from './parsers/vpc-flow.js';
export type { WorkerPoolErrorCode } from './pool/errors.js';
export { WorkerPoolError } from './pool/errors.js';
export type { LineMode } from './pool/lines.js';
export { leastLineBytes } from './pool/lines.js';
export type { PoolInput } from './pool/pack.js';
export { estimateDecompressedBytes } from './pool/pack.js';
export type {
  BatchOptions,
  PoolResult,
  RenderedPart,
  RenderedPayload,
  RenderOptions,
  WorkerPool,
  WorkerPoolOptions,
  WorkerPoolStats,
} from './pool/pool.js';
export {
  createWorkerPool,
  DEFAULT_INLINE_BELOW_BYTES,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MIN_CHUNK_BYTES,
} from './pool/pool.js';
export type { LinePartition, PooledPayload } from './pool/task.js';
export type { WorkerRunOptions, WorkerThreadsOptions } from './pool/threads.js';
export { WorkerThreads } from './pool/threads.js';
export type { ProcessedPayload, ProcessOptions } from './process.js';
export { processEnvelope } from './process.js';
export { COMPILED_DATASETS, RecordLineSerializer, recordLineReference } from './record-line.js';
export { describeSdkError, isRetryableSdkError, RETRYABLE_NETWORK_CODES } from './sdk-errors.js';
