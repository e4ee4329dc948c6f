import {
  type ColumnDef,
  type DatasetDef,
  datasetColumns,
  type LogRecord,
  type MetricRecord,
} from '@logpipe/core';

/**
 * A batch of one dataset in columnar form: one array per declared column, all
 * the same length, values already in storage form:
 * - `timestamp`: epoch ms (number) or null
 * - `int`/`bigint`/`double`: number or null
 * - `string`: string or null
 * - `boolean`: boolean or null
 * - `json`: JSON text (string) or null — Athena reaches into it with `json_extract`
 * - `map`: `Record<string, string>` or null
 */
export interface ColumnBatch {
  readonly dataset: DatasetDef;
  readonly columns: readonly ColumnDef[];
  readonly values: ReadonlyArray<unknown[]>;
  readonly rows: number;
}

function storage(type: ColumnDef['type'], v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'json':
      return JSON.stringify(v);
    case 'string':
      return typeof v === 'string' ? v : JSON.stringify(v);
    default:
      return v;
  }
}

function common(r: LogRecord, name: string): unknown {
  switch (name) {
    case 'time':
      return r.time;
    case 'id':
      return r.id;
    case 'owner':
      return r.origin.owner;
    case 'log_group':
      return r.origin.logGroup;
    case 'log_stream':
      return r.origin.logStream;
    case 'origin_region':
      return r.origin.region ?? null;
    case 'message':
      return r.message;
    default:
      return r.fields[name];
  }
}

/**
 * The columns of a batch of LogRecords of one dataset, in declaration order.
 * Columns a record lacks are null.
 *
 * @example
 * ```ts
 * const batch = logColumns(getDataset('alb'), records);
 * batch.values[batch.columns.findIndex((c) => c.name === 'elb_status_code')];
 * ```
 */
export function logColumns(dataset: DatasetDef, records: readonly LogRecord[]): ColumnBatch {
  const columns = datasetColumns(dataset);
  const values = columns.map(() => new Array<unknown>(records.length));
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as LogRecord;
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c] as ColumnDef;
      (values[c] as unknown[])[i] = storage(col.type, common(r, col.name));
    }
  }
  return { dataset, columns, values, rows: records.length };
}

/**
 * The columns of a batch of MetricRecords (the `metrics` dataset).
 *
 * @example
 * ```ts
 * const batch = metricColumns(getDataset('metrics'), metrics);
 * ```
 */
export function metricColumns(dataset: DatasetDef, metrics: readonly MetricRecord[]): ColumnBatch {
  const columns = datasetColumns(dataset);
  const values = columns.map(() => new Array<unknown>(metrics.length));
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i] as MetricRecord;
    const row: Record<string, unknown> = {
      time: m.time,
      measure_name: m.measureName,
      dimensions: m.dimensions,
      measures: m.measures,
    };
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c] as ColumnDef;
      (values[c] as unknown[])[i] = storage(col.type, row[col.name]);
    }
  }
  return { dataset, columns, values, rows: metrics.length };
}
