import type { LogRecord } from '../../src/model.js';

/**
 * The reference NDJSON line of a record: what `@logpipe/firehose-transform` writes for
 * output `records` (its `recordLineReference`, verbatim). Core cannot depend on that
 * package, so its tests compare the pool's lines with this.
 */
export function referenceLine(r: LogRecord): string {
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
  return rest.length <= 2 ? head : `${head.slice(0, -1)},${rest.slice(1)}`;
}
