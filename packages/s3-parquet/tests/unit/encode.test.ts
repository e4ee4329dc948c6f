import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type ColumnDef,
  createClassifier,
  type DatasetDef,
  generateWorkload,
  getDataset,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnBatch, logColumns, metricColumns } from '../../src/columns.js';
import { encodeParquet, zstdAvailable } from '../../src/encode.js';

const DATASETS = ['vpc_flow', 'alb', 'cloudtrail', 'lambda', 'app', 'metrics'] as const;

let dir: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;
let fileNo = 0;
const records = new Map<string, LogRecord[]>();
const metrics: MetricRecord[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logpipe-encode-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await DuckDBConnection.create(instance);
  const classifier = createClassifier();
  for (const payload of generateWorkload({ events: 4000, seed: 1 })) {
    const out = processEnvelope(payload.envelope, classifier);
    for (const r of out.records) {
      const list = records.get(r.dataset);
      if (list === undefined) records.set(r.dataset, [r]);
      else list.push(r);
    }
    for (const m of out.metrics) metrics.push(m);
  }
});

afterAll(() => {
  db?.closeSync();
  instance?.closeSync();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function batchOf(name: string): ColumnBatch {
  const dataset = getDataset(name) as DatasetDef;
  return name === 'metrics'
    ? metricColumns(dataset, metrics)
    : logColumns(dataset, records.get(name) ?? []);
}

function writeTemp(bytes: Uint8Array): string {
  const path = join(dir, `f${fileNo++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function ident(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Puts a DuckDB or hyparquet value into the batch's storage form. */
function normalize(type: ColumnDef['type'], v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'timestamp':
      return v instanceof Date ? v.getTime() : Number(v);
    case 'bigint':
    case 'int':
      return Number(v);
    case 'map': {
      if (typeof v === 'string') return JSON.parse(v);
      if (v instanceof Map) return Object.fromEntries(v);
      if (Array.isArray(v))
        return Object.fromEntries(v.map((e: { key: string; value: string }) => [e.key, e.value]));
      return v;
    }
    default:
      return v;
  }
}

/** Rows as DuckDB reads them from the file, in storage form. */
async function readDuck(
  path: string,
  columns: readonly ColumnDef[],
): Promise<Record<string, unknown>[]> {
  const select = columns.map((c) => {
    const id = ident(c.name);
    if (c.type === 'timestamp') return `epoch_ms(${id}) AS ${id}`;
    if (c.type === 'bigint') return `${id}::DOUBLE AS ${id}`;
    if (c.type === 'map') return `to_json(${id})::VARCHAR AS ${id}`;
    return id;
  });
  const reader = await db.runAndReadAll(
    `SELECT ${select.join(', ')} FROM read_parquet(${quote(path)}) ORDER BY file_row_number`,
  );
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c.name] = normalize(c.type, row[c.name]);
    return out;
  });
}

/** Rows as hyparquet (pure JS) reads them, in storage form. */
async function readHyparquet(
  bytes: Uint8Array,
  columns: readonly ColumnDef[],
): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, compressors });
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c.name] = normalize(c.type, row[c.name]);
    return out;
  });
}

/** A row whose object values lose an own `__proto__` key (what hyparquet can give back). */
function withoutProtoKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] =
      v !== null && typeof v === 'object' && Object.hasOwn(v, '__proto__')
        ? Object.fromEntries(Object.entries(v).filter(([key]) => key !== '__proto__'))
        : v;
  }
  return out;
}

function expectedRows(batch: ColumnBatch): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < batch.rows; i++) {
    const row: Record<string, unknown> = {};
    batch.columns.forEach((c, ci) => {
      row[c.name] = normalize(c.type, (batch.values[ci] as unknown[])[i]);
    });
    rows.push(row);
  }
  return rows;
}

async function meta(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql.replace('$FILE', quote(path)));
  return reader.getRowObjectsJS();
}

describe('encodeParquet round trip', () => {
  for (const name of DATASETS) {
    it(`writes ${name} records that DuckDB and hyparquet read back identically`, async () => {
      const batch = batchOf(name);
      expect(batch.rows).toBeGreaterThan(0);
      const bytes = encodeParquet(batch);
      const want = expectedRows(batch);
      expect(await readDuck(writeTemp(bytes), batch.columns)).toEqual(want);
      expect(await readHyparquet(bytes, batch.columns)).toEqual(want);
    });
  }

  it('keeps nulls, emoji, CJK and a 200 KB string exactly', async () => {
    const base = batchOf('app');
    const n = 5;
    const big = 'x'.repeat(100_000) + '日本語🙂'.repeat(20_000);
    const specials = [big, '🙂 emoji 🚀', '中文字符 日本語 한국어', '', null];
    const values = base.columns.map((c, ci) => {
      const col = (base.values[ci] as unknown[]).slice(0, n);
      if (c.name === 'message') return specials.slice();
      if (c.type === 'string') return col.map((v, i) => (i % 2 === 0 ? null : v));
      return col;
    });
    const batch: ColumnBatch = { ...base, values, rows: n };
    const bytes = encodeParquet(batch);
    const want = expectedRows(batch);
    expect((want[0] as Record<string, unknown>).message).toBe(big);
    expect(await readDuck(writeTemp(bytes), batch.columns)).toEqual(want);
    expect(await readHyparquet(bytes, batch.columns)).toEqual(want);
  });

  it('writes an empty batch as a valid file with 0 rows and every column', async () => {
    for (const name of DATASETS) {
      const batch =
        name === 'metrics'
          ? metricColumns(getDataset(name) as DatasetDef, [])
          : logColumns(getDataset(name) as DatasetDef, []);
      const bytes = encodeParquet(batch);
      const path = writeTemp(bytes);
      const count = await meta(path, 'SELECT count(*)::INTEGER AS n FROM read_parquet($FILE)');
      expect(count[0]?.n).toBe(0);
      const described = await meta(path, 'DESCRIBE SELECT * FROM read_parquet($FILE)');
      expect(described.map((r) => r.column_name)).toEqual(batch.columns.map((c) => c.name));
      expect(await readHyparquet(bytes, batch.columns)).toEqual([]);
    }
  });

  it('keeps a column that is null in every row, typed as declared', async () => {
    const base = batchOf('alb');
    const values = base.columns.map((c, ci) =>
      c.type === 'timestamp' ? base.values[ci] : base.values[ci]?.map(() => null),
    ) as unknown[][];
    const batch: ColumnBatch = { ...base, values };
    const path = writeTemp(encodeParquet(batch));
    const described = await meta(path, 'DESCRIBE SELECT * FROM read_parquet($FILE)');
    expect(described.map((r) => r.column_name)).toEqual(batch.columns.map((c) => c.name));
    expect(await readDuck(path, batch.columns)).toEqual(expectedRows(batch));
  });
});

describe('encodeParquet property', () => {
  const columns: readonly ColumnDef[] = [
    { name: 'time', type: 'timestamp', description: '' },
    { name: 's', type: 'string', description: '' },
    { name: 'j', type: 'json', description: '' },
    { name: 'm', type: 'map', description: '' },
    { name: 'i', type: 'int', description: '' },
    { name: 'b', type: 'bigint', description: '' },
    { name: 'd', type: 'double', description: '' },
    { name: 'f', type: 'boolean', description: '' },
  ];
  const dataset: DatasetDef = { name: 'prop', description: '', columns };
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  const row = fc.tuple(
    fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 })),
    fc.option(fc.oneof(text, fc.constantFrom('a', 'b', 'c'))),
    fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))),
    fc.option(fc.dictionary(text, fc.option(text), { maxKeys: 4 })),
    fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    fc.option(fc.maxSafeInteger()),
    // -0 is left out: hyparquet-writer's dictionary is a Map, which folds 0 and -0 into one entry.
    fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d))),
    fc.option(fc.boolean()),
  );

  it('round-trips any batch through every codec, read back identically by DuckDB and hyparquet', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 60 }),
        fc.constantFrom('ZSTD', 'SNAPPY', 'UNCOMPRESSED' as const),
        async (rows, compression) => {
          const values = columns.map((_, c) => rows.map((r) => r[c] ?? null));
          const batch: ColumnBatch = { dataset, columns, values, rows: rows.length };
          const bytes = encodeParquet(batch, { compression });
          const want = expectedRows(batch);
          // hyparquet builds MAP values by assignment, so a `__proto__` key sets the object's
          // prototype instead of becoming an entry; DuckDB, next, reads such keys back.
          expect(await readHyparquet(bytes, columns)).toEqual(want.map(withoutProtoKeys));
          expect(await readDuck(writeTemp(bytes), columns)).toEqual(want);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('encodeParquet file layout', () => {
  it('declares timestamps as INT64 TIMESTAMP(MILLIS) adjusted to UTC', async () => {
    const path = writeTemp(encodeParquet(batchOf('alb')));
    const rows = await meta(
      path,
      "SELECT type, logical_type, converted_type FROM parquet_schema($FILE) WHERE name = 'time'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.type).toBe('INT64');
    expect(String(rows[0]?.logical_type)).toMatch(
      /TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(MILLIS/,
    );
    const typed = await meta(
      path,
      "SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet($FILE)) WHERE column_name = 'time'",
    );
    expect(typed[0]?.column_type).toBe('TIMESTAMP WITH TIME ZONE');
  });

  it('declares strings as UTF8 and the map column as MAP(VARCHAR, VARCHAR)', async () => {
    const path = writeTemp(encodeParquet(batchOf('metrics')));
    const types = await meta(path, 'DESCRIBE SELECT * FROM read_parquet($FILE)');
    const byName = Object.fromEntries(types.map((r) => [r.column_name, r.column_type]));
    expect(byName).toMatchObject({
      time: 'TIMESTAMP WITH TIME ZONE',
      measure_name: 'VARCHAR',
      dimensions: 'MAP(VARCHAR, VARCHAR)',
      measures: 'VARCHAR',
    });
  });

  it('compresses every page with ZSTD by default, on every supported Node', async () => {
    // Node 20 has no zlib zstd: this is the @bokuweb/zstd-wasm path there, zlib's on Node >= 22.15.
    expect(zstdAvailable()).toBe(true);
    const batch = batchOf('vpc_flow');
    const bytes = encodeParquet(batch);
    const path = writeTemp(bytes);
    const codecs = await meta(path, 'SELECT DISTINCT compression FROM parquet_metadata($FILE)');
    expect(codecs.map((r) => r.compression)).toEqual(['ZSTD']);
    const sizes = await meta(
      path,
      'SELECT sum(total_compressed_size)::BIGINT AS c, sum(total_uncompressed_size)::BIGINT AS u FROM parquet_metadata($FILE)',
    );
    // Pages really are compressed, not stored raw under a ZSTD label.
    expect(Number(sizes[0]?.c)).toBeLessThan(Number(sizes[0]?.u) / 2);
    const want = expectedRows(batch);
    expect(await readDuck(path, batch.columns)).toEqual(want);
    expect(await readHyparquet(bytes, batch.columns)).toEqual(want);
  });

  for (const compression of ['ZSTD', 'SNAPPY', 'UNCOMPRESSED'] as const) {
    it(`writes ${compression} pages when asked, read back identically by DuckDB and hyparquet`, async () => {
      const batch = batchOf('cloudtrail');
      const bytes = encodeParquet(batch, { compression });
      const path = writeTemp(bytes);
      const codecs = await meta(path, 'SELECT DISTINCT compression FROM parquet_metadata($FILE)');
      expect(codecs.map((r) => r.compression)).toEqual([compression]);
      const want = expectedRows(batch);
      expect(await readDuck(path, batch.columns)).toEqual(want);
      expect(await readHyparquet(bytes, batch.columns)).toEqual(want);
    });
  }

  it('writes ZSTD files smaller than SNAPPY files of the same batch', () => {
    const batch = batchOf('app');
    const zstd = encodeParquet(batch, { compression: 'ZSTD' }).length;
    const snappy = encodeParquet(batch, { compression: 'SNAPPY' }).length;
    expect(zstd).toBeLessThan(snappy);
  });

  it('rejects a compression it does not write', () => {
    expect(() =>
      encodeParquet(batchOf('app'), { compression: 'GZIP' as unknown as 'ZSTD' }),
    ).toThrow(/compression must be ZSTD, SNAPPY or UNCOMPRESSED/);
  });

  it('writes min/max statistics that bound the column values', async () => {
    const batch = batchOf('vpc_flow');
    const path = writeTemp(encodeParquet(batch));
    const stats = await meta(
      path,
      "SELECT path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata($FILE) WHERE path_in_schema IN ('time', 'log_group')",
    );
    expect(stats).toHaveLength(2);
    for (const s of stats) {
      expect(s.stats_min_value).not.toBeNull();
      expect(s.stats_max_value).not.toBeNull();
    }
    const times = (
      batch.values[batch.columns.findIndex((c) => c.name === 'time')] as number[]
    ).slice();
    const hy = parquetMetadata(
      batch.rows > 0 ? (encodeParquet(batch).buffer as ArrayBuffer) : new ArrayBuffer(0),
    );
    const timeChunk = hy.row_groups[0]?.columns.find(
      (c) => c.meta_data?.path_in_schema[0] === 'time',
    );
    const st = timeChunk?.meta_data?.statistics;
    const toMs = (v: unknown) => (v instanceof Date ? v.getTime() : Number(v));
    expect(toMs(st?.min_value)).toBe(Math.min(...times));
    expect(toMs(st?.max_value)).toBe(Math.max(...times));
  });

  it('dictionary-encodes a low-cardinality string column', async () => {
    const path = writeTemp(encodeParquet(batchOf('vpc_flow')));
    const rows = await meta(
      path,
      "SELECT encodings, dictionary_page_offset FROM parquet_metadata($FILE) WHERE path_in_schema = 'log_group'",
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(String(rows[0]?.encodings)).toMatch(/DICTIONARY/);
    expect(rows[0]?.dictionary_page_offset).not.toBeNull();
  });

  it('splits rows into row groups of at most rowGroupSize rows', async () => {
    const batch = batchOf('app');
    const rowGroupSize = 500;
    const bytes = encodeParquet(batch, { rowGroupSize });
    const path = writeTemp(bytes);
    const groups = await meta(
      path,
      'SELECT DISTINCT row_group_id, row_group_num_rows::INTEGER AS n FROM parquet_metadata($FILE) ORDER BY row_group_id',
    );
    expect(groups).toHaveLength(Math.ceil(batch.rows / rowGroupSize));
    expect(groups.every((g) => (g.n as number) <= rowGroupSize)).toBe(true);
    expect(groups.reduce((a, g) => a + (g.n as number), 0)).toBe(batch.rows);
    expect(await readDuck(path, batch.columns)).toEqual(expectedRows(batch));
  });

  it('rejects a rowGroupSize that is not a positive integer', () => {
    expect(() => encodeParquet(batchOf('app'), { rowGroupSize: 0 })).toThrow(/rowGroupSize/);
    expect(() => encodeParquet(batchOf('app'), { rowGroupSize: 1.5 })).toThrow(/rowGroupSize/);
  });
});
