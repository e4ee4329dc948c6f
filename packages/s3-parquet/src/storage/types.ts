/**
 * The contract every lake storage backend (local directory, Amazon S3) fulfils, and the
 * validation of lake keys they share.
 */
import { StorageError } from '../errors.js';
import { S3_MAX_KEY_BYTES } from '../limits.js';

/**
 * One stored file, as {@link LakeStorage.list} reports it.
 *
 * @example
 * ```ts
 * const entry: LakeObject = {
 *   key: 'alb/year=2026/month=01/day=01/hour=00/part-abc.parquet',
 *   size: 1234,
 *   lastModified: Date.UTC(2026, 0, 1, 0, 5),
 * };
 * ```
 */
export interface LakeObject {
  /** Relative lake path, `/`-separated. */
  key: string;
  /** Size in bytes. */
  size: number;
  /**
   * When the file was last written (epoch ms, the storage's clock: file mtime for a local
   * directory, `LastModified` for S3, which has one-second precision). Absent when the
   * backend cannot tell.
   */
  lastModified?: number | undefined;
}

/**
 * Where lake files live. Keys are `/`-separated relative lake paths such as
 * `alb/year=2026/month=01/day=01/hour=00/part-abc.parquet`; every method refuses an invalid
 * key (see {@link validateLakeKey}) with a {@link StorageError} `STORAGE_INVALID_KEY`
 * before any I/O.
 *
 * - `put` is atomic: readers see the old file or the whole new one, never a part. A put of an
 *   existing key replaces it, so a retried batch with deterministic keys overwrites instead of
 *   duplicating.
 * - `list` returns the files whose key starts with `prefix` (a plain string prefix, as in S3),
 *   sorted by key, with their size and (where the backend knows it) last-modified time;
 *   in-flight temporary files are never listed.
 * - `get` rejects with `STORAGE_NOT_FOUND` when there is no such file.
 * - `delete` is idempotent: missing keys are not an error.
 *
 * @example
 * ```ts
 * const storage: LakeStorage = createLocalStorage({ root: '/data/lake' });
 * await storage.put('alb/year=2026/month=01/day=01/hour=00/part-abc.parquet', bytes);
 * const files = await storage.list('alb/year=2026/');
 * ```
 */
export interface LakeStorage {
  /** Write `body` under `key`, replacing any file already there. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** Files whose key starts with `prefix` (`''` for all), sorted by key. */
  list(prefix: string): Promise<LakeObject[]>;
  /** The bytes stored under `key`. */
  get(key: string): Promise<Uint8Array>;
  /** Delete the given keys; keys that do not exist are ignored. */
  delete(keys: string[]): Promise<void>;
  /** A short human-readable location, e.g. `file:///data/lake` or `s3://bucket/prefix/`. */
  describe(): string;
}

/**
 * File names starting with this are temporary (in-flight writes of the local backend); no
 * lake key may have a segment starting with it, and listers and readers skip such files.
 */
export const TEMP_FILE_PREFIX = '.tmp-';

const encoder = new TextEncoder();

/** Why `path` is not a valid key or prefix, or `undefined` when it is. */
function problemOf(path: unknown, isPrefix: boolean): string | undefined {
  if (typeof path !== 'string') return 'must be a string';
  if (path === '') return isPrefix ? undefined : 'must not be empty';
  if (path.startsWith('/')) return "must be relative (no leading '/')";
  if (path.includes('\\')) return "must use '/' as separator (no '\\')";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'must not contain control characters';
  if (encoder.encode(path).length > S3_MAX_KEY_BYTES) {
    return `must be at most ${S3_MAX_KEY_BYTES} bytes of UTF-8`;
  }
  const segments = path.split('/');
  // A prefix may end with '/' (a "directory"), a key may not; the last segment of a prefix may
  // also be partial (e.g. 'alb/year=20'), which is fine.
  const last = segments.length - 1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    if (s === '') {
      if (isPrefix && i === last) continue;
      return 'must not have empty segments';
    }
    if (s === '.' || s === '..') return "must not have '.' or '..' segments";
    if (s.startsWith(TEMP_FILE_PREFIX)) {
      return `must not have segments starting with '${TEMP_FILE_PREFIX}' (reserved for temporary files)`;
    }
  }
  return undefined;
}

/**
 * Check a lake key: a non-empty `/`-separated relative path with no leading `/`, no empty,
 * `.` or `..` segment, no segment starting with `.tmp-`, no `\` or control character, and at
 * most 1,024 bytes of UTF-8 (the S3 key limit). Throws {@link StorageError}
 * `STORAGE_INVALID_KEY` otherwise.
 *
 * @example
 * ```ts
 * validateLakeKey('alb/year=2026/month=01/day=01/hour=00/part-abc.parquet'); // ok
 * validateLakeKey('../etc/passwd'); // throws StorageError (STORAGE_INVALID_KEY)
 * ```
 */
export function validateLakeKey(key: string): void {
  const problem = problemOf(key, false);
  if (problem !== undefined) {
    throw new StorageError(
      'STORAGE_INVALID_KEY',
      `invalid lake key ${JSON.stringify(key)}: ${problem}`,
      {
        key: typeof key === 'string' ? key : undefined,
      },
    );
  }
}

/**
 * Check a list prefix: like {@link validateLakeKey} but `''` (everything) and a trailing `/`
 * are allowed.
 *
 * @example
 * ```ts
 * validateLakePrefix('alb/year=2026/'); // ok
 * validateLakePrefix('/alb'); // throws StorageError (STORAGE_INVALID_KEY)
 * ```
 */
export function validateLakePrefix(prefix: string): void {
  const problem = problemOf(prefix, true);
  if (problem !== undefined) {
    throw new StorageError(
      'STORAGE_INVALID_KEY',
      `invalid lake prefix ${JSON.stringify(prefix)}: ${problem}`,
      { key: typeof prefix === 'string' ? prefix : undefined },
    );
  }
}
