import { randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  LogpipeError,
  type LogpipeErrorOptions,
  type MetricRecord,
} from '@logpipe/core';

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

/** The part of an S3 client the S3 dead-letter sink uses (an `S3Client` fits). */
export interface S3ClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: any S3 command; the sink sends PutObjectCommand only.
  send(command: any): Promise<unknown>;
}

/** Options of {@link createS3DeadLetterSink}. */
export interface S3DeadLetterOptions {
  /** An injected `S3Client` (from `@aws-sdk/client-s3`). */
  client: S3ClientLike;
  bucket: string;
  /** Key prefix; default `dead-letters/`. Keys are `<prefix><writer>/YYYY/MM/DD/HH/<time>-<n>-<uuid>.ndjson`. */
  prefix?: string | undefined;
  /** Clock for the key's date, epoch ms; default `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * A dead-letter sink that puts each batch of letters as one NDJSON object in S3 (one JSON
 * object per line, the same lines as the local sink). `write` resolves once S3 has the
 * object. `@aws-sdk/client-s3` is loaded on the first write, not at import.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * const deadLetters = createS3DeadLetterSink({ client: new S3Client({}), bucket: 'my-dlq', prefix: 'metrics/' });
 * ```
 */
export function createS3DeadLetterSink(options: S3DeadLetterOptions): DeadLetterSink {
  if (typeof options?.client?.send !== 'function') {
    throw new ConfigError('createS3DeadLetterSink: client must be an S3Client');
  }
  if (typeof options.bucket !== 'string' || options.bucket === '') {
    throw new ConfigError('createS3DeadLetterSink: bucket must be a non-empty string');
  }
  const prefix = options.prefix ?? 'dead-letters/';
  if (typeof prefix !== 'string')
    throw new ConfigError('createS3DeadLetterSink: prefix must be a string');
  const now = options.now ?? Date.now;
  const { client, bucket } = options;
  let n = 0;
  return {
    async write(letters) {
      if (letters.length === 0) return;
      let body = '';
      for (const l of letters) body += `${JSON.stringify(l)}\n`;
      const t = new Date(now());
      const iso = t.toISOString();
      const path = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`;
      const writer = letters[0]?.writer ?? 'unknown';
      const key = `${prefix}${writer}/${path}/${t.getTime()}-${++n}-${randomUUID()}.ndjson`;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ndjson',
        }),
      );
    },
    describe: () => `s3://${bucket}/${prefix}`,
  };
}

/**
 * The dead-letter sink failed, so these letters are neither stored nor dead-lettered: they
 * are handed back to the caller in `letters` (retryable: write them again).
 *
 * @example
 * ```ts
 * try { await writer.write(metrics); }
 * catch (e) { if (e instanceof DeadLetterSinkError) await backup.write(e.letters); }
 * ```
 */
export class DeadLetterSinkError extends LogpipeError {
  /** The letters the sink did not take, each with its record and reason. */
  readonly letters: readonly DeadLetter[];

  constructor(letters: readonly DeadLetter[], options: LogpipeErrorOptions = {}) {
    super(
      'DEAD_LETTER_FAILED',
      `the dead-letter sink failed; ${letters.length} record(s) handed back to the caller`,
      { retryable: true, ...options },
    );
    this.letters = letters;
  }
}
