import { randomBytes } from 'node:crypto';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { ConfigError } from '@logpipe/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { createS3Storage, type S3StorageOptions } from '../../src/storage/s3.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const MiB = 1024 * 1024;
const DIR = 'alb/year=2026/month=01/day=01/hour=00';
const KEY = `${DIR}/part-abc.parquet`;

let server: S3TestServer;
/** Delays the storage asked to sleep; nothing actually waits. */
let sleeps: number[];
/** Each test writes under its own prefix so tests do not see each other's objects. */
let prefix: string;
let testNo = 0;

function storageWith(options: Partial<S3StorageOptions> = {}) {
  return createS3Storage({
    client: server.client,
    bucket: server.bucket,
    prefix,
    baseDelayMs: 10,
    maxDelayMs: 100,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StorageError.isInstance(error)).toBe(true);
  return error as StorageError;
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await server.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return false;
    }
    throw error;
  }
}

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.reset();
  sleeps = [];
  prefix = `t${++testNo}/`;
});

describe('createS3Storage against a real S3-protocol server', () => {
  it('puts a small body with one PutObject and reads the same bytes back', async () => {
    const storage = storageWith();
    const body = randomBytes(1000);
    await storage.put(KEY, body);
    expect(Buffer.from(await storage.get(KEY)).equals(body)).toBe(true);
    expect(server.requests('PutObject')).toHaveLength(1);
    expect(server.requests('CreateMultipartUpload')).toHaveLength(0);
    expect(server.requests('PutObject')[0]?.path).toBe(`/${server.bucket}/${prefix}${KEY}`);
    expect(await storage.list('')).toMatchObject([{ key: KEY, size: 1000 }]);
    expect(storage.describe()).toBe(`s3://${server.bucket}/${prefix}`);
  });

  it("reports each object's LastModified as lastModified in epoch ms", async () => {
    const storage = storageWith();
    const before = Date.now();
    await storage.put(KEY, new Uint8Array([1]));
    const after = Date.now();
    const [entry] = await storage.list('');
    expect(typeof entry?.lastModified).toBe('number');
    // S3 (and s3rver) may truncate LastModified to whole seconds.
    expect(entry?.lastModified).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(entry?.lastModified).toBeLessThanOrEqual(after);
  });

  it('overwrites an existing key, so a retried batch with the same key does not duplicate', async () => {
    const storage = storageWith();
    await storage.put(KEY, new Uint8Array([1, 2, 3]));
    await storage.put(KEY, new Uint8Array([4, 5]));
    expect(await storage.get(KEY)).toEqual(new Uint8Array([4, 5]));
    expect(await storage.list('')).toMatchObject([{ key: KEY, size: 2 }]);
  });

  it('uploads a body above the threshold in parts and reads back identical bytes', async () => {
    const storage = storageWith({ multipartThresholdBytes: 16 * MiB, partSizeBytes: 5 * MiB });
    const body = randomBytes(20 * MiB + 123);
    await storage.put(KEY, body);
    const parts = server.requests('UploadPart');
    expect(server.requests('PutObject')).toHaveLength(0);
    expect(server.requests('CreateMultipartUpload')).toHaveLength(1);
    expect(parts.map((r) => Number(r.query.get('partNumber')))).toEqual([1, 2, 3, 4, 5]);
    expect(parts.map((r) => Number(r.headers['content-length']))).toEqual([
      5 * MiB,
      5 * MiB,
      5 * MiB,
      5 * MiB,
      123,
    ]);
    expect(server.requests('CompleteMultipartUpload')).toHaveLength(1);
    expect(Buffer.from(await storage.get(KEY)).equals(body)).toBe(true);
    expect(await storage.list('')).toMatchObject([{ key: KEY, size: body.length }]);
  });

  it('keeps a body exactly at the threshold in a single PutObject', async () => {
    const storage = storageWith({ multipartThresholdBytes: 6 * MiB, partSizeBytes: 5 * MiB });
    await storage.put(KEY, randomBytes(6 * MiB));
    expect(server.requests('PutObject')).toHaveLength(1);
    expect(server.requests('CreateMultipartUpload')).toHaveLength(0);
  });

  it('retries a PutObject answered 503 SlowDown and then succeeds', async () => {
    const storage = storageWith({ maxAttempts: 5 });
    server.inject({ operation: 'PutObject', fault: 'slowDown', times: 2 });
    const body = randomBytes(100);
    await storage.put(KEY, body);
    const puts = server.requests('PutObject');
    expect(puts.map((r) => r.status)).toEqual([503, 503, 200]);
    // Full jitter: random() × min(maxDelay, base × 2^(n-1)) with random() = 0.5.
    expect(sleeps).toEqual([5, 10]);
    expect(Buffer.from(await storage.get(KEY)).equals(body)).toBe(true);
  });

  it('retries a 500 InternalError on get', async () => {
    const storage = storageWith();
    await storage.put(KEY, new Uint8Array([9]));
    server.inject({ operation: 'GetObject', fault: 'internalError' });
    expect(await storage.get(KEY)).toEqual(new Uint8Array([9]));
    expect(server.requests('GetObject').map((r) => r.status)).toEqual([500, 200]);
  });

  it('does not retry AccessDenied and rejects with a non-retryable StorageError', async () => {
    const storage = storageWith({ maxAttempts: 5 });
    server.inject({
      operation: 'PutObject',
      fault: 'accessDenied',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejection(storage.put(KEY, new Uint8Array([1])));
    expect(error.code).toBe('STORAGE_WRITE_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('AccessDenied');
    expect(server.requests('PutObject')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries an UploadPart whose connection was dropped mid-request', async () => {
    const storage = storageWith({ multipartThresholdBytes: 16 * MiB, partSizeBytes: 5 * MiB });
    server.inject({
      operation: 'UploadPart',
      fault: 'dropConnection',
      match: (r) => r.query.get('partNumber') === '2',
    });
    const body = randomBytes(17 * MiB);
    await storage.put(KEY, body);
    const parts = server.requests('UploadPart');
    expect(parts.map((r) => [r.query.get('partNumber'), r.fault ?? r.status])).toEqual([
      ['1', 200],
      ['2', 'dropConnection'],
      ['2', 200],
      ['3', 200],
      ['4', 200],
    ]);
    expect(sleeps).toHaveLength(1);
    expect(Buffer.from(await storage.get(KEY)).equals(body)).toBe(true);
  });

  it('aborts the multipart upload when a part fails for good, leaving no upload and no object', async () => {
    const storage = storageWith({
      multipartThresholdBytes: 16 * MiB,
      partSizeBytes: 5 * MiB,
      maxAttempts: 3,
    });
    server.inject({
      operation: 'UploadPart',
      fault: 'slowDown',
      match: (r) => r.query.get('partNumber') === '2',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await rejection(storage.put(KEY, randomBytes(17 * MiB)));
    expect(error.code).toBe('STORAGE_WRITE_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(error.key).toBe(KEY);
    expect(error.message).toContain('SlowDown');
    // Part 2 tried maxAttempts times, later parts never sent, the upload aborted.
    expect(server.requests('UploadPart').map((r) => r.query.get('partNumber'))).toEqual([
      '1',
      '2',
      '2',
      '2',
    ]);
    expect(server.requests('CompleteMultipartUpload')).toHaveLength(0);
    const aborts = server.requests('AbortMultipartUpload');
    expect(aborts).toHaveLength(1);
    expect(aborts[0]?.status).toBe(204);
    expect(aborts[0]?.query.get('uploadId')).toBe(
      server.requests('UploadPart')[0]?.query.get('uploadId'),
    );
    const uploads = await server.client.send(
      new ListMultipartUploadsCommand({ Bucket: server.bucket }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await objectExists(`${prefix}${KEY}`)).toBe(false);
    expect(await storage.list('')).toEqual([]);
  });

  it('aborts the multipart upload when CompleteMultipartUpload fails for good', async () => {
    const storage = storageWith({
      multipartThresholdBytes: 6 * MiB,
      partSizeBytes: 5 * MiB,
      maxAttempts: 2,
    });
    server.inject({ operation: 'CompleteMultipartUpload', fault: 'internalError', times: 2 });
    const error = await rejection(storage.put(KEY, randomBytes(7 * MiB)));
    expect(error.code).toBe('STORAGE_WRITE_FAILED');
    expect(server.requests('CompleteMultipartUpload')).toHaveLength(2);
    expect(server.requests('AbortMultipartUpload').map((r) => r.status)).toEqual([204]);
    const uploads = await server.client.send(
      new ListMultipartUploadsCommand({ Bucket: server.bucket }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await objectExists(`${prefix}${KEY}`)).toBe(false);
  });

  it('follows continuation tokens to list more than 1000 keys', async () => {
    const storage = storageWith();
    const keys = Array.from(
      { length: 1050 },
      (_, i) => `${DIR}/part-${String(i).padStart(5, '0')}.parquet`,
    );
    // Seed straight through the client, a few at a time.
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((key) =>
          server.client.send(
            new PutObjectCommand({
              Bucket: server.bucket,
              Key: `${prefix}${key}`,
              Body: new Uint8Array([1, 2]),
            }),
          ),
        ),
      );
    }
    server.reset();
    const listed = await storage.list('alb/');
    expect(listed).toHaveLength(1050);
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.every((o) => o.size === 2)).toBe(true);
    const pages = server.requests('ListObjectsV2');
    expect(pages).toHaveLength(2);
    expect(pages[0]?.query.get('continuation-token')).toBeNull();
    expect(pages[1]?.query.get('continuation-token')).toBeTruthy();

    // A smaller page size gives more pages and the same result.
    server.reset();
    const small = storageWith({ listPageSize: 400 });
    expect((await small.list('alb/')).map((o) => o.key)).toEqual(keys);
    expect(server.requests('ListObjectsV2').map((r) => r.query.get('max-keys'))).toEqual([
      '400',
      '400',
      '400',
    ]);

    // Deleting them all takes DeleteObjects calls of at most 1000 keys. One object stays in the
    // directory: s3rver deletes the keys of one call concurrently and then removes directories
    // that became empty, racing with itself (ENOENT → 500), which the storage would retry.
    await storage.put(`${DIR}/_keep`, new Uint8Array([3]));
    server.reset();
    await storage.delete(keys);
    const deletes = server.requests('DeleteObjects');
    expect(deletes.map((r) => (r.body?.match(/<Object>/g) ?? []).length)).toEqual([1000, 50]);
    expect(deletes.map((r) => r.status)).toEqual([200, 200]);
    expect((await storage.list('')).map((o) => o.key)).toEqual([`${DIR}/_keep`]);
    const direct = await server.client.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }),
    );
    expect(direct.KeyCount ?? 0).toBe(1);
  }, 60_000);

  it('retries a DeleteObjects call answered 503 SlowDown', async () => {
    const storage = storageWith();
    await storage.put(KEY, new Uint8Array([1]));
    server.inject({ operation: 'DeleteObjects', fault: 'slowDown' });
    await storage.delete([KEY, `${DIR}/never-existed.parquet`]);
    expect(server.requests('DeleteObjects').map((r) => r.status)).toEqual([503, 200]);
    expect(await storage.list('')).toEqual([]);
  });

  it('sends server-side encryption and storage class with PutObject and CreateMultipartUpload', async () => {
    const storage = storageWith({
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'alias/lake',
      storageClass: 'STANDARD_IA',
      multipartThresholdBytes: 6 * MiB,
      partSizeBytes: 5 * MiB,
    });
    await storage.put(KEY, new Uint8Array([1]));
    await storage.put(`${DIR}/big.parquet`, randomBytes(7 * MiB));
    for (const r of [
      ...server.requests('PutObject'),
      ...server.requests('CreateMultipartUpload'),
    ]) {
      expect(r.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(r.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/lake');
      expect(r.headers['x-amz-storage-class']).toBe('STANDARD_IA');
    }
    expect(server.requests('PutObject')).toHaveLength(1);
    expect(server.requests('CreateMultipartUpload')).toHaveLength(1);

    server.reset();
    const aes = storageWith({ serverSideEncryption: 'AES256' });
    await aes.put(KEY, new Uint8Array([2]));
    const put = server.requests('PutObject')[0];
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
    expect(put?.headers['x-amz-storage-class']).toBeUndefined();
  });

  it('rejects a get of a missing key with STORAGE_NOT_FOUND without retrying', async () => {
    const storage = storageWith();
    const error = await rejection(storage.get(KEY));
    expect(error.code).toBe('STORAGE_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(server.requests('GetObject')).toHaveLength(1);
  });

  it('refuses invalid keys before sending anything', async () => {
    const storage = storageWith();
    for (const key of ['', '/abs', 'a//b', 'a/../b', 'a/', `${DIR}/.tmp-x`]) {
      expect((await rejection(storage.put(key, new Uint8Array(1)))).code).toBe(
        'STORAGE_INVALID_KEY',
      );
      expect((await rejection(storage.get(key))).code).toBe('STORAGE_INVALID_KEY');
    }
    expect((await rejection(storage.delete([KEY, '../x']))).code).toBe('STORAGE_INVALID_KEY');
    expect((await rejection(storage.list('/x'))).code).toBe('STORAGE_INVALID_KEY');
    expect(server.log).toEqual([]);
  });

  it('throws ConfigError for invalid options at construction', () => {
    expect(() => storageWith({ partSizeBytes: 4 * MiB })).toThrow(ConfigError);
    expect(() => storageWith({ multipartThresholdBytes: 6 * 1024 * MiB })).toThrow(ConfigError);
    expect(() => storageWith({ maxAttempts: 0 })).toThrow(ConfigError);
    expect(() => storageWith({ bucket: '' })).toThrow(ConfigError);
    expect(() => storageWith({ kmsKeyId: 'alias/x' })).toThrow(ConfigError);
    expect(() => storageWith({ serverSideEncryption: 'rot13' as never })).toThrow(ConfigError);
    expect(() => storageWith({ prefix: '/abs' })).toThrow(ConfigError);
    expect(() => storageWith({ listPageSize: 1001 })).toThrow(ConfigError);
    expect(() => storageWith({ client: {} as never })).toThrow(ConfigError);
  });

  it('adds the missing slash to a prefix', () => {
    expect(storageWith({ prefix: 'lake' }).describe()).toBe(`s3://${server.bucket}/lake/`);
  });
});
