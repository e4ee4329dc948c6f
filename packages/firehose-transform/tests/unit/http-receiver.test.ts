import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ConfigError, type CwlEnvelope, gzipEnvelope } from '@logpipe/core';
import { describe, expect, it } from 'vitest';
import { createHttpEndpointHandler, type HttpEndpointOptions } from '../../src/http-receiver.js';
import { receiverServers } from './receiver-server.js';

const NOW = 1_700_000_000_123;
const REQUEST_ID = 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f';
const SOURCE_ARN = 'arn:aws:firehose:us-east-1:123456789012:deliverystream/testStream';
const KEY = 'k3y-0f-the-str3am';

function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
}

/** The headers Firehose sends, per the HTTP endpoint delivery spec. */
function firehoseHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-amz-firehose-protocol-version': '1.0',
    'x-amz-firehose-request-id': REQUEST_ID,
    'x-amz-firehose-source-arn': SOURCE_ARN,
    'x-amz-firehose-access-key': KEY,
    ...extra,
  };
}

function bodyOf(records: Array<Buffer | string>, requestId = REQUEST_ID): Buffer {
  return Buffer.from(
    JSON.stringify({
      requestId,
      timestamp: 1578090901599,
      records: records.map((r) => ({
        data: typeof r === 'string' ? r : r.toString('base64'),
      })),
    }),
  );
}

function envelope(logGroup: string, messages: string[], owner = '123456789012'): CwlEnvelope {
  return {
    messageType: 'DATA_MESSAGE',
    owner,
    logGroup,
    logStream: 'stream-1',
    subscriptionFilters: ['f'],
    logEvents: messages.map((message, i) => ({
      id: `3195310660696698337880902507980421114328961542429822156${i}`,
      timestamp: 1432826855000 + i,
      message,
    })),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/** A real server on 127.0.0.1 with a handler (this file's key and clock); batches given to onRecords are kept. */
const serve = receiverServers({ accessKey: KEY, now: () => NOW });

/** One HTTP request with node:http; resolves with the answer. */
function send(
  port: number,
  body: Buffer | null,
  headers: Record<string, string>,
  method = 'POST',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path: '/', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: JSON.parse(text),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function expectErrorShape(a: Answer, status: number, requestId: string): void {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toBe('application/json');
  expect(Object.keys(a.json)).toEqual(['requestId', 'timestamp', 'errorMessage']);
  expect(a.json.requestId).toBe(requestId);
  expect(a.json.timestamp).toBe(NOW);
  expect(typeof a.json.errorMessage).toBe('string');
}

describe('the request and response the Firehose spec shows', () => {
  it('answers the spec example with exactly {"requestId","timestamp"} and hands over both raw records', async () => {
    const { port, batches, handler } = await serve();
    const a = await send(port, fixture('http-request.json'), firehoseHeaders());
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json');
    expect(a.text).toBe(`{"requestId":"${REQUEST_ID}","timestamp":${NOW}}`);
    expect(batches).toHaveLength(1);
    const b = batches[0]!;
    expect(b).toMatchObject({
      requestId: REQUEST_ID,
      timestamp: 1578090901599,
      sourceArn: SOURCE_ARN,
      commonAttributes: {},
      rawRecords: 2,
      failures: [],
      controlMessages: 0,
    });
    expect(b.records.map((r) => r.message)).toEqual(['hello', 'hello world']);
    expect(b.records[0]).toMatchObject({
      time: 1578090901599,
      id: `${REQUEST_ID}:0:0`,
      dataset: 'app',
      origin: { owner: '123456789012', logGroup: '', region: 'us-east-1' },
    });
    expect(b.records[1]!.id).toBe(`${REQUEST_ID}:1:0`);
    expect(handler.stats).toMatchObject({ requests: 1, accepted: 1, records: 2, failures: 0 });
  });

  it('takes the request id from the body when the header is absent', async () => {
    const { port, batches } = await serve();
    const headers = firehoseHeaders();
    delete headers['x-amz-firehose-request-id'];
    const a = await send(port, fixture('http-request.json'), headers);
    expect(a.status).toBe(200);
    expect(a.json.requestId).toBe(REQUEST_ID);
    expect(batches[0]!.requestId).toBe(REQUEST_ID);
  });

  it('processes a retried request id again and gives the same record ids (dedup is the pipeline’s)', async () => {
    const { port, batches } = await serve();
    await send(port, fixture('http-request.json'), firehoseHeaders());
    await send(port, fixture('http-request.json'), firehoseHeaders());
    expect(batches).toHaveLength(2);
    expect(batches[1]!.records.map((r) => r.id)).toEqual(batches[0]!.records.map((r) => r.id));
  });
});

describe('records carrying CloudWatch Logs payloads', () => {
  it('decodes gzipped subscription payloads into LogRecords with their ids and fields', async () => {
    const { port, batches } = await serve();
    const vpc = envelope('/aws/vpc/flowlogs', [
      '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
    ]);
    const app = envelope('my-app', ['level=info msg="started"'], '210987654321');
    const a = await send(
      port,
      bodyOf([gzipEnvelope(vpc), gzipEnvelope(app), fixture('http-cwl-control-message.json')]),
      firehoseHeaders(),
    );
    expect(a.status).toBe(200);
    const b = batches[0]!;
    expect(b.rawRecords).toBe(0);
    expect(b.controlMessages).toBe(1);
    expect(b.records.map((r) => [r.id, r.dataset, r.time])).toEqual([
      ['31953106606966983378809025079804211143289615424298221560', 'vpc_flow', 1432826855000],
      ['31953106606966983378809025079804211143289615424298221561', 'vpc_flow', 1432826855001],
      ['31953106606966983378809025079804211143289615424298221560', 'app', 1432826855000],
    ]);
    expect(b.records[0]!.fields).toMatchObject({
      srcaddr: '172.31.16.139',
      dstport: 22,
      action: 'ACCEPT',
    });
    expect(b.records[1]!.fields).toMatchObject({ action: 'REJECT' });
    expect(b.records[0]!.origin).toMatchObject({
      owner: '123456789012',
      logGroup: '/aws/vpc/flowlogs',
      logStream: 'stream-1',
    });
    expect(b.records[2]!.origin.owner).toBe('210987654321');
  });

  it('reads a gzip-encoded body (Content-Encoding: gzip)', async () => {
    const { port, batches } = await serve();
    const body = gzipSync(bodyOf([gzipEnvelope(envelope('my-app', ['one', 'two']))]));
    const a = await send(port, body, firehoseHeaders({ 'content-encoding': 'gzip' }));
    expect(a.status).toBe(200);
    expect(batches[0]!.records.map((r) => r.message)).toEqual(['one', 'two']);
  });

  it('passes the common attributes through', async () => {
    const { port, batches } = await serve();
    const attrs = JSON.stringify({ commonAttributes: { env: 'prod', team: 'payments' } });
    const a = await send(
      port,
      fixture('http-request.json'),
      firehoseHeaders({ 'x-amz-firehose-common-attributes': attrs }),
    );
    expect(a.status).toBe(200);
    expect(batches[0]!.commonAttributes).toEqual({ env: 'prod', team: 'payments' });
  });

  it('refuses common attributes that are not {"commonAttributes":{name:string}} with 400', async () => {
    const { port, batches } = await serve();
    const a = await send(
      port,
      fixture('http-request.json'),
      firehoseHeaders({ 'x-amz-firehose-common-attributes': '{"commonAttributes":{"n":1}}' }),
    );
    expectErrorShape(a, 400, REQUEST_ID);
    expect(batches).toHaveLength(0);
  });

  it('delivers the good records and reports the bad ones with their code instead of failing the request', async () => {
    const { port, batches, handler } = await serve();
    const good = gzipEnvelope(envelope('my-app', ['kept']));
    const truncated = good.subarray(0, good.length - 12);
    const a = await send(
      port,
      bodyOf([Buffer.from('raw line'), 'not*base64!', truncated, good]),
      firehoseHeaders(),
    );
    expect(a.status).toBe(200);
    const b = batches[0]!;
    expect(b.records.map((r) => r.message)).toEqual(['raw line', 'kept']);
    expect(b.failures.map((f) => [f.source, f.index, f.code])).toEqual([
      ['records[1]', 1, 'INVALID_BASE64'],
      ['records[2]', 2, 'TRUNCATED_GZIP'],
    ]);
    expect(b.failures[1]!.data).toBe(truncated.toString('base64'));
    expect(b.failures[1]!.message).toMatch(/records\[2\]/);
    expect(handler.stats).toMatchObject({ accepted: 1, records: 2, failures: 2 });
  });
});

describe('CloudWatch Metric Streams delivered to the endpoint', () => {
  it('turns JSON-format metric stream records into metrics and fails a record with a bad line whole', async () => {
    const { port, batches } = await serve();
    const point = (metric: string, sum: unknown) =>
      JSON.stringify({
        metric_stream_name: 'ms',
        account_id: '123456789012',
        region: 'us-east-1',
        namespace: 'AWS/Lambda',
        metric_name: metric,
        dimensions: { FunctionName: 'orders' },
        timestamp: NOW - 60_000,
        value: { max: 3, min: 1, sum, count: 2 },
        unit: 'Milliseconds',
      });
    const good = `${point('Duration', 4)}\n${point('Errors', 0)}\n`;
    const bad = `${point('Duration', 5)}\n${point('Errors', 'zero')}\n`;
    const a = await send(port, bodyOf([Buffer.from(good), Buffer.from(bad)]), firehoseHeaders());
    expect(a.status).toBe(200);
    const b = batches[0]!;
    expect(b.records).toEqual([]);
    expect(b.metrics.map((m) => [m.dimensions.metric_name, m.measures.sum?.value])).toEqual([
      ['Duration', 4],
      ['Errors', 0],
    ]);
    expect(b.failures.map((f) => [f.source, f.code])).toEqual([['records[1]', 'INVALID_METRIC']]);
    expect(b.failures[0]!.message).toMatch(/records\[1\] line 2: .*statistic sum/);
    expect(b.failures[0]!.data).toBe(Buffer.from(bad).toString('base64'));
  });
});

describe('access keys', () => {
  it('refuses a wrong access key with 401 and never calls onRecords', async () => {
    const { port, batches, handler } = await serve();
    const a = await send(
      port,
      fixture('http-request.json'),
      firehoseHeaders({ 'x-amz-firehose-access-key': 'k3y-0f-the-str3aM' }),
    );
    expectErrorShape(a, 401, REQUEST_ID);
    expect(batches).toHaveLength(0);
    expect(handler.stats.rejected).toEqual({ 401: 1 });
    expect(handler.stats.errors).toEqual({ UNAUTHORIZED: 1 });
  });

  it('refuses a request without a key when one is configured with 401', async () => {
    const { port, batches } = await serve();
    const headers = firehoseHeaders();
    delete headers['x-amz-firehose-access-key'];
    const a = await send(port, fixture('http-request.json'), headers);
    expectErrorShape(a, 401, REQUEST_ID);
    expect(batches).toHaveLength(0);
  });

  it('accepts any of several keys (rotation) and still refuses others', async () => {
    const { port, batches } = await serve({ accessKey: ['old-key', 'new-key'] });
    for (const key of ['old-key', 'new-key']) {
      const a = await send(
        port,
        fixture('http-request.json'),
        firehoseHeaders({ 'x-amz-firehose-access-key': key }),
      );
      expect(a.status).toBe(200);
    }
    const refusedKey = await send(
      port,
      fixture('http-request.json'),
      firehoseHeaders({ 'x-amz-firehose-access-key': 'new-key-but-longer' }),
    );
    expect(refusedKey.status).toBe(401);
    expect(batches).toHaveLength(2);
  });

  it('accepts any key when none is configured', async () => {
    const { port } = await serve({ accessKey: undefined });
    const headers = firehoseHeaders();
    delete headers['x-amz-firehose-access-key'];
    expect((await send(port, fixture('http-request.json'), headers)).status).toBe(200);
  });
});

describe('acknowledging only after the pipeline', () => {
  it('answers 500 with errorMessage when onRecords rejects, so Firehose retries', async () => {
    const { port, handler } = await serve({
      onRecords: async () => {
        throw new Error('sink unavailable');
      },
    });
    const a = await send(port, fixture('http-request.json'), firehoseHeaders());
    expectErrorShape(a, 500, REQUEST_ID);
    expect(a.json.errorMessage).toMatch(/sink unavailable/);
    expect(handler.stats).toMatchObject({
      accepted: 0,
      records: 0,
      rejected: { 500: 1 },
      errors: { CALLBACK_FAILED: 1 },
    });
  });

  it('answers 500 when onRecords outlasts callbackTimeoutMs and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const { port } = await serve({
      callbackTimeoutMs: 50,
      onRecords: (_b, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      },
    });
    const a = await send(port, fixture('http-request.json'), firehoseHeaders());
    expectErrorShape(a, 500, REQUEST_ID);
    expect(a.json.errorMessage).toMatch(/within 50 ms/);
    expect(signal?.aborted).toBe(true);
  });

  it('keeps the status of an HttpEndpointError onRecords rejects with (backpressure)', async () => {
    const { HttpEndpointError } = await import('../../src/errors.js');
    const { port } = await serve({
      onRecords: async () => {
        throw new HttpEndpointError('BUSY', 503, 'queue full');
      },
    });
    const a = await send(port, fixture('http-request.json'), firehoseHeaders());
    expectErrorShape(a, 503, REQUEST_ID);
    expect(a.json.errorMessage).toBe('queue full');
  });

  it('sends no response before onRecords resolved', async () => {
    const order: string[] = [];
    let release!: () => void;
    let started!: () => void;
    const inCallback = new Promise<void>((r) => {
      started = r;
    });
    const { port } = await serve({
      onRecords: async () => {
        order.push('onRecords started');
        started();
        await new Promise<void>((r) => {
          release = r;
        });
        order.push('onRecords resolved');
      },
    });
    const answer = send(port, fixture('http-request.json'), firehoseHeaders()).then((a) => {
      order.push('response');
      return a;
    });
    await inCallback;
    // Give a premature response every chance to arrive.
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(['onRecords started']);
    release();
    expect((await answer).status).toBe(200);
    expect(order).toEqual(['onRecords started', 'onRecords resolved', 'response']);
  });
});

describe('refusing what is not a Firehose delivery request', () => {
  it('answers 400 to malformed JSON, echoing the header request id', async () => {
    const { port, batches } = await serve();
    const a = await send(port, Buffer.from('{"requestId":"x", records: ['), firehoseHeaders());
    expectErrorShape(a, 400, REQUEST_ID);
    expect(a.json.errorMessage).toMatch(/not JSON/);
    expect(batches).toHaveLength(0);
  });

  it('answers 400 to JSON that is not the request shape, with an empty request id when none is known', async () => {
    const { port } = await serve();
    const headers = firehoseHeaders();
    delete headers['x-amz-firehose-request-id'];
    const a = await send(port, Buffer.from('{"records":"nope"}'), headers);
    expectErrorShape(a, 400, '');
  });

  it('answers 400 when the header and body request ids differ', async () => {
    const { port } = await serve();
    const a = await send(port, bodyOf(['aGVsbG8='], 'other-id'), firehoseHeaders());
    expectErrorShape(a, 400, REQUEST_ID);
  });

  it('answers 400 to an unsupported protocol version', async () => {
    const { port } = await serve();
    const a = await send(
      port,
      fixture('http-request.json'),
      firehoseHeaders({ 'x-amz-firehose-protocol-version': '2.0' }),
    );
    expectErrorShape(a, 400, REQUEST_ID);
  });

  it('answers 415 to a body that is not application/json', async () => {
    const { port } = await serve();
    const a = await send(
      port,
      fixture('http-request.json'),
      firehoseHeaders({ 'content-type': 'text/plain' }),
    );
    expectErrorShape(a, 415, REQUEST_ID);
  });

  it('answers 405 to GET with Allow: POST', async () => {
    const { port } = await serve();
    const a = await send(port, null, { 'x-amz-firehose-request-id': REQUEST_ID }, 'GET');
    expectErrorShape(a, 405, REQUEST_ID);
    expect(a.headers.allow).toBe('POST');
  });

  it('answers 413 at once to a declared Content-Length over maxBodyBytes', async () => {
    const { port, batches } = await serve({ maxBodyBytes: 1024 });
    const a = await send(port, Buffer.alloc(4096, 0x20), firehoseHeaders());
    expectErrorShape(a, 413, REQUEST_ID);
    expect(a.headers.connection).toBe('close');
    expect(batches).toHaveLength(0);
  });

  it('answers 413 to a chunked body once it passes maxBodyBytes, without reading the rest', async () => {
    const { port } = await serve({ maxBodyBytes: 16 * 1024 });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const result = await new Promise<{ a: Answer; written: number }>((resolve, reject) => {
      let written = 0;
      let answered = false;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: firehoseHeaders(),
          agent: false,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              a: {
                status: res.statusCode ?? 0,
                headers: res.headers,
                text,
                json: JSON.parse(text),
              },
              written,
            });
          });
        },
      );
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      // Up to 256 MiB unless the server answers first.
      const pump = (): void => {
        while (!answered && written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expectErrorShape(result.a, 413, REQUEST_ID);
    expect(result.a.json.errorMessage).toMatch(/maxBodyBytes/);
    expect(result.written).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers 413 to a gzip bomb (1 GiB of zeros in concatenated members) with bounded memory', async () => {
    const { port, batches } = await serve({ maxDecompressedBytes: 4 * 1024 * 1024 });
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 1);
    const a = await send(port, bomb, firehoseHeaders({ 'content-encoding': 'gzip' }));
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    expectErrorShape(a, 413, REQUEST_ID);
    expect(a.json.errorMessage).toMatch(/maxDecompressedBytes/);
    expect(peak - base).toBeLessThan(128 * 1024 * 1024);
    expect(batches).toHaveLength(0);
  });

  it('answers 400 to a gzip body that is corrupt', async () => {
    const { port } = await serve();
    const body = gzipSync(fixture('http-request.json'));
    const a = await send(
      port,
      body.subarray(0, body.length - 10),
      firehoseHeaders({ 'content-encoding': 'gzip' }),
    );
    expectErrorShape(a, 400, REQUEST_ID);
  });
});

describe('options', () => {
  it.each([
    ['no onRecords', { onRecords: undefined }, /onRecords/],
    ['maxBodyBytes 0', { maxBodyBytes: 0 }, /maxBodyBytes/],
    ['a fractional maxDecompressedBytes', { maxDecompressedBytes: 1.5 }, /maxDecompressedBytes/],
    [
      'callbackTimeoutMs at Firehose’s 3 minutes',
      { callbackTimeoutMs: 180_000 },
      /callbackTimeoutMs/,
    ],
    ['an empty accessKey', { accessKey: '' }, /accessKey/],
    ['an empty accessKey list', { accessKey: [] }, /accessKey/],
    ['an accessKey over 4096 bytes', { accessKey: 'x'.repeat(4097) }, /4096/],
  ])('throws ConfigError at construction for %s', (_label, bad, message) => {
    const options = { onRecords: async () => {}, ...bad } as unknown as HttpEndpointOptions;
    expect(() => createHttpEndpointHandler(options)).toThrow(ConfigError);
    expect(() => createHttpEndpointHandler(options)).toThrow(message);
  });

  it('logs one line per request with its id and status', async () => {
    const { port, logged } = await serve();
    await send(port, fixture('http-request.json'), firehoseHeaders());
    expect(logged.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        msg: 'logpipe firehose http',
        requestId: REQUEST_ID,
        status: 200,
        records: 2,
        failures: 0,
      }),
    ]);
  });
});
