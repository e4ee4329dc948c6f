import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { createDecoder } from '../../../src/decode/decoder.js';
import { decodeInput } from '../../../src/decode/input.js';
import {
  gzipEnvelope,
  toCwlLambdaEvent,
  toFirehoseEvent,
  toKinesisEvent,
} from '../../../src/generator/encode.js';
import { generateWorkload } from '../../../src/generator/workload.js';
import { fixture, fixtureBytes } from '../../fixtures.js';

const data = JSON.parse(fixture('cwl-data-message.json'));
const gz = gzipEnvelope(data);

function payloads(units: ReturnType<typeof decodeInput>['units']) {
  return units.flatMap((u) => (u.kind === 'payload' ? [u.decoded.envelope] : []));
}

describe('decodeInput detects the form of a captured input', () => {
  it.each([
    ['cwl-payload', Buffer.from(JSON.stringify(data))],
    ['cwl-payload', gz],
    ['cwl-lambda-event', Buffer.from(JSON.stringify(toCwlLambdaEvent(gz)))],
    ['firehose-transform-event', Buffer.from(JSON.stringify(toFirehoseEvent([gz, gz])))],
    ['kinesis-lambda-event', Buffer.from(JSON.stringify(toKinesisEvent([gz])))],
  ])('finds %s', (form, bytes) => {
    const { forms, units } = decodeInput(bytes, { name: 'f' });
    expect(forms).toContain(form);
    expect(units.every((u) => u.kind === 'payload')).toBe(true);
    for (const env of payloads(units)) expect(env).toEqual(data);
  });

  it('names each Firehose record in payload units and errors', () => {
    const event = toFirehoseEvent([gz, Buffer.from('not gzip')]);
    event.records[1]!.data = '***';
    const { units } = decodeInput(Buffer.from(JSON.stringify(event)));
    expect(units[0]).toMatchObject({
      kind: 'payload',
      source: `recordId ${event.records[0]!.recordId}`,
    });
    expect(units[1]).toMatchObject({
      kind: 'error',
      source: `recordId ${event.records[1]!.recordId}`,
    });
    if (units[1]?.kind === 'error') expect(units[1].error.code).toBe('INVALID_BASE64');
  });

  it('reads the records of a Firehose HTTP endpoint request as raw lines when they are not CWL payloads', () => {
    const { forms, units } = decodeInput(fixtureBytes('firehose-http-request.json'));
    expect(forms).toEqual(['firehose-http-request', 'log-lines']);
    expect(units.flatMap((u) => (u.kind === 'raw' ? u.events.map((e) => e.message) : []))).toEqual([
      'hello',
      'hello world',
    ]);
  });

  it('reads gzipped CWL payloads inside a Firehose HTTP endpoint request', () => {
    const body = { requestId: 'r', timestamp: 1, records: [{ data: gz.toString('base64') }] };
    const { units } = decodeInput(Buffer.from(JSON.stringify(body)), { name: 'req' });
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({ kind: 'payload', source: 'req records[0]' });
  });

  it('splits a CloudTrail log file into one raw event per record, timed by eventTime', () => {
    const { forms, units } = decodeInput(fixtureBytes('cloudtrail.json'));
    expect(forms).toEqual(['cloudtrail-log-file']);
    const u = units[0]!;
    expect(u.kind).toBe('raw');
    if (u.kind !== 'raw') return;
    expect(u.events).toHaveLength(1);
    expect(u.events[0]!.timestamp).toBe(Date.parse('2014-03-24T21:11:59Z'));
    expect(JSON.parse(u.events[0]!.message).eventName).toBe('CreateUser');
  });

  it('treats text and NDJSON lines as raw log lines, keeping FilterLogEvents fields', () => {
    const text = [
      'plain text line',
      '{"level":"info","msg":"json line"}',
      '{"timestamp":1700000000000,"message":"from filter-log-events","eventId":"123","logStreamName":"s1"}',
      '',
      'not json {',
    ].join('\n');
    const { forms, units } = decodeInput(Buffer.from(text));
    expect(forms).toEqual(['log-lines']);
    expect(units).toHaveLength(1);
    const u = units[0]!;
    if (u.kind !== 'raw') throw new Error('expected raw');
    expect(u.events).toEqual([
      { message: 'plain text line' },
      { message: '{"level":"info","msg":"json line"}' },
      {
        message: 'from filter-log-events',
        timestamp: 1700000000000,
        id: '123',
        logGroup: undefined,
        logStream: 's1',
      },
      { message: 'not json {' },
    ]);
  });

  it('reads NDJSON of several captured events, one per line', () => {
    const lines = [JSON.stringify(toCwlLambdaEvent(gz)), JSON.stringify(data)].join('\n');
    const { units } = decodeInput(Buffer.from(lines), { name: 'cap.ndjson' });
    expect(units.map((u) => u.kind)).toEqual(['payload', 'payload']);
    expect(units.map((u) => u.source)).toEqual(['cap.ndjson:1 awslogs', 'cap.ndjson:2']);
  });

  it('reads a gzipped NDJSON file and a base64 payload string', () => {
    expect(decodeInput(gzipSync('a\nb\n')).units).toMatchObject([
      { kind: 'raw', events: [{ message: 'a' }, { message: 'b' }] },
    ]);
    expect(decodeInput(Buffer.from(gz.toString('base64'))).units[0]?.kind).toBe('payload');
  });

  it('reports errors instead of throwing: bad gzip, bad UTF-8, bad envelope', () => {
    const bad = decodeInput(gz.subarray(0, 30), { name: 'cut.gz' });
    expect(bad.units).toMatchObject([{ kind: 'error', source: 'cut.gz' }]);
    const utf = decodeInput(Buffer.from([0x61, 0xff, 0x62]), { name: 'u' });
    expect(utf.units[0]?.kind === 'error' && utf.units[0].error.code).toBe('INVALID_UTF8');
    const env = decodeInput(Buffer.from('{"messageType":"DATA_MESSAGE"}'), { name: 'e' });
    expect(env.units[0]?.kind === 'error' && env.units[0].error.code).toBe('INVALID_ENVELOPE');
  });
});

describe('decodeInput parses each envelope document once', () => {
  const envelopes = [...generateWorkload({ events: 300, seed: 3, eventsPerPayload: [1, 40] })].map(
    (p) => p.envelope,
  );
  const texts = envelopes.map((e) => JSON.stringify(e));
  const decoder = createDecoder();

  it('gives, for NDJSON and JSON arrays of envelopes, what decoder.json gives for each text', () => {
    for (const input of [texts.join('\n'), `[${texts.join(',')}]`]) {
      const { units } = decodeInput(Buffer.from(input), { name: 'in' });
      expect(units).toHaveLength(texts.length);
      units.forEach((u, i) => {
        const r = decoder.json(texts[i]!, 'x');
        expect(r.ok && u.kind === 'payload').toBe(true);
        if (r.ok && u.kind === 'payload') expect(u.decoded).toEqual(r.value);
      });
    }
  });

  it('calls JSON.parse once per NDJSON line', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      decodeInput(Buffer.from(texts.join('\n')), { name: 'in' });
      expect(parse).toHaveBeenCalledTimes(texts.length + 1); // + the whole text, tried first
    } finally {
      parse.mockRestore();
    }
  });

  it('still refuses an invalid envelope and one over the cap', () => {
    const bad = JSON.stringify({ messageType: 'DATA_MESSAGE', owner: 1 });
    const [u1] = decodeInput(Buffer.from(`${bad}\n`), { name: 'in' }).units;
    expect(u1?.kind === 'error' && u1.error.code).toBe('INVALID_ENVELOPE');
    const [u2] = decodeInput(Buffer.from(`${texts[0]}\n`), {
      name: 'in',
      maxDecompressedBytes: 100,
    }).units;
    expect(u2?.kind === 'error' && u2.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(u2?.source).toBe('in');
  });
});
