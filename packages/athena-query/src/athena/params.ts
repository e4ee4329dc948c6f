/**
 * Typed `?` parameters → Athena `ExecutionParameters`.
 *
 * Athena takes execution parameters as strings of SQL literal text, applied in order to the
 * `?` placeholders of the query, as if written there (`EXECUTE … USING 'usa', 12`):
 * https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
 * So a string must arrive quoted, and a number as a numeric literal; passing a raw string
 * would make it SQL.
 */
import type { SqlParam } from '../types.js';
import { AthenaQueryError } from './errors.js';
import { ATHENA_MAX_EXECUTION_PARAMETER_CHARS } from './limits.js';

/**
 * A string as a Trino/Athena string literal: single-quoted, `'` doubled.
 *
 * @example
 * ```ts
 * sqlStringLiteral("it's"); // "'it''s'"
 * ```
 */
export function sqlStringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A number as a Trino/Athena numeric literal that reads back as the same value: safe integers
 * as integer literals (INTEGER or BIGINT), anything else as a DOUBLE literal in exponent form
 * (`1.5E+0`), because a plain `1.5` is a DECIMAL in Trino.
 *
 * @throws AthenaQueryError `INVALID_PARAMETER` for NaN and ±Infinity, which have no literal.
 */
export function sqlNumberLiteral(value: number): string {
  if (!Number.isFinite(value)) {
    throw new AthenaQueryError(
      'INVALID_PARAMETER',
      `${value} cannot be an Athena execution parameter (no SQL literal for it)`,
    );
  }
  if (Number.isSafeInteger(value)) return String(value === 0 ? 0 : value);
  return value.toExponential().toUpperCase();
}

/**
 * One typed parameter as Athena execution-parameter text.
 *
 * @example
 * ```ts
 * toExecutionParameter('GET');  // "'GET'"
 * toExecutionParameter(404);    // '404'
 * toExecutionParameter(0.25);   // '2.5E-1'
 * toExecutionParameter(true);   // 'true'
 * toExecutionParameter(null);   // 'NULL'
 * ```
 * @throws AthenaQueryError `INVALID_PARAMETER` when the value has no literal or its literal
 * is longer than Athena accepts (1,024 characters).
 */
export function toExecutionParameter(value: SqlParam, index = 0): string {
  let text: string;
  if (value === null) text = 'NULL';
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else if (typeof value === 'number') {
    try {
      text = sqlNumberLiteral(value);
    } catch (err) {
      throw new AthenaQueryError(
        'INVALID_PARAMETER',
        `parameter ${index + 1}: ${(err as Error).message}`,
      );
    }
  } else if (typeof value === 'string') text = sqlStringLiteral(value);
  else {
    throw new AthenaQueryError(
      'INVALID_PARAMETER',
      `parameter ${index + 1}: unsupported type ${typeof value}`,
    );
  }
  if (text.length > ATHENA_MAX_EXECUTION_PARAMETER_CHARS) {
    throw new AthenaQueryError(
      'INVALID_PARAMETER',
      `parameter ${index + 1} is ${text.length} characters as a SQL literal; Athena accepts at most ${ATHENA_MAX_EXECUTION_PARAMETER_CHARS}`,
    );
  }
  return text;
}

/**
 * Number of `?` placeholders in SQL text, not counting `?` inside string literals, quoted
 * identifiers or comments.
 *
 * @example
 * ```ts
 * countPlaceholders("SELECT '?' AS q FROM t WHERE a = ? -- ?"); // 1
 * ```
 */
export function countPlaceholders(sql: string): number {
  let count = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      // Quoted: a doubled quote is an escaped quote.
      i++;
      while (i < n) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      if (c === '?') count++;
      i++;
    }
  }
  return count;
}
