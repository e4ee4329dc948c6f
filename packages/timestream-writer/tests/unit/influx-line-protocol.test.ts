import type { MetricRecord } from '@logpipe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLineEncoder,
  escapeKey,
  escapeMeasurement,
  type LineResult,
  quoteString,
  toLineProtocol,
} from '../../src/index.js';
import { type ParsedLine, parseLine } from '../support/influx-v2-server.js';

const T = Date.UTC(2026, 0, 1); // 1767225600000

function metric(partial: Partial<MetricRecord> = {}): MetricRecord {
  return {
    time: T,
    measureName: 'm',
    dimensions: {},
    measures: { v: { value: 1 } },
    ...partial,
  };
}

function line(r: LineResult): string {
  if (!r.ok) throw new Error(`expected a line, got ${r.code}: ${r.reason}`);
  return r.line;
}

function rejection(r: LineResult): { code: string; reason: string } {
  if (r.ok) throw new Error(`expected a rejection, got ${r.line}`);
  return { code: r.code, reason: r.reason };
}

describe('toLineProtocol: mapping', () => {
  it('maps measureName, sorted dimensions, measures and ms time to one line', () => {
    const r = toLineProtocol({
      time: T,
      measureName: 'AWS/Lambda',
      dimensions: { function_version: '$LATEST', function_name: 'orders' },
      measures: {
        duration_ms: { value: 12.5, unit: 'Milliseconds' },
        memory_size_mb: { value: 128, unit: 'Megabytes' },
      },
    });
    expect(line(r)).toBe(
      'AWS/Lambda,function_name=orders,function_version=$LATEST duration_ms=12.5,memory_size_mb=128 1767225600000',
    );
  });

  it('sorts tag keys by code point (Go bytes.Compare), not by UTF-16 unit', () => {
    // U+FF21 (BMP, above the surrogates) sorts before U+1F600 (astral) in UTF-8 byte order.
    const r = toLineProtocol(metric({ dimensions: { '😀': 'a', Ａ: 'b', B: 'c', a: 'd' } }));
    expect(line(r)).toBe(`m,B=c,a=d,Ａ=b,😀=a v=1 ${T}`);
  });

  it('writes numbers as floats by default and integral ones as integers with integerFields', () => {
    const m = metric({
      measures: { a: { value: 3 }, b: { value: 2.5 }, c: { value: -0 }, d: { value: 1e21 } },
    });
    expect(line(toLineProtocol(m))).toBe(`m a=3,b=2.5,c=-0,d=1e+21 ${T}`);
    expect(line(toLineProtocol(m, { integerFields: true }))).toBe(`m a=3i,b=2.5,c=0i,d=1e+21 ${T}`);
  });

  it('writes booleans bare and strings quoted with " and \\ escaped', () => {
    const m = metric({
      measures: { ok: { value: true }, no: { value: false }, s: { value: 'say "hi" \\o/' } },
    });
    expect(line(toLineProtocol(m))).toBe(`m ok=true,no=false,s="say \\"hi\\" \\\\o/" ${T}`);
  });

  it('turns a number array into _count, _sum, _min and _max fields', () => {
    const m = metric({ measures: { Latency: { value: [4, 1, 10], unit: 'Milliseconds' } } });
    expect(line(toLineProtocol(m))).toBe(
      `m Latency_count=3,Latency_sum=15,Latency_min=1,Latency_max=10 ${T}`,
    );
  });

  it('leaves out dimensions whose value is the empty string', () => {
    expect(line(toLineProtocol(metric({ dimensions: { a: '', b: 'x' } })))).toBe(`m,b=x v=1 ${T}`);
  });

  it('prefixes measurement names with measurementPrefix', () => {
    expect(line(toLineProtocol(metric(), { measurementPrefix: 'logpipe_' }))).toBe(
      `logpipe_m v=1 ${T}`,
    );
  });

  it('writes the time at each precision, truncating s and ms and keeping sub-ms parts in us/ns', () => {
    const m = metric({ time: 1767225600123.25 });
    const at = (precision: 's' | 'ms' | 'us' | 'ns') =>
      line(toLineProtocol(m, { precision })).split(' ')[2];
    expect(at('s')).toBe('1767225600');
    expect(at('ms')).toBe('1767225600123');
    expect(at('us')).toBe('1767225600123250');
    expect(at('ns')).toBe('1767225600123250000');
    const whole = metric({ time: -1 });
    expect(line(toLineProtocol(whole, { precision: 'ns' })).split(' ')[2]).toBe('-1000000');
    expect(line(toLineProtocol(whole, { precision: 's' })).split(' ')[2]).toBe('-1');
  });
});

describe('toLineProtocol: escaping', () => {
  it('escapes commas and spaces in measurements; commas, equals and spaces in keys and tag values', () => {
    const r = toLineProtocol(
      metric({
        measureName: 'my app,v=2',
        dimensions: { 'ta g,k=': 'v,a=l x' },
        measures: { 'f k,e=y': { value: 1 } },
      }),
    );
    expect(line(r)).toBe(`my\\ app\\,v=2,ta\\ g\\,k\\==v\\,a\\=l\\ x f\\ k\\,e\\=y=1 ${T}`);
  });

  it('writes other backslashes, quotes, tabs and non-ASCII text as they are', () => {
    const r = toLineProtocol(
      metric({
        measureName: 'C:\\logs "x"',
        dimensions: { path: 'C:\\Program Files\\x', q: 'it\'s "q"', t: 'a\tb' },
        measures: { 'naïve°': { value: 1 } },
      }),
    );
    expect(line(r)).toBe(
      `C:\\logs\\ "x",path=C:\\Program\\ Files\\x,q=it's\\ "q",t=a\tb naïve°=1 ${T}`,
    );
  });

  it('has escape helpers that do only their part', () => {
    expect(escapeMeasurement('a,b c=d')).toBe('a\\,b\\ c=d');
    expect(escapeKey('a,b c=d')).toBe('a\\,b\\ c\\=d');
    expect(quoteString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('toLineProtocol: records it refuses, with a reason naming the record and the part', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a non-object', null, 'INVALID_RECORD', /not a MetricRecord: null/],
    ['a NaN time', metric({ time: Number.NaN }), 'INVALID_TIME', /time must be a finite number/],
    [
      'a time past 2262',
      metric({ time: 9_300_000_000_000 }),
      'INVALID_TIME',
      /outside InfluxDB's range/,
    ],
    ['an empty measureName', metric({ measureName: '' }), 'INVALID_MEASUREMENT', /is empty/],
    [
      'a measurement starting with #',
      metric({ measureName: '#hash' }),
      'INVALID_MEASUREMENT',
      /comment InfluxDB ignores/,
    ],
    [
      'a newline in the measurement',
      metric({ measureName: 'a\nb' }),
      'INVALID_MEASUREMENT',
      /newline/,
    ],
    [
      'a trailing backslash in a tag value',
      metric({ dimensions: { dir: 'C:\\' } }),
      'INVALID_TAG',
      /dimension "dir" value "C:\\\\" has a backslash/,
    ],
    [
      'a backslash before a comma in a field key',
      metric({ measures: { 'a\\,b': { value: 1 } } }),
      'INVALID_FIELD',
      /measure "a\\\\,b": the name has a backslash/,
    ],
    [
      'a double backslash in a tag key',
      metric({ dimensions: { 'a\\\\b': 'x' } }),
      'INVALID_TAG',
      /has a backslash/,
    ],
    [
      'a non-string dimension value',
      metric({ dimensions: { n: 5 as unknown as string } }),
      'INVALID_TAG',
      /dimension "n" must be a string, got 5/,
    ],
    [
      'a "time" tag key',
      metric({ dimensions: { time: 'x' } }),
      'INVALID_TAG',
      /"time", which InfluxDB refuses/,
    ],
    [
      'a "time" field key',
      metric({ measures: { time: { value: 1 } } }),
      'INVALID_FIELD',
      /"time", which InfluxDB refuses/,
    ],
    [
      'a measurement starting with a tab',
      metric({ measureName: '\tm' }),
      'INVALID_MEASUREMENT',
      /starts with a tab or NUL, which InfluxDB 1.x strips/,
    ],
    [
      'a field key starting with NUL',
      metric({ measures: { '\0v': { value: 1 } } }),
      'INVALID_FIELD',
      /starts with a tab or NUL/,
    ],
    ['no measures', metric({ measures: {} }), 'NO_FIELDS', /has no measures/],
    [
      'a NaN measure',
      metric({ measures: { cpu: { value: Number.NaN } } }),
      'INVALID_FIELD_VALUE',
      /measure "cpu" is NaN/,
    ],
    [
      'an infinite measure',
      metric({ measures: { cpu: { value: Number.POSITIVE_INFINITY } } }),
      'INVALID_FIELD_VALUE',
      /measure "cpu" is Infinity/,
    ],
    [
      'an empty array',
      metric({ measures: { l: { value: [] } } }),
      'INVALID_FIELD_VALUE',
      /empty array/,
    ],
    [
      'an array with a non-number',
      metric({ measures: { l: { value: [1, 'x'] as unknown as number[] } } }),
      'INVALID_FIELD_VALUE',
      /measure "l"\[1\] is a string/,
    ],
    [
      'a string with a newline',
      metric({ measures: { msg: { value: 'a\r\nb' } } }),
      'INVALID_FIELD_VALUE',
      /newline/,
    ],
    [
      'a string over 64 KB',
      metric({ measures: { msg: { value: 'é'.repeat(40_000) } } }),
      'INVALID_FIELD_VALUE',
      /80000 bytes/,
    ],
    [
      'an object value',
      metric({ measures: { o: { value: {} as unknown as number } } }),
      'INVALID_FIELD_VALUE',
      /is an object/,
    ],
    [
      'a measure without value',
      metric({ measures: { o: {} as unknown as { value: number } } }),
      'INVALID_RECORD',
      /measure "o" must be an object with a value/,
    ],
    [
      'two measures on one field key',
      metric({ measures: { L: { value: [1] }, L_sum: { value: 2 } } }),
      'INVALID_FIELD',
      /two measures map to the field key "L_sum"/,
    ],
    [
      'a key over 65,535 bytes',
      metric({ dimensions: { k: 'x'.repeat(65_530) } }),
      'KEY_TOO_LONG',
      /take 65539 bytes/,
    ],
  ];
  for (const [what, input, code, reason] of cases) {
    it(`refuses ${what} as ${code}`, () => {
      const r = rejection(toLineProtocol(input as MetricRecord));
      expect(r.code).toBe(code);
      expect(r.reason).toMatch(reason);
      if (input !== null) expect(r.reason).toMatch(/^MetricRecord "[^"]*" at /);
    });
  }

  it('refuses arrays with arrays: reject', () => {
    const r = rejection(
      toLineProtocol(metric({ measures: { l: { value: [1] } } }), { arrays: 'reject' }),
    );
    expect(r).toEqual({
      code: 'INVALID_FIELD_VALUE',
      reason: `MetricRecord "m" at 2026-01-01T00:00:00.000Z: measure "l" is an array of values and arrays are rejected (option arrays: 'reject')`,
    });
  });

  it('refuses names starting with _ for the v2 API only', () => {
    const m = metric({ measures: { _value: { value: 1 } } });
    expect(line(toLineProtocol(m))).toBe(`m _value=1 ${T}`);
    expect(rejection(toLineProtocol(m, { api: 'v2' })).code).toBe('INVALID_FIELD');
  });

  it('throws TypeError for invalid options, once, at createLineEncoder', () => {
    expect(() => createLineEncoder({ precision: 'h' as 'ms' })).toThrow(TypeError);
    expect(() => createLineEncoder({ arrays: 'spread' as 'summary' })).toThrow(/arrays must be/);
  });
});

/** What a record must read back as, computed without the encoder. */
function expected(m: MetricRecord, prefix = ''): Omit<ParsedLine, 'timestamp'> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.dimensions)) if (v !== '') tags[k] = v;
  const fields: ParsedLine['fields'] = {};
  for (const [k, { value }] of Object.entries(m.measures)) {
    if (typeof value === 'number') fields[k] = { type: 'float', value };
    else if (typeof value === 'boolean') fields[k] = { type: 'boolean', value };
    else if (typeof value === 'string') fields[k] = { type: 'string', value };
    else {
      fields[`${k}_count`] = { type: 'float', value: value.length };
      fields[`${k}_sum`] = { type: 'float', value: value.reduce((a, b) => a + b, 0) };
      fields[`${k}_min`] = { type: 'float', value: Math.min(...value) };
      fields[`${k}_max`] = { type: 'float', value: Math.max(...value) };
    }
  }
  return { measurement: prefix + m.measureName, tags, fields };
}

/** Names the encoder accepts: no newline, no ambiguous backslash, no leading # or _, not "time". */
const writableName = fc
  .string({
    unit: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('a', 'Z', '0', '_', '-', '/', '.', ':') },
      { weight: 3, arbitrary: fc.constantFrom(',', '=', ' ', '"', "'", '\t', '#') },
      { weight: 1, arbitrary: fc.constantFrom('é', '😀', 'Ａ', '\\x') },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 1 }) },
    ),
    minLength: 1,
    maxLength: 12,
  })
  .filter(
    (s) =>
      s.length > 0 &&
      !/[\n\r]/.test(s) &&
      !/\\(?:[\\,= "]|$)/.test(s) &&
      !s.startsWith('#') &&
      !s.startsWith('_') &&
      s !== 'time',
  );

/** MetricRecords the encoder must accept. */
const writableMetric: fc.Arbitrary<MetricRecord> = fc.record({
  time: fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }),
  measureName: writableName.filter((n) => !/^[\t\0]/.test(n)),
  dimensions: fc.dictionary(writableName, fc.oneof(writableName, fc.constant('')), {
    maxKeys: 4,
  }),
  measures: fc.dictionary(
    writableName.filter((k) => !/_(?:count|sum|min|max)$/.test(k) && !/^[\t\0]/.test(k)),
    fc.record({
      value: fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.string({ maxLength: 20 }).filter((s) => !/[\n\r]/.test(s)),
        fc.array(fc.double({ noNaN: true, min: -1e300, max: 1e300 }), {
          minLength: 1,
          maxLength: 5,
        }),
      ),
    }),
    { minKeys: 1, maxKeys: 4 },
  ),
});

describe('toLineProtocol: property', () => {
  it('gives, for any writable record, a line that parses back to the same point', () => {
    const encode = createLineEncoder({ precision: 'ms' });
    fc.assert(
      fc.property(writableMetric, (m) => {
        const parsed = parseLine(line(encode(m)));
        expect(typeof parsed).toBe('object');
        const p = parsed as ParsedLine;
        expect(p.timestamp).toBe(BigInt(m.time));
        expect({ measurement: p.measurement, tags: p.tags, fields: p.fields }).toEqual(expected(m));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary input and always gives a line or a coded reason', () => {
    const encode = createLineEncoder();
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = encode(input as MetricRecord);
        if (r.ok) expect(typeof parseLine(r.line)).toBe('object');
        else expect(r.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});
