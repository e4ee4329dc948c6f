import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLakeRows } from './support/lake.js';
import { fluentBitBody, post, sendFluentBit } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
let serve: ServeProcess;
const TOKEN = 'fluent-bit-secret';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-fluentbit-'));
  const config = baseConfig(dir, {
    sources: { fluentBit: { logGroup: '/ecs/orders' } },
  });
  serve = await startServe(await writeConfig(dir, config), {
    env: { LOGPIPE_FLUENT_BIT_TOKEN: TOKEN },
  });
});

afterAll(async () => {
  serve?.kill('SIGTERM');
  await serve?.exited;
  await rm(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

/** FireLens-shaped records: the container's line in `log`, `date` as float epoch seconds. */
function fireLensRecords(n: number, tag: string): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    date: 1_767_225_600 + i + 0.25,
    log: JSON.stringify({ level: i % 2 === 0 ? 'info' : 'error', msg: `${tag} line ${i}` }),
    source: 'stdout',
    container_name: 'orders-api',
    ecs_cluster: 'prod',
  }));
}

describe('logpipe serve: Fluent Bit http output (json_lines) source', () => {
  it('writes every line of a gzip json_lines body with its date, then answers 200', async () => {
    const body = fluentBitBody(fireLensRecords(50, 'gz'));
    const a = await sendFluentBit(serve.port, body, { gzip: true, headers: auth });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ records: 50 });
    const rows = (await readLakeRows(join(dir, 'lake'))).filter((r) =>
      r.message.includes('"gz line '),
    );
    expect(rows).toHaveLength(50);
    const first = rows.find((r) => r.message.includes('"gz line 0"'));
    expect(first).toMatchObject({
      dataset: 'app',
      time: (1_767_225_600 + 0.25) * 1000,
      log_group: '/ecs/orders',
      log_stream: 'orders-api',
    });
    for (const r of rows) expect(r.id).toMatch(/^fb-[0-9a-f]{32}-\d+$/);
  });

  it('gives a resent body the same event ids (body hash + line index)', async () => {
    const body = fluentBitBody(fireLensRecords(7, 'again'));
    expect((await sendFluentBit(serve.port, body, { headers: auth })).status).toBe(200);
    expect((await sendFluentBit(serve.port, body, { headers: auth })).status).toBe(200);
    const rows = (await readLakeRows(join(dir, 'lake'))).filter((r) =>
      r.message.includes('"again line '),
    );
    // Same ids; the identical batch even lands in the same (deterministically named) file.
    expect(new Set(rows.map((r) => r.id)).size).toBe(7);
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(rows.length).toBeLessThanOrEqual(14);
  });

  it('keeps a line that is not JSON as a raw message instead of refusing the chunk', async () => {
    const body = `${JSON.stringify({ date: 1_767_225_700.5, log: 'json ok' })}\nplain text line, not json\n`;
    const a = await sendFluentBit(serve.port, body, { headers: auth });
    expect(a.status).toBe(200);
    const messages = (await readLakeRows(join(dir, 'lake'))).map((r) => r.message);
    expect(messages).toContain('plain text line, not json');
    expect(messages).toContain('json ok');
  });

  it('answers 401 without the bearer token (LOGPIPE_FLUENT_BIT_TOKEN)', async () => {
    const a = await sendFluentBit(serve.port, fluentBitBody(fireLensRecords(1, 'noauth')));
    expect(a.status).toBe(401);
  });

  it('answers 400 to a corrupt gzip body, a status Fluent Bit does not retry', async () => {
    const a = await post(
      serve.url('/fluent-bit'),
      { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', ...auth },
      Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]),
    );
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body)).toMatchObject({ error: 'INVALID_GZIP' });
  });

  it('answers 404 for an unknown path and 405 for GET on the source path', async () => {
    expect((await fetch(serve.url('/nope'))).status).toBe(404);
    expect((await fetch(serve.url('/fluent-bit'), { headers: auth })).status).toBe(405);
  });
});
