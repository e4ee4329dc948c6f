import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { MetricRecord } from '@logpipe/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNdjsonDeadLetterSink,
  type DeadLetter,
  type DeadLetterSink,
  DeadLetterSinkError,
} from '../../src/dead-letter.js';
import { TimestreamRecordError, TimestreamWriterClosedError } from '../../src/timestream/errors.js';
import {
  createTimestreamWriter,
  type TimestreamWriterOptions,
} from '../../src/timestream/writer.js';
import { type FakeTimestreamServer, startTimestreamServer } from '../support/timestream-server.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const credentials = { accessKeyId: 'AKIDLOGPIPETEST', secretAccessKey: 'not-a-secret' };

let server: FakeTimestreamServer;
let magneticServer: FakeTimestreamServer;

beforeAll(async () => {
  server = await startTimestreamServer({
    now: () => NOW,
    tables: [{ database: 'logpipe', table: 'metrics', memoryStoreRetentionHours: 6 }],
  });
  magneticServer = await startTimestreamServer({
    now: () => NOW,
    tables: [
      {
        database: 'logpipe',
        table: 'metrics',
        memoryStoreRetentionHours: 6,
        magneticStoreRetentionDays: 30,
        enableMagneticStoreWrites: true,
      },
    ],
  });
});

afterAll(async () => {
  await server.close();
  await magneticServer.close();
});

afterEach(() => {
  server.reset();
  magneticServer.reset();
});

function clientFor(s: FakeTimestreamServer): TimestreamWriteClient {
  return new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: s.url,
    credentials,
    maxAttempts: 1,
  });
}

/** Endpoint discovery: no endpoint; the agent carries every connection to the server. */
function discoveringClientFor(s: FakeTimestreamServer): TimestreamWriteClient {
  return new TimestreamWriteClient({
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: { httpsAgent: s.agent },
  });
}

class MemorySink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  fail = false;
  async write(letters: readonly DeadLetter[]): Promise<void> {
    if (this.fail) throw new Error('disk full');
    this.letters.push(...letters);
  }
  describe(): string {
    return 'memory://';
  }
}

function setup(over: Partial<TimestreamWriterOptions> = {}, s: FakeTimestreamServer = server) {
  const sleeps: number[] = [];
  const sink = new MemorySink();
  const writer = createTimestreamWriter({
    client: clientFor(s),
    database: 'logpipe',
    table: 'metrics',
    deadLetters: sink,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...over,
  });
  return { writer, sink, sleeps };
}

function report(i: number, over: Partial<MetricRecord> = {}): MetricRecord {
  return {
    time: NOW - 60_000 + i,
    measureName: 'AWS/Lambda',
    dimensions: { function_name: `fn-${i % 3}`, function_version: '$LATEST' },
    measures: {
      duration_ms: { value: 10 + i, unit: 'Milliseconds' },
      max_memory_used_mb: { value: 64, unit: 'Megabytes' },
    },
    ...over,
  };
}

const reports = (n: number) => Array.from({ length: n }, (_, i) => report(i));

describe('createTimestreamWriter against the loopback Timestream server', () => {
  it('writes through an explicit endpoint: no DescribeEndpoints, WriteRecords signed for timestream', async () => {
    const { writer } = setup();
    const summary = await writer.write(reports(5));
    expect(summary).toMatchObject({ records: 5, ingested: 5, deadLettered: 0, requests: 1 });
    expect(server.calls.map((c) => c.operation)).toEqual(['WriteRecords']);
    expect(server.calls[0]).toMatchObject({
      signingService: 'timestream',
      signingRegion: 'us-east-1',
    });
    expect(server.stored.size).toBe(5);
  });

  it('works through endpoint discovery: DescribeEndpoints first, then WriteRecords to the address it returned', async () => {
    const { writer } = setup({ client: discoveringClientFor(server) });
    await writer.write(reports(3));
    await writer.write(reports(3).map((m) => ({ ...m, time: m.time + 1 })));
    expect(server.calls.map((c) => [c.operation, c.host])).toEqual([
      ['DescribeEndpoints', 'ingest.timestream.us-east-1.amazonaws.com'],
      ['WriteRecords', '127.0.0.1'],
      ['WriteRecords', '127.0.0.1'],
    ]);
    expect(writer.stats.ingested.total).toBe(6);
  });

  it('retries a failed endpoint discovery like any throttled request', async () => {
    server.failCalls({ kind: 'throttle', operation: 'DescribeEndpoints', times: 1 });
    const { writer, sleeps } = setup({ client: discoveringClientFor(server) });
    const summary = await writer.write(reports(2));
    expect(summary.ingested).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(server.calls.map((c) => c.operation)).toEqual([
      'DescribeEndpoints',
      'DescribeEndpoints',
      'WriteRecords',
    ]);
  });

  it('retries the whole request on throttling, 5xx and a reset connection, with jittered exponential backoff', async () => {
    server.failCalls({ kind: 'throttle', times: 1 });
    server.failCalls({ kind: 'internal', times: 1 });
    server.failCalls({ kind: 'unavailable', times: 1 });
    server.failCalls({ kind: 'reset', times: 1 });
    const { writer, sleeps } = setup({ baseDelayMs: 100, maxDelayMs: 500 });
    const summary = await writer.write(reports(4));
    expect(summary).toMatchObject({ ingested: 4, deadLettered: 0, requests: 5 });
    // random() = 0.5 of min(500, 100 × 2^(n-1)).
    expect(sleeps).toEqual([50, 100, 200, 250]);
    expect(writer.stats.retried).toEqual({ requests: 4, records: 16 });
    expect(server.stored.size).toBe(4);
  });

  it('dead-letters the records of a request whose retries run out, with the last error', async () => {
    server.failCalls({ kind: 'throttle' });
    const { writer, sink } = setup({ maxAttempts: 3 });
    const summary = await writer.write(reports(2));
    expect(summary).toMatchObject({ ingested: 0, deadLettered: 2, requests: 3 });
    expect(sink.letters.map((l) => l.code)).toEqual(['RETRIES_EXHAUSTED', 'RETRIES_EXHAUSTED']);
    expect(sink.letters[0]?.reason).toMatch(
      /3 attempt\(s\); the last failed with ThrottlingException/,
    );
  });

  it('dead-letters every record of a request the service refuses for good (table not found)', async () => {
    const { writer, sink } = setup({ table: 'missing_table' });
    const summary = await writer.write(reports(3));
    expect(summary.deadLettered).toBe(3);
    expect(sink.letters.every((l) => l.code === 'REQUEST_FAILED')).toBe(true);
    expect(sink.letters[0]?.reason).toMatch(/ResourceNotFoundException: The table missing_table/);
  });

  it('writes the other records of a partly rejected request and dead-letters the invalid one with the service text', async () => {
    server.rejectRecords({
      kind: 'invalid',
      match: (r) => r.dimensions.some((d) => d.value === 'fn-1'),
    });
    const { writer, sink } = setup();
    const summary = await writer.write(reports(3));
    expect(summary).toMatchObject({ ingested: 2, deadLettered: 1 });
    expect(sink.letters[0]).toMatchObject({ code: 'REJECTED_INVALID', writer: 'timestream' });
    expect(sink.letters[0]?.reason).toMatch(/\(injected\)/);
    expect(sink.letters[0]?.record.dimensions.function_name).toBe('fn-1');
    expect(server.stored.size).toBe(2);
  });

  it('dead-letters a version conflict when upsert is off, keeping the service text and existing version', async () => {
    const { writer: first } = setup();
    await first.write([report(0)]);
    const { writer, sink } = setup();
    const changed = report(0, { measures: { duration_ms: { value: 999 } } });
    const summary = await writer.write([changed]);
    expect(summary.deadLettered).toBe(1);
    expect(sink.letters[0]?.code).toBe('REJECTED_VERSION_CONFLICT');
    expect(sink.letters[0]?.reason).toMatch(
      /A record already exists with the same time.*upsert is off/,
    );
  });

  it('upserts: sends a Version, and re-sends a conflict with ExistingVersion + 1', async () => {
    server.seed('logpipe', 'metrics', {
      measureName: 'AWS/Lambda',
      time: report(0).time,
      timeUnit: 'MILLISECONDS',
      dimensions: [
        { name: 'function_name', value: 'fn-0' },
        { name: 'function_version', value: '$LATEST' },
      ],
      measureValueType: 'MULTI',
      measureValues: [{ name: 'duration_ms', value: '1', type: 'DOUBLE' }],
      version: NOW + 10,
    });
    const { writer, sink } = setup({ upsert: true });
    const summary = await writer.write([report(0), report(1)]);
    expect(summary).toMatchObject({ ingested: 2, deadLettered: 0 });
    expect(sink.letters).toEqual([]);
    expect(writer.stats.upserted).toBe(1);
    expect(writer.stats.rejected.REJECTED_VERSION_CONFLICT).toBe(1);
    const calls = server.calls.filter((c) => c.operation === 'WriteRecords');
    expect(calls[0]?.body?.CommonAttributes?.Version).toBe(NOW);
    expect(calls[1]?.body?.CommonAttributes?.Version).toBe(NOW + 11);
    const stored = [...server.stored.values()].find((r) =>
      r.dimensions.some((d) => d.value === 'fn-0'),
    );
    expect(stored?.version).toBe(NOW + 11);
    expect(stored?.measureValues.find((m) => m.name === 'duration_ms')?.value).toBe('10');
  });

  it('gives up on a record whose upserts keep conflicting', async () => {
    server.rejectRecords({ kind: 'version', match: () => true });
    const { writer, sink } = setup({ upsert: true, maxAttempts: 2 });
    await writer.write([report(0)]);
    expect(sink.letters[0]?.code).toBe('REJECTED_VERSION_CONFLICT');
    expect(sink.letters[0]?.reason).toMatch(/gave up after 2 upsert\(s\)/);
  });

  it('routes an outside-memory-store rejection to the magnetic store path when the table takes magnetic writes', async () => {
    magneticServer.rejectRecords({ kind: 'memory-store', match: () => true, oncePerRecord: true });
    const { writer, sink } = setup({ magneticStore: { retentionDays: 30 } }, magneticServer);
    const summary = await writer.write(reports(2));
    expect(summary).toMatchObject({ ingested: 2, deadLettered: 0 });
    expect(sink.letters).toEqual([]);
    expect(writer.stats.rerouted).toBe(2);
    expect(writer.stats.ingested).toEqual({ total: 2, memory: 0, magnetic: 2 });
  });

  it('sends records older than the memory store straight to the magnetic store when allowed', async () => {
    const { writer } = setup({ magneticStore: { retentionDays: 30 } }, magneticServer);
    const old = report(0, { time: NOW - 2 * 86_400_000 });
    const summary = await writer.write([old, report(1)]);
    expect(summary.ingested).toBe(2);
    expect(writer.stats.service).toEqual({ memoryStore: 1, magneticStore: 1 });
    expect([...magneticServer.stored.values()].map((r) => r.store).sort()).toEqual([
      'magnetic',
      'memory',
    ]);
  });

  it('dead-letters outside-retention rejections when there is no magnetic path', async () => {
    server.rejectRecords({ kind: 'memory-store', match: () => true });
    const { writer, sink } = setup();
    await writer.write([report(0)]);
    expect(sink.letters[0]?.code).toBe('REJECTED_OUTSIDE_RETENTION');
    expect(sink.letters[0]?.reason).toMatch(/of the memory store\.; magnetic store writes are off/);
  });

  it('dead-letters records outside the data ingestion window', async () => {
    magneticServer.rejectRecords({ kind: 'ingestion-window', match: () => true });
    const { writer, sink } = setup({ magneticStore: true }, magneticServer);
    await writer.write([report(0)]);
    expect(sink.letters[0]?.code).toBe('REJECTED_OUTSIDE_RETENTION');
    expect(sink.letters[0]?.reason).toMatch(/data ingestion window/);
  });

  it('splits a request the service refuses as a whole until the record at fault is alone', async () => {
    server.failCalls({
      kind: 'validation',
      match: (body) => JSON.stringify(body).includes('"fn-2"'),
    });
    const { writer, sink } = setup();
    const summary = await writer.write(reports(6));
    // fn-2 records are i = 2 and 5; both end alone and dead-lettered, the other four are written.
    expect(summary).toMatchObject({ ingested: 4, deadLettered: 2 });
    expect(sink.letters.map((l) => [l.code, l.record.dimensions.function_name])).toEqual([
      ['REJECTED_INVALID', 'fn-2'],
      ['REJECTED_INVALID', 'fn-2'],
    ]);
    expect(writer.stats.splits).toBeGreaterThan(0);
  });

  it('dead-letters records that break a quota without sending them', async () => {
    const { writer, sink } = setup();
    const summary = await writer.write([
      report(0, { time: NOW + 30 * 60_000 }),
      report(1, { dimensions: { 'bad:name': 'x' } }),
      report(2),
    ]);
    expect(summary).toMatchObject({ ingested: 1, deadLettered: 2 });
    expect(sink.letters.map((l) => l.code)).toEqual(['FUTURE_TIME', 'INVALID_DIMENSION']);
    const error = TimestreamRecordError.fromDeadLetter(sink.letters[1]!);
    expect(error.code).toBe('INVALID_DIMENSION');
    expect(error.message).toBe(
      'AWS/Lambda @ 2026-01-01T11:59:00.001Z {bad:name=x}: dimension name "bad:name" contains ":", which Timestream does not allow in names (INVALID_DIMENSION)',
    );
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]?.records).toBe(1);
  });

  it('keeps at most maxConcurrency WriteRecords calls in flight', async () => {
    const slow = await startTimestreamServer({
      now: () => NOW,
      responseDelayMs: 50,
      tables: [{ database: 'logpipe', table: 'metrics' }],
    });
    try {
      const { writer } = setup({ maxConcurrency: 3, maxRecordsPerRequest: 10 }, slow);
      const metrics = Array.from({ length: 100 }, (_, i) =>
        report(i, { dimensions: { function_name: 'fn', function_version: '1' } }),
      );
      const summary = await writer.write(metrics);
      expect(summary).toMatchObject({ ingested: 100, requests: 10 });
      expect(slow.maxInFlight).toBe(3);
    } finally {
      await slow.close();
    }
  });

  it('meters write units with the documented formula, the common part once per request', async () => {
    const { writer } = setup();
    const summary = await writer.write(reports(250));
    expect(summary.requests).toBe(3);
    expect(summary.writeUnits).toBe(server.meteredWriteUnits);
    expect(writer.stats.writeUnits).toBe(server.meteredWriteUnits);
    expect(summary.writeUnits).toBeGreaterThan(0);
  });

  it('hands the letters back in a DeadLetterSinkError when the dead-letter sink fails', async () => {
    const { writer, sink } = setup();
    sink.fail = true;
    const error = await writer.write([report(0, { measures: {} }), report(1)]).catch((e) => e);
    expect(error).toBeInstanceOf(DeadLetterSinkError);
    expect((error as DeadLetterSinkError).letters.map((l) => l.code)).toEqual(['NO_MEASURES']);
    expect(writer.stats).toMatchObject({
      recordsIn: 2,
      failed: 1,
      pending: 0,
      ingested: { total: 1 },
      deadLettered: { total: 0 },
    });
  });

  it('refuses writes after close, and close waits for writes in progress', async () => {
    const { writer } = setup();
    const pending = writer.write(reports(3));
    await writer.close();
    expect(writer.stats.pending).toBe(0);
    await expect(pending).resolves.toMatchObject({ ingested: 3 });
    await expect(writer.write(reports(1))).rejects.toBeInstanceOf(TimestreamWriterClosedError);
    await writer.close();
  });

  it('writes dead letters to local NDJSON by default format, one JSON object per line', async () => {
    const path = join(tmpdir(), `logpipe-ts-dlq-${process.pid}-${Date.now()}.ndjson`);
    try {
      const { writer } = setup({ deadLetters: createNdjsonDeadLetterSink({ path }) });
      await writer.write([report(0, { measures: { x: { value: Number.POSITIVE_INFINITY } } })]);
      const lines = (await readFile(path, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      const letter = JSON.parse(lines[0]!) as DeadLetter;
      expect(letter).toMatchObject({ code: 'INVALID_MEASURE_VALUE', writer: 'timestream' });
      expect(letter.reason).toMatch(/Infinity/);
      expect(letter.record.measureName).toBe('AWS/Lambda');
    } finally {
      await rm(path, { force: true });
    }
  });

  it('validates its options once, with the option named', () => {
    const client = clientFor(server);
    expect(() => createTimestreamWriter({ client, database: 'x', table: 'metrics' })).toThrow(
      /database must be 3–256 characters/,
    );
    expect(() =>
      createTimestreamWriter({ client, database: 'db1', table: 'metrics', maxConcurrency: 0 }),
    ).toThrow(/maxConcurrency must be a positive integer/);
    expect(() =>
      createTimestreamWriter({
        client,
        database: 'db1',
        table: 'metrics',
        memoryStoreRetentionHours: 9000,
      }),
    ).toThrow(/memoryStoreRetentionHours must be an integer from 1 to 8766/);
  });

  it('has a loopback server that refuses what the service refuses, so packing bugs would show', async () => {
    const client = clientFor(server);
    const record = (i: number) => ({
      Dimensions: [{ Name: 'host', Value: `h${i}` }],
      MeasureName: 'cpu',
      MeasureValueType: 'MULTI' as const,
      MeasureValues: [{ Name: 'load', Value: '0.5', Type: 'DOUBLE' as const }],
      Time: String(NOW - 1000 - i),
      TimeUnit: 'MILLISECONDS' as const,
    });
    const send = (
      input: Omit<
        ConstructorParameters<typeof WriteRecordsCommand>[0],
        'DatabaseName' | 'TableName'
      >,
    ) =>
      client
        .send(new WriteRecordsCommand({ DatabaseName: 'logpipe', TableName: 'metrics', ...input }))
        .catch((e: { name: string; message: string; RejectedRecords?: unknown }) => e);

    const tooMany = await send({ Records: Array.from({ length: 101 }, (_, i) => record(i)) });
    expect(tooMany).toMatchObject({ name: 'ValidationException' });
    const overlap = await send({
      CommonAttributes: { Dimensions: [{ Name: 'host', Value: 'x' }] },
      Records: [record(1)],
    });
    expect(overlap).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/overlap/),
    });
    const reserved = await send({
      Records: [
        record(1),
        { ...record(2), MeasureValues: [{ Name: 'time', Value: '1', Type: 'DOUBLE' }] },
      ],
    });
    expect(reserved).toMatchObject({
      name: 'RejectedRecordsException',
      RejectedRecords: [{ RecordIndex: 1, Reason: expect.stringMatching(/reserved/) }],
    });
    const big = await send({
      Records: [
        {
          ...record(3),
          MeasureValues: [{ Name: 'note', Value: 'x'.repeat(2040), Type: 'VARCHAR' }],
        },
      ],
    });
    expect(big).toMatchObject({
      RejectedRecords: [
        {
          RecordIndex: 0,
          Reason: expect.stringMatching(/exceeds the maximum record size of 2 KB/),
        },
      ],
    });
    const late = await send({ Records: [{ ...record(4), Time: String(NOW - 7 * 3_600_000) }] });
    expect(late).toMatchObject({
      RejectedRecords: [
        { Reason: expect.stringMatching(/outside the time range .* of the memory store/) },
      ],
    });
    // Only record 1 of the partly rejected request was stored.
    expect(server.stored.size).toBe(1);
    client.destroy();
  });
});
