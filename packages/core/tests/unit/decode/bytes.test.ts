import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, utf8Text } from '../../../src/decode/bytes.js';
import { Scratch } from '../../../src/decode/scratch.js';
import { DecodeError } from '../../../src/errors.js';

describe('scratch memory', () => {
  it('hands out views of one memory, grows it when asked for more, and keeps none past its limit', () => {
    const scratch = new Scratch(1 << 20);
    const a = scratch.take(10) as Buffer;
    const b = scratch.take(20) as Buffer;
    expect([a.length, b.length]).toEqual([10, 20]);
    expect(b.buffer).toBe(a.buffer);
    b[0] = 7;
    expect(a[0]).toBe(7);
    const c = scratch.take(100_000) as Buffer;
    expect(c.length).toBe(100_000);
    expect(c.buffer).not.toBe(a.buffer);
    expect((scratch.take(5) as Buffer).buffer).toBe(c.buffer);
    expect(scratch.take(1 << 20)?.length).toBe(1 << 20);
    expect(scratch.take((1 << 20) + 1)).toBeUndefined();
  });
});

const base64Char = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split(''),
);
/** Base64 of random bytes, sometimes damaged: characters outside the alphabet, padding moved. */
const base64Arb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
  fc
    .tuple(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.nat(),
      fc.constantFrom('=', '-', '_', ' ', '\n', '*', 'é', '==', 'A'),
    )
    .map(([b, at, ch]) => {
      const s = Buffer.from(b).toString('base64');
      const i = at % s.length;
      return s.slice(0, i) + ch + s.slice(i + 1);
    }),
  fc.array(fc.oneof(base64Char, fc.constant('=')), { maxLength: 40 }).map((cs) => cs.join('')),
);

describe('decodeBase64', () => {
  it('decodes into scratch memory exactly what it decodes into memory of its own (property)', () => {
    const scratch = new Scratch(256);
    fc.assert(
      fc.property(base64Arb, (text) => {
        const own = decodeBase64(text, 'p');
        const reused = decodeBase64(text, 'p', scratch);
        if (own instanceof DecodeError) {
          expect(reused).toBeInstanceOf(DecodeError);
          expect((reused as DecodeError).message).toBe(own.message);
        } else {
          expect(Buffer.isBuffer(reused) && reused.equals(own)).toBe(true);
          // Valid base64 decodes to the bytes Node's decoder gives.
          expect(own.equals(Buffer.from(text, 'base64'))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses characters outside the alphabet, with or without scratch memory', () => {
    const scratch = new Scratch(1024);
    for (const text of ['QUJD*EVG', 'QUJD RUZH', 'QU=DREVG', 'QUJDREV']) {
      expect(decodeBase64(text, 'rec 1'), text).toBeInstanceOf(DecodeError);
      expect(decodeBase64(text, 'rec 1', scratch), text).toBeInstanceOf(DecodeError);
    }
    expect(String(decodeBase64('QUJDREVG', 'rec 1', scratch))).toBe('ABCDEF');
  });
});

describe('utf8Text', () => {
  it('gives the string toString("utf8") gives for valid UTF-8 and an error otherwise (property)', () => {
    // Mostly ASCII (the Latin-1 path), some multi-byte text, some arbitrary bytes.
    const bytesArb = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => Buffer.from(s, 'latin1')),
      fc.string({ unit: 'grapheme', maxLength: 100 }).map((s) => Buffer.from(s, 'utf8')),
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const text = utf8Text(bytes, 'p');
        if (Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) {
          expect(text).toBe(bytes.toString('utf8'));
        } else {
          expect(text).toBeInstanceOf(DecodeError);
          expect((text as DecodeError).code).toBe('INVALID_UTF8');
        }
      }),
      { numRuns: 2000 },
    );
    expect(utf8Text(Buffer.from([0x41, 0x80]), 'p')).toBeInstanceOf(DecodeError);
    expect(utf8Text(Buffer.from('plain ascii'), 'p')).toBe('plain ascii');
    expect(utf8Text(Buffer.from('naïve ✓'), 'p')).toBe('naïve ✓');
  });
});
