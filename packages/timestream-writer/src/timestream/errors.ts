import { LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';
import type { DeadLetter } from '../dead-letter.js';
import { describeRecord } from './map.js';

/**
 * Why the Timestream writer gave up on a MetricRecord: the `code` of its
 * {@link DeadLetter}. Codes are public API.
 *
 * Found before sending (the service never sees the record):
 * - `INVALID_TIME` — time is not a non-negative integer of epoch milliseconds.
 * - `FUTURE_TIME` — more than 15 minutes ahead of `now`.
 * - `OUTSIDE_RETENTION` — older than the memory store window and the magnetic store
 *   takes no writes (or older than the magnetic store retention).
 * - `INVALID_MEASURE_NAME` — the record's measure name breaks a naming rule.
 * - `INVALID_DIMENSION` — a dimension name breaks a naming rule or its value is not a string.
 * - `TOO_MANY_DIMENSIONS` — more than 128 dimensions.
 * - `SERIES_TOO_LARGE` — dimension names and values exceed 2 KB.
 * - `INVALID_MEASURE` — a measure name breaks a naming rule.
 * - `INVALID_MEASURE_VALUE` — a value Timestream cannot store (NaN, ±Infinity, empty or
 *   too long text, a non-integer for a BIGINT measure, an empty or refused array).
 * - `NAME_COLLISION` — a name used both as dimension and measure, or twice as measure.
 * - `NO_MEASURES` — nothing to store.
 * - `TOO_MANY_MEASURES` — more than 256 measures in the (merged) record.
 * - `RECORD_TOO_LARGE` — the (merged) record exceeds 2 KB.
 * - `DUPLICATE_MEASURE` — an earlier record of the same batch gave the same series, time
 *   and measure another value; Timestream keeps one value per (series, time, measure).
 *
 * Returned by the service:
 * - `REJECTED_VERSION_CONFLICT` — a record with the same series, time and measure name
 *   exists with another value and a version at least as high (and upsert is off or gave up).
 * - `REJECTED_OUTSIDE_RETENTION` — outside the memory store (no magnetic path) or outside
 *   the data ingestion window.
 * - `REJECTED_INVALID` — any other rejection (limits, types): the service's text is kept.
 * - `REQUEST_FAILED` — the whole request failed with an error retrying cannot fix
 *   (access denied, table not found, validation of a single record…).
 * - `RETRIES_EXHAUSTED` — throttling, 5xx or network errors outlasted `maxAttempts`.
 */
export type TimestreamRejectCode =
  | 'INVALID_TIME'
  | 'FUTURE_TIME'
  | 'OUTSIDE_RETENTION'
  | 'INVALID_MEASURE_NAME'
  | 'INVALID_DIMENSION'
  | 'TOO_MANY_DIMENSIONS'
  | 'SERIES_TOO_LARGE'
  | 'INVALID_MEASURE'
  | 'INVALID_MEASURE_VALUE'
  | 'NAME_COLLISION'
  | 'NO_MEASURES'
  | 'TOO_MANY_MEASURES'
  | 'RECORD_TOO_LARGE'
  | 'DUPLICATE_MEASURE'
  | 'REJECTED_VERSION_CONFLICT'
  | 'REJECTED_OUTSIDE_RETENTION'
  | 'REJECTED_INVALID'
  | 'REQUEST_FAILED'
  | 'RETRIES_EXHAUSTED';

/** Every {@link TimestreamRejectCode}, for iteration (e.g. zeroed counters). */
export const TIMESTREAM_REJECT_CODES: readonly TimestreamRejectCode[] = [
  'INVALID_TIME',
  'FUTURE_TIME',
  'OUTSIDE_RETENTION',
  'INVALID_MEASURE_NAME',
  'INVALID_DIMENSION',
  'TOO_MANY_DIMENSIONS',
  'SERIES_TOO_LARGE',
  'INVALID_MEASURE',
  'INVALID_MEASURE_VALUE',
  'NAME_COLLISION',
  'NO_MEASURES',
  'TOO_MANY_MEASURES',
  'RECORD_TOO_LARGE',
  'DUPLICATE_MEASURE',
  'REJECTED_VERSION_CONFLICT',
  'REJECTED_OUTSIDE_RETENTION',
  'REJECTED_INVALID',
  'REQUEST_FAILED',
  'RETRIES_EXHAUSTED',
];

/**
 * One MetricRecord the Timestream writer could not store: names the record (its measure
 * name, time and dimensions) and the reason. The writer returns these as values (turned
 * into {@link DeadLetter}s); it never throws them per record.
 *
 * @example
 * ```ts
 * const err = new TimestreamRecordError('FUTURE_TIME', record, 'time is 20 minutes ahead');
 * err.message; // 'AWS/Lambda @ 2026-01-01T00:20:00.000Z {function_name=orders}: time is 20 minutes ahead (FUTURE_TIME)'
 * ```
 */
export class TimestreamRecordError extends LogpipeError {
  override readonly code: TimestreamRejectCode;
  /** What was wrong, in words, without the record's name. */
  readonly reason: string;
  /** Short name of the record: measure name, ISO time and dimensions. */
  readonly recordName: string;

  constructor(
    code: TimestreamRejectCode,
    recordName: string,
    reason: string,
    options: LogpipeErrorOptions = {},
  ) {
    super(code, `${recordName}: ${reason} (${code})`, options);
    this.code = code;
    this.reason = reason;
    this.recordName = recordName;
  }

  /**
   * The error a Timestream dead letter stands for, e.g. to log or throw it.
   *
   * @example
   * ```ts
   * for (const l of summary.deadLetters) logger.warn(TimestreamRecordError.fromDeadLetter(l).message);
   * ```
   */
  static fromDeadLetter(letter: DeadLetter): TimestreamRecordError {
    return new TimestreamRecordError(
      letter.code as TimestreamRejectCode,
      describeRecord(letter.record),
      letter.reason,
    );
  }
}

/**
 * `write()` was called on a writer that is closing or closed.
 *
 * @example
 * ```ts
 * await writer.close();
 * await writer.write(metrics).catch((e) => e.code); // 'WRITER_CLOSED'
 * ```
 */
export class TimestreamWriterClosedError extends LogpipeError {
  constructor(options: LogpipeErrorOptions = {}) {
    super('WRITER_CLOSED', 'the Timestream writer is closed', options);
  }
}
