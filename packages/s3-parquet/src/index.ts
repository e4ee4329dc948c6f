export type { ColumnBatch } from './columns.js';
export { logColumns, metricColumns } from './columns.js';
export type {
  CompactionErrorCode,
  CompactionErrorOptions,
  CompactionMarker,
  CompactionOutput,
  CompactionStats,
  CompactLakeOptions,
  CompactOptions,
  CompactPartitionOptions,
  DecodeParquetOptions,
  ListLakeFilesOptions,
  PartitionCompaction,
} from './compact.js';
export {
  CompactionError,
  compactLake,
  compactPartition,
  DEFAULT_MARKER_LEASE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MIN_FILE_AGE_MS,
  DEFAULT_MIN_FILES,
  DEFAULT_SMALL_FILE_BYTES,
  decodeParquet,
  isCompactionMarkerKey,
  listLakeFiles,
  parseCompactionMarker,
  visibleLakeFiles,
} from './compact.js';
export type { EncodeParquetOptions, ParquetCompression } from './encode.js';
export { DEFAULT_ROW_GROUP_SIZE, encodeParquet, zstdAvailable } from './encode.js';
export type {
  ParquetEncoderPool,
  ParquetEncoderPoolOptions,
  ParquetEncoderPoolStats,
} from './encoder-pool.js';
export { createParquetEncoderPool, DEFAULT_ENCODER_MAX_QUEUE } from './encoder-pool.js';
export type { EncoderPoolErrorCode, EncoderPoolErrorOptions } from './errors.js';
export { EncoderPoolError, StorageError } from './errors.js';
export type {
  LakeHandlerEvent,
  LakeHandlerOptions,
  LakeInvocationSummary,
} from './lambda.js';
export { createLakeHandler, DEAD_LETTER_PREFIX } from './lambda.js';
export type { LocalStorageOptions } from './storage/local.js';
export { createLocalStorage } from './storage/local.js';
export type { S3StorageOptions } from './storage/s3.js';
export { createS3Storage } from './storage/s3.js';
export type { LakeObject, LakeStorage } from './storage/types.js';
export { validateLakeKey, validateLakePrefix } from './storage/types.js';
export type { LakeWriter, LakeWriterOptions, LakeWriterStats } from './writer.js';
export { createLakeWriter } from './writer.js';
