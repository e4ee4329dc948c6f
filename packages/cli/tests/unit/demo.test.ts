import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePartitionPath } from '@logpipe/core';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

describe('logpipe demo', () => {
  it('decodes and parses every generated event into exactly one record of its intended dataset', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'logpipe-demo-'));
    const r = await run(['demo', '--events', '3000', '--seed', '42', '--lake', lake]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('every event became exactly one record');
    expect(r.stdout).toMatch(/events: 3000 {2}records: 3000 /);
    expect(r.stdout).toContain('misplaced: 0');
    for (const ds of ['vpc_flow', 'alb', 'cloudtrail', 'lambda', 'app'])
      expect(r.stdout).toContain(ds);
    expect(r.stdout).toMatch(/metric records derived +│ +[1-9]\d*/);
    const [, rows, files] = /lake: (\d+) rows in (\d+) Parquet files/.exec(r.stdout) ?? [];
    const metrics = Number(/metric records derived +│ +(\d+)/.exec(r.stdout)?.[1]);
    expect(Number(rows)).toBe(3000 + metrics);
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
      );
    const written = walk(lake);
    expect(written).toHaveLength(Number(files));
    for (const f of written) expect(parsePartitionPath(f.slice(lake.length + 1)), f).toBeDefined();
  });

  it('gives the same counts for the same seed', async () => {
    const table = (s: string) =>
      s
        .split('\n')
        .filter((l) => l.includes('│'))
        .join('\n');
    const a = await run(['demo', '--events', '500', '--seed', '7', '--no-lake']);
    const b = await run(['demo', '--events', '500', '--seed', '7', '--no-lake']);
    expect(table(a.stdout)).toBe(table(b.stdout));
  });
});
