import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLakeRows } from './support/lake.js';
import { gateEnv, type S3Gate, startS3Gate } from './support/s3-gate.js';
import { type Answer, firehoseRequests, sendFirehose } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
let serve: ServeProcess | undefined;
let gate: S3Gate | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-term-'));
});

afterEach(async () => {
  serve?.kill('SIGKILL');
  await serve?.exited;
  serve = undefined;
  await gate?.close();
  gate = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function queueDepth(s: ServeProcess): Promise<number> {
  const r = (await (await fetch(s.url('/readyz'))).json()) as { queue: { requests: number } };
  return r.queue.requests;
}

describe('logpipe serve: SIGTERM', () => {
  it('flushes every buffer on SIGTERM during load: every acknowledged record is in the lake, exit 0', async () => {
    // Buffers roll only by age (a minute) or at shutdown; the queue's high-water mark is 32.
    const config = baseConfig(dir, {
      sinks: [{ type: 'lake', location: join(dir, 'lake'), flushIntervalMs: 60_000 }],
    });
    const s = await startServe(await writeConfig(dir, config));
    serve = s;
    const requests = firehoseRequests({
      requests: 60,
      payloadsPerRequest: 4,
      seed: 31,
      prefix: 'term',
    });
    const answers = new Map<string, Answer | Error>();
    const send = async (i: number): Promise<void> => {
      const r = requests[i]!;
      try {
        answers.set(r.requestId, await sendFirehose(s.port, r));
      } catch (err) {
        answers.set(r.requestId, err as Error);
      }
    };
    // 20 requests in flight, waiting for their buffers…
    const inFlight = Array.from({ length: 20 }, (_, i) => send(i));
    const end = Date.now() + 10_000;
    while ((await queueDepth(s)) < 20 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(await queueDepth(s)).toBe(20);
    // …and a sender that keeps going while the sidecar stops.
    let next = 20;
    const steady = (async () => {
      while (next < requests.length) {
        await send(next++);
      }
    })();
    s.kill('SIGTERM');
    await Promise.all([...inFlight, steady]);
    const exit = await s.exited;
    expect(exit).toEqual({ code: 0, signal: null });

    const acknowledged = requests.filter(
      (r) => (answers.get(r.requestId) as Answer).status === 200,
    );
    // Everything admitted before the signal was acknowledged by the shutdown flush.
    for (const r of requests.slice(0, 20))
      expect((answers.get(r.requestId) as Answer).status).toBe(200);
    // Whatever came after it was refused (503, or the connection was refused): never accepted and dropped.
    for (const r of requests.slice(20)) {
      const a = answers.get(r.requestId);
      if (!(a instanceof Error)) expect([200, 503]).toContain(a?.status);
    }
    const ids = new Set((await readLakeRows(join(dir, 'lake'))).map((x) => x.id));
    for (const r of acknowledged) for (const id of r.eventIds) expect(ids.has(id)).toBe(true);
    expect(s.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'logpipe serve shutting down',
        'logpipe serve drained',
        'logpipe serve stopped',
      ]),
    );
  });

  it('exits 1 at the shutdown deadline when a sink cannot finish, leaving its input unacknowledged', async () => {
    gate = await startS3Gate('hold');
    const config = baseConfig(dir, {
      sinks: [{ type: 'lake', location: 's3://lake-bucket/logs', flushIntervalMs: 100 }],
      shutdown: { deadlineMs: 1000 },
    });
    const s = await startServe(await writeConfig(dir, config), { env: gateEnv(gate) });
    serve = s;
    const [r] = firehoseRequests({ requests: 1, payloadsPerRequest: 2, seed: 32, prefix: 'stuck' });
    const answer = sendFirehose(s.port, r!).then(
      (a) => a,
      (err: Error) => err,
    );
    const end = Date.now() + 10_000;
    while (gate.held() === 0 && Date.now() < end) await new Promise((x) => setTimeout(x, 20));
    s.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 1, signal: null });
    const a = await answer;
    // Not acknowledged: the sender (Firehose) will retry it.
    expect(a instanceof Error || a.status !== 200).toBe(true);
    expect(s.logs.map((l) => l.msg)).toContain(
      'shutdown deadline passed; exiting with inputs unacknowledged',
    );
  });
});
