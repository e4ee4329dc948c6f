import * as zlib from 'node:zlib';
import { type ColumnDef, ConfigError } from '@logpipe/core';
import { ByteWriter, parquetWrite, type SchemaElement } from 'hyparquet-writer';
import type { ColumnBatch } from './columns.js';

/** Compression codecs {@link encodeParquet} writes. */
export type ParquetCompression = 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED';

/** Options of {@link encodeParquet}. */
export interface EncodeParquetOptions {
  /**
   * Page compression. Default `'ZSTD'` where the runtime has
   * `zlib.zstdCompressSync` (Node ≥ 22.15 / ≥ 23.8), else `'SNAPPY'`.
   * Asking for `'ZSTD'` explicitly on a runtime without it throws a ConfigError.
   */
  compression?: ParquetCompression | undefined;
  /** Rows per row group. Default {@link DEFAULT_ROW_GROUP_SIZE}. */
  rowGroupSize?: number | undefined;
}

/** Default rows per row group of {@link encodeParquet}. */
export const DEFAULT_ROW_GROUP_SIZE = 100_000;

/** `created_by` written in every file's footer. */
const CREATED_BY = 'logpipe @logpipe/s3-parquet (hyparquet-writer)';

/**
 * Min/max statistics of strings keep this many bytes (hyparquet-writer's
 * default is 16); long enough for log group names, ARNs, IPv6 addresses.
 */
const STATISTICS_TRUNCATE_BYTES = 64;

type Compressor = (input: Uint8Array) => Uint8Array;

/** zlib's synchronous zstd, when this Node has it (Node 20 does not). */
function nodeZstd(): Compressor | undefined {
  const compress = (zlib as { zstdCompressSync?: (b: Uint8Array) => Uint8Array }).zstdCompressSync;
  if (typeof compress !== 'function') return undefined;
  return (input) => {
    const out = compress(input);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
}

/**
 * Whether this runtime can write ZSTD pages (Node's `zlib.zstdCompressSync`).
 *
 * @example
 * ```ts
 * const compression = zstdAvailable() ? 'ZSTD' : 'SNAPPY';
 * ```
 */
export function zstdAvailable(): boolean {
  return nodeZstd() !== undefined;
}

/** The Parquet schema element of one dataset column (all columns OPTIONAL). */
function schemaElement(col: ColumnDef): SchemaElement[] {
  const name = col.name;
  const repetition_type = 'OPTIONAL' as const;
  switch (col.type) {
    case 'timestamp':
      return [
        {
          name,
          repetition_type,
          type: 'INT64',
          converted_type: 'TIMESTAMP_MILLIS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        },
      ];
    case 'int':
      return [{ name, repetition_type, type: 'INT32' }];
    case 'bigint':
      return [{ name, repetition_type, type: 'INT64' }];
    case 'double':
      return [{ name, repetition_type, type: 'DOUBLE' }];
    case 'boolean':
      return [{ name, repetition_type, type: 'BOOLEAN' }];
    case 'map':
      // MAP<string,string>: OPTIONAL group (MAP) { REPEATED group key_value { REQUIRED key; OPTIONAL value } }
      return [
        {
          name,
          repetition_type,
          num_children: 1,
          converted_type: 'MAP',
          logical_type: { type: 'MAP' },
        },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        {
          name: 'key',
          repetition_type: 'REQUIRED',
          type: 'BYTE_ARRAY',
          converted_type: 'UTF8',
          logical_type: { type: 'STRING' },
        },
        {
          name: 'value',
          repetition_type,
          type: 'BYTE_ARRAY',
          converted_type: 'UTF8',
          logical_type: { type: 'STRING' },
        },
      ];
    default:
      // string, and json (JSON text: Athena reads it with json_extract / json_extract_scalar).
      return [
        {
          name,
          repetition_type,
          type: 'BYTE_ARRAY',
          converted_type: 'UTF8',
          logical_type: { type: 'STRING' },
        },
      ];
  }
}

/** Column values as hyparquet-writer takes them (INT64 as bigint). */
function columnData(col: ColumnDef, values: unknown[]): unknown[] {
  if (col.type === 'bigint') {
    const out = new Array<bigint | null>(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = v === null || v === undefined ? null : BigInt(v as number);
    }
    return out;
  }
  if (col.type === 'map') {
    const out = new Array<unknown>(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // hyparquet-writer takes a map as an array of {key, value} entries.
      out[i] =
        v === null || v === undefined
          ? null
          : Object.entries(v as Record<string, unknown>).map(([key, value]) => ({
              key,
              value: value === null || value === undefined ? null : String(value),
            }));
    }
    return out;
  }
  return values;
}

function resolveOptions(options: EncodeParquetOptions): {
  codec: ParquetCompression;
  compressors: Record<string, Compressor>;
  rowGroupSize: number;
} {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new ConfigError(
      `rowGroupSize must be a positive integer, got ${String(options.rowGroupSize)}`,
    );
  }
  const zstd = nodeZstd();
  const asked = options.compression;
  if (asked !== undefined && asked !== 'ZSTD' && asked !== 'SNAPPY' && asked !== 'UNCOMPRESSED') {
    throw new ConfigError(`compression must be ZSTD, SNAPPY or UNCOMPRESSED, got ${String(asked)}`);
  }
  if (asked === 'ZSTD' && zstd === undefined) {
    throw new ConfigError(
      `compression ZSTD needs zlib.zstdCompressSync (Node >= 22.15); this is Node ${process.versions.node}. Use SNAPPY or leave compression unset`,
    );
  }
  const codec = asked ?? (zstd === undefined ? 'SNAPPY' : 'ZSTD');
  return { codec, compressors: zstd === undefined ? {} : { ZSTD: zstd }, rowGroupSize };
}

/**
 * Encodes one dataset batch as a Parquet file, with hyparquet-writer (pure JS).
 *
 * Every declared column is in the file, in declaration order, OPTIONAL, even
 * when all its values are null. Types:
 * - `timestamp` → INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true)
 * - `string` → BYTE_ARRAY STRING (UTF8)
 * - `json` → BYTE_ARRAY STRING holding JSON text (query with `json_extract`)
 * - `map` → MAP<STRING, STRING>
 * - `int` → INT32, `bigint` → INT64, `double` → DOUBLE, `boolean` → BOOLEAN
 *
 * Pages are dictionary-encoded where that at least halves a column chunk
 * (hyparquet-writer's rule: low-cardinality strings), with min/max statistics.
 *
 * @throws ConfigError on a bad option, or `compression: 'ZSTD'` on a Node without zstd.
 * @example
 * ```ts
 * const batch = logColumns(getDataset('alb'), records);
 * const bytes = encodeParquet(batch, { rowGroupSize: 50_000 });
 * await writeFile('alb.parquet', bytes);
 * ```
 */
export function encodeParquet(batch: ColumnBatch, options: EncodeParquetOptions = {}): Uint8Array {
  const { codec, compressors, rowGroupSize } = resolveOptions(options);
  const cols = batch.columns;
  const schema: SchemaElement[] = [{ name: 'root', num_children: cols.length }];
  const data: { name: string; data: unknown[] }[] = [];
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c] as ColumnDef;
    for (const el of schemaElement(col)) schema.push(el);
    const values = batch.values[c];
    if (values === undefined || values.length !== batch.rows) {
      throw new ConfigError(
        `column ${col.name} holds ${values?.length ?? 0} values; the batch has ${batch.rows} rows`,
      );
    }
    data.push({ name: col.name, data: columnData(col, values) });
  }
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    // hyparquet-writer's DecodedArray includes any[]; the cast keeps its types out of ours.
    columnData: data as Parameters<typeof parquetWrite>[0]['columnData'],
    schema,
    codec,
    compressors,
    statistics: true,
    statisticsTruncateLength: STATISTICS_TRUNCATE_BYTES,
    rowGroupSize,
    createdBy: CREATED_BY,
  });
  return new Uint8Array(writer.getBuffer());
}
