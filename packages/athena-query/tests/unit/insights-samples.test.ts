import { describe, expect, it } from 'vitest';
import { compileInsights } from '../../src/insights/compile.js';
import { InsightsCompileError, InsightsSyntaxError } from '../../src/insights/errors.js';
import { parseInsights } from '../../src/insights/parse.js';
import { INSIGHTS_SAMPLES, INSIGHTS_SAMPLES_NOT_PARSING } from '../fixtures/insights-samples.js';

/** `?` outside quoted strings and identifiers. */
export function placeholders(sql: string): number {
  let count = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '?') count++;
  }
  return count;
}

const range = {
  from: Date.UTC(2026, 0, 1, 22, 30),
  to: Date.UTC(2026, 0, 2, 1, 15),
  now: Date.UTC(2026, 0, 2),
};

describe('the Logs Insights guide samples', () => {
  it.each(INSIGHTS_SAMPLES.map((s, i) => [i, s.page, s] as const))(
    'sample %i (%s) parses',
    (_i, _page, sample) => {
      expect(parseInsights(sample.query).commands.length).toBeGreaterThan(0);
    },
  );

  it.each(INSIGHTS_SAMPLES.map((s, i) => [i, s.page, s] as const))(
    'sample %i (%s) compiles in both dialects, or is refused with the expected code',
    (_i, _page, sample) => {
      for (const dialect of ['athena', 'duckdb'] as const) {
        const run = () =>
          compileInsights(sample.query, { ...range, dialect, dataset: sample.dataset });
        if (sample.expect === 'compiles') {
          const q = run();
          expect(placeholders(q.sql)).toBe(q.params.length);
          expect(q.columns.length).toBeGreaterThan(0);
        } else {
          let error: unknown;
          try {
            run();
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(InsightsCompileError);
          expect((error as InsightsCompileError).code).toBe(
            sample.expect === 'unsupported' ? 'QUERY_UNSUPPORTED' : 'QUERY_INVALID',
          );
        }
      }
    },
  );

  it('rejects the one sample printed with an unquoted URL, pointing at it', () => {
    for (const bad of INSIGHTS_SAMPLES_NOT_PARSING) {
      let error: unknown;
      try {
        parseInsights(bad.query);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InsightsSyntaxError);
      expect(error).toMatchObject({ code: 'QUERY_SYNTAX', line: bad.line, column: bad.column });
    }
  });
});
