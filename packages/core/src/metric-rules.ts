/**
 * Metric rules: metrics computed from log records, the equivalent of CloudWatch Logs metric
 * filters, aggregated per period (one minute by default) and dimension values into
 * multi-measure {@link MetricRecord}s.
 */
import { ConfigError } from './errors.js';
import type { LogRecord, Measure, MetricRecord } from './model.js';

/** A field value a record must have: equal to it, or one of a list, or matching a RegExp. */
export type FieldMatch = string | number | boolean | readonly (string | number)[] | RegExp;

/** Built-in value transforms for dimensions. */
export type DimensionTransform = 'status_class';

/** Where a dimension's value comes from. */
export type DimensionSpec =
  | string
  | { field: string; transform?: DimensionTransform | undefined }
  | ((record: LogRecord) => string | undefined);

/** Aggregations a measure can take over the records of a period. */
export type MeasureStat = 'count' | 'sum' | 'min' | 'max' | 'avg';

/** One measure of a rule: a statistic of a numeric field (or the record count). */
export interface MeasureSpec {
  stat: MeasureStat;
  /** The numeric field; not needed for `count`. */
  field?: string | undefined;
  /** CloudWatch unit name, kept on the measure, e.g. `Seconds`, `Bytes`. */
  unit?: string | undefined;
}

/** A metric rule over the records of one dataset. */
export interface MetricRule {
  /** The MetricRecord's `measureName`, e.g. `alb_requests`. */
  name: string;
  /** Dataset the rule reads, e.g. `alb`. */
  dataset: string;
  /** Conditions on fields (all must hold); `undefined` takes every record of the dataset. */
  where?: Readonly<Record<string, FieldMatch>> | undefined;
  /** Dimension name → where its value comes from; a record without the value is skipped. */
  dimensions: Readonly<Record<string, DimensionSpec>>;
  /** Measure name → statistic. */
  measures: Readonly<Record<string, MeasureSpec>>;
  /** Aggregation period in ms. Default 60,000. */
  periodMs?: number | undefined;
}

/**
 * Example rule: ALB requests, latency and bytes per target group, status class and minute.
 */
export const ALB_TARGET_GROUP_RULE: MetricRule = {
  name: 'alb_requests',
  dataset: 'alb',
  dimensions: {
    target_group: 'target_group_arn',
    status_class: { field: 'elb_status_code', transform: 'status_class' },
  },
  measures: {
    requests: { stat: 'count' },
    target_time_avg: { stat: 'avg', field: 'target_processing_time', unit: 'Seconds' },
    target_time_max: { stat: 'max', field: 'target_processing_time', unit: 'Seconds' },
    sent_bytes: { stat: 'sum', field: 'sent_bytes', unit: 'Bytes' },
  },
};

/** Example rule: VPC flow bytes and packets per network interface, action and minute. */
export const VPC_FLOW_INTERFACE_RULE: MetricRule = {
  name: 'vpc_flow_traffic',
  dataset: 'vpc_flow',
  dimensions: { interface_id: 'interface_id', action: 'action' },
  measures: {
    flows: { stat: 'count' },
    bytes: { stat: 'sum', field: 'bytes', unit: 'Bytes' },
    packets: { stat: 'sum', field: 'packets', unit: 'Count' },
  },
};

/** Aggregates records by rules; `drain` hands out what was aggregated. */
export interface MetricAggregator {
  /** Adds records; returns how many (record, rule) pairs counted. */
  add(records: readonly LogRecord[]): number;
  /**
   * The MetricRecords of every period that started before `before` (default: all), in
   * period order, and forgets them.
   */
  drain(before?: number): MetricRecord[];
  /** Periods held now. */
  readonly size: number;
}

interface Acc {
  time: number;
  rule: CompiledRule;
  dimensions: Record<string, string>;
  count: number;
  sums: Float64Array;
  mins: Float64Array;
  maxs: Float64Array;
  ns: Float64Array;
}

interface CompiledRule {
  rule: MetricRule;
  period: number;
  match: (r: LogRecord) => boolean;
  dims: Array<[string, (r: LogRecord) => string | undefined]>;
  measures: Array<[string, MeasureSpec]>;
}

function statusClass(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 100 || n > 599) return undefined;
  return `${Math.floor(n / 100)}xx`;
}

function dimGetter(name: string, spec: DimensionSpec): (r: LogRecord) => string | undefined {
  if (typeof spec === 'function') return spec;
  const field = typeof spec === 'string' ? spec : spec.field;
  const transform = typeof spec === 'string' ? undefined : spec.transform;
  if (typeof field !== 'string' || field === '') {
    throw new ConfigError(`metric rule dimension ${name}: field must be a non-empty string`);
  }
  if (transform !== undefined && transform !== 'status_class') {
    throw new ConfigError(`metric rule dimension ${name}: unknown transform ${String(transform)}`);
  }
  return (r) => {
    const v = r.fields[field];
    if (transform === 'status_class') return statusClass(v);
    if (v === null || v === undefined || v === '') return undefined;
    return typeof v === 'string' ? v : String(v);
  };
}

function matcher(where: MetricRule['where']): (r: LogRecord) => boolean {
  if (where === undefined) return () => true;
  const tests = Object.entries(where).map(([field, want]): ((r: LogRecord) => boolean) => {
    if (want instanceof RegExp) {
      return (r) => {
        const v = r.fields[field];
        return v !== null && v !== undefined && want.test(String(v));
      };
    }
    if (Array.isArray(want)) return (r) => want.includes(r.fields[field] as string | number);
    return (r) => r.fields[field] === want;
  });
  return (r) => tests.every((t) => t(r));
}

const STATS: readonly MeasureStat[] = ['count', 'sum', 'min', 'max', 'avg'];

function compile(rule: MetricRule): CompiledRule {
  if (typeof rule?.name !== 'string' || rule.name === '') {
    throw new ConfigError('metric rule: name must be a non-empty string');
  }
  const where = `metric rule ${rule.name}`;
  if (typeof rule.dataset !== 'string' || rule.dataset === '') {
    throw new ConfigError(`${where}: dataset must be a non-empty string`);
  }
  const period = rule.periodMs ?? 60_000;
  if (!Number.isSafeInteger(period) || period <= 0) {
    throw new ConfigError(`${where}: periodMs must be a positive integer, got ${String(period)}`);
  }
  const measures = Object.entries(rule.measures ?? {});
  if (measures.length === 0) throw new ConfigError(`${where}: needs at least one measure`);
  for (const [name, m] of measures) {
    if (!STATS.includes(m?.stat)) {
      throw new ConfigError(`${where}: measure ${name} has unknown stat ${String(m?.stat)}`);
    }
    if (m.stat !== 'count' && (typeof m.field !== 'string' || m.field === '')) {
      throw new ConfigError(`${where}: measure ${name} (${m.stat}) needs a field`);
    }
  }
  return {
    rule,
    period,
    match: matcher(rule.where),
    dims: Object.entries(rule.dimensions ?? {}).map(([n, s]) => [n, dimGetter(`${where} ${n}`, s)]),
    measures,
  };
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Creates an aggregator over the given rules. Rules are checked here, once.
 *
 * A record counts for a rule when its dataset matches, every `where` condition holds and
 * every dimension has a value. Per (rule, period start, dimension values), each measure is
 * aggregated; `sum`/`min`/`max`/`avg` skip records whose field is not a finite number, and
 * a measure no record had a value for is left out of the MetricRecord.
 *
 * @example
 * ```ts
 * const agg = createMetricAggregator([ALB_TARGET_GROUP_RULE]);
 * agg.add(records);
 * const metrics = agg.drain(); // one MetricRecord per target group, status class and minute
 * ```
 * @throws ConfigError for an invalid rule.
 */
export function createMetricAggregator(rules: readonly MetricRule[]): MetricAggregator {
  const compiled = rules.map(compile);
  const byDataset = new Map<string, CompiledRule[]>();
  for (const c of compiled) {
    const list = byDataset.get(c.rule.dataset) ?? [];
    list.push(c);
    byDataset.set(c.rule.dataset, list);
  }
  const accs = new Map<string, Acc>();
  return {
    add(records) {
      let counted = 0;
      for (const r of records) {
        const list = byDataset.get(r.dataset);
        if (list === undefined) continue;
        for (const c of list) {
          if (!c.match(r)) continue;
          const dimensions: Record<string, string> = {};
          let key = `${c.rule.name}\u0000${Math.floor(r.time / c.period) * c.period}`;
          let complete = true;
          for (const [name, get] of c.dims) {
            const v = get(r);
            if (v === undefined) {
              complete = false;
              break;
            }
            dimensions[name] = v;
            key += `\u0000${v}`;
          }
          if (!complete) continue;
          let acc = accs.get(key);
          if (acc === undefined) {
            const n = c.measures.length;
            acc = {
              time: Math.floor(r.time / c.period) * c.period,
              rule: c,
              dimensions,
              count: 0,
              sums: new Float64Array(n),
              mins: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
              maxs: new Float64Array(n).fill(Number.NEGATIVE_INFINITY),
              ns: new Float64Array(n),
            };
            accs.set(key, acc);
          }
          acc.count++;
          for (let i = 0; i < c.measures.length; i++) {
            const spec = (c.measures[i] as [string, MeasureSpec])[1];
            if (spec.stat === 'count') continue;
            const v = numeric(r.fields[spec.field as string]);
            if (v === undefined) continue;
            acc.sums[i] = (acc.sums[i] as number) + v;
            if (v < (acc.mins[i] as number)) acc.mins[i] = v;
            if (v > (acc.maxs[i] as number)) acc.maxs[i] = v;
            acc.ns[i] = (acc.ns[i] as number) + 1;
          }
          counted++;
        }
      }
      return counted;
    },
    drain(before = Number.POSITIVE_INFINITY) {
      const out: Acc[] = [];
      for (const [key, acc] of accs) {
        if (acc.time < before) {
          out.push(acc);
          accs.delete(key);
        }
      }
      out.sort((a, b) => a.time - b.time);
      return out.map(toMetric);
    },
    get size() {
      return accs.size;
    },
  };
}

function toMetric(acc: Acc): MetricRecord {
  const measures: Record<string, Measure> = {};
  const specs = acc.rule.measures;
  for (let i = 0; i < specs.length; i++) {
    const [name, spec] = specs[i] as [string, MeasureSpec];
    let value: number | undefined;
    const n = acc.ns[i] as number;
    switch (spec.stat) {
      case 'count':
        value = acc.count;
        break;
      case 'sum':
        value = n > 0 ? (acc.sums[i] as number) : undefined;
        break;
      case 'min':
        value = n > 0 ? (acc.mins[i] as number) : undefined;
        break;
      case 'max':
        value = n > 0 ? (acc.maxs[i] as number) : undefined;
        break;
      case 'avg':
        value = n > 0 ? (acc.sums[i] as number) / n : undefined;
        break;
    }
    if (value === undefined) continue;
    measures[name] = spec.unit === undefined ? { value } : { value, unit: spec.unit };
  }
  return {
    time: acc.time,
    measureName: acc.rule.rule.name,
    dimensions: acc.dimensions,
    measures,
  };
}
