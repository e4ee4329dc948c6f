import { describe, expect, it } from 'vitest';
import { athenaCostUsd } from '../../src/athena/cost.js';

const MiB = 1024 * 1024;
const TiB = 1024 ** 4;
const PER_MIB = 5 / (1024 * 1024);

describe('athenaCostUsd', () => {
  it('charges $5 per TB scanned', () => {
    expect(athenaCostUsd({ bytesScanned: TiB, state: 'SUCCEEDED' })).toBe(5);
    expect(athenaCostUsd({ bytesScanned: 3 * TiB, state: 'SUCCEEDED' })).toBe(15);
  });

  it('rounds up to the next MB and charges at least 10 MB', () => {
    expect(athenaCostUsd({ bytesScanned: 0, state: 'SUCCEEDED' })).toBeCloseTo(10 * PER_MIB, 15);
    expect(athenaCostUsd({ bytesScanned: 1, state: 'SUCCEEDED' })).toBeCloseTo(10 * PER_MIB, 15);
    expect(athenaCostUsd({ bytesScanned: 10 * MiB, state: 'SUCCEEDED' })).toBeCloseTo(
      10 * PER_MIB,
      15,
    );
    expect(athenaCostUsd({ bytesScanned: 10 * MiB + 1, state: 'SUCCEEDED' })).toBeCloseTo(
      11 * PER_MIB,
      15,
    );
  });

  it('charges nothing for failed queries, DDL and reused results', () => {
    expect(athenaCostUsd({ bytesScanned: TiB, state: 'FAILED' })).toBe(0);
    expect(athenaCostUsd({ bytesScanned: TiB, state: 'SUCCEEDED', statementType: 'DDL' })).toBe(0);
    expect(athenaCostUsd({ bytesScanned: 0, state: 'SUCCEEDED', reused: true })).toBe(0);
    expect(athenaCostUsd({ bytesScanned: TiB, state: 'RUNNING' })).toBe(0);
  });

  it('charges a cancelled query for what it scanned, nothing when it scanned nothing', () => {
    expect(athenaCostUsd({ bytesScanned: TiB, state: 'CANCELLED' })).toBe(5);
    expect(athenaCostUsd({ bytesScanned: MiB, state: 'CANCELLED' })).toBeCloseTo(10 * PER_MIB, 15);
    expect(athenaCostUsd({ bytesScanned: 0, state: 'CANCELLED' })).toBe(0);
  });
});
