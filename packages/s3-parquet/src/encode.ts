import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as zlib from 'node:zlib';
import { type ColumnDef, ConfigError } from '@logpipe/core';
import { ByteWriter, parquetWrite, type SchemaElement } from 'hyparquet-writer';
import type { ColumnBatch } from './columns.js';

/** Compression codecs {@link encodeParquet} writes. */
export type ParquetCompression = 'ZSTD' | 'SNAPPY' | 'UNCOMPRESSED';

/** Options of {@link encodeParquet}. */
export interface EncodeParquetOptions {
  /**
   * Page compression. Default `'ZSTD'` (level 3) on every supported Node:
   * `zlib.zstdCompressSync` where the runtime has it (Node ≥ 22.15 / ≥ 23.8),
   * else the WebAssembly build of libzstd in `@bokuweb/zstd-wasm`.
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

/** zstd level of every ZSTD page: libzstd's default, the one Node's zlib uses too. */
const ZSTD_LEVEL = 3;

/** The package that brings zstd to a Node without `zlib.zstdCompressSync` (Node 20). */
const ZSTD_WASM_PACKAGE = '@bokuweb/zstd-wasm';

type Compressor = (input: Uint8Array) => Uint8Array;

/** zlib's synchronous zstd, when this Node has it (Node 20 does not). */
function nodeZstd(): Compressor | undefined {
  const compress = (
    zlib as {
      zstdCompressSync?: (b: Uint8Array, o?: { params?: Record<number, number> }) => Uint8Array;
    }
  ).zstdCompressSync;
  const levelParam = (zlib.constants as Record<string, number | undefined>).ZSTD_c_compressionLevel;
  if (typeof compress !== 'function' || levelParam === undefined) return undefined;
  const options = { params: { [levelParam]: ZSTD_LEVEL } };
  return (input) => {
    const out = compress(input, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
}

/** A WebAssembly instance, as far as this file needs it (@types/node 20 has no WebAssembly types). */
interface WasmInstance {
  exports: object;
}

/** The synchronous WebAssembly constructors of the runtime. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}

/** The parts of `@bokuweb/zstd-wasm`'s Emscripten module this file touches. */
interface ZstdWasmModule {
  calledRun?: boolean;
  instantiateWasm?: (imports: object, receive: (instance: WasmInstance) => void) => object;
  init(): void;
}

function started(module: ZstdWasmModule): boolean {
  return module.calledRun === true;
}

/** A `require` that resolves from this file, in the CJS and the ESM build alike. */
function requireFromHere(): NodeJS.Require {
  // The CJS build. (An ESM bundle may hold esbuild's require stand-in, without resolve.)
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  // The ESM build. The try also keeps esbuild from warning about import.meta
  // in the CJS build, where this line never runs.
  try {
    return createRequire(import.meta.url);
  } catch (cause) {
    throw new Error('cannot make a require() for this module', { cause });
  }
}

/**
 * libzstd compiled to WebAssembly (`@bokuweb/zstd-wasm`, pinned), started
 * synchronously. The package's own `init()` is async; its Emscripten module
 * takes the standard `instantiateWasm` hook, so the wasm is compiled and
 * instantiated here with the synchronous `WebAssembly.Module` /
 * `WebAssembly.Instance` (Node sets no size limit on those), and `compress`
 * is usable on return. `module.js` and `zstd.wasm` sit beside the package's
 * main file; the version is pinned because that layout is not its public API.
 */
function wasmZstd(): Compressor {
  const requireHere = requireFromHere();
  const main = requireHere.resolve(ZSTD_WASM_PACKAGE);
  const dir = dirname(main);
  const { Module } = requireHere(join(dir, 'module.js')) as { Module: ZstdWasmModule };
  if (!started(Module)) {
    // Not started yet (by us or by anyone calling the package's init()).
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const bytes = readFileSync(join(dir, 'zstd.wasm'));
    Module.instantiateWasm = (imports, receive) => {
      const instance = new wasm.Instance(new wasm.Module(bytes), imports);
      receive(instance);
      return instance.exports;
    };
    try {
      Module.init();
    } finally {
      delete Module.instantiateWasm;
    }
    if (!started(Module)) throw new Error(`${ZSTD_WASM_PACKAGE} did not start`);
  }
  const { compress } = requireHere(main) as {
    compress: (input: Uint8Array, level?: number) => Uint8Array;
  };
  return (input) => compress(input, ZSTD_LEVEL);
}

/** zstd as loaded by {@link loadZstd}: the compressor, or why there is none. */
let zstd: { compress: Compressor } | { error: unknown } | undefined;

/** zlib's zstd where present, else the wasm one; loaded on first use, then kept. */
function loadZstd(): { compress: Compressor } | { error: unknown } {
  if (zstd === undefined) {
    const native = nodeZstd();
    if (native !== undefined) zstd = { compress: native };
    else {
      try {
        zstd = { compress: wasmZstd() };
      } catch (error) {
        zstd = { error };
      }
    }
  }
  return zstd;
}

/**
 * Whether this process can write ZSTD pages. True on every supported Node
 * with a normal install (Node's zlib zstd, else `@bokuweb/zstd-wasm`); false
 * only when neither loads, e.g. a bundle that left out the package or its
 * `zstd.wasm` file. The first call loads the compressor (a few ms).
 *
 * @example
 * ```ts
 * const compression = zstdAvailable() ? 'ZSTD' : 'SNAPPY';
 * ```
 */
export function zstdAvailable(): boolean {
  return 'compress' in loadZstd();
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
  const asked = options.compression;
  if (asked !== undefined && asked !== 'ZSTD' && asked !== 'SNAPPY' && asked !== 'UNCOMPRESSED') {
    throw new ConfigError(`compression must be ZSTD, SNAPPY or UNCOMPRESSED, got ${String(asked)}`);
  }
  const codec = asked ?? 'ZSTD';
  if (codec !== 'ZSTD') return { codec, compressors: {}, rowGroupSize };
  const loaded = loadZstd();
  if (!('compress' in loaded)) {
    throw new ConfigError(
      `compression ZSTD needs zlib.zstdCompressSync (Node >= 22.15) or the ${ZSTD_WASM_PACKAGE} package with its zstd.wasm file, and neither loads on Node ${process.versions.node}; ship ${ZSTD_WASM_PACKAGE} (mark it external when bundling) or set compression: 'SNAPPY'`,
      { cause: loaded.error },
    );
  }
  return { codec, compressors: { ZSTD: loaded.compress }, rowGroupSize };
}

/**
 * Validates encode options as {@link encodeParquet} does (and loads zstd for ZSTD), without
 * encoding: the encoder pool checks its options on the calling thread with it.
 *
 * @throws ConfigError like {@link encodeParquet}.
 */
export function checkEncodeOptions(options: EncodeParquetOptions): void {
  resolveOptions(options);
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
 * Pages are ZSTD-compressed by default (see {@link EncodeParquetOptions.compression}).
 *
 * @throws ConfigError on a bad option, or ZSTD (the default) when no zstd loads (see {@link zstdAvailable}).
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
