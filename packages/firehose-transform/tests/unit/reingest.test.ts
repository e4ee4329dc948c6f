import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { ConfigError, LogpipeError } from '@logpipe/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReingestError } from '../../src/errors.js';
import {
  FIREHOSE_MAX_RECORD_BYTES,
  FIREHOSE_PUT_BATCH_MAX_BYTES,
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_PUT_RECORDS_MAX_BYTES,
} from '../../src/limits.js';
import {
  type ReingestEntry,
  type ReingestOptions,
  type ReingestTarget,
  reingest,
} from '../../src/reingest.js';
import { type FakeAwsServer, startAwsServer } from '../support/aws-server.js';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/logs';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' };

let aws: FakeAwsServer;
let firehose: FirehoseClient;
let kinesis: KinesisClient;

beforeAll(async () => {
  aws = await startAwsServer();
  // maxAttempts: 1 so the SDK does not retry and reingest's own retry logic is what is tested.
  const config = { endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1 };
  firehose = new FirehoseClient(config);
  kinesis = new KinesisClient(config);
});

afterEach(() => aws.reset());

afterAll(async () => {
  firehose.destroy();
  kinesis.destroy();
  await aws.close();
  await aws.close();
});

function toFirehose(client = firehose): ReingestTarget {
  return { kind: 'firehose', client, deliveryStreamName: 'logs' };
}

function toKinesis(): ReingestTarget {
  return { kind: 'kinesis', client: kinesis, streamArn: STREAM_ARN };
}

/** Options whose sleep records the delays instead of waiting. */
function recording(extra: ReingestOptions = {}): ReingestOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    sleep: async (ms) => {
      delays.push(ms);
    },
    delays,
    ...extra,
  };
}

/** `n` small entries: data `e<i>`, record id `r<i>`. */
function smallEntries(n: number): ReingestEntry[] {
  return Array.from({ length: n }, (_, i) => ({ data: Buffer.from(`e${i}`), recordId: `r${i}` }));
}

/** An entry of exactly `bytes` bytes, its content tagged by `tag`. */
function sized(tag: string, bytes: number, partitionKey?: string): ReingestEntry {
  const data = Buffer.alloc(bytes, 0x61);
  data.write(tag);
  return { data, recordId: tag, partitionKey };
}

/** The data of accepted records as text. */
function texts(records: ReadonlyArray<{ data: Buffer }>): string[] {
  return records.map((r) => r.data.toString());
}

/** The records of one call as text. */
function sent(data: readonly Buffer[] | undefined): string[] {
  return (data ?? []).map((d) => d.toString());
}

function occurrences(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('re-ingesting into Firehose with PutRecordBatch', () => {
  it('delivers every entry exactly once, in order, in one call', async () => {
    const entries = smallEntries(10);
    const outcome = await reingest(entries, toFirehose(), recording());

    expect(outcome).toMatchObject({ entriesSent: 10, calls: 1, retries: 0, error: undefined });
    expect(outcome.failedRecordIds.size).toBe(0);
    expect(outcome.lastErrors.size).toBe(0);
    expect(texts(aws.firehoseRecords)).toEqual(entries.map((e) => Buffer.from(e.data).toString()));
    expect(aws.firehoseRecords.every((r) => r.stream === 'logs')).toBe(true);
  });

  it('makes no call for no entries', async () => {
    const outcome = await reingest([], toFirehose());
    expect(outcome).toMatchObject({ entriesSent: 0, calls: 0, retries: 0 });
    expect(aws.callCount()).toBe(0);
  });

  it('splits 1,200 small entries into calls of 500, 500 and 200, keeping their order', async () => {
    const entries = smallEntries(1200);
    const outcome = await reingest(entries, toFirehose(), recording());

    expect(outcome).toMatchObject({ entriesSent: 1200, calls: 3, retries: 0 });
    expect(aws.calls.map((c) => c.data.length)).toEqual([500, 500, 200]);
    expect(texts(aws.firehoseRecords)).toEqual(entries.map((e) => Buffer.from(e.data).toString()));
  });

  it('fills a call up to exactly 4 MiB of data and starts a new one a byte later', async () => {
    const rest = FIREHOSE_PUT_BATCH_MAX_BYTES - 4 * 1_000_000;
    const four = ['a', 'b', 'c', 'd'].map((t) => sized(t, 1_000_000));

    const exact = await reingest([...four, sized('e', rest)], toFirehose(), recording());
    expect(exact.calls).toBe(1);
    expect(aws.calls[0]?.data.length).toBe(5);

    aws.reset();
    const over = await reingest([...four, sized('e', rest + 1)], toFirehose(), recording());
    expect(over).toMatchObject({ calls: 2, entriesSent: 5 });
    expect(aws.calls.map((c) => c.data.length)).toEqual([4, 1]);
    expect(aws.calls.every((c) => c.status === 200)).toBe(true);
  });

  it('fails an entry over 1,000 KiB without sending it and sends the rest', async () => {
    const entries = [
      sized('small-1', 10),
      sized('too-big', FIREHOSE_MAX_RECORD_BYTES + 1),
      sized('at-limit', FIREHOSE_MAX_RECORD_BYTES),
    ];
    const outcome = await reingest(entries, toFirehose(), recording());

    expect(outcome).toMatchObject({ calls: 1, entriesSent: 2 });
    expect([...outcome.failedRecordIds]).toEqual(['too-big']);
    expect(outcome.lastErrors.get('too-big')).toMatch(/^RecordTooLarge: 1024001 bytes/);
    expect(aws.firehoseRecords.map((r) => r.data.length)).toEqual([10, FIREHOSE_MAX_RECORD_BYTES]);
    expect(outcome.error).toBeInstanceOf(ReingestError);
    expect(outcome.error?.code).toBe('REINGEST_FAILED');
  });

  it('makes no call when the only entry is oversized', async () => {
    const outcome = await reingest(
      [sized('huge', FIREHOSE_MAX_RECORD_BYTES + 1)],
      toFirehose(),
      recording(),
    );
    expect(outcome.calls).toBe(0);
    expect(outcome.failedRecordIds).toEqual(new Set(['huge']));
    expect(aws.callCount()).toBe(0);
  });

  it('re-sends only the failed entries of a partial failure', async () => {
    aws.failEntries({ service: 'firehose', indexes: [1, 4], times: 1 });
    const entries = smallEntries(6);
    const options = recording();
    const outcome = await reingest(entries, toFirehose(), options);

    expect(outcome).toMatchObject({ entriesSent: 6, calls: 2, retries: 1 });
    expect(outcome.failedRecordIds.size).toBe(0);
    expect(aws.calls[0]?.failedEntries).toBe(2);
    expect(sent(aws.calls[1]?.data)).toEqual(['e1', 'e4']);
    const delivered = texts(aws.firehoseRecords);
    expect(delivered).toEqual(['e0', 'e2', 'e3', 'e5', 'e1', 'e4']);
    expect([...occurrences(delivered).values()].every((n) => n === 1)).toBe(true);
    expect(options.delays).toHaveLength(1);
  });

  it('gives up after maxAttempts on an entry that keeps failing and reports its last error', async () => {
    aws.failEntries({
      service: 'firehose',
      match: (data) => data.toString() === 'e2',
      message: 'Slow down.',
    });
    const outcome = await reingest(smallEntries(4), toFirehose(), recording({ maxAttempts: 3 }));

    expect(outcome).toMatchObject({ entriesSent: 3, calls: 3, retries: 2 });
    expect(outcome.failedRecordIds).toEqual(new Set(['r2']));
    expect(outcome.lastErrors).toEqual(
      new Map([['r2', 'ServiceUnavailableException: Slow down.']]),
    );
    expect(aws.calls.map((c) => sent(c.data))).toEqual([['e0', 'e1', 'e2', 'e3'], ['e2'], ['e2']]);
    expect(occurrences(texts(aws.firehoseRecords))).toEqual(
      new Map([
        ['e0', 1],
        ['e1', 1],
        ['e3', 1],
      ]),
    );
    expect(outcome.error?.message).toContain('r2: ServiceUnavailableException: Slow down.');
  });

  it('fails a record id when any one of its entries fails, even if the others were delivered', async () => {
    aws.failEntries({ match: (data) => data.toString() === 'shared-b' });
    const entries: ReingestEntry[] = [
      { data: Buffer.from('shared-a'), recordId: 'shared' },
      { data: Buffer.from('shared-b'), recordId: 'shared' },
      { data: Buffer.from('other'), recordId: 'other' },
    ];
    const outcome = await reingest(entries, toFirehose(), recording({ maxAttempts: 2 }));

    expect(outcome.failedRecordIds).toEqual(new Set(['shared']));
    expect(outcome.entriesSent).toBe(2);
    expect(texts(aws.firehoseRecords)).toEqual(['shared-a', 'other']);
  });

  it('retries a throttled call as a whole and delivers each entry once', async () => {
    aws.failCalls({ code: 'ThrottlingException', times: 2 });
    const options = recording();
    const outcome = await reingest(smallEntries(3), toFirehose(), options);

    expect(outcome).toMatchObject({ entriesSent: 3, calls: 3, retries: 2 });
    expect(aws.calls.map((c) => c.status)).toEqual([400, 400, 200]);
    expect(aws.calls.map((c) => c.data.length)).toEqual([3, 3, 3]);
    expect(texts(aws.firehoseRecords)).toEqual(['e0', 'e1', 'e2']);
    expect(options.delays).toHaveLength(2);
  });

  it.each([
    [500, 'InternalFailure'],
    [503, 'ServiceUnavailableException'],
  ])('retries a call answered HTTP %i %s', async (status, code) => {
    aws.failCalls({ code, status, times: 1 });
    const outcome = await reingest(smallEntries(2), toFirehose(), recording());

    expect(outcome).toMatchObject({ entriesSent: 2, calls: 2, retries: 1 });
    expect(outcome.failedRecordIds.size).toBe(0);
    expect(aws.calls.map((c) => c.status)).toEqual([status, 200]);
  });

  it('fails every entry of a call with the last error when throttling outlasts maxAttempts', async () => {
    aws.failCalls({ code: 'ThrottlingException', message: 'Rate exceeded' });
    const outcome = await reingest(smallEntries(2), toFirehose(), recording({ maxAttempts: 4 }));

    expect(outcome).toMatchObject({ entriesSent: 0, calls: 4, retries: 3 });
    expect(outcome.failedRecordIds).toEqual(new Set(['r0', 'r1']));
    expect(outcome.lastErrors.get('r0')).toBe('ThrottlingException (HTTP 400): Rate exceeded');
    expect((outcome.error?.cause as Error | undefined)?.name).toBe('ThrottlingException');
    expect(aws.firehoseRecords).toHaveLength(0);
  });

  it('does not retry an error that retrying cannot fix', async () => {
    aws.failCalls({ code: 'ResourceNotFoundException', message: 'Firehose logs not found' });
    const options = recording();
    const outcome = await reingest(smallEntries(2), toFirehose(), options);

    expect(outcome).toMatchObject({ entriesSent: 0, calls: 1, retries: 0 });
    expect(outcome.failedRecordIds).toEqual(new Set(['r0', 'r1']));
    expect(outcome.lastErrors.get('r1')).toContain('ResourceNotFoundException');
    expect(options.delays).toHaveLength(0);
  });

  it('retries connection failures and reports them when they persist', async () => {
    const gone = await startAwsServer();
    await gone.close();
    const client = new FirehoseClient({
      endpoint: gone.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    try {
      const outcome = await reingest(
        smallEntries(1),
        toFirehose(client),
        recording({ maxAttempts: 2 }),
      );
      expect(outcome).toMatchObject({ entriesSent: 0, calls: 2, retries: 1 });
      expect(outcome.lastErrors.get('r0')).toContain('ECONNREFUSED');
    } finally {
      client.destroy();
    }
  });

  it('backs off exponentially with full jitter, capped at maxDelayMs', async () => {
    aws.failCalls({ code: 'ThrottlingException' });
    const top = recording({ maxAttempts: 7, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 });
    await reingest(smallEntries(1), toFirehose(), top);
    expect(top.delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);

    const half = recording({
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      random: () => 0.5,
    });
    await reingest(smallEntries(1), toFirehose(), half);
    expect(half.delays).toEqual([50, 100, 200]);

    const jittered = recording({ maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1_000 });
    await reingest(smallEntries(1), toFirehose(), jittered);
    expect(jittered.delays).toHaveLength(7);
    jittered.delays.forEach((d, n) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(1_000, 100 * 2 ** n));
    });
  });

  it.each<[string, ReingestOptions]>([
    ['maxAttempts 0', { maxAttempts: 0 }],
    ['fractional maxAttempts', { maxAttempts: 1.5 }],
    ['negative baseDelayMs', { baseDelayMs: -1 }],
    ['infinite maxDelayMs', { maxDelayMs: Number.POSITIVE_INFINITY }],
    ['maxDelayMs below baseDelayMs', { baseDelayMs: 500, maxDelayMs: 100 }],
  ])('rejects %s with a ConfigError before any call', async (_name, options) => {
    const attempt = reingest(smallEntries(1), toFirehose(), options);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toSatisfy(
      (e: unknown) => LogpipeError.isInstance(e) && e.code === 'INVALID_CONFIG',
    );
    expect(aws.callCount()).toBe(0);
  });

  it('rejects a target without a delivery stream name with a ConfigError', async () => {
    const target: ReingestTarget = { kind: 'firehose', client: firehose, deliveryStreamName: '' };
    await expect(reingest(smallEntries(1), target)).rejects.toThrow(/deliveryStreamName/);
  });
});

describe('re-ingesting into Kinesis with PutRecords', () => {
  it('delivers every entry once, in order, by stream ARN, with the given or a derived partition key', async () => {
    const entries: ReingestEntry[] = [
      { data: Buffer.from('a'), recordId: 'r0', partitionKey: 'tenant-1' },
      { data: Buffer.from('b'), recordId: 'r1' },
      { data: Buffer.from('c'), recordId: 'r1' },
    ];
    const outcome = await reingest(entries, toKinesis(), recording());

    expect(outcome).toMatchObject({ entriesSent: 3, calls: 1, retries: 0 });
    expect(aws.kinesisRecords.map((r) => [r.data.toString(), r.partitionKey, r.stream])).toEqual([
      ['a', 'tenant-1', STREAM_ARN],
      ['b', 'r1', STREAM_ARN],
      ['c', 'r1', STREAM_ARN],
    ]);
  });

  it('derives a stable partition key of at most 256 characters from a long record id', async () => {
    const longA = `${'x'.repeat(300)}A`;
    const longB = `${'x'.repeat(300)}B`;
    const entries: ReingestEntry[] = [
      { data: Buffer.from('1'), recordId: longA },
      { data: Buffer.from('2'), recordId: longB },
      { data: Buffer.from('3'), recordId: longA },
    ];
    await reingest(entries, toKinesis(), recording());

    const keys = aws.kinesisRecords.map((r) => r.partitionKey ?? '');
    expect(keys.every((k) => k.length >= 1 && k.length <= 256)).toBe(true);
    expect(keys[0]).toBe(keys[2]);
    expect(keys[0]).not.toBe(keys[1]);

    aws.reset();
    await reingest(entries.slice(0, 1), toKinesis(), recording());
    expect(aws.kinesisRecords[0]?.partitionKey).toBe(keys[0]);
  });

  it('counts partition keys toward the 5 MiB per call', async () => {
    // Five 1,000,000-byte entries plus a last one: with 1-byte keys the sum is exactly 5 MiB.
    const last = KINESIS_PUT_RECORDS_MAX_BYTES - 5 * 1_000_001 - 1;
    const five = ['a', 'b', 'c', 'd', 'e'].map((t) => sized(t, 1_000_000, 'k'));

    const exact = await reingest([...five, sized('f', last, 'k')], toKinesis(), recording());
    expect(exact.calls).toBe(1);

    aws.reset();
    // One more byte of key, not of data: only counting keys makes this split.
    const over = await reingest([...five, sized('f', last, 'kk')], toKinesis(), recording());
    expect(over).toMatchObject({ calls: 2, entriesSent: 6 });
    expect(aws.calls.map((c) => c.data.length)).toEqual([5, 1]);
  });

  it('fails an entry whose data plus partition key exceeds 1 MiB without sending it', async () => {
    const entries = [
      sized('fits', KINESIS_MAX_RECORD_BYTES - 1, 'k'),
      sized('over', KINESIS_MAX_RECORD_BYTES, 'k'),
      { data: Buffer.from('bad-key'), recordId: 'bad-key', partitionKey: '' },
    ];
    const outcome = await reingest(entries, toKinesis(), recording());

    expect(outcome).toMatchObject({ calls: 1, entriesSent: 1 });
    expect(outcome.failedRecordIds).toEqual(new Set(['over', 'bad-key']));
    expect(outcome.lastErrors.get('over')).toMatch(/^RecordTooLarge: 1048577 bytes/);
    expect(outcome.lastErrors.get('bad-key')).toMatch(/^InvalidPartitionKey/);
    expect(aws.kinesisRecords.map((r) => r.data.length)).toEqual([KINESIS_MAX_RECORD_BYTES - 1]);
  });

  it('re-sends only the entries a partial failure rejected', async () => {
    aws.failEntries({
      service: 'kinesis',
      match: (data) => data.toString() === 'e0' || data.toString() === 'e2',
      times: 2,
    });
    const outcome = await reingest(smallEntries(4), toKinesis(), recording());

    expect(outcome).toMatchObject({ entriesSent: 4, calls: 3, retries: 2 });
    expect(aws.calls.map((c) => c.failedEntries)).toEqual([2, 2, 0]);
    expect(aws.calls.map((c) => sent(c.data))).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e0', 'e2'],
      ['e0', 'e2'],
    ]);
    expect(texts(aws.kinesisRecords)).toEqual(['e1', 'e3', 'e0', 'e2']);
  });

  it('reports the per-entry Kinesis error code of an entry that never gets through', async () => {
    aws.failEntries({
      match: (data) => data.toString() === 'e1',
      message: 'Rate exceeded for shard',
    });
    const outcome = await reingest(smallEntries(2), toKinesis(), recording({ maxAttempts: 2 }));

    expect(outcome.failedRecordIds).toEqual(new Set(['r1']));
    expect(outcome.lastErrors.get('r1')).toBe(
      'ProvisionedThroughputExceededException: Rate exceeded for shard',
    );
  });

  it.each([
    [400, 'ProvisionedThroughputExceededException'],
    [400, 'LimitExceededException'],
    [500, 'InternalFailure'],
    [503, 'ServiceUnavailable'],
  ])('retries a whole call answered HTTP %i %s', async (status, code) => {
    aws.failCalls({ service: 'kinesis', code, status, times: 2 });
    const options = recording();
    const outcome = await reingest(smallEntries(3), toKinesis(), options);

    expect(outcome).toMatchObject({ entriesSent: 3, calls: 3, retries: 2 });
    expect(aws.calls.map((c) => c.status)).toEqual([status, status, 200]);
    expect(texts(aws.kinesisRecords)).toEqual(['e0', 'e1', 'e2']);
    expect(options.delays).toHaveLength(2);
  });
});
