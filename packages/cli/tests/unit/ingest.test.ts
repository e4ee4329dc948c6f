import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePartitionPath } from '@logpipe/core';
import { describe, expect, it } from 'vitest';
import { run, vector } from '../helpers.js';

function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
  );
}

describe('logpipe ingest', () => {
  it('writes the records of several inputs into partitions of the local lake', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'logpipe-ingest-'));
    const r = await run([
      'ingest',
      vector('cwl-data-message.json'),
      vector('alb.txt'),
      vector('emf.json'),
      '--lake',
      lake,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 records and 1 metrics decoded, 6 rows in \d+ Parquet files/);
    const files = walk(lake).map((f) => parsePartitionPath(f.slice(lake.length + 1)));
    expect(files.map((p) => p?.dataset).sort()).toEqual(['alb', 'app', 'app', 'metrics']);
    expect(files.find((p) => p?.dataset === 'alb')).toMatchObject({
      year: '2018',
      month: '11',
      day: '30',
      hour: '22',
    });
  });

  it('exits 1 when an input fails to decode, still writing the rest', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'logpipe-ingest-'));
    const r = await run(
      ['ingest', '-', vector('vpc-flow.txt'), '--lake', lake],
      Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error (TRUNCATED_GZIP|CORRUPT_GZIP)/);
    expect(walk(lake).length).toBeGreaterThan(0);
  });
});
