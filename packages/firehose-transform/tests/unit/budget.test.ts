import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64Length,
  minimalRecordBytes,
  minimalRecordBytesReference,
  okSize,
  okSizeReference,
} from '../../src/budget.js';
import { codeUnit } from './arbitraries.js';

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', 'é', '\ud800') }),
);
const keys = fc.option(fc.dictionary(text, text, { maxKeys: 6 }), { nil: undefined });

describe('response budget', () => {
  it('minimalRecordBytes is the length of the JSON of a record with no data, plus its separator', () => {
    fc.assert(
      fc.property(text, (id) => {
        expect(minimalRecordBytes(id)).toBe(minimalRecordBytesReference(id));
      }),
      { numRuns: 2000 },
    );
    const id = '49546986683135544286507457936321625675700192471156785154';
    expect(minimalRecordBytes(id)).toBe(
      `${JSON.stringify({ recordId: id, result: 'ProcessingFailed', data: '' })},`.length,
    );
  });

  it('okSize is what an Ok record with its data and partition keys adds to the minimal record, for any record id', () => {
    fc.assert(
      fc.property(text, keys, fc.nat({ max: 7_000_000 }), (id, k, bytes) => {
        expect(okSize(k, bytes)).toBe(okSizeReference(id, k, bytes));
      }),
      { numRuns: 2000 },
    );
    // By hand: 3 bytes of data, no keys: `"Ok"` instead of `"ProcessingFailed"` (−14) and
    // `"AAAA"` instead of `""` (+4).
    expect(okSize(undefined, 3)).toBe(-10);
    const withKeys = { dataset: 'vpc_flow', hour: '2026-11-27T12' };
    const record = JSON.stringify({
      recordId: 'r',
      result: 'Ok',
      data: 'AAAA',
      metadata: { partitionKeys: withKeys },
    });
    expect(okSize(withKeys, 3)).toBe(record.length + 1 - minimalRecordBytes('r'));
  });

  it('base64Length is the length of the base64 of that many bytes', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 6, 1000, 1_000_001]) {
      expect(base64Length(n)).toBe(Buffer.alloc(n).toString('base64').length);
    }
  });
});
