import { describe, expect, it } from 'vitest';
import { EXACT_DIGITS, isoSecondsMs, POW10, twoDigits } from '../../../src/parsers/digits.js';

describe('isoSecondsMs', () => {
  it('gives what Date.UTC gives for valid times, also right after a time of the same hour', () => {
    for (const t of [
      '1970-01-01T00:00:00',
      '2024-02-29T23:59:59',
      '2024-02-29T23:00:00',
      '2000-02-29T12:34:56',
      '2025-12-31T23:59:59',
      '2026-01-01T00:00:00',
      '9999-12-31T23:59:59',
    ]) {
      expect(isoSecondsMs(`x${t}Z`, 1)).toBe(Date.parse(`${t}Z`));
    }
  });

  it('is NaN for anything but a valid calendar time from 1970 on, whatever the hour read before', () => {
    expect(isoSecondsMs('2024-02-29T23:59:59', 0)).toBe(Date.parse('2024-02-29T23:59:59Z'));
    for (const t of [
      '2024-02-29T23:60:00', // minute 60, same hour as the valid time above
      '2024-02-29T23:59:60',
      '2023-02-29T00:00:00', // not a leap year
      '2100-02-29T00:00:00',
      '2024-04-31T00:00:00',
      '2024-13-01T00:00:00',
      '2024-00-10T00:00:00',
      '2024-01-00T00:00:00',
      '2024-01-01T24:00:00',
      '1969-12-31T23:59:59',
      '2024-01-01 00:00:00',
      '2024/01/01T00:00:00',
      '2024-01-01T0a:00:00',
      '20x4-01-01T00:00:00',
      '',
    ]) {
      expect(isoSecondsMs(t, 0)).toBeNaN();
    }
  });
});

describe('twoDigits', () => {
  it('reads two ASCII digits, else -1', () => {
    expect(twoDigits('07', 0)).toBe(7);
    expect(twoDigits('a99', 1)).toBe(99);
    expect(twoDigits('9', 0)).toBe(-1);
    expect(twoDigits('/0', 0)).toBe(-1);
    expect(twoDigits('0:', 0)).toBe(-1);
    expect(twoDigits('٣٣', 0)).toBe(-1);
  });
});

describe('POW10 and EXACT_DIGITS', () => {
  it('are exact: every power of ten is the double of its text, and 15 digits stay below 2^53', () => {
    POW10.forEach((p, k) => {
      expect(p).toBe(Number(`1${'0'.repeat(k)}`));
    });
    expect(Number.isSafeInteger(10 ** EXACT_DIGITS - 1)).toBe(true);
    expect(POW10.length).toBe(EXACT_DIGITS + 1);
  });
});
