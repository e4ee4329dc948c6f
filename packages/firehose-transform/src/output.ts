import type { LogRecord } from '@logpipe/core';

/** How each LogRecord becomes one line of an `Ok` record's data. */
export type OutputMode = 'records' | 'messages' | ((record: LogRecord) => string);

/**
 * The normalized record as one JSON line: the common columns
 * (`time` epoch ms, `id`, `dataset`, `owner`, `log_group`, `log_stream`,
 * `origin_region`, `message`) followed by the dataset's fields.
 *
 * @example
 * ```ts
 * recordLine(record); // '{"time":1700000000000,"id":"3195…","dataset":"vpc_flow",…,"srcport":443}'
 * ```
 */
export function recordLine(r: LogRecord): string {
  const head = JSON.stringify({
    time: r.time,
    id: r.id,
    dataset: r.dataset,
    owner: r.origin.owner,
    log_group: r.origin.logGroup,
    log_stream: r.origin.logStream,
    origin_region: r.origin.region ?? null,
    message: r.message,
  });
  const rest = JSON.stringify(r.fields);
  // Both are JSON objects: splice the field members after the common columns.
  return rest.length <= 2 ? head : `${head.slice(0, -1)},${rest.slice(1)}`;
}

/** Lines of the given records in the chosen mode, each ending with `\n`. */
export function renderLines(records: readonly LogRecord[], mode: OutputMode): string {
  let out = '';
  if (mode === 'records') {
    for (const r of records) out += `${recordLine(r)}\n`;
  } else if (mode === 'messages') {
    for (const r of records) out += r.message.endsWith('\n') ? r.message : `${r.message}\n`;
  } else {
    for (const r of records) out += `${mode(r)}\n`;
  }
  return out;
}
