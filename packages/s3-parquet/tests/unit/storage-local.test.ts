import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@logpipe/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { createLocalStorage } from '../../src/storage/local.js';
import type { LakeStorage } from '../../src/storage/types.js';

const KEY = 'alb/year=2026/month=01/day=01/hour=00/part-abc.parquet';
const DIR = 'alb/year=2026/month=01/day=01/hour=00';

/** Every file name under `dir`, recursively, relative and `/`-separated. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StorageError.isInstance(error)).toBe(true);
  expect((error as StorageError).code).toBe(code);
  return error as StorageError;
}

describe('createLocalStorage', () => {
  let root: string;
  let storage: LakeStorage;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'logpipe-local-'));
    storage = createLocalStorage({ root });
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates partition directories and reads back exactly the bytes it wrote', async () => {
    const body = new Uint8Array([0, 1, 2, 250, 255]);
    await storage.put(KEY, body);
    expect(await storage.get(KEY)).toEqual(body);
    expect(allFiles(root)).toEqual([KEY]);
  });

  it('overwrites an existing key in place, leaving one file with the new content', async () => {
    await storage.put(KEY, new TextEncoder().encode('first version, longer than the second'));
    await storage.put(KEY, new TextEncoder().encode('second'));
    expect(new TextDecoder().decode(await storage.get(KEY))).toBe('second');
    expect(await storage.list('')).toMatchObject([{ key: KEY, size: 6 }]);
    expect(allFiles(root)).toEqual([KEY]);
  });

  it('never lets a reader see a mix or a truncation of two overwriting puts', async () => {
    const size = 4 * 1024 * 1024;
    const a = new Uint8Array(size).fill(0xaa);
    const b = new Uint8Array(size).fill(0xbb);
    await storage.put(KEY, a);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await storage.put(KEY, i % 2 === 0 ? b : a);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await storage.get(KEY);
      expect(got.length).toBe(size);
      const first = got[0];
      expect(first === 0xaa || first === 0xbb).toBe(true);
      // Whole file is one version: first and last byte agree and no byte differs.
      expect(got.every((x) => x === first)).toBe(true);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect(allFiles(root)).toEqual([KEY]);
  });

  it('leaves no temporary file behind after concurrent puts to the same key', async () => {
    const bodies = Array.from({ length: 16 }, (_, i) => new Uint8Array(1000 + i).fill(i));
    await Promise.all(bodies.map((body) => storage.put(KEY, body)));
    expect(allFiles(root)).toEqual([KEY]);
    const got = await storage.get(KEY);
    // Last rename wins; whichever it was, the file is one whole body.
    expect(got.length - 1000).toBe(got[0]);
  });

  it('does not list temporary files left by a crashed writer', async () => {
    await storage.put(KEY, new Uint8Array([1]));
    writeFileSync(join(root, DIR, '.tmp-deadbeef'), 'half a file');
    mkdirSync(join(root, 'alb', '.tmp-dir'), { recursive: true });
    writeFileSync(join(root, 'alb', '.tmp-dir', 'x.parquet'), 'x');
    expect(await storage.list('')).toMatchObject([{ key: KEY, size: 1 }]);
    expect(await storage.list(`${DIR}/`)).toMatchObject([{ key: KEY, size: 1 }]);
  });

  it('lists by plain string prefix, sorted by key, with sizes', async () => {
    const keys = [
      'vpc_flow/year=2026/month=01/day=01/hour=00/part-1.parquet',
      'alb/year=2026/month=01/day=02/hour=00/part-1.parquet',
      'alb/year=2026/month=01/day=01/hour=23/part-1.parquet',
      'alb/year=2025/month=12/day=31/hour=23/part-1.parquet',
    ];
    for (const [i, key] of keys.entries()) await storage.put(key, new Uint8Array(i + 1));
    expect(await storage.list('alb/year=2026/')).toMatchObject([
      { key: 'alb/year=2026/month=01/day=01/hour=23/part-1.parquet', size: 3 },
      { key: 'alb/year=2026/month=01/day=02/hour=00/part-1.parquet', size: 2 },
    ]);
    // A partial last segment matches like an S3 prefix.
    expect((await storage.list('alb/year=202')).map((o) => o.key)).toEqual([
      'alb/year=2025/month=12/day=31/hour=23/part-1.parquet',
      'alb/year=2026/month=01/day=01/hour=23/part-1.parquet',
      'alb/year=2026/month=01/day=02/hour=00/part-1.parquet',
    ]);
    expect((await storage.list('')).map((o) => o.key)).toEqual([...keys].sort());
    expect(await storage.list('cloudtrail/')).toEqual([]);
  });

  it("reports each file's last-modified time as the file system's mtime in epoch ms", async () => {
    const before = Date.now();
    await storage.put(KEY, new Uint8Array([1]));
    const after = Date.now();
    const [entry] = await storage.list('');
    expect(entry?.lastModified).toBe(Math.trunc(statSync(join(root, KEY)).mtimeMs));
    // mtime comes from the kernel's coarse clock: allow it a little slack around the put.
    expect(entry?.lastModified).toBeGreaterThanOrEqual(before - 50);
    expect(entry?.lastModified).toBeLessThanOrEqual(after + 50);
    utimesSync(join(root, KEY), new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 1)));
    expect((await storage.list(''))[0]?.lastModified).toBe(Date.UTC(2026, 0, 1));
  });

  it('returns an empty list when the root does not exist yet', async () => {
    const fresh = createLocalStorage({ root: join(root, 'not-yet') });
    expect(await fresh.list('')).toEqual([]);
  });

  it('deletes the given keys and ignores keys that do not exist', async () => {
    await storage.put(KEY, new Uint8Array([1]));
    await storage.put(`${DIR}/part-2.parquet`, new Uint8Array([2]));
    await storage.delete([KEY, `${DIR}/missing.parquet`]);
    expect((await storage.list('')).map((o) => o.key)).toEqual([`${DIR}/part-2.parquet`]);
    await expectCode(storage.get(KEY), 'STORAGE_NOT_FOUND');
  });

  it('rejects a get of a missing key with STORAGE_NOT_FOUND, not retryable', async () => {
    const error = await expectCode(storage.get(KEY), 'STORAGE_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(error.key).toBe(KEY);
  });

  it.each([
    ['empty', ''],
    ['absolute', `/${KEY}`],
    ['parent segment', `alb/../../etc/passwd`],
    ['dot segment', `alb/./x.parquet`],
    ['empty segment', 'alb//x.parquet'],
    ['trailing slash', 'alb/'],
    ['backslash', 'alb\\x.parquet'],
    ['control character', 'alb/x\u0000.parquet'],
    ['temporary-file name', `${DIR}/.tmp-abc`],
    ['over 1024 bytes', `alb/${'é'.repeat(520)}`],
  ])('refuses an invalid key (%s) before touching the disk', async (_name, key) => {
    await expectCode(storage.put(key, new Uint8Array([1])), 'STORAGE_INVALID_KEY');
    await expectCode(storage.get(key), 'STORAGE_INVALID_KEY');
    await expectCode(storage.delete([key]), 'STORAGE_INVALID_KEY');
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses the whole delete when any key is invalid, deleting nothing', async () => {
    await storage.put(KEY, new Uint8Array([1]));
    await expectCode(storage.delete([KEY, '../x']), 'STORAGE_INVALID_KEY');
    expect(await storage.list('')).toMatchObject([{ key: KEY, size: 1 }]);
  });

  it('refuses list prefixes that escape the lake but accepts a trailing slash', async () => {
    await expectCode(storage.list('../'), 'STORAGE_INVALID_KEY');
    await expectCode(storage.list('/alb'), 'STORAGE_INVALID_KEY');
    await expect(storage.list('alb/')).resolves.toEqual([]);
  });

  it('reports a write into a path blocked by a file as STORAGE_WRITE_FAILED and leaves no temp file', async () => {
    writeFileSync(join(root, 'alb'), 'a file where a directory should be');
    const error = await expectCode(storage.put(KEY, new Uint8Array([1])), 'STORAGE_WRITE_FAILED');
    expect(error.cause).toBeInstanceOf(Error);
    expect(allFiles(root)).toEqual(['alb']);
  });

  it('describes itself as a file URL of its root', () => {
    expect(storage.describe()).toBe(`file://${root}`);
  });

  it('throws ConfigError for a missing root', () => {
    expect(() => createLocalStorage({ root: '' })).toThrow(ConfigError);
    expect(() => createLocalStorage(undefined as never)).toThrow(ConfigError);
  });
});
