import { gunzipSync } from 'node:zlib';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { type CwlEnvelope, generateWorkload } from '@logpipe/core';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FirehoseTransformationEvent } from '../../src/event.js';
import { createTransformHandler, type TransformOptions } from '../../src/handler.js';
import { type FakeAwsServer, startAwsServer } from '../support/aws-server.js';
import { envelope, eventOf, fixtureEvent, lines } from '../support/events.js';

const T0 = Date.UTC(2026, 10, 26, 9, 59, 30);
const HOUR = 3_600_000;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
let aws: FakeAwsServer;
let firehose: FirehoseClient;
let kinesis: KinesisClient;

beforeAll(async () => {
  aws = await startAwsServer();
  // The SDK's own retries are off so logpipe's retry of failed entries is what runs.
  firehose = new FirehoseClient({
    endpoint: aws.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  kinesis = new KinesisClient({
    endpoint: aws.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  firehose.destroy();
  kinesis.destroy();
  await aws.close();
});
beforeEach(() => aws.reset());

const noWait = { sleep: async () => {}, baseDelayMs: 1, maxDelayMs: 2 };

function handler(extra: TransformOptions = {}) {
  return createTransformHandler({
    logger: () => {},
    firehoseClient: firehose,
    kinesisClient: kinesis,
    reingest: noWait,
    ...extra,
  });
}

function envelopeOf(data: Buffer): CwlEnvelope {
  return JSON.parse(gunzipSync(data).toString('utf8'));
}

describe('splitting payloads that span partitions', () => {
  it('keeps the largest hour in the Ok record and re-ingests the other hour as its own payload', async () => {
    const env = envelope('app', [
      ['a', T0],
      ['b', T0 + 1000],
      ['c', T0 + 60_000],
    ]);
    const res = await handler()(eventOf([env]));
    expect(res.records[0]!.result).toBe('Ok');
    expect(lines(res.records[0]!.data).map((l) => JSON.parse(l).message)).toEqual(['a', 'b']);
    expect(res.records[0]!.metadata?.partitionKeys.hour).toBe('09');
    expect(aws.firehoseRecords).toHaveLength(1);
    expect(aws.firehoseRecords[0]!.stream).toBe('logs');
    const part = envelopeOf(aws.firehoseRecords[0]!.data);
    expect(part.logEvents.map((e) => e.message)).toEqual(['c']);
    expect(part).toMatchObject({
      owner: env.owner,
      logGroup: env.logGroup,
      logStream: env.logStream,
    });
  });

  it("re-ingests into the source Kinesis stream with the record's partition key", async () => {
    const event = fixtureEvent('firehose-kinesis-source-event.json');
    const env = envelope('app', [
      ['a', T0],
      ['z', T0 + HOUR],
    ]);
    event.records[0]!.data = eventOf([env]).records[0]!.data;
    const res = await handler()(event);
    expect(res.records[0]!.result).toBe('Ok');
    expect(aws.firehoseRecords).toHaveLength(0);
    expect(aws.kinesisRecords).toHaveLength(1);
    expect(aws.kinesisRecords[0]).toMatchObject({
      stream: 'arn:aws:kinesis:us-east-1:123456789012:stream/cwl-stream',
      partitionKey: '4d1ad2b9-24f8-4b9d-a088-76e9947c317a',
    });
    expect(envelopeOf(aws.kinesisRecords[0]!.data).logEvents.map((e) => e.message)).toEqual(['z']);
  });

  it('marks the record ProcessingFailed when the re-ingest keeps failing, and Ok once it succeeds after retries', async () => {
    const env = envelope('app', [
      ['a', T0],
      ['z', T0 + HOUR],
    ]);
    aws.failEntries({ match: () => true, code: 'ServiceUnavailableException' });
    const failed = await handler()(eventOf([env]));
    expect(failed.records[0]!.result).toBe('ProcessingFailed');
    aws.reset();
    aws.failCalls({ code: 'ThrottlingException', times: 2 });
    const ok = await handler()(eventOf([env]));
    expect(ok.records[0]!.result).toBe('Ok');
    expect(aws.firehoseRecords).toHaveLength(1);
  });
});

describe('size budgets', () => {
  it('splits an Ok record over the record limit into halves and re-ingests them', async () => {
    const env = envelope(
      'app',
      Array.from({ length: 8 }, (_, i) => [`${i}:${'x'.repeat(300)}`, T0] as [string, number]),
    );
    const res = await handler({ maxOutputRecordBytes: 2000 })(eventOf([env]));
    expect(res.records[0]!.result).toBe('Dropped');
    expect(aws.firehoseRecords.map((r) => envelopeOf(r.data).logEvents.length)).toEqual([4, 4]);
  });

  it('re-ingests whole records that do not fit the response budget, and marks them Dropped', async () => {
    const envs = Array.from({ length: 5 }, (_, k) =>
      envelope('app', [[`${k}:${'y'.repeat(500)}`, T0]]),
    );
    const event = eventOf(envs);
    const res = await handler({ responseBudgetBytes: 2500 })(event);
    const results = res.records.map((r) => r.result);
    expect(results.filter((r) => r === 'Ok').length).toBeGreaterThan(0);
    expect(results.filter((r) => r === 'Dropped').length).toBeGreaterThan(0);
    expect(JSON.stringify(res).length).toBeLessThanOrEqual(2500);
    const dropped = res.records.flatMap((r, i) =>
      r.result === 'Dropped' ? [event.records[i]!.data] : [],
    );
    expect(aws.firehoseRecords.map((r) => r.data.toString('base64'))).toEqual(dropped);
  });
});

interface Tally {
  ok: Map<string, number>;
  failed: Set<string>;
  rounds: number;
  maxResponse: number;
}

/**
 * Feeds an event to the handler, then feeds everything it re-ingested back as
 * new invocations (as Firehose would), until nothing is left.
 */
async function drain(
  h: ReturnType<typeof handler>,
  first: FirehoseTransformationEvent,
  keyOf: (line: string) => string = (l) => JSON.parse(l).id as string,
): Promise<Tally> {
  const t: Tally = { ok: new Map(), failed: new Set(), rounds: 0, maxResponse: 0 };
  let event = first;
  let cursor = 0;
  while (event.records.length > 0) {
    t.rounds++;
    expect(t.rounds).toBeLessThan(30);
    const res = await h(event);
    t.maxResponse = Math.max(t.maxResponse, JSON.stringify(res).length);
    expect(res.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    res.records.forEach((r, i) => {
      if (r.result === 'Ok') {
        for (const l of lines(r.data)) {
          const id = keyOf(l);
          t.ok.set(id, (t.ok.get(id) ?? 0) + 1);
        }
      } else if (r.result === 'ProcessingFailed') {
        for (const e of envelopeOf(Buffer.from(event.records[i]!.data, 'base64')).logEvents)
          t.failed.add(e.id);
      }
    });
    const again = aws.firehoseRecords.slice(cursor);
    cursor = aws.firehoseRecords.length;
    event = {
      ...first,
      records: again.map((r, k) => ({
        recordId: `round${t.rounds}-${k}`,
        approximateArrivalTimestamp: 0,
        data: r.data.toString('base64'),
      })),
    };
  }
  return t;
}

function workloadEvent(
  seed: number,
  events: number,
  oversized: number,
  bigMessage: number,
): { event: FirehoseTransformationEvent; ids: string[]; oversizedIds: Set<string> } {
  const envs: CwlEnvelope[] = [];
  for (const p of generateWorkload({
    events,
    seed,
    startTime: T0 - 20_000,
    eventIntervalMs: 400,
    eventsPerPayload: [1, 60],
  }))
    envs.push(p.envelope);
  const oversizedIds = new Set<string>();
  for (let k = 0; k < oversized && k < envs.length; k++) {
    const env = envs[(k * 7) % envs.length]!;
    const ev = env.logEvents[0]!;
    ev.message = `${ev.message} ${'z'.repeat(bigMessage)}`;
    oversizedIds.add(ev.id);
  }
  return {
    event: eventOf(envs),
    ids: envs.flatMap((e) => e.logEvents.map((x) => x.id)),
    oversizedIds,
  };
}

describe('conservation: every event ends in exactly one Ok output, or its record is ProcessingFailed', () => {
  it('holds over many generated batches with tight budgets, hour-spanning payloads and oversized events (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 20, max: 600 }),
        fc.integer({ min: 0, max: 3 }),
        async (seed, n, oversized) => {
          aws.reset();
          const { event, ids, oversizedIds } = workloadEvent(seed, n, oversized, 30_000);
          const t = await drain(
            handler({ maxOutputRecordBytes: 20_000, responseBudgetBytes: 120_000 }),
            event,
          );
          expect(t.maxResponse).toBeLessThanOrEqual(120_000);
          for (const id of ids) {
            const okCount = t.ok.get(id) ?? 0;
            if (oversizedIds.has(id)) {
              expect(okCount, id).toBe(0);
              expect(t.failed.has(id), id).toBe(true);
            } else {
              expect(okCount, id).toBe(1);
              expect(t.failed.has(id), id).toBe(false);
            }
          }
          expect(t.ok.size).toBe(ids.length - oversizedIds.size);
        },
      ),
      // [18, 218, 2]: a payload whose largest partition group is one oversized event, with
      // events of other partitions beside it (they once went to the error output with it).
      { numRuns: 25, examples: [[18, 218, 2]] },
    );
  });

  it('holds for messages output with tight budgets (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 20, max: 600 }),
        fc.integer({ min: 0, max: 3 }),
        async (seed, n, oversized) => {
          aws.reset();
          const { event, oversizedIds } = workloadEvent(seed, n, oversized, 30_000);
          // Every line of every message, counted (messages repeat; a line is the unit here).
          const expected = new Map<string, number>();
          for (const rec of event.records)
            for (const e of envelopeOf(Buffer.from(rec.data, 'base64')).logEvents)
              if (e.message.length < 20_000)
                for (const l of e.message.split('\n').filter((x) => x !== ''))
                  expected.set(l, (expected.get(l) ?? 0) + 1);
          const t = await drain(
            handler({
              output: 'messages',
              maxOutputRecordBytes: 20_000,
              responseBudgetBytes: 120_000,
            }),
            event,
            (l) => l,
          );
          expect(t.maxResponse).toBeLessThanOrEqual(120_000);
          // Every line arrived exactly as often as it was sent; only the oversized events
          // ended ProcessingFailed, each alone in its payload.
          expect(t.ok).toEqual(expected);
          expect(t.failed).toEqual(oversizedIds);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('holds at the real limits: a response near 6 MB and events over the 1,000 KiB record limit', async () => {
    const { event, ids, oversizedIds } = workloadEvent(7, 24_000, 2, 1_100_000);
    const t = await drain(handler(), event);
    expect(t.rounds).toBeGreaterThan(1);
    expect(t.maxResponse).toBeLessThanOrEqual(6_000_000);
    expect(t.maxResponse).toBeGreaterThan(4_000_000);
    for (const id of ids) {
      if (oversizedIds.has(id)) expect(t.failed.has(id)).toBe(true);
      else expect(t.ok.get(id), id).toBe(1);
    }
  });

  it('loses nothing when re-ingest fails: such records are ProcessingFailed and their events never reach Ok twice', async () => {
    aws.failEntries({ match: (_d, i) => i % 3 === 0, code: 'ServiceUnavailableException' });
    const { event, ids } = workloadEvent(11, 800, 0, 0);
    const t = await drain(
      handler({
        maxOutputRecordBytes: 20_000,
        responseBudgetBytes: 150_000,
        reingest: { ...noWait, maxAttempts: 2 },
      }),
      event,
    );
    for (const id of ids) {
      expect((t.ok.get(id) ?? 0) > 0 || t.failed.has(id), id).toBe(true);
      expect(t.ok.get(id) ?? 0, id).toBeLessThanOrEqual(1);
    }
  });
});
