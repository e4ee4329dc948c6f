import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AthenaQueryError } from '../../src/athena/errors.js';
import { ATHENA_MAX_EXECUTION_PARAMETER_CHARS } from '../../src/athena/limits.js';
import {
  countPlaceholders,
  sqlNumberLiteral,
  sqlStringLiteral,
  toExecutionParameter,
} from '../../src/athena/params.js';
import type { SqlParam } from '../../src/types.js';

/**
 * Reference reader of one Trino string literal: `'`, then characters where `''` is a quote,
 * then `'`. Returns the value and how many characters the literal took.
 */
function readStringLiteral(text: string): { value: string; length: number } {
  if (text[0] !== "'") throw new Error('not a string literal');
  let value = '';
  let i = 1;
  for (;;) {
    if (i >= text.length) throw new Error('unterminated');
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, length: i + 1 };
    }
    value += text[i];
    i++;
  }
}

/** Trino's numeric literal grammar: INTEGER_VALUE, or DOUBLE_VALUE with an exponent, maybe negated. */
const TRINO_INTEGER = /^-?\d+$/;
const TRINO_DOUBLE = /^-?\d+(?:\.\d*)?E[+-]?\d+$/;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return AthenaQueryError.isInstance(err) ? err.code : 'other';
  }
  return undefined;
}

describe('execution parameters', () => {
  it('quotes any string so that the whole literal reads back as that string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const literal = sqlStringLiteral(s);
        const read = readStringLiteral(literal);
        expect(read.value).toBe(s);
        expect(read.length).toBe(literal.length);
      }),
    );
  });

  it('writes numbers as Trino literals that read back as the same value (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const literal = sqlNumberLiteral(n);
        expect(TRINO_INTEGER.test(literal) || TRINO_DOUBLE.test(literal)).toBe(true);
        expect(Number(literal)).toBe(n === 0 ? 0 : n);
        expect(TRINO_INTEGER.test(literal)).toBe(Number.isSafeInteger(n));
      }),
    );
  });

  it.each([
    ['GET', "'GET'"],
    ["O'Brien", "'O''Brien'"],
    ['', "''"],
    [404, '404'],
    [-1, '-1'],
    [-0, '0'],
    [0.1, '1E-1'],
    [2 ** 53, '9.007199254740992E+15'],
    [true, 'true'],
    [false, 'false'],
    [null, 'NULL'],
  ] as Array<[SqlParam, string]>)('%j → %s', (value, literal) => {
    expect(toExecutionParameter(value)).toBe(literal);
  });

  it('refuses values without a literal and literals longer than Athena takes', () => {
    expect(code(() => toExecutionParameter(Number.NaN))).toBe('INVALID_PARAMETER');
    expect(code(() => toExecutionParameter(Number.POSITIVE_INFINITY))).toBe('INVALID_PARAMETER');
    const longest = 'x'.repeat(ATHENA_MAX_EXECUTION_PARAMETER_CHARS - 2);
    expect(toExecutionParameter(longest)).toHaveLength(ATHENA_MAX_EXECUTION_PARAMETER_CHARS);
    expect(code(() => toExecutionParameter(`${longest}x`))).toBe('INVALID_PARAMETER');
    // Quotes count twice once escaped.
    expect(code(() => toExecutionParameter("'".repeat(512)))).toBe('INVALID_PARAMETER');
    expect(code(() => toExecutionParameter({} as unknown as SqlParam))).toBe('INVALID_PARAMETER');
  });
});

describe('countPlaceholders', () => {
  it.each([
    ['SELECT 1', 0],
    ['SELECT * FROM t WHERE a = ? AND b = ?', 2],
    ["SELECT '?' FROM t WHERE a = ?", 1],
    ["SELECT 'it''s ?' FROM t WHERE a = ?", 1],
    ['SELECT "weird?col" FROM t WHERE a = ?', 1],
    ['SELECT 1 -- why?\nFROM t WHERE a = ?', 1],
    ['SELECT /* ? ? */ a FROM t WHERE a IN (?, ?, ?)', 3],
    ["SELECT 'unterminated ?", 0],
  ])('%j has %i', (sql, n) => {
    expect(countPlaceholders(sql)).toBe(n);
  });

  it('counts only the placeholders among literals, identifiers and comments (property)', () => {
    const token = fc.oneof(
      fc.constant({ text: '?', n: 1 }),
      fc.constant({ text: ' a = ', n: 0 }),
      fc.string({ maxLength: 6 }).map((s) => ({ text: sqlStringLiteral(s), n: 0 })),
      fc.string({ maxLength: 6 }).map((s) => ({ text: `"${s.replaceAll('"', '""')}"`, n: 0 })),
      fc
        .string({ maxLength: 6 })
        .filter((s) => !s.includes('*/'))
        .map((s) => ({ text: `/*${s}*/`, n: 0 })),
      fc
        .string({ maxLength: 6 })
        .filter((s) => !s.includes('\n'))
        .map((s) => ({ text: `--${s}\n`, n: 0 })),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), (tokens) => {
        const sql = tokens.map((t) => t.text).join(' ');
        expect(countPlaceholders(sql)).toBe(tokens.reduce((a, t) => a + t.n, 0));
      }),
    );
  });
});
