/**
 * Reads a local lake back with DuckDB, an independent Parquet reader.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** One log row of the lake. */
export interface LakeRow {
  id: string;
  dataset: string;
  message: string;
  time: number;
  log_group: string | null;
  log_stream: string | null;
}

async function hasParquet(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return false;
  }
  return entries.some((e) => e.endsWith('.parquet'));
}

/** Every log row of the lake (metric rows, which have no id, are left out). */
export async function readLakeRows(root: string): Promise<LakeRow[]> {
  if (!(await hasParquet(root))) return [];
  const db = await DuckDBInstance.create(':memory:');
  try {
    const c = await db.connect();
    try {
      const glob = join(root, '*/*/*/*/*/*.parquet');
      const r = await c.runAndReadAll(
        `SELECT id, regexp_extract(filename, '([a-z_]+)/year=', 1) AS dataset, message,
                epoch_ms(time)::DOUBLE AS time, log_group, log_stream
         FROM read_parquet('${glob}', filename = true, union_by_name = true)
         WHERE id IS NOT NULL`,
      );
      return r.getRowObjectsJS() as unknown as LakeRow[];
    } finally {
      c.closeSync();
    }
  } finally {
    db.closeSync();
  }
}

/** Row count of the `metrics` dataset. */
export async function countMetricRows(root: string): Promise<number> {
  if (!(await hasParquet(join(root, 'metrics')))) return 0;
  const db = await DuckDBInstance.create(':memory:');
  try {
    const c = await db.connect();
    try {
      const r = await c.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(root, 'metrics/*/*/*/*/*.parquet')}')`,
      );
      return (r.getRowObjectsJS()[0] as { n: number }).n;
    } finally {
      c.closeSync();
    }
  } finally {
    db.closeSync();
  }
}
