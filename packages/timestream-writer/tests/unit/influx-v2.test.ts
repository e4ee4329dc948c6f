/**
 * The line-protocol writer's v2 API (`/api/v2/write`) against the loopback v2 write endpoint
 * of tests/support/influx-v2-server.ts (no InfluxDB 2.x can be installed here).
 */
import { gunzipSync } from 'node:zlib';
import {
  createClassifier,
  generateWorkload,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createInfluxWriter,
  type DeadLetter,
  type DeadLetterSink,
  type InfluxFetch,
  type InfluxWriter,
  type InfluxWriterOptions,
} from '../../src/index.js';
import {
  type InfluxV2TestServer,
  startInfluxV2Server,
  type V2ServerOptions,
  type V2StoredPoint,
} from '../support/influx-v2-server.js';

const servers: InfluxV2TestServer[] = [];

afterEach(async () => {
  while (servers.length > 0) await servers.pop()?.close();
});

async function server(options: V2ServerOptions = {}): Promise<InfluxV2TestServer> {
  const s = await startInfluxV2Server(options);
  servers.push(s);
  return s;
}

function memorySink(): DeadLetterSink & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return {
    letters,
    async write(batch) {
      letters.push(...batch);
    },
    describe: () => 'memory://test',
  };
}

function writer(
  v2: InfluxV2TestServer,
  deadLetters: DeadLetterSink,
  options: Partial<InfluxWriterOptions> = {},
): InfluxWriter & { sleeps: number[] } {
  const sleeps: number[] = [];
  const w = createInfluxWriter({
    url: v2.url,
    api: 'v2',
    org: v2.org,
    bucket: v2.bucket,
    token: v2.token,
    deadLetters,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return Object.assign(w, { sleeps });
}

function expectAccounted(w: InfluxWriter): void {
  const s = w.stats;
  expect(s.recordsIn).toBe(s.written + s.deadLettered + s.failed);
}

function series(n: number, name = 'req', start = 1): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (let i = start; i < start + n; i++) {
    out.push({
      time: i,
      measureName: name,
      dimensions: { host: 'a' },
      measures: { v: { value: i } },
    });
  }
  return out;
}

function storedValues(points: V2StoredPoint[]): number[] {
  return points.map((p) => Number(p.fields.v?.value)).sort((a, b) => a - b);
}

/** A fetch that breaks the lines matching `pattern` (the encoder never emits a malformed one). */
function breaking(pattern: RegExp): InfluxFetch {
  return (url, init) => {
    const text = gunzipSync(Buffer.from(init.body as Uint8Array))
      .toString('utf8')
      .replace(pattern, '$1x ');
    const headers = { ...(init.headers as Record<string, string>) };
    delete headers['Content-Encoding'];
    return fetch(url, { ...init, headers, body: text });
  };
}

describe('createInfluxWriter (v2) against the v2 write endpoint', () => {
  it('sends gzip line protocol with Token auth, org, bucket and precision, and the points are stored as sent', async () => {
    const v2 = await server();
    const classifier = createClassifier();
    const metrics: MetricRecord[] = [];
    for (const p of generateWorkload({ events: 800, seed: 5, formats: ['emf', 'lambda'] })) {
      metrics.push(...processEnvelope(p.envelope, classifier).metrics);
    }
    const sink = memorySink();
    const w = writer(v2, sink, { maxBatchBytes: 8192 });
    expect(await w.write(metrics)).toEqual({ written: metrics.length, deadLettered: 0 });
    expect(v2.log.length).toBe(w.stats.requests);
    expect(v2.log.length).toBeGreaterThan(1);
    for (const r of v2.log) {
      expect(r.path).toBe('/api/v2/write');
      expect(Object.fromEntries(r.query)).toEqual({
        org: 'logpipe',
        bucket: 'metrics',
        precision: 'ms',
      });
      expect(r.headers.authorization).toBe('Token test-token');
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.status).toBe(204);
    }
    expect(w.stats.bytesSent).toBe(v2.log.reduce((a, r) => a + r.receivedBytes, 0));
    expect(w.stats.linesSent).toBe(metrics.length);
    const first = metrics[0] as MetricRecord;
    const stored = v2
      .points()
      .find(
        (p) => p.measurement === first.measureName && p.timeNs === BigInt(first.time) * 1_000_000n,
      );
    expect(stored?.tags).toEqual(first.dimensions);
    expect(new Set(Object.values(v2.fieldTypes()).flatMap((t) => Object.values(t)))).toEqual(
      new Set(['float']),
    );
  });

  it('waits the Retry-After of a 429 (capped at maxDelayMs) and sends the same request again', async () => {
    const v2 = await server();
    v2.inject({ status: 429, retryAfter: '3', times: 1 });
    v2.inject({ status: 429, retryAfter: '120', times: 1 });
    const w = writer(v2, memorySink(), { maxDelayMs: 10_000 });
    expect(await w.write(series(5))).toEqual({ written: 5, deadLettered: 0 });
    expect(w.sleeps).toEqual([3000, 10_000]);
    expect(w.stats.retries).toBe(2);
    expect(v2.log.map((r) => r.status ?? r.fault?.status)).toEqual([429, 429, 204]);
    expect(v2.log.map((r) => r.lines.length)).toEqual([5, 5, 5]);
    expect(storedValues(v2.points())).toEqual([1, 2, 3, 4, 5]);
  });

  it('backs off with full jitter after 503 and a dropped connection, then writes', async () => {
    const v2 = await server();
    v2.inject({ status: 503 });
    v2.inject({ status: 'drop' });
    const w = writer(v2, memorySink(), { baseDelayMs: 100 });
    expect(await w.write(series(3))).toEqual({ written: 3, deadLettered: 0 });
    // random() = 0.5: half of 100, then half of 200.
    expect(w.sleeps).toEqual([50, 100]);
    expect(storedValues(v2.points())).toEqual([1, 2, 3]);
  });

  it('dead-letters the batch as RETRIES_EXHAUSTED with the last error after maxAttempts', async () => {
    const v2 = await server();
    v2.inject({ status: 503, times: 3 });
    const sink = memorySink();
    const w = writer(v2, sink, { maxAttempts: 3 });
    expect(await w.write(series(4))).toEqual({ written: 0, deadLettered: 4 });
    expect(new Set(sink.letters.map((l) => `${l.code}: ${l.reason}`))).toEqual(
      new Set(['RETRIES_EXHAUSTED: HTTP 503: service unavailable (gave up after 3 attempts)']),
    );
    expect(v2.log).toHaveLength(3);
    expect(v2.points()).toEqual([]);
    expectAccounted(w);
  });

  it('dead-letters every record as REQUEST_REJECTED on 401 and on an unknown bucket, in one request each', async () => {
    const v2 = await server();
    const sink = memorySink();
    const badToken = writer(v2, sink, { token: 'wrong' });
    expect(await badToken.write(series(3))).toEqual({ written: 0, deadLettered: 3 });
    const badBucket = writer(v2, sink, { bucket: 'nope' });
    expect(await badBucket.write(series(2))).toEqual({ written: 0, deadLettered: 2 });
    expect(sink.letters.map((l) => `${l.code}: ${l.reason}`)).toEqual([
      'REQUEST_REJECTED: HTTP 401: unauthorized access',
      'REQUEST_REJECTED: HTTP 401: unauthorized access',
      'REQUEST_REJECTED: HTTP 401: unauthorized access',
      'REQUEST_REJECTED: HTTP 404: bucket "nope" not found',
      'REQUEST_REJECTED: HTTP 404: bucket "nope" not found',
    ]);
    expect(v2.log).toHaveLength(2);
  });

  it('splits a request answered 413 until each part fits, and dead-letters a line too large alone', async () => {
    const v2 = await server({ maxBodyBytes: 200 });
    const metrics = series(12);
    metrics.splice(5, 0, {
      time: 99,
      measureName: 'req',
      dimensions: { host: 'a' },
      measures: { note: { value: 'x'.repeat(300) } },
    });
    const sink = memorySink();
    const w = writer(v2, sink);
    expect(await w.write(metrics)).toEqual({ written: 12, deadLettered: 1 });
    expect(sink.letters).toHaveLength(1);
    expect(sink.letters[0]).toMatchObject({ code: 'LINE_TOO_LARGE', record: { time: 99 } });
    expect(sink.letters[0]?.reason).toMatch(
      /^HTTP 413: unable to read data: points batch is too large/,
    );
    expect(storedValues(v2.points())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expectAccounted(w);
  });

  for (const malformed of ['reject-request', 'partial'] as const) {
    it(`dead-letters the lines a 400 names by number and re-sends the rest (${malformed} server)`, async () => {
      const v2 = await server({ malformed });
      const sink = memorySink();
      const w = writer(v2, sink, { fetch: breaking(/^(req,host=a v=(?:3|7)) /gm) });
      expect(await w.write(series(9))).toEqual({ written: 7, deadLettered: 2 });
      expect(sink.letters.map((l) => [l.code, l.record.time, l.reason])).toEqual([
        ['LINE_REJECTED', 3, "HTTP 400: unable to parse 'req,host=a v=3x 3': invalid number"],
        ['LINE_REJECTED', 7, "HTTP 400: unable to parse 'req,host=a v=7x 7': invalid number"],
      ]);
      // Each response named its first failing line; the rest went again each time.
      expect(v2.log.map((r) => r.lines.length)).toEqual([9, 8, 7]);
      expect(v2.log.map((r) => r.status)).toEqual([400, 400, 204]);
      expect(storedValues(v2.points())).toEqual([1, 2, 4, 5, 6, 8, 9]);
      expectAccounted(w);
    });
  }

  it('dead-letters exactly the records of a 422 field type conflict, found by splitting the request', async () => {
    const v2 = await server();
    v2.seedFieldType('req', 'count', 'integer');
    const metrics = series(20);
    for (const m of metrics) if (m.time % 6 === 0) m.measures = { count: { value: m.time } };
    const sink = memorySink();
    const w = writer(v2, sink);
    expect(await w.write(metrics)).toEqual({ written: 17, deadLettered: 3 });
    expect(sink.letters.map((l) => l.record.time).sort((a, b) => a - b)).toEqual([6, 12, 18]);
    for (const l of sink.letters) {
      expect(l.reason).toBe(
        'HTTP 422: failure writing points to database: partial write: field type conflict: input field "count" on measurement "req" is type float, already exists as type integer dropped=1',
      );
    }
    expect(v2.points()).toHaveLength(17);
    expect(v2.log[0]?.status).toBe(422);
    expect(v2.log[0]?.lines).toHaveLength(20);
    expectAccounted(w);
  });

  it('keeps at most maxConcurrency requests in flight across write() calls', async () => {
    const v2 = await server();
    let inFlight = 0;
    let most = 0;
    const counting: InfluxFetch = async (url, init) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await fetch(url, init);
      } finally {
        inFlight--;
      }
    };
    const w = writer(v2, memorySink(), { fetch: counting, maxConcurrency: 3, maxBatchLines: 10 });
    const results = await Promise.all([w.write(series(100)), w.write(series(100, 'other'))]);
    expect(results).toEqual([
      { written: 100, deadLettered: 0 },
      { written: 100, deadLettered: 0 },
    ]);
    expect(w.stats.requests).toBe(20);
    expect(most).toBe(3);
    expect(v2.points()).toHaveLength(200);
  });

  it("refuses names starting with '_' before sending (reserved in 2.x)", async () => {
    const v2 = await server();
    const sink = memorySink();
    const w = writer(v2, sink);
    await w.write([
      { time: 1, measureName: '_m', dimensions: {}, measures: { v: { value: 1 } } },
      { time: 2, measureName: 'm', dimensions: { _t: 'x' }, measures: { v: { value: 1 } } },
      { time: 3, measureName: 'm', dimensions: {}, measures: { _v: { value: 1 } } },
    ]);
    expect(sink.letters.map((l) => l.code)).toEqual([
      'INVALID_MEASUREMENT',
      'INVALID_TAG',
      'INVALID_FIELD',
    ]);
    expect(v2.log).toHaveLength(0);
  });
});
