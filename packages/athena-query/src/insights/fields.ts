/**
 * How a field name in a query reaches a dataset column: the `@` fields Logs Insights
 * generates, the dataset's typed columns (by exact name, or by the camelCase name Logs
 * Insights discovers, `srcAddr` → `srcaddr`, `eventName` → `event_name`), a path into a
 * JSON or map column (`requestParameters.userName`), and otherwise a key of the
 * dataset's catch-all JSON column (`app.fields`, `lambda.fields`,
 * `cloudtrail.additional_fields`).
 */
import { type ColumnDef, type ColumnType, type DatasetDef, datasetColumns } from '@logpipe/core';
import type { FieldRef } from './ast.js';
import type { DialectOps } from './dialect.js';
import { jsonKeyProblem } from './dialect.js';
import { closestName } from './functions.js';
import { raw, type Sql, sql } from './sql.js';

/** Types of values in a compiled query. `dynamic` is JSON text of a scalar (number or text). */
export type ValueType = 'number' | 'string' | 'dynamic' | 'boolean' | 'timestamp' | 'map';

/** A compiled value: its SQL and type. Timestamps are BIGINT epoch ms. */
export interface Value {
  readonly sql: Sql;
  readonly type: ValueType;
}

/** The catch-all JSON column of each dataset that has one. */
const CATCH_ALL: Readonly<Record<string, string>> = {
  app: 'fields',
  lambda: 'fields',
  cloudtrail: 'additional_fields',
};

/** How a field could not be resolved. */
export type Unresolved =
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** A dataset as the compiler sees it. */
export interface DatasetModel {
  readonly def: DatasetDef;
  readonly columns: ReadonlyMap<string, ColumnDef>;
  readonly byNormalized: ReadonlyMap<string, readonly ColumnDef[]>;
  readonly catchAll: string | undefined;
  readonly hasId: boolean;
}

/** `srcAddr`, `src_addr`, `src-addr` → `srcaddr`. */
function normalize(name: string): string {
  return name.toLowerCase().replaceAll('_', '').replaceAll('-', '');
}

export function datasetModel(def: DatasetDef): DatasetModel {
  const cols = datasetColumns(def);
  const columns = new Map(cols.map((c) => [c.name, c]));
  const byNormalized = new Map<string, ColumnDef[]>();
  for (const c of cols) {
    const k = normalize(c.name);
    byNormalized.set(k, [...(byNormalized.get(k) ?? []), c]);
  }
  const catchAll = CATCH_ALL[def.name];
  return {
    def,
    columns,
    byNormalized,
    catchAll:
      catchAll !== undefined && columns.get(catchAll)?.type === 'json' ? catchAll : undefined,
    hasId: columns.has('id'),
  };
}

const COLUMN_VALUE_TYPE: Record<ColumnType, ValueType> = {
  string: 'string',
  int: 'number',
  bigint: 'number',
  double: 'number',
  boolean: 'boolean',
  timestamp: 'timestamp',
  json: 'string',
  map: 'map',
};

function col(name: string): Sql {
  return raw(`"${name.replaceAll('"', '""')}"`);
}

function columnValue(c: ColumnDef, ops: DialectOps): Value {
  const ref = col(c.name);
  return c.type === 'timestamp'
    ? { sql: ops.timeMs(ref), type: 'timestamp' }
    : { sql: ref, type: COLUMN_VALUE_TYPE[c.type] };
}

/** `@` fields of every log dataset: name → column. */
const COMMON_AT: Readonly<Record<string, string>> = {
  '@timestamp': 'time',
  '@message': 'message',
  '@logStream': 'log_stream',
  '@logGroup': 'log_group',
};

/** Lambda's discovered `@` fields (Logs Insights reports memory in bytes: MB × 1,000,000). */
const LAMBDA_AT: Readonly<Record<string, { column: string; scale?: number; upper?: boolean }>> = {
  '@requestId': { column: 'request_id' },
  '@duration': { column: 'duration_ms' },
  '@billedDuration': { column: 'billed_duration_ms' },
  '@initDuration': { column: 'init_duration_ms' },
  '@maxMemoryUsed': { column: 'max_memory_used_mb', scale: 1_000_000 },
  '@memorySize': { column: 'memory_size_mb', scale: 1_000_000 },
  '@type': { column: 'type', upper: true },
  '@xrayTraceId': { column: 'xray_trace_id' },
  '@xraySegmentId': { column: 'xray_segment_id' },
};

/** The `@` fields a dataset maps, for messages. */
export function atFieldNames(model: DatasetModel): string[] {
  const names: string[] = [];
  if (model.columns.has('time')) names.push('@timestamp');
  for (const [name, column] of Object.entries(COMMON_AT)) {
    if (name !== '@timestamp' && model.columns.has(column)) names.push(name);
  }
  if (model.columns.has('log_group')) names.push('@log');
  if (model.def.name === 'lambda') names.push(...Object.keys(LAMBDA_AT));
  return names;
}

/**
 * Resolves a field against the dataset's columns. Returns the value, or why it could
 * not be resolved.
 */
export function resolveDatasetField(
  model: DatasetModel,
  ref: FieldRef,
  ops: DialectOps,
): Value | Unresolved {
  const name = ref.name;
  if (name.startsWith('@') && ref.path.length === 1) {
    const common = COMMON_AT[name];
    if (common !== undefined) {
      const c = model.columns.get(common);
      if (c !== undefined) return columnValue(c, ops);
      return { kind: 'unknown', reason: `the ${model.def.name} dataset has no ${name}` };
    }
    if (name === '@log' && model.columns.has('log_group') && model.columns.has('owner')) {
      // Logs Insights' @log is account-id:log-group-name.
      return { sql: sql`(${col('owner')} || ':' || ${col('log_group')})`, type: 'string' };
    }
    if (name === '@ingestionTime') {
      return {
        kind: 'unsupported',
        reason: '@ingestionTime is not stored in the lake (only the event time @timestamp is)',
      };
    }
    const lambda = model.def.name === 'lambda' ? LAMBDA_AT[name] : undefined;
    if (lambda !== undefined) {
      const c = model.columns.get(lambda.column) as ColumnDef;
      const v = columnValue(c, ops);
      if (lambda.scale !== undefined) {
        return { sql: sql`(${v.sql} * ${raw(String(lambda.scale))})`, type: 'number' };
      }
      if (lambda.upper === true) return { sql: sql`upper(${v.sql})`, type: 'string' };
      return v;
    }
  }
  // A typed column, by its name or the name Logs Insights would discover.
  const exact = model.columns.get(name);
  if (exact !== undefined) return columnValue(exact, ops);
  if (ref.path.length === 1) {
    const matches = model.byNormalized.get(normalize(name));
    if (matches !== undefined && matches.length === 1)
      return columnValue(matches[0] as ColumnDef, ops);
  }
  // A path into a JSON or map column: `requestParameters.userName`, `dimensions.Service`.
  if (ref.path.length > 1) {
    const head = ref.path[0] as string;
    const c =
      model.columns.get(head) ??
      (model.byNormalized.get(normalize(head))?.length === 1
        ? (model.byNormalized.get(normalize(head)) as ColumnDef[])[0]
        : undefined);
    const rest = ref.path.slice(1);
    if (c !== undefined && c.type === 'json') return jsonValue(col(c.name), rest, ops, name);
    if (c !== undefined && c.type === 'map') {
      return { sql: ops.mapGet(col(c.name), rest.join('.')), type: 'string' };
    }
  }
  if (model.catchAll !== undefined && !name.startsWith('@')) {
    return jsonValue(col(model.catchAll), ref.path, ops, name);
  }
  const hint = closestName(name, [...model.columns.keys(), ...atFieldNames(model)]);
  return {
    kind: 'unknown',
    reason: `no field "${name}" in the ${model.def.name} dataset${
      model.catchAll === undefined ? ` (it has no JSON column of other fields)` : ''
    }${hint === undefined ? '' : `; did you mean ${hint}?`}`,
  };
}

function jsonValue(
  column: Sql,
  path: readonly string[],
  ops: DialectOps,
  name: string,
): Value | Unresolved {
  for (const key of path) {
    const problem = jsonKeyProblem(key);
    if (problem !== undefined) {
      return {
        kind: 'unsupported',
        reason: `cannot look up the JSON key ${JSON.stringify(key)} of "${name}": ${problem}`,
      };
    }
  }
  return { sql: ops.jsonScalar(column, path), type: 'dynamic' };
}

export function isUnresolved(v: Value | Unresolved): v is Unresolved {
  return 'kind' in v;
}
