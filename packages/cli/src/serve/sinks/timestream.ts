/**
 * The Amazon Timestream for LiveAnalytics sink: `createTimestreamWriter` of
 * `@logpipe/timestream-writer` with an injected `TimestreamWriteClient`. Records Timestream
 * rejects for good go to `<deadLetter.path>/<sink name>.ndjson`.
 */
import { createTimestreamWriter } from '@logpipe/timestream-writer';
import type { TimestreamSinkConfig } from '../config.js';
import { deadLetterSinkFor, metricSink } from './metric-writer.js';
import type { Sink } from './types.js';

/**
 * Creates the Timestream sink of a config entry. The AWS SDK client is loaded only when a
 * Timestream sink is configured; credentials and region come from the usual AWS chain (the
 * task role in ECS) unless `region` / `endpoint` are set. The client makes one attempt per
 * call: the writer retries throttling and 5xx itself.
 *
 * @example
 * ```ts
 * const sink = await createTimestreamSink({ type: 'timestream', database: 'logpipe', table: 'metrics' }, 'timestream', './dead-letters');
 * ```
 */
export async function createTimestreamSink(
  cfg: TimestreamSinkConfig,
  name: string,
  deadLetterDir: string,
): Promise<Sink> {
  const { TimestreamWriteClient } = await import('@aws-sdk/client-timestream-write');
  const client = new TimestreamWriteClient({
    maxAttempts: 1,
    ...(cfg.region === undefined ? {} : { region: cfg.region }),
    ...(cfg.endpoint === undefined ? {} : { endpoint: cfg.endpoint }),
  });
  const { type: _type, name: _name, region: _region, endpoint: _endpoint, ...options } = cfg;
  const writer = createTimestreamWriter({
    ...options,
    client,
    deadLetters: deadLetterSinkFor(deadLetterDir, name),
  });
  return metricSink('timestream', name, writer, `timestream://${cfg.database}/${cfg.table}`);
}
