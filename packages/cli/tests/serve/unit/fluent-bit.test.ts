import { createClassifier } from '@logpipe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/serve/config.js';
import { decodeFluentBitBody, fluentBitTime } from '../../../src/serve/sources/fluent-bit.js';

const cfg = validateConfig(
  { sources: { fluentBit: {} }, sinks: [{ type: 'lake', location: './lake' }] },
  {},
).config.sources.fluentBit!;
const ctx = { classifier: createClassifier(), region: undefined };

describe('Fluent Bit json_date_format', () => {
  it('reads every format Fluent Bit writes', () => {
    expect(fluentBitTime(1_700_000_000.25, 'double')).toBe(1_700_000_000_250);
    expect(fluentBitTime(1_700_000_000, 'epoch')).toBe(1_700_000_000_000);
    expect(fluentBitTime(1_700_000_000_123, 'epoch_ms')).toBe(1_700_000_000_123);
    expect(fluentBitTime('2018-05-30T09:39:52.000681Z', 'iso8601')).toBe(
      Date.UTC(2018, 4, 30, 9, 39, 52, 0),
    );
    expect(fluentBitTime('2018-05-30 09:39:52.000681', 'java_sql_timestamp')).toBe(
      Date.UTC(2018, 4, 30, 9, 39, 52, 0),
    );
    expect(fluentBitTime('yesterday', 'iso8601')).toBeUndefined();
    expect(fluentBitTime(undefined, 'double')).toBeUndefined();
  });
});

describe('decodeFluentBitBody', () => {
  it('reads json_lines and the json array format alike', () => {
    const recs = [
      { date: 1_767_225_600.5, log: 'one', container_name: 'app' },
      { date: 1_767_225_601.5, log: 'two', container_name: 'app' },
    ];
    const lines = decodeFluentBitBody(
      Buffer.from(recs.map((r) => JSON.stringify(r)).join('\n')),
      cfg,
      ctx,
      0,
    );
    const array = decodeFluentBitBody(Buffer.from(JSON.stringify(recs)), cfg, ctx, 0);
    expect(lines.records.map((r) => [r.message, r.time, r.origin.logStream])).toEqual([
      ['one', 1_767_225_600_500, 'app'],
      ['two', 1_767_225_601_500, 'app'],
    ]);
    expect(array.records.map((r) => r.message)).toEqual(['one', 'two']);
  });

  it('uses the whole record as the message when it has no `log` key', () => {
    const b = decodeFluentBitBody(
      Buffer.from('{"date":1.5,"level":"warn","msg":"x"}\n'),
      cfg,
      ctx,
      0,
    );
    expect(b.records[0]?.message).toBe('{"level":"warn","msg":"x"}');
  });

  it('gives the same body the same ids and other bodies other ids (property)', () => {
    const record = fc.record({
      date: fc.double({ min: 0, max: 2e9, noNaN: true }),
      log: fc.string(),
      container_name: fc.string(),
    });
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1 }),
        (recs, extra) => {
          const body = Buffer.from(recs.map((r) => JSON.stringify(r)).join('\n'));
          const a = decodeFluentBitBody(body, cfg, ctx, 1);
          const b = decodeFluentBitBody(body, cfg, ctx, 2);
          expect(a.records.map((r) => r.id)).toEqual(b.records.map((r) => r.id));
          expect(new Set(a.records.map((r) => r.id)).size).toBe(recs.length);
          const other = decodeFluentBitBody(
            Buffer.concat([body, Buffer.from(`\n${JSON.stringify({ log: extra })}`)]),
            cfg,
            ctx,
            1,
          );
          for (const r of other.records) expect(a.records.map((x) => x.id)).not.toContain(r.id);
        },
      ),
      { numRuns: 200 },
    );
  });
});
