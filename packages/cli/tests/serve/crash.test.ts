import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLakeRows } from './support/lake.js';
import { gateEnv, type S3Gate, startS3Gate } from './support/s3-gate.js';
import { firehoseRequests, sendUntilAcknowledged } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
let gate: S3Gate;
const running: ServeProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-kill-'));
  gate = await startS3Gate('pass');
});

afterAll(async () => {
  for (const s of running) {
    s.kill('SIGKILL');
    await s.exited;
  }
  await gate?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('logpipe serve: SIGKILL', () => {
  it('loses nothing a retrying sender sent when killed during load: every record at least once, duplicates share their event id', async () => {
    // Two sinks: a local lake, and a mirror lake on S3 that stalls right before the kill, so
    // requests in flight are in the local lake's files but not acknowledged: their retries
    // write them again.
    const configFile = await writeConfig(
      dir,
      baseConfig(dir, {
        sinks: [
          { type: 'lake', name: 'primary', location: join(dir, 'lake'), flushIntervalMs: 150 },
          { type: 'lake', name: 'mirror', location: 's3://mirror/logs', flushIntervalMs: 150 },
        ],
      }),
    );
    const env = gateEnv(gate);
    let current = await startServe(configFile, { env });
    running.push(current);
    const requests = firehoseRequests({
      requests: 30,
      payloadsPerRequest: 4,
      seed: 41,
      prefix: 'kill',
    });
    let crash: Promise<void> | undefined;
    const report = await sendUntilAcknowledged(requests, () => current.port, {
      concurrency: 8,
      retryDelayMs: 100,
      deadlineMs: 25_000,
      onAck: (n) => {
        if (n !== 8 || crash !== undefined) return;
        const victim = current;
        crash = (async () => {
          gate.setMode('hold');
          const end = Date.now() + 5000;
          while (gate.held() === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
          // Give the local lake time to write what the mirror holds back.
          await new Promise((r) => setTimeout(r, 400));
          victim.kill('SIGKILL');
          await victim.exited;
          gate.setMode('pass');
          current = await startServe(configFile, { env });
          running.push(current);
        })();
      },
    });
    await crash;
    expect(crash).toBeDefined();
    // The sender saw failures (connections reset or refused while the sidecar was down) and
    // sent those requests again with the same request id and body.
    const retried = [...report.attempts.values()].filter((n) => n > 1).length;
    expect(retried).toBeGreaterThan(0);

    const rows = await readLakeRows(join(dir, 'lake'));
    const expected = requests.flatMap((r) => r.eventIds);
    const byId = new Map<string, Set<string>>();
    for (const x of rows) {
      byId.set(x.id, (byId.get(x.id) ?? new Set()).add(`${x.time} ${x.message}`));
    }
    // Every record at least once…
    for (const id of expected) expect(byId.has(id)).toBe(true);
    expect(byId.size).toBe(expected.length);
    // …some twice (written, then killed before the answer, then resent)…
    expect(rows.length).toBeGreaterThan(expected.length);
    // …and a duplicate is the same record again: same id, same time, same message.
    for (const variants of byId.values()) expect(variants.size).toBe(1);
  });
});
