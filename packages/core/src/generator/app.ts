/**
 * Realistic `app` dataset lines: JSON request and error logs, logfmt, plain
 * text (some of it non-ASCII) and EMF documents, each with the fields (and
 * metrics) the `app` parser must give back.
 */
import type { Measure, MetricRecord } from '../model.js';
import { formatLogfmt } from '../parsers/logfmt.js';
import type { GeneratedLine, Rng } from './rng.js';

/** The kinds of line {@link generateAppLine} writes. */
export type AppLineKind = 'json' | 'logfmt' | 'text' | 'emf';

/** A generated `app` line; `metrics` is set for EMF documents. */
export type GeneratedAppLine = GeneratedLine & { metrics?: MetricRecord[] };

const KINDS: readonly AppLineKind[] = [
  'json',
  'json',
  'json',
  'json',
  'logfmt',
  'logfmt',
  'text',
  'text',
  'text',
  'emf',
];
const SERVICES = ['orders', 'payments', 'checkout', 'inventory', 'auth', 'search'] as const;
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'] as const;
const PATHS = [
  '/api/orders',
  '/api/orders/{id}',
  '/health',
  '/api/cart',
  '/login',
  '/api/search',
] as const;
const STATUSES = [200, 200, 200, 200, 201, 204, 301, 400, 401, 404, 500, 503] as const;
const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'] as const;
const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'curl/8.5.0',
  'aws-sdk-js/3.600.0 ua/2.0 os/linux lang/js md/nodejs#20.12.0',
  'okhttp/4.12.0',
] as const;
const UNICODE_WORDS = [
  'Jürgen',
  'Zoë',
  'François',
  '東京',
  'Москва',
  'São Paulo',
  'naïve',
  '🚀',
  '✓',
  'Łódź',
] as const;
const ERRORS = [
  ['TypeError', "Cannot read properties of undefined (reading 'id')"],
  ['Error', 'connect ECONNREFUSED 10.0.3.17:5432'],
  ['TimeoutError', 'Operation timed out after 3000 ms'],
  ['ValidationError', 'quantity must be a positive integer'],
] as const;
const UNITS = ['Milliseconds', 'Count', 'Bytes', 'Percent', 'Seconds'] as const;
const METRIC_NAMES = [
  'Latency',
  'ProcessingTime',
  'ItemsProcessed',
  'PayloadSize',
  'CacheHits',
  'Errors',
] as const;
const DIM_KEYS = ['Service', 'Operation', 'Environment', 'FunctionName'] as const;

/**
 * One realistic `app` log line of the given kind (random kind when omitted),
 * with `fields` exactly as the combined `app` parser returns them
 * (`{ format, level, fields, parse_error: null }`) and, for EMF documents, the
 * MetricRecords it must extract when the event time is `timeMs`.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const line = generateAppLine(rng, Date.UTC(2026, 0, 1), 'emf');
 * const r = createAppParser().parse(line.message, { origin, time: Date.UTC(2026, 0, 1) });
 * // r.fields deep-equals line.fields; r.metrics deep-equals line.metrics
 * ```
 */
export function generateAppLine(rng: Rng, timeMs: number, kind?: AppLineKind): GeneratedAppLine {
  switch (kind ?? rng.pick(KINDS)) {
    case 'json':
      return jsonLine(rng, timeMs);
    case 'logfmt':
      return logfmtLine(rng, timeMs);
    case 'text':
      return textLine(rng, timeMs);
    case 'emf':
      return emfLine(rng, timeMs);
  }
}

function expected(
  format: string,
  level: string | null,
  fields: Record<string, unknown> | null,
): Record<string, unknown> {
  return { format, level, fields, parse_error: null };
}

function iso(timeMs: number): string {
  return new Date(timeMs).toISOString();
}

function ms(rng: Rng): number {
  return Math.round(rng.next() * 250_000) / 100;
}

function pathOf(rng: Rng): string {
  return rng.pick(PATHS).replace('{id}', rng.digits(6));
}

function someText(rng: Rng): string {
  if (rng.chance(0.3))
    return `Bestellung für ${rng.pick(UNICODE_WORDS)} bestätigt ${rng.pick(UNICODE_WORDS)}`;
  return rng.pick([
    'request completed',
    'cache miss, loading from database',
    'order placed',
    'payment authorised',
    'retrying upstream call',
    'user signed in',
  ]);
}

function jsonLine(rng: Rng, timeMs: number): GeneratedAppLine {
  const variant = rng.int(0, 3);
  if (variant === 0) {
    // Error with a stack trace and a nested error object.
    const [name, message] = rng.pick(ERRORS);
    const doc: Record<string, unknown> = {
      timestamp: iso(timeMs),
      level: 'ERROR',
      service: rng.pick(SERVICES),
      message: `Unhandled error: ${message}`,
      requestId: rng.uuid(),
      error: {
        name,
        message,
        stack: `${name}: ${message}\n    at handler (/var/task/index.js:${rng.int(10, 400)}:${rng.int(1, 80)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`,
      },
    };
    return { message: JSON.stringify(doc), fields: expected('json', 'error', doc) };
  }
  if (variant === 1) {
    // pino: numeric level, epoch-ms time.
    const lvl = rng.pick([20, 30, 30, 40, 50] as const);
    const doc: Record<string, unknown> = {
      level: lvl,
      time: timeMs,
      pid: rng.int(1, 32000),
      hostname: `ip-10-0-${rng.int(0, 255)}-${rng.int(1, 254)}`,
      reqId: `req-${rng.int(1, 99999)}`,
      msg: someText(rng),
    };
    const names: Record<number, string> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' };
    return { message: JSON.stringify(doc), fields: expected('json', names[lvl] ?? null, doc) };
  }
  // Request log; the level key varies between logging libraries, or is absent.
  const level = rng.pick(LEVELS);
  const doc: Record<string, unknown> = { timestamp: iso(timeMs) };
  const levelKey = rng.pick(['level', 'severity', 'log.level', 'levelname', 'none'] as const);
  if (levelKey !== 'none') doc[levelKey] = rng.chance(0.5) ? level : level.toLowerCase();
  doc.message = someText(rng);
  doc.http = {
    method: rng.pick(METHODS),
    path: pathOf(rng),
    status: rng.pick(STATUSES),
    userAgent: rng.pick(USER_AGENTS),
    clientIp: rng.ipv4(),
  };
  doc.durationMs = ms(rng);
  doc.traceId = `1-${rng.hex(8)}-${rng.hex(24)}`;
  if (rng.chance(0.3)) doc.tags = ['api', rng.pick(SERVICES)];
  if (rng.chance(0.2)) doc.user = null;
  return {
    message: JSON.stringify(doc),
    fields: expected('json', levelKey === 'none' ? null : level.toLowerCase(), doc),
  };
}

function logfmtLine(rng: Rng, timeMs: number): GeneratedAppLine {
  let pairs: Record<string, string | true>;
  let level: string | null;
  if (rng.chance(0.4)) {
    // Heroku router: the level is in `at`, which is not a level key, so no level.
    pairs = {
      at: rng.chance(0.9) ? 'info' : 'error',
      method: rng.pick(METHODS),
      path: pathOf(rng),
      host: `${rng.pick(SERVICES)}.example.com`,
      request_id: rng.uuid(),
      fwd: rng.ipv4(),
      dyno: `web.${rng.int(1, 4)}`,
      connect: `${rng.int(0, 5)}ms`,
      service: `${rng.int(1, 900)}ms`,
      status: String(rng.pick(STATUSES)),
      bytes: String(rng.int(0, 50000)),
      protocol: 'https',
    };
    level = null;
  } else {
    // go-kit / slog style.
    const lv = rng.pick(LEVELS).toLowerCase();
    pairs = {
      ts: iso(timeMs),
      level: lv,
      caller: `${rng.pick(['main', 'server', 'db', 'worker'])}.go:${rng.int(10, 500)}`,
      msg: someText(rng),
    };
    if (rng.chance(0.5)) pairs.duration = `${ms(rng)}ms`;
    if (rng.chance(0.3)) pairs.query = `select * from orders where id = "${rng.digits(5)}"`;
    if (rng.chance(0.2)) pairs.empty = '';
    if (rng.chance(0.2)) pairs.retry = true;
    level = lv;
  }
  return { message: formatLogfmt(pairs), fields: expected('logfmt', level, pairs) };
}

function textLine(rng: Rng, timeMs: number): GeneratedAppLine {
  const d = new Date(timeMs);
  const variant = rng.int(0, 5);
  if (variant === 0) {
    // Java / logback.
    const level = rng.pick(LEVELS);
    const msg = `${iso(timeMs).replace('T', ' ').replace('Z', '')} ${level} ${rng.int(1, 9999)} --- [nio-8080-exec-${rng.int(1, 10)}] c.e.${rng.pick(SERVICES)}.Controller : ${someText(rng)}`;
    return { message: msg, fields: expected('text', level.toLowerCase(), null) };
  }
  if (variant === 1) {
    // nginx error log.
    const level = rng.pick(['error', 'warn', 'notice', 'info'] as const);
    const ts = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const msg = `${ts} [${level}] ${rng.int(1, 999)}#${rng.int(0, 3)}: *${rng.int(1, 99999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${rng.ipv4()}`;
    return { message: msg, fields: expected('text', level, null) };
  }
  if (variant === 2) {
    // Python's default logging format.
    const level = rng.pick(['INFO', 'WARNING', 'ERROR', 'DEBUG'] as const);
    return {
      message: `${level}:${rng.pick(SERVICES)}.worker:${someText(rng)}`,
      fields: expected('text', level.toLowerCase(), null),
    };
  }
  if (variant === 3) {
    // A Java stack trace as one multi-line event: no level.
    const msg = `java.lang.IllegalStateException: Connection pool shut down\n\tat org.apache.http.impl.conn.PoolingHttpClientConnectionManager.requestConnection(PoolingHttpClientConnectionManager.java:${rng.int(100, 300)})\n\tat com.example.${rng.pick(SERVICES)}.Client.call(Client.java:${rng.int(10, 99)})`;
    return { message: msg, fields: expected('text', null, null) };
  }
  // Plain prose, sometimes non-ASCII: no level.
  const msg = rng.pick([
    `Server listening on port ${rng.int(1024, 65535)}`,
    `Connected to database ${rng.pick(SERVICES)}-db in ${rng.int(1, 90)} ms`,
    `Benutzer ${rng.pick(UNICODE_WORDS)} hat sich angemeldet ✓`,
    `注文 ${rng.digits(5)} を処理しました`,
    `Готово: ${rng.int(1, 500)} задач обработано`,
    `Cache warmed: ${rng.int(10, 9000)} keys ${rng.pick(UNICODE_WORDS)}`,
  ]);
  return { message: msg, fields: expected('text', null, null) };
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function emfLine(rng: Rng, timeMs: number): GeneratedAppLine {
  const doc: Record<string, unknown> = {};
  const dimValues: Record<string, string> = {
    Service: rng.pick(SERVICES),
    Operation: rng.pick(['CreateOrder', 'GetOrder', 'Checkout', 'Search']),
    Environment: rng.pick(['prod', 'staging', 'dev']),
    FunctionName: `${rng.pick(SERVICES)}-handler`,
  };
  const directives: Record<string, unknown>[] = [];
  const metrics: MetricRecord[] = [];
  const usedNames = new Set<string>();
  const nDirectives = rng.chance(0.2) ? 2 : 1;
  for (let d = 0; d < nDirectives; d++) {
    const namespace =
      d === 0 ? rng.pick(['MyApp', 'ecommerce/orders', 'serverlessAirline']) : 'MyApp/Secondary';
    // 1–3 metrics, names unique across the document.
    const defs: Record<string, unknown>[] = [];
    const measures: Record<string, Measure> = {};
    const nMetrics = rng.int(1, 3);
    for (let m = 0; m < nMetrics; m++) {
      let name: string = rng.pick(METRIC_NAMES);
      if (usedNames.has(name)) name = `${name}${d}${m}`;
      usedNames.add(name);
      const def: Record<string, unknown> = { Name: name };
      let unit = 'None';
      if (rng.chance(0.8)) {
        unit = rng.pick(UNITS);
        def.Unit = unit;
      }
      if (rng.chance(0.15)) def.StorageResolution = rng.pick([1, 60] as const);
      defs.push(def);
      let value: number | number[];
      if (rng.chance(0.2)) {
        value = [];
        const k = rng.int(1, 5);
        for (let j = 0; j < k; j++) value.push(rng.int(0, 1000));
      } else {
        value = unit === 'Milliseconds' ? ms(rng) : rng.int(0, 500);
      }
      doc[name] = value;
      measures[name] = { value, unit };
    }
    // Dimension sets: usually 1–2 sets of 1–3 keys, sometimes none at all.
    let sets: string[][];
    const shape = rng.int(0, 9);
    if (shape === 0) sets = [];
    else if (shape === 1) sets = [[]];
    else {
      sets = [];
      const nSets = rng.int(1, 2);
      for (let s = 0; s < nSets; s++) {
        const keys = DIM_KEYS.slice(0, rng.int(1, 3));
        sets.push(s === 0 ? keys : keys.slice(0, 1));
      }
    }
    directives.push({ Namespace: namespace, Dimensions: sets, Metrics: defs });
    const dimSets = sets.length === 0 ? [[]] : sets;
    for (const set of dimSets) {
      const dimensions: Record<string, string> = {};
      for (const key of set) {
        dimensions[key] = dimValues[key] as string;
        doc[key] = dimValues[key];
      }
      const copy: Record<string, Measure> = {};
      for (const k of Object.keys(measures)) copy[k] = { ...(measures[k] as Measure) };
      metrics.push({ time: timeMs, measureName: namespace, dimensions, measures: copy });
    }
  }
  const aws: Record<string, unknown> = { CloudWatchMetrics: directives };
  // The timestamp is usually present; without it the event time is used, which is timeMs too.
  if (rng.chance(0.9)) aws.Timestamp = timeMs;
  const root: Record<string, unknown> = { _aws: aws, ...doc, requestId: rng.uuid() };
  let level: string | null = null;
  if (rng.chance(0.3)) {
    root.level = 'INFO';
    level = 'info';
  }
  return { message: JSON.stringify(root), fields: expected('emf', level, root), metrics };
}
