import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, formatValue, Registry } from '../../../src/serve/metrics.js';

/** The reader's side of label escaping (the exposition format's rules), for round trips. */
function unescapeLabelValue(s: string): string {
  return s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

describe('Prometheus text exposition', () => {
  it('writes HELP and TYPE lines and escapes label values', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'Things.\nSecond line with \\ backslash', ['path']);
    c.inc(['a "quoted"\\path\nnext']);
    expect(r.render()).toBe(
      [
        '# HELP x_total Things.\\nSecond line with \\\\ backslash',
        '# TYPE x_total counter',
        'x_total{path="a \\"quoted\\"\\\\path\\nnext"} 1',
        '',
      ].join('\n'),
    );
  });

  it('round-trips any label value and never leaves a raw line feed or quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (v) => {
        const e = escapeLabelValue(v);
        expect(e).not.toMatch(/\n/);
        expect(e).not.toMatch(/(^|[^\\])(\\\\)*"/);
        expect(unescapeLabelValue(e)).toBe(v);
      }),
    );
  });

  it('writes histograms as cumulative buckets with +Inf, _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram('d_seconds', 'Durations.', ['sink'], [0.1, 1]);
    h.observe(['lake'], 0.05);
    h.observe(['lake'], 0.5);
    h.observe(['lake'], 5);
    expect(r.render()).toContain(
      [
        'd_seconds_bucket{sink="lake",le="0.1"} 1',
        'd_seconds_bucket{sink="lake",le="1"} 2',
        'd_seconds_bucket{sink="lake",le="+Inf"} 3',
        'd_seconds_sum{sink="lake"} 5.55',
        'd_seconds_count{sink="lake"} 3',
      ].join('\n'),
    );
  });

  it('keeps a counter copied from a stage monotonic and renders gauges as set', () => {
    const r = new Registry();
    const c = r.counter('c_total', 'C.', ['k']);
    c.set(['a'], 5);
    c.set(['a'], 3);
    const g = r.gauge('g', 'G.');
    g.set([], 7);
    g.set([], 2);
    r.onCollect(() => c.inc(['b']));
    const text = r.render();
    expect(text).toContain('c_total{k="a"} 5\n');
    expect(text).toContain('c_total{k="b"} 1\n');
    expect(text).toContain('g 2\n');
  });

  it('spells special values as Prometheus does', () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatValue(Number.NaN)).toBe('NaN');
  });

  it('refuses invalid metric and label names and a metric registered twice', () => {
    const r = new Registry();
    expect(() => r.counter('1bad', 'x')).toThrow(/invalid metric name/);
    expect(() => r.counter('ok_total', 'x', ['__reserved'])).toThrow(/invalid label name/);
    r.counter('dup_total', 'x');
    expect(() => r.counter('dup_total', 'x')).toThrow(/registered twice/);
  });
});
