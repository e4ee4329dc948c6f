/**
 * The NDJSON lines a worker returns instead of record objects (copying finished
 * bytes back is cheap; structured-cloning record objects is not).
 *
 * `records` lines are byte for byte what `@logpipe/firehose-transform` puts in an
 * `Ok` record (its `recordLine`): the common columns, then the dataset's fields.
 */
import type { LogOrigin, LogRecord } from '../model.js';

/** What each line of a rendered payload holds. */
export type LineMode = 'records' | 'messages';

/**
 * The JSON text between `"dataset":…` and `"message":` of every record of one
 * payload (they share one origin), with the leading comma.
 */
export function originFragment(origin: LogOrigin): string {
  // Same keys, order and escaping as JSON.stringify of the record line object.
  return (
    `,"owner":${JSON.stringify(origin.owner)}` +
    `,"log_group":${JSON.stringify(origin.logGroup)}` +
    `,"log_stream":${JSON.stringify(origin.logStream)}` +
    `,"origin_region":${origin.region === undefined ? 'null' : JSON.stringify(origin.region)}`
  );
}

/**
 * One record as a JSON line without the newline: `time`, `id`, `dataset`, `owner`,
 * `log_group`, `log_stream`, `origin_region`, `message`, then the dataset's fields.
 * `fragment` is {@link originFragment} of the record's origin.
 *
 * @example
 * ```ts
 * recordJsonLine(record, originFragment(record.origin)); // '{"time":…,"id":"3195…","dataset":"vpc_flow",…}'
 * ```
 */
export function recordJsonLine(r: LogRecord, fragment: string): string {
  const head = `{"time":${JSON.stringify(r.time)},"id":${JSON.stringify(r.id)},"dataset":${JSON.stringify(r.dataset)}${fragment},"message":${JSON.stringify(r.message)}`;
  const rest = JSON.stringify(r.fields);
  return rest.length <= 2 ? `${head}}` : `${head},${rest.slice(1)}`;
}

/** One record's message as a line (a trailing newline is not doubled). */
export function messageLine(r: LogRecord): string {
  return r.message.endsWith('\n') ? r.message : `${r.message}\n`;
}

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
