/**
 * A loopback stand-in for the Athena query API, good enough for the real AWS SDK v3
 * `AthenaClient` (`endpoint: server.url`, static credentials, any region).
 *
 * Wire protocol, as observed from the installed client (@aws-sdk/client-athena 3.1164): AWS
 * JSON 1.1 over HTTP/1.1 — `POST /`, `content-type: application/x-amz-json-1.1`,
 * `x-amz-target: AmazonAthena.<Operation>`; errors are a JSON body `{ "__type", "Message" }`
 * with the type also in `x-amzn-errortype`.
 *
 * Operations: StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution.
 * Each started query follows a script (state sequence, columns, rows, statistics, failure),
 * and the server checks requests the way the service does: ClientRequestToken 32–128
 * characters and idempotent (same token + same request → same execution; same token + other
 * request → error), ExecutionParameters 1–1,024 characters each and as many as the query has
 * `?`, an output location from the request or the workgroup, MaxResults 1–1,000, results only
 * after SUCCEEDED. Whole calls can be failed on demand (throttling, internal errors), also
 * after their effect (a lost response).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Operation =
  | 'StartQueryExecution'
  | 'GetQueryExecution'
  | 'GetQueryResults'
  | 'StopQueryExecution';

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** One result column as the script declares it (Athena type name, as in ColumnInfo.Type). */
export interface ScriptedColumn {
  name: string;
  type: string;
  precision?: number | undefined;
  scale?: number | undefined;
}

/** How one started query behaves. */
export interface QueryScript {
  /** Which query this script is for: a substring of the SQL, or a predicate. Default: any. */
  match?: string | ((sql: string) => boolean) | undefined;
  /**
   * States reported by successive GetQueryExecution calls; the last repeats. Default
   * `['QUEUED', 'RUNNING', 'SUCCEEDED']`.
   */
  states?: QueryState[] | undefined;
  /** Default `DML`: its first result row is the header of column labels. */
  statementType?: 'DML' | 'DDL' | 'UTILITY' | undefined;
  columns?: ScriptedColumn[] | undefined;
  /** Data rows as Athena renders them; `null` is a NULL (Datum without VarCharValue). */
  rows?: Array<Array<string | null>> | undefined;
  stateChangeReason?: string | undefined;
  athenaError?:
    | { ErrorCategory: number; ErrorType: number; Retryable: boolean; ErrorMessage?: string }
    | undefined;
  dataScannedInBytes?: number | undefined;
  engineExecutionTimeInMillis?: number | undefined;
  reused?: boolean | undefined;
}

/** Fail whole calls. */
export interface CallFault {
  operation?: Operation | undefined;
  /** Calls to fail before the rule stops applying; default every call. */
  times?: number | undefined;
  /** HTTP status; default 400. */
  status?: number | undefined;
  /** `ThrottlingException`, `TooManyRequestsException`, `InternalServerException`… */
  type: string;
  message?: string | undefined;
  /** Do what the call does (start the query…) and then answer with the fault: a lost response. */
  afterEffect?: boolean | undefined;
}

/** One call as the server saw it. */
export interface CallLog {
  operation: string;
  body: Record<string, unknown>;
  status: number;
  errorType?: string | undefined;
}

/** A query the server started. */
export interface ServerExecution {
  id: string;
  token: string;
  sql: string;
  params: string[] | undefined;
  workGroup: string;
  database: string | undefined;
  catalog: string | undefined;
  outputLocation: string;
  resultReuse: { Enabled?: boolean; MaxAgeInMinutes?: number } | undefined;
  script: QueryScript;
  /** GetQueryExecution calls answered so far. */
  polls: number;
  /** State last reported (QUEUED before the first poll). */
  state: QueryState;
  stopped: boolean;
}

export interface AthenaServerOptions {
  /** Workgroups and their configured output locations. Default `{ primary: {} }`. */
  workgroups?: Record<string, { outputLocation?: string }> | undefined;
}

/** The running server. */
export interface FakeAthenaServer {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly url: string;
  readonly calls: CallLog[];
  readonly executions: ServerExecution[];
  /** Script the next query (scripts are used once each, first match wins). */
  script(script: QueryScript): void;
  /** Fail calls; rules are consulted in the order added. */
  failCalls(fault: CallFault): void;
  /** Calls of one operation, or all. */
  callCount(operation?: Operation): number;
  reset(): void;
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AmazonAthena.';
const DEFAULT_STATES: QueryState[] = ['QUEUED', 'RUNNING', 'SUCCEEDED'];
const TERMINAL = new Set<QueryState>(['SUCCEEDED', 'FAILED', 'CANCELLED']);

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function invalid(message: string, code = 'INVALID_INPUT'): ApiError {
  return new ApiError(400, 'InvalidRequestException', message, { AthenaErrorCode: code });
}

function lengthError(field: string, value: string, min: number, max: number): ApiError | undefined {
  if (value.length < min) {
    return invalid(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    );
  }
  if (value.length > max) {
    return invalid(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  return undefined;
}

/** `?` outside quotes and comments: the service's count, written independently of the client's. */
function placeholders(sql: string): number {
  let n = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote !== undefined) {
      if (c === quote) {
        if (sql[i + 1] === quote) i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '?') n++;
  }
  return n;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Start the server on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const athena = await startAthenaServer();
 * const client = new AthenaClient({ endpoint: athena.url, region: 'us-east-1', credentials, maxAttempts: 1 });
 * athena.script({ columns: [{ name: 'n', type: 'bigint' }], rows: [['1']] });
 * ```
 */
export async function startAthenaServer(
  options: AthenaServerOptions = {},
): Promise<FakeAthenaServer> {
  const workgroups = options.workgroups ?? { primary: {} };
  const calls: CallLog[] = [];
  const executions: ServerExecution[] = [];
  let scripts: QueryScript[] = [];
  let faults: Array<{ fault: CallFault; remaining: number }> = [];
  let sequence = 0;

  function takeFault(operation: Operation): CallFault | undefined {
    for (const state of faults) {
      if (state.remaining <= 0) continue;
      if (state.fault.operation !== undefined && state.fault.operation !== operation) continue;
      state.remaining--;
      return state.fault;
    }
    return undefined;
  }

  function takeScript(sql: string): QueryScript {
    const i = scripts.findIndex(
      (s) =>
        s.match === undefined ||
        (typeof s.match === 'string' ? sql.includes(s.match) : s.match(sql)),
    );
    if (i < 0) throw invalid(`test server: no script for query ${JSON.stringify(sql)}`);
    const [s] = scripts.splice(i, 1);
    return s!;
  }

  function find(body: Record<string, unknown>): ServerExecution {
    const id = str(body.QueryExecutionId);
    if (id === undefined) throw invalid('QueryExecutionId is required');
    const e = executions.find((x) => x.id === id);
    if (e === undefined) throw invalid(`QueryExecution ${id} was not found`);
    return e;
  }

  function start(body: Record<string, unknown>): Record<string, unknown> {
    const sql = str(body.QueryString);
    if (sql === undefined) throw invalid('QueryString is required');
    const sqlError = lengthError('queryString', sql, 1, 262_144);
    if (sqlError !== undefined) throw sqlError;
    const token = str(body.ClientRequestToken);
    if (token === undefined) {
      throw invalid('ClientRequestToken is required when not using an AWS SDK or the AWS CLI');
    }
    const tokenError = lengthError('clientRequestToken', token, 32, 128);
    if (tokenError !== undefined) throw tokenError;
    const params = body.ExecutionParameters as unknown;
    if (params !== undefined) {
      if (!Array.isArray(params) || params.length === 0) {
        throw invalid(
          "1 validation error detected: Value '[]' at 'executionParameters' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
      }
      for (const p of params) {
        if (typeof p !== 'string') throw invalid('ExecutionParameters must be strings');
        const e = lengthError('executionParameters.member', p, 1, 1024);
        if (e !== undefined) throw e;
      }
    }
    const expected = placeholders(sql);
    const given = Array.isArray(params) ? params.length : 0;
    if (expected !== given) {
      throw invalid(
        `The query has ${expected} parameter placeholders but ${given} execution parameters were given`,
      );
    }
    const workGroup = str(body.WorkGroup) ?? 'primary';
    const wg = workgroups[workGroup];
    if (wg === undefined) throw invalid(`WorkGroup ${workGroup} is not found.`);
    const resultConfiguration = body.ResultConfiguration as { OutputLocation?: string } | undefined;
    const outputLocation = resultConfiguration?.OutputLocation ?? wg.outputLocation;
    if (outputLocation === undefined) {
      throw invalid(
        'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
      );
    }
    if (!/^s3:\/\/[^/]+/.test(outputLocation)) {
      throw invalid(`${outputLocation} is not a valid S3 location`);
    }
    const reuse = (
      body.ResultReuseConfiguration as
        | { ResultReuseByAgeConfiguration?: { Enabled?: boolean; MaxAgeInMinutes?: number } }
        | undefined
    )?.ResultReuseByAgeConfiguration;
    if (
      reuse?.MaxAgeInMinutes !== undefined &&
      (reuse.MaxAgeInMinutes < 0 || reuse.MaxAgeInMinutes > 10_080)
    ) {
      throw invalid('MaxAgeInMinutes must be between 0 and 10080');
    }
    const context = body.QueryExecutionContext as
      | { Database?: string; Catalog?: string }
      | undefined;

    // Idempotency: everything but the token must match an earlier request with that token.
    const { ClientRequestToken: _token, ...rest } = body;
    const fingerprint = JSON.stringify(rest, Object.keys(rest).sort());
    const previous = executions.find((x) => x.token === token);
    if (previous !== undefined) {
      if ((previous as ServerExecution & { fingerprint?: string }).fingerprint !== fingerprint) {
        throw invalid('Idempotent parameters do not match', 'IDEMPOTENT_PARAMETER_MISMATCH');
      }
      return { QueryExecutionId: previous.id };
    }
    const script = takeScript(sql);
    const id = `q-${String(++sequence).padStart(4, '0')}-0000-4000-8000-000000000000`;
    const execution: ServerExecution & { fingerprint: string } = {
      id,
      token,
      sql,
      params: Array.isArray(params) ? (params as string[]) : undefined,
      workGroup,
      database: context?.Database,
      catalog: context?.Catalog,
      outputLocation,
      resultReuse: reuse,
      script,
      polls: 0,
      state: 'QUEUED',
      stopped: false,
      fingerprint,
    };
    executions.push(execution);
    return { QueryExecutionId: id };
  }

  function describe(e: ServerExecution): Record<string, unknown> {
    const states = e.script.states ?? DEFAULT_STATES;
    let state = states[Math.min(e.polls, states.length - 1)]!;
    if (e.stopped && !TERMINAL.has(e.state)) state = 'CANCELLED';
    else if (TERMINAL.has(e.state)) state = e.state; // a finished query stays finished
    e.state = state;
    e.polls++;
    const done = TERMINAL.has(state);
    const status: Record<string, unknown> = {
      State: state,
      SubmissionDateTime: 1_767_225_600.123,
    };
    if (done) status.CompletionDateTime = 1_767_225_612.5;
    if (state === 'FAILED') {
      status.StateChangeReason = e.script.stateChangeReason ?? 'query failed';
      if (e.script.athenaError !== undefined) status.AthenaError = e.script.athenaError;
    } else if (state === 'CANCELLED') {
      status.StateChangeReason =
        e.script.stateChangeReason ?? (e.stopped ? 'Query was cancelled by user' : undefined);
    }
    const scanned = e.script.dataScannedInBytes ?? 0;
    const statistics: Record<string, unknown> = {
      EngineExecutionTimeInMillis: done ? (e.script.engineExecutionTimeInMillis ?? 0) : 0,
      DataScannedInBytes: state === 'QUEUED' ? 0 : done ? scanned : Math.floor(scanned / 2),
      TotalExecutionTimeInMillis: done ? 1200 : 0,
      QueryQueueTimeInMillis: 12,
      ServicePreProcessingTimeInMillis: 40,
      QueryPlanningTimeInMillis: 100,
      ResultReuseInformation: { ReusedPreviousResult: e.script.reused ?? false },
    };
    const execution: Record<string, unknown> = {
      QueryExecutionId: e.id,
      Query: e.sql,
      StatementType: e.script.statementType ?? 'DML',
      ResultConfiguration: {
        OutputLocation: `${e.outputLocation.replace(/\/?$/, '/')}${e.id}.csv`,
      },
      QueryExecutionContext: { Database: e.database, Catalog: e.catalog ?? 'AwsDataCatalog' },
      Status: status,
      Statistics: statistics,
      WorkGroup: e.workGroup,
      EngineVersion: {
        SelectedEngineVersion: 'AUTO',
        EffectiveEngineVersion: 'Athena engine version 3',
      },
      SubstatementType: (e.script.statementType ?? 'DML') === 'DML' ? 'SELECT' : 'OTHER',
    };
    if (e.resultReuse !== undefined) {
      execution.ResultReuseConfiguration = { ResultReuseByAgeConfiguration: e.resultReuse };
    }
    if (e.params !== undefined) execution.ExecutionParameters = e.params;
    return { QueryExecution: execution };
  }

  function results(body: Record<string, unknown>): Record<string, unknown> {
    const e = find(body);
    if (e.state !== 'SUCCEEDED') {
      throw invalid(
        TERMINAL.has(e.state)
          ? `Query did not finish successfully. Final query state: ${e.state}`
          : `Query has not yet finished. Current state: ${e.state}`,
      );
    }
    const max = body.MaxResults === undefined ? 1000 : Number(body.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      throw invalid(
        `1 validation error detected: Value '${String(body.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      );
    }
    let offset = 0;
    const token = str(body.NextToken);
    if (token !== undefined) {
      const [tokenId, at] = Buffer.from(token, 'base64url').toString('utf8').split(':');
      offset = Number(at);
      if (tokenId !== e.id || !Number.isInteger(offset) || offset < 0) {
        throw invalid('NextToken is invalid');
      }
    }
    const columns = e.script.columns ?? [];
    const all: Array<Array<string | null>> = [];
    if ((e.script.statementType ?? 'DML') === 'DML') all.push(columns.map((c) => c.name));
    all.push(...(e.script.rows ?? []));
    const page = all.slice(offset, offset + max);
    const end = offset + page.length;
    const out: Record<string, unknown> = {
      UpdateCount: 0,
      ResultSet: {
        Rows: page.map((r) => ({
          Data: r.map((v) => (v === null ? {} : { VarCharValue: v })),
        })),
        ResultSetMetadata: {
          ColumnInfo: columns.map((c) => ({
            CatalogName: 'hive',
            SchemaName: '',
            TableName: '',
            Name: c.name,
            Label: c.name,
            Type: c.type,
            Precision: c.precision ?? 0,
            Scale: c.scale ?? 0,
            Nullable: 'UNKNOWN',
            CaseSensitive: c.type === 'varchar',
          })),
        },
      },
    };
    if (end < all.length) {
      out.NextToken = Buffer.from(`${e.id}:${end}`, 'utf8').toString('base64url');
    }
    return out;
  }

  function stop(body: Record<string, unknown>): Record<string, unknown> {
    const e = find(body);
    e.stopped = true;
    return {};
  }

  function dispatch(operation: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'StartQueryExecution':
        return start(body);
      case 'GetQueryExecution':
        return describe(find(body));
      case 'GetQueryResults':
        return results(body);
      case 'StopQueryExecution':
        return stop(body);
      default:
        throw new ApiError(400, 'UnknownOperationException', `unsupported operation ${operation}`);
    }
  }

  function answer(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    res.statusCode = status;
    res.setHeader('content-type', JSON_11);
    res.setHeader('x-amzn-requestid', `req-${++sequence}`);
    if (errorType !== undefined) res.setHeader('x-amzn-errortype', errorType);
    res.end(JSON.stringify(body));
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : target;
      let body: Record<string, unknown> = {};
      const log: CallLog = { operation, body, status: 200 };
      const fail = (err: ApiError): void => {
        log.status = err.status;
        log.errorType = err.type;
        answer(res, err.status, { __type: err.type, Message: err.message, ...err.extra }, err.type);
      };
      if (
        req.method !== 'POST' ||
        !String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')
      ) {
        calls.push(log);
        fail(new ApiError(403, 'MissingAuthenticationTokenException', 'unsigned request'));
        return;
      }
      if (!String(req.headers['content-type'] ?? '').startsWith(JSON_11)) {
        calls.push(log);
        fail(new ApiError(415, 'UnsupportedMediaType', 'this server speaks AWS JSON 1.1 only'));
        return;
      }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        calls.push(log);
        fail(new ApiError(400, 'SerializationException', 'body is not JSON'));
        return;
      }
      log.body = body;
      calls.push(log);
      const fault = takeFault(operation as Operation);
      const injected = (f: CallFault): ApiError =>
        new ApiError(
          f.status ?? 400,
          f.type,
          f.message ?? `${f.type} (injected)`,
          f.type === 'TooManyRequestsException'
            ? { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' }
            : {},
        );
      if (fault !== undefined && fault.afterEffect !== true) {
        fail(injected(fault));
        return;
      }
      try {
        const out = dispatch(operation, body);
        if (fault !== undefined) fail(injected(fault));
        else answer(res, 200, out);
      } catch (err) {
        if (err instanceof ApiError) fail(err);
        else fail(new ApiError(500, 'InternalServerException', String(err)));
      }
    });
  }

  const server = createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    executions,
    script(s) {
      scripts.push(s);
    },
    failCalls(fault) {
      faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    callCount: (operation) =>
      operation === undefined
        ? calls.length
        : calls.filter((c) => c.operation === operation).length,
    reset() {
      calls.length = 0;
      executions.length = 0;
      scripts = [];
      faults = [];
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
