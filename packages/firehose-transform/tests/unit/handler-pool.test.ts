import { FirehoseClient } from '@aws-sdk/client-firehose';
import {
  type CwlEnvelope,
  createWorkerPool,
  generateWorkload,
  gzipEnvelope,
  type PoolInput,
  type RenderOptions,
  type WorkerPool,
} from '@logpipe/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FirehoseTransformationEvent } from '../../src/event.js';
import { createTransformHandler, type TransformOptions } from '../../src/handler.js';
import { type FakeAwsServer, startAwsServer } from '../support/aws-server.js';
import { envelope, eventOf, fixtureEvent } from '../support/events.js';

const HOUR_EDGE = Date.UTC(2026, 10, 26, 9, 59, 0);
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
let aws: FakeAwsServer;
let firehose: FirehoseClient;
let pool: WorkerPool;

beforeAll(async () => {
  aws = await startAwsServer();
  firehose = new FirehoseClient({
    endpoint: aws.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  // Every batch goes to the worker threads, however small.
  pool = createWorkerPool({ threads: 2, inlineBelowBytes: 0 });
});
afterAll(async () => {
  firehose.destroy();
  await pool.close();
  await aws.close();
});
beforeEach(() => aws.reset());

/**
 * A Direct PUT event over a mixed workload that takes every path of the handler:
 * Ok records, payloads straddling an hour (split and re-ingested), a CONTROL_MESSAGE,
 * corrupt gzip, invalid base64, a record without data, and a payload too large for one
 * output record.
 */
function mixedEvent(): FirehoseTransformationEvent {
  const envelopes: CwlEnvelope[] = [
    ...generateWorkload({ events: 3000, seed: 17, startTime: HOUR_EDGE }),
  ].map((p) => p.envelope);
  const event = eventOf(envelopes);
  const control = fixtureEvent('firehose-direct-put-event.json').records[1]!;
  const good = gzipEnvelope(envelopes[0]!);
  const bad = Buffer.from(good);
  for (let k = 0; k < 8; k++) bad[(bad.length >> 1) + k]! ^= 0x5a;
  const huge = envelope(
    '/ecs/huge',
    Array.from({ length: 40 }, (_, i): [string, number] => [
      `${i} ${'y'.repeat(40_000)}`,
      HOUR_EDGE,
    ]),
  );
  event.records.splice(
    3,
    0,
    { ...control, recordId: 'control' },
    { recordId: 'corrupt', approximateArrivalTimestamp: 0, data: bad.toString('base64') },
    { recordId: 'not-base64', approximateArrivalTimestamp: 0, data: 'not base64!' },
    { recordId: 'no-data', approximateArrivalTimestamp: 0 } as never,
    {
      recordId: 'huge',
      approximateArrivalTimestamp: 0,
      data: gzipEnvelope(huge).toString('base64'),
    },
  );
  return event;
}

async function run(options: TransformOptions, event: FirehoseTransformationEvent) {
  const logged: string[] = [];
  const handler = createTransformHandler({
    logger: (l) => logged.push(l),
    firehoseClient: firehose,
    reingest: { sleep: async () => {}, baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });
  const result = await handler(event);
  const summary = { ...handler.lastSummary!, durationMs: 0 };
  // Log lines minus the summary (its duration differs run to run).
  const lines = logged.filter((l) => !l.includes('"logpipe firehose transform"'));
  const reingested = aws.firehoseRecords.map((r) => r.data.toString('base64')).sort();
  aws.reset();
  return { result, summary, lines, reingested };
}

describe('the transform handler with a worker pool', () => {
  it('answers a mixed workload exactly as it does without the pool', async () => {
    const event = mixedEvent();
    const without = await run({}, event);
    const withPool = await run({ pool }, event);
    expect(withPool).toEqual(without);
    // The workload did take every path.
    expect(without.summary).toMatchObject({ dropReasons: { control_message: 1 } });
    expect(without.summary.reingestedRecords).toBeGreaterThan(0);
    expect(Object.keys(without.summary.errors).sort()).toEqual(['CORRUPT_GZIP', 'INVALID_BASE64']);
    const results = new Set(without.result.records.map((r) => r.result));
    expect([...results].sort()).toEqual(['Dropped', 'Ok', 'ProcessingFailed']);
    expect(pool.stats().pooledBatches).toBeGreaterThan(0);
  });

  it('answers alike with messages output, without partition keys, and under a tight response budget', async () => {
    const event = mixedEvent();
    for (const options of [
      { output: 'messages' },
      { partitionKeys: false },
      { responseBudgetBytes: 400_000 },
      { maxOutputRecordBytes: 20_000 },
    ] as TransformOptions[]) {
      const without = await run(options, event);
      const withPool = await run({ ...options, pool }, event);
      expect(withPool).toEqual(without);
    }
  });

  it('answers alike when the pool would keep the batch on this thread (it is not even offered)', async () => {
    const inline = createWorkerPool({ threads: 1, inlineBelowBytes: Number.POSITIVE_INFINITY });
    try {
      const event = mixedEvent();
      expect(await run({ pool: inline }, event)).toEqual(await run({}, event));
      expect(inline.stats()).toMatchObject({ inlineBatches: 0, pooledBatches: 0 });
    } finally {
      await inline.close();
    }
  });

  it('sends a batch in slices sized to what is left of the response, and leaves the tail to this thread', async () => {
    const sliced = createWorkerPool({ threads: 2, inlineBelowBytes: 16 * 1024 });
    try {
      const event = mixedEvent();
      // The real pool, with each renderBatch call's inputs and render option noted.
      const calls: Array<{ inputs: number; render: boolean }> = [];
      const observed: WorkerPool = Object.assign(Object.create(sliced), {
        renderBatch: (inputs: PoolInput[], o: RenderOptions) => {
          calls.push({ inputs: inputs.length, render: o.render !== false });
          return sliced.renderBatch(inputs, o);
        },
      });
      for (const output of ['records', 'messages'] as const) {
        calls.length = 0;
        const options = { responseBudgetBytes: 600_000, output };
        const without = await run(options, event);
        const withPool = await run({ ...options, pool: observed }, event);
        expect(withPool).toEqual(without);
        expect(without.summary.reingestedRecords).toBeGreaterThan(0);
        // Several rendered slices, then one pass that measures the rest without rendering;
        // together they cover the records with data once each.
        expect(calls.filter((c) => c.render).length).toBeGreaterThan(1);
        expect(calls.at(-1)?.render).toBe(false);
        expect(calls.filter((c) => !c.render)).toHaveLength(1);
        const withData = event.records.filter((r) => typeof r.data === 'string').length;
        expect(calls.reduce((n, c) => n + c.inputs, 0)).toBe(withData);
      }
    } finally {
      await sliced.close();
    }
  });

  it('processes the batch on this thread when the pool refuses it, and says so in a warning', async () => {
    const closed = createWorkerPool({ threads: 1, inlineBelowBytes: 0 });
    await closed.close();
    const event = mixedEvent();
    const without = await run({}, event);
    const withClosed = await run({ pool: closed }, event);
    expect(withClosed.result).toEqual(without.result);
    expect(withClosed.summary).toEqual(without.summary);
    expect(JSON.parse(withClosed.lines[0]!)).toMatchObject({
      level: 'warn',
      code: 'POOL_CLOSED',
    });
    expect(withClosed.lines.slice(1)).toEqual(without.lines);
  });

  it('refuses options that need record objects on this thread, and classifier options beside the pool', () => {
    expect(() => createTransformHandler({ pool, filter: () => true })).toThrow(
      /cannot be combined with an output function, a filter or a partitionKeys function/,
    );
    expect(() => createTransformHandler({ pool, partitionKeys: () => ({}) })).toThrow(/pool/);
    expect(() => createTransformHandler({ pool, output: (r) => r.message })).toThrow(/pool/);
    expect(() => createTransformHandler({ pool, classifier: { sniff: false } })).toThrow(
      /set classifier and decoder options on the pool/,
    );
  });
});
