import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileInsights } from '../../src/insights/compile.js';
import { InsightsCompileError, InsightsSyntaxError } from '../../src/insights/errors.js';
import type { CompiledQuery } from '../../src/types.js';

const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2026, 0, 2);

let db: DuckDBInstance;
let conn: DuckDBConnection;

/** The app view: a table of the app columns plus the partition columns, a few rows. */
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run(`CREATE TABLE app_data AS SELECT * FROM (VALUES
    (TIMESTAMPTZ '2026-01-01 05:00:00+00', '1', '123', 'g', 's', NULL, $$it's; DROP TABLE app_data; --$$, 'json', 'info', '{"b": "x''y", "k\\u0027q": "quote-key", "a": 1}', NULL, '2026', '01', '01', '05'),
    (TIMESTAMPTZ '2026-01-01 06:00:00+00', '2', '123', 'g', 's', NULL, 'plain', 'json', 'warn', '{"b": "plain", "a": 2}', NULL, '2026', '01', '01', '06')
  ) t("time", id, owner, log_group, log_stream, origin_region, message, format, level, fields, parse_error, year, month, day, hour)`);
  await conn.run('CREATE VIEW app AS SELECT * FROM app_data');
});

afterAll(() => {
  conn?.closeSync();
  db?.closeSync();
});

async function run(q: CompiledQuery): Promise<{ columns: string[]; rows: unknown[][] }> {
  const r = await conn.runAndReadAll(q.sql, q.params as (string | number | boolean | null)[]);
  return { columns: r.columnNames(), rows: r.getRowsJS() };
}

function compile(text: string, dialect: 'athena' | 'duckdb' = 'duckdb'): CompiledQuery {
  return compileInsights(text, { dialect, from: FROM, to: TO });
}

async function tableIntact(): Promise<void> {
  const r = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM app_data');
  expect(r.getRowObjectsJS()).toEqual([{ n: 2 }]);
}

/** A string as a Logs Insights double-quoted literal. */
function quoted(s: string): string {
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

const NASTY = [
  "x'; DROP TABLE app_data; --",
  "it's; DROP TABLE app_data; --",
  "' OR '1'='1",
  '" OR "1"="1',
  '/* comment */ 1',
  '$$ dollar $$',
  'semi; colon',
  '\u202e reversed \u202d',
  'zero\u200bwidth',
  'nul\u0000byte',
  '\uff07 fullwidth quote \uff02',
  '😀 emoji',
  '?',
  '\\',
];

describe('values, names and patterns from a query never become SQL text', () => {
  it.each(NASTY)('a string literal %j stays a parameter and matches only itself', async (value) => {
    for (const dialect of ['athena', 'duckdb'] as const) {
      const q = compile(
        `filter @message = ${quoted(value)} or b like ${quoted(value)} | fields @message`,
        dialect,
      );
      expect(q.params).toContain(value);
      // Outside the parameters, the SQL is the same whatever the value.
      expect(q.sql).toBe(
        compile('filter @message = "v" or b like "v" | fields @message', dialect).sql,
      );
    }
    const r = await run(compile(`filter @message = ${quoted(value)} | fields @message`));
    expect(r.rows).toEqual(value === "it's; DROP TABLE app_data; --" ? [[value]] : []);
    await tableIntact();
  });

  it.each(NASTY.filter((v) => !v.includes('\u0000')))(
    'a regular expression %j stays a parameter',
    async (value) => {
      const pattern = value.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&');
      const q = compile(`filter @message like /${pattern}/ | fields @message`);
      expect(q.sql).toBe(compile('filter @message like /v/ | fields @message').sql);
      const r = await run(q);
      expect(r.rows).toEqual(value === "it's; DROP TABLE app_data; --" ? [[value]] : []);
      await tableIntact();
    },
  );

  it('quotes output names exactly, and refuses names with control characters', async () => {
    const name = `a"b'c; DROP TABLE app_data; --`;
    const q = compile(`fields strlen(@message) as \`${name}\``);
    const r = await run(q);
    expect(r.columns).toEqual([name]);
    expect(q.columns).toEqual([name]);
    await tableIntact();
    expect(() => compile('fields @message as `a\u0000b`')).toThrow(/control character/);
    expect(() => compile('fields @message as `a\nb`')).toThrow(InsightsCompileError);
  });

  it('looks JSON keys up by parameter, and refuses keys a JSON path cannot hold', async () => {
    const r = await run(compile("fields `k'q` as v | filter ispresent(v)"));
    expect(r.rows).toEqual([['quote-key']]);
    for (const key of ['k"q', 'k\\q']) {
      expect(() => compile(`fields \`${key}\``)).toThrow(InsightsCompileError);
    }
    await tableIntact();
  });

  it('refuses identifiers it cannot quote for the table: database names are validated', () => {
    expect(() =>
      compileInsights('fields a', { dialect: 'athena', from: FROM, to: TO, database: 'a"."b' }),
    ).toThrow(/database must be a name/);
  });

  it('never lets arbitrary text through: compiled or refused, never SQL made of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 24 }),
        fc.constantFrom('value', 'alias', 'key', 'regex'),
        async (text, where) => {
          let query: string;
          switch (where) {
            case 'value':
              query = `filter @message = ${quoted(text)} | fields @message`;
              break;
            case 'alias':
              query = `fields @message as \`${text.replaceAll('`', '')}\``;
              break;
            case 'key':
              query = `fields \`${text.replaceAll('`', '')}\` as v`;
              break;
            default:
              query = `filter @message like /${text.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&')}/ | fields @message`;
          }
          let q: CompiledQuery;
          try {
            q = compile(query);
          } catch (err) {
            // Refused with a clear error is fine.
            expect(err instanceof InsightsCompileError || err instanceof InsightsSyntaxError).toBe(
              true,
            );
            return;
          }
          const r = await run(q);
          if (where === 'alias') expect(r.columns).toEqual(q.columns);
          if (where === 'value') expect(r.rows.length).toBeLessThanOrEqual(1);
          await tableIntact();
        },
      ),
      { numRuns: 150 },
    );
  });
});
