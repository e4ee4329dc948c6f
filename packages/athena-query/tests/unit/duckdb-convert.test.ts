import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../src/duckdb/engine.js';
import { isVanishedFileError } from '../../src/duckdb/execution.js';
import type { CellValue, CompiledQuery, SqlParam } from '../../src/types.js';

const engine = createDuckDbEngine({ lake: mkdtempSync(join(tmpdir(), 'logpipe-convert-')) });
afterAll(() => engine.close());

function sql(text: string, params: SqlParam[] = []): CompiledQuery {
  return { dialect: 'duckdb', sql: text, params, datasets: ['app'], columns: [] };
}

async function one(text: string, params: SqlParam[] = []): Promise<CellValue> {
  for await (const row of engine.execute(sql(text, params))) return row.v ?? null;
  throw new Error('no row');
}

/** Epoch ms a Date and DuckDB both hold: years 1 to 9999. */
const epochMs = fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 });

describe('DuckDB values as cells', () => {
  it('gives back every BIGINT and HUGEINT exactly, as bigint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), async (n) => {
        expect(await one(`SELECT (${n})::BIGINT AS v`)).toBe(n);
        expect(await one(`SELECT (${n})::HUGEINT * 1000 AS v`)).toBe(n * 1000n);
      }),
      { numRuns: 40 },
    );
  });

  it('gives back every millisecond timestamp as the same Date, bound as a parameter', async () => {
    await fc.assert(
      fc.asyncProperty(epochMs, async (ms) => {
        expect(await one('SELECT epoch_ms(?) AS v', [ms])).toEqual(new Date(ms));
        expect(await one('SELECT make_timestamptz(? * 1000) AS v', [ms])).toEqual(new Date(ms));
      }),
      { numRuns: 40 },
    );
  });

  it('gives back strings, including quotes and any Unicode, unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (s) => {
        expect(await one('SELECT ? AS v', [s])).toBe(s);
      }),
      { numRuns: 40 },
    );
  });

  it('takes DuckDB\'s "no such file" error for a file a compaction removed', async () => {
    let caught: unknown;
    try {
      for await (const _ of engine.execute(
        sql("SELECT * FROM read_parquet('/nonexistent/x.parquet')"),
      ));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'LAKE_READ_FAILED', retryable: true });
    expect(isVanishedFileError((caught as Error).cause)).toBe(true);
    expect(isVanishedFileError(new Error('Binder Error: no such column'))).toBe(false);
  });
});
