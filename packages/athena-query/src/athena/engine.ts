/**
 * The Athena engine: runs a compiled query with StartQueryExecution, polls GetQueryExecution
 * with backoff until the query finishes, and streams every GetQueryResults page as typed rows.
 */
import { randomUUID } from 'node:crypto';
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  type Row,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { ConfigError } from '@logpipe/core';
import type {
  CellValue,
  CompiledQuery,
  ExecuteOptions,
  QueryEngine,
  QueryResult,
  QueryStats,
  ResultColumn,
} from '../types.js';
import { athenaCostUsd } from './cost.js';
import { AthenaQueryError, type AthenaQueryErrorOptions } from './errors.js';
import {
  ATHENA_MAX_QUERY_BYTES,
  ATHENA_MAX_RESULT_REUSE_MINUTES,
  ATHENA_MAX_RESULTS_PER_PAGE,
  ATHENA_WORKGROUP_PATTERN,
} from './limits.js';
import { countPlaceholders, toExecutionParameter } from './params.js';
import { type CellDecoder, columnDecoder, resultColumns } from './values.js';

/**
 * Options of {@link createAthenaEngine}.
 *
 * @example
 * ```ts
 * const options: AthenaEngineOptions = {
 *   client: new AthenaClient({ region: 'eu-west-1' }),
 *   workgroup: 'logpipe',
 *   database: 'logpipe',
 *   resultReuseMaxAgeMinutes: 15,
 * };
 * ```
 */
export interface AthenaEngineOptions {
  /**
   * The Athena client, used as given (its own retry policy included): give it `maxAttempts: 1`
   * to let this engine be the only retry layer, or keep the SDK's retries and accept that
   * attempts multiply.
   */
  client: AthenaClient;
  /** Workgroup to run in. Default: the client's (Athena's `primary`). */
  workgroup?: string | undefined;
  /** Database of unqualified table names (`QueryExecutionContext.Database`). */
  database?: string | undefined;
  /** Data catalog (`QueryExecutionContext.Catalog`). Default: Athena's `AwsDataCatalog`. */
  catalog?: string | undefined;
  /**
   * `s3://…` location of the result files. Required unless the workgroup sets one. Note that
   * Athena reuses results only with the same result configuration.
   */
  outputLocation?: string | undefined;
  /** Enable result reuse for results up to this many minutes old (0–10,080). Default: off. */
  resultReuseMaxAgeMinutes?: number | undefined;
  /** First poll delay, and base of the retry backoff, in ms (≥ 1). Default 250. */
  pollMinMs?: number | undefined;
  /** Longest poll delay and longest retry delay, in ms (≥ pollMinMs). Default 5,000. */
  pollMaxMs?: number | undefined;
  /** Attempts per API call when Athena throttles or has a transient fault, first included (1–50). Default 6. */
  maxAttempts?: number | undefined;
  /** Rows per GetQueryResults page (1–1,000). Default 1,000. */
  pageSize?: number | undefined;
  /** Waits `ms`; may return early when `signal` aborts. Default: a timer. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Uniform random number in [0, 1) for the retry jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Clock for `elapsedMs`, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined;
}

interface ResolvedOptions {
  client: AthenaClient;
  pollMinMs: number;
  pollMaxMs: number;
  maxAttempts: number;
  pageSize: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  /** StartQueryExecution input without the per-query fields. */
  base: Omit<StartQueryExecutionCommandInput, 'QueryString'>;
}

const DEFAULTS = {
  pollMinMs: 250,
  pollMaxMs: 5000,
  maxAttempts: 6,
  pageSize: ATHENA_MAX_RESULTS_PER_PAGE,
} as const;

/**
 * Waits on a timer; resolves early when `signal` aborts. The timer is not `unref()`ed: a
 * process waiting for a query to finish has nothing else keeping it alive.
 */
function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function intOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

function textOption(name: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ConfigError(`${name} must be a string of 1..${max} characters`);
  }
  return value;
}

function resolveOptions(options: AthenaEngineOptions): ResolvedOptions {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof (options.client as { send?: unknown } | undefined)?.send !== 'function'
  ) {
    throw new ConfigError('createAthenaEngine: `client` must be an AthenaClient');
  }
  const pollMinMs = intOption('pollMinMs', options.pollMinMs, DEFAULTS.pollMinMs, 1, 3_600_000);
  const pollMaxMs = intOption(
    'pollMaxMs',
    options.pollMaxMs,
    Math.max(DEFAULTS.pollMaxMs, pollMinMs),
    pollMinMs,
    3_600_000,
  );
  const maxAttempts = intOption('maxAttempts', options.maxAttempts, DEFAULTS.maxAttempts, 1, 50);
  const pageSize = intOption(
    'pageSize',
    options.pageSize,
    DEFAULTS.pageSize,
    1,
    ATHENA_MAX_RESULTS_PER_PAGE,
  );
  const workgroup = textOption('workgroup', options.workgroup, 128);
  if (workgroup !== undefined && !ATHENA_WORKGROUP_PATTERN.test(workgroup)) {
    throw new ConfigError(`workgroup ${JSON.stringify(workgroup)}: use [a-zA-Z0-9._-], 1..128`);
  }
  const database = textOption('database', options.database, 255);
  const catalog = textOption('catalog', options.catalog, 256);
  const outputLocation = textOption('outputLocation', options.outputLocation, 1024);
  if (outputLocation !== undefined && !/^s3:\/\/[^/]+/.test(outputLocation)) {
    throw new ConfigError(
      `outputLocation must be an s3://bucket/prefix/ URL, got ${outputLocation}`,
    );
  }
  const reuse =
    options.resultReuseMaxAgeMinutes === undefined
      ? undefined
      : intOption(
          'resultReuseMaxAgeMinutes',
          options.resultReuseMaxAgeMinutes,
          0,
          0,
          ATHENA_MAX_RESULT_REUSE_MINUTES,
        );
  for (const [name, fn] of [
    ['sleep', options.sleep],
    ['random', options.random],
    ['now', options.now],
  ] as const) {
    if (fn !== undefined && typeof fn !== 'function') {
      throw new ConfigError(`${name} must be a function`);
    }
  }

  const base: Omit<StartQueryExecutionCommandInput, 'QueryString'> = {};
  if (workgroup !== undefined) base.WorkGroup = workgroup;
  if (database !== undefined || catalog !== undefined) {
    base.QueryExecutionContext = {};
    if (database !== undefined) base.QueryExecutionContext.Database = database;
    if (catalog !== undefined) base.QueryExecutionContext.Catalog = catalog;
  }
  if (outputLocation !== undefined) base.ResultConfiguration = { OutputLocation: outputLocation };
  if (reuse !== undefined) {
    base.ResultReuseConfiguration = {
      ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: reuse },
    };
  }
  return {
    client: options.client,
    pollMinMs,
    pollMaxMs,
    maxAttempts,
    pageSize,
    sleep: options.sleep ?? timerSleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    base,
  };
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

type FaultKind = 'throttle' | 'transient' | 'permanent';

const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

function faultKind(err: unknown): FaultKind {
  const e = err as {
    name?: string;
    code?: string;
    $retryable?: { throttling?: boolean };
    $metadata?: { httpStatusCode?: number };
  };
  const status = e?.$metadata?.httpStatusCode;
  if (THROTTLE_NAMES.has(e?.name ?? '') || e?.$retryable?.throttling === true || status === 429) {
    return 'throttle';
  }
  if (
    e?.name === 'InternalServerException' ||
    e?.name === 'TimeoutError' ||
    (status !== undefined && status >= 500) ||
    NETWORK_CODES.has(e?.code ?? '')
  ) {
    return 'transient';
  }
  return 'permanent';
}

function errorName(err: unknown): string | undefined {
  const name = (err as { name?: unknown })?.name;
  return typeof name === 'string' ? name : undefined;
}

function errorMessage(err: unknown): string {
  const e = err as { message?: unknown; Message?: unknown };
  if (typeof e?.message === 'string' && e.message !== '') return e.message;
  if (typeof e?.Message === 'string') return e.Message;
  return String(err);
}

interface Page {
  rows: Row[];
  nextToken: string | undefined;
}

/** Per-engine state shared by its executions. */
interface EngineContext {
  readonly options: ResolvedOptions;
  /** Aborts every execution on close(). */
  readonly closing: AbortController;
}

const TERMINAL_ERROR_CODES = new Set(['QUERY_FAILED', 'QUERY_CANCELLED']);

/** One execution: a QueryResult whose query starts when it is created. */
class AthenaExecution implements QueryResult {
  private readonly opts: ResolvedOptions;
  private readonly signal: AbortSignal;
  private readonly userSignal: AbortSignal | undefined;
  private readonly startedAt: number;
  private readonly columnsReady = deferred<ResultColumn[]>();
  private readonly statsReady = deferred<QueryStats>();
  /** The first page of results (columns known); rejects when the query cannot finish. */
  readonly firstPage: Promise<Page>;
  private queryId: string | undefined;
  private execution: QueryExecution | undefined;
  private info: ColumnInfo[] = [];
  private names: string[] = [];
  private decoders: CellDecoder[] = [];
  private rowCount = 0;
  private iterated = false;
  private finished = false;
  private aborted = false;

  constructor(
    ctx: EngineContext,
    input: StartQueryExecutionCommandInput,
    userSignal: AbortSignal | undefined,
  ) {
    this.opts = ctx.options;
    this.userSignal = userSignal;
    this.signal =
      userSignal === undefined
        ? ctx.closing.signal
        : AbortSignal.any([userSignal, ctx.closing.signal]);
    this.startedAt = this.opts.now();
    this.firstPage = this.run(input);
    this.firstPage.catch(() => undefined);
  }

  columns(): Promise<ResultColumn[]> {
    return this.columnsReady.promise;
  }

  stats(): Promise<QueryStats> {
    return this.statsReady.promise;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Record<string, CellValue>, void, undefined> {
    if (this.iterated) {
      throw new AthenaQueryError('ALREADY_ITERATED', 'an Athena result can be iterated once', {
        queryId: this.queryId,
      });
    }
    this.iterated = true;
    let page = await this.firstPage;
    let done = false;
    try {
      for (;;) {
        for (const row of page.rows) {
          if (this.signal.aborted) throw this.abortError();
          const decoded = this.decodeRow(row);
          this.rowCount++;
          yield decoded;
        }
        if (page.nextToken === undefined) break;
        page = await this.fetchPage(page.nextToken);
      }
      done = true;
      this.finish();
    } catch (err) {
      done = true;
      const error = this.asQueryError(err);
      this.finish(error);
      throw error;
    } finally {
      // The consumer stopped early (break / return): the rows it took are the result.
      if (!done) this.finish();
    }
  }

  private async run(input: StartQueryExecutionCommandInput): Promise<Page> {
    try {
      if (this.signal.aborted) throw this.abortError();
      const id = await this.start(input);
      this.queryId = id;
      try {
        await this.waitUntilDone(id);
      } catch (err) {
        if (
          this.signal.aborted &&
          !(AthenaQueryError.isInstance(err) && TERMINAL_ERROR_CODES.has(err.code))
        ) {
          await this.stop(id);
          throw this.abortError();
        }
        throw err;
      }
      const page = await this.fetchPage(undefined);
      this.columnsReady.resolve(resultColumns(this.info));
      return page;
    } catch (err) {
      const error = this.asQueryError(err);
      this.finish(error);
      throw error;
    }
  }

  /**
   * StartQueryExecution with one ClientRequestToken for every attempt: a retry after a lost
   * response gets the execution the first attempt created instead of starting a second one.
   * The abort signal is not consulted while starting: a start abandoned midway could leave a
   * query running with no id to stop it by.
   */
  private async start(input: StartQueryExecutionCommandInput): Promise<string> {
    const out = await this.call(
      'StartQueryExecution',
      () => this.opts.client.send(new StartQueryExecutionCommand(input)),
      false,
    );
    const id = out.QueryExecutionId;
    if (id === undefined || id === '') {
      throw new AthenaQueryError(
        'REQUEST_FAILED',
        'StartQueryExecution returned no QueryExecutionId',
        { operation: 'StartQueryExecution' },
      );
    }
    return id;
  }

  /** Polls GetQueryExecution with exponential backoff until SUCCEEDED; throws on FAILED / CANCELLED. */
  private async waitUntilDone(id: string): Promise<void> {
    let delay = this.opts.pollMinMs;
    for (;;) {
      await this.pause(delay, true);
      if (this.signal.aborted) throw this.abortError();
      const out = await this.call(
        'GetQueryExecution',
        () =>
          this.opts.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), {
            abortSignal: this.signal,
          }),
        true,
      );
      this.execution = out.QueryExecution;
      const status = this.execution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return;
        case 'FAILED': {
          const ae = status.AthenaError;
          const reason = status.StateChangeReason ?? ae?.ErrorMessage ?? 'no reason given';
          throw new AthenaQueryError('QUERY_FAILED', `Athena query ${id} failed: ${reason}`, {
            queryId: id,
            state: 'FAILED',
            stateChangeReason: status.StateChangeReason,
            retryable: ae?.Retryable === true,
            athenaError:
              ae === undefined
                ? undefined
                : {
                    errorCategory: ae.ErrorCategory,
                    errorType: ae.ErrorType,
                    retryable: ae.Retryable,
                    errorMessage: ae.ErrorMessage,
                  },
          });
        }
        case 'CANCELLED':
          throw new AthenaQueryError(
            'QUERY_CANCELLED',
            `Athena query ${id} was cancelled${status.StateChangeReason === undefined ? '' : `: ${status.StateChangeReason}`}`,
            { queryId: id, state: 'CANCELLED', stateChangeReason: status.StateChangeReason },
          );
        default:
          // QUEUED, RUNNING (or a state this client does not know yet): wait longer.
          delay = Math.min(this.opts.pollMaxMs, delay * 2);
      }
    }
  }

  /** StopQueryExecution after an abort, then one last look at the statistics (best effort). */
  private async stop(id: string): Promise<void> {
    this.aborted = true;
    try {
      await this.call(
        'StopQueryExecution',
        () => this.opts.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })),
        false,
      );
    } catch {
      // The abort is reported either way; a query that cannot be stopped ends on its own.
    }
    try {
      const out = await this.opts.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      if (out.QueryExecution !== undefined) this.execution = out.QueryExecution;
    } catch {
      // Statistics stay as last seen.
    }
  }

  private async fetchPage(nextToken: string | undefined): Promise<Page> {
    const id = this.queryId!;
    const out = await this.call(
      'GetQueryResults',
      () =>
        this.opts.client.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: this.opts.pageSize,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
          { abortSignal: this.signal },
        ),
      true,
    );
    let rows = out.ResultSet?.Rows ?? [];
    if (nextToken === undefined) {
      this.info = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      this.names = resultColumns(this.info).map((c) => c.name);
      this.decoders = this.info.map(columnDecoder);
      // The first row of a SELECT's first page holds the column labels, not data.
      const first = rows[0];
      if (this.execution?.StatementType === 'DML' && first !== undefined && this.isHeader(first)) {
        rows = rows.slice(1);
      }
    }
    const token = out.NextToken;
    return { rows, nextToken: token === undefined || token === '' ? undefined : token };
  }

  private isHeader(row: Row): boolean {
    const data = row.Data ?? [];
    if (data.length !== this.info.length) return false;
    for (let i = 0; i < data.length; i++) {
      const c = this.info[i]!;
      if (data[i]?.VarCharValue !== (c.Label ?? c.Name)) return false;
    }
    return true;
  }

  private decodeRow(row: Row): Record<string, CellValue> {
    const data = row.Data ?? [];
    const out: Record<string, CellValue> = {};
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const text = data[i]?.VarCharValue;
      out[names[i]!] = text === undefined ? null : this.decoders[i]!(text);
    }
    return out;
  }

  /** Runs one API call, retrying throttling and transient faults with full-jitter backoff. */
  private async call<T>(operation: string, fn: () => Promise<T>, abortable: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (abortable && this.signal.aborted) throw this.abortError(err);
        const kind = faultKind(err);
        const name = errorName(err);
        const info: AthenaQueryErrorOptions = {
          cause: err,
          queryId: this.queryId,
          awsErrorName: name,
          operation,
        };
        if (kind === 'permanent') {
          throw new AthenaQueryError(
            'REQUEST_FAILED',
            `${operation} failed: ${name ?? 'Error'}: ${errorMessage(err)}`,
            { ...info, retryable: false },
          );
        }
        if (attempt >= this.opts.maxAttempts) {
          throw new AthenaQueryError(
            kind === 'throttle' ? 'THROTTLED' : 'REQUEST_FAILED',
            `${operation} failed after ${attempt} attempts: ${name ?? 'Error'}: ${errorMessage(err)}`,
            { ...info, retryable: true },
          );
        }
        const cap = Math.min(this.opts.pollMaxMs, this.opts.pollMinMs * 2 ** (attempt - 1));
        await this.pause(Math.floor(this.opts.random() * cap), abortable);
        if (abortable && this.signal.aborted) throw this.abortError(err);
      }
    }
  }

  /** The injected sleep, cut short by an abort when `abortable`. */
  private pause(ms: number, abortable: boolean): Promise<void> {
    if (!abortable) return this.opts.sleep(ms);
    const signal = this.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      this.opts.sleep(ms, signal).then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) resolve();
          else reject(err);
        },
      );
    });
  }

  private abortError(cause?: unknown): AthenaQueryError {
    this.aborted = true;
    const byUser = this.userSignal?.aborted === true;
    const reason = byUser ? this.userSignal?.reason : undefined;
    return new AthenaQueryError(
      'ABORTED',
      byUser
        ? `Athena query${this.queryId === undefined ? '' : ` ${this.queryId}`} aborted${reason instanceof Error ? `: ${reason.message}` : ''}`
        : `Athena query${this.queryId === undefined ? '' : ` ${this.queryId}`} aborted: the engine was closed`,
      {
        cause: reason ?? cause,
        queryId: this.queryId,
        state: this.execution?.Status?.State,
      },
    );
  }

  private asQueryError(err: unknown): AthenaQueryError {
    if (AthenaQueryError.isInstance(err)) {
      if (err.queryId !== undefined || this.queryId === undefined) return err;
      return new AthenaQueryError(err.code, `${err.message} (query ${this.queryId})`, {
        cause: err.cause,
        retryable: err.retryable,
        queryId: this.queryId,
        state: err.state,
        stateChangeReason: err.stateChangeReason,
        athenaError: err.athenaError,
        awsErrorName: err.awsErrorName,
        operation: err.operation,
      });
    }
    return new AthenaQueryError('REQUEST_FAILED', errorMessage(err), {
      cause: err,
      queryId: this.queryId,
    });
  }

  /** Settles columns() (rejected when it never resolved) and stats(), once. */
  private finish(error?: AthenaQueryError): void {
    if (this.finished) return;
    this.finished = true;
    if (error !== undefined) this.columnsReady.reject(error);
    const stats = this.execution?.Statistics;
    let state = this.execution?.Status?.State;
    // A stopped query is billed as cancelled even when the stop has not shown yet.
    if (this.aborted && state !== 'SUCCEEDED' && state !== 'FAILED') state = 'CANCELLED';
    const reused = stats?.ResultReuseInformation?.ReusedPreviousResult;
    const bytesScanned = stats?.DataScannedInBytes ?? 0;
    this.statsReady.resolve({
      bytesScanned,
      costUsd: athenaCostUsd({
        bytesScanned,
        state,
        statementType: this.execution?.StatementType,
        reused,
      }),
      elapsedMs: Math.max(0, this.opts.now() - this.startedAt),
      engineMs: stats?.EngineExecutionTimeInMillis,
      rows: this.rowCount,
      queryId: this.queryId,
      reused,
    });
  }
}

/** The Athena engine: a {@link QueryEngine} for queries compiled with `dialect: 'athena'`. */
export interface AthenaEngine extends QueryEngine {
  readonly dialect: 'athena';
}

/**
 * Creates the Athena engine.
 *
 * `execute(query, { signal })` starts the query at once (StartQueryExecution with a fresh
 * ClientRequestToken, the query's `?` parameters as ExecutionParameters) and returns its
 * result: `columns()` resolves once the query succeeded and the first page arrived; iterating
 * streams every page as typed rows; `stats()` resolves when the last row was read, or when the
 * query failed or was aborted. An abort stops a running query (StopQueryExecution).
 * `close()` aborts every execution still running and waits for them to stop; the client is the
 * caller's and is left open.
 *
 * `execute` throws `AthenaQueryError` (`INVALID_QUERY`, `INVALID_PARAMETER`, `ENGINE_CLOSED`)
 * for a query it cannot send; every other failure arrives through the result.
 *
 * @example
 * ```ts
 * const engine = createAthenaEngine({
 *   client: new AthenaClient({ region: 'eu-west-1' }),
 *   workgroup: 'logpipe',
 *   database: 'logpipe',
 * });
 * const result = engine.execute(compiled, { signal: AbortSignal.timeout(60_000) });
 * for await (const row of result) console.log(row);
 * const { bytesScanned, costUsd } = await result.stats();
 * ```
 * @throws ConfigError for invalid options.
 */
export function createAthenaEngine(options: AthenaEngineOptions): AthenaEngine {
  const resolved = resolveOptions(options);
  const ctx: EngineContext = { options: resolved, closing: new AbortController() };
  const running = new Set<Promise<unknown>>();
  let closed: Promise<void> | undefined;

  return {
    dialect: 'athena',
    execute(query: CompiledQuery, executeOptions: ExecuteOptions = {}): QueryResult {
      if (closed !== undefined) {
        throw new AthenaQueryError('ENGINE_CLOSED', 'execute() after close()');
      }
      if (query.dialect !== 'athena') {
        throw new AthenaQueryError(
          'INVALID_QUERY',
          `the Athena engine runs queries compiled for 'athena', not '${query.dialect}'`,
        );
      }
      const bytes = Buffer.byteLength(query.sql, 'utf8');
      if (bytes === 0 || bytes > ATHENA_MAX_QUERY_BYTES) {
        throw new AthenaQueryError(
          'INVALID_QUERY',
          `the query is ${bytes} bytes; Athena accepts 1..${ATHENA_MAX_QUERY_BYTES}`,
        );
      }
      const placeholders = countPlaceholders(query.sql);
      if (placeholders !== query.params.length) {
        throw new AthenaQueryError(
          'INVALID_QUERY',
          `the query has ${placeholders} ? placeholders but ${query.params.length} parameters`,
        );
      }
      const params = query.params.map((p, i) => toExecutionParameter(p, i));
      const input: StartQueryExecutionCommandInput = {
        ...resolved.base,
        QueryString: query.sql,
        ClientRequestToken: randomUUID(),
      };
      // Athena refuses an empty ExecutionParameters list.
      if (params.length > 0) input.ExecutionParameters = params;
      const execution = new AthenaExecution(ctx, input, executeOptions.signal);
      const settled = execution.firstPage.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return execution;
    },
    close(): Promise<void> {
      closed ??= (async () => {
        ctx.closing.abort();
        await Promise.all([...running]);
      })();
      return closed;
    },
  };
}
