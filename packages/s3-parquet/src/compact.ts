/**
 * Compaction of a lake's small files: merges the small Parquet files of one partition into
 * one (or a few) larger files, with a marker protocol that lets marker-aware readers see every
 * row exactly once at every instant, and that a crashed compaction can be finished or rolled
 * back from.
 *
 * ## Protocol (one output C from inputs I, all in partition P)
 *
 * Before anything is written, the inputs are read, decoded against the dataset's declared
 * columns, concatenated in key order and encoded as C (`part-<hash of the sorted input
 * keys>.parquet`, so a rerun over the same inputs gives the same name). Then:
 *
 * - (a) put the marker `P/_compaction-<random id>.json` = `{ output: C, inputs: I, startedAt }`,
 *   then list P: if any other marker is there, or an input has gone, delete our marker and
 *   report the partition busy (another compactor is at work). Two compactors that both put a
 *   marker and then list cannot both miss the other (S3 and a local directory are strongly
 *   consistent), so at most one goes on: this needs no conditional put from the storage.
 * - (b) put C;
 * - (c) delete I (one call: one DeleteObjects on S3 for up to 1,000 inputs);
 * - (d) delete the marker.
 *
 * Names starting with `_` are ignored by Athena, Hive, Spark and Trino, and markers do not end
 * in `.parquet`, so they are never read as data.
 *
 * ## What readers see
 *
 * A reader that lists the partition once and applies the marker rule ({@link visibleLakeFiles},
 * {@link listLakeFiles}): "for every marker whose output is listed, hide its inputs; for every
 * marker whose output is not listed, hide its output" sees every row exactly once whatever
 * step the listing falls in: before (b) it sees I, between (b) and (d) it sees C. A reader that
 * lists plainly (Athena without the rule, `read_parquet('P/*.parquet')`) sees the rows of I
 * twice between (b) and (c) — as long as one delete call — and exactly once otherwise.
 *
 * The rule needs each partition's listing taken at one instant: one ListObjectsV2 page on S3
 * (a partition of up to 1,000 files); a local `readdir` of a small directory (not guaranteed by
 * POSIX under concurrent changes). A reader that lists, then reads,
 * may find a listed input deleted by (c): it lists again.
 *
 * ## Recovery and the lease
 *
 * A marker older than `markerLeaseMs` is taken for a crashed compaction: the next compaction
 * of the partition finishes it (C listed: delete I, then the marker) or rolls it back (C not
 * listed: delete the marker). A younger marker makes the partition busy. A compactor gives up
 * (and rolls its own marker back) when more than half its lease has passed before (b), so a
 * recoverer never rolls back a compaction that is still going to put its output — unless the
 * compactor stalls for more than half a lease inside the put itself, or the compactors' clocks
 * differ by more than half a lease; keep the lease far above both.
 *
 * ## What is compacted
 *
 * Only `.parquet` files directly in a partition directory (`<dataset>/year=…/hour=HH/`), no
 * larger than `smallFileBytes`, and last modified at least `minFileAgeMs` ago: a writer that
 * retries a put it believes failed (same deterministic key) after its file was compacted would
 * bring those rows back a second time, so files are left alone while such a retry can still
 * come. Partitions with fewer than `minFiles` such files are skipped.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type ColumnDef,
  ConfigError,
  type DatasetDef,
  datasetColumns,
  getDataset,
  LogpipeError,
  type LogpipeErrorOptions,
} from '@logpipe/core';
import {
  type FileMetaData,
  type ParquetParsers,
  parquetMetadata,
  parquetRead,
  parquetSchema,
  type SchemaTree,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { ColumnBatch } from './columns.js';
import { encodeParquet } from './encode.js';
import { StorageError } from './errors.js';
import { type LakeObject, type LakeStorage, validateLakePrefix } from './storage/types.js';

const MiB = 1024 * 1024;

/** Default size above which a file counts as large and is left alone (64 MiB). */
export const DEFAULT_SMALL_FILE_BYTES = 64 * MiB;
/** Default cap on one output's size, estimated from its inputs' sizes (128 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES = 128 * MiB;
/** Default fewest small files that make a partition worth compacting. */
export const DEFAULT_MIN_FILES = 2;
/** Default age a file must reach before it is compacted (15 minutes). */
export const DEFAULT_MIN_FILE_AGE_MS = 15 * 60_000;
/** Default age after which a marker is taken for a crashed compaction (15 minutes). */
export const DEFAULT_MARKER_LEASE_MS = 15 * 60_000;

/** Format tag written in every marker. */
const MARKER_FORMAT = 'logpipe.compaction.v1';
/** Marker file names: `_compaction-<id>.json`. */
const MARKER_NAME_RE = /^_compaction-[A-Za-z0-9]+\.json$/;
/** A partition directory of the lake layout (no dataset name starts with `_`). */
const PARTITION_RE = /^([a-z0-9][a-z0-9_]*)\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}$/;
/** Times a reader lists again when a listed marker vanished before it could be read. */
const DEFAULT_LIST_ATTEMPTS = 5;

// ---------------------------------------------------------------------------------------------
// Errors

/** Codes a {@link CompactionError} can carry. */
export type CompactionErrorCode =
  /** An input file is not readable Parquet (bad magic, footer, page, or invalid UTF-8). */
  | 'COMPACT_CORRUPT_INPUT'
  /** An input file's columns are not the dataset's declared columns (extra column, other type). */
  | 'COMPACT_SCHEMA_MISMATCH'
  /** An input holds a value the merged file could not keep as is (a map with duplicate keys). */
  | 'COMPACT_UNSUPPORTED_VALUE'
  /** The partition's dataset is not a known dataset. */
  | 'COMPACT_UNKNOWN_DATASET'
  /** The encoder produced a file without exactly the input rows. */
  | 'COMPACT_ENCODE_FAILED'
  /** A `_compaction-*.json` file is not a valid marker. */
  | 'COMPACT_BAD_MARKER'
  /** More than half the marker lease passed before the output could be written. */
  | 'COMPACT_LEASE_EXPIRED'
  /** Markers kept vanishing between a listing and their reading (compactions finishing). */
  | 'COMPACT_LISTING_UNSTABLE'
  /**
   * {@link compactLake} only: a partition failed with an error that is not a logpipe error (a
   * storage implementation throwing plain errors, or a bug); the error is the `cause`.
   */
  | 'COMPACT_UNEXPECTED';

/** Options of {@link CompactionError}. */
export interface CompactionErrorOptions extends LogpipeErrorOptions {
  /** The partition the error is about. */
  partition?: string | undefined;
  /** The file (lake key) the error is about, when there is one. */
  key?: string | undefined;
}

/**
 * A partition could not be compacted (or a lake listing could not be resolved). The message
 * names the partition or file and the reason. Nothing of the partition's data was changed by
 * the failing step: data errors are found before the marker is written.
 *
 * @example
 * ```ts
 * try {
 *   await compactPartition({ storage, partition: 'alb/year=2026/month=01/day=01/hour=00' });
 * } catch (err) {
 *   if (CompactionError.isInstance(err) && err.code === 'COMPACT_CORRUPT_INPUT') quarantine(err.key);
 * }
 * ```
 */
export class CompactionError extends LogpipeError {
  override readonly code: CompactionErrorCode;
  /** The partition the error is about. */
  readonly partition: string | undefined;
  /** The file the error is about. */
  readonly key: string | undefined;

  constructor(code: CompactionErrorCode, message: string, options: CompactionErrorOptions = {}) {
    super(code, message, options);
    this.code = code;
    this.partition = options.partition;
    this.key = options.key;
  }

  /** `instanceof` that also works across two copies of this package. */
  static override isInstance(value: unknown): value is CompactionError {
    return (
      LogpipeError.isInstance(value) &&
      typeof value.code === 'string' &&
      value.code.startsWith('COMPACT_')
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Markers and the reader rule

/**
 * The content of a compaction marker `<partition>/_compaction-<id>.json`.
 *
 * @example
 * ```ts
 * const marker: CompactionMarker = {
 *   key: 'alb/year=2026/month=01/day=01/hour=00/_compaction-9f3a.json',
 *   id: '9f3a',
 *   output: 'alb/year=2026/month=01/day=01/hour=00/part-5d1c….parquet',
 *   inputs: ['alb/year=2026/month=01/day=01/hour=00/part-0a….parquet', '…'],
 *   startedAt: Date.UTC(2026, 0, 1, 1),
 * };
 * ```
 */
export interface CompactionMarker {
  /** The marker's own key. */
  key: string;
  /** The id in its name. */
  id: string;
  /** The merged file it announces. */
  output: string;
  /** The files merged into `output`. */
  inputs: string[];
  /** When the compaction began (epoch ms, the compactor's clock). */
  startedAt: number;
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function dirName(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/**
 * Whether a lake key is a compaction marker (`…/_compaction-<id>.json`).
 *
 * @example
 * ```ts
 * isCompactionMarkerKey('alb/year=2026/month=01/day=01/hour=00/_compaction-9f3a.json'); // true
 * ```
 */
export function isCompactionMarkerKey(key: string): boolean {
  return MARKER_NAME_RE.test(baseName(key));
}

/** Whether a key is a data file: `*.parquet`, not hidden (`_…`, `.…`). */
function isDataFileKey(key: string): boolean {
  const name = baseName(key);
  return name.endsWith('.parquet') && !name.startsWith('_') && !name.startsWith('.');
}

/**
 * Parses a marker's bytes, checking that its output and inputs are data files of the marker's
 * own partition directory. Throws {@link CompactionError} `COMPACT_BAD_MARKER` otherwise.
 *
 * @example
 * ```ts
 * const marker = parseCompactionMarker(key, await storage.get(key));
 * ```
 */
export function parseCompactionMarker(key: string, bytes: Uint8Array): CompactionMarker {
  const dir = dirName(key);
  const bad = (why: string, cause?: unknown) =>
    new CompactionError('COMPACT_BAD_MARKER', `compaction marker ${key} ${why}`, {
      key,
      partition: dir,
      cause,
    });
  if (!isCompactionMarkerKey(key)) throw bad('is not named _compaction-<id>.json');
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw bad('is not JSON', error);
  }
  const d = doc as Partial<Record<string, unknown>> | null;
  if (typeof d !== 'object' || d === null || d.format !== MARKER_FORMAT) {
    throw bad(`is not a ${MARKER_FORMAT} marker`);
  }
  const { id, output, inputs, startedAt } = d;
  const inDir = (k: unknown): k is string =>
    typeof k === 'string' && dirName(k) === dir && isDataFileKey(k);
  if (typeof id !== 'string' || baseName(key) !== `_compaction-${id}.json`) {
    throw bad('has an id that does not match its name');
  }
  if (!inDir(output)) throw bad('names an output that is not a data file of its partition');
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(inDir)) {
    throw bad('names inputs that are not data files of its partition');
  }
  if (inputs.includes(output)) throw bad('names its output among its inputs');
  if (typeof startedAt !== 'number' || !Number.isFinite(startedAt)) {
    throw bad('has no valid startedAt');
  }
  return { key, id, output, inputs: [...inputs], startedAt };
}

/**
 * The data files a reader should read from one listing, given the markers in that listing:
 * every `.parquet` file that is not hidden (`_…`, `.…`), minus, for every marker whose output
 * is listed, that marker's inputs (and for a marker whose output is not listed, its output —
 * which is then not there anyway). Applied to a listing taken at one instant, the result holds
 * every row of the lake exactly once, whatever step a compaction was at.
 *
 * @example
 * ```ts
 * const listing = await storage.list('alb/year=2026/');
 * const markers = await Promise.all(
 *   listing.filter((o) => isCompactionMarkerKey(o.key))
 *     .map(async (o) => parseCompactionMarker(o.key, await storage.get(o.key))),
 * );
 * const files = visibleLakeFiles(listing, markers); // what DuckDB's read_parquet([...]) gets
 * ```
 */
export function visibleLakeFiles(
  listing: readonly LakeObject[],
  markers: Iterable<CompactionMarker>,
): LakeObject[] {
  const listed = new Set(listing.map((o) => o.key));
  const hidden = new Set<string>();
  for (const m of markers) {
    if (listed.has(m.output)) for (const k of m.inputs) hidden.add(k);
    else hidden.add(m.output);
  }
  return listing.filter((o) => isDataFileKey(o.key) && !hidden.has(o.key));
}

/** Options of {@link listLakeFiles}. */
export interface ListLakeFilesOptions {
  /** Listings of one partition to try when a listed marker is gone before it is read. Default 5. */
  attempts?: number | undefined;
}

/**
 * Lists the data files under `prefix` that a reader should read: one listing, the markers in
 * it read, then {@link visibleLakeFiles}. A marker only names files of its own partition, so
 * the rule needs each partition's listing to be taken at one instant, not the whole lake's:
 * when a listed marker has vanished before it could be read (its compaction just ended), that
 * partition alone is listed again. Rejects with {@link CompactionError} `COMPACT_BAD_MARKER`
 * for an unreadable marker and `COMPACT_LISTING_UNSTABLE` (retryable) when a partition's
 * markers kept vanishing; storage failures reject with their {@link StorageError}.
 *
 * The files it returns can still be deleted by a compaction before they are read: a reader
 * that gets `STORAGE_NOT_FOUND` (or DuckDB's "No files found") lists again.
 *
 * @example
 * ```ts
 * const files = await listLakeFiles(storage, 'alb/year=2026/month=01/');
 * const sql = `SELECT count(*) FROM read_parquet([${files.map((f) => `'${root}/${f.key}'`).join(', ')}])`;
 * ```
 */
export async function listLakeFiles(
  storage: LakeStorage,
  prefix: string,
  options: ListLakeFilesOptions = {},
): Promise<LakeObject[]> {
  const attempts = options.attempts ?? DEFAULT_LIST_ATTEMPTS;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new ConfigError(`listLakeFiles: attempts must be a positive integer, got ${attempts}`);
  }
  const byDir = new Map<string, LakeObject[]>();
  for (const o of await storage.list(prefix)) {
    const dir = dirName(o.key);
    const entries = byDir.get(dir);
    if (entries === undefined) byDir.set(dir, [o]);
    else entries.push(o);
  }
  const out: LakeObject[] = [];
  for (const [dir, entries] of byDir) {
    let current = entries;
    for (let attempt = 1; ; attempt++) {
      const markers = await readMarkers(storage, current);
      if (markers !== undefined) {
        for (const o of visibleLakeFiles(current, markers)) out.push(o);
        break;
      }
      if (attempt >= attempts) {
        throw new CompactionError(
          'COMPACT_LISTING_UNSTABLE',
          `listing ${storage.describe()}${dir}/: compaction markers vanished between listing and reading ${attempts} times`,
          { partition: dir, retryable: true },
        );
      }
      current = (await storage.list(`${dir}/`)).filter(
        (o) => dirName(o.key) === dir && o.key.startsWith(prefix),
      );
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The markers of a listing, or `undefined` when one vanished before it could be read. */
async function readMarkers(
  storage: LakeStorage,
  listing: readonly LakeObject[],
): Promise<CompactionMarker[] | undefined> {
  const markers: CompactionMarker[] = [];
  for (const o of listing) {
    if (!isCompactionMarkerKey(o.key)) continue;
    let bytes: Uint8Array;
    try {
      bytes = await storage.get(o.key);
    } catch (error) {
      if (StorageError.isInstance(error) && error.code === 'STORAGE_NOT_FOUND') return undefined;
      throw error;
    }
    markers.push(parseCompactionMarker(o.key, bytes));
  }
  return markers;
}

// ---------------------------------------------------------------------------------------------
// Reading Parquet back into a ColumnBatch

/** Options of {@link decodeParquet}. */
export interface DecodeParquetOptions {
  /** Names the file in error messages (e.g. its lake key). */
  source?: string | undefined;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Timestamps as epoch-ms numbers (no Date objects); strings decoded strictly. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  stringFromBytes: (bytes: Uint8Array) => fatalUtf8.decode(bytes),
};

function isUtf8(node: SchemaTree): boolean {
  const el = node.element;
  return (
    el.type === 'BYTE_ARRAY' &&
    (el.converted_type === 'UTF8' || el.logical_type?.type === 'STRING') &&
    node.children.length === 0
  );
}

/** Why a file column cannot hold a declared column's values losslessly, or undefined. */
function schemaProblem(col: ColumnDef, node: SchemaTree): string | undefined {
  const el = node.element;
  const logical = el.logical_type;
  if (el.repetition_type === 'REPEATED') return 'is repeated';
  if (col.type === 'map') {
    const kv = node.children[0];
    if (el.converted_type !== 'MAP' && logical?.type !== 'MAP') return 'is not a MAP';
    if (node.children.length !== 1 || kv === undefined || kv.children.length !== 2) {
      return 'is a MAP without a key_value group of two fields';
    }
    const [key, value] = kv.children as [SchemaTree, SchemaTree];
    if (!isUtf8(key) || !isUtf8(value)) return 'is not a MAP<STRING, STRING>';
    return undefined;
  }
  if (node.children.length > 0) return 'is a nested group';
  const ints = (bits: number) =>
    (el.converted_type === undefined || el.converted_type === `INT_${bits}`) &&
    (logical === undefined ||
      (logical.type === 'INTEGER' && logical.bitWidth === bits && logical.isSigned));
  switch (col.type) {
    case 'timestamp':
      return el.type === 'INT64' &&
        (logical === undefined
          ? el.converted_type === 'TIMESTAMP_MILLIS'
          : logical.type === 'TIMESTAMP' && logical.unit === 'MILLIS')
        ? undefined
        : 'is not INT64 TIMESTAMP(MILLIS)';
    case 'int':
      return el.type === 'INT32' && ints(32) ? undefined : 'is not a signed INT32';
    case 'bigint':
      return el.type === 'INT64' && ints(64) ? undefined : 'is not a signed INT64';
    case 'double':
      return el.type === 'DOUBLE' && logical === undefined ? undefined : 'is not a DOUBLE';
    case 'boolean':
      return el.type === 'BOOLEAN' ? undefined : 'is not a BOOLEAN';
    default:
      return isUtf8(node) ? undefined : 'is not a UTF8 string';
  }
}

/** A Uint8Array's bytes as an ArrayBuffer hyparquet can read (no copy when it is whole). */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

/** A parsed input: its metadata and the file columns that map to declared columns. */
interface ParsedInput {
  source: string;
  file: ArrayBuffer;
  metadata: FileMetaData;
  rows: number;
  /** Declared column index → file column (top-level) name; absent columns are all null. */
  present: Map<number, string>;
}

function parseInput(
  bytes: Uint8Array,
  columns: readonly ColumnDef[],
  dataset: string,
  source: string,
): ParsedInput {
  const file = arrayBufferOf(bytes);
  let metadata: FileMetaData;
  let tree: SchemaTree;
  try {
    metadata = parquetMetadata(file);
    tree = parquetSchema(metadata);
  } catch (error) {
    throw new CompactionError(
      'COMPACT_CORRUPT_INPUT',
      `${source} is not readable Parquet: ${(error as Error).message}`,
      { key: source, cause: error },
    );
  }
  const byName = new Map(columns.map((c, i) => [c.name, i]));
  const present = new Map<number, string>();
  for (const child of tree.children) {
    const name = child.element.name;
    const index = byName.get(name);
    if (index === undefined) {
      throw new CompactionError(
        'COMPACT_SCHEMA_MISMATCH',
        `${source} has a column ${JSON.stringify(name)} that dataset ${dataset} does not declare; merging would drop it`,
        { key: source },
      );
    }
    const problem = schemaProblem(columns[index] as ColumnDef, child);
    if (problem !== undefined) {
      throw new CompactionError(
        'COMPACT_SCHEMA_MISMATCH',
        `${source}: column ${name} ${problem}; dataset ${dataset} declares it ${(columns[index] as ColumnDef).type}`,
        { key: source },
      );
    }
    present.set(index, name);
  }
  const rows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new CompactionError('COMPACT_CORRUPT_INPUT', `${source} declares ${rows} rows`, {
      key: source,
    });
  }
  return { source, file, metadata, rows, present };
}

/** Number of map entries a column chunk's key leaf holds, as the file's metadata counts them. */
function mapLevelCount(metadata: FileMetaData, column: string): number {
  let n = 0;
  for (const rg of metadata.row_groups) {
    for (const chunk of rg.columns) {
      const path = chunk.meta_data?.path_in_schema;
      if (path?.length === 3 && path[0] === column && path[2] === 'key') {
        n += Number(chunk.meta_data?.num_values ?? 0);
      }
    }
  }
  return n;
}

/**
 * Decodes `input` into `values` (one array per declared column) from row `offset` on; columns
 * the file lacks are left null.
 */
async function decodeInto(
  input: ParsedInput,
  columns: readonly ColumnDef[],
  dataset: string,
  values: unknown[][],
  offset: number,
): Promise<void> {
  const { source, rows } = input;
  const indexOf = new Map<string, number>();
  for (const [index, name] of input.present) indexOf.set(name, index);
  const filled = new Map<number, number>();
  // onChunk runs inside hyparquet's promise callbacks, where a throw would be lost: note it.
  let overflow: string | undefined;
  try {
    await parquetRead({
      file: input.file,
      metadata: input.metadata,
      columns: [...input.present.values()],
      compressors,
      parsers: PARSERS,
      onChunk: (chunk) => {
        const index = indexOf.get(chunk.columnName);
        if (index === undefined) return;
        const target = values[index] as unknown[];
        const data = chunk.columnData as ArrayLike<unknown>;
        if (chunk.rowStart < 0 || chunk.rowStart + data.length > rows) {
          overflow ??= `column ${chunk.columnName} has values past row ${rows}`;
          return;
        }
        for (let i = 0; i < data.length; i++) {
          const v = data[i];
          target[offset + chunk.rowStart + i] = v === undefined ? null : v;
        }
        filled.set(index, (filled.get(index) ?? 0) + data.length);
      },
    });
  } catch (error) {
    throw new CompactionError(
      'COMPACT_CORRUPT_INPUT',
      `${source} is not readable Parquet: ${(error as Error).message}`,
      { key: source, cause: error },
    );
  }
  if (overflow !== undefined) {
    throw new CompactionError('COMPACT_CORRUPT_INPUT', `${source}: ${overflow}`, { key: source });
  }
  for (const [index, name] of input.present) {
    const got = filled.get(index) ?? 0;
    if (got !== rows) {
      throw new CompactionError(
        'COMPACT_CORRUPT_INPUT',
        `${source}: column ${name} holds ${got} values for ${rows} rows`,
        { key: source },
      );
    }
    const col = columns[index] as ColumnDef;
    if (col.type === 'map') {
      // hyparquet builds each map as a plain object: duplicate keys (legal in Parquet, never
      // written by logpipe) or a "__proto__" key would be lost. Count entries the way the
      // file's key column counts levels (a null or empty map is one level) and refuse a loss.
      const target = values[index] as unknown[];
      let levels = 0;
      for (let r = offset; r < offset + rows; r++) {
        const v = target[r];
        levels += v === null ? 1 : Math.max(1, Object.keys(v as object).length);
      }
      const expected = mapLevelCount(input.metadata, name);
      if (levels !== expected) {
        throw new CompactionError(
          'COMPACT_UNSUPPORTED_VALUE',
          `${source}: map column ${name} has duplicate or reserved keys (${expected} entries read back as ${levels}); dataset ${dataset} rows cannot be rewritten without loss`,
          { key: source },
        );
      }
    }
  }
}

/**
 * Reads a Parquet file back into a {@link ColumnBatch} of a dataset: the inverse of
 * {@link encodeParquet}. Values come back in storage form: timestamps as epoch-ms numbers,
 * `bigint` columns as `bigint`, `int`/`double` as numbers, strings and JSON text as strings,
 * maps as `Record<string, string | null>`, nulls as `null`. Declared columns the file lacks
 * are all null.
 *
 * Rejects with {@link CompactionError}: `COMPACT_CORRUPT_INPUT` for bytes that are not
 * readable Parquet (or hold invalid UTF-8), `COMPACT_SCHEMA_MISMATCH` for a column the dataset
 * does not declare or of another type, `COMPACT_UNSUPPORTED_VALUE` for a map with duplicate
 * keys.
 *
 * @example
 * ```ts
 * const batch = await decodeParquet(await storage.get(key), getDataset('alb'), { source: key });
 * batch.rows; // rows in the file
 * ```
 */
export async function decodeParquet(
  bytes: Uint8Array,
  dataset: DatasetDef,
  options: DecodeParquetOptions = {},
): Promise<ColumnBatch> {
  if (!(bytes instanceof Uint8Array)) throw new ConfigError('decodeParquet: bytes must be bytes');
  const columns = datasetColumns(dataset);
  const source = options.source ?? 'parquet input';
  const input = parseInput(bytes, columns, dataset.name, source);
  const values = columns.map(() => new Array<unknown>(input.rows).fill(null));
  await decodeInto(input, columns, dataset.name, values, 0);
  return { dataset, columns, values, rows: input.rows };
}

// ---------------------------------------------------------------------------------------------
// Compaction

/** Options shared by {@link compactPartition} and {@link compactLake}. */
export interface CompactOptions {
  /** The lake: `createLocalStorage({ root })` or `createS3Storage({ … })`. */
  storage: LakeStorage;
  /**
   * Encodes a merged batch (bytes, or a promise of them: e.g. the `encode` of
   * `createParquetEncoderPool`). Default {@link encodeParquet} with its defaults.
   */
  encode?: ((batch: ColumnBatch) => Uint8Array | Promise<Uint8Array>) | undefined;
  /** Files larger than this are left alone. Default 64 MiB. */
  smallFileBytes?: number | undefined;
  /**
   * Cap on one output, estimated as the sum of its inputs' sizes (≥ `smallFileBytes`): a
   * partition with more small data goes into several outputs, each with its own marker.
   * Default 128 MiB. The inputs of one output are held in memory, decoded, while it is built.
   */
  maxOutputBytes?: number | undefined;
  /** Fewest small files that make a partition worth compacting (≥ 2). Default 2. */
  minFiles?: number | undefined;
  /**
   * Files modified less than this long ago are not compacted (a writer retrying a put may still
   * rewrite them; after compaction that would duplicate their rows). Files whose storage
   * reports no time count as new unless this is 0. Default 15 minutes.
   */
  minFileAgeMs?: number | undefined;
  /** A marker older than this is taken for a crashed compaction and recovered. Default 15 minutes. */
  markerLeaseMs?: number | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
}

/** Options of {@link compactPartition}. */
export interface CompactPartitionOptions extends CompactOptions {
  /** The partition directory, e.g. `alb/year=2026/month=01/day=01/hour=00`. */
  partition: string;
}

/** Options of {@link compactLake}. */
export interface CompactLakeOptions extends CompactOptions {
  /** Only partitions under this key prefix (e.g. `alb/year=2026/month=01/`). Default all. */
  prefix?: string | undefined;
  /** Only partitions of this dataset. */
  dataset?: string | undefined;
  /** Called after each partition that was looked at in detail, with its result or error. */
  onPartition?: ((result: PartitionCompaction, error?: LogpipeError) => void) | undefined;
}

/** One merged file. */
export interface CompactionOutput {
  /** Its key. */
  key: string;
  /** The files merged into it, in the order their rows were written. */
  inputs: string[];
  rows: number;
  /** Sum of the inputs' sizes. */
  bytesIn: number;
  /** Its own size. */
  bytes: number;
}

/** What {@link compactPartition} did to one partition. */
export interface PartitionCompaction {
  partition: string;
  /**
   * `compacted`: at least one output written; `skipped`: nothing worth doing (see `reason`);
   * `busy`: another compactor holds the partition (see `reason`); `failed`: see the error.
   */
  status: 'compacted' | 'skipped' | 'busy' | 'failed';
  reason?: string | undefined;
  outputs: CompactionOutput[];
  filesIn: number;
  filesOut: number;
  rows: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Crashed compactions finished (output present: inputs and marker deleted). */
  markersFinished: number;
  /** Crashed compactions rolled back (output absent: marker deleted). */
  markersRolledBack: number;
}

/** Totals of a {@link compactLake} run. */
export interface CompactionStats {
  /** Partitions with data files or markers under the prefix. */
  partitionsSeen: number;
  partitionsCompacted: number;
  partitionsSkipped: number;
  partitionsBusy: number;
  partitionsFailed: number;
  filesIn: number;
  filesOut: number;
  rows: number;
  bytesBefore: number;
  bytesAfter: number;
  markersFinished: number;
  markersRolledBack: number;
  /** One entry per failed partition; its files were left as they were. */
  failures: Array<{ partition: string; error: LogpipeError }>;
}

interface Settings {
  storage: LakeStorage;
  encode: (batch: ColumnBatch) => Uint8Array | Promise<Uint8Array>;
  smallFileBytes: number;
  maxOutputBytes: number;
  minFiles: number;
  minFileAgeMs: number;
  leaseMs: number;
  now: () => number;
}

function intOption(fn: string, name: string, value: unknown, fallback: number, min: number) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${fn}: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function settingsOf(fn: string, options: CompactOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${fn}: options are required`);
  }
  const s = options.storage as Partial<LakeStorage> | undefined;
  if (
    typeof s?.put !== 'function' ||
    typeof s.list !== 'function' ||
    typeof s.get !== 'function' ||
    typeof s.delete !== 'function' ||
    typeof s.describe !== 'function'
  ) {
    throw new ConfigError(
      `${fn}: storage must be a LakeStorage (createLocalStorage or createS3Storage)`,
    );
  }
  if (options.encode !== undefined && typeof options.encode !== 'function') {
    throw new ConfigError(`${fn}: encode must be a function`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new ConfigError(`${fn}: now must be a function`);
  }
  const smallFileBytes = intOption(
    fn,
    'smallFileBytes',
    options.smallFileBytes,
    DEFAULT_SMALL_FILE_BYTES,
    1,
  );
  const maxOutputBytes = intOption(
    fn,
    'maxOutputBytes',
    options.maxOutputBytes,
    Math.max(DEFAULT_MAX_OUTPUT_BYTES, smallFileBytes),
    1,
  );
  if (maxOutputBytes < smallFileBytes) {
    throw new ConfigError(
      `${fn}: maxOutputBytes (${maxOutputBytes}) must be ≥ smallFileBytes (${smallFileBytes})`,
    );
  }
  return {
    storage: options.storage,
    encode: options.encode ?? ((batch) => encodeParquet(batch)),
    smallFileBytes,
    maxOutputBytes,
    minFiles: intOption(fn, 'minFiles', options.minFiles, DEFAULT_MIN_FILES, 2),
    minFileAgeMs: intOption(fn, 'minFileAgeMs', options.minFileAgeMs, DEFAULT_MIN_FILE_AGE_MS, 0),
    leaseMs: intOption(fn, 'markerLeaseMs', options.markerLeaseMs, DEFAULT_MARKER_LEASE_MS, 1),
    now: options.now ?? Date.now,
  };
}

function emptyResult(partition: string): PartitionCompaction {
  return {
    partition,
    status: 'skipped',
    outputs: [],
    filesIn: 0,
    filesOut: 0,
    rows: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    markersFinished: 0,
    markersRolledBack: 0,
  };
}

/** The files directly in a partition directory. */
async function listPartition(storage: LakeStorage, partition: string): Promise<LakeObject[]> {
  const prefix = `${partition}/`;
  return (await storage.list(prefix)).filter((o) => !o.key.slice(prefix.length).includes('/'));
}

/** How long ago a marker was started, by the later of its own clock and the storage's. */
function markerAge(marker: CompactionMarker, listed: LakeObject | undefined, now: number): number {
  return now - Math.max(marker.startedAt, listed?.lastModified ?? Number.NEGATIVE_INFINITY);
}

/** The small, settled data files of a listing, in key order. */
function candidates(listing: readonly LakeObject[], s: Settings, now: number): LakeObject[] {
  return listing
    .filter(
      (o) =>
        isDataFileKey(o.key) &&
        o.size <= s.smallFileBytes &&
        (s.minFileAgeMs === 0 ||
          (o.lastModified !== undefined && now - o.lastModified >= s.minFileAgeMs)),
    )
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Consecutive runs of files whose sizes add up to at most `cap`; runs of one file dropped. */
function groupsOf(files: readonly LakeObject[], cap: number): LakeObject[][] {
  const groups: LakeObject[][] = [];
  let current: LakeObject[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && bytes + f.size > cap) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  groups.push(current);
  return groups.filter((g) => g.length >= 2);
}

/** `part-<32 hex>.parquet` from the sorted input keys: the same inputs give the same name. */
function outputKey(partition: string, inputs: readonly string[]): string {
  const h = createHash('sha256');
  for (const k of [...inputs].sort()) h.update(k).update('\n');
  return `${partition}/part-${h.digest('hex').slice(0, 32)}.parquet`;
}

/**
 * Tags a failure with the partition it happened in: a CompactionError gets it (and it in its
 * message); other errors are returned as they are.
 */
function inPartition(error: unknown, partition: string): unknown {
  if (!CompactionError.isInstance(error) || error.partition !== undefined) return error;
  return new CompactionError(error.code, `partition ${partition}: ${error.message}`, {
    partition,
    key: error.key,
    cause: error.cause,
    retryable: error.retryable,
  });
}

/** A failure as a LogpipeError, for {@link CompactionStats.failures}. */
function asLogpipeError(error: unknown, partition: string): LogpipeError {
  if (LogpipeError.isInstance(error)) return error;
  return new CompactionError(
    'COMPACT_UNEXPECTED',
    `partition ${partition}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    { partition, cause: error },
  );
}

class PartitionRun {
  readonly result: PartitionCompaction;
  readonly #s: Settings;
  readonly #partition: string;
  readonly #dataset: DatasetDef;
  readonly #columns: readonly ColumnDef[];

  constructor(s: Settings, partition: string, dataset: DatasetDef) {
    this.#s = s;
    this.#partition = partition;
    this.#dataset = dataset;
    this.#columns = datasetColumns(dataset);
    this.result = emptyResult(partition);
  }

  async run(): Promise<void> {
    const s = this.#s;
    let listing = await listPartition(s.storage, this.#partition);
    if (!(await this.#recover(listing))) return;
    if (this.result.markersFinished + this.result.markersRolledBack > 0) {
      listing = await listPartition(s.storage, this.#partition);
    }
    const small = candidates(listing, s, s.now());
    if (small.length < s.minFiles) {
      this.#skip(`${small.length} small file(s) old enough, fewer than ${s.minFiles}`);
      return;
    }
    const groups = groupsOf(small, s.maxOutputBytes);
    if (groups.length === 0) {
      this.#skip('no two small files fit in one output');
      return;
    }
    for (const group of groups) {
      if (!(await this.#compactGroup(group))) return;
    }
  }

  #skip(reason: string): void {
    this.result.status = 'skipped';
    this.result.reason = reason;
  }

  #busy(reason: string): void {
    // Outputs already written stay counted: the partition was compacted in part.
    if (this.result.outputs.length === 0) this.result.status = 'busy';
    this.result.reason = reason;
  }

  /** Finishes or rolls back stale markers; false (busy) when a live one is there. */
  async #recover(listing: readonly LakeObject[]): Promise<boolean> {
    const s = this.#s;
    const byKey = new Map(listing.map((o) => [o.key, o]));
    const markers = await readMarkers(s.storage, listing);
    if (markers === undefined) {
      this.#busy('a compaction marker vanished while being read: another compactor is at work');
      return false;
    }
    const now = s.now();
    const live = markers.filter((m) => markerAge(m, byKey.get(m.key), now) < s.leaseMs);
    if (live.length > 0) {
      this.#busy(
        `another compaction is in progress (${baseName((live[0] as CompactionMarker).key)})`,
      );
      return false;
    }
    for (const m of markers) {
      if (byKey.has(m.output)) {
        await s.storage.delete(m.inputs);
        await s.storage.delete([m.key]);
        this.result.markersFinished++;
      } else {
        await s.storage.delete([m.key]);
        this.result.markersRolledBack++;
      }
    }
    return true;
  }

  /** Reads, merges and encodes one group, then runs the marker protocol; false when busy. */
  async #compactGroup(group: readonly LakeObject[]): Promise<boolean> {
    const s = this.#s;
    const inputs = group.map((o) => o.key);
    const bytesIn = group.reduce((n, o) => n + o.size, 0);

    // Read and check everything before writing anything: a corrupt input leaves no trace.
    const parsed: ParsedInput[] = [];
    for (const key of inputs) {
      let bytes: Uint8Array;
      try {
        bytes = await s.storage.get(key);
      } catch (error) {
        if (StorageError.isInstance(error) && error.code === 'STORAGE_NOT_FOUND') {
          this.#busy(`input ${baseName(key)} vanished: another compactor is at work`);
          return false;
        }
        throw error;
      }
      parsed.push(parseInput(bytes, this.#columns, this.#dataset.name, key));
    }
    const rows = parsed.reduce((n, p) => n + p.rows, 0);
    const values = this.#columns.map(() => new Array<unknown>(rows).fill(null));
    let offset = 0;
    for (const p of parsed) {
      await decodeInto(p, this.#columns, this.#dataset.name, values, offset);
      offset += p.rows;
    }
    const output = outputKey(this.#partition, inputs);
    let body: Uint8Array;
    try {
      body = await s.encode({ dataset: this.#dataset, columns: this.#columns, values, rows });
      const written = Number(parquetMetadata(arrayBufferOf(body)).num_rows);
      if (written !== rows) throw new Error(`the encoded file holds ${written} rows, not ${rows}`);
    } catch (error) {
      throw new CompactionError(
        'COMPACT_ENCODE_FAILED',
        `partition ${this.#partition}: cannot encode ${output}: ${(error as Error).message}`,
        { partition: this.#partition, key: output, cause: error },
      );
    }
    values.length = 0;
    parsed.length = 0;

    // (a) the marker, then make sure we are alone and our inputs are still there.
    const startedAt = s.now();
    const id = randomBytes(8).toString('hex');
    const markerKey = `${this.#partition}/_compaction-${id}.json`;
    const marker = { format: MARKER_FORMAT, id, output, inputs, startedAt, rows };
    await s.storage.put(markerKey, new TextEncoder().encode(`${JSON.stringify(marker)}\n`));
    const rollBack = () => s.storage.delete([markerKey]);
    let listing: LakeObject[];
    try {
      listing = await listPartition(s.storage, this.#partition);
    } catch (error) {
      await rollBack().catch(() => undefined);
      throw error;
    }
    const listed = new Set(listing.map((o) => o.key));
    const other = listing.find((o) => isCompactionMarkerKey(o.key) && o.key !== markerKey);
    const missing = inputs.find((k) => !listed.has(k));
    if (other !== undefined || missing !== undefined) {
      await rollBack();
      this.#busy(
        other !== undefined
          ? `another compaction started at the same time (${baseName(other.key)})`
          : `input ${baseName(missing as string)} vanished: another compactor is at work`,
      );
      return false;
    }
    const elapsed = s.now() - startedAt;
    if (elapsed > s.leaseMs / 2) {
      await rollBack();
      throw new CompactionError(
        'COMPACT_LEASE_EXPIRED',
        `partition ${this.#partition}: ${elapsed} ms passed after the marker was written, more than half the ${s.leaseMs} ms lease; rolled back`,
        { partition: this.#partition, key: markerKey, retryable: true },
      );
    }

    // (b) the output.
    try {
      await s.storage.put(output, body);
    } catch (error) {
      // The put may have landed even though it reported failure: remove the output before the
      // marker, so the marker rule never shows it next to its inputs without the marker. If
      // that fails too, the marker stays and the next run recovers it.
      try {
        await s.storage.delete([output]);
        await rollBack();
      } catch {
        // left for recovery
      }
      throw error;
    }
    // (c) the inputs, in one call; (d) the marker. A failure here leaves the marker: the
    // marker rule hides the inputs, and the next run finishes the job.
    await s.storage.delete(inputs);
    await s.storage.delete([markerKey]);

    const r = this.result;
    r.status = 'compacted';
    r.reason = undefined;
    r.outputs.push({ key: output, inputs, rows, bytesIn, bytes: body.length });
    r.filesIn += inputs.length;
    r.filesOut += 1;
    r.rows += rows;
    r.bytesBefore += bytesIn;
    r.bytesAfter += body.length;
    return true;
  }
}

/** Normalizes a partition argument (`a/year=…/hour=HH`, trailing `/` allowed). */
function partitionOfOption(fn: string, partition: unknown): string {
  if (typeof partition !== 'string') throw new ConfigError(`${fn}: partition must be a string`);
  const p = partition.endsWith('/') ? partition.slice(0, -1) : partition;
  if (!PARTITION_RE.test(p)) {
    throw new ConfigError(
      `${fn}: partition must be <dataset>/year=YYYY/month=MM/day=DD/hour=HH, got ${JSON.stringify(partition)}`,
    );
  }
  return p;
}

async function runPartition(
  s: Settings,
  partition: string,
): Promise<{ result: PartitionCompaction; error?: unknown }> {
  const name = partition.slice(0, partition.indexOf('/'));
  let dataset: DatasetDef;
  try {
    dataset = getDataset(name);
  } catch (error) {
    const result = emptyResult(partition);
    result.status = 'failed';
    return {
      result,
      error: new CompactionError(
        'COMPACT_UNKNOWN_DATASET',
        `partition ${partition}: ${(error as Error).message}`,
        { partition, cause: error },
      ),
    };
  }
  const run = new PartitionRun(s, partition, dataset);
  try {
    await run.run();
    return { result: run.result };
  } catch (error) {
    run.result.status = 'failed';
    return { result: run.result, error: inPartition(error, partition) };
  }
}

/**
 * Compacts one partition: recovers crashed compactions (markers older than the lease), then
 * merges its small data files into one output per `maxOutputBytes` of inputs, each through the
 * marker protocol described at the top of this module. Rows keep their values exactly (the
 * multiset of rows is unchanged); the merged file has the dataset's declared columns.
 *
 * Resolves with what was done; a partition another compactor holds resolves `busy`. Rejects
 * with {@link CompactionError} naming the partition and file (a corrupt input, a schema that is
 * not the dataset's…; the partition's files are then untouched) or a {@link StorageError};
 * invalid options throw {@link ConfigError}.
 *
 * @example
 * ```ts
 * const r = await compactPartition({
 *   storage: createLocalStorage({ root: './lake' }),
 *   partition: 'alb/year=2026/month=01/day=01/hour=00',
 *   minFileAgeMs: 0,
 * });
 * console.log(r.status, r.filesIn, '→', r.filesOut);
 * ```
 */
export async function compactPartition(
  options: CompactPartitionOptions,
): Promise<PartitionCompaction> {
  const s = settingsOf('compactPartition', options);
  const partition = partitionOfOption('compactPartition', options.partition);
  const { result, error } = await runPartition(s, partition);
  if (error !== undefined) throw error;
  return result;
}

/**
 * Compacts every partition under `prefix` (and of `dataset`, when given), one after the other
 * (see {@link compactPartition}). A partition that fails is reported in `failures` with its
 * error and left as it was; the others go on. Partitions with fewer than `minFiles` small files
 * and no marker are counted as skipped without being read. Rejects only when the lake cannot
 * be listed ({@link StorageError}); invalid options throw {@link ConfigError}.
 *
 * The whole prefix is listed once to find partitions: on a large S3 lake, narrow it
 * (`prefix: 'alb/year=2026/month=01/'`).
 *
 * @example
 * ```ts
 * const stats = await compactLake({ storage, dataset: 'vpc_flow', minFiles: 4 });
 * console.log(`${stats.partitionsCompacted} partitions: ${stats.filesIn} files → ${stats.filesOut}`);
 * for (const f of stats.failures) console.error(f.partition, f.error.code, f.error.message);
 * ```
 */
export async function compactLake(options: CompactLakeOptions): Promise<CompactionStats> {
  const s = settingsOf('compactLake', options);
  const dataset = options.dataset;
  if (dataset !== undefined) getDataset(dataset);
  let prefix = options.prefix ?? (dataset === undefined ? '' : `${dataset}/`);
  if (typeof prefix !== 'string') throw new ConfigError('compactLake: prefix must be a string');
  validateLakePrefix(prefix);
  if (options.onPartition !== undefined && typeof options.onPartition !== 'function') {
    throw new ConfigError('compactLake: onPartition must be a function');
  }
  if (dataset !== undefined && prefix === '') prefix = `${dataset}/`;

  const byPartition = new Map<string, LakeObject[]>();
  for (const o of await s.storage.list(prefix)) {
    const dir = dirName(o.key);
    const m = PARTITION_RE.exec(dir);
    if (m === null || (dataset !== undefined && m[1] !== dataset)) continue;
    if (!isDataFileKey(o.key) && !isCompactionMarkerKey(o.key)) continue;
    const files = byPartition.get(dir);
    if (files === undefined) byPartition.set(dir, [o]);
    else files.push(o);
  }

  const stats: CompactionStats = {
    partitionsSeen: byPartition.size,
    partitionsCompacted: 0,
    partitionsSkipped: 0,
    partitionsBusy: 0,
    partitionsFailed: 0,
    filesIn: 0,
    filesOut: 0,
    rows: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    markersFinished: 0,
    markersRolledBack: 0,
    failures: [],
  };
  const now = s.now();
  for (const partition of [...byPartition.keys()].sort()) {
    const files = byPartition.get(partition) as LakeObject[];
    const hasMarker = files.some((o) => isCompactionMarkerKey(o.key));
    if (!hasMarker && candidates(files, s, now).length < s.minFiles) {
      stats.partitionsSkipped++;
      continue;
    }
    const { result, error } = await runPartition(s, partition);
    stats.filesIn += result.filesIn;
    stats.filesOut += result.filesOut;
    stats.rows += result.rows;
    stats.bytesBefore += result.bytesBefore;
    stats.bytesAfter += result.bytesAfter;
    stats.markersFinished += result.markersFinished;
    stats.markersRolledBack += result.markersRolledBack;
    const failure = error === undefined ? undefined : asLogpipeError(error, partition);
    if (failure !== undefined) {
      stats.partitionsFailed++;
      stats.failures.push({ partition, error: failure });
    } else if (result.status === 'compacted') stats.partitionsCompacted++;
    else if (result.status === 'busy') stats.partitionsBusy++;
    else stats.partitionsSkipped++;
    options.onPartition?.(result, failure);
  }
  return stats;
}
