/**
 * The contract between the pipeline and a sink: `write` resolves once every record handed
 * to it is durable (written, or dead-lettered by the sink with its reason) and rejects
 * otherwise; the pipeline acknowledges input only after every sink resolved.
 */
import type { LogRecord, MetricRecord } from '@logpipe/core';

/** The sink types a config can name. */
export type SinkType = 'lake' | 'timestream' | 'influxdb';

/**
 * A configured destination.
 *
 * @example
 * ```ts
 * await Promise.all(sinks.map((s) => s.write(s.takesLogs ? records : [], metrics)));
 * ```
 */
export interface Sink {
  readonly name: string;
  readonly type: SinkType;
  /** Takes LogRecords (the lake); metric stores take only MetricRecords. */
  readonly takesLogs: boolean;
  readonly takesMetrics: boolean;
  /** Resolves once these records are durable or dead-lettered; rejects when they are neither. */
  write(records: readonly LogRecord[], metrics: readonly MetricRecord[]): Promise<void>;
  /** Writes what is buffered now (the pending `write` promises settle). */
  flush(): Promise<void>;
  /** Flushes and releases resources. Idempotent. */
  close(): Promise<void>;
  /** The writer's own counters, flattened to `name → number` for /metrics. */
  stats(): Record<string, number>;
  /** Where the data goes, for the start log. */
  describe(): string;
}

/**
 * Flattens a stats object one level deep into numbers: `{ rejected: { A: 1 } }` →
 * `{ 'rejected.A': 1 }`. Non-numeric values are left out.
 */
export function flattenStats(stats: unknown, prefix = '', out: Record<string, number> = {}) {
  if (typeof stats !== 'object' || stats === null) return out;
  for (const [k, v] of Object.entries(stats)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (prefix === '' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      flattenStats(v, key, out);
    }
  }
  return out;
}
