/**
 * The Timestream for InfluxDB (or any InfluxDB 1.x/2.x) sink: `createInfluxWriter` of
 * `@logpipe/timestream-writer`, writing line protocol over `fetch`. Records the server
 * rejects for good go to `<deadLetter.path>/<sink name>.ndjson`.
 */
import { createInfluxWriter } from '@logpipe/timestream-writer';
import type { InfluxSinkConfig } from '../config.js';
import { deadLetterSinkFor, metricSink } from './metric-writer.js';
import type { Sink } from './types.js';

/**
 * Creates the InfluxDB sink of a config entry.
 *
 * @example
 * ```ts
 * const sink = createInfluxSink({ type: 'influxdb', url: 'http://127.0.0.1:8086', api: 'v1', database: 'logpipe' }, 'influxdb', './dead-letters');
 * ```
 */
export function createInfluxSink(cfg: InfluxSinkConfig, name: string, deadLetterDir: string): Sink {
  const { type: _type, name: _name, ...options } = cfg;
  const writer = createInfluxWriter({
    ...options,
    deadLetters: deadLetterSinkFor(deadLetterDir, name),
  });
  const where = new URL(cfg.url);
  where.username = '';
  where.password = '';
  return metricSink('influxdb', name, writer, `${where.href} (${cfg.api})`);
}
