import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

describe('logpipe bench', () => {
  it('runs the quick benchmarks and writes the report, its charts and the targets into --out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'logpipe-bench-'));
    try {
      const r = await run(['bench', '--quick', '--out', out]);
      expect(r.stderr).not.toContain('failed:');
      expect(r.code).toBe(0);
      // Progress: one line per step when stderr is not a terminal, every step counted.
      const steps = r.stderr.split('\n').filter((l) => /^\[\d+\/\d+\] /.test(l));
      const total = Number(/^\[\d+\/(\d+)\]/.exec(steps[0] ?? '')?.[1]);
      expect(steps.map((l) => Number(/^\[(\d+)\//.exec(l)?.[1]))).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      // Every scenario's inputs are built before the first measurement (query's lakes among
      // them), and the measurements start with decode.
      const firstMeasured = steps.findIndex((l) => !l.includes(': input '));
      expect(firstMeasured).toBeGreaterThan(0);
      expect(steps.slice(firstMeasured).filter((l) => l.includes(': input '))).toEqual([]);
      expect(steps.slice(0, firstMeasured).some((l) => l.includes('query: input lake'))).toBe(true);
      expect(steps[firstMeasured]).toMatch(/^\[\d+\/\d+\] decode: /);
      expect(r.stdout).toContain(`report: ${join(out, 'latest.md')}`);

      const md = readFileSync(join(out, 'latest.md'), 'utf8');
      expect(md).toContain('Quick (smoke) run');
      for (const heading of [
        '## Summary',
        '## Decode + classify + parse, one thread',
        '## Firehose transform handler, one thread',
        '## Parquet encoding: logpipe encodeParquet vs DuckDB',
        '## Timestream packing (write units per 1,000 events)',
        '## Local query latency (embedded DuckDB over the lake)',
      ])
        expect(md).toContain(heading);
      expect(md).not.toContain('## Failures');

      const json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
        quick: boolean;
        failures: string[];
        targets: { id: string; met: boolean | undefined }[];
        charts: string[];
      };
      expect(json.quick).toBe(true);
      expect(json.failures).toEqual([]);
      expect(json.targets.map((t) => t.id)).toEqual([
        'decode-vs-floor',
        'messages-vs-blueprint',
        'pool-2-workers',
        'normalized-vs-powertools',
      ]);
      expect(json.charts.length).toBeGreaterThanOrEqual(4);
      for (const chart of json.charts) {
        expect(md).toContain(`](${chart})`);
        const svg = readFileSync(join(out, chart), 'utf8');
        expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
        expect(svg).toMatch(/<(polyline|rect) [^>]*fill="#/);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('exits 2 and says where it runs when the directory is no logpipe checkout', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'logpipe-bench-none-'));
    try {
      const r = await run(['bench', '--quick', '--repo', empty, '--out', join(empty, 'out')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no benchmarks/run.mjs found');
      expect(existsSync(join(empty, 'out'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
