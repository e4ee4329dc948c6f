import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify.js';
import { generateWorkload, type WorkloadFormat } from '../../src/generator/workload.js';
import {
  ALB_TARGET_GROUP_RULE,
  createMetricAggregator,
  VPC_FLOW_INTERFACE_RULE,
} from '../../src/metric-rules.js';
import type { LogRecord } from '../../src/model.js';
import { processEnvelope } from '../../src/process.js';

function records(events: number, formats: WorkloadFormat[]): LogRecord[] {
  const classifier = createClassifier();
  const out: LogRecord[] = [];
  for (const p of generateWorkload({
    events,
    seed: 11,
    formats,
    startTime: Date.UTC(2026, 2, 3, 4, 58, 30),
    eventIntervalMs: 50,
  })) {
    out.push(...processEnvelope(p.envelope, classifier).records);
  }
  return out;
}

describe('metric rules', () => {
  it('aggregates ALB requests per target group, status class and minute, as a direct computation does', () => {
    const rs = records(3000, ['alb', 'app_json']);
    const agg = createMetricAggregator([ALB_TARGET_GROUP_RULE]);
    agg.add(rs);
    const metrics = agg.drain();
    expect(agg.size).toBe(0);

    // The same numbers computed the plain way.
    const want = new Map<string, { n: number; t: number[]; sent: number }>();
    for (const r of rs) {
      if (r.dataset !== 'alb') continue;
      const tg = r.fields.target_group_arn;
      const code = r.fields.elb_status_code;
      if (typeof tg !== 'string' || tg === '' || typeof code !== 'number') continue;
      const key = `${Math.floor(r.time / 60_000) * 60_000}|${tg}|${String(code)[0]}xx`;
      const w = want.get(key) ?? { n: 0, t: [], sent: 0 };
      w.n++;
      const t = r.fields.target_processing_time;
      if (typeof t === 'number') w.t.push(t);
      if (typeof r.fields.sent_bytes === 'number') w.sent += r.fields.sent_bytes;
      want.set(key, w);
    }
    expect(want.size).toBeGreaterThan(3);
    expect(metrics).toHaveLength(want.size);
    for (const m of metrics) {
      expect(m.measureName).toBe('alb_requests');
      const w = want.get(`${m.time}|${m.dimensions.target_group}|${m.dimensions.status_class}`);
      expect(w, JSON.stringify(m.dimensions)).toBeDefined();
      if (w === undefined) continue;
      expect(m.measures.requests).toEqual({ value: w.n });
      expect(m.measures.sent_bytes).toEqual({ value: w.sent, unit: 'Bytes' });
      if (w.t.length > 0) {
        expect(m.measures.target_time_max?.value).toBe(Math.max(...w.t));
        expect(m.measures.target_time_avg?.value).toBeCloseTo(
          w.t.reduce((a, b) => a + b, 0) / w.t.length,
          9,
        );
      } else {
        expect(m.measures.target_time_max).toBeUndefined();
      }
    }
    // Periods come out in time order, each on a minute boundary.
    expect(metrics.every((m) => m.time % 60_000 === 0)).toBe(true);
    expect(metrics.map((m) => m.time)).toEqual(
      [...metrics.map((m) => m.time)].sort((a, b) => a - b),
    );
  });

  it('sums VPC flow bytes per interface and action; drain(before) keeps later periods', () => {
    const rs = records(2000, ['vpc_flow']);
    const agg = createMetricAggregator([VPC_FLOW_INTERFACE_RULE]);
    const counted = agg.add(rs);
    const flows = rs.filter((r) => typeof r.fields.action === 'string' && r.fields.interface_id);
    expect(counted).toBe(flows.length);
    const cut = Math.min(...rs.map((r) => r.time)) + 60_000;
    const early = agg.drain(Math.floor(cut / 60_000) * 60_000);
    const late = agg.drain();
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    expect(Math.max(...early.map((m) => m.time))).toBeLessThan(
      Math.min(...late.map((m) => m.time)),
    );
    const total = [...early, ...late].reduce((a, m) => a + (m.measures.bytes?.value as number), 0);
    expect(total).toBe(flows.reduce((a, r) => a + Number(r.fields.bytes ?? 0), 0));
    const count = [...early, ...late].reduce((a, m) => a + (m.measures.flows?.value as number), 0);
    expect(count).toBe(flows.length);
  });

  it('applies where conditions (value, list, RegExp) and skips records lacking a dimension', () => {
    const agg = createMetricAggregator([
      {
        name: 'errors',
        dataset: 'app',
        where: { level: ['ERROR', 'FATAL'], service: /^pay/ },
        dimensions: { service: 'service' },
        measures: { n: { stat: 'count' }, worst: { stat: 'max', field: 'latency_ms' } },
      },
    ]);
    const base = {
      dataset: 'app',
      id: '',
      message: '',
      origin: { owner: '1', logGroup: 'g', logStream: 's' },
    };
    const rec = (fields: Record<string, unknown>, time = 120_500): LogRecord =>
      ({ ...base, time, fields }) as LogRecord;
    agg.add([
      rec({ level: 'ERROR', service: 'payments', latency_ms: 5 }),
      rec({ level: 'FATAL', service: 'payments', latency_ms: '9' }),
      rec({ level: 'INFO', service: 'payments', latency_ms: 100 }),
      rec({ level: 'ERROR', service: 'orders', latency_ms: 100 }),
      rec({ level: 'ERROR', latency_ms: 100 }),
      rec({ level: 'ERROR', service: 'payments' }, 185_000),
    ]);
    expect(agg.drain()).toEqual([
      {
        time: 120_000,
        measureName: 'errors',
        dimensions: { service: 'payments' },
        measures: { n: { value: 2 }, worst: { value: 9 } },
      },
      {
        time: 180_000,
        measureName: 'errors',
        dimensions: { service: 'payments' },
        measures: { n: { value: 1 } },
      },
    ]);
  });

  it('refuses invalid rules with the rule and the problem named', () => {
    const ok = { name: 'r', dataset: 'alb', dimensions: {}, measures: { n: { stat: 'count' } } };
    expect(() => createMetricAggregator([{ ...ok, measures: {} } as never])).toThrow(
      'metric rule r: needs at least one measure',
    );
    expect(() =>
      createMetricAggregator([{ ...ok, measures: { s: { stat: 'sum' } } } as never]),
    ).toThrow('metric rule r: measure s (sum) needs a field');
    expect(() =>
      createMetricAggregator([{ ...ok, measures: { s: { stat: 'p99', field: 'x' } } } as never]),
    ).toThrow('metric rule r: measure s has unknown stat p99');
    expect(() => createMetricAggregator([{ ...ok, periodMs: 0 } as never])).toThrow(
      'metric rule r: periodMs must be a positive integer, got 0',
    );
    expect(() =>
      createMetricAggregator([
        { ...ok, dimensions: { c: { field: 'x', transform: 'upper' } } } as never,
      ]),
    ).toThrow(/unknown transform upper/);
  });
});
