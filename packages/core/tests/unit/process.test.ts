import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify.js';
import { createDecoder } from '../../src/decode/decoder.js';
import type { CwlEnvelope } from '../../src/decode/envelope.js';
import { gzipEnvelope } from '../../src/generator/encode.js';
import { generateWorkload, WORKLOAD_FORMATS } from '../../src/generator/workload.js';
import { processEnvelope } from '../../src/process.js';
import { fixture } from '../fixtures.js';

const classifier = createClassifier();

describe('processEnvelope', () => {
  it('yields no records for a CONTROL_MESSAGE', () => {
    const out = processEnvelope(JSON.parse(fixture('cwl-control-message.json')), classifier);
    expect(out).toEqual({ control: true, records: [], metrics: [], fallbacks: 0 });
  });

  it('keeps event ids as strings and shares one origin object per payload', () => {
    const env = JSON.parse(fixture('cwl-data-message.json')) as CwlEnvelope;
    const out = processEnvelope(env, classifier, { region: 'us-east-1' });
    expect(out.records.map((r) => typeof r.id)).toEqual(['string', 'string', 'string']);
    expect(out.records[0]!.origin).toBe(out.records[2]!.origin);
    expect(out.records[0]!.origin).toEqual({
      owner: '123456789012',
      logGroup: 'CloudTrail',
      logStream: '123456789012_CloudTrail_us-east-1',
      region: 'us-east-1',
      subscriptionFilters: ['Destination'],
    });
  });

  it('sends a line its parser rejects to app with the reason, and counts it', () => {
    const env = JSON.parse(fixture('cwl-data-message.json')) as CwlEnvelope;
    const out = processEnvelope(env, classifier);
    expect(out.fallbacks).toBe(3);
    for (const r of out.records) {
      expect(r.dataset).toBe('app');
      expect(r.fields.parse_error).toMatch(/^cloudtrail: .*JSON/i);
      expect(r.message).toBe('{"eventVersion":"1.03","userIdentity":{"type":"Root"}');
    }
  });

  it("with parse: false, classifies only: the parser's dataset, no fields, no metrics, no fallbacks", () => {
    const env = JSON.parse(fixture('cwl-data-message.json')) as CwlEnvelope;
    const out = processEnvelope(env, classifier, { parse: false });
    expect(out.fallbacks).toBe(0);
    expect(out.records.map((r) => [r.dataset, r.fields])).toEqual([
      ['cloudtrail', {}],
      ['cloudtrail', {}],
      ['cloudtrail', {}],
    ]);
    // Everything but dataset and fields is what parsing gives, for a mixed workload.
    for (const p of generateWorkload({ events: 2000, seed: 3 })) {
      const parsed = processEnvelope(p.envelope, classifier, { region: 'eu-west-1' });
      const only = processEnvelope(p.envelope, classifier, { region: 'eu-west-1', parse: false });
      expect(only.metrics).toEqual([]);
      expect(only.records.map(({ fields: _f, dataset: _d, ...rest }) => rest)).toEqual(
        parsed.records.map(({ fields: _f, dataset: _d, ...rest }) => rest),
      );
      only.records.forEach((r, i) => {
        const full = parsed.records[i]!;
        // Same dataset unless the parser rejected the line (then `app` when parsed).
        if (full.fields.parse_error === undefined || full.fields.parse_error === null)
          expect(r.dataset).toBe(full.dataset);
      });
    }
  });

  it('turns every generated event of every format into one record with the generated fields (property)', () => {
    const decoder = createDecoder();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(...WORKLOAD_FORMATS),
        (seed, format) => {
          for (const p of generateWorkload({
            events: 40,
            seed,
            formats: [format],
            eventsPerPayload: [1, 15],
          })) {
            const r = decoder.bytes(gzipEnvelope(p.envelope), 'gen');
            expect(r.ok).toBe(true);
            if (!r.ok) return;
            const out = processEnvelope(r.value.envelope, classifier);
            expect(out.records).toHaveLength(p.expected.length);
            expect(out.fallbacks).toBe(0);
            const expectedMetrics = p.expected.flatMap((e) => e.metrics ?? []);
            expect(out.metrics).toEqual(expectedMetrics);
            p.expected.forEach((e, i) => {
              const rec = out.records[i]!;
              expect(rec.id).toBe(e.id);
              expect(rec.time).toBe(e.timestamp);
              expect(rec.message).toBe(e.message);
              expect(rec.dataset).toBe(e.dataset);
              expect(rec.fields).toMatchObject(e.fields);
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('generateWorkload', () => {
  it('is deterministic for a seed and produces exactly the requested number of events', () => {
    const a = [...generateWorkload({ events: 500, seed: 9 })];
    const b = [...generateWorkload({ events: 500, seed: 9 })];
    expect(a).toEqual(b);
    expect(a.reduce((n, p) => n + p.envelope.logEvents.length, 0)).toBe(500);
    const c = [...generateWorkload({ events: 500, seed: 10 })];
    expect(c).not.toEqual(a);
  });

  it('honours eventsPerPayload and produces 56-digit string ids in increasing order', () => {
    const payloads = [...generateWorkload({ events: 1000, seed: 3, eventsPerPayload: [5, 8] })];
    for (const p of payloads.slice(0, -1)) {
      expect(p.envelope.logEvents.length).toBeGreaterThanOrEqual(5);
      expect(p.envelope.logEvents.length).toBeLessThanOrEqual(8);
    }
    const ids = payloads.flatMap((p) => p.envelope.logEvents.map((e) => e.id));
    for (const id of ids) expect(id).toMatch(/^[0-9]{56}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('refuses invalid options', () => {
    expect(() => [...generateWorkload({ events: -1 })]).toThrow(/events/);
    expect(() => [...generateWorkload({ events: 1, eventsPerPayload: [5, 2] })]).toThrow(
      /eventsPerPayload/,
    );
    expect(() => [...generateWorkload({ events: 1, formats: ['nope' as never] })]).toThrow(
      /unknown workload format/,
    );
  });
});
