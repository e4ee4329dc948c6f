import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetColumns, getDataset } from '@logpipe/core';
import { createLocalStorage } from '@logpipe/s3-parquet';
import { describe, expect, it } from 'vitest';
import {
  DUCKDB_COLUMN_TYPES,
  filesViewSql,
  hasGlobChars,
  listDatasetFiles,
  partitionStartOf,
  presentDatasets,
  quoteIdent,
  quoteString,
  READ_PARQUET_OPTIONS,
  shapedViewSql,
  type ViewColumn,
  viewSql,
} from '../../src/duckdb/views.js';

function lakeWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'logpipe-views-'));
  for (const [key, body] of Object.entries(files)) {
    const path = join(root, ...key.split('/'));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
  }
  return root;
}

describe('dataset views', () => {
  it('reads the partition hour of a lake key, and nothing from keys outside the layout', () => {
    expect(partitionStartOf('alb/year=2026/month=01/day=02/hour=03/part-a.parquet', 'alb')).toBe(
      Date.UTC(2026, 0, 2, 3),
    );
    expect(
      partitionStartOf('alb/year=2026/month=01/day=02/hour=03/part-a.parquet', 'app'),
    ).toBeUndefined();
    expect(partitionStartOf('alb/year=2026/month=01/part-a.parquet', 'alb')).toBeUndefined();
    expect(
      partitionStartOf('alb/year=2026/month=01/day=02/hour=03/x/part-a.parquet', 'alb'),
    ).toBeUndefined();
  });

  it('lists the files of the hours a range overlaps, with their sizes, skipping other files', async () => {
    const root = lakeWith({
      'alb/year=2026/month=01/day=01/hour=22/part-a.parquet': 'aa',
      'alb/year=2026/month=01/day=01/hour=23/part-b.parquet': 'bbb',
      'alb/year=2026/month=01/day=02/hour=00/part-c.parquet': 'cccc',
      'alb/year=2026/month=01/day=02/hour=00/notes.txt': 'x',
      'alb/year=2026/month=01/day=02/hour=00/_hidden.parquet': 'x',
      'alb/misplaced.parquet': 'x',
      'app/year=2026/month=01/day=01/hour=23/part-d.parquet': 'ddddd',
    });
    const storage = createLocalStorage({ root });
    const all = await listDatasetFiles(storage, root, 'alb', undefined);
    expect(all.paths.map((p) => p.slice(root.length + 1))).toEqual([
      'alb/year=2026/month=01/day=01/hour=22/part-a.parquet',
      'alb/year=2026/month=01/day=01/hour=23/part-b.parquet',
      'alb/year=2026/month=01/day=02/hour=00/part-c.parquet',
    ]);
    expect(all.bytes).toBe(9);
    // 23:30 to 00:00:00.001 touches hours 23 and 00, not 22.
    const from = Date.UTC(2026, 0, 1, 23, 30);
    const some = await listDatasetFiles(storage, root, 'alb', {
      from,
      to: Date.UTC(2026, 0, 2) + 1,
    });
    expect(some.bytes).toBe(7);
    // An exclusive end at an hour boundary leaves that hour out.
    const one = await listDatasetFiles(storage, root, 'alb', { from, to: Date.UTC(2026, 0, 2) });
    expect(one.bytes).toBe(3);
    expect(await presentDatasets(root)).toEqual(['alb', 'app']);
    expect(await presentDatasets(join(root, 'missing'))).toEqual([]);
  });

  it('declares an empty dataset by its columns and keeps the partition keys VARCHAR', () => {
    const text = viewSql('vpc_flow', datasetColumns(getDataset('vpc_flow')), []) as string;
    expect(text).toContain('CREATE OR REPLACE TEMP VIEW "vpc_flow"');
    // "end" is a keyword: every name is quoted.
    expect(text).toContain('CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS "end"');
    expect(text).toContain('CAST(NULL AS VARCHAR) AS "month"');
    expect(text).not.toContain('read_parquet');
    expect(READ_PARQUET_OPTIONS).toContain("'month': 'VARCHAR'");
    expect(viewSql('unknown', undefined, [])).toBeUndefined();
    const files = viewSql('custom', undefined, ["/l/it's/custom/year=2026/p.parquet"]) as string;
    expect(files).toContain("read_parquet(['/l/it''s/custom/year=2026/p.parquet'], ");
    expect(files).not.toContain('UNION ALL BY NAME');
  });

  it('keeps the view over the files alone when they hold the declared columns in order', () => {
    const declared = datasetColumns(getDataset('vpc_flow'));
    const paths = ['/l/vpc_flow/year=2026/month=01/day=01/hour=00/part-a.parquet'];
    const keys: ViewColumn[] = ['year', 'month', 'day', 'hour'].map((name) => ({
      name,
      type: 'VARCHAR',
    }));
    const asWritten: ViewColumn[] = declared.map((c) => ({
      name: c.name,
      type: DUCKDB_COLUMN_TYPES[c.type],
    }));
    const files = filesViewSql('vpc_flow', paths);
    expect(files).toContain(
      'SELECT * EXCLUDE ("year", "month", "day", "hour"), "year", "month", "day", "hour" FROM read_parquet(',
    );
    expect(files).not.toContain('UNION');
    expect(shapedViewSql('vpc_flow', declared, paths, [...asWritten, ...keys])).toBeUndefined();
    // Nothing declared: whatever the files hold, keys last.
    const custom = [{ name: 'b', type: 'BIGINT' }, { name: 'a', type: 'VARCHAR' }, ...keys];
    expect(shapedViewSql('custom', undefined, paths, custom)).toBeUndefined();

    // An older file without some declared columns, with one the dataset no longer declares
    // (read before the declared ones): declared order, NULL of the declared type for what is
    // missing, the extra column after them, no UNION.
    const older = [{ name: 'legacy', type: 'VARCHAR' }, ...asWritten.slice(0, 3), ...keys];
    const reshaped = shapedViewSql('vpc_flow', declared, paths, older) as string;
    expect(reshaped).not.toContain('UNION');
    expect(reshaped).toContain(
      'SELECT "time", "id", "owner", CAST(NULL AS VARCHAR) AS "log_group"',
    );
    expect(reshaped).toContain(
      'CAST(NULL AS BIGINT) AS "bytes", CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS "start"',
    );
    expect(reshaped).toMatch(/"legacy", "year", "month", "day", "hour" FROM read_parquet\(/);

    // Another type, or a name that differs only by case: the UNION form decides, as before.
    const union = viewSql('vpc_flow', declared, paths);
    expect(union).toContain('UNION ALL BY NAME');
    const retyped = asWritten.map((c) => (c.name === 'bytes' ? { ...c, type: 'INTEGER' } : c));
    expect(shapedViewSql('vpc_flow', declared, paths, [...retyped, ...keys])).toBe(union);
    const cased = asWritten.map((c) => (c.name === 'srcaddr' ? { ...c, name: 'SrcAddr' } : c));
    expect(shapedViewSql('vpc_flow', declared, paths, [...cased, ...keys])).toBe(union);
    const twice = [...asWritten, { name: 'ID', type: 'VARCHAR' }, ...keys];
    expect(shapedViewSql('vpc_flow', declared, paths, twice)).toBe(union);
    // Partition keys missing or typed otherwise: the UNION form too.
    expect(shapedViewSql('vpc_flow', declared, paths, asWritten)).toBe(union);
    const intYear = [...asWritten, { name: 'year', type: 'BIGINT' }, ...keys.slice(1)];
    expect(shapedViewSql('vpc_flow', declared, paths, intYear)).toBe(union);
  });

  it('quotes identifiers and strings, and spots glob characters', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteString("it's")).toBe("'it''s'");
    for (const p of ['/a/*.parquet', '/a/?', '/a/[1]', '/a/{x}'])
      expect(hasGlobChars(p)).toBe(true);
    expect(hasGlobChars("/tmp/o'brien lake/alb")).toBe(false);
  });
});
