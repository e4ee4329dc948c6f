import { mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, type MetricRecord } from '@logpipe/core';

/**
 * A MetricRecord no writer could store, with why. Every record a writer takes ends
 * ingested or here; nothing is dropped silently.
 */
export interface DeadLetter {
  /** The record exactly as the writer received it. */
  record: MetricRecord;
  /** Stable reason code, e.g. `INVALID_MEASURE_NAME`, `REJECTED_INVALID`, `LINE_REJECTED`. */
  code: string;
  /** What was wrong, in words, naming the field or the service's own message. */
  reason: string;
  /** Which writer gave up on it. */
  writer: 'timestream' | 'influxdb';
  /** When it was dead-lettered (ISO 8601). */
  at: string;
}

/** Where dead letters go. `write` resolves once they are durable. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** A short human-readable location, e.g. `file:///var/logpipe/dead-letters.ndjson`. */
  describe(): string;
}

/** Options of {@link createNdjsonDeadLetterSink}. */
export interface NdjsonDeadLetterOptions {
  /** File the letters are appended to, one JSON object per line; created with its folder. */
  path: string;
}

/**
 * The default dead-letter sink: appends one JSON line per letter to a local file and
 * fsyncs before resolving. Appends are serialized, so concurrent writers never
 * interleave lines.
 *
 * @example
 * ```ts
 * const deadLetters = createNdjsonDeadLetterSink({ path: './dead-letters/metrics.ndjson' });
 * ```
 */
export function createNdjsonDeadLetterSink(options: NdjsonDeadLetterOptions): DeadLetterSink {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new ConfigError('createNdjsonDeadLetterSink: path must be a non-empty string');
  }
  const path = resolve(options.path);
  let tail: Promise<void> = Promise.resolve();
  const append = async (text: string): Promise<void> => {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  return {
    write(letters) {
      if (letters.length === 0) return Promise.resolve();
      let text = '';
      for (const l of letters) text += `${JSON.stringify(l)}\n`;
      const next = tail.then(() => append(text));
      // The chain goes on after a failed append; the failure reaches this call's caller.
      tail = next.catch(() => undefined);
      return next;
    },
    describe: () => `file://${path}`,
  };
}
