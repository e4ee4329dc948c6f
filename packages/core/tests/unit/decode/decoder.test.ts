import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../src/decode/decoder.js';
import type { CwlEnvelope } from '../../../src/decode/envelope.js';
import { DecodeError, LogpipeError } from '../../../src/errors.js';
import {
  gzipEnvelope,
  toCwlLambdaEvent,
  toFirehoseEvent,
  toKinesisEvent,
} from '../../../src/generator/encode.js';
import { LineBuffer } from '../../../src/line-buffer.js';
import { fixture } from '../../fixtures.js';

const dataText = fixture('cwl-data-message.json').trim();
const data = JSON.parse(dataText) as CwlEnvelope;
const decoder = createDecoder();

function expectError(
  r: ReturnType<typeof decoder.bytes>,
  code: string,
  source: string,
): DecodeError {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error).toBeInstanceOf(DecodeError);
  expect(LogpipeError.isInstance(r.error)).toBe(true);
  expect(r.error.code).toBe(code);
  expect(r.error.source).toBe(source);
  expect(r.error.message).toContain(source);
  expect(r.error.retryable).toBe(false);
  return r.error;
}

describe('decoding the documented DATA_MESSAGE in every form it arrives in', () => {
  const gz = gzipEnvelope(data);

  it.each([
    ['raw gzip bytes', () => decoder.bytes(gz, 'raw')],
    ['already-decompressed JSON bytes', () => decoder.bytes(Buffer.from(dataText), 'json')],
    ['JSON text', () => decoder.json(dataText, 'text')],
    ['base64 of gzip', () => decoder.base64(gz.toString('base64'), 'b64')],
    [
      'a Firehose transformation record',
      () => decoder.firehoseRecord(toFirehoseEvent([gz]).records[0]!),
    ],
    [
      'a Kinesis record in a Lambda Kinesis event',
      () => decoder.kinesisRecord(toKinesisEvent([gz]).Records[0]!),
    ],
    ['a direct Lambda subscription event', () => decoder.lambdaEvent(toCwlLambdaEvent(gz))],
  ])('decodes %s', (_name, run) => {
    const r = run();
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const env = r.value.envelope;
    expect(env.messageType).toBe('DATA_MESSAGE');
    expect(env.owner).toBe('123456789012');
    expect(env.logGroup).toBe('CloudTrail');
    expect(env.logStream).toBe('123456789012_CloudTrail_us-east-1');
    expect(env.subscriptionFilters).toEqual(['Destination']);
    expect(env.logEvents.map((e) => e.id)).toEqual([
      '31953106606966983378809025079804211143289615424298221568',
      '31953106606966983378809025079804211143289615424298221569',
      '31953106606966983378809025079804211143289615424298221570',
    ]);
    expect(env.logEvents[0]?.timestamp).toBe(1432826855000);
    expect(r.value.decompressedBytes).toBe(Buffer.byteLength(dataText));
  });

  it('recognises a CONTROL_MESSAGE', () => {
    const r = decoder.bytes(gzipSync(fixture('cwl-control-message.json')), 'ctl');
    expect(r.ok && r.value.envelope.messageType).toBe('CONTROL_MESSAGE');
  });

  it('accepts policyLevel and unknown fields and keeps them', () => {
    const env = { ...data, policyLevel: 'ACCOUNT_LEVEL_POLICY', somethingNew: { a: 1 } };
    const r = decoder.bytes(gzipEnvelope(env), 'x');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.envelope.policyLevel).toBe('ACCOUNT_LEVEL_POLICY');
    expect(r.value.envelope.somethingNew).toEqual({ a: 1 });
  });

  it('accepts gzip made of several concatenated members', () => {
    const half = dataText.length >> 1;
    const bytes = Buffer.concat([
      gzipSync(dataText.slice(0, half)),
      gzipSync(dataText.slice(half)),
    ]);
    const r = decoder.bytes(bytes, 'multi');
    expect(r.ok && r.value.envelope.logEvents.length).toBe(3);
  });
});

describe('bad input gives a typed error that names the record', () => {
  const gz = gzipEnvelope(data);

  it('rejects data that is not base64', () => {
    const e = expectError(
      decoder.firehoseRecord({ recordId: 'rec-7', data: 'H4sI!!!!not*base64' }),
      'INVALID_BASE64',
      'recordId rec-7',
    );
    expect(e.message).toMatch(/base64/);
  });

  it('rejects base64 with a length that cannot be valid', () => {
    expectError(decoder.base64('H4sIAAA', 'b'), 'INVALID_BASE64', 'b');
  });

  it('rejects bytes with the wrong magic number', () => {
    const e = expectError(
      decoder.bytes(Buffer.from('PK\u0003\u0004zipfile'), 'zip'),
      'NOT_GZIP',
      'zip',
    );
    expect(e.message).toContain('50 4b 03 04');
  });

  it('rejects an empty payload', () => {
    expectError(decoder.bytes(Buffer.alloc(0), 'empty'), 'NOT_GZIP', 'empty');
  });

  it('rejects truncated gzip', () => {
    expectError(decoder.bytes(gz.subarray(0, gz.length - 12), 'cut'), 'TRUNCATED_GZIP', 'cut');
    expectError(decoder.bytes(gz.subarray(0, 10), 'cut'), 'TRUNCATED_GZIP', 'cut');
  });

  it('rejects corrupt gzip', () => {
    const bad = Buffer.from(gz);
    bad.fill(0xff, 10, 30);
    expectError(decoder.bytes(bad, 'bad'), 'CORRUPT_GZIP', 'bad');
  });

  it('rejects invalid UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"messageType":"DATA_MESSAGE","owner":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    expectError(decoder.bytes(gzipSync(bytes), 'utf'), 'INVALID_UTF8', 'utf');
  });

  it('rejects JSON that does not parse', () => {
    expectError(decoder.bytes(gzipSync('{"messageType":'), 'j'), 'INVALID_JSON', 'j');
  });

  it.each([
    [{ hello: 'world' }, 'missing messageType'],
    [{ ...data, messageType: 'OTHER' }, 'messageType must be DATA_MESSAGE or CONTROL_MESSAGE'],
    [{ ...data, owner: 123 }, 'owner must be a string'],
    [{ ...data, subscriptionFilters: 'x' }, 'subscriptionFilters must be an array'],
    [
      { ...data, logEvents: [{ id: 3195310660696698, timestamp: 1, message: 'm' }] },
      'logEvents[0].id must be a string, got number',
    ],
    [
      { ...data, logEvents: [{ id: '1', timestamp: '1', message: 'm' }] },
      'logEvents[0].timestamp must be a finite number',
    ],
    [{ ...data, logEvents: [{ id: '1', timestamp: 1 }] }, 'logEvents[0].message must be a string'],
    [[1, 2], 'expected a JSON object, got array'],
  ])('rejects a JSON value that is not an envelope (%#)', (value, reason) => {
    const e = expectError(
      decoder.bytes(gzipSync(JSON.stringify(value)), 'env'),
      'INVALID_ENVELOPE',
      'env',
    );
    expect(e.message).toContain(reason);
  });

  it('rejects a Firehose record that is not an object or has no data', () => {
    expectError(
      decoder.firehoseRecord({ recordId: 'r1' } as never),
      'INVALID_BASE64',
      'recordId r1',
    );
    expectError(
      decoder.kinesisRecord({} as never),
      'UNSUPPORTED_INPUT',
      'kinesis sequenceNumber undefined',
    );
    expectError(decoder.lambdaEvent({} as never), 'UNSUPPORTED_INPUT', 'awslogs event');
  });

  it('stops a 1 GB gzip bomb at the cap with bounded memory', () => {
    // 16 concatenated gzip members of 64 MiB of zeros each: ~1 GiB when inflated, ~1 MB on the wire.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const e = expectError(
      createDecoder({ maxDecompressedBytes: 8 * 1024 * 1024 }).bytes(bomb, 'bomb'),
      'PAYLOAD_TOO_LARGE',
      'bomb',
    );
    expect(e.message).toContain('8388608');
    // Inflating stopped at the cap: nowhere near the 1 GiB the bomb expands to.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('caps already-decompressed JSON too', () => {
    expectError(
      createDecoder({ maxDecompressedBytes: 100 }).bytes(Buffer.from(dataText), 'big'),
      'PAYLOAD_TOO_LARGE',
      'big',
    );
  });

  it('refuses an invalid cap at construction', () => {
    expect(() => createDecoder({ maxDecompressedBytes: 0 })).toThrow(/maxDecompressedBytes/);
  });

  it('never throws on arbitrary bytes or strings (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        (bytes, text) => {
          for (const r of [
            decoder.bytes(bytes, 's'),
            decoder.bytes(Buffer.concat([Buffer.from([0x1f, 0x8b]), bytes]), 's'),
            decoder.base64(text, 's'),
            decoder.json(text, 's'),
            decoder.firehoseRecord({ recordId: 's', data: text }),
          ]) {
            if (!r.ok) expect(LogpipeError.isInstance(r.error)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

const eventArb = fc.record({
  id: fc.stringMatching(/^[0-9]{56}$/),
  timestamp: fc.integer({ min: 0, max: 4102444800000 }),
  message: fc.string({ unit: 'grapheme', maxLength: 200 }),
});
const envelopeArb: fc.Arbitrary<CwlEnvelope> = fc.record({
  messageType: fc.constant('DATA_MESSAGE' as const),
  owner: fc.stringMatching(/^[0-9]{12}$/),
  logGroup: fc.string({ maxLength: 50 }),
  logStream: fc.string({ maxLength: 50 }),
  subscriptionFilters: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
  logEvents: fc.array(eventArb, { maxLength: 20 }),
});

describe('encode → decode round trips (property)', () => {
  it('gives back the same envelope from every input form', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const gz = gzipEnvelope(env);
        const results = [
          decoder.bytes(gz, 'gz'),
          decoder.bytes(Buffer.from(JSON.stringify(env)), 'json'),
          decoder.firehoseRecord(toFirehoseEvent([gz]).records[0]!),
          decoder.kinesisRecord(toKinesisEvent([gz]).Records[0]!),
          decoder.lambdaEvent(toCwlLambdaEvent(gz)),
        ];
        for (const r of results) {
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.value.envelope).toEqual(env);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('firehoseLines (messages output)', () => {
  const record = (d: Buffer | string, recordId = 'r1') => ({
    recordId,
    data: typeof d === 'string' ? d : d.toString('base64'),
  });

  it('appends the scanned lines when the caller accepts them', () => {
    const out = new LineBuffer(16);
    out.write('kept ');
    const seen: number[] = [];
    const r = decoder.firehoseLines(record(gzipSync(dataText)), out, (lines) => {
      seen.push(lines.events);
      return true;
    });
    expect(r.ok && r.lines?.events).toBe(data.logEvents.length);
    expect(seen).toEqual([data.logEvents.length]);
    const want = data.logEvents.map((e) =>
      e.message.endsWith('\n') ? e.message : `${e.message}\n`,
    );
    expect(out.bytes().toString()).toBe(`kept ${want.join('')}`);
  });

  it('gives what firehoseRecord gives, and leaves the buffer as it was, when the caller declines', () => {
    const out = new LineBuffer(16);
    out.write('kept');
    const rec = record(gzipSync(dataText));
    const r = decoder.firehoseLines(rec, out, () => false);
    expect(r).toEqual(decoder.firehoseRecord(rec));
    expect(r.lines).toBeUndefined();
    expect(out.bytes().toString()).toBe('kept');
  });

  it('gives firehoseRecord’s answer for what the scanner does not take, errors included', () => {
    const control = gzipSync(JSON.stringify({ ...data, messageType: 'CONTROL_MESSAGE' }));
    for (const rec of [
      record(control),
      record('!!!!'),
      record(Buffer.from('not json')),
      record(gzipSync('{"messageType":"DATA_MESSAGE"}')),
      null as unknown as { recordId: string; data: string },
    ]) {
      const out = new LineBuffer(16);
      let asked = false;
      const r = decoder.firehoseLines(rec, out, () => {
        asked = true;
        return true;
      });
      expect(asked).toBe(false);
      expect(r).toEqual(decoder.firehoseRecord(rec));
      expect(out.length).toBe(0);
    }
  });
});
