import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import type { MetricRecord } from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3DeadLetterSink, type DeadLetter } from '../../src/dead-letter.js';
import { createTimestreamWriter } from '../../src/timestream/writer.js';

/** A minimal S3 PutObject endpoint on loopback (path-style), keeping what it was given. */
interface Put {
  path: string;
  contentType: string | undefined;
  body: string;
}
let s3: Server;
let url: string;
const puts: Put[] = [];

/** Undoes `aws-chunked` content encoding (the SDK's streaming checksums), if used. */
function decodeBody(raw: Buffer, encoding: string | undefined): string {
  if (encoding?.includes('aws-chunked') !== true) return raw.toString('utf8');
  let text = raw.toString('latin1');
  let out = '';
  for (;;) {
    const eol = text.indexOf('\r\n');
    const size = Number.parseInt(text.slice(0, eol).split(';')[0] ?? '0', 16);
    if (!(size > 0)) break;
    out += text.slice(eol + 2, eol + 2 + size);
    text = text.slice(eol + 2 + size + 2);
  }
  return Buffer.from(out, 'latin1').toString('utf8');
}

beforeAll(async () => {
  s3 = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'PUT' || req.headers.authorization === undefined) {
        res.statusCode = 403;
        res.end('<Error><Code>AccessDenied</Code></Error>');
        return;
      }
      puts.push({
        path: decodeURIComponent(req.url ?? ''),
        contentType: req.headers['content-type'],
        body: decodeBody(Buffer.concat(chunks), req.headers['content-encoding']),
      });
      res.setHeader('ETag', '"d41d8cd98f00b204e9800998ecf8427e"');
      res.end();
    });
  });
  await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => s3.close(() => resolve())));

const NOW = Date.UTC(2026, 0, 1, 12, 30);

describe('createS3DeadLetterSink', () => {
  it('puts each batch of letters as one NDJSON object under a dated key, record and reason kept', async () => {
    puts.length = 0;
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDLOGPIPETEST', secretAccessKey: 'not-a-secret' },
    });
    const sink = createS3DeadLetterSink({
      client,
      bucket: 'dlq',
      prefix: 'metrics/',
      now: () => NOW,
    });
    expect(sink.describe()).toBe('s3://dlq/metrics/');

    // The writer dead-letters two invalid records through it, without any Timestream call.
    const writer = createTimestreamWriter({
      client: {
        send: () => Promise.reject(new Error('Timestream must not be called')),
      },
      database: 'logpipe',
      table: 'metrics',
      deadLetters: sink,
      now: () => NOW,
    });
    const bad: MetricRecord[] = [
      { time: NOW, measureName: 'MyApp', dimensions: {}, measures: { x: { value: Number.NaN } } },
      { time: NOW, measureName: 'measure_name', dimensions: {}, measures: { x: { value: 1 } } },
    ];
    const summary = await writer.write(bad);
    expect(summary.deadLettered).toBe(2);

    expect(puts).toHaveLength(1);
    expect(puts[0]?.path).toMatch(
      /^\/dlq\/metrics\/timestream\/2026\/01\/01\/12\/\d+-1-[0-9a-f-]{36}\.ndjson/,
    );
    expect(puts[0]?.contentType).toBe('application/x-ndjson');
    const letters = puts[0]!.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DeadLetter);
    expect(letters.map((l) => l.code)).toEqual(['INVALID_MEASURE_VALUE', 'INVALID_MEASURE_NAME']);
    expect(letters[1]?.record).toEqual(bad[1]);
    expect(letters[1]?.reason).toMatch(/"measure_name" is reserved/);
    client.destroy();
  });

  it('refuses to be built without a client or a bucket', () => {
    expect(() =>
      createS3DeadLetterSink({ client: { send: async () => ({}) }, bucket: '' }),
    ).toThrow(/bucket must be a non-empty string/);
  });
});
