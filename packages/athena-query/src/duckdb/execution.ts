/**
 * One DuckDB execution: a {@link QueryResult} whose query starts when it is created and whose
 * rows stream chunk by chunk (DuckDB's streaming result, about 2,048 rows per chunk), so a large
 * result never sits in memory at once.
 */
import type {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBPreparedStatement,
  DuckDBResult,
  DuckDBValue,
} from '@duckdb/node-api';
import { LogpipeError } from '@logpipe/core';
import type {
  CellValue,
  CompiledQuery,
  QueryResult,
  QueryStats,
  ResultColumn,
  SqlParam,
} from '../types.js';
import { columnConverter } from './convert.js';
import { DuckDbQueryError } from './errors.js';
import type { DuckDbModule } from './load.js';
import type { TimeRange } from './views.js';

/** Times a query is started when a file it was about to read vanished (compaction). */
export const MAX_START_ATTEMPTS = 3;

/** A connection of the engine's database. */
export interface Session {
  duck: DuckDbModule;
  connection: DuckDBConnection;
}

/** What an execution needs from its engine. */
export interface EngineHooks {
  /** A new connection (session time zone UTC). */
  connect(): Promise<Session>;
  /**
   * Creates the temporary views of `datasets` (every dataset when empty) on `connection` from a
   * fresh listing, limited to the hours of `range`; resolves with the bytes of the files they
   * read.
   */
  refreshViews(
    connection: DuckDBConnection,
    datasets: readonly string[],
    range: TimeRange | undefined,
  ): Promise<number>;
  /** Aborts on `close()`. */
  readonly closing: AbortSignal;
  /** Called when the execution is created, before it starts. */
  started(execution: DuckDbExecution): void;
  /** Called once the execution released its connection. */
  released(execution: DuckDbExecution): void;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody has to ask for columns() or stats(): a rejection nobody awaits is not an error.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether a DuckDB error says a file it was given is not there: a compaction deleted it between
 * the listing and the read, so listing again finds the merged file instead.
 */
export function isVanishedFileError(error: unknown): boolean {
  const m = messageOf(error);
  return /^IO Error:/.test(m) && /No files found|No such file|Cannot open file/i.test(m);
}

/** Binds `?` parameters: strings as VARCHAR, whole numbers as BIGINT, others as DOUBLE. */
function bindParams(prepared: DuckDBPreparedStatement, params: readonly SqlParam[]): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i] as SqlParam;
    const index = i + 1;
    if (p === null) prepared.bindNull(index);
    else if (typeof p === 'string') prepared.bindVarchar(index, p);
    else if (typeof p === 'boolean') prepared.bindBoolean(index, p);
    else if (Number.isSafeInteger(p)) prepared.bindBigInt(index, BigInt(p));
    else prepared.bindDouble(index, p);
  }
}

/**
 * Checks the parameters `execute` was given; throws `INVALID_PARAMETER` for a value DuckDB
 * would not take the same way Athena does (a non-finite number, a non-scalar).
 */
export function checkParams(params: readonly unknown[]): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const ok =
      p === null ||
      typeof p === 'string' ||
      typeof p === 'boolean' ||
      (typeof p === 'number' && Number.isFinite(p));
    if (!ok) {
      throw new DuckDbQueryError(
        'INVALID_PARAMETER',
        `parameter ${i + 1} must be a string, a finite number, a boolean or null, got ${
          typeof p === 'number' ? String(p) : typeof p
        }`,
      );
    }
  }
}

type Row = Record<string, CellValue>;

/** One execution of a compiled query on the DuckDB engine. */
export class DuckDbExecution implements QueryResult {
  readonly #hooks: EngineHooks;
  readonly #query: CompiledQuery;
  readonly #userSignal: AbortSignal | undefined;
  readonly #signal: AbortSignal;
  readonly #startedAt = performance.now();
  readonly #columns = deferred<ResultColumn[]>();
  readonly #stats = deferred<QueryStats>();
  readonly #onAbort = (): void => this.#stop();
  /** Settles once the query is started (or failed to start); never rejects. */
  readonly #opened: Promise<void>;
  #session: Session | undefined;
  #prepared: DuckDBPreparedStatement | undefined;
  #result: DuckDBResult | undefined;
  #names: string[] = [];
  #converters: ((value: DuckDBValue) => CellValue)[] = [];
  #protoSafe = true;
  #bytes = 0;
  #rows = 0;
  #attempts = 0;
  #iterated = false;
  /** A DuckDB call (or the start) is under way: releasing the connection must wait. */
  #busy = false;
  #stopped: DuckDbQueryError | undefined;
  #error: DuckDbQueryError | undefined;
  #finished = false;

  constructor(hooks: EngineHooks, query: CompiledQuery, signal: AbortSignal | undefined) {
    this.#hooks = hooks;
    this.#query = query;
    this.#userSignal = signal;
    this.#signal = signal === undefined ? hooks.closing : AbortSignal.any([signal, hooks.closing]);
    if (this.#signal.aborted) this.#stopped = this.#stopError();
    else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    hooks.started(this);
    this.#opened = this.#open();
  }

  columns(): Promise<ResultColumn[]> {
    return this.#columns.promise;
  }

  stats(): Promise<QueryStats> {
    return this.#stats.promise;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Row, void, undefined> {
    if (this.#iterated) {
      throw new DuckDbQueryError('ALREADY_ITERATED', 'a DuckDB result can be iterated once');
    }
    this.#iterated = true;
    try {
      await this.#opened;
      for (;;) {
        this.#throwIfDone();
        const rows = await this.#nextChunk();
        if (rows === undefined) break;
        for (const row of rows) {
          this.#rows++;
          yield row;
          this.#throwIfDone();
        }
      }
      this.#finish();
    } catch (error) {
      const e = this.#wrap(error);
      this.#finish(e);
      throw e;
    } finally {
      // A consumer that stops early (break/return) ends the query here; stats count its rows.
      this.#finish();
    }
  }

  /** Stops a running query: an abort, or the engine closing. */
  #stop(): void {
    if (this.#finished) return;
    this.#stopped ??= this.#stopError();
    this.#session?.connection.interrupt();
    // Busy: the call under way fails or returns, sees #stopped and finishes.
    if (!this.#busy) this.#finish(this.#stopped);
  }

  #stopError(): DuckDbQueryError {
    if (this.#userSignal?.aborted === true) {
      return new DuckDbQueryError('ABORTED', 'the query was aborted', {
        cause: this.#userSignal.reason,
      });
    }
    return new DuckDbQueryError('ENGINE_CLOSED', 'the engine was closed before the query ended');
  }

  #throwIfStopped(): void {
    if (this.#stopped !== undefined) throw this.#stopped;
  }

  #throwIfDone(): void {
    this.#throwIfStopped();
    if (this.#error !== undefined) throw this.#error;
  }

  async #open(): Promise<void> {
    this.#busy = true;
    try {
      await this.#start();
    } catch (error) {
      this.#busy = false;
      this.#finish(this.#wrap(error));
      return;
    }
    this.#busy = false;
    if (this.#stopped !== undefined) this.#finish(this.#stopped);
  }

  /** Starts the query, listing again when a file vanished before it could be read. */
  async #start(): Promise<void> {
    for (;;) {
      this.#attempts++;
      try {
        await this.#startOnce();
        return;
      } catch (error) {
        this.#throwIfStopped();
        if (!isVanishedFileError(error) || this.#attempts >= MAX_START_ATTEMPTS) throw error;
        this.#dropStatement();
      }
    }
  }

  async #startOnce(): Promise<void> {
    this.#throwIfStopped();
    if (this.#session === undefined) {
      const session = await this.#hooks.connect();
      this.#session = session;
      this.#throwIfStopped();
    }
    const { connection, duck } = this.#session;
    const q = this.#query;
    const range = q.timeRange;
    this.#bytes = await this.#hooks.refreshViews(connection, q.datasets, range);
    this.#throwIfStopped();
    const prepared = await connection.prepare(q.sql);
    this.#prepared = prepared;
    if (prepared.parameterCount !== q.params.length) {
      throw new DuckDbQueryError(
        'INVALID_QUERY',
        `the query has ${prepared.parameterCount} parameters but ${q.params.length} values were given`,
      );
    }
    bindParams(prepared, q.params);
    const result = await prepared.stream();
    this.#result = result;
    this.#throwIfStopped();
    this.#names = result.deduplicatedColumnNames();
    this.#protoSafe = !this.#names.includes('__proto__');
    const types = result.columnTypes();
    this.#converters = types.map((t) => columnConverter(t, duck.DuckDBTypeId));
    this.#columns.resolve(
      this.#names.map((name, i) => ({ name, type: String(types[i]).toLowerCase() })),
    );
  }

  /** The rows of the next chunk, or `undefined` at the end. */
  async #nextChunk(): Promise<Row[] | undefined> {
    for (;;) {
      this.#busy = true;
      let chunk: DuckDBDataChunk | null;
      try {
        chunk = await (this.#result as DuckDBResult).fetchChunk();
      } catch (error) {
        this.#throwIfStopped();
        // Nothing delivered yet: the query can start over on a fresh listing.
        if (this.#rows === 0 && isVanishedFileError(error) && this.#attempts < MAX_START_ATTEMPTS) {
          this.#dropStatement();
          await this.#start();
          continue;
        }
        throw error;
      } finally {
        this.#busy = false;
      }
      this.#throwIfStopped();
      if (chunk === null || chunk.rowCount === 0) return undefined;
      return this.#rowsOf(chunk);
    }
  }

  #rowsOf(chunk: DuckDBDataChunk): Row[] {
    const names = this.#names;
    const converters = this.#converters;
    const columns = chunk.getColumns();
    const n = chunk.rowCount;
    const rows = new Array<Row>(n);
    for (let r = 0; r < n; r++) {
      const row: Row = {};
      for (let c = 0; c < names.length; c++) {
        const value = (converters[c] as (v: DuckDBValue) => CellValue)(
          (columns[c] as DuckDBValue[])[r] ?? null,
        );
        if (this.#protoSafe) row[names[c] as string] = value;
        else
          Object.defineProperty(row, names[c] as string, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      rows[r] = row;
    }
    return rows;
  }

  #dropStatement(): void {
    this.#result = undefined;
    try {
      this.#prepared?.destroySync();
    } catch {
      // already gone
    }
    this.#prepared = undefined;
  }

  #wrap(error: unknown): DuckDbQueryError {
    if (this.#stopped !== undefined) return this.#stopped;
    if (DuckDbQueryError.isInstance(error)) return error;
    if (LogpipeError.isInstance(error)) {
      // Listing the lake failed (StorageError, CompactionError).
      return new DuckDbQueryError('LAKE_READ_FAILED', `cannot list the lake: ${error.message}`, {
        cause: error,
        retryable: error.retryable,
      });
    }
    const message = messageOf(error);
    if (/^IO Error:/.test(message)) {
      return new DuckDbQueryError('LAKE_READ_FAILED', message, { cause: error, retryable: true });
    }
    if (/^INTERRUPT Error:/.test(message)) {
      return new DuckDbQueryError('ABORTED', message, { cause: error });
    }
    return new DuckDbQueryError('QUERY_FAILED', message, { cause: error });
  }

  /** Settles columns() (rejected when it never resolved) and stats(), releases the connection; once. */
  #finish(error?: DuckDbQueryError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#error = error;
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (error !== undefined) this.#columns.reject(error);
    this.#stats.resolve({
      bytesScanned: this.#bytes,
      costUsd: 0,
      elapsedMs: Math.max(0, performance.now() - this.#startedAt),
      rows: this.#rows,
    });
    this.#dropStatement();
    try {
      this.#session?.connection.disconnectSync();
    } catch {
      // already closed
    }
    this.#session = undefined;
    this.#hooks.released(this);
  }
}
