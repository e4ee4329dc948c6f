/**
 * Errors of the Logs Insights parser and compiler. Both carry a stable `code`
 * (public API) and, where the problem has a place in the query text, the line
 * and column it starts at (1-based).
 */
import { LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';

/** Where a problem starts in the query text (1-based line and column, 0-based offset). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** The source line at `pos` with a caret under the column, for error messages. */
export function excerptAt(source: string, pos: SourcePosition): string {
  const lines = source.split(/\r\n|\r|\n/);
  const text = (lines[pos.line - 1] ?? '').replace(/\t/g, ' ');
  const caret = `${' '.repeat(Math.max(0, pos.column - 1))}^`;
  return `  | ${text}\n  | ${caret}`;
}

/**
 * The query text is not valid Logs Insights QL. `line`/`column` (1-based) point at
 * the first character of the offending token.
 *
 * @example
 * ```ts
 * try {
 *   parseInsights('stats count(*) by');
 * } catch (err) {
 *   if (err instanceof InsightsSyntaxError) console.error(err.line, err.column, err.message);
 * }
 * ```
 */
export class InsightsSyntaxError extends LogpipeError {
  override readonly code: 'QUERY_SYNTAX';
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column of the problem (in UTF-16 code units, as editors count). */
  readonly column: number;
  /** 0-based offset into the query text. */
  readonly offset: number;
  /** The problem alone, without position or excerpt. */
  readonly reason: string;

  constructor(
    reason: string,
    source: string,
    pos: SourcePosition,
    options: LogpipeErrorOptions = {},
  ) {
    super(
      'QUERY_SYNTAX',
      `line ${pos.line}, column ${pos.column}: ${reason}\n${excerptAt(source, pos)}`,
      options,
    );
    this.code = 'QUERY_SYNTAX';
    this.line = pos.line;
    this.column = pos.column;
    this.offset = pos.offset;
    this.reason = reason;
  }
}

/** Codes an {@link InsightsCompileError} can carry. */
export type InsightsCompileErrorCode =
  /** Valid Logs Insights QL that the target dialect (or logpipe) cannot run faithfully. */
  | 'QUERY_UNSUPPORTED'
  /** The query is well-formed but wrong for this dataset (unknown field, field gone after stats, …). */
  | 'QUERY_INVALID'
  /** The compile options are wrong (time range, dataset, database, limit). */
  | 'INVALID_OPTIONS';

/**
 * A parsed query cannot be compiled to SQL. `line`/`column` are set when the problem
 * is at a place in the query text.
 *
 * @example
 * ```ts
 * try {
 *   compileInsights('fields jsonParse(@message) as j', { dialect: 'duckdb', from, to });
 * } catch (err) {
 *   if (err instanceof InsightsCompileError && err.code === 'QUERY_UNSUPPORTED') console.error(err.message);
 * }
 * ```
 */
export class InsightsCompileError extends LogpipeError {
  override readonly code: InsightsCompileErrorCode;
  /** 1-based line of the problem, when it has a place in the query. */
  readonly line: number | undefined;
  /** 1-based column of the problem, when it has a place in the query. */
  readonly column: number | undefined;
  /** The problem alone, without position or excerpt. */
  readonly reason: string;

  constructor(
    code: InsightsCompileErrorCode,
    reason: string,
    where?: { source: string; pos: SourcePosition } | undefined,
    options: LogpipeErrorOptions = {},
  ) {
    super(
      code,
      where === undefined
        ? reason
        : `line ${where.pos.line}, column ${where.pos.column}: ${reason}\n${excerptAt(where.source, where.pos)}`,
      options,
    );
    this.code = code;
    this.line = where?.pos.line;
    this.column = where?.pos.column;
    this.reason = reason;
  }
}
