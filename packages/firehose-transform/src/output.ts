import {
  leastLineBytes as coreLeastLineBytes,
  type LineBuffer,
  type LogRecord,
} from '@logpipe/core';
import { RecordLineSerializer } from './serialize.js';

/** How each LogRecord becomes one line of an `Ok` record's data. */
export type OutputMode = 'records' | 'messages' | ((record: LogRecord) => string);

/** Made on first use (no work at import time); its caches only speed it up. */
let serializer: RecordLineSerializer | undefined;

/**
 * The normalized record as one JSON line: the common columns
 * (`time` epoch ms, `id`, `dataset`, `owner`, `log_group`, `log_stream`,
 * `origin_region`, `message`) followed by the dataset's fields.
 * Byte for byte what `JSON.stringify` of the common columns, spliced with
 * `JSON.stringify(record.fields)`, gives (see `serialize.ts`).
 *
 * @example
 * ```ts
 * recordLine(record); // '{"time":1700000000000,"id":"3195…","dataset":"vpc_flow",…,"srcport":443}'
 * ```
 */
export function recordLine(r: LogRecord): string {
  serializer ??= new RecordLineSerializer();
  return serializer.line(r);
}

/** Lines of the given records in the chosen mode, each ending with `\n`. */
export function renderLines(records: readonly LogRecord[], mode: OutputMode): string {
  let out = '';
  if (mode === 'records') {
    serializer ??= new RecordLineSerializer();
    const s = serializer;
    for (const r of records) out += `${s.line(r)}\n`;
  } else if (mode === 'messages') {
    for (const r of records) out += r.message.endsWith('\n') ? r.message : `${r.message}\n`;
  } else {
    for (const r of records) out += `${mode(r)}\n`;
  }
  return out;
}

/**
 * Appends the lines {@link renderLines} gives to `out`, as UTF-8 bytes, without
 * building the batch's text first (what the handler uses).
 *
 * @example
 * ```ts
 * const out = new LineBuffer();
 * renderLinesInto(out, records, 'messages');
 * out.bytes().equals(Buffer.from(renderLines(records, 'messages'))); // true
 * ```
 */
export function renderLinesInto(
  out: LineBuffer,
  records: readonly LogRecord[],
  mode: OutputMode,
): void {
  if (mode === 'records') {
    serializer ??= new RecordLineSerializer();
    const s = serializer;
    for (const r of records) {
      out.write(s.line(r));
      out.newline();
    }
  } else if (mode === 'messages') {
    for (const r of records) out.line(r.message);
  } else {
    for (const r of records) {
      // As `${…}` in renderLines: whatever the function returns becomes its string.
      out.write(`${mode(r)}`);
      out.newline();
    }
  }
}

/**
 * A lower bound of the UTF-8 bytes {@link renderLines} gives for these records,
 * without rendering them (core's `leastLineBytes`, the bound the worker pool
 * reports too); 0 for an output function.
 *
 * @example
 * ```ts
 * leastLineBytes(records, 'messages') <= Buffer.byteLength(renderLines(records, 'messages')); // true
 * ```
 */
export function leastLineBytes(records: readonly LogRecord[], mode: OutputMode): number {
  return typeof mode === 'function' ? 0 : coreLeastLineBytes(records, mode);
}
