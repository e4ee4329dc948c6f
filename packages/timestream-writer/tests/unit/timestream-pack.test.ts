import type { _Record } from '@aws-sdk/client-timestream-write';
import type { MetricRecord } from '@logpipe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordBytes, requestBytes, writeUnits } from '../../src/timestream/metering.js';
import { packMetrics } from '../../src/timestream/pack.js';

const NOW = Date.UTC(2026, 0, 1, 12);

function metric(over: Partial<MetricRecord> = {}): MetricRecord {
  return {
    time: NOW - 60_000,
    measureName: 'AWS/Lambda',
    dimensions: { function_name: 'orders-api', function_version: '$LATEST' },
    measures: { duration_ms: { value: 12.5, unit: 'Milliseconds' } },
    ...over,
  };
}

/** The records of a request with CommonAttributes merged back in (what the service stores). */
function merged(common: _Record, records: readonly _Record[]): _Record[] {
  return records.map((r) => ({
    ...common,
    ...r,
    Dimensions: [...(common.Dimensions ?? []), ...(r.Dimensions ?? [])],
  }));
}

describe('metering formula', () => {
  it('gives 83 bytes for the CPU example of the metering page', () => {
    expect(
      recordBytes({
        Time: '1602983435238563000',
        Dimensions: [
          { Name: 'region', Value: 'us-east-1' },
          { Name: 'az', Value: '1d' },
          { Name: 'vpc', Value: 'vpc-1a2b3c4d' },
          { Name: 'hostname', Value: 'host-24Gju' },
        ],
        MeasureName: 'cpu_utilization',
        MeasureValue: '35.0',
        MeasureValueType: 'DOUBLE',
      }),
    ).toBe(83);
  });

  it('counts 12 such events as one 1 KiB write and 100 as nine', () => {
    expect(writeUnits(12 * 83)).toBe(1);
    expect(writeUnits(100 * 83)).toBe(9);
    expect(writeUnits(0)).toBe(0);
  });

  it('counts booleans as 1 byte, numbers as 8 and text as its UTF-8 bytes', () => {
    expect(
      recordBytes({
        MeasureName: 'm',
        MeasureValues: [
          { Name: 'a', Value: 'true', Type: 'BOOLEAN' },
          { Name: 'b', Value: '1', Type: 'BIGINT' },
          { Name: 'c', Value: '1.5', Type: 'DOUBLE' },
          { Name: 'd', Value: 'é€', Type: 'VARCHAR' },
        ],
      }),
    ).toBe(1 + 1 + 1 + 1 + 8 + 1 + 8 + 1 + 5);
  });
});

describe('packMetrics', () => {
  it('packs measures sharing dimensions, measure name and time into one multi-measure record', () => {
    const a = metric({ measures: { duration_ms: { value: 12.5 } } });
    const b = metric({ measures: { max_memory_used_mb: { value: 80 } } });
    const { requests, rejected } = packMetrics([a, b], { now: NOW });
    expect(rejected).toEqual([]);
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.Records).toHaveLength(1);
    expect(req?.sources).toEqual([[a, b]]);
    expect(req?.CommonAttributes).toMatchObject({
      MeasureValueType: 'MULTI',
      TimeUnit: 'MILLISECONDS',
      MeasureName: 'AWS/Lambda',
      Time: String(NOW - 60_000),
    });
    expect(req?.Records[0]?.MeasureValues).toEqual([
      { Name: 'duration_ms', Value: '12.5', Type: 'DOUBLE' },
      { Name: 'max_memory_used_mb', Value: '80', Type: 'DOUBLE' },
    ]);
  });

  it('factors the dimensions, measure name and time every record of a request shares into CommonAttributes', () => {
    const metrics = [1, 2, 3].map((i) =>
      metric({ time: NOW - i * 1000, measures: { duration_ms: { value: i } } }),
    );
    const { requests } = packMetrics(metrics, { now: NOW });
    const req = requests[0]!;
    expect(req.CommonAttributes.Dimensions).toEqual([
      { Name: 'function_name', Value: 'orders-api', DimensionValueType: 'VARCHAR' },
      { Name: 'function_version', Value: '$LATEST', DimensionValueType: 'VARCHAR' },
    ]);
    expect(req.CommonAttributes.MeasureName).toBe('AWS/Lambda');
    expect(req.CommonAttributes.Time).toBeUndefined();
    for (const r of req.Records) {
      expect(r.Dimensions).toBeUndefined();
      expect(r.MeasureName).toBeUndefined();
      expect(r.Time).toBeDefined();
    }
    // The common part is metered once: the request is smaller than its records sent alone.
    const alone = merged(req.CommonAttributes, req.Records).reduce(
      (n, r) => n + recordBytes({ ...r, MeasureValueType: undefined, TimeUnit: undefined }),
      0,
    );
    expect(req.bytes).toBe(requestBytes(req.CommonAttributes, req.Records));
    expect(req.bytes).toBeLessThan(alone);
  });

  it('keeps only the dimensions all records share in CommonAttributes', () => {
    const { requests } = packMetrics(
      [
        metric({ dimensions: { function_name: 'a', env: 'prod' } }),
        metric({ dimensions: { function_name: 'b', env: 'prod' } }),
      ],
      { now: NOW },
    );
    const req = requests[0]!;
    expect(req.CommonAttributes.Dimensions).toEqual([
      { Name: 'env', Value: 'prod', DimensionValueType: 'VARCHAR' },
    ]);
    expect(req.Records.map((r) => r.Dimensions?.map((d) => d.Value))).toEqual([['a'], ['b']]);
  });

  it('cuts requests at 100 records', () => {
    const metrics = Array.from({ length: 250 }, (_, i) =>
      metric({ time: NOW - i, measures: { n: { value: i } } }),
    );
    const { requests } = packMetrics(metrics, { now: NOW });
    expect(requests.map((r) => r.Records.length)).toEqual([100, 100, 50]);
  });

  it('maps numbers to DOUBLE, listed integers to BIGINT, text to VARCHAR and booleans to BOOLEAN', () => {
    const { requests, rejected } = packMetrics(
      [
        metric({
          measures: {
            d: { value: 1.25 },
            i: { value: 42 },
            s: { value: 'cold' },
            b: { value: false },
          },
        }),
      ],
      { now: NOW, bigintMeasures: ['i'] },
    );
    expect(rejected).toEqual([]);
    expect(requests[0]?.Records[0]?.MeasureValues).toEqual([
      { Name: 'd', Value: '1.25', Type: 'DOUBLE' },
      { Name: 'i', Value: '42', Type: 'BIGINT' },
      { Name: 's', Value: 'cold', Type: 'VARCHAR' },
      { Name: 'b', Value: 'false', Type: 'BOOLEAN' },
    ]);
  });

  it('summarizes an EMF values array as count, sum, min and max', () => {
    const { requests } = packMetrics([metric({ measures: { Latency: { value: [3, 1, 8] } } })], {
      now: NOW,
    });
    expect(requests[0]?.Records[0]?.MeasureValues).toEqual([
      { Name: 'Latency_count', Value: '3', Type: 'BIGINT' },
      { Name: 'Latency_sum', Value: '12', Type: 'DOUBLE' },
      { Name: 'Latency_min', Value: '1', Type: 'DOUBLE' },
      { Name: 'Latency_max', Value: '8', Type: 'DOUBLE' },
    ]);
  });

  it('leaves out empty dimension values', () => {
    const { requests } = packMetrics([metric({ dimensions: { a: '', b: 'x' } })], { now: NOW });
    expect(requests[0]?.CommonAttributes.Dimensions).toEqual([
      { Name: 'b', Value: 'x', DimensionValueType: 'VARCHAR' },
    ]);
  });

  it('sends records older than the memory store window on the magnetic path when the table allows it', () => {
    const old = metric({ time: NOW - 7 * 3_600_000 });
    const fresh = metric();
    const { requests, rejected } = packMetrics([old, fresh], { now: NOW, magneticStore: true });
    expect(rejected).toEqual([]);
    expect(requests.map((r) => [r.lane, r.sources])).toEqual([
      ['memory', [[fresh]]],
      ['magnetic', [[old]]],
    ]);
  });

  it('puts a Version on every record when asked (upserts)', () => {
    const { requests } = packMetrics([metric(), metric({ time: NOW - 5 })], {
      now: NOW,
      version: 7,
    });
    expect(requests[0]?.CommonAttributes.Version).toBe(7);
  });

  describe('rejects before sending, with a precise reason', () => {
    const cases: Array<[string, Partial<MetricRecord>, string, RegExp, object?]> = [
      ['a fractional time', { time: NOW - 0.5 }, 'INVALID_TIME', /not a non-negative integer/],
      [
        'a time 20 minutes ahead',
        { time: NOW + 20 * 60_000 },
        'FUTURE_TIME',
        /20\.0 minutes ahead.*15 minutes/,
      ],
      [
        'a time before the memory store',
        { time: NOW - 7 * 3_600_000 },
        'OUTSIDE_RETENTION',
        /memory store window of 6 h.*magnetic store writes are off/,
      ],
      [
        'a time before the magnetic store',
        { time: NOW - 3 * 86_400_000 },
        'OUTSIDE_RETENTION',
        /magnetic store retention of 2 days/,
        { magneticStore: { retentionDays: 2 } },
      ],
      [
        'a reserved measure name',
        { measureName: 'measure_value' },
        'INVALID_MEASURE_NAME',
        /reserved/,
      ],
      [
        'a 257-byte measure name',
        { measureName: 'm'.repeat(257) },
        'INVALID_MEASURE_NAME',
        /257 bytes long; the limit is 256/,
      ],
      [
        'a dimension named time',
        { dimensions: { time: 'x' } },
        'INVALID_DIMENSION',
        /"time" is reserved/,
      ],
      [
        'a dimension with a ts_ prefix',
        { dimensions: { ts_host: 'x' } },
        'INVALID_DIMENSION',
        /reserved prefix "ts_"/,
      ],
      [
        'a dimension with a colon',
        { dimensions: { 'a:b': 'x' } },
        'INVALID_DIMENSION',
        /contains ":"/,
      ],
      [
        'a 61-byte dimension name',
        { dimensions: { ['d'.repeat(61)]: 'x' } },
        'INVALID_DIMENSION',
        /61 bytes long; the limit is 60/,
      ],
      [
        '129 dimensions',
        { dimensions: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`d${i}`, 'v'])) },
        'TOO_MANY_DIMENSIONS',
        /129 dimensions; the limit is 128/,
      ],
      [
        'a 2 KB series',
        { dimensions: { big: 'v'.repeat(2100) } },
        'SERIES_TOO_LARGE',
        /2103 bytes; the limit is 2048/,
      ],
      [
        'a measure named time',
        { measures: { time: { value: 1 } } },
        'INVALID_MEASURE',
        /"time" is reserved/,
      ],
      ['NaN', { measures: { x: { value: Number.NaN } } }, 'INVALID_MEASURE_VALUE', /is NaN/],
      [
        'an empty string',
        { measures: { x: { value: '' } } },
        'INVALID_MEASURE_VALUE',
        /empty string/,
      ],
      [
        'an empty array',
        { measures: { x: { value: [] } } },
        'INVALID_MEASURE_VALUE',
        /empty array/,
      ],
      ['no measures', { measures: {} }, 'NO_MEASURES', /no measures/],
      [
        'a measure named like a dimension',
        { measures: { function_name: { value: 1 } } },
        'NAME_COLLISION',
        /"function_name" is used twice/,
      ],
      [
        '257 measures',
        {
          measures: Object.fromEntries(
            Array.from({ length: 257 }, (_, i) => [`m${i}`, { value: i }]),
          ),
        },
        'TOO_MANY_MEASURES',
        /257 measures; the limit is 256/,
      ],
      [
        'a 2 KB record',
        { measures: { note: { value: 'x'.repeat(2040) } } },
        'RECORD_TOO_LARGE',
        /bytes; the limit is 2048/,
      ],
    ];
    for (const [what, over, code, reason, opts] of cases) {
      it(`${what} → ${code}`, () => {
        const m = metric(over);
        const { requests, rejected } = packMetrics([m], { now: NOW, ...opts });
        expect(requests).toEqual([]);
        expect(rejected).toHaveLength(1);
        expect(rejected[0]).toMatchObject({ record: m, code, writer: 'timestream' });
        expect(rejected[0]?.reason).toMatch(reason);
      });
    }

    it('a non-integer for a BIGINT measure → INVALID_MEASURE_VALUE', () => {
      const { rejected } = packMetrics([metric({ measures: { n: { value: 1.5 } } })], {
        now: NOW,
        bigintMeasures: ['n'],
      });
      expect(rejected[0]?.code).toBe('INVALID_MEASURE_VALUE');
      expect(rejected[0]?.reason).toMatch(/BIGINT but 1.5 is not a safe integer/);
    });

    it("an array with arrays: 'reject' → INVALID_MEASURE_VALUE", () => {
      const { rejected } = packMetrics([metric({ measures: { x: { value: [1, 2] } } })], {
        now: NOW,
        arrays: 'reject',
      });
      expect(rejected[0]?.reason).toMatch(/arrays are refused/);
    });

    it('a second value for the same series, time and measure → DUPLICATE_MEASURE, the first is kept', () => {
      const a = metric({ measures: { duration_ms: { value: 1 } } });
      const b = metric({ measures: { duration_ms: { value: 2 } } });
      const { requests, rejected } = packMetrics([a, b], { now: NOW });
      expect(requests[0]?.sources).toEqual([[a]]);
      expect(rejected).toMatchObject([{ record: b, code: 'DUPLICATE_MEASURE' }]);
      expect(rejected[0]?.reason).toMatch(/is 2 \(DOUBLE\) here but 1 \(DOUBLE\)/);
    });

    it('the record that would push a merge past 256 measures → TOO_MANY_MEASURES, naming the merge', () => {
      const measures = (from: number, n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${from + i}`, { value: true }]));
      const a = metric({ measures: measures(0, 200) });
      const b = metric({ measures: measures(200, 60) });
      const { rejected } = packMetrics([a, b], { now: NOW });
      expect(rejected).toMatchObject([{ record: b, code: 'TOO_MANY_MEASURES' }]);
      expect(rejected[0]?.reason).toMatch(/260 measures after merging with 1 earlier record/);
    });
  });

  it('accepts an identical repeat of a record as the same record (idempotent)', () => {
    const a = metric();
    const { requests, rejected } = packMetrics([a, { ...a }], { now: NOW });
    expect(rejected).toEqual([]);
    expect(requests[0]?.Records).toHaveLength(1);
    expect(requests[0]?.sources[0]).toHaveLength(2);
  });

  it('every MetricRecord ends in exactly one request record or one rejection (property)', () => {
    const arbMetric = fc.record({
      time: fc.oneof(
        fc.integer({ min: NOW - 8 * 3_600_000, max: NOW + 20 * 60_000 }),
        fc.constant(NOW - 1000),
      ),
      measureName: fc.constantFrom('AWS/Lambda', 'MyApp', 'time', 'ns:x'),
      dimensions: fc.dictionary(
        fc.constantFrom('Service', 'Operation', 'ts_bad', 'env'),
        fc.constantFrom('a', 'b', ''),
        { maxKeys: 3 },
      ),
      measures: fc.dictionary(
        fc.constantFrom('Latency', 'Count', 'ok', 'note'),
        fc.record({
          value: fc.oneof(
            fc.double({ noNaN: false }),
            fc.integer(),
            fc.boolean(),
            fc.string({ maxLength: 5 }),
            fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 3 }),
          ),
        }),
        { maxKeys: 4 },
      ),
    });
    fc.assert(
      fc.property(fc.array(arbMetric, { maxLength: 300 }), (metrics) => {
        const { requests, rejected } = packMetrics(metrics as MetricRecord[], { now: NOW });
        const seen = new Map<MetricRecord, number>();
        for (const r of requests) {
          expect(r.Records.length).toBeLessThanOrEqual(100);
          for (const s of r.sources) for (const m of s) seen.set(m, (seen.get(m) ?? 0) + 1);
          for (const rec of merged(r.CommonAttributes, r.Records)) {
            expect(recordBytes({ ...rec, TimeUnit: undefined })).toBeLessThanOrEqual(2048);
          }
        }
        for (const l of rejected) seen.set(l.record, (seen.get(l.record) ?? 0) + 1);
        expect(seen.size).toBe(new Set(metrics).size);
        for (const n of seen.values()) expect(n).toBeGreaterThanOrEqual(1);
        let placed = 0;
        for (const r of requests) for (const s of r.sources) placed += s.length;
        expect(placed + rejected.length).toBe(metrics.length);
      }),
      { numRuns: 200 },
    );
  });
});
