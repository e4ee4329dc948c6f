/**
 * The NDJSON line of a normalized record, fast and exact.
 *
 * {@link recordLineReference} defines the format (two `JSON.stringify` calls
 * spliced). {@link RecordLineSerializer} gives the same bytes for every input
 * (a property test holds it to that) with less work per record:
 * - the common columns are a template: the per-payload part (`dataset`,
 *   `owner`, `log_group`, `log_stream`, `origin_region`) is escaped once and
 *   reused while it does not change, and no temporary object is built;
 * - for the datasets in {@link COMPILED_DATASETS}, the fields are written by
 *   a serializer compiled from the dataset's column declaration; any record
 *   whose fields do not match the declaration exactly (key order, types) goes
 *   to `JSON.stringify`.
 * Which dataset gets which is decided by `packages/firehose-transform/bench/serialize.mjs`;
 * figures in that package's README ("Serialization"). The Firehose transform and the
 * worker pool's `renderBatch` both write lines with it.
 */
import { getDataset } from './datasets/index.js';
import type { LogRecord } from './model.js';

/**
 * Datasets whose fields go through a compiled serializer. For the others
 * `JSON.stringify` of the fields measured as fast or faster (bench/serialize.mjs).
 */
export const COMPILED_DATASETS: ReadonlySet<string> = new Set(['lambda']);

/**
 * The reference serialization of a record: the common columns, then the
 * dataset's fields, each `JSON.stringify`-ed.
 *
 * @example
 * ```ts
 * recordLineReference(record); // '{"time":1700000000000,"id":"3195…","dataset":"vpc_flow",…}'
 * ```
 */
export function recordLineReference(r: LogRecord): string {
  const head = JSON.stringify({
    time: r.time,
    id: r.id,
    dataset: r.dataset,
    owner: r.origin.owner,
    log_group: r.origin.logGroup,
    log_stream: r.origin.logStream,
    origin_region: r.origin.region ?? null,
    message: r.message,
  });
  const rest = JSON.stringify(r.fields);
  // Both are JSON objects: splice the field members after the common columns.
  return rest.length <= 2 ? head : `${head.slice(0, -1)},${rest.slice(1)}`;
}

/** A compiled fields serializer: `,"k":v…` for every column, or undefined when the fields do not fit it. */
type FieldsWriter = (fields: Record<string, unknown>) => string | undefined;

/** A value of a `json` or `map` column, as `JSON.stringify` writes it inside an object; undefined when it omits it or would call `toJSON`. */
function anyValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? `${v}` : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      // JSON.stringify passes the member's key to toJSON; a separate call would not.
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined;
      return JSON.stringify(v);
    default:
      return undefined;
  }
}

/**
 * Compiles the fields serializer of a dataset from its column declaration. The
 * fields must have exactly the declared columns, in declared order, each value
 * of the column's type or null (json/map columns: any JSON value); otherwise
 * it returns undefined and the caller uses `JSON.stringify`.
 */
function compileFieldsWriter(dataset: string): FieldsWriter {
  const columns = getDataset(dataset).columns;
  const keys = columns.map((c) => c.name);
  let body =
    'let n = 0;\n' +
    'for (const k in f) { if (k !== keys[n]) return undefined; n++; }\n' +
    `if (n !== ${keys.length}) return undefined;\n` +
    'let s = "";\nlet v;\nlet j;\n';
  for (const c of columns) {
    const prefix = JSON.stringify(`,${JSON.stringify(c.name)}:`);
    body += `v = f[${JSON.stringify(c.name)}];\n`;
    switch (c.type) {
      case 'string':
        body += `if (typeof v === 'string') s += ${prefix} + JSON.stringify(v); else if (v === null) s += ${prefix} + 'null'; else return undefined;\n`;
        break;
      case 'int':
      case 'bigint':
      case 'double':
      case 'timestamp':
        body += `if (typeof v === 'number') s += ${prefix} + (Number.isFinite(v) ? '' + v : 'null'); else if (v === null) s += ${prefix} + 'null'; else return undefined;\n`;
        break;
      case 'boolean':
        body += `if (v === true) s += ${prefix} + 'true'; else if (v === false) s += ${prefix} + 'false'; else if (v === null) s += ${prefix} + 'null'; else return undefined;\n`;
        break;
      default:
        body += `j = anyValue(v); if (j === undefined) return undefined; s += ${prefix} + j;\n`;
    }
  }
  body += 'return s;';
  let make: (k: string[], a: typeof anyValue) => FieldsWriter;
  try {
    make = new Function('keys', 'anyValue', `return function writeFields(f) {\n${body}\n};`) as (
      k: string[],
      a: typeof anyValue,
    ) => FieldsWriter;
  } catch {
    // This runtime refuses code from strings (`--disallow-code-generation-from-strings`):
    // every record then takes the caller's JSON.stringify path, which gives the same line.
    return () => undefined;
  }
  return make(keys, anyValue);
}

/** Compiled fields serializers, one per dataset, made on first use. */
const writers = new Map<string, FieldsWriter>();

/**
 * Writes records as {@link recordLineReference} does, byte for byte, with less
 * work per record. Keeps the escaped per-payload columns of the last record
 * it wrote; the compiled fields serializers (one per dataset in
 * {@link COMPILED_DATASETS}) are made on first use and shared.
 *
 * @example
 * ```ts
 * const serializer = new RecordLineSerializer();
 * let out = '';
 * for (const r of records) out += `${serializer.line(r)}\n`;
 * ```
 */
export class RecordLineSerializer {
  private dataset: unknown = undefined;
  private owner: unknown = undefined;
  private logGroup: unknown = undefined;
  private logStream: unknown = undefined;
  private region: unknown = undefined;
  /** `,"dataset":…,"message":` for the values above. */
  private middle = '';

  /** The record's line, without the newline. */
  line(r: LogRecord): string {
    const o = r.origin;
    const time = r.time;
    const id = r.id;
    const message = r.message;
    if (typeof time !== 'number' || typeof id !== 'string' || typeof message !== 'string') {
      return recordLineReference(r);
    }
    if (
      r.dataset !== this.dataset ||
      o.owner !== this.owner ||
      o.logGroup !== this.logGroup ||
      o.logStream !== this.logStream ||
      o.region !== this.region
    ) {
      const region = o.region;
      if (
        typeof r.dataset !== 'string' ||
        typeof o.owner !== 'string' ||
        typeof o.logGroup !== 'string' ||
        typeof o.logStream !== 'string' ||
        (region !== undefined && region !== null && typeof region !== 'string')
      ) {
        return recordLineReference(r);
      }
      this.dataset = r.dataset;
      this.owner = o.owner;
      this.logGroup = o.logGroup;
      this.logStream = o.logStream;
      this.region = region;
      this.middle =
        `,"dataset":${JSON.stringify(r.dataset)},"owner":${JSON.stringify(o.owner)}` +
        `,"log_group":${JSON.stringify(o.logGroup)},"log_stream":${JSON.stringify(o.logStream)}` +
        `,"origin_region":${JSON.stringify(region ?? null)},"message":`;
    }
    const head = `{"time":${Number.isFinite(time) ? `${time}` : 'null'},"id":${JSON.stringify(id)}${this.middle}${JSON.stringify(message)}`;
    const fields = r.fields;
    if (COMPILED_DATASETS.has(r.dataset) && typeof fields === 'object' && fields !== null) {
      let writer = writers.get(r.dataset);
      if (writer === undefined) {
        writer = compileFieldsWriter(r.dataset);
        writers.set(r.dataset, writer);
      }
      const members = writer(fields);
      if (members !== undefined) return `${head}${members}}`;
    }
    const rest = JSON.stringify(fields);
    return rest.length <= 2 ? `${head}}` : `${head},${rest.slice(1)}`;
  }
}
