/**
 * Errors of the line-protocol (InfluxDB) writer. Per-record problems are not errors: they are
 * dead letters with one of the {@link InfluxDeadLetterCode}s. A dead-letter sink that fails
 * is reported with `DeadLetterSinkError` (from `../dead-letter.ts`); this file has the error
 * for a write after `close()`.
 */
import { LogpipeError, type LogpipeErrorOptions, type MetricRecord } from '@logpipe/core';

/**
 * Stable codes of the dead letters the line-protocol writer produces (`DeadLetter.code`).
 *
 * Before sending (the record cannot become a valid line):
 * - `INVALID_RECORD`: not a MetricRecord shape (not an object, `dimensions` / `measures` not
 *   objects, a measure without `value`).
 * - `INVALID_TIME`: `time` is not a finite number of epoch ms inside InfluxDB's range.
 * - `INVALID_MEASUREMENT`: empty, a newline, a leading `#` (a comment line), a leading `_` (v2),
 *   or a backslash line protocol cannot carry.
 * - `INVALID_TAG`: a dimension whose key or value cannot be written (empty key, `time`,
 *   newline, backslash, leading `_` on v2, non-string value).
 * - `INVALID_FIELD`: a measure whose name cannot be a field key (same rules as tag keys), or
 *   two measures that map to the same field key.
 * - `INVALID_FIELD_VALUE`: NaN or ±Infinity, an empty or non-numeric array, an array with
 *   `arrays: 'reject'`, a string with a newline or over 64 KB, or an unsupported type.
 * - `NO_FIELDS`: the record has no measures.
 * - `KEY_TOO_LONG`: measurement + tags + a field key over InfluxDB's 65,535-byte key limit.
 *
 * From the server:
 * - `LINE_REJECTED`: InfluxDB rejected this line (400/422 partial write, parse error, field
 *   type conflict, …); the reason carries the server's message.
 * - `LINE_TOO_LARGE`: 413 for a request holding this line alone.
 * - `REQUEST_REJECTED`: a 4xx not about lines (401, 403, 404 database/bucket not found, …).
 * - `RETRIES_EXHAUSTED`: 429, 5xx or network errors on every attempt.
 */
export type InfluxDeadLetterCode =
  | 'INVALID_RECORD'
  | 'INVALID_TIME'
  | 'INVALID_MEASUREMENT'
  | 'INVALID_TAG'
  | 'INVALID_FIELD'
  | 'INVALID_FIELD_VALUE'
  | 'NO_FIELDS'
  | 'KEY_TOO_LONG'
  | 'LINE_REJECTED'
  | 'LINE_TOO_LARGE'
  | 'REQUEST_REJECTED'
  | 'RETRIES_EXHAUSTED';

/** Every {@link InfluxDeadLetterCode}, in the order of its documentation. */
export const INFLUX_DEAD_LETTER_CODES: readonly InfluxDeadLetterCode[] = [
  'INVALID_RECORD',
  'INVALID_TIME',
  'INVALID_MEASUREMENT',
  'INVALID_TAG',
  'INVALID_FIELD',
  'INVALID_FIELD_VALUE',
  'NO_FIELDS',
  'KEY_TOO_LONG',
  'LINE_REJECTED',
  'LINE_TOO_LARGE',
  'REQUEST_REJECTED',
  'RETRIES_EXHAUSTED',
];

/**
 * Codes an {@link InfluxWriterError} can carry. (A failing dead-letter sink is reported with
 * the package's shared `DeadLetterSinkError`, which hands the letters back.)
 */
export type InfluxWriterErrorCode =
  /** `write()` was called after `close()`; none of its records were taken. */
  'INFLUX_WRITER_CLOSED';

/** Options of {@link InfluxWriterError}. */
export interface InfluxWriterErrorOptions extends LogpipeErrorOptions {
  /** The records this error hands back to the caller. */
  records?: readonly MetricRecord[] | undefined;
}

/**
 * The line-protocol writer did not take these records (`write()` after `close()`); they are
 * handed back in `records`. Not retryable on this writer.
 *
 * @example
 * ```ts
 * try {
 *   await writer.write(metrics);
 * } catch (err) {
 *   if (InfluxWriterError.isInstance(err)) await otherWriter.write(err.records);
 *   else throw err;
 * }
 * ```
 */
export class InfluxWriterError extends LogpipeError {
  override readonly code: InfluxWriterErrorCode;
  /** Records not taken: neither written nor dead-lettered. */
  readonly records: readonly MetricRecord[];

  constructor(
    code: InfluxWriterErrorCode,
    message: string,
    options: InfluxWriterErrorOptions = {},
  ) {
    super(code, message, options);
    this.code = code;
    this.records = options.records ?? [];
  }

  /** `instanceof` that also works across two copies of this package. */
  static override isInstance(value: unknown): value is InfluxWriterError {
    return (
      LogpipeError.isInstance(value) &&
      typeof value.code === 'string' &&
      value.code.startsWith('INFLUX_')
    );
  }
}
