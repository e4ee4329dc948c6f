import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gzipEnvelope } from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/serve/config.js';
import { ServeConfigError } from '../../src/serve/errors.js';
import { buildSinks, buildWorkerPool, encodeThreads } from '../../src/serve/run.js';
import { countMetricRows, type LakeRow, readLakeRows } from './support/lake.js';
import { type FirehoseRequest, firehoseRequests, sendFirehose } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
/**
 * The same sidecar config three times: without worker threads; with two threads that decode
 * every request (`decode: true`) and two that encode every Parquet file; and with `threads: 2`
 * alone, which encodes on the threads and decodes on the main thread (`decode` is off unless set).
 */
let plain: ServeProcess | undefined;
let pooled: ServeProcess | undefined;
let encodeOnly: ServeProcess | undefined;

const b64 = (x: Buffer | string): string => Buffer.from(x).toString('base64');

/** A Firehose request of records other than gzip payloads: every other path of the receiver. */
function mixedRequest(): FirehoseRequest {
  const app = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/ecs/orders',
    logStream: 'web-1',
    subscriptionFilters: ['f'],
    logEvents: [
      { id: 'plain-json-0', timestamp: 1_767_225_600_000, message: 'level=info msg=started' },
      { id: 'plain-json-1', timestamp: 1_767_225_601_000, message: '{"level":"warn","msg":"x"}' },
    ],
  };
  const metric = JSON.stringify({
    metric_stream_name: 'ms',
    account_id: '123456789012',
    region: 'us-east-1',
    namespace: 'AWS/Lambda',
    metric_name: 'Duration',
    dimensions: { FunctionName: 'orders' },
    timestamp: 1_767_225_600_000,
    value: { max: 3, min: 1, sum: 4, count: 2 },
    unit: 'Milliseconds',
  });
  const control = { ...app, messageType: 'CONTROL_MESSAGE', logEvents: [] };
  const records = [
    { data: b64(JSON.stringify(app)) },
    { data: b64(gzipSync(JSON.stringify(control))) },
    { data: b64(`${metric}\n${metric.replace('"Duration"', '"Errors"')}\n`) },
    { data: b64('a raw line\nanother raw line\n') },
    {
      data: gzipEnvelope(app as never)
        .subarray(0, 15)
        .toString('base64'),
    },
    { data: 'not base64!' },
    { data: b64(gzipSync('{"not":"an envelope"}')) },
  ];
  const requestId = 'workers-mixed';
  return {
    requestId,
    body: gzipSync(JSON.stringify({ requestId, timestamp: 1_767_225_600_000, records })),
    eventIds: ['plain-json-0', 'plain-json-1'],
  };
}

const REFUSED = 'worker pool did not take the request; decoding it on this thread';

const requests = [
  ...firehoseRequests({ requests: 6, payloadsPerRequest: 12, seed: 51, prefix: 'workers' }),
  mixedRequest(),
];

async function start(name: string, workers: Record<string, unknown>): Promise<ServeProcess> {
  const sub = join(dir, name);
  await mkdir(sub);
  // Buffers are written a second after their first row: a request stays in flight that long.
  const config = baseConfig(sub, {
    workers,
    log: { level: 'debug' },
    sinks: [{ type: 'lake', location: join(sub, 'lake'), flushIntervalMs: 1000 }],
  });
  return startServe(await writeConfig(sub, config));
}

function sorted(rows: LakeRow[]): LakeRow[] {
  return rows.sort((a, b) =>
    a.id === b.id ? a.message.localeCompare(b.message) : a.id.localeCompare(b.id),
  );
}

async function deadLetters(name: string): Promise<unknown[]> {
  const text = await readFile(join(dir, name, 'dead-letters', 'input.ndjson'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => {
      const { time: _time, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

function metric(text: string, series: string): number {
  const escaped = series.replace(/[{}"=]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-workers-'));
  [plain, pooled, encodeOnly] = await Promise.all([
    start('plain', { threads: 0 }),
    start('pooled', { threads: 2, decode: true, inlineBelowBytes: 0 }),
    start('encode-only', { threads: 2 }),
  ]);
});

afterAll(async () => {
  for (const s of [plain, pooled, encodeOnly]) {
    s?.kill('SIGKILL');
    await s?.exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('logpipe serve with a worker pool (workers.threads)', () => {
  it('lands exactly the rows, metrics and dead letters it lands without the pool', async () => {
    // All at once: the pool holds several requests at a time.
    const answers = await Promise.all(
      requests.map(async (r) => {
        const [a, b, c] = await Promise.all([
          sendFirehose(plain!.port, r),
          sendFirehose(pooled!.port, r),
          sendFirehose(encodeOnly!.port, r),
        ]);
        return [r.requestId, a.status, b.status, c.status];
      }),
    );
    expect(answers).toEqual(requests.map((r) => [r.requestId, 200, 200, 200]));
    // Acknowledged means durable: read right after the answers.
    const rows = sorted(await readLakeRows(join(dir, 'plain', 'lake')));
    // Files encoded by the Parquet encoder pool hold exactly the rows encoded on the main thread.
    const pooledRows = sorted(await readLakeRows(join(dir, 'pooled', 'lake')));
    expect(pooledRows).toEqual(rows);
    expect(sorted(await readLakeRows(join(dir, 'encode-only', 'lake')))).toEqual(rows);
    const ids = new Set(rows.map((x) => x.id));
    for (const r of requests) for (const id of r.eventIds) expect(ids.has(id)).toBe(true);
    // The raw lines of the mixed request are there too, with ids from the request id.
    expect(rows.filter((x) => x.id.startsWith('workers-mixed:')).map((x) => x.message)).toEqual([
      'a raw line',
      'another raw line',
    ]);
    const metricRows = await countMetricRows(join(dir, 'plain', 'lake'));
    expect(metricRows).toBeGreaterThan(2);
    expect(await countMetricRows(join(dir, 'pooled', 'lake'))).toBe(metricRows);
    expect(await countMetricRows(join(dir, 'encode-only', 'lake'))).toBe(metricRows);

    const letters = await deadLetters('plain');
    expect(letters.map((l) => (l as { code: string }).code)).toEqual([
      'TRUNCATED_GZIP',
      'INVALID_BASE64',
      'INVALID_ENVELOPE',
    ]);
    expect(await deadLetters('pooled')).toEqual(letters);
  });

  it('encodes every Parquet file on the encoder threads, with or without the decoding pool', async () => {
    const stat = (text: string, name: string) =>
      metric(text, `logpipe_sink_writer_stat{sink="lake",stat="${name}"}`);
    const text = await (await fetch(pooled!.url('/metrics'))).text();
    const files = stat(text, 'filesWritten');
    expect(files).toBeGreaterThan(0);
    expect(stat(text, 'encoder.threads')).toBe(2);
    // Every file went through the pool: none failed, none fell back to the main thread.
    expect(stat(text, 'encoder.encoded')).toBe(files);
    expect(stat(text, 'encoder.rows')).toBe(stat(text, 'rowsWritten'));
    expect(stat(text, 'encoder.failed')).toBe(0);
    expect(stat(text, 'encoder.inlineFallbacks')).toBe(0);
    expect(stat(text, 'encoder.pending')).toBe(0);
    expect(pooled!.logs.find((l) => l.msg === 'logpipe serve listening')).toMatchObject({
      workers: { threads: 2, encodeThreads: 2 },
    });
    // threads: 2 alone: no decoding pool, the encoder pool all the same.
    const only = await (await fetch(encodeOnly!.url('/metrics'))).text();
    expect(stat(only, 'encoder.threads')).toBe(2);
    expect(stat(only, 'encoder.encoded')).toBe(stat(only, 'filesWritten'));
    expect(stat(only, 'encoder.rows')).toBe(stat(only, 'rowsWritten'));
    expect(stat(only, 'encoder.failed') + stat(only, 'encoder.inlineFallbacks')).toBe(0);
    expect(metric(only, 'logpipe_worker_threads')).toBe(0);
    expect(only).not.toContain('logpipe_worker_batches_total{');
    expect(encodeOnly!.logs.find((l) => l.msg === 'logpipe serve listening')).toMatchObject({
      workers: { threads: 0, encodeThreads: 2 },
    });
    const none = await (await fetch(plain!.url('/metrics'))).text();
    expect(stat(none, 'filesWritten')).toBeGreaterThan(0);
    expect(none).not.toContain('stat="encoder.');
    expect(plain!.logs.find((l) => l.msg === 'logpipe serve listening')).toMatchObject({
      workers: { threads: 0, encodeThreads: 0 },
    });
  });

  it('reports the pool on /metrics: its threads, and every request on the workers', async () => {
    const text = await (await fetch(pooled!.url('/metrics'))).text();
    expect(metric(text, 'logpipe_worker_threads')).toBe(2);
    expect(metric(text, 'logpipe_worker_batches_total{where="pool"}')).toBe(requests.length);
    expect(metric(text, 'logpipe_worker_batches_total{where="inline"}')).toBe(0);
    expect(metric(text, 'logpipe_worker_tasks_total')).toBeGreaterThanOrEqual(requests.length);
    expect(metric(text, 'logpipe_worker_pending_batches')).toBe(0);
    expect(metric(text, 'logpipe_worker_refused_total{reason="queue_full"}')).toBe(0);
    const plainText = await (await fetch(plain!.url('/metrics'))).text();
    expect(metric(plainText, 'logpipe_worker_threads')).toBe(0);
    expect(plainText).not.toContain('logpipe_worker_batches_total{');
    for (const kind of ['log', 'metric']) {
      const series = `logpipe_acknowledged_records_total{source="firehose",kind="${kind}"}`;
      expect(metric(text, series)).toBe(metric(plainText, series));
      expect(metric(text, series)).toBeGreaterThan(0);
    }
    expect(pooled!.logs.find((l) => l.msg === 'logpipe serve listening')).toMatchObject({
      workers: { threads: 2, inlineBelowBytes: 0 },
    });
    // No request fell back to the main thread.
    expect(pooled!.logs.filter((l) => l.msg === REFUSED)).toEqual([]);
  });

  it('answers the requests in flight on SIGTERM, then closes the pool and exits 0', async () => {
    const s = pooled!;
    const [r] = firehoseRequests({ requests: 1, payloadsPerRequest: 12, seed: 52, prefix: 'last' });
    const answer = sendFirehose(s.port, r!);
    // In flight: decoded (on the workers) and waiting for the lake's age flush.
    const end = Date.now() + 10_000;
    const depth = async () =>
      ((await (await fetch(s.url('/readyz'))).json()) as { queue: { requests: number } }).queue
        .requests;
    while ((await depth()) < 1 && Date.now() < end) await new Promise((x) => setTimeout(x, 10));
    s.kill('SIGTERM');
    expect((await answer).status).toBe(200);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const msgs = s.logs.map((l) => l.msg);
    expect(msgs).toEqual(
      expect.arrayContaining(['logpipe serve drained', 'logpipe serve stopped']),
    );
    expect(msgs).not.toContain('closing the worker pool failed');
    expect(msgs).not.toContain('closing a sink failed');
    const ids = new Set((await readLakeRows(join(dir, 'pooled', 'lake'))).map((x) => x.id));
    for (const id of r!.eventIds) expect(ids.has(id)).toBe(true);
  });
});

describe('logpipe serve with a worker pool that is full', () => {
  let busy: ServeProcess | undefined;
  afterAll(async () => {
    busy?.kill('SIGKILL');
    await busy?.exited;
  });

  it('decodes the requests the pool refuses on the main thread, warns, and counts them', async () => {
    // One thread and no queue: a request arriving while another is on the worker is refused.
    busy = await start('busy', { threads: 1, decode: true, maxQueue: 0, inlineBelowBytes: 0 });
    const burst = firehoseRequests({
      requests: 16,
      payloadsPerRequest: 40,
      eventsPerPayload: [20, 60],
      seed: 53,
      prefix: 'burst',
    });
    const answers = await Promise.all(burst.map((r) => sendFirehose(busy!.port, r)));
    expect(answers.map((a) => a.status)).toEqual(burst.map(() => 200));
    const ids = new Set((await readLakeRows(join(dir, 'busy', 'lake'))).map((x) => x.id));
    for (const r of burst) for (const id of r.eventIds) expect(ids.has(id)).toBe(true);
    const warnings = busy.logs.filter((l) => l.msg === REFUSED);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) {
      expect(w).toMatchObject({ level: 'warn', source: 'firehose', code: 'POOL_QUEUE_FULL' });
      expect(burst.map((r) => r.requestId)).toContain(w.requestId);
    }
    const text = await (await fetch(busy.url('/metrics'))).text();
    expect(metric(text, 'logpipe_worker_refused_total{reason="queue_full"}')).toBe(warnings.length);
    expect(metric(text, 'logpipe_worker_batches_total{where="pool"}')).toBe(
      burst.length - warnings.length,
    );
  });
});

describe('the lake sinks of workers.encode', () => {
  const config = (workers: Record<string, unknown>) =>
    validateConfig(
      { sources: { stdin: {} }, sinks: [{ type: 'lake', location: join(dir, 'sinks') }], workers },
      {},
    ).config;
  const encoderStats = async (workers: Record<string, unknown>) => {
    const c = config(workers);
    const [sink] = await buildSinks(c, { workers: true });
    try {
      return Object.keys(sink!.stats()).filter((k) => k.startsWith('encoder.'));
    } finally {
      await sink!.close();
    }
  };

  it('encode on worker threads by default with threads > 0, and not with encode: false', async () => {
    expect(encodeThreads(config({ threads: 2 }))).toBe(2);
    expect(encodeThreads(config({ threads: 2, decode: false }))).toBe(2);
    expect(encodeThreads(config({ threads: 2, encode: false }))).toBe(0);
    expect(encodeThreads(config({}))).toBe(0);
    expect(await encoderStats({ threads: 2 })).toContain('encoder.threads');
    expect(await encoderStats({ threads: 2, encode: false })).toEqual([]);
    expect(await encoderStats({ threads: 0 })).toEqual([]);
    // Decoding on the threads only when asked (it measured slower).
    expect(buildWorkerPool(config({ threads: 2 }), {})).toBeUndefined();
    expect(buildWorkerPool(config({ threads: 2, decode: false }), {})).toBeUndefined();
    const decoding = buildWorkerPool(config({ threads: 2, decode: true }), {});
    expect(decoding?.threads).toBe(2);
    await decoding?.close();
    // `logpipe serve --check` builds the sinks without threads.
    const [sink] = await buildSinks(config({ threads: 2 }));
    expect(Object.keys(sink!.stats()).filter((k) => k.startsWith('encoder.'))).toEqual([]);
    await sink!.close();
  });
});

describe('the workers config section', () => {
  const base = { sources: { stdin: {} }, sinks: [{ type: 'lake', location: './lake' }] };
  const problems = (workers: unknown): string[] => {
    try {
      validateConfig({ ...base, workers }, {});
    } catch (err) {
      if (err instanceof ServeConfigError) return [...err.problems];
      throw err;
    }
    return [];
  };

  it('defaults to no pool and takes threads, inlineBelowBytes, maxQueue, decode and encode', () => {
    expect(validateConfig(base, {}).config.workers).toEqual({ threads: 0 });
    expect(
      validateConfig({ ...base, workers: { threads: 2, inlineBelowBytes: 0, maxQueue: 4 } }, {})
        .config.workers,
    ).toEqual({ threads: 2, inlineBelowBytes: 0, maxQueue: 4 });
    expect(
      validateConfig({ ...base, workers: { threads: 2, decode: false, encode: true } }, {}).config
        .workers,
    ).toEqual({ threads: 2, decode: false, encode: true });
  });

  it('names the key path of a bad value', () => {
    expect(problems({ threads: -1 })).toEqual([
      'workers.threads: Too small: expected number to be >=0',
    ]);
    expect(problems({ threads: 1.5 })).toEqual(['workers.threads: expected int, received number']);
    expect(problems({ threads: 1000 })).toEqual([
      'workers.threads: Too big: expected number to be <=64',
    ]);
    expect(problems({ threads: 2, inlineBelowBytes: '256k' })).toEqual([
      'workers.inlineBelowBytes: expected number, received string',
    ]);
    expect(problems({ threads: 2, maxQueue: -3 })).toEqual([
      'workers.maxQueue: Too small: expected number to be >=0',
    ]);
    expect(problems({ threads: 2, encode: 'yes' })).toEqual([
      'workers.encode: expected boolean, received string',
    ]);
    expect(problems({ threads: 2, decode: 1 })).toEqual([
      'workers.decode: expected boolean, received number',
    ]);
    expect(problems({ thread: 2 })).toEqual(['workers.thread: unknown key']);
  });
});
