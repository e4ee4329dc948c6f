/**
 * The NDJSON lines a worker returns instead of record objects (copying finished
 * bytes back is cheap; structured-cloning record objects is not). `records` lines
 * are written by `RecordLineSerializer` (record-line.ts), as the Firehose transform
 * writes them.
 */
import type { LogRecord } from '../model.js';

/** What each line of a rendered payload holds. */
export type LineMode = 'records' | 'messages';

/**
 * Bytes of a `records` line beyond its strings' characters: the keys, quotes, commas,
 * braces, one digit of time, `""` as the least `origin_region`, and the newline.
 */
const RECORD_LINE_MIN_BYTES =
  '{"time":0,"id":"","dataset":"","owner":"","log_group":"","log_stream":"","origin_region":"","message":""}\n'
    .length;

/**
 * A lower bound of the UTF-8 bytes these records' lines take (each with its newline),
 * without rendering them: a string's length never exceeds its UTF-8 size, and JSON
 * text only adds escapes. Used to send back a payload that cannot fit a response
 * without rendering it.
 *
 * @example
 * ```ts
 * leastLineBytes(records, 'messages') <= Buffer.byteLength(lines); // always
 * ```
 */
export function leastLineBytes(records: readonly LogRecord[], mode: LineMode): number {
  let n = 0;
  if (mode === 'messages') {
    for (const r of records) n += r.message.length + (r.message.endsWith('\n') ? 0 : 1);
    return n;
  }
  for (const r of records) {
    const o = r.origin;
    n +=
      RECORD_LINE_MIN_BYTES +
      o.owner.length +
      o.logGroup.length +
      o.logStream.length +
      r.message.length +
      r.id.length +
      r.dataset.length;
  }
  return n;
}
