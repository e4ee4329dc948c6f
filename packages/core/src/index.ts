export { LogpipeError, DecodeError, ConfigError } from './errors.js';
export type { LogpipeErrorOptions, DecodeErrorCode } from './errors.js';
export type { LogRecord, LogOrigin, MetricRecord, Measure, MeasureValue } from './model.js';
export type { ColumnDef, ColumnType, DatasetDef } from './datasets/types.js';
export { BUILTIN_DATASETS, getDataset, listDatasets, datasetColumns } from './datasets/index.js';
export type { BuiltinDataset } from './datasets/index.js';
export { LOG_COLUMNS } from './datasets/common.js';
export { PARTITION_KEYS, partitionOf, partitionPath, parsePartitionPath, hourStart } from './layout.js';
export type { Partition } from './layout.js';
export { readEnv } from './env.js';
export type { LogpipeEnv } from './env.js';
export type { Parser, ParseContext, ParseResult, ParseOk, ParseFail } from './parsers/types.js';
export { Rng } from './generator/rng.js';
export type { GeneratedLine } from './generator/rng.js';
export {
  CWL_MAX_BATCH_BYTES,
  CWL_MAX_EVENT_BYTES,
  CWL_EVENT_OVERHEAD_BYTES,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  FIREHOSE_MAX_RECORD_BYTES,
  KINESIS_MAX_RECORD_BYTES,
} from './limits.js';
