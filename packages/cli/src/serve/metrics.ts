/**
 * Self-metrics of `logpipe serve` in the Prometheus text exposition format (0.0.4).
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * Written here rather than taken from `prom-client`: the sidecar needs counters, gauges and
 * histograms with a handful of fixed label sets, and most of its values are read from the
 * stages' own `stats` objects at scrape time (a collect callback). prom-client brings a
 * global default registry, default process collectors and two dependencies for that; this
 * file is the whole of what is used, and its escaping rules are tested.
 */

/** Label values of one series, in the order of the metric's label names. */
type LabelValues = readonly string[];

interface Series {
  labels: LabelValues;
  value: number;
}

interface HistogramSeries {
  labels: LabelValues;
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelText(names: readonly string[], values: LabelValues, extra = ''): string {
  if (names.length === 0 && extra === '') return '';
  let s = '';
  for (let i = 0; i < names.length; i++) {
    if (s !== '') s += ',';
    s += `${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  }
  if (extra !== '') s += s === '' ? extra : `,${extra}`;
  return `{${s}}`;
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`invalid label name ${l}`);
    }
  }

  protected key(values: LabelValues): string {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes ${this.labelNames.length} label values`);
    }
    return values.join('\u0000');
  }

  abstract render(): string;

  protected header(type: string): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${type}\n`;
  }
}

/** A monotonically increasing count. */
export class Counter extends Metric {
  private readonly series = new Map<string, Series>();

  inc(labels: LabelValues = [], by = 1): void {
    const k = this.key(labels);
    const s = this.series.get(k);
    if (s === undefined) this.series.set(k, { labels: [...labels], value: by });
    else s.value += by;
  }

  /** Sets the value from a counter kept elsewhere (a stage's `stats`); never goes down. */
  set(labels: LabelValues, value: number): void {
    const k = this.key(labels);
    const s = this.series.get(k);
    if (s === undefined) this.series.set(k, { labels: [...labels], value });
    else if (value > s.value) s.value = value;
  }

  get(labels: LabelValues = []): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  render(): string {
    let out = this.header('counter');
    for (const s of this.series.values()) {
      out += `${this.name}${labelText(this.labelNames, s.labels)} ${formatValue(s.value)}\n`;
    }
    return out;
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric {
  private readonly series = new Map<string, Series>();

  set(labels: LabelValues, value: number): void {
    const k = this.key(labels);
    const s = this.series.get(k);
    if (s === undefined) this.series.set(k, { labels: [...labels], value });
    else s.value = value;
  }

  get(labels: LabelValues = []): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  render(): string {
    let out = this.header('gauge');
    for (const s of this.series.values()) {
      out += `${this.name}${labelText(this.labelNames, s.labels)} ${formatValue(s.value)}\n`;
    }
    return out;
  }
}

/** Observations counted into cumulative buckets. */
export class Histogram extends Metric {
  private readonly series = new Map<string, HistogramSeries>();
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: number[]) {
    super(name, help, labelNames);
    if (labelNames.includes('le')) throw new Error('a histogram cannot have an "le" label');
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => i > 0 && b === sorted[i - 1])) {
      throw new Error(`${name}: buckets must be distinct and non-empty`);
    }
    this.buckets = sorted;
  }

  observe(labels: LabelValues, value: number): void {
    const k = this.key(labels);
    let s = this.series.get(k);
    if (s === undefined) {
      s = { labels: [...labels], counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) {
        s.counts[i] = (s.counts[i] as number) + 1;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }

  render(): string {
    let out = this.header('histogram');
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += s.counts[i] as number;
        const le = `le="${formatValue(this.buckets[i] as number)}"`;
        out += `${this.name}_bucket${labelText(this.labelNames, s.labels, le)} ${cumulative}\n`;
      }
      out += `${this.name}_bucket${labelText(this.labelNames, s.labels, 'le="+Inf"')} ${s.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, s.labels)} ${formatValue(s.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

/**
 * A set of metrics rendered together; `onCollect` callbacks run before each render so values
 * kept by the stages themselves (queue depth, writer stats) are current.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * const requests = registry.counter('logpipe_http_requests_total', 'HTTP requests answered', ['source', 'status']);
 * requests.inc(['firehose', '200']);
 * res.end(registry.render());
 * ```
 */
export class Registry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: Array<() => void> = [];

  /** Content-Type of {@link render}'s output. */
  static readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: number[],
  ): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  render(): string {
    for (const c of this.collectors) c();
    let out = '';
    for (const m of this.metrics.values()) out += m.render();
    return out;
  }

  private add<T extends Metric>(m: T): T {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.set(m.name, m);
    return m;
  }
}
