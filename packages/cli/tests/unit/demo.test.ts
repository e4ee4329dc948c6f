import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

describe('logpipe demo', () => {
  it('decodes and parses every generated event into exactly one record of its intended dataset', async () => {
    const r = await run(['demo', '--events', '3000', '--seed', '42']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('every event became exactly one record');
    expect(r.stdout).toMatch(/events: 3000 {2}records: 3000 /);
    expect(r.stdout).toContain('misplaced: 0');
    for (const ds of ['vpc_flow', 'alb', 'cloudtrail', 'lambda', 'app'])
      expect(r.stdout).toContain(ds);
    expect(r.stdout).toMatch(/metric records derived +│ +[1-9]\d*/);
  });

  it('gives the same counts for the same seed', async () => {
    const table = (s: string) =>
      s
        .split('\n')
        .filter((l) => l.includes('│'))
        .join('\n');
    const a = await run(['demo', '--events', '500', '--seed', '7']);
    const b = await run(['demo', '--events', '500', '--seed', '7']);
    expect(table(a.stdout)).toBe(table(b.stdout));
  });
});
