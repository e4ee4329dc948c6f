/** Column types a dataset may declare. `json` holds nested values as JSON text in storage. */
export type ColumnType =
  | 'string'
  | 'int'
  | 'bigint'
  | 'double'
  | 'boolean'
  | 'timestamp'
  | 'json'
  | 'map';

/**
 * One column of a dataset.
 * - `timestamp` values are epoch milliseconds (number).
 * - `int`/`bigint` values are JS numbers (safe integers).
 * - `map` values are `Record<string, string>`.
 * - `json` values are any JSON-compatible value.
 */
export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

/** A named, typed column set, declared once and read by every writer and query engine. */
export interface DatasetDef {
  readonly name: string;
  readonly description: string;
  /** Columns specific to this dataset (the record's `fields`). */
  readonly columns: readonly ColumnDef[];
}
