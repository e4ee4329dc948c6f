import {
  createClassifier,
  generateWorkload,
  gzipEnvelope,
  processEnvelope,
  toCwlLambdaEvent,
  toKinesisEvent,
} from '@logpipe/core';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLakeHandler, DEAD_LETTER_PREFIX } from '../../src/lambda.js';
import { createS3Storage } from '../../src/storage/s3.js';
import { createLakeWriter } from '../../src/writer.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

let server: S3TestServer;
let prefix: string;
let testNo = 0;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.reset();
  prefix = `lambda${++testNo}/`;
});

function storage() {
  return createS3Storage({
    client: server.client,
    bucket: server.bucket,
    prefix,
    baseDelayMs: 1,
    maxDelayMs: 2,
    maxAttempts: 2,
  });
}

function payloads(events: number, seed: number) {
  return [
    ...generateWorkload({
      events,
      seed,
      startTime: Date.UTC(2026, 5, 1, 10, 59),
      eventIntervalMs: 100,
    }),
  ];
}

/** Every parquet row in the lake, as `dataset|id|epoch ms` (ids are unique per event). */
async function lakeRows(s: ReturnType<typeof storage>): Promise<string[]> {
  const rows: string[] = [];
  for (const f of await s.list('')) {
    if (!f.key.endsWith('.parquet')) continue;
    const bytes = await s.get(f.key);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const dataset = f.key.split('/')[0];
    const objects = await parquetReadObjects({
      file: file as ArrayBuffer,
      compressors,
      columns: dataset === 'metrics' ? ['time', 'measure_name'] : ['time', 'id'],
    });
    for (const o of objects) {
      const t = o.time instanceof Date ? o.time.getTime() : Number(o.time);
      rows.push(`${dataset}|${String(o.id ?? o.measure_name)}|${t}`);
    }
  }
  return rows.sort();
}

/** The rows the same payloads give when processed directly. */
function expectedRows(ps: ReturnType<typeof payloads>): string[] {
  const classifier = createClassifier();
  const rows: string[] = [];
  for (const p of ps) {
    const out = processEnvelope(p.envelope, classifier);
    for (const r of out.records) rows.push(`${r.dataset}|${r.id}|${r.time}`);
    for (const m of out.metrics) rows.push(`metrics|${m.measureName}|${m.time}`);
  }
  return rows.sort();
}

describe('createLakeHandler against a real S3-protocol server', () => {
  it('writes a direct CloudWatch Logs subscription event into the lake before returning', async () => {
    const s = storage();
    const lines: string[] = [];
    const handler = createLakeHandler({ storage: s, log: (l) => lines.push(l) });
    const ps = payloads(400, 7);
    let records = 0;
    for (const p of ps) {
      const summary = await handler(toCwlLambdaEvent(gzipEnvelope(p.envelope)));
      expect(summary.deadLettered).toBe(0);
      records += summary.records;
    }
    expect(records).toBe(400);
    expect(await lakeRows(s)).toEqual(expectedRows(ps));
    expect(lines).toHaveLength(ps.length);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ logpipe: 'lake-handler', inputs: 1 });
  });

  it('lands a Kinesis batch and dead-letters the record that cannot be decoded, naming it', async () => {
    const s = storage();
    const ps = payloads(300, 8);
    const event = toKinesisEvent(ps.map((p) => gzipEnvelope(p.envelope)));
    const bad = event.Records[2];
    if (bad === undefined) throw new Error('workload too small');
    bad.kinesis.data = Buffer.from('not a gzip payload').toString('base64');
    const summary = await createLakeHandler({ storage: s, log: false })(event);
    expect(summary).toMatchObject({ inputs: ps.length, deadLettered: 1 });

    const letters = (await s.list(`${DEAD_LETTER_PREFIX}/`)).map((f) => f.key);
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(new TextDecoder().decode(await s.get(letters[0] as string)));
    expect(letter).toMatchObject({
      source: `kinesis sequenceNumber ${bad.kinesis.sequenceNumber}`,
      code: 'NOT_GZIP',
      data: bad.kinesis.data,
    });
    expect(letter.reason).toContain(bad.kinesis.sequenceNumber);
    expect(await lakeRows(s)).toEqual(expectedRows(ps.filter((_, i) => i !== 2)));
  });

  it('throws when the lake cannot be written, and a retry of the same event leaves each row once', async () => {
    const s = storage();
    const ps = payloads(500, 9);
    const event = toKinesisEvent(ps.map((p) => gzipEnvelope(p.envelope)));
    const handler = createLakeHandler({ storage: s, log: false });
    // Every second PutObject fails for good (both attempts): some files land, some do not.
    let n = 0;
    server.inject({
      operation: 'PutObject',
      fault: 'slowDown',
      times: Number.POSITIVE_INFINITY,
      match: () => n++ % 4 < 2,
    });
    await expect(handler(event)).rejects.toMatchObject({ code: 'STORAGE_WRITE_FAILED' });
    const partial = await lakeRows(s);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(expectedRows(ps).length);

    server.reset();
    const summary = await handler(event);
    expect(summary.records).toBe(500);
    expect(await lakeRows(s)).toEqual(expectedRows(ps));
  });

  it('refuses an event of another shape with a clear error', async () => {
    const handler = createLakeHandler({ storage: storage(), log: false });
    await expect(handler({ foo: 1 } as never)).rejects.toThrow(/neither a CloudWatch Logs/);
  });
});

describe("the writer's lambda mode", () => {
  it('never writes on age alone, only when flushed', async () => {
    const s = storage();
    let clock = 0;
    const writer = createLakeWriter({
      storage: s,
      encode: () => new Uint8Array([1]),
      mode: 'lambda',
      maxAgeMs: 1,
      now: () => clock,
    });
    const ps = payloads(20, 10);
    const out = processEnvelope(ps[0]!.envelope, createClassifier());
    const durable = writer.write(out.records);
    clock = 60_000;
    await new Promise((r) => setTimeout(r, 1100));
    expect(writer.stats.filesWritten).toBe(0);
    await writer.flush();
    await durable;
    expect(writer.stats.filesWritten).toBeGreaterThan(0);
    await writer.close();
  });

  it('refuses an unknown mode', () => {
    expect(() =>
      createLakeWriter({ storage: storage(), encode: () => new Uint8Array(), mode: 'x' as never }),
    ).toThrow(/mode must be/);
  });
});
