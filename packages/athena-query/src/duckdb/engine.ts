import { resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, datasetColumns, getDataset, listDatasets } from '@logpipe/core';
import { createLocalStorage } from '@logpipe/s3-parquet';
import type { CompiledQuery, ExecuteOptions, QueryEngine, QueryResult } from '../types.js';
import { DuckDbQueryError } from './errors.js';
import { checkParams, DuckDbExecution, type EngineHooks, type Session } from './execution.js';
import { type DuckDbModule, loadDuckDb } from './load.js';
import {
  DATASET_NAME_RE,
  filesViewSql,
  hasGlobChars,
  listDatasetFiles,
  presentDatasets,
  quoteIdent,
  shapedViewSql,
  type TimeRange,
  type ViewColumn,
  viewSql,
} from './views.js';

/**
 * Options of {@link createDuckDbEngine}.
 *
 * @example
 * ```ts
 * const options: DuckDbEngineOptions = { lake: './lake' };
 * ```
 */
export interface DuckDbEngineOptions {
  /** The local lake directory (holding `<dataset>/year=YYYY/…`); it may not exist yet. */
  lake: string;
  /**
   * The DuckDB database: `':memory:'` (default) or a file path. The dataset views are
   * temporary (per connection), so they are never stored in it.
   */
  database?: string | undefined;
}

/**
 * The embedded DuckDB engine, for queries compiled with `dialect: 'duckdb'`.
 *
 * @example
 * ```ts
 * const engine = createDuckDbEngine({ lake: './lake' });
 * const result = engine.execute(compiled);
 * for await (const row of result) console.log(row);
 * console.log(await result.stats()); // { bytesScanned, costUsd: 0, elapsedMs, rows }
 * await engine.close();
 * ```
 */
export interface DuckDbEngine extends QueryEngine {
  readonly dialect: 'duckdb';
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`createDuckDbEngine: ${name} must be a non-empty string`);
  }
  return value;
}

/** Every declared dataset's name. */
function declaredNames(): string[] {
  return listDatasets().map((d) => d.name);
}

function declaredColumns(name: string) {
  try {
    return datasetColumns(getDataset(name));
  } catch {
    return undefined;
  }
}

/** The columns of a temporary view, in order, from DuckDB's catalog (the view is not bound again). */
async function viewColumns(connection: DuckDBConnection, name: string): Promise<ViewColumn[]> {
  const reader = await connection.runAndReadAll(
    "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'temp' AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
    [name],
  );
  return reader.getRows().map(([column, type]) => ({ name: String(column), type: String(type) }));
}

/**
 * Creates the embedded DuckDB engine over a local lake written by `@logpipe/s3-parquet`.
 *
 * Each query runs on its own connection. Before it starts the engine lists the lake again (it
 * changes while it is queried) and creates, on that connection, one temporary view per dataset
 * the query names (`CompiledQuery.datasets`; every dataset when that is empty), found as
 * `main.<dataset>` — the names the compiler writes with its default `database` (`main`):
 * `read_parquet([<visible files>], hive_partitioning = true, hive_types = {year/month/day/hour:
 * VARCHAR}, union_by_name = true)`, its columns read back from DuckDB's catalog and, when the
 * files lack declared columns or hold them out of order, reshaped by a projection (`NULL` of
 * the declared type for a missing column); only a declared column of another type in the files
 * brings in a `UNION ALL BY NAME` with an empty relation of the declared columns (see
 * `shapedViewSql`). So partition keys stay the zero-padded strings of the layout
 * (`month = '01'`), every declared column exists even in a dataset with no files yet (an empty
 * relation of the declared columns), the Parquet scan sits right under the query (DuckDB's
 * top-N late materialization applies), and files of compaction inputs whose merged output
 * exists are not read twice (compaction markers are honoured, see `listLakeFiles` of
 * `@logpipe/s3-parquet`). When the query carries `timeRange`, only files of the hours it
 * overlaps are put in the view.
 *
 * `execute` starts the query at once and returns its result: `columns()` resolves when the
 * query started; iterating streams DuckDB's result chunk by chunk (typed rows: BIGINT and
 * HUGEINT as bigint, timestamps as Date, maps and structs as plain objects, lists as arrays —
 * the types the Athena engine gives the same SQL types); `stats()` resolves when the last row was read, or
 * when the query failed, was aborted or the consumer stopped early. `bytesScanned` is the size
 * of the files put in the views the query reads — an upper bound, as DuckDB reads only the
 * columns and row groups it needs. `costUsd` is 0. An abort interrupts the running query.
 * `close()` stops every execution still running and closes the database.
 *
 * `@duckdb/node-api` (native) is loaded on the first query, not when this module is imported.
 *
 * `execute` throws {@link DuckDbQueryError} (`INVALID_QUERY`, `INVALID_PARAMETER`,
 * `ENGINE_CLOSED`) for a query it cannot run; every other failure arrives through the result.
 *
 * @throws ConfigError for invalid options.
 */
export function createDuckDbEngine(options: DuckDbEngineOptions): DuckDbEngine {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('createDuckDbEngine: options { lake } are required');
  }
  const root = resolve(nonEmptyString('lake', options.lake));
  if (hasGlobChars(root)) {
    throw new ConfigError(
      `createDuckDbEngine: lake path ${JSON.stringify(root)} has a character DuckDB reads as a glob (* ? [ ] { }); move the lake`,
    );
  }
  const database = nonEmptyString('database', options.database ?? ':memory:');
  const storage = createLocalStorage({ root });
  const closing = new AbortController();
  const running = new Set<DuckDbExecution>();
  const idle: (() => void)[] = [];
  let opened: Promise<{ duck: DuckDbModule; instance: DuckDBInstance }> | undefined;
  let closed: Promise<void> | undefined;

  async function open(): Promise<{ duck: DuckDbModule; instance: DuckDBInstance }> {
    const duck = await loadDuckDb();
    let instance: DuckDBInstance;
    try {
      // No extension is ever fetched from the network: the ones queries need are built in.
      instance = await duck.DuckDBInstance.create(database, {
        autoinstall_known_extensions: 'false',
      });
    } catch (error) {
      throw new DuckDbQueryError(
        'ENGINE_UNAVAILABLE',
        `cannot open DuckDB database ${database}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return { duck, instance };
  }

  const hooks: EngineHooks = {
    closing: closing.signal,
    async connect(): Promise<Session> {
      opened ??= open();
      opened.catch(() => {
        opened = undefined;
      });
      const { duck, instance } = await opened;
      const connection = await instance.connect();
      // Bins and date parts of TIMESTAMPTZ follow the session zone: keep them in UTC, as the
      // lake layout and Athena are.
      await connection.run("SET TimeZone = 'UTC'");
      return { duck, connection };
    },
    async refreshViews(
      connection: DuckDBConnection,
      datasets: readonly string[],
      range: TimeRange | undefined,
    ): Promise<number> {
      const present = await presentDatasets(root);
      const names =
        datasets.length > 0
          ? datasets.filter((d) => DATASET_NAME_RE.test(d))
          : [...new Set([...declaredNames(), ...present])].sort();
      let bytes = 0;
      for (const name of names) {
        const declared = declaredColumns(name);
        const files = present.includes(name)
          ? await listDatasetFiles(storage, root, name, range)
          : { paths: [], bytes: 0 };
        if (files.paths.length > 0) {
          // The files alone first; reshaped only when their columns are not the dataset's.
          await connection.run(filesViewSql(name, files.paths));
          const columns = await viewColumns(connection, name);
          const shaped = shapedViewSql(name, declared, files.paths, columns);
          if (shaped !== undefined) await connection.run(shaped);
          bytes += files.bytes;
          continue;
        }
        const sql = viewSql(name, declared, files.paths);
        if (sql === undefined) {
          await connection.run(`DROP VIEW IF EXISTS temp.main.${quoteIdent(name)}`);
          continue;
        }
        await connection.run(sql);
      }
      return bytes;
    },
    started(execution: DuckDbExecution): void {
      running.add(execution);
    },
    released(execution: DuckDbExecution): void {
      running.delete(execution);
      if (running.size === 0) for (const f of idle.splice(0)) f();
    },
  };

  return {
    dialect: 'duckdb',
    execute(query: CompiledQuery, executeOptions: ExecuteOptions = {}): QueryResult {
      if (closed !== undefined) {
        throw new DuckDbQueryError('ENGINE_CLOSED', 'execute() after close()');
      }
      if (query === null || typeof query !== 'object' || query.dialect !== 'duckdb') {
        throw new DuckDbQueryError(
          'INVALID_QUERY',
          `the DuckDB engine runs queries compiled for 'duckdb', not '${String(query?.dialect)}'`,
        );
      }
      if (typeof query.sql !== 'string' || query.sql.trim() === '') {
        throw new DuckDbQueryError('INVALID_QUERY', 'the query has no SQL');
      }
      if (!Array.isArray(query.params)) {
        throw new DuckDbQueryError('INVALID_QUERY', 'the query has no params array');
      }
      if (!Array.isArray(query.datasets)) {
        throw new DuckDbQueryError('INVALID_QUERY', 'the query has no datasets array');
      }
      checkParams(query.params);
      const range = query.timeRange;
      if (
        range !== undefined &&
        !(Number.isFinite(range?.from) && Number.isFinite(range?.to) && range.from < range.to)
      ) {
        throw new DuckDbQueryError(
          'INVALID_QUERY',
          'timeRange must have finite epoch ms from < to',
        );
      }
      return new DuckDbExecution(hooks, query, executeOptions.signal);
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort();
        if (running.size > 0) await new Promise<void>((done) => idle.push(done));
        const o = opened;
        opened = undefined;
        if (o !== undefined) {
          try {
            (await o).instance.closeSync();
          } catch {
            // never opened
          }
        }
      })();
      return closed;
    },
  };
}
