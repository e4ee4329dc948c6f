import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../src/model.js';
import { emfMetrics, isEmfDocument } from '../../../src/parsers/emf.js';
import { fixture } from '../../fixtures.js';

const FALLBACK = 1_700_000_000_000;

/** A valid one-directive document to mutate in the violation tests. */
function baseDoc(): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: 1574109732004,
      CloudWatchMetrics: [
        {
          Namespace: 'MyApp',
          Dimensions: [['Service']],
          Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }],
        },
      ],
    },
    Service: 'orders',
    Latency: 12,
  };
}

function directive(doc: Record<string, unknown>): Record<string, unknown> {
  const aws = doc._aws as { CloudWatchMetrics: Record<string, unknown>[] };
  return aws.CloudWatchMetrics[0] as Record<string, unknown>;
}

function records(doc: Record<string, unknown>, fallback = FALLBACK): MetricRecord[] {
  const r = emfMetrics(doc, fallback);
  if (typeof r === 'string') throw new Error(`unexpected reason: ${r}`);
  return r;
}

describe('isEmfDocument', () => {
  it('recognises a document by _aws.CloudWatchMetrics and nothing else', () => {
    expect(isEmfDocument({ _aws: { CloudWatchMetrics: [] } })).toBe(true);
    expect(isEmfDocument({ _aws: { Timestamp: 1 } })).toBe(false);
    expect(isEmfDocument({ _aws: null })).toBe(false);
    expect(isEmfDocument({ _aws: 'CloudWatchMetrics' })).toBe(false);
    expect(isEmfDocument({ CloudWatchMetrics: [] })).toBe(false);
  });
});

describe('emfMetrics', () => {
  it('extracts the specification example as one MetricRecord', () => {
    const doc = JSON.parse(fixture('emf.json')) as Record<string, unknown>;
    expect(isEmfDocument(doc)).toBe(true);
    expect(emfMetrics(doc, FALLBACK)).toStrictEqual([
      {
        time: 1574109732004,
        measureName: 'lambda-function-metrics',
        dimensions: { functionVersion: '$LATEST' },
        measures: { time: { value: 100, unit: 'Milliseconds' } },
      },
    ]);
  });

  it('gives one record per directive and dimension set, with array values and default units', () => {
    const doc = JSON.parse(fixture('emf-multi-directive.json')) as Record<string, unknown>;
    const measures = {
      Latency: { value: [12.5, 40, 7.25], unit: 'Milliseconds' },
      ItemsProcessed: { value: 3, unit: 'Count' },
    };
    expect(emfMetrics(doc, FALLBACK)).toStrictEqual([
      {
        time: 1717243200123,
        measureName: 'ecommerce/orders',
        dimensions: { Service: 'orders', Operation: 'CreateOrder' },
        measures,
      },
      {
        time: 1717243200123,
        measureName: 'ecommerce/orders',
        dimensions: { Service: 'orders' },
        measures,
      },
      {
        time: 1717243200123,
        measureName: 'ecommerce/payments',
        dimensions: {},
        measures: { PaymentAttempts: { value: 2, unit: 'None' } },
      },
    ]);
  });

  it('gives records of one directive separate measures objects', () => {
    const doc = baseDoc();
    directive(doc).Dimensions = [['Service'], []];
    const [a, b] = records(doc);
    expect(a?.measures).toEqual(b?.measures);
    expect(a?.measures).not.toBe(b?.measures);
  });

  it('yields one record without dimensions for Dimensions [] and for [[]]', () => {
    for (const dims of [[], [[]]]) {
      const doc = baseDoc();
      directive(doc).Dimensions = dims;
      expect(records(doc)).toStrictEqual([
        {
          time: 1574109732004,
          measureName: 'MyApp',
          dimensions: {},
          measures: { Latency: { value: 12, unit: 'Milliseconds' } },
        },
      ]);
    }
  });

  it('uses the fallback time when _aws.Timestamp is absent', () => {
    const doc = baseDoc();
    delete (doc._aws as Record<string, unknown>).Timestamp;
    expect(records(doc, 42).map((r) => r.time)).toEqual([42]);
  });

  it('skips a metric whose member is absent, and a directive left with no metric yields nothing', () => {
    const doc = baseDoc();
    directive(doc).Metrics = [{ Name: 'Latency' }, { Name: 'NotInThisEvent', Unit: 'Count' }];
    expect(records(doc)[0]?.measures).toStrictEqual({ Latency: { value: 12, unit: 'None' } });
    delete doc.Latency;
    expect(records(doc)).toEqual([]);
  });

  it('accepts StorageResolution 1 and 60 without carrying it into the record', () => {
    for (const res of [1, 60]) {
      const doc = baseDoc();
      directive(doc).Metrics = [{ Name: 'Latency', Unit: 'Milliseconds', StorageResolution: res }];
      expect(records(doc)[0]?.measures).toStrictEqual({
        Latency: { value: 12, unit: 'Milliseconds' },
      });
    }
  });

  it('reads dimension keys and metric names that are Object.prototype names as own members', () => {
    const doc = JSON.parse(
      '{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["__proto__"]],"Metrics":[{"Name":"constructor"},{"Name":"toString"}]}]},"__proto__":"p","constructor":5}',
    ) as Record<string, unknown>;
    const [rec] = records(doc);
    expect(Object.keys(rec?.dimensions ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(rec?.dimensions, '__proto__')?.value).toBe('p');
    // `toString` is not an own member of the root: skipped, not read from the prototype.
    expect(Object.keys(rec?.measures ?? {})).toEqual(['constructor']);
  });

  it('accepts the limits themselves: 30 dimension keys, 100 metrics, 100 values, 255-character names', () => {
    const doc = baseDoc();
    const keys = Array.from({ length: 30 }, (_, i) => `d${i}`);
    for (const k of keys) doc[k] = 'v';
    const defs = Array.from({ length: 100 }, (_, i) => ({ Name: `m${i}` }));
    for (let i = 0; i < 100; i++) doc[`m${i}`] = i;
    doc.m0 = Array.from({ length: 100 }, (_, i) => i);
    const ns = 'n'.repeat(255);
    Object.assign(directive(doc), { Namespace: ns, Dimensions: [keys], Metrics: defs });
    const [rec] = records(doc);
    expect(rec?.measureName).toBe(ns);
    expect(Object.keys(rec?.dimensions ?? {})).toHaveLength(30);
    expect(Object.keys(rec?.measures ?? {})).toHaveLength(100);
  });

  const violations: [string, (doc: Record<string, unknown>) => void, RegExp][] = [
    ['_aws is not an object', (d) => (d._aws = []), /_aws must be an object/],
    [
      'Timestamp is not a number',
      (d) => ((d._aws as Record<string, unknown>).Timestamp = '2019-11-18T20:42:12Z'),
      /_aws\.Timestamp/,
    ],
    [
      'Timestamp is negative',
      (d) => ((d._aws as Record<string, unknown>).Timestamp = -1),
      /_aws\.Timestamp/,
    ],
    [
      'CloudWatchMetrics is not an array',
      (d) => ((d._aws as Record<string, unknown>).CloudWatchMetrics = {}),
      /CloudWatchMetrics must be an array/,
    ],
    [
      'a directive is not an object',
      (d) => ((d._aws as Record<string, unknown>).CloudWatchMetrics = ['x']),
      /CloudWatchMetrics\[0\] must be a MetricDirective/,
    ],
    [
      'Namespace is missing',
      (d) => delete directive(d).Namespace,
      /CloudWatchMetrics\[0\]\.Namespace/,
    ],
    [
      'Namespace is empty',
      (d) => (directive(d).Namespace = ''),
      /Namespace must be a string of 1 to 255/,
    ],
    ['Namespace is too long', (d) => (directive(d).Namespace = 'n'.repeat(256)), /Namespace/],
    ['Dimensions is missing', (d) => delete directive(d).Dimensions, /Dimensions must be an array/],
    [
      'a DimensionSet is not an array',
      (d) => (directive(d).Dimensions = ['Service']),
      /Dimensions\[0\] must be an array/,
    ],
    [
      'a DimensionSet has 31 keys',
      (d) => {
        const keys = Array.from({ length: 31 }, (_, i) => `d${i}`);
        for (const k of keys) d[k] = 'v';
        directive(d).Dimensions = [keys];
      },
      /Dimensions\[0\] has 31 dimension keys; the limit is 30/,
    ],
    [
      'a dimension key is not a string',
      (d) => (directive(d).Dimensions = [[7]]),
      /Dimensions\[0\]\[0\] must be a dimension key/,
    ],
    ['a dimension key is empty', (d) => (directive(d).Dimensions = [['']]), /Dimensions\[0\]\[0\]/],
    [
      'a dimension value is a number',
      (d) => (d.Service = 3),
      /dimension "Service" must be a string, not a number/,
    ],
    [
      'a dimension value is null',
      (d) => (d.Service = null),
      /dimension "Service" must be a string, not null/,
    ],
    ['a dimension member is missing', (d) => delete d.Service, /dimension "Service" is missing/],
    ['Metrics is missing', (d) => delete directive(d).Metrics, /Metrics must be an array/],
    [
      'Metrics has 101 definitions',
      (d) => (directive(d).Metrics = Array.from({ length: 101 }, () => ({ Name: 'Latency' }))),
      /101 MetricDefinitions; the limit is 100/,
    ],
    [
      'a MetricDefinition is not an object',
      (d) => (directive(d).Metrics = ['Latency']),
      /Metrics\[0\] must be a MetricDefinition/,
    ],
    [
      'a metric Name is missing',
      (d) => (directive(d).Metrics = [{ Unit: 'Count' }]),
      /Metrics\[0\]\.Name/,
    ],
    [
      'a metric Name is too long',
      (d) => (directive(d).Metrics = [{ Name: 'x'.repeat(256) }]),
      /Metrics\[0\]\.Name/,
    ],
    [
      'a Unit is not a string',
      (d) => (directive(d).Metrics = [{ Name: 'Latency', Unit: 1 }]),
      /Metrics\[0\]\.Unit/,
    ],
    [
      'StorageResolution is neither 1 nor 60',
      (d) => (directive(d).Metrics = [{ Name: 'Latency', StorageResolution: 5 }]),
      /StorageResolution must be 1 or 60/,
    ],
    [
      'a metric value is a string',
      (d) => (d.Latency = '12'),
      /metric "Latency" must be a number or an array of numbers/,
    ],
    ['a metric value is null', (d) => (d.Latency = null), /metric "Latency" must be a number/],
    [
      'a metric array holds a string',
      (d) => (d.Latency = [1, '2']),
      /metric "Latency" must be an array of numbers \(item 1/,
    ],
    [
      'a metric array is empty',
      (d) => (d.Latency = []),
      /metric "Latency" must not be an empty array/,
    ],
    [
      'a metric array has 101 values',
      (d) => (d.Latency = Array.from({ length: 101 }, () => 1)),
      /metric "Latency" has 101 values; the limit is 100/,
    ],
    ['a metric value is not finite', (d) => (d.Latency = Number.POSITIVE_INFINITY), /finite/],
  ];

  it.each(violations)('gives a reason naming the part when %s', (_what, mutate, reason) => {
    const doc = baseDoc();
    mutate(doc);
    const r = emfMetrics(doc, FALLBACK);
    expect(typeof r).toBe('string');
    expect(r).toMatch(/^EMF: /);
    expect(r).toMatch(reason);
  });

  it('names the directive, metric, dimension set and key of a reason by their indexes', () => {
    const second = (metrics: unknown[], dimensions: unknown[]): Record<string, unknown> => {
      const doc = baseDoc();
      (doc._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics.push({
        Namespace: 'Other',
        Dimensions: dimensions,
        Metrics: metrics,
      });
      return doc;
    };
    const ok = { Name: 'Latency' };
    expect(emfMetrics(second([ok, ok, { Name: 'Latency', Unit: 7 }], []), FALLBACK)).toBe(
      'EMF: CloudWatchMetrics[1].Metrics[2].Unit must be a string',
    );
    expect(emfMetrics(second([ok, 'Latency'], []), FALLBACK)).toBe(
      'EMF: CloudWatchMetrics[1].Metrics[1] must be a MetricDefinition object',
    );
    const notFinite = second([ok, { Name: 'Bad' }], []);
    notFinite.Bad = Number.NaN;
    expect(emfMetrics(notFinite, FALLBACK)).toBe(
      'EMF: CloudWatchMetrics[1].Metrics[1]: metric "Bad" must be a finite number',
    );
    expect(emfMetrics(second([ok], [['Service'], ['Service', '']]), FALLBACK)).toBe(
      'EMF: CloudWatchMetrics[1].Dimensions[1][1] must be a dimension key of 1 to 255 characters',
    );
    expect(emfMetrics(second([ok], [['Service'], 'Service']), FALLBACK)).toBe(
      'EMF: CloudWatchMetrics[1].Dimensions[1] must be an array of dimension keys',
    );
  });

  it('reads root members as property reads do, accessors included', () => {
    const doc = baseDoc();
    delete doc.Latency;
    Object.defineProperty(doc, 'Latency', { get: () => 7, enumerable: true });
    expect(records(doc)[0]?.measures).toStrictEqual({
      Latency: { value: 7, unit: 'Milliseconds' },
    });
  });

  it('gives a reason, not part of the records, when a later directive breaks the specification', () => {
    const doc = baseDoc();
    (doc._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics.push({
      Namespace: 'Other',
      Dimensions: [['Service'], ['Missing']],
      Metrics: [{ Name: 'Latency' }],
    });
    expect(emfMetrics(doc, FALLBACK)).toBe(
      'EMF: CloudWatchMetrics[1].Dimensions[1]: dimension "Missing" is missing from the root node',
    );
  });

  it('never throws and returns records or a reason for arbitrary _aws contents (property)', () => {
    const member = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('Service', 'Latency', '__proto__', ''),
      fc.array(fc.array(fc.constantFrom('Service', 'Latency', 'x', 1))),
      fc.array(
        fc.record(
          { Name: fc.constantFrom('Latency', 'Service', 'x'), Unit: fc.jsonValue() },
          { requiredKeys: [] },
        ),
      ),
    );
    const directiveArb = fc.dictionary(
      fc.constantFrom('Namespace', 'Dimensions', 'Metrics', 'Other'),
      member,
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.array(directiveArb)),
        fc.jsonValue(),
        fc.jsonValue(),
        (cwm, ts, latency) => {
          const doc: Record<string, unknown> = {
            _aws: { CloudWatchMetrics: cwm, Timestamp: ts },
            Service: 'orders',
            Latency: latency,
          };
          const r = emfMetrics(doc, FALLBACK);
          if (typeof r !== 'string') {
            expect(Array.isArray(r)).toBe(true);
            for (const rec of r) {
              for (const v of Object.values(rec.dimensions)) expect(typeof v).toBe('string');
              expect(Object.keys(rec.measures).length).toBeGreaterThan(0);
            }
          }
        },
      ),
    );
  });
});
