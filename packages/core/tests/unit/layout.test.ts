import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hourStart, parsePartitionPath, partitionOf, partitionPath } from '../../src/layout.js';

describe('lake layout', () => {
  it('zero-pads partition values in UTC', () => {
    expect(partitionOf(Date.UTC(2026, 0, 2, 3, 59, 59, 999))).toEqual({
      year: '2026',
      month: '01',
      day: '02',
      hour: '03',
    });
  });

  it('builds the dataset partition directory', () => {
    expect(partitionPath('alb', Date.UTC(2026, 10, 26, 9, 15))).toBe(
      'alb/year=2026/month=11/day=26/hour=09',
    );
  });

  it('reads a partition path back to the same values (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (t) => {
        const parsed = parsePartitionPath(
          `root/vpc_flow/${partitionPath('x', t).slice(2)}/f.parquet`,
        );
        expect(parsed).toEqual({ dataset: 'vpc_flow', ...partitionOf(t) });
        expect(partitionOf(hourStart(t))).toEqual(partitionOf(t));
        expect(hourStart(t) % 3_600_000).toBe(0);
      }),
    );
  });

  it('returns undefined for paths outside the layout', () => {
    expect(parsePartitionPath('alb/2026/11/26/f.parquet')).toBeUndefined();
  });
});
