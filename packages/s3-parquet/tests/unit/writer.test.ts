import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  createClassifier,
  generateWorkload,
  type LogRecord,
  parsePartitionPath,
  partitionOf,
  processEnvelope,
} from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeParquet } from '../../src/encode.js';
import { createLocalStorage } from '../../src/storage/local.js';
import { createLakeWriter } from '../../src/writer.js';

let db: DuckDBInstance;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
});
afterAll(() => db.closeSync());

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

function workload(events: number, seed = 3) {
  const classifier = createClassifier();
  const records: LogRecord[] = [];
  const metrics = [];
  for (const p of generateWorkload({
    events,
    seed,
    startTime: Date.UTC(2026, 0, 1, 23, 58),
    eventIntervalMs: 200,
  })) {
    const out = processEnvelope(p.envelope, classifier);
    records.push(...out.records);
    metrics.push(...out.metrics);
  }
  return { records, metrics };
}

function tempLake() {
  const root = mkdtempSync(join(tmpdir(), 'logpipe-lake-'));
  return { root, storage: createLocalStorage({ root }) };
}

describe('the lake writer', () => {
  it('writes every record once, into the partition of its dataset and hour, readable by DuckDB', async () => {
    const { root, storage } = tempLake();
    const { records, metrics } = workload(3000);
    const writer = createLakeWriter({ storage, encode: encodeParquet });
    const durable = writer.write(records, metrics);
    await writer.close();
    await durable;
    const files = await storage.list('');
    expect(files.length).toBeGreaterThan(6);
    for (const f of files) {
      const p = parsePartitionPath(f.key);
      expect(p, f.key).toBeDefined();
      expect(f.key).toMatch(/\/part-[0-9a-f]{32}\.parquet$/);
    }
    const rows = await query(
      `SELECT dataset, count(*)::INTEGER AS n FROM (SELECT regexp_extract(filename, '([a-z_]+)/year=', 1) AS dataset FROM read_parquet('${root}/*/*/*/*/*/*.parquet', filename = true)) GROUP BY 1 ORDER BY 1`,
    );
    const expected: Record<string, number> = {};
    for (const r of records) expected[r.dataset] = (expected[r.dataset] ?? 0) + 1;
    expected.metrics = metrics.length;
    expect(Object.fromEntries(rows.map((r) => [r.dataset, r.n]))).toEqual(expected);
    // Every id once, and in the hour partition of its time.
    const ids = await query(
      `SELECT id, epoch_ms(time) AS t, year, month, day, hour FROM read_parquet('${root}/*/*/*/*/*/*.parquet', hive_partitioning = true, union_by_name = true) WHERE id IS NOT NULL`,
    );
    expect(ids).toHaveLength(records.length);
    expect(new Set(ids.map((r) => r.id)).size).toBe(records.length);
    for (const r of ids) {
      const p = partitionOf(Number(r.t));
      expect([
        String(r.year).padStart(4, '0'),
        String(r.month).padStart(2, '0'),
        String(r.day).padStart(2, '0'),
        String(r.hour).padStart(2, '0'),
      ]).toEqual([p.year, p.month, p.day, p.hour]);
    }
    expect(writer.stats).toMatchObject({
      rowsIn: records.length + metrics.length,
      rowsWritten: records.length + metrics.length,
      rowsFailed: 0,
    });
  });

  it('rolls a file when a buffer reaches its row limit, and gives the same keys for the same rows', async () => {
    const a = tempLake();
    const b = tempLake();
    const { records } = workload(1500, 9);
    for (const { storage } of [a, b]) {
      const writer = createLakeWriter({ storage, encode: encodeParquet, maxRows: 100 });
      const durable = writer.write(records);
      await writer.close();
      await durable;
    }
    const keysA = (await a.storage.list('')).map((f) => f.key).sort();
    const keysB = (await b.storage.list('')).map((f) => f.key).sort();
    expect(keysA).toEqual(keysB);
    const counts = await query(
      `SELECT filename, count(*)::INTEGER AS n FROM read_parquet('${a.root}/*/*/*/*/*/*.parquet', filename = true, union_by_name = true) GROUP BY 1`,
    );
    for (const c of counts) expect(c.n).toBeLessThanOrEqual(100);
    expect(counts.reduce((s, c) => s + (c.n as number), 0)).toBe(records.length);
  });

  it('writes the largest buffers early when the buffered total passes the cap', async () => {
    const { storage } = tempLake();
    const { records } = workload(2000, 4);
    const writer = createLakeWriter({ storage, encode: encodeParquet, maxBufferedBytes: 50_000 });
    const durable = writer.write(records);
    expect(writer.stats.earlyFlushes).toBeGreaterThan(0);
    await writer.close();
    await durable;
    expect(writer.stats.rowsWritten).toBe(records.length);
  });

  it('writes a buffer once it is older than maxAgeMs, without flush()', async () => {
    const { storage } = tempLake();
    let now = 1_000;
    const writer = createLakeWriter({
      storage,
      encode: encodeParquet,
      maxAgeMs: 50,
      now: () => now,
    });
    const { records } = workload(20, 5);
    const durable = writer.write(records);
    now += 60;
    await durable; // resolved by the age timer
    expect(writer.stats.rowsWritten).toBe(records.length);
    await writer.close();
  });

  it('hands a storage failure back to the caller instead of dropping rows', async () => {
    // A real failure: the lake root lies under a regular file, so no directory can be made.
    const blocker = join(mkdtempSync(join(tmpdir(), 'logpipe-lake-')), 'not-a-dir');
    writeFileSync(blocker, 'x');
    const writer = createLakeWriter({
      storage: createLocalStorage({ root: join(blocker, 'lake') }),
      encode: encodeParquet,
    });
    const { records } = workload(50, 6);
    const durable = writer.write(records).then(
      () => undefined,
      (err: unknown) => err,
    );
    await writer.close();
    expect(await durable).toMatchObject({ code: 'STORAGE_WRITE_FAILED' });
    expect(writer.stats.rowsFailed).toBe(records.length);
  });

  it('leaves no temp files behind in the local lake', async () => {
    const { root, storage } = tempLake();
    const writer = createLakeWriter({ storage, encode: encodeParquet });
    const durable = writer.write(workload(200, 8).records);
    await writer.close();
    await durable;
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [e.name],
      );
    expect(walk(root).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('refuses invalid options', () => {
    const { storage } = tempLake();
    expect(() => createLakeWriter({ storage, encode: encodeParquet, maxRows: 0 })).toThrow(
      /maxRows/,
    );
    expect(() => createLakeWriter({ storage: {} as never, encode: encodeParquet })).toThrow(
      /storage/,
    );
  });
});
