import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vector } from '../helpers.js';

const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

describe('the built logpipe binary', () => {
  it('runs the demo', () => {
    const r = spawnSync(process.execPath, [bin, 'demo', '--events', '200', '--no-lake'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('every event became exactly one record');
  });

  it('decodes a file and sets the exit status', () => {
    const ok = spawnSync(process.execPath, [bin, 'decode', vector('vpc-flow.txt')], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(4);
    const bad = spawnSync(process.execPath, [bin, 'decode', '-'], {
      input: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]),
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
  });
});
