import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMetricRows, readLakeRows } from './support/lake.js';
import { firehoseRequests, post, sendFirehose } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
let serve: ServeProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-firehose-'));
  serve = await startServe(await writeConfig(dir, baseConfig(dir)));
});

afterAll(async () => {
  serve?.kill('SIGTERM');
  await serve?.exited;
  await rm(dir, { recursive: true, force: true });
});

describe('logpipe serve: Firehose HTTP endpoint source', () => {
  it('answers 200 only once every record of the request is in the lake', async () => {
    const [r] = firehoseRequests({ requests: 1, payloadsPerRequest: 20, seed: 11, prefix: 'ack' });
    const a = await sendFirehose(serve.port, r!);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ requestId: r!.requestId });
    // Read right after the answer: acknowledged means already durable.
    const ids = new Set((await readLakeRows(join(dir, 'lake'))).map((x) => x.id));
    for (const id of r!.eventIds) expect(ids.has(id)).toBe(true);
  });

  it('gives a retried request id the same event ids, and rewrites its rows in place', async () => {
    const [r] = firehoseRequests({ requests: 1, payloadsPerRequest: 5, seed: 12, prefix: 'retry' });
    expect((await sendFirehose(serve.port, r!)).status).toBe(200);
    const before = (await readLakeRows(join(dir, 'lake'))).filter((x) =>
      r!.eventIds.includes(x.id),
    );
    expect((await sendFirehose(serve.port, r!)).status).toBe(200);
    const after = (await readLakeRows(join(dir, 'lake'))).filter((x) => r!.eventIds.includes(x.id));
    // The same rows make the same file names, so a whole retry overwrites instead of
    // duplicating; when a retry is batched differently, the copies share their event id.
    expect(new Set(after.map((x) => x.id))).toEqual(new Set(r!.eventIds));
    expect(after.length).toBeGreaterThanOrEqual(r!.eventIds.length);
    expect(after.length).toBeLessThanOrEqual(2 * r!.eventIds.length);
    const byId = new Map<string, Set<string>>();
    for (const x of [...before, ...after])
      byId.set(x.id, (byId.get(x.id) ?? new Set()).add(x.message));
    for (const messages of byId.values()) expect(messages.size).toBe(1);
  });

  it('refuses a wrong access key with 401 and writes nothing of the request', async () => {
    const [r] = firehoseRequests({
      requests: 1,
      payloadsPerRequest: 2,
      seed: 13,
      prefix: 'denied',
    });
    const a = await sendFirehose(serve.port, r!, 'wrong-key');
    expect(a.status).toBe(401);
    expect(JSON.parse(a.body)).toMatchObject({ requestId: r!.requestId });
    const ids = new Set((await readLakeRows(join(dir, 'lake'))).map((x) => x.id));
    for (const id of r!.eventIds) expect(ids.has(id)).toBe(false);
  });

  it('dead-letters undecodable records with their data and acknowledges the rest', async () => {
    const [good] = firehoseRequests({
      requests: 1,
      payloadsPerRequest: 1,
      seed: 14,
      prefix: 'mixed',
    });
    const inner = JSON.parse(
      (await import('node:zlib')).gunzipSync(good!.body).toString('utf8'),
    ) as { records: Array<{ data: string }> };
    const truncated = gzipSync('{"messageType":"DATA_MESSAGE"').subarray(0, 12).toString('base64');
    const body = {
      requestId: 'mixed-req',
      timestamp: Date.now(),
      records: [...inner.records, { data: truncated }],
    };
    const a = await post(
      serve.url('/firehose'),
      {
        'content-type': 'application/json',
        'x-amz-firehose-request-id': 'mixed-req',
        'x-amz-firehose-access-key': 'test-key',
      },
      JSON.stringify(body),
    );
    expect(a.status).toBe(200);
    const letters = (await readFile(join(dir, 'dead-letters', 'input.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(letters).toContainEqual(
      expect.objectContaining({
        source: 'firehose',
        input: 'mixed-req',
        at: 'records[1]',
        code: 'TRUNCATED_GZIP',
        data: truncated,
      }),
    );
    const ids = new Set((await readLakeRows(join(dir, 'lake'))).map((x) => x.id));
    for (const id of good!.eventIds) expect(ids.has(id)).toBe(true);
  });

  it('lands the metrics of EMF and Lambda REPORT lines in the metrics dataset', async () => {
    expect(await countMetricRows(join(dir, 'lake'))).toBeGreaterThan(0);
  });

  it('serves /healthz, /readyz and Prometheus /metrics with the counts of every stage', async () => {
    expect((await fetch(serve.url('/healthz'))).status).toBe(200);
    const ready = await fetch(serve.url('/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', queue: { requests: 0 } });
    const res = await fetch(serve.url('/metrics'));
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE logpipe_http_requests_total counter');
    expect(text).toMatch(/^logpipe_http_requests_total\{source="firehose",status="200"\} [1-9]/m);
    expect(text).toMatch(/^logpipe_http_requests_total\{source="firehose",status="401"\} 1$/m);
    expect(text).toMatch(/^logpipe_errors_total\{component="firehose",code="UNAUTHORIZED"\} 1$/m);
    expect(text).toMatch(
      /^logpipe_dead_lettered_total\{source="firehose",code="TRUNCATED_GZIP"\} 1$/m,
    );
    expect(text).toMatch(
      /^logpipe_dropped_records_total\{component="firehose",reason="undecodable",intentional="false"\} 1$/m,
    );
    expect(text).toMatch(/^logpipe_sink_sent_records_total\{sink="lake",kind="log"\} [1-9]/m);
    expect(text).toMatch(/^logpipe_sink_writer_stat\{sink="lake",stat="filesWritten"\} [1-9]/m);
    expect(text).toMatch(/^logpipe_queue_requests 0$/m);
    expect(text).toMatch(/^logpipe_batch_records_bucket\{source="firehose",le="\+Inf"\} [1-9]/m);
    const acked = Number(
      /^logpipe_acknowledged_records_total\{source="firehose",kind="log"\} (\d+)$/m.exec(text)?.[1],
    );
    const sent = Number(
      /^logpipe_sink_sent_records_total\{sink="lake",kind="log"\} (\d+)$/m.exec(text)?.[1],
    );
    expect(acked).toBe(sent);
  });

  it('writes its own logs as one JSON object per line', () => {
    expect(serve.logs.length).toBeGreaterThan(0);
    for (const l of serve.logs) {
      expect(l).not.toHaveProperty('unparsed');
      expect(l).toMatchObject({ level: expect.any(String), msg: expect.any(String) });
    }
  });
});
