/**
 * The input dead-letter file: input records that cannot be decoded (bad base64, corrupt gzip,
 * a broken envelope) and that retrying cannot fix. They are appended with their reason and
 * the data as received, and fsynced, before the input is acknowledged.
 */
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** One input record no sink can take. */
export interface InputDeadLetter {
  /** The source: `firehose`, `fluent-bit`, `stdin`. */
  source: string;
  /** The input it came in: a Firehose request id, a body hash, `stdin`. */
  input: string;
  /** Where in the input: `records[3]`, a line number. */
  at: string;
  /** Error code, e.g. `TRUNCATED_GZIP`. */
  code: string;
  reason: string;
  /** The record as received (base64 for Firehose `data`), when there is one. */
  data?: string | undefined;
  /** When it was dead-lettered (ISO 8601). */
  time: string;
}

/** Appends dead letters; `write` resolves once they are on disk. */
export interface InputDeadLetterFile {
  write(letters: readonly InputDeadLetter[]): Promise<void>;
  readonly path: string;
}

/**
 * Creates the appender for `<dir>/input.ndjson`. Appends are serialized.
 *
 * @example
 * ```ts
 * const dlq = createInputDeadLetterFile('./dead-letters');
 * await dlq.write([{ source: 'firehose', input: requestId, at: 'records[0]', code: 'NOT_GZIP', reason, time }]);
 * ```
 */
export function createInputDeadLetterFile(dir: string): InputDeadLetterFile {
  const path = resolve(join(dir, 'input.ndjson'));
  let tail: Promise<void> = Promise.resolve();
  const append = async (text: string): Promise<void> => {
    await mkdir(resolve(dir), { recursive: true });
    const handle = await open(path, 'a');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  return {
    path,
    write(letters) {
      if (letters.length === 0) return Promise.resolve();
      let text = '';
      for (const l of letters) text += `${JSON.stringify(l)}\n`;
      const next = tail.then(() => append(text));
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
