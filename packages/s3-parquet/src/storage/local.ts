/**
 * Lake storage in a local directory: atomic writes (temporary file, fsync, rename).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ConfigError } from '@logpipe/core';
import { StorageError, type StorageErrorCode } from '../errors.js';
import {
  type LakeObject,
  type LakeStorage,
  TEMP_FILE_PREFIX,
  validateLakeKey,
  validateLakePrefix,
} from './types.js';

/**
 * Options of {@link createLocalStorage}.
 *
 * @example
 * ```ts
 * const options: LocalStorageOptions = { root: '/data/lake' };
 * ```
 */
export interface LocalStorageOptions {
  /** Directory that holds the lake; created on the first put. */
  root: string;
}

/** `fs` error codes that are worth trying again later. */
const TRANSIENT_FS_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT']);

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function fail(code: StorageErrorCode, key: string, what: string, cause: unknown): StorageError {
  const errno = errnoOf(cause);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StorageError(code, `${what} ${JSON.stringify(key)}: ${reason}`, {
    key,
    cause,
    attempts: 1,
    retryable: errno !== undefined && TRANSIENT_FS_CODES.has(errno),
  });
}

class LocalStorage implements LakeStorage {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #pathOf(key: string): string {
    return join(this.#root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    validateLakeKey(key);
    if (!(body instanceof Uint8Array)) {
      throw new ConfigError('LocalStorage.put: body must be a Uint8Array');
    }
    const target = this.#pathOf(key);
    const dir = dirname(target);
    // Same directory as the target, so rename() is atomic (same file system); the prefix
    // makes list() and readers skip it; the random part keeps concurrent puts apart.
    const temp = join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
    let created = false;
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx', 0o644);
      created = true;
      try {
        let offset = 0;
        while (offset < body.length) {
          const { bytesWritten } = await handle.write(body, offset, body.length - offset);
          offset += bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      created = false;
      await syncDirectory(dir);
    } catch (error) {
      if (created) await unlink(temp).catch(() => undefined);
      throw fail('STORAGE_WRITE_FAILED', key, 'cannot write', error);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    validateLakeKey(key);
    try {
      const buffer = await readFile(this.#pathOf(key));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === 'ENOENT' || errno === 'EISDIR' || errno === 'ENOTDIR') {
        throw new StorageError('STORAGE_NOT_FOUND', `no lake file ${JSON.stringify(key)}`, {
          key,
          cause: error,
          attempts: 1,
        });
      }
      throw fail('STORAGE_READ_FAILED', key, 'cannot read', error);
    }
  }

  async list(prefix: string): Promise<LakeObject[]> {
    validateLakePrefix(prefix);
    // Walk only the deepest directory the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const out: LakeObject[] = [];
    try {
      await this.#walk(base, prefix, out);
    } catch (error) {
      throw fail('STORAGE_LIST_FAILED', prefix, 'cannot list', error);
    }
    // S3 order (UTF-8 byte order equals code point order; plain `<` is UTF-16 order, which
    // differs only for astral characters, so compare code points).
    return out.sort((a, b) => compareCodePoints(a.key, b.key));
  }

  async #walk(relDir: string, prefix: string, out: LakeObject[]): Promise<void> {
    const dir = relDir === '' ? this.#root : this.#pathOf(relDir.slice(0, -1));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_FILE_PREFIX)) continue;
      const key = `${relDir}${entry.name}`;
      if (entry.isDirectory()) {
        const asDir = `${key}/`;
        // Descend only where keys under this directory can still match the prefix.
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) {
          await this.#walk(asDir, prefix, out);
        }
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          const info = await stat(join(dir, entry.name));
          out.push({ key, size: info.size, lastModified: Math.trunc(info.mtimeMs) });
        } catch (error) {
          // Deleted between readdir and stat: not there any more, so not listed.
          if (errnoOf(error) !== 'ENOENT') throw error;
        }
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new ConfigError('LocalStorage.delete: keys must be an array');
    for (const key of keys) validateLakeKey(key);
    for (const key of keys) {
      try {
        await unlink(this.#pathOf(key));
      } catch (error) {
        if (errnoOf(error) === 'ENOENT') continue;
        throw fail('STORAGE_DELETE_FAILED', key, 'cannot delete', error);
      }
    }
    // Empty directories are left in place: removing them could race a concurrent put that
    // has just created its directory and not yet its temporary file.
  }

  describe(): string {
    return `file://${this.#root.split(sep).join('/')}`;
  }
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Make a rename durable by syncing its directory (best effort: not every platform allows it). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open directories; some file systems refuse fsync on them.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Lake storage in a local directory. Puts are atomic: the body goes to a temporary file
 * (`.tmp-…`) in the target's directory, is fsynced, then renamed over the target, so a reader
 * sees the old file or the whole new one, and a crash leaves at most a `.tmp-` file that
 * `list` never reports. Directories are created as needed. Throws {@link ConfigError} for an
 * invalid `root`.
 *
 * @example
 * ```ts
 * const storage = createLocalStorage({ root: '/data/lake' });
 * await storage.put('alb/year=2026/month=01/day=01/hour=00/part-abc.parquet', bytes);
 * for (const { key, size } of await storage.list('alb/')) console.log(key, size);
 * ```
 */
export function createLocalStorage(options: LocalStorageOptions): LakeStorage {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createLocalStorage: options are required');
  }
  if (typeof options.root !== 'string' || options.root === '') {
    throw new ConfigError('createLocalStorage: root must be a non-empty string');
  }
  return new LocalStorage(resolve(options.root));
}
