import { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { athenaCostUsd } from '../../src/athena/cost.js';
import {
  type AthenaEngine,
  type AthenaEngineOptions,
  createAthenaEngine,
} from '../../src/athena/engine.js';
import { AthenaQueryError } from '../../src/athena/errors.js';
import { athenaDdl } from '../../src/ddl.js';
import type { CellValue, CompiledQuery, QueryResult, SqlParam } from '../../src/types.js';
import {
  type FakeAthenaServer,
  type QueryScript,
  startAthenaServer,
} from '../support/athena-server.js';

let server: FakeAthenaServer;
let client: AthenaClient;

beforeAll(async () => {
  server = await startAthenaServer({
    workgroups: { primary: {}, logpipe: { outputLocation: 's3://wg-results/logpipe/' } },
  });
  client = new AthenaClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    // This engine is the only retry layer under test.
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(() => {
  server.reset();
});

interface Harness {
  engine: AthenaEngine;
  /** Every sleep the engine asked for, in ms. */
  sleeps: number[];
}

function harness(options: Partial<AthenaEngineOptions> = {}): Harness {
  const sleeps: number[] = [];
  let clock = 1_000_000;
  const engine = createAthenaEngine({
    client,
    outputLocation: 's3://query-results/logpipe/',
    pollMinMs: 100,
    pollMaxMs: 1000,
    maxAttempts: 4,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
    now: () => clock,
    ...options,
  });
  return { engine, sleeps };
}

function query(sql: string, params: SqlParam[] = []): CompiledQuery {
  return { dialect: 'athena', sql, params, datasets: ['alb'], columns: [] };
}

async function collect(result: QueryResult): Promise<Array<Record<string, CellValue>>> {
  const rows: Array<Record<string, CellValue>> = [];
  for await (const row of result) rows.push(row);
  return rows;
}

async function failure(promise: Promise<unknown>): Promise<AthenaQueryError> {
  try {
    await promise;
  } catch (err) {
    if (AthenaQueryError.isInstance(err)) return err;
    throw err;
  }
  throw new Error('expected an AthenaQueryError');
}

/** Every column type Athena returns, with Trino's text for each value. */
const EVERY_TYPE: QueryScript = {
  columns: [
    { name: 's', type: 'varchar' },
    { name: 'i', type: 'integer' },
    { name: 'b', type: 'bigint' },
    { name: 'd', type: 'double' },
    { name: 'ok', type: 'boolean' },
    { name: 'ts', type: 'timestamp', precision: 3 },
    { name: 'tz', type: 'timestamp with time zone', precision: 3 },
    { name: 'day', type: 'date' },
    { name: 'price', type: 'decimal', precision: 10, scale: 2 },
    { name: 'big', type: 'decimal', precision: 38, scale: 0 },
    { name: 'tags', type: 'array' },
    { name: 'dims', type: 'map' },
    { name: 'r', type: 'row' },
    { name: 'j', type: 'json' },
  ],
  rows: [
    [
      'GET /',
      '200',
      '9007199254740993',
      '0.25',
      'true',
      '2026-01-02 03:04:05.678',
      '2026-01-02 03:04:05.678 UTC',
      '2026-01-02',
      '12.50',
      '123456789012345678901234567890',
      '[a, b]',
      '{env=prod, team=core}',
      '{x=1, y=[2, 3]}',
      '{"k":[1,true,null]}',
    ],
    [
      '',
      '-7',
      '-1',
      'NaN',
      'false',
      '1999-12-31 23:59:59.000',
      '2026-07-01 12:00:00.000 Europe/Berlin',
      '0099-01-01',
      '-0.01',
      '0',
      '[]',
      '{}',
      '{x=null}',
      '"text"',
    ],
    [null, null, null, null, null, null, null, null, null, null, null, null, null, null],
    [
      "it's",
      '2147483647',
      '9223372036854775807',
      '1.0E10',
      'true',
      '2026-03-29 01:30:00.123',
      '2026-03-29 03:30:00.000 +05:30',
      '2024-02-29',
      '99999999.99',
      '1',
      '[[1, 2], null]',
      '{a=x=y}',
      '{n={m=1}}',
      '[]',
    ],
    [
      'last',
      '0',
      '0',
      '-Infinity',
      'false',
      '2026-12-31 23:59:59.999',
      '2026-12-31 23:59:59.999 UTC',
      '2026-12-31',
      '0.00',
      '-5',
      '[null]',
      '{k=}',
      '{}',
      'null',
    ],
  ],
  dataScannedInBytes: 25 * 1024 * 1024 + 1,
  engineExecutionTimeInMillis: 1234,
};

describe('createAthenaEngine against a loopback Athena', () => {
  it('runs a query through QUEUED → RUNNING → SUCCEEDED and streams every page as typed rows', async () => {
    const { engine } = harness({ pageSize: 2 });
    server.script(EVERY_TYPE);
    const result = engine.execute(query('SELECT * FROM alb'));
    const columns = await result.columns();
    expect(columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      's:varchar',
      'i:integer',
      'b:bigint',
      'd:double',
      'ok:boolean',
      'ts:timestamp',
      'tz:timestamp with time zone',
      'day:date',
      'price:decimal',
      'big:decimal',
      'tags:array',
      'dims:map',
      'r:row',
      'j:json',
    ]);
    const rows = await collect(result);

    // Header row + 5 data rows in pages of 2: three GetQueryResults calls.
    expect(server.callCount('GetQueryResults')).toBe(3);
    expect(server.calls.filter((c) => c.operation === 'GetQueryExecution')).toHaveLength(3);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      s: 'GET /',
      i: 200,
      b: 9007199254740993n,
      d: 0.25,
      ok: true,
      ts: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      tz: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      day: new Date(Date.UTC(2026, 0, 2)),
      price: 12.5,
      big: '123456789012345678901234567890',
      tags: ['a', 'b'],
      dims: { env: 'prod', team: 'core' },
      r: { x: '1', y: ['2', '3'] },
      j: { k: [1, true, null] },
    });
    expect(rows[1]?.s).toBe('');
    expect(rows[1]?.i).toBe(-7);
    expect(rows[1]?.d).toBeNaN();
    expect(rows[1]?.tz).toEqual(new Date(Date.UTC(2026, 6, 1, 10)));
    expect((rows[1]!.day as Date).toISOString()).toBe('0099-01-01T00:00:00.000Z');
    expect(rows[1]?.r).toEqual({ x: null });
    expect(rows[1]?.j).toBe('text');
    expect(Object.values(rows[2]!)).toEqual(new Array(14).fill(null));
    expect(rows[3]).toMatchObject({
      s: "it's",
      b: 9223372036854775807n,
      d: 1e10,
      tz: new Date(Date.UTC(2026, 2, 28, 22, 0)),
      day: new Date(Date.UTC(2024, 1, 29)),
      price: 99999999.99,
      tags: [['1', '2'], null],
      dims: { a: 'x=y' },
      r: { n: { m: '1' } },
      j: [],
    });
    expect(rows[4]).toMatchObject({ d: Number.NEGATIVE_INFINITY, dims: { k: '' }, j: null });

    const stats = await result.stats();
    expect(stats).toEqual({
      bytesScanned: 25 * 1024 * 1024 + 1,
      costUsd: (26 * 1024 * 1024 * 5) / 1024 ** 4,
      elapsedMs: expect.any(Number),
      engineMs: 1234,
      rows: 5,
      queryId: server.executions[0]?.id,
      reused: false,
    });
  });

  it('sends workgroup, database, catalog, output location, result reuse and typed parameters as SQL literals', async () => {
    const { engine } = harness({
      workgroup: 'logpipe',
      database: 'logs',
      catalog: 'AwsDataCatalog',
      resultReuseMaxAgeMinutes: 30,
    });
    server.script({ columns: [{ name: 'n', type: 'bigint' }], rows: [['3']], reused: true });
    const sql =
      "SELECT count(*) AS n FROM alb WHERE verb = ? AND status = ? AND ratio > ? AND ok = ? AND x IS NOT DISTINCT FROM ? AND note <> '?'";
    const rows = await collect(engine.execute(query(sql, ["it's", 404, 0.5, true, null])));
    expect(rows).toEqual([{ n: 3n }]);

    const start = server.calls.find((c) => c.operation === 'StartQueryExecution')!.body;
    expect(start).toMatchObject({
      QueryString: sql,
      ExecutionParameters: ["'it''s'", '404', '5E-1', 'true', 'NULL'],
      WorkGroup: 'logpipe',
      QueryExecutionContext: { Database: 'logs', Catalog: 'AwsDataCatalog' },
      ResultConfiguration: { OutputLocation: 's3://query-results/logpipe/' },
      ResultReuseConfiguration: {
        ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 30 },
      },
    });
    expect(String(start.ClientRequestToken)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('uses a fresh ClientRequestToken for each execute() and omits empty parameter lists', async () => {
    const { engine } = harness();
    server.script({ columns: [{ name: 'x', type: 'integer' }], rows: [['1']] });
    server.script({ columns: [{ name: 'x', type: 'integer' }], rows: [['1']] });
    await collect(engine.execute(query('SELECT 1 AS x')));
    await collect(engine.execute(query('SELECT 1 AS x')));
    const starts = server.calls.filter((c) => c.operation === 'StartQueryExecution');
    expect(starts).toHaveLength(2);
    expect(starts[0]?.body.ClientRequestToken).not.toBe(starts[1]?.body.ClientRequestToken);
    expect(starts[0]?.body).not.toHaveProperty('ExecutionParameters');
    expect(server.executions).toHaveLength(2);
  });

  it('runs in a workgroup that sets the output location without one of its own', async () => {
    const { engine } = harness({ workgroup: 'logpipe', outputLocation: undefined });
    server.script({ columns: [{ name: 'x', type: 'integer' }], rows: [['1']] });
    expect(await collect(engine.execute(query('SELECT 1 AS x')))).toEqual([{ x: 1 }]);
    expect(server.executions[0]?.outputLocation).toBe('s3://wg-results/logpipe/');
  });

  it('polls with growing delays from pollMinMs up to pollMaxMs', async () => {
    const { engine, sleeps } = harness();
    server.script({
      states: ['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED'],
      columns: [{ name: 'x', type: 'integer' }],
      rows: [],
    });
    const result = engine.execute(query('SELECT 1 AS x'));
    expect(await collect(result)).toEqual([]);
    expect(await result.columns()).toEqual([{ name: 'x', type: 'integer' }]);
    expect(sleeps).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(server.callCount('GetQueryExecution')).toBe(7);
    expect((await result.stats()).rows).toBe(0);
  });

  it('keeps the first row of DDL and utility results: only a SELECT has a header row', async () => {
    const { engine } = harness();
    server.script({
      statementType: 'UTILITY',
      columns: [{ name: 'tab_name', type: 'string' }],
      rows: [['alb'], ['vpc_flow']],
    });
    server.script({ statementType: 'DDL', columns: [], rows: [] });
    expect(await collect(engine.execute(query('SHOW TABLES')))).toEqual([
      { tab_name: 'alb' },
      { tab_name: 'vpc_flow' },
    ]);
    const ddl = engine.execute(query('CREATE DATABASE IF NOT EXISTS `logpipe`'));
    expect(await collect(ddl)).toEqual([]);
    expect((await ddl.stats()).costUsd).toBe(0);
  });

  it('runs the generated DDL one statement at a time, free of charge', async () => {
    const { engine } = harness();
    const ddl = athenaDdl({ database: 'logpipe', location: 's3://my-lake/logs/' });
    for (const _ of ddl) server.script({ statementType: 'DDL', dataScannedInBytes: 0 });
    for (const sql of ddl) {
      const result = engine.execute({
        dialect: 'athena',
        sql,
        params: [],
        datasets: [],
        columns: [],
      });
      expect(await collect(result)).toEqual([]);
      expect((await result.stats()).costUsd).toBe(0);
    }
    expect(server.executions.map((e) => e.sql)).toEqual(ddl);
  });

  it('reports a FAILED query with its error category, type and reason; stats cost nothing', async () => {
    const { engine } = harness();
    server.script({
      states: ['QUEUED', 'RUNNING', 'FAILED'],
      stateChangeReason: "SYNTAX_ERROR: line 1:8: Column 'nope' cannot be resolved",
      athenaError: {
        ErrorCategory: 2,
        ErrorType: 1006,
        Retryable: false,
        ErrorMessage: "line 1:8: Column 'nope' cannot be resolved",
      },
      dataScannedInBytes: 5_000_000,
    });
    const result = engine.execute(query('SELECT nope FROM alb'));
    const err = await failure(collect(result));
    expect(err.code).toBe('QUERY_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.queryId).toBe(server.executions[0]?.id);
    expect(err.state).toBe('FAILED');
    expect(err.stateChangeReason).toContain('SYNTAX_ERROR');
    expect(err.athenaError).toEqual({
      errorCategory: 2,
      errorType: 1006,
      retryable: false,
      errorMessage: "line 1:8: Column 'nope' cannot be resolved",
    });
    expect(err.message).toContain("Column 'nope' cannot be resolved");
    expect(await failure(result.columns())).toBe(err);
    expect(await result.stats()).toMatchObject({ bytesScanned: 5_000_000, costUsd: 0, rows: 0 });
    expect(server.callCount('GetQueryResults')).toBe(0);
  });

  it('marks a FAILED query retryable when Athena says a rerun may succeed', async () => {
    const { engine } = harness();
    server.script({
      states: ['RUNNING', 'FAILED'],
      stateChangeReason: 'Query exhausted resources at this scale factor',
      athenaError: { ErrorCategory: 1, ErrorType: 5, Retryable: true },
    });
    const err = await failure(collect(engine.execute(query('SELECT 1'))));
    expect(err.code).toBe('QUERY_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.athenaError?.errorCategory).toBe(1);
  });

  it('reports a query cancelled by someone else as QUERY_CANCELLED, billed for what it scanned', async () => {
    const { engine } = harness();
    server.script({
      states: ['RUNNING', 'CANCELLED'],
      stateChangeReason: 'Query cancelled: bytes scanned limit was exceeded',
      dataScannedInBytes: 1024 ** 3,
    });
    const result = engine.execute(query('SELECT * FROM vpc_flow'));
    const err = await failure(collect(result));
    expect(err.code).toBe('QUERY_CANCELLED');
    expect(err.stateChangeReason).toContain('bytes scanned limit');
    expect(await result.stats()).toMatchObject({
      bytesScanned: 1024 ** 3,
      costUsd: 5 / 1024,
    });
    expect(server.callCount('StopQueryExecution')).toBe(0);
  });

  it('stops a running query when the signal aborts and reports ABORTED with its id', async () => {
    const controller = new AbortController();
    let polls = 0;
    const { engine } = harness({
      sleep: async () => {
        if (++polls === 3) controller.abort(new Error('user pressed ^C'));
      },
    });
    server.script({ states: ['QUEUED', 'RUNNING'], dataScannedInBytes: 64 * 1024 * 1024 });
    const result = engine.execute(query('SELECT * FROM cloudtrail'), {
      signal: controller.signal,
    });
    const err = await failure(collect(result));
    expect(err.code).toBe('ABORTED');
    expect(err.message).toContain('user pressed ^C');
    const id = server.executions[0]!.id;
    expect(err.queryId).toBe(id);
    const stop = server.calls.find((c) => c.operation === 'StopQueryExecution');
    expect(stop?.body).toEqual({ QueryExecutionId: id });
    expect(server.executions[0]?.stopped).toBe(true);
    const stats = await result.stats();
    expect(stats.queryId).toBe(id);
    // The last look after the stop sees CANCELLED with 64 MiB scanned: billed.
    expect(stats.bytesScanned).toBe(64 * 1024 * 1024);
    expect(stats.costUsd).toBe(athenaCostUsd({ bytesScanned: 64 * 1024 ** 2, state: 'CANCELLED' }));
    expect(server.callCount('GetQueryResults')).toBe(0);
  });

  it('sends nothing when the signal aborted before execute()', async () => {
    const { engine } = harness();
    const result = engine.execute(query('SELECT 1'), { signal: AbortSignal.abort() });
    const err = await failure(collect(result));
    expect(err.code).toBe('ABORTED');
    expect(err.queryId).toBeUndefined();
    expect(server.calls).toHaveLength(0);
    expect(await result.stats()).toMatchObject({ rows: 0, costUsd: 0, queryId: undefined });
  });

  it('stops reading pages without StopQueryExecution when aborted after the query finished', async () => {
    const controller = new AbortController();
    const { engine } = harness({ pageSize: 2 });
    server.script({
      states: ['SUCCEEDED'],
      columns: [{ name: 'n', type: 'integer' }],
      rows: [['1'], ['2'], ['3'], ['4'], ['5']],
    });
    const seen: CellValue[] = [];
    const result = engine.execute(query('SELECT n FROM t'), { signal: controller.signal });
    const err = await failure(
      (async () => {
        for await (const row of result) {
          seen.push(row.n ?? null);
          if (seen.length === 2) controller.abort();
        }
      })(),
    );
    expect(err.code).toBe('ABORTED');
    expect(seen).toEqual([1, 2]);
    expect(server.callCount('StopQueryExecution')).toBe(0);
    expect(await result.stats()).toMatchObject({ rows: 2 });
  });

  it('close() stops running queries and refuses new ones', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sleeping = 0;
    const { engine } = harness({
      sleep: async () => {
        if (++sleeping === 2) await gate;
      },
    });
    server.script({ states: ['RUNNING'] });
    const result = engine.execute(query('SELECT * FROM lambda'));
    while (sleeping < 2) await new Promise((r) => setTimeout(r, 1));
    const closing = engine.close();
    release();
    await closing;
    const err = await failure(collect(result));
    expect(err.code).toBe('ABORTED');
    expect(err.message).toContain('engine was closed');
    expect(server.callCount('StopQueryExecution')).toBe(1);
    expect(() => engine.execute(query('SELECT 1'))).toThrow(/after close/);
    await engine.close();
  });

  it.each([
    ['StartQueryExecution', 'ThrottlingException'],
    ['GetQueryExecution', 'TooManyRequestsException'],
    ['GetQueryResults', 'ThrottlingException'],
  ] as const)(
    'retries %s when Athena answers %s, with jittered backoff',
    async (operation, type) => {
      const { engine, sleeps } = harness({ random: () => 0.75 });
      server.script({
        states: ['SUCCEEDED'],
        columns: [{ name: 'x', type: 'integer' }],
        rows: [['1']],
      });
      server.failCalls({ operation, type, times: 2 });
      const rows = await collect(engine.execute(query('SELECT 1 AS x')));
      expect(rows).toEqual([{ x: 1 }]);
      const calls = server.calls.filter((c) => c.operation === operation);
      expect(calls.map((c) => c.errorType)).toEqual([type, type, undefined]);
      // Full jitter: random × min(pollMaxMs, pollMinMs × 2^(attempt-1)).
      expect(sleeps).toEqual(expect.arrayContaining([75, 150]));
      expect(server.executions).toHaveLength(1);
    },
  );

  it('gives up with THROTTLED (retryable) after maxAttempts throttled calls', async () => {
    const { engine } = harness({ maxAttempts: 3 });
    server.script({ states: ['SUCCEEDED'] });
    server.failCalls({ operation: 'StartQueryExecution', type: 'TooManyRequestsException' });
    const result = engine.execute(query('SELECT 1'));
    const err = await failure(result.columns());
    expect(err.code).toBe('THROTTLED');
    expect(err.retryable).toBe(true);
    expect(err.awsErrorName).toBe('TooManyRequestsException');
    expect(err.operation).toBe('StartQueryExecution');
    expect(server.callCount('StartQueryExecution')).toBe(3);
    expect(await failure(collect(result))).toBe(err);
  });

  it('retries a StartQueryExecution whose response was lost with the same token: one query runs', async () => {
    const { engine } = harness();
    server.script({
      states: ['SUCCEEDED'],
      columns: [{ name: 'x', type: 'integer' }],
      rows: [['7']],
    });
    server.failCalls({
      operation: 'StartQueryExecution',
      type: 'InternalServerException',
      status: 500,
      times: 1,
      afterEffect: true,
    });
    const rows = await collect(engine.execute(query('SELECT 7 AS x')));
    expect(rows).toEqual([{ x: 7 }]);
    const starts = server.calls.filter((c) => c.operation === 'StartQueryExecution');
    expect(starts.map((c) => c.status)).toEqual([500, 200]);
    expect(starts[0]?.body.ClientRequestToken).toBe(starts[1]?.body.ClientRequestToken);
    expect(server.executions).toHaveLength(1);
  });

  it('does not retry a request Athena refuses (no output location) and names the AWS error', async () => {
    const { engine } = harness({ outputLocation: undefined });
    server.script({ states: ['SUCCEEDED'] });
    const err = await failure(collect(engine.execute(query('SELECT 1'))));
    expect(err.code).toBe('REQUEST_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.awsErrorName).toBe('InvalidRequestException');
    expect(err.message).toContain('No output location provided');
    expect(server.callCount('StartQueryExecution')).toBe(1);
  });

  it('ends the result early when the consumer breaks, with the rows it took in the stats', async () => {
    const { engine } = harness({ pageSize: 2 });
    server.script({
      states: ['SUCCEEDED'],
      columns: [{ name: 'n', type: 'integer' }],
      rows: [['1'], ['2'], ['3'], ['4']],
    });
    const result = engine.execute(query('SELECT n FROM t'));
    for await (const row of result) {
      if (row.n === 1) break;
    }
    expect((await result.stats()).rows).toBe(1);
    expect(server.callCount('GetQueryResults')).toBe(1);
    const again = await failure(collect(result));
    expect(again.code).toBe('ALREADY_ITERATED');
  });

  it('refuses queries it cannot send before calling Athena', () => {
    const { engine } = harness();
    const cases: Array<[CompiledQuery, string]> = [
      [{ ...query('SELECT 1'), dialect: 'duckdb' }, 'INVALID_QUERY'],
      [query('SELECT ? FROM t WHERE a = ?', [1]), 'INVALID_QUERY'],
      [query('SELECT 1', [1]), 'INVALID_QUERY'],
      [query(''), 'INVALID_QUERY'],
      [query('SELECT 1 WHERE a = ?', [Number.NaN]), 'INVALID_PARAMETER'],
      [query('SELECT 1 WHERE a = ?', ['x'.repeat(1023)]), 'INVALID_PARAMETER'],
    ];
    for (const [q, code] of cases) {
      let thrown: unknown;
      try {
        engine.execute(q);
      } catch (err) {
        thrown = err;
      }
      expect(AthenaQueryError.isInstance(thrown) && thrown.code).toBe(code);
    }
    expect(server.calls).toHaveLength(0);
  });

  it('reports a result value that does not parse as its type as INVALID_RESULT', async () => {
    const { engine } = harness();
    server.script({
      states: ['SUCCEEDED'],
      columns: [{ name: 'n', type: 'bigint' }],
      rows: [['12'], ['twelve']],
    });
    const result = engine.execute(query('SELECT n FROM t'));
    const seen: CellValue[] = [];
    const err = await failure(
      (async () => {
        for await (const row of result) seen.push(row.n ?? null);
      })(),
    );
    expect(seen).toEqual([12n]);
    expect(err.code).toBe('INVALID_RESULT');
    expect(err.queryId).toBe(server.executions[0]?.id);
  });

  it('validates options once, at construction', () => {
    const bad: Array<Partial<AthenaEngineOptions>> = [
      { pollMinMs: 0 },
      { pollMinMs: 500, pollMaxMs: 100 },
      { maxAttempts: 0 },
      { pageSize: 1001 },
      { resultReuseMaxAgeMinutes: 10_081 },
      { workgroup: 'has space' },
      { outputLocation: '/tmp/results' },
    ];
    for (const options of bad) {
      expect(() => createAthenaEngine({ client, ...options })).toThrow(/must|use/);
    }
    expect(() => createAthenaEngine({ client: {} as unknown as AthenaClient })).toThrow(
      /AthenaClient/,
    );
  });
});

describe('the loopback Athena checks requests like the service', () => {
  it.each([
    [{ ClientRequestToken: 'too-short' }, /greater than or equal to 32/],
    [{ ClientRequestToken: 'x'.repeat(129) }, /less than or equal to 128/],
    [{ ExecutionParameters: ['1', '2'] }, /1 parameter placeholders but 2/],
    [{ ExecutionParameters: ['x'.repeat(1025)] }, /less than or equal to 1024/],
    [{ ResultConfiguration: undefined }, /No output location provided/],
    [{ WorkGroup: 'missing' }, /WorkGroup missing is not found/],
  ])('refuses %j', async (override, message) => {
    server.script({});
    const input = {
      QueryString: 'SELECT * FROM t WHERE a = ?',
      ClientRequestToken: 'a'.repeat(36),
      ExecutionParameters: ['1'],
      ResultConfiguration: { OutputLocation: 's3://r/' },
      ...override,
    };
    await expect(client.send(new StartQueryExecutionCommand(input))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(message),
    });
  });

  it('returns the same execution for a repeated token and refuses it with other parameters', async () => {
    server.script({});
    const input = {
      QueryString: 'SELECT 1',
      ClientRequestToken: 'b'.repeat(36),
      ResultConfiguration: { OutputLocation: 's3://r/' },
    };
    const a = await client.send(new StartQueryExecutionCommand(input));
    const b = await client.send(new StartQueryExecutionCommand(input));
    expect(b.QueryExecutionId).toBe(a.QueryExecutionId);
    await expect(
      client.send(new StartQueryExecutionCommand({ ...input, QueryString: 'SELECT 2' })),
    ).rejects.toMatchObject({ message: 'Idempotent parameters do not match' });
  });
});
