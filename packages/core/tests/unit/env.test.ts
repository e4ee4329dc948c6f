import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/decode/decoder.js';
import { gunzipChoice, readEnv } from '../../src/env.js';
import { ConfigError } from '../../src/errors.js';

describe('readEnv', () => {
  it('reads every variable it knows into typed values, and nothing when none is set', () => {
    expect(readEnv({})).toEqual({});
    expect(
      readEnv({
        LOGPIPE_MAX_DECOMPRESSED_BYTES: '1048576',
        LOGPIPE_LOG_LEVEL: 'warn',
        LOGPIPE_GUNZIP: 'zlib',
        OTHER: 'x',
      }),
    ).toEqual({ maxDecompressedBytes: 1048576, logLevel: 'warn', gunzip: 'zlib' });
    expect(readEnv({ LOGPIPE_GUNZIP: 'libdeflate', LOGPIPE_LOG_LEVEL: '' })).toEqual({
      gunzip: 'libdeflate',
    });
  });

  it('names the variable and the value it cannot use', () => {
    expect(() => readEnv({ LOGPIPE_MAX_DECOMPRESSED_BYTES: '-5' })).toThrow(
      /LOGPIPE_MAX_DECOMPRESSED_BYTES must be a positive integer, got "-5"/,
    );
    expect(() => readEnv({ LOGPIPE_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => readEnv({ LOGPIPE_GUNZIP: 'pako' })).toThrow(
      'LOGPIPE_GUNZIP must be libdeflate or zlib; got "pako"',
    );
    expect(() => gunzipChoice({ LOGPIPE_GUNZIP: 'ZLIB' })).toThrow(ConfigError);
    expect(gunzipChoice({})).toBeUndefined();
  });

  it('makes a bad LOGPIPE_GUNZIP a ConfigError when a decoder is made, not a silent default', () => {
    const before = process.env.LOGPIPE_GUNZIP;
    try {
      process.env.LOGPIPE_GUNZIP = 'fast';
      expect(() => createDecoder()).toThrow(ConfigError);
      process.env.LOGPIPE_GUNZIP = 'zlib';
      expect(() => createDecoder()).not.toThrow();
    } finally {
      if (before === undefined) delete process.env.LOGPIPE_GUNZIP;
      else process.env.LOGPIPE_GUNZIP = before;
    }
  });
});
