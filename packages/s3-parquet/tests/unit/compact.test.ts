import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  ConfigError,
  createClassifier,
  datasetColumns,
  generateWorkload,
  getDataset,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import fc from 'fast-check';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, parquetWrite, type SchemaElement } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnBatch, logColumns } from '../../src/columns.js';
import {
  CompactionError,
  compactLake,
  compactPartition,
  decodeParquet,
  isCompactionMarkerKey,
  listLakeFiles,
  parseCompactionMarker,
  visibleLakeFiles,
} from '../../src/compact.js';
import { encodeParquet } from '../../src/encode.js';
import { StorageError } from '../../src/errors.js';
import { createLocalStorage } from '../../src/storage/local.js';
import { createS3Storage } from '../../src/storage/s3.js';
import type { LakeObject, LakeStorage } from '../../src/storage/types.js';
import { createLakeWriter } from '../../src/writer.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const LEASE = 15 * 60_000;
const ALB_23 = 'alb/year=2026/month=01/day=01/hour=23';
const METRICS_23 = 'metrics/year=2026/month=01/day=01/hour=23';
const APP_P = 'app/year=2026/month=03/day=04/hour=05';

let db: DuckDBInstance;
let server: S3TestServer;
let s3No = 0;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  server = await startS3Server();
});
afterAll(async () => {
  db?.closeSync();
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// Lakes

function localLake(): { root: string; storage: LakeStorage } {
  const root = mkdtempSync(join(tmpdir(), 'logpipe-compact-'));
  return { root, storage: createLocalStorage({ root }) };
}

function s3Lake(): LakeStorage {
  return createS3Storage({
    client: server.client,
    bucket: server.bucket,
    prefix: `compact${++s3No}/`,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
}

function workload(events: number, seed: number): { records: LogRecord[]; metrics: MetricRecord[] } {
  const classifier = createClassifier();
  const records: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
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

/** Values a workload never has: nulls, 64-bit integers, NaN/-0/∞, long multibyte text. */
function edgeAlbBatch(): ColumnBatch {
  const dataset = getDataset('alb');
  const columns = datasetColumns(dataset);
  const rows = 4;
  const values = columns.map((c) => {
    switch (c.type) {
      case 'timestamp':
        return [Date.UTC(2026, 0, 1, 23, 1, 2, 3), Date.UTC(2026, 0, 1, 23, 59, 59, 999), null, 0];
      case 'bigint':
        return [2n ** 62n + 1n, null, -(2n ** 63n), 0n];
      case 'int':
        return [2 ** 31 - 1, null, -(2 ** 31), 0];
      case 'double':
        // No -0: encodeParquet's dictionary pages (hyparquet-writer keys a Map by value, and Map
        // keys treat -0 as 0) store -0 as 0 in a chunk that also holds 0, merged or not.
        return [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, null];
      case 'boolean':
        return [true, false, null, true];
      default:
        return [`é🙂 ${'ü'.repeat(80)}`, '', null, `line\nbreak "quoted" \\ ${c.name}`];
    }
  });
  return { dataset, columns, values, rows };
}

/** Maps: empty, null, null values, integer-like keys; JSON text of every shape. */
function edgeMetricsBatch(): ColumnBatch {
  const dataset = getDataset('metrics');
  const columns = datasetColumns(dataset);
  return {
    dataset,
    columns,
    rows: 4,
    values: [
      [Date.UTC(2026, 0, 1, 23, 30), Date.UTC(2026, 0, 1, 23, 30), null, Date.UTC(2026, 0, 1, 23)],
      ['ns', null, '', 'ns2'],
      [{ '10': 'z', b: '1', a: null }, null, {}, { ключ: 'значение' }],
      ['{"x":{"value":1,"unit":"Count"}}', null, 'null', '[]'],
    ],
  };
}

/** A lake of several datasets in many small files, plus hand-made edge files (one duplicated). */
async function buildLake(storage: LakeStorage): Promise<void> {
  const { records, metrics } = workload(1200, 11);
  const writer = createLakeWriter({ storage, encode: encodeParquet, maxRows: 20 });
  const durable = writer.write(records, metrics);
  await writer.close();
  await durable;
  const alb = encodeParquet(edgeAlbBatch());
  await storage.put(`${ALB_23}/part-edge-1.parquet`, alb);
  await storage.put(`${ALB_23}/part-edge-2.parquet`, alb); // the same rows twice: a multiset
  await storage.put(`${METRICS_23}/part-edge-1.parquet`, encodeParquet(edgeMetricsBatch()));
}

/** A single partition of `files` files holding app rows, `rowsPer(f)` in file `f`. */
async function smallPartition(
  storage: LakeStorage,
  files: number,
  rowsPer: (file: number) => number = () => 7,
): Promise<void> {
  const dataset = getDataset('app');
  const base = Date.UTC(2026, 2, 4, 5);
  for (let f = 0; f < files; f++) {
    const records: LogRecord[] = [];
    for (let r = 0; r < rowsPer(f); r++) {
      records.push({
        time: base + f * 1000 + r,
        id: `${f}`.padStart(28, '0') + `${r}`.padStart(28, '0'),
        dataset: 'app',
        origin: { owner: '123456789012', logGroup: '/app/x', logStream: `s${f}` },
        message: `file ${f} row ${r}`,
        fields: { level: r % 2 === 0 ? 'INFO' : null },
      } as unknown as LogRecord);
    }
    await storage.put(
      `${APP_P}/part-${String(f).padStart(3, '0')}.parquet`,
      encodeParquet(logColumns(dataset, records)),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Readers

/** A value in a canonical, exact text form (bigint, Date, NaN, -0 and map order kept). */
function canon(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return { t: v.getTime() };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (Object.is(v, -0)) return '-0';
    if (!Number.isFinite(v)) return String(v);
    return v;
  }
  if (typeof v === 'object') return Object.entries(v as object).map(([k, x]) => [k, canon(x)]);
  return v;
}

/** Rows of the given files as hyparquet reads them, `partition|row`, sorted. */
async function hyparquetRows(
  storage: LakeStorage,
  files: readonly LakeObject[],
): Promise<string[]> {
  const out: string[] = [];
  const contents = await Promise.all(files.map((f) => storage.get(f.key)));
  for (const [i, f] of files.entries()) {
    const file = (contents[i] as Uint8Array).slice().buffer as ArrayBuffer;
    const partition = f.key.slice(0, f.key.lastIndexOf('/'));
    for (const row of await parquetReadObjects({ file, compressors })) {
      const cols = Object.keys(row).sort();
      out.push(`${partition}|${JSON.stringify(cols.map((c) => [c, canon(row[c])]))}`);
    }
  }
  return out.sort();
}

/** Rows of the given files as DuckDB reads them (files copied to a temp dir), sorted. */
async function duckRows(storage: LakeStorage, files: readonly LakeObject[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-compact-duck-'));
  try {
    const byDataset = new Map<string, string[]>();
    for (const f of files) {
      const path = join(dir, ...f.key.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await storage.get(f.key));
      const ds = f.key.slice(0, f.key.indexOf('/'));
      byDataset.set(ds, [...(byDataset.get(ds) ?? []), path]);
    }
    const out: string[] = [];
    const c = await db.connect();
    try {
      for (const paths of byDataset.values()) {
        const list = paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
        const reader = await c.runAndReadAll(
          `SELECT * FROM read_parquet([${list}], filename = true, union_by_name = true)`,
        );
        for (const row of reader.getRowObjectsJson()) {
          const file = String(row.filename);
          const partition = dirname(file).slice(dir.length + 1);
          const cols = Object.keys(row)
            .filter((k) => k !== 'filename')
            .sort();
          out.push(`${partition}|${JSON.stringify(cols.map((k) => [k, row[k]]))}`);
        }
      }
    } finally {
      c.closeSync();
    }
    return out.sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a marker-aware reader sees: the marker rule, then every visible file's rows. */
async function markerRuleRows(storage: LakeStorage): Promise<string[]> {
  return hyparquetRows(storage, await listLakeFiles(storage, ''));
}

/** What a plain reader (every listed .parquet file) sees. */
async function plainRows(storage: LakeStorage): Promise<string[]> {
  const files = (await storage.list('')).filter((o) => o.key.endsWith('.parquet'));
  return hyparquetRows(storage, files);
}

async function dataFiles(storage: LakeStorage, prefix = ''): Promise<string[]> {
  return (await storage.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
}

async function markers(storage: LakeStorage): Promise<string[]> {
  return (await storage.list('')).map((o) => o.key).filter(isCompactionMarkerKey);
}

// ---------------------------------------------------------------------------------------------
// Storage wrappers

/** Calls `after(op, arg)` after every storage call completes (and awaits it). */
function observed(
  inner: LakeStorage,
  after: (op: string, arg: string) => Promise<void>,
): LakeStorage {
  return {
    async put(key, body) {
      await inner.put(key, body);
      await after('put', key);
    },
    async list(prefix) {
      const out = await inner.list(prefix);
      await after('list', prefix);
      return out;
    },
    async get(key) {
      const out = await inner.get(key);
      await after('get', key);
      return out;
    },
    async delete(keys) {
      await inner.delete(keys);
      await after('delete', keys.join(','));
    },
    describe: () => inner.describe(),
  };
}

class Crash extends Error {}

/**
 * A compactor process that dies right after its `n`-th write (put or delete) completes: that
 * call takes effect, then it and every later call throw.
 */
function crashingAfter(inner: LakeStorage, n: number): LakeStorage & { writes: string[] } {
  let dead = false;
  const writes: string[] = [];
  const guard = () => {
    if (dead) throw new Crash('dead');
  };
  const wrote = (what: string) => {
    writes.push(what);
    if (writes.length >= n) {
      dead = true;
      throw new Crash(`crashed after ${what}`);
    }
  };
  return {
    writes,
    async put(key, body) {
      guard();
      await inner.put(key, body);
      wrote(`put ${key}`);
    },
    async list(prefix) {
      guard();
      return inner.list(prefix);
    },
    async get(key) {
      guard();
      return inner.get(key);
    },
    async delete(keys) {
      guard();
      await inner.delete(keys);
      wrote(`delete ${keys.join(',')}`);
    },
    describe: () => inner.describe(),
  };
}

// ---------------------------------------------------------------------------------------------

describe('compactLake', () => {
  for (const backend of ['local', 'S3'] as const) {
    it(`merges each partition of several datasets into one file and keeps exactly the multiset of rows (${backend}; DuckDB and hyparquet)`, async () => {
      const storage = backend === 'local' ? localLake().storage : s3Lake();
      await buildLake(storage);
      const before = await dataFiles(storage);
      const beforeFiles = await storage.list('');
      const duckBefore = await duckRows(storage, beforeFiles);
      const hypBefore = await hyparquetRows(storage, beforeFiles);
      const partitions = new Set(before.map((k) => k.slice(0, k.lastIndexOf('/'))));
      expect(new Set([...partitions].map((p) => p.split('/')[0]))).toEqual(
        new Set(['alb', 'app', 'cloudtrail', 'lambda', 'metrics', 'vpc_flow']),
      );
      expect(before.length).toBeGreaterThan(partitions.size * 2);

      const stats = await compactLake({ storage, minFileAgeMs: 0 });

      const after = await dataFiles(storage);
      const afterFiles = await storage.list('');
      expect(await markers(storage)).toEqual([]);
      expect(await duckRows(storage, afterFiles)).toEqual(duckBefore);
      expect(await hyparquetRows(storage, afterFiles)).toEqual(hypBefore);
      // One file per partition that had two or more, and no file lost its partition.
      const perPartition = new Map<string, number>();
      for (const k of after) {
        const p = k.slice(0, k.lastIndexOf('/'));
        perPartition.set(p, (perPartition.get(p) ?? 0) + 1);
      }
      expect(new Set(perPartition.keys())).toEqual(partitions);
      for (const n of perPartition.values()) expect(n).toBe(1);
      expect(stats.failures).toEqual([]);
      expect(stats.partitionsSeen).toBe(partitions.size);
      expect(stats.partitionsCompacted + stats.partitionsSkipped).toBe(partitions.size);
      expect(stats.filesIn - stats.filesOut).toBe(before.length - after.length);
      expect(stats.rows).toBeGreaterThan(0);
      const compactedRows = await hyparquetRows(
        storage,
        afterFiles.filter((o) => !before.includes(o.key)),
      );
      expect(stats.rows).toBe(compactedRows.length);
      expect(stats.bytesAfter).toBe(
        afterFiles.filter((o) => !before.includes(o.key)).reduce((n, o) => n + o.size, 0),
      );

      // A second run has nothing left to do.
      const again = await compactLake({ storage, minFileAgeMs: 0 });
      expect(again.partitionsCompacted).toBe(0);
      expect(await dataFiles(storage)).toEqual(after);
    }, 120_000);
  }

  it('compacts only the given dataset, and refuses an unknown one', async () => {
    const { storage } = localLake();
    await buildLake(storage);
    const before = await dataFiles(storage);
    const stats = await compactLake({ storage, dataset: 'metrics', minFileAgeMs: 0 });
    expect(stats.partitionsCompacted).toBeGreaterThan(0);
    const after = await dataFiles(storage);
    expect(after.filter((k) => !k.startsWith('metrics/'))).toEqual(
      before.filter((k) => !k.startsWith('metrics/')),
    );
    expect(after.filter((k) => k.startsWith('metrics/')).length).toBeLessThan(
      before.filter((k) => k.startsWith('metrics/')).length,
    );
    await expect(compactLake({ storage, dataset: 'nope' })).rejects.toThrow(ConfigError);
  });

  it('leaves large files alone and skips partitions with fewer than minFiles small files', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 5, (f) => 5 + 40 * f);
    const files = await storage.list(`${APP_P}/`);
    const sizes = files.map((o) => o.size).sort((a, b) => a - b);
    const limit = sizes[2] as number; // three files at or under it, two above
    const large = files.filter((o) => o.size > limit).map((o) => o.key);
    expect(large.length).toBeGreaterThan(0);

    const refused = await compactLake({
      storage,
      minFileAgeMs: 0,
      smallFileBytes: limit,
      minFiles: 4,
    });
    expect(refused).toMatchObject({ partitionsSeen: 1, partitionsSkipped: 1, filesIn: 0 });

    const before = await markerRuleRows(storage);
    const r = await compactPartition({
      storage,
      partition: APP_P,
      minFileAgeMs: 0,
      smallFileBytes: limit,
    });
    expect(r.status).toBe('compacted');
    expect(r.filesIn).toBe(files.length - large.length);
    const after = await dataFiles(storage);
    for (const k of large) expect(after).toContain(k);
    expect(after).toHaveLength(large.length + 1);
    expect(await markerRuleRows(storage)).toEqual(before);
  });

  it('leaves files younger than minFileAgeMs alone', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 4);
    const young = await compactPartition({ storage, partition: APP_P, minFileAgeMs: 60_000 });
    expect(young.status).toBe('skipped');
    expect(await dataFiles(storage)).toHaveLength(4);
    const later = await compactPartition({
      storage,
      partition: APP_P,
      minFileAgeMs: 60_000,
      now: () => Date.now() + 61_000,
    });
    expect(later.status).toBe('compacted');
    expect(await dataFiles(storage)).toHaveLength(1);
  });

  it('splits a partition into several outputs when its small files pass maxOutputBytes, each through its own marker', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 9);
    const files = await storage.list(`${APP_P}/`);
    const cap = files.slice(0, 3).reduce((n, o) => n + o.size, 0) + 1;
    const before = await markerRuleRows(storage);
    const markerPuts: string[] = [];
    const watched = observed(storage, async (op, key) => {
      if (op === 'put' && isCompactionMarkerKey(key)) markerPuts.push(key);
    });
    const r = await compactPartition({
      storage: watched,
      partition: APP_P,
      minFileAgeMs: 0,
      smallFileBytes: cap,
      maxOutputBytes: cap,
    });
    expect(r.outputs.length).toBeGreaterThanOrEqual(3);
    expect(new Set(markerPuts).size).toBe(r.outputs.length);
    for (const o of r.outputs) expect(o.bytesIn).toBeLessThanOrEqual(cap);
    expect(r.outputs.flatMap((o) => o.inputs)).toEqual(files.map((o) => o.key));
    expect(await markerRuleRows(storage)).toEqual(before);
    expect(await dataFiles(storage)).toHaveLength(r.outputs.length);
  });

  it('names an output after its sorted inputs, so the same inputs give the same file', async () => {
    const a = localLake().storage;
    const b = localLake().storage;
    await smallPartition(a, 3);
    await smallPartition(b, 3);
    const ra = await compactPartition({ storage: a, partition: APP_P, minFileAgeMs: 0 });
    const rb = await compactPartition({ storage: b, partition: APP_P, minFileAgeMs: 0 });
    expect(ra.outputs[0]?.key).toMatch(/\/part-[0-9a-f]{32}\.parquet$/);
    expect(rb.outputs[0]?.key).toBe(ra.outputs[0]?.key);
    expect(await b.get(rb.outputs[0]?.key as string)).toEqual(
      await a.get(ra.outputs[0]?.key as string),
    );
  });
});

describe('the marker protocol', () => {
  it('lets a marker-rule reader see exactly the rows after every storage call of a compaction, where a plain reader sees them twice between the output put and the input delete', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 5);
    const expected = await markerRuleRows(storage);
    const steps: string[] = [];
    let doubledSteps = 0;
    const watched = observed(storage, async (op, arg) => {
      steps.push(
        `${op} ${arg
          .split(',')
          .map((k) => k.split('/').pop())
          .join(',')}`,
      );
      expect(await markerRuleRows(storage), `after ${op} ${arg}`).toEqual(expected);
      const plain = await plainRows(storage);
      if (plain.length !== expected.length) {
        doubledSteps++;
        expect(plain.length).toBe(expected.length * 2);
      }
    });
    const r = await compactPartition({ storage: watched, partition: APP_P, minFileAgeMs: 0 });
    expect(r.status).toBe('compacted');
    // (a) marker, exclusion check, (b) output, (c) inputs, (d) marker.
    const writes = steps.filter((s) => s.startsWith('put') || s.startsWith('delete'));
    expect(writes).toHaveLength(4);
    expect(writes[0]).toMatch(/^put _compaction-[0-9a-f]+\.json$/);
    expect(writes[1]).toMatch(/^put part-[0-9a-f]{32}\.parquet$/);
    expect(writes[2]).toMatch(/^delete part-000\.parquet,/);
    expect(writes[3]).toMatch(/^delete _compaction-/);
    expect(doubledSteps).toBe(1);
  });

  for (const backend of ['local', 'S3'] as const) {
    it(`gives a reader polling concurrently the exact multiset in every listing it completes (${backend})`, async () => {
      const storage = backend === 'local' ? localLake().storage : s3Lake();
      await buildLake(storage);
      const expected = await markerRuleRows(storage);
      let done = false;
      let snapshots = 0;
      const poller = (async () => {
        while (!done) {
          let rows: string[];
          try {
            rows = await markerRuleRows(storage);
          } catch (error) {
            // A listed file deleted by (c) before it could be read: list again.
            if (StorageError.isInstance(error) && error.code === 'STORAGE_NOT_FOUND') continue;
            throw error;
          }
          expect(rows).toEqual(expected);
          snapshots++;
        }
      })();
      const stats = await compactLake({ storage, minFileAgeMs: 0 }).finally(() => {
        done = true;
      });
      await poller;
      expect(stats.partitionsCompacted).toBeGreaterThan(3);
      expect(snapshots).toBeGreaterThan(1);
      expect(await markerRuleRows(storage)).toEqual(expected);
    }, 120_000);
  }

  // The compactor's writes: 1 = (a) marker, 2 = (b) output, 3 = (c) inputs, 4 = (d) marker.
  for (const [n, step, recovery] of [
    [1, '(a) the marker', 'rolls it back'],
    [2, '(b) the output', 'finishes it'],
    [3, '(c) the input delete', 'finishes it'],
    [4, '(d) the marker delete', 'has nothing to recover'],
  ] as const) {
    for (const backend of ['local', 'S3'] as const) {
      it(`after a crash right after ${step}, readers see the exact rows and the next run ${recovery} (${backend})`, async () => {
        const storage = backend === 'local' ? localLake().storage : s3Lake();
        await smallPartition(storage, 4);
        const expected = await markerRuleRows(storage);
        const inputs = await dataFiles(storage);
        const dying = crashingAfter(storage, n);
        await expect(
          compactPartition({ storage: dying, partition: APP_P, minFileAgeMs: 0 }),
        ).rejects.toThrow(Crash);
        expect(dying.writes).toHaveLength(n);
        expect(await markerRuleRows(storage)).toEqual(expected);
        expect(await markers(storage)).toHaveLength(n === 4 ? 0 : 1);

        // Within the lease the marker is a live compaction: the partition is busy, untouched.
        if (n < 4) {
          const before = await storage.list('');
          const busy = await compactPartition({ storage, partition: APP_P, minFileAgeMs: 0 });
          expect(busy.status).toBe('busy');
          expect(await storage.list('')).toEqual(before);
        }

        // Past the lease it is a crashed one.
        const r = await compactPartition({
          storage,
          partition: APP_P,
          minFileAgeMs: 0,
          now: () => Date.now() + LEASE + 1000,
        });
        expect(r.markersRolledBack).toBe(n === 1 ? 1 : 0);
        expect(r.markersFinished).toBe(n === 2 || n === 3 ? 1 : 0);
        expect(r.status).toBe(n === 1 ? 'compacted' : 'skipped');
        expect(await markers(storage)).toEqual([]);
        const files = await dataFiles(storage);
        expect(files).toHaveLength(1);
        expect(inputs).not.toContain(files[0]);
        expect(await markerRuleRows(storage)).toEqual(expected);
        expect(await plainRows(storage)).toEqual(expected);
      }, 60_000);
    }
  }

  it('refuses a second compactor while the first holds its marker', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 4);
    const expected = await markerRuleRows(storage);
    let second: Awaited<ReturnType<typeof compactPartition>> | undefined;
    const first = observed(storage, async (op, key) => {
      if (op === 'put' && isCompactionMarkerKey(key) && second === undefined) {
        second = await compactPartition({ storage, partition: APP_P, minFileAgeMs: 0 });
      }
    });
    const r = await compactPartition({ storage: first, partition: APP_P, minFileAgeMs: 0 });
    expect(second?.status).toBe('busy');
    expect(second?.reason).toMatch(/another compaction is in progress/);
    expect(r.status).toBe('compacted');
    expect(await dataFiles(storage)).toHaveLength(1);
    expect(await markerRuleRows(storage)).toEqual(expected);
  });

  it('never lets two compactors that put their markers at the same moment both go on', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 4);
    const before = await storage.list('');
    // Each compactor waits after its marker put until the other has put its own.
    let release!: () => void;
    const bothPut = new Promise<void>((resolve) => {
      release = resolve;
    });
    let puts = 0;
    const gated = () =>
      observed(storage, async (op, key) => {
        if (op === 'put' && isCompactionMarkerKey(key)) {
          if (++puts === 2) release();
          await bothPut;
        }
      });
    const results = await Promise.all([
      compactPartition({ storage: gated(), partition: APP_P, minFileAgeMs: 0 }),
      compactPartition({ storage: gated(), partition: APP_P, minFileAgeMs: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['busy', 'busy']);
    expect(await storage.list('')).toEqual(before);
  });

  it('gives up and rolls back when more than half the lease passed before the output put', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 3);
    const before = await storage.list('');
    let t = Date.now();
    const slow = observed(storage, async (op, key) => {
      if (op === 'put' && isCompactionMarkerKey(key)) t += 60_000;
    });
    const error = await compactPartition({
      storage: slow,
      partition: APP_P,
      minFileAgeMs: 0,
      markerLeaseMs: 100_000,
      now: () => t,
    }).catch((e: unknown) => e);
    expect(CompactionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'COMPACT_LEASE_EXPIRED', partition: APP_P });
    expect(await storage.list('')).toEqual(before);
  });
});

describe('failures', () => {
  it('fails only the partition with a corrupt input, naming the file, leaving its files untouched, and compacts the others', async () => {
    const { storage } = localLake();
    await buildLake(storage);
    const bad = `${ALB_23}/part-zz-corrupt.parquet`;
    const good = await storage.get((await dataFiles(storage, `${ALB_23}/`))[0] as string);
    const truncated = `${METRICS_23}/part-zz-truncated.parquet`;
    await storage.put(bad, new TextEncoder().encode('PAR1 this is not parquet PAR1'));
    await storage.put(truncated, good.slice(0, good.length - 9));
    const albBefore = await storage.list(`${ALB_23}/`);
    const metricsBefore = await storage.list(`${METRICS_23}/`);
    const seen: string[] = [];

    const stats = await compactLake({
      storage,
      minFileAgeMs: 0,
      onPartition: (r, e) => seen.push(`${r.partition} ${r.status} ${e?.code ?? ''}`),
    });

    expect(stats.partitionsFailed).toBe(2);
    const byPartition = Object.fromEntries(stats.failures.map((f) => [f.partition, f.error]));
    expect(byPartition[ALB_23]).toMatchObject({ code: 'COMPACT_CORRUPT_INPUT', key: bad });
    expect(byPartition[ALB_23]?.message).toContain(bad);
    expect(byPartition[METRICS_23]).toMatchObject({
      code: 'COMPACT_CORRUPT_INPUT',
      key: truncated,
    });
    expect(await storage.list(`${ALB_23}/`)).toEqual(albBefore);
    expect(await storage.list(`${METRICS_23}/`)).toEqual(metricsBefore);
    expect(stats.partitionsCompacted).toBeGreaterThan(3);
    expect(seen).toContain(`${ALB_23} failed COMPACT_CORRUPT_INPUT`);
    await expect(
      compactPartition({ storage, partition: ALB_23, minFileAgeMs: 0 }),
    ).rejects.toMatchObject({ code: 'COMPACT_CORRUPT_INPUT', partition: ALB_23 });
  });

  it('refuses an input with a column the dataset does not declare, or of another type', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 2);
    const app = getDataset('app');
    const columns = datasetColumns(app);
    const extra = {
      dataset: app,
      columns: [...columns, { name: 'surprise', type: 'string' as const, description: '' }],
      values: [...columns.map(() => [null]), ['x']],
      rows: 1,
    };
    await storage.put(`${APP_P}/part-extra.parquet`, encodeParquet(extra));
    const error = await compactPartition({ storage, partition: APP_P, minFileAgeMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'COMPACT_SCHEMA_MISMATCH',
      key: `${APP_P}/part-extra.parquet`,
    });
    expect((error as Error).message).toMatch(/surprise.*does not declare/);

    await storage.delete([`${APP_P}/part-extra.parquet`]);
    const retyped = {
      dataset: app,
      columns: columns.map((c) => (c.name === 'time' ? { ...c, type: 'bigint' as const } : c)),
      values: columns.map((c) => (c.name === 'time' ? [1] : [null])),
      rows: 1,
    };
    await storage.put(`${APP_P}/part-retyped.parquet`, encodeParquet(retyped));
    await expect(
      compactPartition({ storage, partition: APP_P, minFileAgeMs: 0 }),
    ).rejects.toMatchObject({ code: 'COMPACT_SCHEMA_MISMATCH' });
    expect(await dataFiles(storage)).toHaveLength(3);
  });

  it('refuses a map with duplicate keys, which a rewrite would lose', async () => {
    // hyparquet-writer takes a map as its list of entries, so a file can hold a key twice.
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 2 },
      {
        name: 'time',
        repetition_type: 'OPTIONAL',
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      },
      {
        name: 'dimensions',
        repetition_type: 'OPTIONAL',
        num_children: 1,
        converted_type: 'MAP',
        logical_type: { type: 'MAP' },
      },
      { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
      { name: 'key', repetition_type: 'REQUIRED', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'value', repetition_type: 'OPTIONAL', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
    ];
    const writer = new ByteWriter();
    parquetWrite({
      writer,
      schema,
      columnData: [
        { name: 'time', data: [1n, 2n] },
        {
          name: 'dimensions',
          data: [
            [
              { key: 'a', value: '1' },
              { key: 'a', value: '2' },
            ],
            [{ key: 'b', value: '3' }],
          ],
        },
      ] as Parameters<typeof parquetWrite>[0]['columnData'],
    });
    const bytes = new Uint8Array(writer.getBuffer());
    await expect(
      decodeParquet(bytes, getDataset('metrics'), { source: 'dup.parquet' }),
    ).rejects.toMatchObject({
      code: 'COMPACT_UNSUPPORTED_VALUE',
      key: 'dup.parquet',
    });
  });

  it('fails a partition whose marker is not a valid marker, touching nothing', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 3);
    await storage.put(`${APP_P}/_compaction-abc.json`, new TextEncoder().encode('{"nope":1}'));
    const before = await storage.list('');
    await expect(
      compactPartition({ storage, partition: APP_P, minFileAgeMs: 0 }),
    ).rejects.toMatchObject({ code: 'COMPACT_BAD_MARKER', key: `${APP_P}/_compaction-abc.json` });
    expect(await storage.list('')).toEqual(before);
    await expect(listLakeFiles(storage, '')).rejects.toMatchObject({ code: 'COMPACT_BAD_MARKER' });
  });

  it('refuses invalid options with ConfigError', async () => {
    const { storage } = localLake();
    const partition = APP_P;
    for (const bad of [
      { minFiles: 1 },
      { smallFileBytes: 0 },
      { smallFileBytes: 100, maxOutputBytes: 50 },
      { minFileAgeMs: -1 },
      { markerLeaseMs: 0 },
    ]) {
      await expect(compactPartition({ storage, partition, ...bad })).rejects.toThrow(ConfigError);
    }
    for (const p of [
      'app',
      'app/year=2026',
      '../x/year=2026/month=01/day=01/hour=00',
      'APP/year=2026/month=01/day=01/hour=00',
    ]) {
      await expect(compactPartition({ storage, partition: p })).rejects.toThrow(ConfigError);
    }
    await expect(compactPartition({ storage: {} as never, partition })).rejects.toThrow(
      ConfigError,
    );
    await expect(
      compactPartition({ storage, partition: 'nope/year=2026/month=01/day=01/hour=00' }),
    ).rejects.toMatchObject({ code: 'COMPACT_UNKNOWN_DATASET' });
  });
});

describe('the marker rule', () => {
  const P = 'alb/year=2026/month=01/day=01/hour=00';
  const obj = (name: string): LakeObject => ({ key: `${P}/${name}`, size: 1 });
  const marker = {
    key: `${P}/_compaction-1.json`,
    id: '1',
    output: `${P}/c.parquet`,
    inputs: [`${P}/a.parquet`, `${P}/b.parquet`],
    startedAt: 0,
  };

  it('hides the inputs of a marker whose output is listed, and shows them while it is not', () => {
    const names = (files: LakeObject[]) => files.map((o) => o.key.split('/').pop());
    const m = obj('_compaction-1.json');
    expect(names(visibleLakeFiles([obj('a.parquet'), obj('b.parquet'), m], [marker]))).toEqual([
      'a.parquet',
      'b.parquet',
    ]);
    expect(
      names(visibleLakeFiles([obj('a.parquet'), obj('b.parquet'), obj('c.parquet'), m], [marker])),
    ).toEqual(['c.parquet']);
    expect(names(visibleLakeFiles([obj('b.parquet'), obj('c.parquet'), m], [marker]))).toEqual([
      'c.parquet',
    ]);
    // Files other than data files are never visible.
    expect(
      names(visibleLakeFiles([obj('x.json'), obj('_hidden.parquet'), obj('.tmp.parquet')], [])),
    ).toEqual([]);
  });

  it('parses what the compactor writes and refuses markers pointing outside their partition', () => {
    const enc = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));
    const doc = { format: 'logpipe.compaction.v1', ...marker, rows: 3 };
    expect(parseCompactionMarker(marker.key, enc(doc))).toEqual(marker);
    for (const bad of [
      { ...doc, output: 'vpc_flow/year=2026/month=01/day=01/hour=00/c.parquet' },
      { ...doc, inputs: [`${P}/../x.parquet`] },
      { ...doc, inputs: [] },
      { ...doc, output: `${P}/c.json` },
      { ...doc, id: '2' },
      { ...doc, format: 'other' },
      { ...doc, inputs: [doc.output] },
    ]) {
      expect(() => parseCompactionMarker(marker.key, enc(bad))).toThrow(CompactionError);
    }
  });

  it('lists again when a listed marker vanished before it could be read', async () => {
    const { storage } = localLake();
    await smallPartition(storage, 3);
    const expected = await markerRuleRows(storage);
    // A compactor that ran (a) and (b) of a compaction, whose (c) and (d) happen between our
    // listing and our reading of its marker.
    const r = await compactPartition({
      storage: crashingAfter(storage, 2),
      partition: APP_P,
      minFileAgeMs: 0,
    }).catch(() => undefined);
    expect(r).toBeUndefined();
    const [markerKey] = await markers(storage);
    let lists = 0;
    const racing: LakeStorage = {
      ...storage,
      list: async (prefix) => {
        lists++;
        return storage.list(prefix);
      },
      get: async (key) => {
        if (key === markerKey) {
          const m = parseCompactionMarker(key, await storage.get(key));
          await storage.delete(m.inputs);
          await storage.delete([key]);
        }
        return storage.get(key);
      },
      put: (k, b) => storage.put(k, b),
      delete: (k) => storage.delete(k),
      describe: () => storage.describe(),
    };
    const files = await listLakeFiles(racing, '');
    expect(lists).toBe(2);
    expect(files).toHaveLength(1);
    expect(await hyparquetRows(storage, files)).toEqual(expected);
  });
});

describe('decodeParquet', () => {
  it('reads back exactly the batch encodeParquet wrote (property)', async () => {
    const value = (type: string): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'timestamp':
          return fc.integer({ min: -8.64e15, max: 8.64e15 });
        case 'int':
          return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
        case 'bigint':
          return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
        case 'double':
          // -0 left out: see edgeAlbBatch (an encoder limitation, not the decoder's).
          return fc.double().filter((d) => !Object.is(d, -0));
        case 'boolean':
          return fc.boolean();
        case 'map':
          return fc.dictionary(
            fc.string({ unit: 'binary' }).filter((k) => k !== '__proto__'),
            fc.option(fc.string({ unit: 'binary' }), { nil: null }),
            { maxKeys: 4 },
          );
        default:
          return fc.string({ unit: 'binary', maxLength: 120 });
      }
    };
    // One arbitrary per dataset: rows of optional values of each declared column's type.
    const byDataset = ['alb', 'metrics', 'lambda', 'cloudtrail'].map((name) => {
      const dataset = getDataset(name);
      const columns = datasetColumns(dataset);
      const row = fc.tuple(...columns.map((c) => fc.option(value(c.type), { nil: null, freq: 4 })));
      return fc
        .tuple(fc.array(row, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }))
        .map(([rows, rowGroupSize]) => {
          const values = columns.map((_, ci) => rows.map((r) => r[ci]));
          const batch: ColumnBatch = { dataset, columns, values, rows: rows.length };
          return { batch, rowGroupSize };
        });
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(...byDataset), async ({ batch, rowGroupSize }) => {
        const back = await decodeParquet(encodeParquet(batch, { rowGroupSize }), batch.dataset);
        expect(back.rows).toBe(batch.rows);
        expect(back.columns).toEqual(batch.columns);
        expect(back.values).toEqual(batch.values);
      }),
      { numRuns: 100 },
    );
  });

  it('fills declared columns a file lacks with nulls', async () => {
    const app = getDataset('app');
    const columns = datasetColumns(app);
    const older = { dataset: app, columns: columns.slice(0, 2), values: [[5], ['id']], rows: 1 };
    const back = await decodeParquet(encodeParquet(older), app);
    expect(back.values.map((v) => v[0])).toEqual([5, 'id', ...columns.slice(2).map(() => null)]);
  });

  it('refuses bytes that are not Parquet with COMPACT_CORRUPT_INPUT naming the source', async () => {
    await expect(
      decodeParquet(new Uint8Array([1, 2, 3]), getDataset('alb'), { source: 'x.parquet' }),
    ).rejects.toMatchObject({ code: 'COMPACT_CORRUPT_INPUT', key: 'x.parquet' });
  });
});
