import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  ConfigError,
  type CwlEnvelope,
  createWorkerPool,
  generateWorkload,
  gzipEnvelope,
  type WorkerPool,
} from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpEndpointHandler, type HttpEndpointOptions } from '../../src/http-receiver.js';
import { receiverServers } from './receiver-server.js';

const SOURCE_ARN = 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/sidecar';
/** Per-payload cap of every handler below (with or without the pool), to reach it cheaply. */
const MAX_PAYLOAD = 200_000;

let pool: WorkerPool;

beforeAll(() => {
  // Every batch goes to the worker threads, however small.
  pool = createWorkerPool({
    threads: 2,
    inlineBelowBytes: 0,
    decoder: { maxDecompressedBytes: MAX_PAYLOAD },
  });
});

afterAll(async () => {
  await pool.close();
});

/** A real server on 127.0.0.1 with a handler; batches given to onRecords are kept. */
const serve = receiverServers();

function post(port: number, requestId: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'x-amz-firehose-protocol-version': '1.0',
          'x-amz-firehose-request-id': requestId,
          'x-amz-firehose-source-arn': SOURCE_ARN,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Request {
  requestId: string;
  body: Buffer;
}

function requestOf(requestId: string, records: unknown[]): Request {
  return {
    requestId,
    body: gzipSync(JSON.stringify({ requestId, timestamp: 1_700_000_000_000, records })),
  };
}

const b64 = (x: Buffer | string): string => Buffer.from(x).toString('base64');

function envelope(logGroup: string, messages: string[]): CwlEnvelope {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: 'stream-1',
    subscriptionFilters: ['f'],
    logEvents: messages.map((message, i) => ({
      id: `3195310660696698337880902507980421114328961542429822156${i}`,
      timestamp: 1_700_000_000_000 + i,
      message,
    })),
  };
}

function metricLine(name: string, sum: unknown): string {
  return JSON.stringify({
    metric_stream_name: 'ms',
    account_id: '123456789012',
    region: 'eu-west-1',
    namespace: 'AWS/Lambda',
    metric_name: name,
    dimensions: { FunctionName: 'orders' },
    timestamp: 1_700_000_000_000,
    value: { max: 3, min: 1, sum, count: 2 },
    unit: 'Milliseconds',
  });
}

/**
 * Records of every kind the receiver meets, each labelled with what it tests: gzip
 * payloads of the seeded workload (every dataset, EMF and REPORT metrics), plain JSON
 * envelopes, CONTROL_MESSAGEs, metric stream lines, plain text, and every way to fail.
 */
function mixedRecords(): Array<[label: string, record: unknown]> {
  const workload = [...generateWorkload({ events: 600, seed: 41, eventsPerPayload: [1, 40] })];
  const app = envelope('my-app', ['level=info msg="started"', 'plain line']);
  const appJson = JSON.stringify(app);
  const control = JSON.stringify({
    ...envelope('', ['CWL CONTROL MESSAGE: Checking health of destination Firehose.']),
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
  });
  const corrupt = gzipEnvelope(app);
  for (let k = 0; k < 6; k++) corrupt[(corrupt.length >> 1) + k]! ^= 0x5a;
  const bigMessages = Array.from({ length: 30 }, (_, i) => `${i} ${'z'.repeat(8000)}`);
  const big = envelope('my-app', bigMessages);
  return [
    ...workload
      .slice(0, 12)
      .map((p, i): [string, unknown] => [
        `workload gzip ${i}`,
        { data: b64(gzipEnvelope(p.envelope)) },
      ]),
    ['plain JSON envelope', { data: b64(appJson) }],
    ['plain JSON envelope after whitespace', { data: b64(`\n \t${appJson}`) }],
    ['plain JSON envelope after a BOM', { data: b64(`\ufeff${appJson}`) }],
    [
      'JSON envelope whose key is escaped (parses as one, but is not an envelope inline)',
      { data: b64(appJson.replace('"messageType"', '"message\\u0054ype"')) },
    ],
    ['two JSON envelopes on two lines', { data: b64(`${appJson}\n${appJson}\n`) }],
    ['gzip CONTROL_MESSAGE', { data: b64(gzipSync(control)) }],
    ['plain JSON CONTROL_MESSAGE', { data: b64(control) }],
    [
      'metric stream lines',
      { data: b64(`${metricLine('Duration', 4)}\n${metricLine('Errors', 0)}\n`) },
    ],
    ['one metric stream line', { data: b64(metricLine('Throttles', 1)) }],
    [
      'metric stream line with a bad statistic',
      { data: b64(`${metricLine('Duration', 5)}\n${metricLine('Errors', 'zero')}\n`) },
    ],
    ['plain text lines', { data: b64('first line\r\nsecond line\n\n') }],
    ['an indented text line', { data: b64('   indented line') }],
    ['a JSON log line', { data: b64('{"level":"info","msg":"json line"}') }],
    ['empty data', { data: '' }],
    ['corrupt gzip', { data: b64(corrupt) }],
    ['truncated gzip', { data: b64(gzipEnvelope(app).subarray(0, 20)) }],
    ['gzip of text that is not JSON', { data: b64(gzipSync('not json')) }],
    ['gzip of JSON that is not an envelope', { data: b64(gzipSync('{"a":1}')) }],
    ['gzip of invalid UTF-8', { data: b64(gzipSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))) }],
    ['plain invalid UTF-8 starting with {', { data: b64(Buffer.from([0x7b, 0xff, 0x7d])) }],
    ['gzip payload past the cap', { data: b64(gzipEnvelope(big)) }],
    ['plain JSON payload past the cap', { data: b64(JSON.stringify(big)) }],
    [
      'plain JSON past the cap and not UTF-8',
      { data: b64(Buffer.concat([Buffer.from(JSON.stringify(big)), Buffer.from([0xff])])) },
    ],
    ['invalid base64', { data: 'not*base64!' }],
    ['base64 of a bad length', { data: 'H4sIAAA' }],
    ['a lone surrogate in the base64', { data: '\ud800AAA' }],
    ['no data', { recordId: 'x' }],
    ['data that is a number', { data: 42 }],
    ['a record that is a string', 'H4sI'],
    ...workload
      .slice(12, 20)
      .map((p, i): [string, unknown] => [
        `workload gzip ${12 + i}`,
        { data: b64(gzipEnvelope(p.envelope)) },
      ]),
  ];
}

/** Sends the requests one after the other; the batches as onRecords got them. */
async function receive(options: Partial<HttpEndpointOptions>, requests: readonly Request[]) {
  const s = await serve(options);
  for (const r of requests) expect(await post(s.port, r.requestId, r.body)).toBe(200);
  return s;
}

describe('the HTTP endpoint receiver with a worker pool', () => {
  it('hands onRecords exactly the batches it gives without the pool, for every kind of record', async () => {
    const mixed = mixedRecords();
    const workloadOnly = [...generateWorkload({ events: 3000, seed: 43 })].map((p) => ({
      data: b64(gzipEnvelope(p.envelope)),
    }));
    const requests = [
      requestOf(
        'mixed-1',
        mixed.map(([, r]) => r),
      ),
      requestOf('workload-1', workloadOnly),
      requestOf('lines-only', [{ data: b64('a line') }, { data: b64('another') }]),
      requestOf('empty', []),
    ];
    const before = pool.stats();
    const without = await receive({ decoder: { maxDecompressedBytes: MAX_PAYLOAD } }, requests);
    const withPool = await receive({ pool }, requests);
    expect(withPool.batches).toStrictEqual(without.batches);
    expect(withPool.handler.stats).toStrictEqual(without.handler.stats);
    // The pool did decode them (every string record that may be gzip or JSON, per request).
    const after = pool.stats();
    expect(after.pooledBatches - before.pooledBatches).toBe(2);
    expect(after.inlineBatches).toBe(before.inlineBatches);
    expect(withPool.logged.some((l) => l.includes('"warn"'))).toBe(false);

    // The mixed request did take every path.
    const b = without.batches[0]!;
    const labelOf = (f: { index: number }) => mixed[f.index]![0];
    expect(b.failures.map((f) => [labelOf(f), f.code])).toEqual([
      ['plain JSON envelope after a BOM', 'INVALID_JSON'],
      ['two JSON envelopes on two lines', 'INVALID_JSON'],
      ['metric stream line with a bad statistic', 'INVALID_METRIC'],
      ['corrupt gzip', 'CORRUPT_GZIP'],
      ['truncated gzip', 'TRUNCATED_GZIP'],
      ['gzip of text that is not JSON', 'INVALID_JSON'],
      ['gzip of JSON that is not an envelope', 'INVALID_ENVELOPE'],
      ['gzip of invalid UTF-8', 'INVALID_UTF8'],
      ['plain invalid UTF-8 starting with {', 'INVALID_UTF8'],
      ['gzip payload past the cap', 'PAYLOAD_TOO_LARGE'],
      ['plain JSON payload past the cap', 'PAYLOAD_TOO_LARGE'],
      ['plain JSON past the cap and not UTF-8', 'INVALID_UTF8'],
      ['invalid base64', 'INVALID_BASE64'],
      ['base64 of a bad length', 'INVALID_BASE64'],
      ['a lone surrogate in the base64', 'INVALID_BASE64'],
      ['no data', 'UNSUPPORTED_INPUT'],
      ['data that is a number', 'UNSUPPORTED_INPUT'],
      ['a record that is a string', 'UNSUPPORTED_INPUT'],
    ]);
    for (const f of b.failures) {
      expect(f.source).toBe(`records[${f.index}]`);
      expect(f.message).toContain(f.source);
    }
    expect(b.controlMessages).toBe(2);
    // Text lines, the indented line, the JSON log line, the escaped-key envelope: raw records.
    expect(b.rawRecords).toBe(4);
    expect(b.records.map((r) => r.message)).toEqual(
      expect.arrayContaining([
        'first line',
        'second line',
        '   indented line',
        '{"level":"info","msg":"json line"}',
      ]),
    );
    // The two plain JSON envelopes (the BOM one fails), each with its two events…
    expect(b.records.filter((r) => r.message === 'plain line')).toHaveLength(2);
    // …and the envelope with an escaped key, which the pool parses as one: a raw line here.
    expect(b.records.filter((r) => r.message.includes('"message\\u0054ype"'))).toHaveLength(1);
    expect(b.metrics.map((m) => m.dimensions.metric_name)).toEqual(
      expect.arrayContaining(['Duration', 'Errors', 'Throttles']),
    );
    expect(b.records.every((r) => r.origin.region === 'eu-west-1')).toBe(true);
    expect(new Set(b.records.map((r) => r.dataset)).size).toBeGreaterThan(3);
    expect(without.batches[1]!.records.length).toBeGreaterThan(2000);
  });

  it('decodes with the pool’s classifier and decoder options, also what it leaves to this thread', async () => {
    const own = createWorkerPool({
      threads: 1,
      inlineBelowBytes: 0,
      classifier: { overrides: [{ logGroup: 'net-*', parser: 'vpc_flow' }], sniff: false },
      decoder: { maxDecompressedBytes: 1000 },
    });
    try {
      const flow =
        '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
      const request = requestOf('own-options', [
        { data: b64(gzipEnvelope(envelope('net-edge', [flow]))) },
        { data: b64(flow) },
        { data: b64(gzipEnvelope(envelope('net-edge', ['x'.repeat(2000)]))) },
      ]);
      const withPool = await receive({ pool: own }, [request]);
      const inline = await receive(
        { classifier: own.processing.classifier, decoder: own.processing.decoder },
        [request],
      );
      const defaults = await receive({}, [request]);
      expect(withPool.batches).toStrictEqual(inline.batches);
      // The override (a rule for the log group) parsed the payload on the worker; the raw
      // line (no log group) was decoded on this thread without sniffing, as the pool says.
      expect(withPool.batches[0]!.records.map((r) => r.dataset)).toEqual(['vpc_flow', 'app']);
      expect(withPool.batches[0]!.failures.map((f) => [f.source, f.code])).toEqual([
        ['records[2]', 'PAYLOAD_TOO_LARGE'],
      ]);
      // With the defaults, the raw line is sniffed and the last payload is under the cap.
      expect(defaults.batches[0]!.records.map((r) => r.dataset)).toEqual([
        'vpc_flow',
        'vpc_flow',
        'app',
      ]);
      expect(own.stats().pooledBatches).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('decodes the request on this thread when the pool refuses it, and says so in a warning', async () => {
    const closed = createWorkerPool({
      threads: 1,
      inlineBelowBytes: 0,
      decoder: { maxDecompressedBytes: MAX_PAYLOAD },
    });
    await closed.close();
    const request = requestOf(
      'refused',
      mixedRecords().map(([, r]) => r),
    );
    const without = await receive({ decoder: { maxDecompressedBytes: MAX_PAYLOAD } }, [request]);
    const withClosed = await receive({ pool: closed }, [request]);
    expect(withClosed.batches).toStrictEqual(without.batches);
    const lines = withClosed.logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({
      level: 'warn',
      msg: 'worker pool did not take the request; decoding it on this thread',
      requestId: 'refused',
      code: 'POOL_CLOSED',
      error: expect.stringMatching(/closed/),
    });
    expect(lines[1]).toMatchObject({ msg: 'logpipe firehose http', status: 200 });
  });

  it('refuses classifier or decoder options beside a pool, and a pool that is not one', () => {
    const onRecords = async () => {};
    expect(() => createHttpEndpointHandler({ onRecords, pool, classifier: {} })).toThrow(
      ConfigError,
    );
    expect(() =>
      createHttpEndpointHandler({ onRecords, pool, decoder: { maxDecompressedBytes: 10 } }),
    ).toThrow(/set classifier and decoder options on the pool/);
    expect(() =>
      createHttpEndpointHandler({ onRecords, pool: {} as unknown as WorkerPool }),
    ).toThrow(/pool must be a worker pool made by createWorkerPool/);
  });
});
