/**
 * The line-protocol writer's own behaviour, with a stub `fetch`: options, URLs and headers,
 * batching by bytes and lines, network errors, the dead-letter sink failing, close().
 */
import { gunzipSync } from 'node:zlib';
import type { MetricRecord } from '@logpipe/core';
import { describe, expect, it } from 'vitest';
import {
  createInfluxWriter,
  type DeadLetter,
  type DeadLetterSink,
  DeadLetterSinkError,
  type InfluxFetch,
  InfluxWriterError,
  type InfluxWriterOptions,
} from '../../src/index.js';

interface Call {
  url: string;
  headers: Record<string, string>;
  lines: string[];
  bytes: number;
}

/** A fetch answering 204 (or what `answer` says) and recording every request. */
function stubFetch(
  answer: (call: Call, n: number) => Response | Error = () => new Response(null, { status: 204 }),
) {
  const calls: Call[] = [];
  const f: InfluxFetch = async (url, init) => {
    const headers = init.headers as Record<string, string>;
    const raw = Buffer.from(init.body as Uint8Array);
    const text =
      headers['Content-Encoding'] === 'gzip'
        ? gunzipSync(raw).toString('utf8')
        : raw.toString('utf8');
    const call = {
      url,
      headers,
      lines: text.split('\n').filter((l) => l !== ''),
      bytes: raw.length,
    };
    calls.push(call);
    const r = answer(call, calls.length);
    if (r instanceof Error) throw r;
    return r;
  };
  return { fetch: f, calls };
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

const base = (
  fetch: InfluxFetch,
  deadLetters: DeadLetterSink = memorySink(),
): InfluxWriterOptions => ({
  url: 'http://influx.test:8086',
  api: 'v1',
  database: 'metrics',
  deadLetters,
  fetch,
  sleep: async () => {},
});

function records(n: number): MetricRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    time: 1000 + i,
    measureName: 'm',
    dimensions: {},
    measures: { v: { value: i } },
  }));
}

describe('createInfluxWriter: options', () => {
  const ok = base(stubFetch().fetch);
  const cases: Array<[string, Partial<InfluxWriterOptions> & Record<string, unknown>, RegExp]> = [
    ['a relative url', { url: 'localhost:8086' }, /url must be/],
    ['an ftp url', { url: 'ftp://x' }, /url must be http or https/],
    ['a url with a query', { url: 'http://x/?db=a' }, /must not have a query/],
    ['an unknown api', { api: 'v3' as 'v1' }, /api must be 'v1' or 'v2'/],
    ['v1 without database', { database: undefined }, /database is required with api 'v1'/],
    ['v1 with a bucket', { bucket: 'b' }, /org and bucket are for api 'v2'/],
    [
      'v2 without token',
      { api: 'v2', database: undefined, org: 'o', bucket: 'b' },
      /token is required/,
    ],
    ['a username without password', { username: 'u' }, /username and password go together/],
    [
      'maxDelayMs below baseDelayMs',
      { baseDelayMs: 500, maxDelayMs: 100 },
      /maxDelayMs \(100\) must be ≥ baseDelayMs \(500\)/,
    ],
    ['a zero maxConcurrency', { maxConcurrency: 0 }, /maxConcurrency must be an integer ≥ 1/],
    ['an unknown precision', { precision: 'h' as 'ms' }, /precision must be s, ms, us or ns/],
    [
      'no dead-letter sink',
      { deadLetters: undefined as unknown as DeadLetterSink },
      /deadLetters must be a DeadLetterSink/,
    ],
  ];
  for (const [what, patch, message] of cases) {
    it(`refuses ${what} with a ConfigError that says why`, () => {
      expect(() => createInfluxWriter({ ...ok, ...patch })).toThrow(message);
      try {
        createInfluxWriter({ ...ok, ...patch });
      } catch (err) {
        expect((err as { code?: string }).code).toBe('INVALID_CONFIG');
      }
    });
  }
});

describe('createInfluxWriter: requests', () => {
  it('builds the v1 URL with db, rp and the v1 precision names, and Basic auth', async () => {
    for (const [precision, param] of [
      ['s', 's'],
      ['ms', 'ms'],
      ['us', 'u'],
      ['ns', null],
    ] as const) {
      const stub = stubFetch();
      const w = createInfluxWriter({
        ...base(stub.fetch),
        url: 'https://influx.test:8086/prefix/',
        retentionPolicy: 'autogen',
        username: 'writer',
        password: 'p@ss',
        precision,
      });
      await w.write(records(1));
      const url = new URL(stub.calls[0]?.url ?? '');
      expect(url.pathname).toBe('/prefix/write');
      expect(url.searchParams.get('db')).toBe('metrics');
      expect(url.searchParams.get('rp')).toBe('autogen');
      expect(url.searchParams.get('precision')).toBe(param);
      expect(stub.calls[0]?.headers.Authorization).toBe(
        `Basic ${Buffer.from('writer:p@ss').toString('base64')}`,
      );
    }
  });

  it('batches by bytes and by lines, sending an over-long line alone', async () => {
    const stub = stubFetch();
    const metrics = records(30);
    metrics[10] = { ...(metrics[10] as MetricRecord), measures: { s: { value: 'x'.repeat(200) } } };
    const w = createInfluxWriter({
      ...base(stub.fetch),
      maxBatchBytes: 100,
      maxBatchLines: 4,
      gzip: false,
    });
    expect(await w.write(metrics)).toEqual({ written: 30, deadLettered: 0 });
    const sizes = stub.calls.map((c) => c.lines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0));
    expect(stub.calls.every((c) => c.lines.length <= 4)).toBe(true);
    expect(sizes.filter((s) => s > 100)).toHaveLength(1);
    expect(stub.calls.find((c) => c.lines.some((l) => l.includes('xxxx')))?.lines).toHaveLength(1);
    expect(stub.calls.flatMap((c) => c.lines)).toHaveLength(30);
    expect(stub.calls.every((c) => c.headers['Content-Encoding'] === undefined)).toBe(true);
    expect(w.stats.bytesSent).toBe(stub.calls.reduce((a, c) => a + c.bytes, 0));
  });

  it('retries a network error or a timeout and counts the retries', async () => {
    const stub = stubFetch((_, n) =>
      n === 1
        ? new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8086') })
        : n === 2
          ? new DOMException('The operation was aborted due to timeout', 'TimeoutError')
          : new Response(null, { status: 204 }),
    );
    const w = createInfluxWriter(base(stub.fetch));
    expect(await w.write(records(2))).toEqual({ written: 2, deadLettered: 0 });
    expect(w.stats).toMatchObject({ requests: 3, retries: 2, written: 2 });
  });

  it('names the network error in the dead letter when every attempt fails', async () => {
    const stub = stubFetch(
      () =>
        new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND influx.test') }),
    );
    const sink = memorySink();
    const w = createInfluxWriter({ ...base(stub.fetch, sink), maxAttempts: 2 });
    await w.write(records(1));
    expect(sink.letters[0]?.reason).toBe(
      'network error: TypeError: fetch failed: getaddrinfo ENOTFOUND influx.test (gave up after 2 attempts)',
    );
    expect(sink.letters[0]?.code).toBe('RETRIES_EXHAUSTED');
  });
});

describe('createInfluxWriter: accounting', () => {
  it('hands the letters back in a DeadLetterSinkError when the dead-letter sink fails, and counts them as failed', async () => {
    const failing: DeadLetterSink = {
      write: async () => {
        throw new Error('disk full');
      },
      describe: () => 'file:///full/dead.ndjson',
    };
    const stub = stubFetch();
    const w = createInfluxWriter(base(stub.fetch, failing));
    const bad = { time: 1, measureName: '', dimensions: {}, measures: { v: { value: 1 } } };
    const err = await w.write([...records(3), bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadLetterSinkError);
    const e = err as DeadLetterSinkError;
    expect(e.code).toBe('DEAD_LETTER_FAILED');
    expect(e.retryable).toBe(true);
    expect((e.cause as Error).message).toBe('disk full');
    expect(e.letters).toHaveLength(1);
    expect(e.letters[0]).toMatchObject({
      record: bad,
      code: 'INVALID_MEASUREMENT',
      writer: 'influxdb',
    });
    expect(w.stats).toMatchObject({ recordsIn: 4, written: 3, deadLettered: 0, failed: 1 });
  });

  it('counts every record once as written or dead-lettered, by code', async () => {
    const stub = stubFetch((call) =>
      call.lines.length > 1
        ? new Response('{"error":"partial write: points beyond retention policy dropped=1"}', {
            status: 400,
          })
        : call.lines[0]?.includes('v=2 ')
          ? new Response('{"error":"partial write: points beyond retention policy dropped=1"}', {
              status: 400,
            })
          : new Response(null, { status: 204 }),
    );
    const sink = memorySink();
    const w = createInfluxWriter(base(stub.fetch, sink));
    const metrics = [...records(5), { ...(records(1)[0] as MetricRecord), measures: {} }];
    expect(await w.write(metrics)).toEqual({ written: 4, deadLettered: 2 });
    expect(w.stats.recordsIn).toBe(w.stats.written + w.stats.deadLettered + w.stats.failed);
    expect(w.stats.deadLetteredByCode).toMatchObject({
      LINE_REJECTED: 1,
      NO_FIELDS: 1,
      INVALID_TIME: 0,
    });
    expect(sink.letters.map((l) => l.writer)).toEqual(['influxdb', 'influxdb']);
  });

  it('refuses write() after close(), handing the records back, and closes idempotently', async () => {
    const stub = stubFetch();
    const w = createInfluxWriter(base(stub.fetch));
    const pending = w.write(records(3));
    await w.close();
    await expect(pending).resolves.toEqual({ written: 3, deadLettered: 0 });
    const metrics = records(2);
    const err = await w.write(metrics).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxWriterError);
    expect((err as InfluxWriterError).code).toBe('INFLUX_WRITER_CLOSED');
    expect((err as InfluxWriterError).records).toBe(metrics);
    await w.close();
    expect(w.stats.recordsIn).toBe(3);
  });

  it('lets flush() wait for writes in progress', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const f: InfluxFetch = async () => {
      await gate;
      return new Response(null, { status: 204 });
    };
    const w = createInfluxWriter(base(f));
    void w.write(records(2));
    let flushed = false;
    const flushing = w.flush().then(() => {
      flushed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(w.stats.written).toBe(2);
  });
});
