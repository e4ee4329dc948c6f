import { describe, expect, it } from 'vitest';
import { ConfigError, intOption } from '../../src/index.js';

describe('intOption', () => {
  it('returns a safe integer at or above the minimum', () => {
    expect(intOption('threads', 1, 1)).toBe(1);
    expect(intOption('maxQueue', 0, 0)).toBe(0);
    expect(intOption('n', Number.MAX_SAFE_INTEGER, 1)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws a ConfigError naming the option for anything else', () => {
    const cases: Array<[number, string]> = [
      [0, 'threads must be an integer ≥ 1, got 0'],
      [1.5, 'threads must be an integer ≥ 1, got 1.5'],
      [Number.NaN, 'threads must be an integer ≥ 1, got NaN'],
      [Number.POSITIVE_INFINITY, 'threads must be an integer ≥ 1, got Infinity'],
      [2 ** 53, 'threads must be an integer ≥ 1, got 9007199254740992'],
      ['2' as unknown as number, 'threads must be an integer ≥ 1, got 2'],
    ];
    for (const [value, message] of cases) {
      let caught: unknown;
      try {
        intOption('threads', value, 1);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).code).toBe('INVALID_CONFIG');
      expect((caught as Error).message).toBe(message);
    }
  });
});
