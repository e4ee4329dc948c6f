import { nullRow } from '../datasets/index.js';
import { LAMBDA_DATASET } from '../datasets/lambda.js';
import type { MetricRecord } from '../model.js';
import type { LambdaFields } from '../parsers/lambda.js';
import type { GeneratedLine, Rng } from './rng.js';

/**
 * Options of {@link generateLambdaInvocation}.
 *
 * @example
 * ```ts
 * const opts: LambdaInvocationOptions = { json: true, functionName: 'orders-api', functionVersion: '7' };
 * ```
 */
export interface LambdaInvocationOptions {
  /** Emit the JSON log format (`platform.*` events, JSON application lines). Default false (text). */
  json?: boolean | undefined;
  /**
   * Function name of the log group the lines go to (`/aws/lambda/<name>`). When
   * given, every line's expected fields include `function_name`.
   */
  functionName?: string | undefined;
  /**
   * Function version of the log stream the lines go to (`YYYY/MM/DD/[<version>]…`).
   * When given, START states it and every line's expected fields include `function_version`.
   */
  functionVersion?: string | undefined;
  /** Log stream the lines go to; when given, REPORT's expected metric has it as `log_stream`. */
  logStream?: string | undefined;
}

/**
 * A generated Lambda line; REPORT lines may carry the metric point the parser must derive.
 *
 * @example
 * ```ts
 * const report: GeneratedLambdaLine | undefined = generateLambdaInvocation(rng, t, opts).at(-1);
 * report?.metrics?.[0]?.measures.duration_ms;
 * ```
 */
export type GeneratedLambdaLine = GeneratedLine & {
  /** Expected metrics: set on REPORT lines when both function name and version were given. */
  readonly metrics?: MetricRecord[] | undefined;
};

type Expected = Omit<LambdaFields, 'function_name' | 'function_version'> & {
  function_name?: string;
  function_version?: string;
};

interface Invocation {
  readonly rng: Rng;
  readonly requestId: string;
  readonly functionName: string | undefined;
  readonly functionVersion: string | undefined;
  readonly logStream: string | undefined;
}

const MEMORY_SIZES = [128, 256, 512, 1024, 1769, 3008];

const RUNTIMES = [
  { node: true, version: 'nodejs:20.v13' },
  { node: true, version: 'nodejs:22.v32' },
  { node: false, version: 'python:3.12.v18' },
  { node: false, version: 'python:3.11.v29' },
] as const;

const APP_MESSAGES: readonly (readonly [string, string])[] = [
  ['INFO', 'Received event for order 8c1f'],
  ['INFO', 'Processed 12 records in 41 ms'],
  ['DEBUG', 'cache miss\tkey=user:4711'],
  ['WARN', 'Retrying DynamoDB PutItem after ProvisionedThroughputExceededException'],
  ['ERROR', 'Invoke Error \t{"errorType":"TypeError","errorMessage":"x is undefined"}'],
  [
    'ERROR',
    'Unhandled error\n    at handler (/var/task/index.js:12:9)\n    at process (node:internal/x:1:1)',
  ],
  ['INFO', 'Sending 3 messages to https://sqs.us-east-1.amazonaws.com/123456789012/orders'],
];

const PRINT_LINES = [
  'processing batch',
  'done',
  'connected to database in 83 ms',
  'payload: {"id": 7}',
];

function iso(t: number): string {
  return new Date(t).toISOString();
}

/** A JSON log format platform event line. */
function platform(type: string, time: number, record: Record<string, unknown>): string {
  return JSON.stringify({ time: iso(time), type, record });
}

function traceId(rng: Rng, t: number): string {
  return `1-${Math.floor(t / 1000)
    .toString(16)
    .padStart(8, '0')}-${rng.hex(24)}`;
}

/** All columns null except `over`; function name/version only when known. */
function expected(inv: Invocation, over: Partial<LambdaFields>): Expected {
  // Every declared column null (the parser's shape), function name/version left
  // out unless the invocation states them.
  const { function_name: _n, function_version: _v, ...rest } = nullRow(LAMBDA_DATASET);
  const e = { ...rest, type: 'app' } as Expected;
  Object.assign(e, over);
  if (inv.functionName !== undefined) e.function_name = inv.functionName;
  if (inv.functionVersion !== undefined) e.function_version = inv.functionVersion;
  return e;
}

function reportMetric(inv: Invocation, time: number, f: Expected): MetricRecord[] | undefined {
  if (inv.functionName === undefined || inv.functionVersion === undefined) return undefined;
  const measures: MetricRecord['measures'] = {
    duration_ms: { value: f.duration_ms as number, unit: 'Milliseconds' },
    billed_duration_ms: { value: f.billed_duration_ms as number, unit: 'Milliseconds' },
    memory_size_mb: { value: f.memory_size_mb as number, unit: 'Megabytes' },
    max_memory_used_mb: { value: f.max_memory_used_mb as number, unit: 'Megabytes' },
  };
  if (f.init_duration_ms !== null)
    measures.init_duration_ms = { value: f.init_duration_ms, unit: 'Milliseconds' };
  return [
    {
      time,
      measureName: 'AWS/Lambda',
      dimensions: {
        function_name: inv.functionName,
        function_version: inv.functionVersion,
        ...(inv.logStream === undefined || inv.logStream === ''
          ? {}
          : { log_stream: inv.logStream }),
      },
      measures,
    },
  ];
}

/** Duration with two decimals, as REPORT prints it. */
function durationMs(rng: Rng, min: number, max: number): number {
  return Number((rng.int(min * 100, max * 100) / 100).toFixed(2));
}

/**
 * One Lambda invocation as its log group receives it: (on a cold start)
 * INIT_START, START, a few application lines, END and REPORT — or, with
 * `json: true`, the JSON log format equivalents (`platform.initStart`,
 * `platform.start`, JSON application lines, `platform.runtimeDone`,
 * `platform.report`). Each line carries the fields the `lambda` parser must
 * return: every column, except `function_name` / `function_version` unless the
 * options state them (they come from the log group and stream).
 *
 * @example
 * ```ts
 * const lines = generateLambdaInvocation(new Rng(1), Date.UTC(2026, 0, 1), {
 *   json: false,
 *   functionName: 'orders-api',
 *   functionVersion: '$LATEST',
 * });
 * ```
 */
export function generateLambdaInvocation(
  rng: Rng,
  timeMs: number,
  opts: LambdaInvocationOptions = {},
): GeneratedLambdaLine[] {
  const inv: Invocation = {
    rng,
    requestId: rng.uuid(),
    functionName: opts.functionName,
    functionVersion: opts.functionVersion,
    logStream: opts.logStream,
  };
  return opts.json === true ? jsonInvocation(inv, timeMs) : textInvocation(inv, timeMs);
}

function textInvocation(inv: Invocation, t0: number): GeneratedLambdaLine[] {
  const { rng, requestId } = inv;
  const out: GeneratedLambdaLine[] = [];
  const runtime = rng.pick(RUNTIMES);
  const cold = rng.chance(0.25);
  let t = t0;
  if (cold) {
    const arn = `arn:aws:lambda:us-east-1::runtime:${rng.hex(64)}`;
    out.push({
      message: `INIT_START Runtime Version: ${runtime.version}\tRuntime Version ARN: ${arn}\n`,
      fields: expected(inv, {
        type: 'init_start',
        runtime_version: runtime.version,
        runtime_version_arn: arn,
      }),
    });
  }
  const version = inv.functionVersion ?? '$LATEST';
  out.push({
    message: `START RequestId: ${requestId} Version: ${version}\n`,
    fields: expected(inv, { type: 'start', request_id: requestId }),
  });
  const appLines = rng.int(1, 4);
  for (let i = 0; i < appLines; i++) {
    t += rng.int(0, 40);
    if (rng.chance(0.15)) {
      const text = rng.pick(PRINT_LINES);
      out.push({ message: `${text}\n`, fields: expected(inv, { app_message: text }) });
      continue;
    }
    const [level, text] = rng.pick(APP_MESSAGES);
    const message = runtime.node
      ? `${iso(t)}\t${requestId}\t${level}\t${text}\n`
      : `[${level === 'WARN' ? 'WARNING' : level}]\t${iso(t)}\t${requestId}\t${text}\n`;
    const lvl = runtime.node || level !== 'WARN' ? level.toLowerCase() : 'warning';
    out.push({
      message,
      fields: expected(inv, { request_id: requestId, level: lvl, log_time: t, app_message: text }),
    });
  }
  const timeout = rng.chance(0.05);
  if (timeout) {
    t += 3000;
    out.push({
      message: `${iso(t)} ${requestId} Task timed out after 3.00 seconds\n`,
      fields: expected(inv, {
        request_id: requestId,
        log_time: t,
        app_message: 'Task timed out after 3.00 seconds',
      }),
    });
  }
  out.push({
    message: `END RequestId: ${requestId}\n`,
    fields: expected(inv, { type: 'end', request_id: requestId }),
  });

  const duration = timeout ? 3000 : durationMs(rng, 1, 2500);
  const memory = rng.pick(MEMORY_SIZES);
  const over: Partial<LambdaFields> = {
    type: 'report',
    request_id: requestId,
    duration_ms: duration,
    billed_duration_ms: Math.ceil(duration),
    memory_size_mb: memory,
    max_memory_used_mb: rng.int(40, memory),
  };
  let message = `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${over.billed_duration_ms} ms\tMemory Size: ${memory} MB\tMax Memory Used: ${over.max_memory_used_mb} MB\t`;
  if (cold) {
    over.init_duration_ms = durationMs(rng, 80, 1200);
    message += `Init Duration: ${over.init_duration_ms.toFixed(2)} ms\t`;
  }
  if (timeout) {
    over.status = 'timeout';
    message += 'Status: timeout\t';
  }
  if (rng.chance(0.3)) {
    over.xray_trace_id = traceId(rng, t0);
    over.xray_segment_id = rng.hex(16);
    over.xray_sampled = rng.chance(0.5);
    message += `XRAY TraceId: ${over.xray_trace_id}\tSegmentId: ${over.xray_segment_id}\tSampled: ${over.xray_sampled}\t`;
  }
  message += '\n';
  const fields = expected(inv, over);
  out.push({ message, fields, metrics: reportMetric(inv, t0, fields) });
  return out;
}

function jsonInvocation(inv: Invocation, t0: number): GeneratedLambdaLine[] {
  const { rng, requestId } = inv;
  const out: GeneratedLambdaLine[] = [];
  const runtime = rng.pick(RUNTIMES);
  const cold = rng.chance(0.25);
  let t = t0;
  if (cold) {
    const arn = `arn:aws:lambda:us-east-1::runtime:${rng.hex(64)}`;
    const record: Record<string, unknown> = {
      initializationType: 'on-demand',
      phase: 'init',
      runtimeVersion: runtime.version,
      runtimeVersionArn: arn,
    };
    if (inv.functionName !== undefined) record.functionName = inv.functionName;
    if (inv.functionVersion !== undefined) record.functionVersion = inv.functionVersion;
    out.push({
      message: platform('platform.initStart', t, record),
      fields: expected(inv, {
        type: 'platform.initStart',
        log_time: t,
        runtime_version: runtime.version,
        runtime_version_arn: arn,
        fields: record,
      }),
    });
  }
  const startRecord = { requestId, version: inv.functionVersion ?? '$LATEST' };
  out.push({
    message: platform('platform.start', t, startRecord),
    fields: expected(inv, {
      type: 'platform.start',
      request_id: requestId,
      log_time: t,
      fields: startRecord,
    }),
  });
  const appLines = rng.int(1, 4);
  for (let i = 0; i < appLines; i++) {
    t += rng.int(0, 40);
    const [level, text] = rng.pick(APP_MESSAGES);
    const doc: Record<string, unknown> = { timestamp: iso(t), level, requestId, message: text };
    let rest: Record<string, unknown> | null = null;
    let errorType: string | null = null;
    if (level === 'ERROR' && rng.chance(0.5)) {
      errorType = 'TypeError';
      doc.errorType = errorType;
      doc.errorMessage = 'x is undefined';
      doc.stackTrace = ['TypeError: x is undefined', '    at handler (/var/task/index.js:12:9)'];
      rest = { errorMessage: doc.errorMessage, stackTrace: doc.stackTrace };
    } else if (!runtime.node && rng.chance(0.5)) {
      doc.logger = 'root';
      rest = { logger: 'root' };
    }
    out.push({
      message: JSON.stringify(doc),
      fields: expected(inv, {
        request_id: requestId,
        level: level.toLowerCase(),
        log_time: t,
        app_message: text,
        error_type: errorType,
        fields: rest,
      }),
    });
  }
  const duration = durationMs(rng, 1, 2500);
  t += Math.ceil(duration);
  const doneRecord = {
    requestId,
    status: 'success',
    metrics: { durationMs: duration, producedBytes: rng.int(0, 4096) },
  };
  out.push({
    message: platform('platform.runtimeDone', t, doneRecord),
    fields: expected(inv, {
      type: 'platform.runtimeDone',
      request_id: requestId,
      log_time: t,
      status: 'success',
      duration_ms: duration,
      fields: doneRecord,
    }),
  });
  const memory = rng.pick(MEMORY_SIZES);
  const metrics: Record<string, number> = {
    durationMs: duration,
    billedDurationMs: Math.ceil(duration),
    memorySizeMB: memory,
    maxMemoryUsedMB: rng.int(40, memory),
  };
  const over: Partial<LambdaFields> = {
    type: 'platform.report',
    request_id: requestId,
    log_time: t,
    status: 'success',
    duration_ms: duration,
    billed_duration_ms: metrics.billedDurationMs as number,
    memory_size_mb: memory,
    max_memory_used_mb: metrics.maxMemoryUsedMB as number,
  };
  if (cold) {
    const init = durationMs(rng, 80, 1200);
    metrics.initDurationMs = init;
    over.init_duration_ms = init;
  }
  const reportRecord: Record<string, unknown> = { requestId, metrics };
  if (rng.chance(0.3)) {
    const root = traceId(rng, t0);
    const parent = rng.hex(16);
    const sampled = rng.chance(0.5);
    reportRecord.tracing = {
      spanId: rng.hex(16),
      type: 'X-Amzn-Trace-Id',
      value: `Root=${root};Parent=${parent};Sampled=${sampled ? 1 : 0}`,
    };
    over.xray_trace_id = root;
    over.xray_segment_id = parent;
    over.xray_sampled = sampled;
  }
  reportRecord.status = 'success';
  over.fields = reportRecord;
  const fields = expected(inv, over);
  out.push({
    message: platform('platform.report', t, reportRecord),
    fields,
    metrics: reportMetric(inv, t0, fields),
  });
  return out;
}
