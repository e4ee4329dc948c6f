import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetColumns, getDataset, partitionPath } from '@logpipe/core';
import { createLocalStorage, type LakeStorage } from '@logpipe/s3-parquet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DUCKDB_COLUMN_TYPES,
  filesViewSql,
  hasGlobChars,
  listDatasetFiles,
  MAX_RANGE_PREFIXES,
  partitionStartOf,
  presentDatasets,
  quoteIdent,
  quoteString,
  READ_PARQUET_OPTIONS,
  rangePrefixes,
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
    // Years under 100 are the layout's own, not 19xx.
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 1, 3);
    year50.setUTCHours(4);
    expect(partitionStartOf('alb/year=0050/month=02/day=03/hour=04/part-a.parquet', 'alb')).toBe(
      year50.getTime(),
    );
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

  it('names the partition directories that cover a range, at the finest level that needs at most 64', () => {
    const H = 3_600_000;
    const jan1 = Date.UTC(2026, 0, 1);
    // Half an hour either side of midnight: two hours.
    expect(rangePrefixes('alb', { from: jan1 - H / 2, to: jan1 + H / 2 })).toEqual([
      'alb/year=2025/month=12/day=31/hour=23/',
      'alb/year=2026/month=01/day=01/hour=00/',
    ]);
    // An exclusive end on an hour boundary: that hour is not named.
    expect(rangePrefixes('alb', { from: jan1, to: jan1 + H })).toEqual([
      'alb/year=2026/month=01/day=01/hour=00/',
    ]);
    expect(rangePrefixes('alb', { from: jan1, to: jan1 + 64 * H })).toHaveLength(64);
    // 65 hours: days instead (1, 2 and 3 January).
    expect(rangePrefixes('alb', { from: jan1, to: jan1 + 65 * H })).toEqual([
      'alb/year=2026/month=01/day=01/',
      'alb/year=2026/month=01/day=02/',
      'alb/year=2026/month=01/day=03/',
    ]);
    // 70 days: months; six years: years; a century: none (list the whole dataset).
    expect(rangePrefixes('alb', { from: jan1, to: jan1 + 70 * 24 * H })).toEqual([
      'alb/year=2026/month=01/',
      'alb/year=2026/month=02/',
      'alb/year=2026/month=03/',
    ]);
    expect(rangePrefixes('alb', { from: jan1, to: Date.UTC(2031, 6, 1) })).toHaveLength(6);
    expect(rangePrefixes('alb', { from: Date.UTC(1950, 0, 1), to: jan1 })).toBeUndefined();
    // Years of fewer than four digits are the layout's zero-padded ones, not 19xx.
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 0, 1);
    expect(rangePrefixes('alb', { from: year50.getTime(), to: year50.getTime() + H })).toEqual([
      'alb/year=0050/month=01/day=01/hour=00/',
    ]);
    // Outside the years the layout can name: nothing to list.
    expect(rangePrefixes('alb', { from: 1e15, to: 2e15 })).toEqual([]);
  });

  it('covers every hour of a range, and only partitions that overlap it (property)', () => {
    const H = 3_600_000;
    const from = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) });
    const length = fc.oneof(
      fc.integer({ min: 1, max: 80 * H }),
      fc.integer({ min: 1, max: 400 * 24 * H }),
      fc.integer({ min: 1, max: 80 * 366 * 24 * H }),
    );
    fc.assert(
      fc.property(
        from,
        length,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true })),
        (f, n, at) => {
          const range = { from: f, to: f + n };
          const prefixes = rangePrefixes('app', range);
          if (prefixes === undefined) {
            // Only when even years need more than the limit.
            expect(
              new Date(range.to - 1).getUTCFullYear() - new Date(f).getUTCFullYear() + 1,
            ).toBeGreaterThan(MAX_RANGE_PREFIXES);
            return;
          }
          expect(prefixes.length).toBeLessThanOrEqual(MAX_RANGE_PREFIXES);
          expect([...prefixes].sort()).toEqual(prefixes);
          // Each names a unit (year, month, day or hour) that overlaps the range.
          for (const p of prefixes) {
            const [y = 0, mo = 1, d = 1, h = 0] = [...p.matchAll(/=(\d+)/g)].map((m) =>
              Number(m[1]),
            );
            const level = p.split('/').length - 2;
            const start = Date.UTC(y, mo - 1, d, h);
            const end =
              level === 4
                ? start + H
                : level === 3
                  ? start + 24 * H
                  : level === 2
                    ? Date.UTC(y, mo, 1)
                    : Date.UTC(y + 1, 0, 1);
            expect(start < range.to && end > range.from, p).toBe(true);
          }
          // Every hour the range touches (first, last, some between) is under one of them.
          for (const x of [0, 1, ...at]) {
            const t = Math.min(range.to - 1, f + Math.floor(x * n));
            const dir = `${partitionPath('app', t)}/`;
            expect(
              prefixes.filter((p) => dir.startsWith(p)),
              dir,
            ).toHaveLength(1);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('lists only the directories that cover a range, with the files a whole listing would give', async () => {
    const root = lakeWith({
      'alb/year=2025/month=12/day=31/hour=23/part-a.parquet': 'a',
      'alb/year=2026/month=01/day=01/hour=00/part-b.parquet': 'bb',
      'alb/year=2026/month=01/day=01/hour=05/part-c.parquet': 'ccc',
      'alb/year=2026/month=01/day=03/hour=12/part-d.parquet': 'dddd',
      'alb/year=2026/month=03/day=01/hour=00/part-e.parquet': 'eeeee',
      'alb/year=2027/month=06/day=15/hour=08/part-f.parquet': 'ffffff',
    });
    const local = createLocalStorage({ root });
    const listed: string[] = [];
    // The real local storage, watched: which prefixes does a ranged listing ask for?
    const storage: LakeStorage = {
      put: (key, body) => local.put(key, body),
      list: (prefix) => {
        listed.push(prefix);
        return local.list(prefix);
      },
      get: (key) => local.get(key),
      delete: (keys) => local.delete(keys),
      describe: () => local.describe(),
    };
    const H = 3_600_000;
    const jan1 = Date.UTC(2026, 0, 1);
    const whole = await listDatasetFiles(local, root, 'alb', undefined);
    const ranges = [
      { from: jan1 - H / 2, to: jan1 + H / 2 },
      { from: jan1, to: jan1 + 6 * H },
      { from: jan1 - H, to: jan1 + 80 * H },
      { from: jan1, to: Date.UTC(2026, 5, 1) },
      { from: Date.UTC(2020, 0, 1), to: Date.UTC(2030, 0, 1) },
      { from: Date.UTC(1900, 0, 1), to: Date.UTC(2100, 0, 1) },
    ];
    for (const range of ranges) {
      listed.length = 0;
      const got = await listDatasetFiles(storage, root, 'alb', range);
      const expected = whole.paths.filter((p) => {
        const m = /year=(\d+)\/month=(\d+)\/day=(\d+)\/hour=(\d+)/.exec(p) as RegExpExecArray;
        const start = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!);
        return start < range.to && start + H > range.from;
      });
      expect(got.paths, JSON.stringify(range)).toEqual(expected);
      expect(listed, JSON.stringify(range)).toEqual(rangePrefixes('alb', range) ?? ['alb/']);
    }
    // The last hour of the lake: one directory listed, not the tree.
    listed.length = 0;
    await listDatasetFiles(storage, root, 'alb', { from: jan1, to: jan1 + H });
    expect(listed).toEqual(['alb/year=2026/month=01/day=01/hour=00/']);
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
