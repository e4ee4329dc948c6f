import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '@logpipe/core';
import { createLocalStorage, createS3Storage, type LakeStorage } from '@logpipe/s3-parquet';

/**
 * The storage behind a `--lake` value: `s3://bucket/prefix` for Amazon S3 (credentials and
 * region from the usual AWS environment; `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` for an
 * S3-compatible server, addressed path-style), anything else a local directory.
 *
 * @example
 * ```ts
 * const storage = lakeStorage('s3://my-bucket/lake/');
 * const local = lakeStorage('./lake');
 * ```
 * @throws ConfigError for an `s3://` value without a bucket.
 */
export function lakeStorage(location: string, env: NodeJS.ProcessEnv = process.env): LakeStorage {
  if (!location.startsWith('s3://')) return createLocalStorage({ root: resolve(location) });
  const rest = location.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw new ConfigError(`--lake ${location}: no bucket after s3://`);
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  // maxAttempts 1: the storage retries each call itself; SDK retries would multiply them.
  const client = new S3Client(
    endpoint === undefined
      ? { maxAttempts: 1 }
      : { endpoint, forcePathStyle: true, maxAttempts: 1 },
  );
  return createS3Storage({ client, bucket, prefix });
}
