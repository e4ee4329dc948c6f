import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/model.js';
import { estimateDecompressedBytes, packInputs, unpackInputs } from '../../src/pool/pack.js';
import { RecordLineSerializer, recordLineReference } from '../../src/record-line.js';

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

const record: fc.Arbitrary<LogRecord> = fc.record({
  time: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  id: fc.stringMatching(/^\d{56}$/),
  dataset: fc.constantFrom('app', 'vpc_flow', 'alb', 'cloudtrail', 'lambda'),
  origin: fc.record(
    {
      owner: text,
      logGroup: anyText,
      logStream: anyText,
      region: fc.constantFrom('us-east-1', 'eu-west-1'),
    },
    { requiredKeys: ['owner', 'logGroup', 'logStream'] },
  ),
  message: anyText,
  fields: fc.dictionary(anyText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
});

describe('pool record lines', () => {
  it('renders each record byte for byte as the reference recordLine does', () => {
    const serializer = new RecordLineSerializer();
    fc.assert(
      fc.property(record, (r) => {
        expect(serializer.line(r)).toBe(recordLineReference(r));
      }),
      { numRuns: 500 },
    );
  });
});

describe('packing a batch into one ArrayBuffer', () => {
  it('reads every input back as it was packed, strings as strings and bytes as bytes', () => {
    const input = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(fc.array(input, { maxLength: 20 }), fc.nat(3), (datas, skip) => {
        const inputs = datas.map((data, i) => ({ data, source: `s${i}` }));
        const from = Math.min(skip, inputs.length);
        const packed = packInputs(inputs, from, inputs.length);
        expect(packed.count).toBe(inputs.length - from);
        const back = unpackInputs(packed);
        back.forEach((b, k) => {
          const original = inputs[from + k]!.data;
          if (typeof original === 'string') expect(b).toBe(original);
          else expect(new Uint8Array(b as Buffer)).toEqual(original);
        });
      }),
    );
  });

  it('estimates a gzip payload’s decompressed size from its trailer, as bytes or base64', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), (s) => {
        const json = Buffer.from(JSON.stringify({ s }));
        const gz = gzipSync(json);
        expect(estimateDecompressedBytes(gz, 1 << 30)).toBe(json.length);
        expect(estimateDecompressedBytes(gz.toString('base64'), 1 << 30)).toBe(json.length);
      }),
    );
  });

  it('caps the estimate and falls back to the input size for anything but gzip', () => {
    const gz = gzipSync(Buffer.alloc(100_000));
    expect(estimateDecompressedBytes(gz, 1000)).toBe(1000);
    expect(estimateDecompressedBytes(Buffer.from('{"a":1}'), 1 << 30)).toBe(7);
    expect(estimateDecompressedBytes('bm90IGd6aXA=', 1 << 30)).toBe(9);
    expect(estimateDecompressedBytes('H4sI', 1 << 30)).toBe(3);
  });
});
