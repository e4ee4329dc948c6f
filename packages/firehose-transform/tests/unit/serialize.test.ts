import {
  BUILTIN_DATASETS,
  createClassifier,
  generateWorkload,
  getDataset,
  LineBuffer,
  type LogOrigin,
  type LogRecord,
  processEnvelope,
} from '@logpipe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leastLineBytes, recordLine, renderLines, renderLinesInto } from '../../src/output.js';
import {
  COMPILED_DATASETS,
  RecordLineSerializer,
  recordLineReference,
} from '../../src/serialize.js';
import { codeUnit } from './arbitraries.js';

/** Characters JSON must escape or that trip naive escapers. */
const tricky = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u001f',
  '\t',
  '\n',
  '\r',
  '"',
  '\\',
  '/',
  '\u007f',
  '\u2028',
  '\u2029',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  'é',
  '€',
  'a',
);
const textArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: tricky, maxLength: 40 }),
);
const numberArb = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 2,
    1e21,
    -1e-7,
    5e-324,
    Number.MAX_VALUE,
  ),
);
const jsonValueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    textArb,
    numberArb,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(textArb, tie('value'), { maxKeys: 3 }),
  ),
})).value;
/** Values JSON.stringify treats specially inside an object. */
const oddValueArb = fc.constantFrom<unknown>(undefined, () => 1, Symbol('s'), new Date(0), {
  toJSON: (key: string) => `key:${key}`,
});

/** A value for a column of the given type: mostly the right type, sometimes anything. */
function columnValueArb(type: string): fc.Arbitrary<unknown> {
  const right =
    type === 'string'
      ? textArb
      : type === 'boolean'
        ? fc.boolean()
        : type === 'json' || type === 'map'
          ? jsonValueArb
          : numberArb;
  return fc.oneof(
    { weight: 6, arbitrary: right },
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: jsonValueArb },
    { weight: 1, arbitrary: oddValueArb },
  );
}

/** Fields in the dataset's declared shape (sometimes reordered or cut short), or any object. */
function fieldsArb(dataset: string): fc.Arbitrary<Record<string, unknown>> {
  const columns = BUILTIN_DATASETS.includes(dataset as never) ? getDataset(dataset).columns : [];
  const declared = fc
    .tuple(...columns.map((c) => columnValueArb(c.type)))
    .map((values) => Object.fromEntries(columns.map((c, i) => [c.name, values[i]])));
  const altered = fc.tuple(declared, fc.nat(), fc.boolean()).map(([f, n, reverse]) => {
    const entries = Object.entries(f).slice(0, n % (columns.length + 1));
    return Object.fromEntries(reverse ? entries.reverse() : entries);
  });
  return fc.oneof(
    { weight: 5, arbitrary: declared },
    { weight: 2, arbitrary: altered },
    { weight: 2, arbitrary: fc.dictionary(textArb, jsonValueArb, { maxKeys: 5 }) },
  );
}

const datasetArb = fc.oneof(fc.constantFrom(...BUILTIN_DATASETS), textArb);
const originArb: fc.Arbitrary<LogOrigin> = fc.record({
  owner: fc.oneof(fc.stringMatching(/^[0-9]{12}$/), textArb),
  logGroup: textArb,
  logStream: textArb,
  region: fc.option(fc.oneof(fc.constantFrom('us-east-1', 'eu-west-1'), textArb), {
    nil: undefined,
  }),
});
const recordArb = (origin: fc.Arbitrary<LogOrigin>): fc.Arbitrary<LogRecord> =>
  fc.tuple(datasetArb, origin).chain(([dataset, o]) =>
    fc.record({
      time: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 2 ** 45 }) }, numberArb),
      id: fc.oneof(fc.stringMatching(/^[0-9]{56}$/), textArb),
      dataset: fc.constant(dataset),
      origin: fc.constant(o),
      message: textArb,
      fields: fieldsArb(dataset),
    }),
  );
/** Runs of records that share an origin (as in one payload), and some that do not. */
const batchArb = fc
  .tuple(originArb, fc.array(fc.nat(2), { minLength: 1, maxLength: 6 }))
  .chain(([shared, picks]) =>
    fc.tuple(...picks.map((p) => recordArb(p === 0 ? originArb : fc.constant(shared)))),
  );

describe('the record line serializer', () => {
  it('writes every generated record byte for byte as the JSON.stringify reference does', () => {
    const classifier = createClassifier();
    const serializer = new RecordLineSerializer();
    const seen = new Set<string>();
    for (const p of generateWorkload({ events: 3000, seed: 9 })) {
      const { records } = processEnvelope(p.envelope, classifier, { region: 'eu-west-1' });
      for (const r of records) {
        seen.add(r.dataset);
        expect(serializer.line(r)).toBe(recordLineReference(r));
      }
    }
    expect([...seen].sort()).toEqual(['alb', 'app', 'cloudtrail', 'lambda', 'vpc_flow']);
  });

  it('compiles a serializer only for datasets core declares', () => {
    for (const d of COMPILED_DATASETS) expect(BUILTIN_DATASETS).toContain(d);
  });

  it('matches JSON.stringify semantics for any record: unicode, control characters, lone surrogates, large numbers, nulls, omitted values (property)', () => {
    const serializer = new RecordLineSerializer();
    fc.assert(
      fc.property(batchArb, (batch) => {
        for (const r of batch) {
          const expected = recordLineReference(r);
          expect(serializer.line(r)).toBe(expected);
          expect(recordLine(r)).toBe(expected);
        }
        expect(renderLines(batch, 'records')).toBe(
          batch.map((r) => `${recordLineReference(r)}\n`).join(''),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('writes into a LineBuffer the UTF-8 bytes of what renderLines gives, in every output mode (property)', () => {
    // A small first buffer: growing is exercised too; one buffer for every batch, reset between.
    const out = new LineBuffer(32);
    const custom = (r: LogRecord) => `${r.dataset}|${r.message}`;
    // A JavaScript caller's function may return something else than a string.
    const numeric = ((r: LogRecord) => r.time) as unknown as (r: LogRecord) => string;
    fc.assert(
      fc.property(batchArb, fc.boolean(), (batch, newline) => {
        if (newline) for (const r of batch) r.message += '\n';
        for (const mode of ['records', 'messages', custom, numeric] as const) {
          out.reset();
          renderLinesInto(out, batch, mode);
          expect(out.bytes().toString('base64')).toBe(
            Buffer.from(renderLines(batch, mode)).toString('base64'),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never bounds the rendered size above what renderLines writes, in either mode (property)', () => {
    // The handler sends a payload back unrendered when this bound cannot fit the response.
    let tight = 0;
    fc.assert(
      fc.property(batchArb, fc.boolean(), (batch, newline) => {
        if (newline) for (const r of batch) r.message += '\n';
        for (const mode of ['records', 'messages'] as const) {
          const actual = Buffer.byteLength(renderLines(batch, mode));
          const least = leastLineBytes(batch, mode);
          expect(least).toBeLessThanOrEqual(actual);
          expect(least).toBeGreaterThan(0);
          if (least === actual) tight++;
        }
      }),
      { numRuns: 400 },
    );
    // ASCII messages without escapes make the messages bound exact.
    expect(tight).toBeGreaterThan(0);
    expect(leastLineBytes([], 'records')).toBe(0);
    expect(leastLineBytes([], (r) => r.message)).toBe(0);
  });

  it('matches the reference on records in the declared shape of a compiled dataset (property)', () => {
    const serializer = new RecordLineSerializer();
    const wellTyped = (type: string): fc.Arbitrary<unknown> =>
      fc.oneof(
        {
          weight: 3,
          arbitrary: columnValueArb(type).filter(
            (v) => v === null || typeof v !== 'object' || type === 'json' || type === 'map',
          ),
        },
        { weight: 1, arbitrary: fc.constant(null) },
      );
    const compiledRecordArb = fc.constantFrom(...COMPILED_DATASETS).chain((dataset) => {
      const columns = getDataset(dataset).columns;
      return fc.record({
        time: numberArb,
        id: textArb,
        dataset: fc.constant(dataset),
        origin: originArb,
        message: textArb,
        fields: fc
          .tuple(...columns.map((c) => wellTyped(c.type)))
          .map((values) => Object.fromEntries(columns.map((c, i) => [c.name, values[i]]))),
      });
    });
    fc.assert(
      fc.property(compiledRecordArb, (r) => {
        expect(serializer.line(r)).toBe(recordLineReference(r));
      }),
      { numRuns: 1000 },
    );
  });

  it('notices an origin changed in place between two records', () => {
    const serializer = new RecordLineSerializer();
    const origin = { owner: '1', logGroup: 'g', logStream: 's', region: 'us-east-1' };
    const r: LogRecord = { time: 1, id: 'x', dataset: 'app', origin, message: 'm', fields: {} };
    expect(serializer.line(r)).toBe(recordLineReference(r));
    origin.logGroup = 'other "group"';
    origin.region = undefined as never;
    expect(serializer.line(r)).toBe(recordLineReference(r));
    expect(serializer.line(r)).toContain(
      '"log_group":"other \\"group\\"","log_stream":"s","origin_region":null',
    );
  });

  it('passes the member key to toJSON as JSON.stringify does', () => {
    const fields: Record<string, unknown> = Object.fromEntries(
      getDataset('lambda').columns.map((c) => [c.name, null]),
    );
    fields.fields = { toJSON: (key: string) => `key=${key}` };
    const r: LogRecord = {
      time: 1,
      id: 'x',
      dataset: 'lambda',
      origin: { owner: '1', logGroup: 'g', logStream: 's' },
      message: 'm',
      fields,
    };
    expect(recordLine(r)).toBe(recordLineReference(r));
    expect(recordLine(r)).toContain('"fields":"key=fields"');
  });
});
