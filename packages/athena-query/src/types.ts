/**
 * The contracts shared by the query language compiler, the Athena client and the embedded
 * DuckDB engine: a compiled query, typed result rows, and the result/stats API both
 * engines implement.
 */

/** SQL dialects the compiler targets. */
export type Dialect = 'athena' | 'duckdb';

/** A value bound to a `?` placeholder: never spliced into SQL text. */
export type SqlParam = string | number | boolean | null;

/** A Logs Insights query compiled for one dialect. */
export interface CompiledQuery {
  dialect: Dialect;
  /** SQL with `?` placeholders (positional, in order of `params`). */
  sql: string;
  /** Values of the placeholders. */
  params: SqlParam[];
  /** The datasets (tables/views) the query reads. */
  datasets: string[];
  /** Output columns in order, as the query names them. */
  columns: string[];
  /** Set when the query is `stats … by bin(…)`: the output column holding the bin start. */
  binColumn?: string | undefined;
  /**
   * The time range the SQL restricts `time` to (`from` ≤ time < `to`, epoch ms): the
   * compile options' `from`/`to`. An engine may skip whole hour partitions outside it (the
   * DuckDB engine reads and counts only the files of overlapping hours); leave it unset when
   * the SQL does not restrict time.
   */
  timeRange?: { from: number; to: number } | undefined;
}

/** What the compiler needs besides the query text. */
export interface CompileOptions {
  dialect: Dialect;
  /** The dataset (table/view) to query, e.g. `alb`, `app`. Default `app`. */
  dataset?: string | undefined;
  /** Inclusive start of the time range, epoch ms (required). */
  from: number;
  /** Exclusive end of the time range, epoch ms (required). */
  to: number;
  /**
   * Athena: database holding the tables (default `logpipe`). DuckDB: schema of the views
   * (default `main`).
   */
  database?: string | undefined;
  /** Row cap applied when the query has no `limit` (Logs Insights' default is 10,000). */
  defaultLimit?: number | undefined;
}

/** A typed cell value as both engines return it. */
export type CellValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | readonly CellValue[]
  | { readonly [key: string]: CellValue };

/** One column of a result, with the engine's type name (e.g. `varchar`, `bigint`, `timestamp(3)`). */
export interface ResultColumn {
  name: string;
  type: string;
}

/** Cost and size figures of one execution. */
export interface QueryStats {
  /** Bytes the engine read (Athena: DataScannedInBytes; DuckDB: bytes of the files in range). */
  bytesScanned: number;
  /** Estimated cost in USD (Athena: $5 per TB scanned, 10 MB minimum per query; DuckDB: 0). */
  costUsd: number;
  /** Wall time from submit to last row, ms. */
  elapsedMs: number;
  /** Engine-side execution time when the engine reports it, ms. */
  engineMs?: number | undefined;
  /** Rows returned. */
  rows: number;
  /** Athena: the QueryExecutionId; DuckDB: none. */
  queryId?: string | undefined;
  /** Athena: whether a previous result was reused. */
  reused?: boolean | undefined;
}

/**
 * A running or finished query. Iterate it for rows (objects keyed by column name, typed);
 * `columns` and `stats` are complete once iteration ends.
 */
export interface QueryResult extends AsyncIterable<Record<string, CellValue>> {
  /** Resolves when the column metadata is known (before the first row). */
  columns(): Promise<ResultColumn[]>;
  /** Resolves when the last row was read (or the query failed / was cancelled). */
  stats(): Promise<QueryStats>;
}

/** Options of one execution. */
export interface ExecuteOptions {
  /** Cancels the query (Athena: StopQueryExecution). */
  signal?: AbortSignal | undefined;
}

/** What both engines implement. */
export interface QueryEngine {
  /** Runs a compiled query of this engine's dialect. */
  execute(query: CompiledQuery, options?: ExecuteOptions): QueryResult;
  /** The engine's dialect. */
  readonly dialect: Dialect;
  close(): Promise<void>;
}
