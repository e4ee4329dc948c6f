import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gateEnv, type S3Gate, startS3Gate } from './support/s3-gate.js';
import { firehoseRequests, fluentBitBody, sendFirehose, sendFluentBit } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
let gate: S3Gate;
let serve: ServeProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-bp-'));
});

afterEach(async () => {
  serve?.kill('SIGKILL');
  await serve?.exited;
  serve = undefined;
  await gate?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A sidecar whose only sink is an S3 lake behind the gate, with a queue of 2 requests. */
async function start(mode: 'hold' | 'deny'): Promise<ServeProcess> {
  gate = await startS3Gate(mode);
  const config = baseConfig(dir, {
    sinks: [{ type: 'lake', location: 's3://lake-bucket/logs', flushIntervalMs: 100 }],
    queue: { maxRequests: 2, maxBytes: 64 * 1024 * 1024, retryAfterSeconds: 3 },
  });
  serve = await startServe(await writeConfig(dir, config), { env: gateEnv(gate) });
  return serve;
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('logpipe serve: bounded queue and sink failures', () => {
  it('answers 429 with Retry-After while the queue is full, then acknowledges the held requests', async () => {
    const s = await start('hold');
    const [a, , c] = firehoseRequests({
      requests: 3,
      payloadsPerRequest: 2,
      seed: 21,
      prefix: 'bp',
    });
    const first = sendFirehose(s.port, a!);
    const second = sendFluentBit(s.port, fluentBitBody([{ date: 1_767_225_600.5, log: 'held' }]));
    // Both are admitted and wait for the (held) S3 writes.
    await until(() => gate.held() >= 1, 'the sink to hold a write');
    await until(
      async () =>
        ((await (await fetch(s.url('/readyz'))).json()) as { queue: { requests: number } }).queue
          .requests === 2,
      'two requests in the queue',
    );
    const refusedFirehose = await sendFirehose(s.port, c!);
    expect(refusedFirehose.status).toBe(429);
    expect(refusedFirehose.headers['retry-after']).toBe('3');
    expect(JSON.parse(refusedFirehose.body)).toMatchObject({
      requestId: c!.requestId,
      errorMessage: expect.stringContaining('queue full'),
    });
    const refusedFluentBit = await sendFluentBit(
      s.port,
      fluentBitBody([{ date: 1_767_225_600.5, log: 'refused' }]),
    );
    expect(refusedFluentBit.status).toBe(429);
    expect(refusedFluentBit.headers['retry-after']).toBe('3');

    gate.setMode('pass');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await sendFirehose(s.port, c!)).status).toBe(200);
    const metrics = await (await fetch(s.url('/metrics'))).text();
    expect(metrics).toMatch(/^logpipe_queue_refused_total\{reason="requests"\} 2$/m);
    expect(metrics).toMatch(/^logpipe_http_requests_total\{source="firehose",status="429"\} 1$/m);
  });

  it('answers 503 with Retry-After when a sink fails, so the sender retries', async () => {
    const s = await start('deny');
    const [r] = firehoseRequests({ requests: 1, payloadsPerRequest: 2, seed: 22, prefix: 'deny' });
    const a = await sendFirehose(s.port, r!);
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('3');
    expect(JSON.parse(a.body).errorMessage).toContain('STORAGE_WRITE_FAILED');
    const fb = await sendFluentBit(s.port, fluentBitBody([{ date: 1_767_225_600.5, log: 'x' }]));
    expect(fb.status).toBe(503);
    expect(fb.headers['retry-after']).toBe('3');

    // The same request succeeds once the sink works again.
    gate.setMode('pass');
    expect((await sendFirehose(s.port, r!)).status).toBe(200);
    const metrics = await (await fetch(s.url('/metrics'))).text();
    expect(metrics).toMatch(
      /^logpipe_errors_total\{component="lake",code="STORAGE_WRITE_FAILED"\} 2$/m,
    );
    expect(metrics).toMatch(/^logpipe_http_requests_total\{source="firehose",status="503"\} 1$/m);
  });
});
