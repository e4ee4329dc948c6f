import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLakeRows } from './support/lake.js';
import { baseConfig, startServe, writeConfig } from './support/serve-process.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-stdin-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('logpipe serve: stdin source', () => {
  it('writes every line read from stdin and exits 0 when stdin ends', async () => {
    const config = baseConfig(dir, {
      sources: { stdin: { logGroup: '/aws/vpc/flowlogs/prod', batchLines: 7 } },
    });
    const s = await startServe(await writeConfig(dir, config), { stdin: 'pipe' });
    const lines = Array.from(
      { length: 25 },
      (_, i) =>
        `2 123456789012 eni-0a1b2c3d 10.0.0.${i} 10.0.1.1 443 4915${i % 10} 6 10 840 1767225600 1767225660 ACCEPT OK`,
    );
    s.proc.stdin?.end(`${lines.join('\n')}\n`);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const rows = await readLakeRows(join(dir, 'lake'));
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((r) => r.dataset))).toEqual(new Set(['vpc_flow']));
    expect(new Set(rows.map((r) => r.id)).size).toBe(25);
    expect(s.logs.map((l) => l.msg)).toContain('stdin ended');
  });
});
