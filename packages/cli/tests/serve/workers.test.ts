import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gzipEnvelope } from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/serve/config.js';
import { ServeConfigError } from '../../src/serve/errors.js';
import { countMetricRows, type LakeRow, readLakeRows } from './support/lake.js';
import { type FirehoseRequest, firehoseRequests, sendFirehose } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
/** The same sidecar config twice: without a worker pool, and with two threads that take every request. */
let plain: ServeProcess | undefined;
let pooled: ServeProcess | undefined;

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
  [plain, pooled] = await Promise.all([
    start('plain', { threads: 0 }),
    start('pooled', { threads: 2, inlineBelowBytes: 0 }),
  ]);
});

afterAll(async () => {
  for (const s of [plain, pooled]) {
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
        const [a, b] = await Promise.all([
          sendFirehose(plain!.port, r),
          sendFirehose(pooled!.port, r),
        ]);
        return [r.requestId, a.status, b.status];
      }),
    );
    expect(answers).toEqual(requests.map((r) => [r.requestId, 200, 200]));
    // Acknowledged means durable: read right after the answers.
    const rows = sorted(await readLakeRows(join(dir, 'plain', 'lake')));
    const pooledRows = sorted(await readLakeRows(join(dir, 'pooled', 'lake')));
    expect(pooledRows).toEqual(rows);
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

    const letters = await deadLetters('plain');
    expect(letters.map((l) => (l as { code: string }).code)).toEqual([
      'TRUNCATED_GZIP',
      'INVALID_BASE64',
      'INVALID_ENVELOPE',
    ]);
    expect(await deadLetters('pooled')).toEqual(letters);
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
    busy = await start('busy', { threads: 1, maxQueue: 0, inlineBelowBytes: 0 });
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

  it('defaults to no pool and takes threads, inlineBelowBytes and maxQueue', () => {
    expect(validateConfig(base, {}).config.workers).toEqual({ threads: 0 });
    expect(
      validateConfig({ ...base, workers: { threads: 2, inlineBelowBytes: 0, maxQueue: 4 } }, {})
        .config.workers,
    ).toEqual({ threads: 2, inlineBelowBytes: 0, maxQueue: 4 });
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
    expect(problems({ thread: 2 })).toEqual(['workers.thread: unknown key']);
  });
});
