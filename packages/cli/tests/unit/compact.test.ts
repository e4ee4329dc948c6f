import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClassifier,
  generateWorkload,
  getDataset,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import {
  createLakeWriter,
  createLocalStorage,
  decodeParquet,
  encodeParquet,
  isCompactionMarkerKey,
  type LakeStorage,
  listLakeFiles,
} from '@logpipe/s3-parquet';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

/** A local lake written by the lake writer in many small files (20 rows each). */
async function writerLake(): Promise<{ dir: string; storage: LakeStorage }> {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-compact-cli-'));
  const storage = createLocalStorage({ root: dir });
  const classifier = createClassifier();
  const records: LogRecord[] = [];
  const metrics: MetricRecord[] = [];
  for (const p of generateWorkload({
    events: 800,
    seed: 5,
    startTime: Date.UTC(2026, 0, 1, 23, 59),
    eventIntervalMs: 150,
  })) {
    const out = processEnvelope(p.envelope, classifier);
    records.push(...out.records);
    metrics.push(...out.metrics);
  }
  const writer = createLakeWriter({ storage, encode: encodeParquet, maxRows: 20 });
  const durable = writer.write(records, metrics);
  await writer.close();
  await durable;
  return { dir, storage };
}

function text(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** Every row a marker-aware reader sees, as `partition|values`, sorted. */
async function lakeRows(storage: LakeStorage): Promise<string[]> {
  const rows: string[] = [];
  for (const f of await listLakeFiles(storage, '')) {
    const dataset = getDataset(f.key.slice(0, f.key.indexOf('/')));
    const batch = await decodeParquet(await storage.get(f.key), dataset, { source: f.key });
    const partition = f.key.slice(0, f.key.lastIndexOf('/'));
    for (let r = 0; r < batch.rows; r++) {
      rows.push(`${partition}|${JSON.stringify(batch.values.map((col) => text(col[r])))}`);
    }
  }
  return rows.sort();
}

/** Data files per partition directory. */
async function filesPerPartition(storage: LakeStorage): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const o of await storage.list('')) {
    if (!o.key.endsWith('.parquet')) continue;
    const p = o.key.slice(0, o.key.lastIndexOf('/'));
    out.set(p, (out.get(p) ?? 0) + 1);
  }
  return out;
}

describe('logpipe compact', () => {
  it('merges each partition of a lake made by the writer into one file, keeping every row', async () => {
    const { dir, storage } = await writerLake();
    const before = await lakeRows(storage);
    const partitionsBefore = await filesPerPartition(storage);
    const filesBefore = [...partitionsBefore.values()].reduce((a, b) => a + b, 0);
    expect(filesBefore).toBeGreaterThan(partitionsBefore.size * 2);

    const r = await run(['compact', '--lake', dir, '--min-file-age', '0']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const partitionsAfter = await filesPerPartition(storage);
    expect([...partitionsAfter.keys()].sort()).toEqual([...partitionsBefore.keys()].sort());
    for (const n of partitionsAfter.values()) expect(n).toBe(1);
    expect(await lakeRows(storage)).toEqual(before);
    expect((await storage.list('')).filter((o) => isCompactionMarkerKey(o.key))).toEqual([]);
    const compacted = [...partitionsBefore.values()].filter((n) => n >= 2).length;
    const filesIn = [...partitionsBefore.values()].filter((n) => n >= 2).reduce((a, b) => a + b, 0);
    expect(r.stdout).toBe(
      `logpipe compact: ${partitionsBefore.size} partitions under file://${dir}: ` +
        `${compacted} compacted (${filesIn} files → ${compacted}, ${before.length} rows, ` +
        r.stdout.match(/rows, (\d+\.\d MB → \d+\.\d MB)/)?.[1] +
        `), ${partitionsBefore.size - compacted} skipped, 0 busy, 0 failed; ` +
        'crashed compactions: 0 finished, 0 rolled back\n',
    );
  });

  it('by default leaves files written in the last 15 minutes alone', async () => {
    const { dir, storage } = await writerLake();
    const before = await filesPerPartition(storage);
    const r = await run(['compact', '--lake', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 0 compacted \(0 files → 0, 0 rows/);
    expect(await filesPerPartition(storage)).toEqual(before);
  });

  it('compacts only the --dataset given', async () => {
    const { dir, storage } = await writerLake();
    const before = await filesPerPartition(storage);
    const r = await run(['compact', '--lake', dir, '--dataset', 'alb', '--min-file-age', '0']);
    expect(r.code).toBe(0);
    const after = await filesPerPartition(storage);
    for (const [p, n] of before) {
      expect(after.get(p), p).toBe(p.startsWith('alb/') ? 1 : n);
    }
  });

  it('honours --min-files and --small-file-bytes', async () => {
    const { dir, storage } = await writerLake();
    const before = await filesPerPartition(storage);
    const most = Math.max(...before.values());
    const r1 = await run([
      'compact',
      '--lake',
      dir,
      '--min-file-age',
      '0',
      '--min-files',
      String(most + 1),
    ]);
    expect(r1.stdout).toMatch(/: 0 compacted/);
    const r2 = await run([
      'compact',
      '--lake',
      dir,
      '--min-file-age',
      '0',
      '--small-file-bytes',
      '10',
    ]);
    expect(r2.stdout).toMatch(/: 0 compacted/);
    expect(await filesPerPartition(storage)).toEqual(before);
  });

  it('exits 1 and names the partition and file when an input is corrupt, compacting the other partitions', async () => {
    const { dir, storage } = await writerLake();
    const rows = await lakeRows(storage);
    const before = await filesPerPartition(storage);
    const [victim] = [...before.entries()].find(([, n]) => n >= 2) ?? [];
    expect(victim).toBeDefined();
    const bad = `${victim}/part-zz.parquet`;
    await storage.put(bad, new TextEncoder().encode('not parquet at all'));
    const victimFiles = await storage.list(`${victim}/`);

    const r = await run(['compact', '--lake', dir, '--min-file-age', '0']);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error COMPACT_CORRUPT_INPUT in ${victim}: `);
    expect(r.stderr).toContain(bad);
    expect(r.stdout).toMatch(/, 1 failed;/);
    expect(await storage.list(`${victim}/`)).toEqual(victimFiles);
    const after = await filesPerPartition(storage);
    for (const p of before.keys()) if (p !== victim) expect(after.get(p), p).toBe(1);
    await storage.delete([bad]);
    expect(await lakeRows(storage)).toEqual(rows);
  });

  it('rejects invalid options with exit status 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpipe-compact-cli-'));
    expect((await run(['compact', '--lake', dir, '--min-files', '1'])).code).toBe(2);
    const r = await run(['compact', '--lake', dir, '--dataset', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown dataset "nope"/);
  });
});
