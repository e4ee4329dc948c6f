import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  createClassifier,
  datasetColumns,
  generateWorkload,
  getDataset,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import { createLakeWriter, createLocalStorage, encodeParquet } from '@logpipe/s3-parquet';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileInsights } from '../../src/insights/compile.js';
import { parseInsights } from '../../src/insights/parse.js';
import type { CompiledQuery } from '../../src/types.js';
import { INSIGHTS_SAMPLES } from '../fixtures/insights-samples.js';
import { insightsQuery, ReferenceEvaluator, type Row } from '../support/reference-evaluator.js';

/** The query window: crosses a day and an hour boundary; records exist before and after it. */
const FROM = Date.UTC(2026, 0, 1, 22, 40);
const TO = Date.UTC(2026, 0, 2, 1, 20);
const NOW = Date.UTC(2026, 0, 2, 2);
const APP = getDataset('app');

let root: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;
const appRows: Row[] = [];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** App records with the fields the query generator uses; some values missing. */
function appRecords(count: number): LogRecord[] {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const maybe = <T>(v: T, p = 0.15): T | undefined => (r() < p ? undefined : v);
  const strings = [
    'alpha',
    'beta',
    'Gamma',
    'item2',
    'item10',
    'item9b',
    'x',
    '',
    '10',
    '007',
    '-3',
    'a1b22',
    'A1b3',
    'zeta 2',
  ];
  const out: LogRecord[] = [];
  const start = FROM - 3_600_000;
  const span = TO - FROM + 2 * 3_600_000;
  for (let i = 0; i < count; i++) {
    // Unique times: the default order (newest first) is then total.
    const time = start + Math.floor((span / count) * i) + Math.floor(r() * 1000);
    const level = pick(['info', 'warn', 'error', 'debug', undefined]);
    const fields: Record<string, unknown> = {};
    const a = maybe(Math.floor(r() * 26) - 5);
    if (a !== undefined) fields.a = a;
    const n = maybe(Math.floor(r() * 80) / 4 - 5);
    if (n !== undefined) fields.n = n;
    const b = maybe(pick(strings), 0.2);
    if (b !== undefined) fields.b = b;
    const c = pick<unknown>([3, 7.5, '12', '4', 'x9', 'y', -2, undefined, '1e2']);
    if (c !== undefined) fields.c = c;
    fields.ip = pick([
      '10.1.2.3',
      '10.200.0.1',
      '192.168.1.10',
      '172.16.5.4',
      'not-an-ip',
      '300.1.1.1',
    ]);
    fields.svc = pick(['api', 'web', 'db']);
    fields.obj = { k: 'v' };
    fields.list = [1, 2];
    const user = pick(['ann', 'bob', 'cy']);
    const method = pick(['GET', 'PUT']);
    const message = pick([
      `user=${user}, method:${method}, latency := ${Math.floor(r() * 500)}`,
      `${level ?? 'none'} [${pick(['ERROR', 'INFO', 'WARN'])}] something happened`,
      `Exception in thread ${Math.floor(r() * 9)}`,
      `plain text ${i}`,
    ]);
    out.push({
      time,
      id: String(10n ** 55n + BigInt(i)),
      dataset: 'app',
      origin: {
        owner: '123456789012',
        logGroup: pick(['/app/one', '/app/two']),
        logStream: pick(['s-1', 's-2', 's-3']),
      },
      message,
      fields: { format: 'json', ...(level === undefined ? {} : { level }), fields },
    });
  }
  return out;
}

async function writeLake(records: LogRecord[], metrics: MetricRecord[]): Promise<void> {
  const storage = createLocalStorage({ root });
  const writer = createLakeWriter({ storage, encode: encodeParquet });
  const durable = writer.write(records, metrics);
  await writer.close();
  await durable;
}

function storageRow(rec: LogRecord): Row {
  const row: Record<string, unknown> = {};
  for (const c of datasetColumns(APP)) {
    let v: unknown;
    switch (c.name) {
      case 'time':
        v = rec.time;
        break;
      case 'id':
        v = rec.id;
        break;
      case 'owner':
        v = rec.origin.owner;
        break;
      case 'log_group':
        v = rec.origin.logGroup;
        break;
      case 'log_stream':
        v = rec.origin.logStream;
        break;
      case 'origin_region':
        v = rec.origin.region ?? null;
        break;
      case 'message':
        v = rec.message;
        break;
      default:
        v = rec.fields[c.name];
    }
    row[c.name] = v === undefined || v === null ? null : c.type === 'json' ? JSON.stringify(v) : v;
  }
  return row;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'logpipe-insights-'));
  const records = appRecords(400);
  for (const r of records) appRows.push(storageRow(r));
  // The other datasets, for running the guide's samples.
  const classifier = createClassifier();
  const others: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
  for (const p of generateWorkload({
    events: 1500,
    seed: 5,
    startTime: FROM - 600_000,
    eventIntervalMs: 5_000,
  })) {
    const out = processEnvelope(p.envelope, classifier);
    others.push(...out.records.filter((r) => r.dataset !== 'app'));
    metrics.push(...out.metrics);
  }
  await writeLake([...records, ...others], metrics);
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  // A session time zone far from UTC: results must not depend on it.
  await conn.run("SET TimeZone = 'Asia/Kolkata'");
  for (const name of ['app', 'alb', 'vpc_flow', 'cloudtrail', 'lambda', 'metrics']) {
    await conn.run(
      `CREATE VIEW "${name}" AS SELECT * FROM read_parquet('${root}/${name}/*/*/*/*/*.parquet', hive_partitioning = true, hive_types = {'year': VARCHAR, 'month': VARCHAR, 'day': VARCHAR, 'hour': VARCHAR}, union_by_name = true)`,
    );
  }
}, 60_000);

afterAll(() => {
  conn?.closeSync();
  db?.closeSync();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

type Cell = number | string | boolean | null;

async function runDuck(q: CompiledQuery): Promise<Cell[][]> {
  const reader = await conn.runAndReadAll(q.sql, q.params as (string | number | boolean | null)[]);
  return reader.getRowsJS().map((row) =>
    row.map((v): Cell => {
      if (v === null || v === undefined) return null;
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Date) return v.getTime();
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
      return JSON.stringify(v);
    }),
  );
}

function sameCell(a: Cell, b: Cell): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

function sameRow(a: Cell[], b: Cell[]): boolean {
  return a.length === b.length && a.every((c, j) => sameCell(c, b[j] as Cell));
}

/**
 * The same rows in the same order, except that a run of positions where they differ passes
 * when it holds the same rows in another order and those rows tie, within sameCell's
 * tolerance, on some numeric column: a sort key that DuckDB and the reference compute in a
 * different floating-point order (stddev, avg) may differ in its last bit and put such rows
 * either way round (seen: 7.459613484178207 against …208 under `sort m0 desc`).
 */
function sameRows(a: Cell[][], b: Cell[][]): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length) {
    if (sameRow(a[i] as Cell[], b[i] as Cell[])) {
      i++;
      continue;
    }
    let k = i;
    while (k < a.length && !sameRow(a[k] as Cell[], b[k] as Cell[])) k++;
    const expected = b.slice(i, k);
    const unmatched = [...expected];
    for (const row of a.slice(i, k)) {
      const at = unmatched.findIndex((r) => sameRow(row, r));
      if (at < 0) return false;
      unmatched.splice(at, 1);
    }
    const first = expected[0] as Cell[];
    const tied = first.some(
      (v, col) => typeof v === 'number' && expected.every((r) => sameCell(r[col] as Cell, v)),
    );
    if (!tied) return false;
    i = k;
  }
  return true;
}

describe('the row comparison of these tests', () => {
  it('lets rows that tie on a numeric column within the tolerance come in either order, nothing else', () => {
    const expected: Cell[][] = [
      ['alpha', 9.5, 'x'],
      ['beta', 7.459613484178207, 'beta'],
      ['item9b', 7.459613484178207, 'item9b'],
      ['z', 1, 'z'],
    ];
    // The CI failure of 2026-11-27: DuckDB's stddev one bit higher for one group under `sort m0 desc`.
    const swapped: Cell[][] = [
      ['alpha', 9.5, 'x'],
      ['item9b', 7.459613484178208, 'item9b'],
      ['beta', 7.459613484178207, 'beta'],
      ['z', 1, 'z'],
    ];
    expect(sameRows(swapped, expected)).toBe(true);
    expect(sameRows(expected, expected)).toBe(true);
    // Swapped rows that do not tie, a changed row, a missing row: all differ.
    const untied = [expected[0], expected[3], expected[2], expected[1]] as Cell[][];
    expect(sameRows(untied, expected)).toBe(false);
    const changed = swapped.map((r) => [...r]);
    (changed[1] as Cell[])[0] = 'other';
    expect(sameRows(changed, expected)).toBe(false);
    expect(sameRows(swapped.slice(0, 3), expected)).toBe(false);
  });
});

describe('compiled Logs Insights queries on DuckDB', () => {
  it('keeps the zero padding of the partition values in the view', async () => {
    const rows = (
      await conn.runAndReadAll(`SELECT DISTINCT month, day, hour FROM app ORDER BY 1, 2, 3`)
    ).getRowObjectsJS();
    expect(rows[0]).toEqual({ month: '01', day: '01', hour: '21' });
  });

  it('runs every guide sample that compiles, for its dataset', async () => {
    let ran = 0;
    for (const sample of INSIGHTS_SAMPLES) {
      if (sample.expect !== 'compiles') continue;
      const q = compileInsights(sample.query, {
        dialect: 'duckdb',
        dataset: sample.dataset,
        from: FROM,
        to: TO,
        now: NOW,
      });
      await expect(runDuck(q), sample.query).resolves.toBeDefined();
      ran++;
    }
    expect(ran).toBeGreaterThan(80);
  });

  it('reads only the partitions of the time range, and only events inside it', async () => {
    const q = compileInsights(
      'stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last',
      {
        dialect: 'duckdb',
        from: FROM,
        to: TO,
      },
    );
    const [row] = await runDuck(q);
    const inRange = appRows.filter((r) => (r.time as number) >= FROM && (r.time as number) < TO);
    expect(row).toEqual([
      inRange.length,
      Math.min(...inRange.map((r) => r.time as number)),
      Math.max(...inRange.map((r) => r.time as number)),
    ]);
    const plan = await conn.runAndReadAll(`EXPLAIN ${q.sql}`, q.params as string[]);
    expect(JSON.stringify(plan.getRowsJS())).toMatch(/File Filters|Filters:.*year/s);
  });

  it('agrees with the reference evaluator on hand-picked queries', async () => {
    const queries = [
      'fields @timestamp, @message | sort @timestamp desc | limit 25',
      'stats count(*) as n by bin(30m)',
      'stats count(*) as n, sum(a) as s, avg(n) as m, pct(a, 90) as p90, stddev(n) as sd by level',
      'fields b | sort b asc | limit 40',
      'fields b | sort b desc | limit 40',
      'parse @message "user=*, method:*, latency := *" as user, method, latency | filter ispresent(user) | stats avg(latency) as l, count(*) as n by method, user',
      'parse @message /(?<lvl>[a-z]+) \\[(?<tag>[A-Z]+)\\]/ | stats count(*) by tag, lvl',
      'filter b in ["alpha", "10", 7] or c in [3, "x9"] | fields b, c',
      'fields a, b | sort a desc | dedup b | limit 30',
      'stats earliest(b) as e, latest(a) as l, sortsFirst(c) as f, sortsLast(c) as z, min(b) as mn, max(c) as mx by svc',
      'fields isIpv4InSubnet(ip, "10.0.0.0/9") as inNet, isValidIpV4(ip) as valid, ip | filter inNet or not valid',
      'stats count(*) as n by bin(1h) as t | stats max(n) as peak, min(n) as low',
      'fields datefloor(@timestamp, 1d) as d, dateceil(@timestamp, 1mo) as m, toMillis(@timestamp) % 1000 as ms | limit 5',
    ];
    for (const text of queries) {
      const q = compileInsights(text, { dialect: 'duckdb', from: FROM, to: TO, now: NOW });
      const actual = await runDuck(q);
      const expected = new ReferenceEvaluator({ dataset: APP, from: FROM, to: TO, now: NOW }).run(
        parseInsights(text),
        appRows,
      );
      expect(q.columns, text).toEqual(expected.columns);
      if (!sameRows(actual, expected.rows)) {
        expect(actual, text).toEqual(expected.rows);
      }
    }
  });

  it('agrees with the reference evaluator on generated queries and data', async () => {
    let runs = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(insightsQuery(), async (text) => {
        const q = compileInsights(text, {
          dialect: 'duckdb',
          from: FROM,
          to: TO,
          now: NOW,
          defaultLimit: 200,
        });
        const actual = await runDuck(q);
        const expected = new ReferenceEvaluator({
          dataset: APP,
          from: FROM,
          to: TO,
          now: NOW,
          defaultLimit: 200,
        }).run(parseInsights(text), appRows);
        expect(q.columns).toEqual(expected.columns);
        if (!sameRows(actual, expected.rows)) expect(actual).toEqual(expected.rows);
        runs++;
        if (actual.length > 0 && actual.some((row) => row.some((c) => c !== null))) nonEmpty++;
      }),
      { numRuns: 200 },
    );
    // Most generated queries must return something, or agreement proves little.
    expect(nonEmpty / runs).toBeGreaterThan(0.6);
  }, 60_000);
});
