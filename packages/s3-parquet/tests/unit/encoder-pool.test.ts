// The encoder pool runs worker threads from the built package (dist/parquet-worker.*): these
// tests import the built entries (`pnpm turbo run build` first).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createClassifier,
  type DatasetDef,
  generateWorkload,
  getDataset,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import { parquetMetadata } from 'hyparquet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as S3Parquet from '../../src/index.js';

const dist = (name: string) => fileURLToPath(new URL(`../../dist/${name}`, import.meta.url));
const lib = (await import(dist('index.js'))) as typeof S3Parquet;
const { createParquetEncoderPool, encodeParquet, logColumns, metricColumns } = lib;

const DATASETS = ['vpc_flow', 'alb', 'cloudtrail', 'lambda', 'app', 'metrics'] as const;

const records: LogRecord[] = [];
const byDataset = new Map<string, LogRecord[]>();
const metrics: MetricRecord[] = [];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpipe-encoder-pool-'));
  const classifier = createClassifier();
  for (const payload of generateWorkload({ events: 6000, seed: 7 })) {
    const out = processEnvelope(payload.envelope, classifier, { region: 'eu-west-1' });
    for (const r of out.records) {
      records.push(r);
      const list = byDataset.get(r.dataset);
      if (list === undefined) byDataset.set(r.dataset, [r]);
      else list.push(r);
    }
    for (const m of out.metrics) metrics.push(m);
  }
});

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const pools: S3Parquet.ParquetEncoderPool[] = [];
function pool(options: S3Parquet.ParquetEncoderPoolOptions = {}): S3Parquet.ParquetEncoderPool {
  const p = createParquetEncoderPool(options);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function batchOf(name: string): S3Parquet.ColumnBatch {
  const dataset = getDataset(name) as DatasetDef;
  return name === 'metrics'
    ? metricColumns(dataset, metrics)
    : logColumns(dataset, byDataset.get(name) ?? []);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

describe('createParquetEncoderPool', () => {
  it('encodes every dataset on worker threads byte for byte as encodeParquet inline', async () => {
    const p = pool({ threads: 2 });
    for (const name of DATASETS) {
      const batch = batchOf(name);
      expect(batch.rows).toBeGreaterThan(0);
      const pooled = await p.encode(batch);
      const inline = encodeParquet(batch);
      expect(pooled).toBeInstanceOf(Uint8Array);
      expect(pooled.byteLength).toBe(inline.byteLength);
      expect(same(pooled, inline), name).toBe(true);
      expect(Number(parquetMetadata(pooled.slice().buffer).num_rows)).toBe(batch.rows);
    }
    expect(p.stats()).toMatchObject({
      threads: 2,
      encoded: DATASETS.length,
      pending: 0,
      failed: 0,
      refused: 0,
    });
  });

  it('applies encodeOptions on the workers as encodeParquet does', async () => {
    const options = { compression: 'SNAPPY', rowGroupSize: 300 } as const;
    const p = pool({ threads: 1, encodeOptions: options });
    for (const name of ['cloudtrail', 'metrics']) {
      const batch = batchOf(name);
      const pooled = await p.encode(batch);
      expect(same(pooled, encodeParquet(batch, options)), name).toBe(true);
      // Not the default encoding: the options did reach the worker.
      expect(same(pooled, encodeParquet(batch)), name).toBe(false);
      expect(parquetMetadata(pooled.slice().buffer).row_groups.length).toBe(
        Math.ceil(batch.rows / 300),
      );
    }
  });

  it('encodes many batches at once, each equal to its inline encoding', async () => {
    const p = pool({ threads: 2 });
    // Batches of 250 rows of every dataset, all sent before any is done.
    const batches: S3Parquet.ColumnBatch[] = [];
    for (const [name, list] of byDataset) {
      for (let i = 0; i < list.length; i += 250) {
        batches.push(logColumns(getDataset(name), list.slice(i, i + 250)));
      }
    }
    expect(batches.length).toBeGreaterThan(10);
    const out = await Promise.all(batches.map((b) => p.encode(b)));
    out.forEach((bytes, i) => {
      expect(same(bytes, encodeParquet(batches[i] as S3Parquet.ColumnBatch))).toBe(true);
    });
    const rows = batches.reduce((n, b) => n + b.rows, 0);
    expect(p.stats()).toMatchObject({ encoded: batches.length, rows, pending: 0 });
  });

  it('rejects a batch the worker cannot encode with an error naming the dataset and rows', async () => {
    const p = pool({ threads: 1 });
    const good = logColumns(getDataset('alb'), (byDataset.get('alb') ?? []).slice(0, 40));
    const bad = { ...good, values: good.values.map((v, i) => (i === 0 ? v.slice(1) : v)) };
    const err = await p.encode(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(lib.EncoderPoolError.isInstance(err)).toBe(true);
    const e = err as S3Parquet.EncoderPoolError;
    expect(e.code).toBe('ENCODE_FAILED');
    expect(e.retryable).toBe(false);
    expect(e).toMatchObject({ dataset: 'alb', rows: 40 });
    expect(e.message).toBe(
      'cannot encode 40 rows of dataset alb on a worker thread: column time holds 39 values; the batch has 40 rows',
    );
    // The thread lives on: the next batch is encoded.
    expect(same(await p.encode(good), encodeParquet(good))).toBe(true);
    expect(p.stats()).toMatchObject({ encoded: 1, failed: 1, pending: 0 });
  });

  it('refuses a batch past threads + maxQueue, and every batch once closed', async () => {
    const p = pool({ threads: 1, maxQueue: 1 });
    const batch = batchOf('vpc_flow');
    const first = p.encode(batch);
    const second = p.encode(batch);
    const third = await p.encode(batch).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(lib.EncoderPoolError);
    expect(third).toMatchObject({ code: 'POOL_QUEUE_FULL', retryable: true, dataset: 'vpc_flow' });
    expect((third as Error).message).toContain(
      `cannot take ${batch.rows} rows of dataset vpc_flow`,
    );
    // close() lets the accepted batches finish.
    const closed = p.close();
    const late = await p.encode(batch).catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'POOL_CLOSED' });
    await closed;
    const inline = encodeParquet(batch);
    expect(same(await first, inline)).toBe(true);
    expect(same(await second, inline)).toBe(true);
    expect(p.stats()).toMatchObject({ encoded: 2, refused: 1, pending: 0 });
  });

  it('checks its options when created', () => {
    expect(() => createParquetEncoderPool({ threads: 0 })).toThrow(
      'threads must be an integer ≥ 1, got 0',
    );
    expect(() => createParquetEncoderPool({ maxQueue: -1 })).toThrow(
      'maxQueue must be an integer ≥ 0, got -1',
    );
    expect(() => createParquetEncoderPool({ encodeOptions: { rowGroupSize: 0 } })).toThrow(
      'rowGroupSize must be a positive integer, got 0',
    );
    expect(() =>
      createParquetEncoderPool({ encodeOptions: { compression: 'LZ4' as never } }),
    ).toThrow('compression must be ZSTD, SNAPPY or UNCOMPRESSED, got LZ4');
  });

  it('lets the lake writer write the same files as with encodeParquet inline', async () => {
    const p = pool({ threads: 2 });
    const write = async (name: string, encode: S3Parquet.LakeWriterOptions['encode']) => {
      const root = join(dir, name);
      const writer = lib.createLakeWriter({
        storage: lib.createLocalStorage({ root }),
        encode,
        maxRows: 700,
      });
      const done = writer.write(records, metrics);
      await writer.close();
      await done;
      return { root, stats: writer.stats };
    };
    const inline = await write('inline', encodeParquet);
    const pooled = await write('pooled', p.encode);
    expect(pooled.stats).toEqual(inline.stats);
    expect(inline.stats.filesWritten).toBeGreaterThan(6);
    const files = (root: string) =>
      (readdirSync(root, { recursive: true }) as string[])
        .filter((f) => f.endsWith('.parquet'))
        .map((f) => relative(root, join(root, f)))
        .sort();
    const names = files(inline.root);
    expect(files(pooled.root)).toEqual(names);
    for (const f of names) {
      expect(readFileSync(join(pooled.root, f)).equals(readFileSync(join(inline.root, f)))).toBe(
        true,
      );
    }
  });
});

describe('compaction with the encoder pool', () => {
  it('compacts a lake into the same files as with encodeParquet inline', async () => {
    const p = pool({ threads: 2 });
    const roots = ['compact-inline', 'compact-pooled'].map((n) => join(dir, n));
    for (const root of roots) {
      const writer = lib.createLakeWriter({
        storage: lib.createLocalStorage({ root }),
        encode: encodeParquet,
        maxRows: 400,
      });
      const done = writer.write(records, metrics);
      await writer.close();
      await done;
    }
    const [inlineRoot, pooledRoot] = roots as [string, string];
    const inline = await lib.compactLake({
      storage: lib.createLocalStorage({ root: inlineRoot }),
      minFileAgeMs: 0,
    });
    const pooled = await lib.compactLake({
      storage: lib.createLocalStorage({ root: pooledRoot }),
      minFileAgeMs: 0,
      encode: p.encode,
    });
    expect(pooled.failures).toEqual([]);
    expect(inline.partitionsCompacted).toBeGreaterThan(0);
    expect(pooled).toEqual(inline);
    const files = (root: string) =>
      (readdirSync(root, { recursive: true }) as string[])
        .filter((f) => f.endsWith('.parquet'))
        .sort();
    expect(files(pooledRoot)).toEqual(files(inlineRoot));
    for (const f of files(inlineRoot)) {
      expect(readFileSync(join(pooledRoot, f)).equals(readFileSync(join(inlineRoot, f)))).toBe(
        true,
      );
    }
    expect(p.stats().encoded).toBe(inline.filesOut);
  });
});

describe('the built package', () => {
  it('ships the encoder worker entry in both formats', () => {
    expect(existsSync(dist('parquet-worker.js'))).toBe(true);
    expect(existsSync(dist('parquet-worker.cjs'))).toBe(true);
  });

  it('starts encoder threads from the CJS build', async () => {
    const cjs = createRequire(import.meta.url)(dist('index.cjs')) as typeof S3Parquet;
    expect(cjs.createParquetEncoderPool).not.toBe(createParquetEncoderPool);
    const p = cjs.createParquetEncoderPool({ threads: 1 });
    pools.push(p);
    const batch = batchOf('lambda');
    expect(same(await p.encode(batch), encodeParquet(batch))).toBe(true);
  });
});
