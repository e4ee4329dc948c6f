import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClassifier,
  datasetColumns,
  generateWorkload,
  getDataset,
  type LogRecord,
  listDatasets,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import {
  type ColumnBatch,
  compactPartition,
  createLakeWriter,
  createLocalStorage,
  encodeParquet,
} from '@logpipe/s3-parquet';
import { afterAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../src/duckdb/engine.js';
import { DuckDbQueryError } from '../../src/duckdb/errors.js';
import { DUCKDB_COLUMN_TYPES } from '../../src/duckdb/views.js';
import { compileInsights } from '../../src/insights/compile.js';
import type { CellValue, CompiledQuery, QueryResult, SqlParam } from '../../src/types.js';

const START = Date.UTC(2026, 0, 1, 23, 58);
const HOUR = 3_600_000;

/** Parquet without the ZSTD dependency: the engine reads whatever codec DuckDB reads. */
const encode = (batch: ColumnBatch) => encodeParquet(batch, { compression: 'SNAPPY' });

function workload(events: number, seed: number, startTime = START) {
  const classifier = createClassifier();
  const records: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
  for (const p of generateWorkload({ events, seed, startTime, eventIntervalMs: 200 })) {
    const out = processEnvelope(p.envelope, classifier);
    records.push(...out.records);
    metrics.push(...out.metrics);
  }
  return { records, metrics };
}

async function writeLake(root: string, records: LogRecord[], metrics: MetricRecord[] = []) {
  const writer = createLakeWriter({ storage: createLocalStorage({ root }), encode });
  const durable = writer.write(records, metrics);
  await writer.close();
  await durable;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logpipe-duckdb-'));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function sql(
  text: string,
  params: SqlParam[] = [],
  extra: Partial<CompiledQuery> = {},
): CompiledQuery {
  return { dialect: 'duckdb', sql: text, params, datasets: [], columns: [], ...extra };
}

async function all(result: QueryResult): Promise<Record<string, CellValue>[]> {
  const rows: Record<string, CellValue>[] = [];
  for await (const row of result) rows.push(row);
  return rows;
}

async function failure(promise: Promise<unknown>): Promise<DuckDbQueryError> {
  try {
    await promise;
  } catch (error) {
    if (DuckDbQueryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DuckDbQueryError');
}

const engines: DuckDbEngine[] = [];
function engineOn(lake: string): DuckDbEngine {
  const e = createDuckDbEngine({ lake });
  engines.push(e);
  return e;
}
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

// One shared lake of ~2 hours of every dataset.
const shared = (() => {
  const root = tempDir();
  const data = workload(3000, 3);
  const ready = writeLake(root, data.records, data.metrics);
  return { root, ...data, ready };
})();

describe('the DuckDB engine over a local lake', () => {
  it('creates one view per dataset whose partition keys stay zero-padded strings', async () => {
    await shared.ready;
    const engine = engineOn(shared.root);
    const result = engine.execute(
      sql(
        'SELECT DISTINCT year, month, day, hour FROM main.app ORDER BY year, month, day, hour',
        [],
        { datasets: ['app'] },
      ),
    );
    expect(await all(result)).toEqual([
      { year: '2026', month: '01', day: '01', hour: '23' },
      { year: '2026', month: '01', day: '02', hour: '00' },
    ]);
    expect(await result.columns()).toEqual([
      { name: 'year', type: 'varchar' },
      { name: 'month', type: 'varchar' },
      { name: 'day', type: 'varchar' },
      { name: 'hour', type: 'varchar' },
    ]);
    // A partition filter on the strings prunes as the compiler writes it.
    const filtered = await all(
      engine.execute(sql("SELECT count(*) AS n FROM app WHERE month = '01' AND hour = '00'")),
    );
    const expected = shared.records.filter(
      (r) => r.dataset === 'app' && new Date(r.time).getUTCHours() === 0,
    ).length;
    expect(filtered).toEqual([{ n: BigInt(expected) }]);
  });

  it('reads every row of the lake exactly once, per dataset', async () => {
    await shared.ready;
    const engine = engineOn(shared.root);
    const union = listDatasets()
      .map((d) => `SELECT '${d.name}' AS dataset, count(*) AS n FROM "${d.name}"`)
      .join(' UNION ALL ');
    const rows = await all(engine.execute(sql(`${union} ORDER BY dataset`)));
    const expected: Record<string, bigint> = {};
    for (const d of listDatasets()) expected[d.name] = 0n;
    for (const r of shared.records) expected[r.dataset] = (expected[r.dataset] ?? 0n) + 1n;
    expected.metrics = BigInt(shared.metrics.length);
    expect(Object.fromEntries(rows.map((r) => [r.dataset, r.n]))).toEqual(expected);
    // And the ids of one dataset are the records' ids.
    const ids = await all(engine.execute(sql('SELECT id FROM vpc_flow ORDER BY id')));
    expect(ids.map((r) => r.id)).toEqual(
      shared.records
        .filter((r) => r.dataset === 'vpc_flow')
        .map((r) => r.id)
        .sort(),
    );
  });

  it('gives a dataset without files an empty view with its declared columns, typed as the files are read', async () => {
    await shared.ready;
    const empty = tempDir();
    const engine = engineOn(empty);
    const full = engineOn(shared.root);
    for (const def of listDatasets()) {
      const result = engine.execute(sql(`SELECT * FROM "${def.name}"`));
      expect(await all(result), def.name).toEqual([]);
      const declared = datasetColumns(def).map((c) => ({
        name: c.name,
        type: DUCKDB_COLUMN_TYPES[c.type].toLowerCase(),
      }));
      const partitions = ['year', 'month', 'day', 'hour'].map((name) => ({
        name,
        type: 'varchar',
      }));
      expect(await result.columns(), def.name).toEqual([...declared, ...partitions]);
      // The same names and types as the view over the Parquet the lake writer wrote.
      const fromFiles = full.execute(sql(`SELECT * FROM "${def.name}" LIMIT 0`));
      await all(fromFiles);
      expect(await fromFiles.columns(), def.name).toEqual([...declared, ...partitions]);
    }
  });

  it('reads files whose columns differ from the declared ones: declared order, NULL where a file lacks one, extra columns kept', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const writer = await DuckDBInstance.create(':memory:');
    const db = await writer.connect();
    const part = async (root: string, hour: string, select: string) => {
      const dir = join(root, 'vpc_flow', 'year=2026', 'month=01', 'day=01', `hour=${hour}`);
      mkdirSync(dir, { recursive: true });
      await db.run(`COPY (${select}) TO '${join(dir, 'part-a.parquet')}' (FORMAT PARQUET)`);
    };
    // An older writer (a column since dropped, most declared ones missing), then a newer one.
    const root = tempDir();
    await part(
      root,
      '00',
      "SELECT TIMESTAMPTZ '2026-01-01 00:10:00+00' AS time, 'e1' AS id, 'old' AS legacy, CAST(443 AS INTEGER) AS dstport",
    );
    await part(
      root,
      '01',
      "SELECT TIMESTAMPTZ '2026-01-01 01:10:00+00' AS time, 'e2' AS id, CAST(22 AS INTEGER) AS dstport, 'ACCEPT' AS action",
    );
    const engine = engineOn(root);
    const result = engine.execute(
      sql('SELECT * FROM vpc_flow ORDER BY id', [], { datasets: ['vpc_flow'] }),
    );
    const rows = await all(result);
    const declared = datasetColumns(getDataset('vpc_flow'));
    expect((await result.columns()).map((c) => `${c.name} ${c.type}`)).toEqual([
      ...declared.map((c) => `${c.name} ${DUCKDB_COLUMN_TYPES[c.type].toLowerCase()}`),
      'legacy varchar',
      ...['year', 'month', 'day', 'hour'].map((k) => `${k} varchar`),
    ]);
    expect(rows.map((r) => [r.id, r.dstport, r.action, r.legacy, r.owner, r.hour])).toEqual([
      ['e1', 443, null, 'old', null, '00'],
      ['e2', 22, 'ACCEPT', null, null, '01'],
    ]);
    expect((rows[0] as Record<string, CellValue>).time).toEqual(
      new Date(Date.UTC(2026, 0, 1, 0, 10)),
    );
    // Reshaped by a projection of the files: no UNION between the query and the Parquet scan.
    const view = engine.execute(
      sql("SELECT sql FROM duckdb_views() WHERE temporary AND view_name = 'vpc_flow'", [], {
        datasets: ['vpc_flow'],
      }),
    );
    const [definition] = await all(view);
    expect(String(definition?.sql)).toContain('CAST(NULL AS VARCHAR) AS "owner"');
    expect(String(definition?.sql)).not.toContain('UNION');

    // A declared column of another type in the files: typed as before, by UNION ALL BY NAME
    // of the declared columns and the files (INTEGER declared, BIGINT read: BIGINT).
    const other = tempDir();
    await part(
      other,
      '00',
      "SELECT TIMESTAMPTZ '2026-01-01 00:10:00+00' AS time, 'e3' AS id, CAST(8080 AS BIGINT) AS dstport",
    );
    const retyped = engineOn(other).execute(
      sql('SELECT id, dstport FROM vpc_flow', [], { datasets: ['vpc_flow'] }),
    );
    expect(await all(retyped)).toEqual([{ id: 'e3', dstport: 8080n }]);
    expect(await retyped.columns()).toEqual([
      { name: 'id', type: 'varchar' },
      { name: 'dstport', type: 'bigint' },
    ]);
    writer.closeSync();
  });

  it('reads the files the lake writer wrote straight from the scan: no UNION in the view', async () => {
    await shared.ready;
    const result = engineOn(shared.root).execute(
      sql('SELECT view_name, sql FROM duckdb_views() WHERE temporary AND view_name = ?', ['alb'], {
        datasets: ['alb'],
      }),
    );
    const [view] = await all(result);
    expect(view?.view_name).toBe('alb');
    expect(String(view?.sql)).toContain('read_parquet(');
    expect(String(view?.sql)).not.toContain('UNION');
    expect(String(view?.sql)).not.toContain('CAST(NULL');
  });

  it('binds ? parameters in order and never splices them into the SQL', async () => {
    const engine = engineOn(tempDir());
    const hostile = "x'); DROP VIEW app; --";
    const rows = await all(
      engine.execute(
        sql(
          'SELECT ? AS s, ? AS big, ? AS small, ? AS ratio, ? AS yes, ? IS NULL AS none, (SELECT count(*) FROM app) AS app_rows',
          [hostile, Date.UTC(2026, 0, 1), 7, 0.25, true, null],
        ),
      ),
    );
    expect(rows).toEqual([
      {
        s: hostile,
        big: BigInt(Date.UTC(2026, 0, 1)),
        small: 7n,
        ratio: 0.25,
        yes: true,
        none: true,
        app_rows: 0n,
      },
    ]);
  });

  it('types cells: timestamps as Date, BIGINT as bigint, maps and structs as objects, lists as arrays', async () => {
    const engine = engineOn(tempDir());
    const result = engine.execute(
      sql(`SELECT
        TIMESTAMPTZ '2026-01-02 03:04:05.678+00' AS tstz,
        TIMESTAMP '1969-12-31 23:59:59.9995' AS ts_before_epoch,
        DATE '2026-01-02' AS d,
        42::BIGINT AS big,
        (2::HUGEINT ** 70)::HUGEINT AS huge,
        7::INTEGER AS int,
        1.5::DOUBLE AS dbl,
        12.34::DECIMAL(10, 2) AS dec,
        12345678901234567.89::DECIMAL(20, 2) AS wide_dec,
        MAP {'k': 'v', '__proto__': 'x'} AS m,
        {'a': 1, 'b': [1, 2]} AS st,
        [1, 2, NULL] AS list,
        '{"a": [1, true]}'::JSON AS j,
        'infinity'::TIMESTAMP AS inf,
        INTERVAL 90 MINUTE AS iv,
        NULL::VARCHAR AS nothing`),
    );
    const [row] = await all(result);
    expect(row).toEqual({
      tstz: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      ts_before_epoch: new Date(-1),
      d: new Date(Date.UTC(2026, 0, 2)),
      big: 42n,
      huge: 2n ** 70n,
      int: 7,
      dbl: 1.5,
      dec: 12.34,
      wide_dec: '12345678901234567.89',
      m: Object.fromEntries([
        ['k', 'v'],
        ['__proto__', 'x'],
      ]),
      st: { a: 1, b: [1, 2] },
      list: [1, 2, null],
      j: { a: [1, true] },
      inf: 'infinity',
      iv: '01:30:00',
      nothing: null,
    });
    expect(Object.getPrototypeOf(row?.m)).toBe(Object.prototype);
    const types = Object.fromEntries((await result.columns()).map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      tstz: 'timestamp with time zone',
      big: 'bigint',
      m: 'map(varchar, varchar)',
    });
  });

  it('reads metric dimensions (MAP) as plain objects', async () => {
    await shared.ready;
    const engine = engineOn(shared.root);
    const rows = await all(engine.execute(sql('SELECT dimensions FROM metrics')));
    const canonical = (d: object) => JSON.stringify(Object.entries(d).sort());
    const got = rows.map((r) => canonical(r.dimensions as object)).sort();
    const want = shared.metrics.map((m) => canonical(m.dimensions)).sort();
    expect(got).toEqual(want);
    expect(want.some((d) => d !== '[]')).toBe(true);
  });

  it('sees files written after it was created: the lake is listed again for every query', async () => {
    const root = tempDir();
    const engine = engineOn(root);
    const count = async () =>
      (
        await all(engine.execute(sql('SELECT count(*) AS n FROM app', [], { datasets: ['app'] })))
      )[0]?.n;
    expect(await count()).toBe(0n);
    const first = workload(400, 11);
    await writeLake(root, first.records);
    const n1 = BigInt(first.records.filter((r) => r.dataset === 'app').length);
    expect(await count()).toBe(n1);
    const second = workload(400, 12, START + 5 * HOUR);
    await writeLake(root, second.records);
    const n2 = BigInt(second.records.filter((r) => r.dataset === 'app').length);
    expect(await count()).toBe(n1 + n2);
  });

  it('reads a compacted partition once: before, during (marker, output and inputs all there) and after compaction', async () => {
    const root = tempDir();
    const storage = createLocalStorage({ root });
    const { records } = workload(600, 5);
    const alb = records.filter((r) => r.dataset === 'alb');
    // Three writes into the same hour: three small files in one partition.
    const thirds = [alb.slice(0, 10), alb.slice(10, 20), alb.slice(20, 30)];
    for (const part of thirds) await writeLake(root, part);
    const engine = engineOn(root);
    const count = async () =>
      (
        await all(engine.execute(sql('SELECT count(*) AS n FROM alb', [], { datasets: ['alb'] })))
      )[0]?.n;
    expect(await count()).toBe(30n);

    const partition = 'alb/year=2026/month=01/day=01/hour=23';
    const files = (await storage.list(`${partition}/`)).map((f) => f.key).sort();
    expect(files).toHaveLength(3);
    // A compaction between (b) and (c): output written, inputs not yet deleted.
    const [a, b] = files as [string, string];
    const output = `${partition}/part-ffffffffffffffffffffffffffffffff.parquet`;
    copyFileSync(join(root, a), join(root, output));
    const marker = {
      format: 'logpipe.compaction.v1',
      id: 'abc123',
      output,
      inputs: [a],
      startedAt: Date.now(),
    };
    writeFileSync(join(root, partition, '_compaction-abc123.json'), JSON.stringify(marker));
    expect(await count()).toBe(30n);
    // A marker whose output is not there (crashed before (b)): its named output stays hidden.
    const ghost = {
      ...marker,
      id: 'def456',
      output: `${partition}/part-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.parquet`,
      inputs: [b],
    };
    writeFileSync(join(root, partition, '_compaction-def456.json'), JSON.stringify(ghost));
    expect(await count()).toBe(30n);

    // A real compaction of a fresh copy of the partition.
    const other = tempDir();
    for (const part of thirds) await writeLake(other, part);
    const r = await compactPartition({
      storage: createLocalStorage({ root: other }),
      partition,
      minFileAgeMs: 0,
      encode,
    });
    expect(r.status).toBe('compacted');
    expect(walk(join(other, partition))).toHaveLength(1);
    const after = engineOn(other);
    const rows = await all(after.execute(sql('SELECT count(*) AS n FROM alb')));
    expect(rows).toEqual([{ n: 30n }]);
  });

  it('puts only the hours of timeRange in the views and reports their bytes as bytesScanned', async () => {
    await shared.ready;
    const engine = engineOn(shared.root);
    const files = walk(join(shared.root, 'alb'));
    const total = files.reduce((n, f) => n + statSync(f).size, 0);
    const secondHour = files
      .filter((f) => f.includes('/hour=00/'))
      .reduce((n, f) => n + statSync(f).size, 0);
    expect(secondHour).toBeGreaterThan(0);
    expect(secondHour).toBeLessThan(total);

    const whole = engine.execute(sql('SELECT count(*) AS n FROM alb', [], { datasets: ['alb'] }));
    await all(whole);
    expect(await whole.stats()).toMatchObject({ bytesScanned: total, costUsd: 0, rows: 1 });

    const from = Date.UTC(2026, 0, 2, 0, 10);
    const to = Date.UTC(2026, 0, 2, 0, 20);
    const ranged = engine.execute(
      sql(
        'SELECT count(*) AS n FROM alb WHERE time >= epoch_ms(?) AND time < epoch_ms(?)',
        [from, to],
        { datasets: ['alb'], timeRange: { from, to } },
      ),
    );
    const [row] = await all(ranged);
    const expected = shared.records.filter(
      (r) => r.dataset === 'alb' && r.time >= from && r.time < to,
    ).length;
    expect(row?.n).toBe(BigInt(expected));
    const stats = await ranged.stats();
    expect(stats).toMatchObject({ bytesScanned: secondHour, costUsd: 0, rows: 1 });
    expect(stats.elapsedMs).toBeGreaterThanOrEqual(0);
    // The first hour's files are not in the view at all.
    const outside = await all(
      engine.execute(
        sql("SELECT count(*) AS n FROM alb WHERE hour = '23'", [], {
          datasets: ['alb'],
          timeRange: { from, to },
        }),
      ),
    );
    expect(outside).toEqual([{ n: 0n }]);
  });

  it('runs the queries compileInsights compiles, with the same answers as hand-written SQL', async () => {
    await shared.ready;
    const engine = engineOn(shared.root);
    const from = START;
    const to = START + 2 * HOUR;
    const binned = compileInsights('stats count(*) as n by bin(5m)', {
      dialect: 'duckdb',
      dataset: 'alb',
      from,
      to,
    });
    expect(binned.binColumn).toBeDefined();
    const bins = await all(engine.execute({ ...binned, timeRange: { from, to } }));
    const total = bins.reduce((n, r) => n + (r.n as bigint), 0n);
    const albRows = shared.records.filter((r) => r.dataset === 'alb').length;
    expect(total).toBe(BigInt(albRows));
    for (const r of bins) expect(r[binned.binColumn as string]).toBeInstanceOf(Date);

    const errors = compileInsights('filter level = "error" | stats count(*) as n by log_group', {
      dialect: 'duckdb',
      dataset: 'app',
      from,
      to,
    });
    const got = await all(engine.execute(errors));
    const want = await all(
      engine.execute(
        sql("SELECT log_group, count(*) AS n FROM app WHERE level = 'error' GROUP BY log_group"),
      ),
    );
    const byGroup = (rows: Record<string, CellValue>[]) =>
      Object.fromEntries(rows.map((r) => [r.log_group, r.n]));
    expect(byGroup(got)).toEqual(byGroup(want));
    expect(got.length).toBeGreaterThan(0);
  });

  it('streams a large result and, when the consumer stops early, counts only the rows it took', async () => {
    const engine = engineOn(tempDir());
    const big = engine.execute(sql('SELECT i FROM range(0, 250000) t(i)'));
    let sum = 0n;
    for await (const row of big) sum += row.i as bigint;
    expect(sum).toBe((249999n * 250000n) / 2n);
    expect((await big.stats()).rows).toBe(250000);

    const early = engine.execute(sql('SELECT i FROM range(0, 250000) t(i)'));
    let taken = 0;
    for await (const _ of early) if (++taken === 5) break;
    expect((await early.stats()).rows).toBe(5);
  });

  it('runs queries side by side, each on its own connection with its own views', async () => {
    await shared.ready;
    const engine = engineOn(shared.root);
    // A long query does not hold up the others.
    const controller = new AbortController();
    const long = engine.execute(
      sql('SELECT count(*) FROM range(0, 100000000000) t(i) WHERE hash(i) % 7 = 3'),
      { signal: controller.signal },
    );
    const longDone = all(long).catch((e: unknown) => e);
    const names = ['alb', 'app', 'vpc_flow', 'lambda'];
    const counts = await Promise.all(
      names.map(async (d) => {
        const rows = await all(
          engine.execute(sql(`SELECT count(*) AS n FROM "${d}"`, [], { datasets: [d] })),
        );
        return rows[0]?.n;
      }),
    );
    expect(counts).toEqual(
      names.map((d) => BigInt(shared.records.filter((r) => r.dataset === d).length)),
    );
    // Two time ranges of one dataset at once: each query reads its own hours only.
    const hours = [Date.UTC(2026, 0, 1, 23), Date.UTC(2026, 0, 2, 0)];
    const perHour = await Promise.all(
      hours.map(async (from) => {
        const timeRange = { from, to: from + HOUR };
        const rows = await all(
          engine.execute(
            sql('SELECT count(*) AS n FROM app', [], { datasets: ['app'], timeRange }),
          ),
        );
        return rows[0]?.n;
      }),
    );
    expect(perHour).toEqual(
      hours.map((from) =>
        BigInt(
          shared.records.filter(
            (r) => r.dataset === 'app' && r.time >= from && r.time < from + HOUR,
          ).length,
        ),
      ),
    );
    controller.abort();
    expect(await longDone).toMatchObject({ code: 'ABORTED' });
  });

  it('reads a lake whose path has quotes and spaces', async () => {
    const root = join(tempDir(), "o'brien's lake");
    const { records } = workload(300, 21);
    await writeLake(root, records);
    const engine = engineOn(root);
    const rows = await all(engine.execute(sql('SELECT count(*) AS n FROM alb')));
    expect(rows).toEqual([{ n: BigInt(records.filter((r) => r.dataset === 'alb').length) }]);
  });

  it('keeps the session time zone UTC, so bins and date parts are UTC whatever TZ says', async () => {
    const engine = engineOn(tempDir());
    const rows = await all(
      engine.execute(
        sql(
          "SELECT current_setting('TimeZone') AS tz, date_trunc('day', TIMESTAMPTZ '2026-01-02 01:00:00+00') AS d",
        ),
      ),
    );
    expect(rows).toEqual([{ tz: 'UTC', d: new Date(Date.UTC(2026, 0, 2)) }]);
  });
});

describe('DuckDB engine failures', () => {
  it('rejects SQL DuckDB refuses with QUERY_FAILED, and still resolves stats', async () => {
    const engine = engineOn(tempDir());
    const result = engine.execute(sql('SELECT no_such_column FROM app'));
    const error = await failure(all(result));
    expect(error.code).toBe('QUERY_FAILED');
    expect(error.message).toMatch(/no_such_column/);
    expect((await failure(result.columns())).code).toBe('QUERY_FAILED');
    expect(await result.stats()).toMatchObject({ rows: 0, costUsd: 0 });
  });

  it('refuses a query of another dialect, a wrong number of values, and unbindable values', async () => {
    const engine = engineOn(tempDir());
    expect(() => engine.execute({ ...sql('SELECT 1'), dialect: 'athena' })).toThrow(
      expect.objectContaining({ code: 'INVALID_QUERY' }),
    );
    expect(() => engine.execute(sql('SELECT ?', [Number.NaN]))).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    const error = await failure(all(engine.execute(sql('SELECT ?, ?', [1]))));
    expect(error.code).toBe('INVALID_QUERY');
  });

  it('interrupts a running query when its signal aborts', async () => {
    const engine = engineOn(tempDir());
    const controller = new AbortController();
    const result = engine.execute(
      sql('SELECT count(*) FROM range(0, 100000000000) t(i) WHERE hash(i) % 7 = 3'),
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const error = await failure(all(result));
    expect(error.code).toBe('ABORTED');
    expect((await result.stats()).rows).toBe(0);
    // The engine still runs queries after that.
    expect(await all(engine.execute(sql('SELECT 1 AS one')))).toEqual([{ one: 1 }]);
  });

  it('never starts a query whose signal is already aborted', async () => {
    const engine = engineOn(tempDir());
    const result = engine.execute(sql('SELECT 1'), { signal: AbortSignal.abort() });
    expect((await failure(result.columns())).code).toBe('ABORTED');
    expect((await failure(all(result))).code).toBe('ABORTED');
  });

  it('iterates a result once', async () => {
    const engine = engineOn(tempDir());
    const result = engine.execute(sql('SELECT 1 AS one'));
    expect(await all(result)).toEqual([{ one: 1 }]);
    expect((await failure(all(result))).code).toBe('ALREADY_ITERATED');
  });

  it('close() stops what runs, waits for it, and refuses new queries', async () => {
    const engine = createDuckDbEngine({ lake: tempDir() });
    const running = engine.execute(
      sql('SELECT count(*) FROM range(0, 100000000000) t(i) WHERE hash(i) % 7 = 3'),
    );
    const idle = engine.execute(sql('SELECT i FROM range(0, 10) t(i)'));
    await idle.columns();
    await new Promise((r) => setTimeout(r, 50));
    await engine.close();
    expect((await failure(all(running))).code).toBe('ENGINE_CLOSED');
    expect((await failure(all(idle))).code).toBe('ENGINE_CLOSED');
    expect(() => engine.execute(sql('SELECT 1'))).toThrow(
      expect.objectContaining({ code: 'ENGINE_CLOSED' }),
    );
    await engine.close();
  });

  it('refuses a lake path DuckDB would read as a glob', () => {
    expect(() => createDuckDbEngine({ lake: '/tmp/lake[1]' })).toThrow(/glob/);
    expect(() => createDuckDbEngine({ lake: '' })).toThrow(/lake/);
  });

  it('declares the columns of every dataset in core', () => {
    for (const def of listDatasets()) {
      for (const c of datasetColumns(getDataset(def.name))) {
        expect(DUCKDB_COLUMN_TYPES[c.type], `${def.name}.${c.name}`).toBeDefined();
      }
    }
  });
});
