import type { LogOrigin, MetricRecord } from '../model.js';
import { EXACT_DIGITS, isoSecondsMs, POW10, twoDigits } from './digits.js';
import { emfMetrics, isEmfDocument } from './emf.js';
import type { ParseContext, ParseResult, Parser } from './types.js';
import { ok } from './types.js';

const DATASET = 'lambda';

const START_PREFIX = 'START RequestId: ';
const END_PREFIX = 'END RequestId: ';
const REPORT_PREFIX = 'REPORT RequestId: ';
const INIT_START_PREFIX = 'INIT_START ';
const INIT_REPORT_PREFIX = 'INIT_REPORT ';
const RESTORE_START_PREFIX = 'RESTORE_START ';
const RESTORE_REPORT_PREFIX = 'RESTORE_REPORT ';
const REQUEST_ID_PREFIX = 'RequestId: ';
const LOG_GROUP_PREFIX = '/aws/lambda/';

/** The CloudWatch namespace-like name of the metric point derived from a REPORT line. */
const REPORT_MEASURE_NAME = 'AWS/Lambda';

/**
 * Fields of a `lambda` record: every column of the dataset, in declaration
 * order, `null` when the line does not state it.
 *
 * @example
 * ```ts
 * const r = createLambdaParser().parse(line, ctx);
 * if (r.ok) {
 *   const f = r.fields as LambdaFields;
 *   if (f.type === 'report') console.log(f.duration_ms, f.max_memory_used_mb);
 * }
 * ```
 */
export type LambdaFields = {
  type: string;
  request_id: string | null;
  level: string | null;
  log_time: number | null;
  function_name: string | null;
  function_version: string | null;
  duration_ms: number | null;
  billed_duration_ms: number | null;
  memory_size_mb: number | null;
  max_memory_used_mb: number | null;
  init_duration_ms: number | null;
  restore_duration_ms: number | null;
  billed_restore_duration_ms: number | null;
  status: string | null;
  error_type: string | null;
  xray_trace_id: string | null;
  xray_segment_id: string | null;
  xray_sampled: boolean | null;
  runtime_version: string | null;
  runtime_version_arn: string | null;
  app_message: string | null;
  emf_error: string | null;
  fields: Record<string, unknown> | null;
};

/** A fresh field object; one literal so every record has the same shape. */
function emptyFields(functionName: string | null, functionVersion: string | null): LambdaFields {
  return {
    type: 'app',
    request_id: null,
    level: null,
    log_time: null,
    function_name: functionName,
    function_version: functionVersion,
    duration_ms: null,
    billed_duration_ms: null,
    memory_size_mb: null,
    max_memory_used_mb: null,
    init_duration_ms: null,
    restore_duration_ms: null,
    billed_restore_duration_ms: null,
    status: null,
    error_type: null,
    xray_trace_id: null,
    xray_segment_id: null,
    xray_sampled: null,
    runtime_version: null,
    runtime_version_arn: null,
    app_message: null,
    emf_error: null,
    fields: null,
  };
}

// ---------------------------------------------------------------------------
// Small value helpers
// ---------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function safeInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
}

/** `parseFloat` of a REPORT value (`128.83 ms`, `128 MB`): the number, or null. */
function parseNumber(value: string): number | null {
  return finite(Number.parseFloat(value));
}

function parseInteger(value: string): number | null {
  return safeInt(Number.parseFloat(value));
}

function nonEmpty(s: string): string | null {
  return s.length === 0 ? null : s;
}

/** Runtimes write `undefined` (Node.js) or `None` (Python) before a request id exists. */
function requestIdOf(s: string): string | null {
  return s.length === 0 || s === 'undefined' || s === 'None' ? null : s;
}

/** Sets an own property even for the key `__proto__` (which plain assignment would not). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** `s[from, end)` without one trailing `\n` (or `\r\n`). */
function withoutTrailingNewline(s: string, from: number): string {
  let end = s.length;
  if (end > from && s.charCodeAt(end - 1) === 0x0a) {
    end--;
    if (end > from && s.charCodeAt(end - 1) === 0x0d) end--;
  }
  return from === 0 && end === s.length ? s : s.slice(from, end);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Epoch ms of exactly `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ` at
 * `s[start, end)`, a valid calendar time from 1970 on; NaN for anything else, which the
 * caller then hands to Date.parse. Within that shape Date.parse returns the same value
 * (it is exact integer arithmetic), while the cases where V8's Date.parse is lenient or
 * Date.UTC differs (Feb 30, hour 24, leap seconds, years 0–99, other fraction lengths)
 * are left to Date.parse itself.
 */
function utcMs(s: string, start: number, end: number): number {
  const len = end - start;
  if ((len !== 24 && len !== 20) || s.charCodeAt(end - 1) !== 0x5a /* Z */) return Number.NaN;
  let ms = 0;
  if (len === 24) {
    if (s.charCodeAt(start + 19) !== 0x2e /* . */) return Number.NaN;
    const d1 = s.charCodeAt(start + 20) - 0x30;
    const d23 = twoDigits(s, start + 21);
    if (d1 < 0 || d1 > 9 || d23 < 0) return Number.NaN;
    ms = d1 * 100 + d23;
  }
  return isoSecondsMs(s, start) + ms;
}

/**
 * Epoch ms of an ISO 8601 UTC/offset time at `s[start, end)` (`2024-01-01T00:00:00.000Z`),
 * or null. Times without a zone are refused: `Date.parse` would read them as local time.
 */
function isoTime(s: string, start: number, end: number): number | null {
  const len = end - start;
  if (len < 20 || len > 35) return null;
  if (
    !isDigit(s.charCodeAt(start)) ||
    s.charCodeAt(start + 4) !== 0x2d ||
    s.charCodeAt(start + 7) !== 0x2d ||
    s.charCodeAt(start + 10) !== 0x54
  ) {
    return null;
  }
  const last = s.charCodeAt(end - 1);
  const sign = s.charCodeAt(end - 6);
  if (last !== 0x5a && sign !== 0x2b && sign !== 0x2d) return null;
  // The usual shapes by digit arithmetic; every other one (offsets, other fraction
  // lengths, out-of-range fields) as before.
  const fast = utcMs(s, start, end);
  if (!Number.isNaN(fast)) return fast;
  const t = Date.parse(start === 0 && end === s.length ? s : s.slice(start, end));
  return Number.isNaN(t) ? null : t;
}

/** Lower-case log level if `token` is one the Lambda runtimes write, else null. */
function levelOf(token: string): string | null {
  if (token.length < 3 || token.length > 8) return null;
  // The upper-case forms the runtimes print, without a lower-cased copy.
  switch (token) {
    case 'INFO':
      return 'info';
    case 'ERROR':
      return 'error';
    case 'WARN':
      return 'warn';
    case 'DEBUG':
      return 'debug';
    case 'TRACE':
      return 'trace';
    case 'FATAL':
      return 'fatal';
  }
  const lower = token.toLowerCase();
  switch (lower) {
    case 'trace':
    case 'debug':
    case 'info':
    case 'notice':
    case 'warn':
    case 'warning':
    case 'error':
    case 'fatal':
    case 'critical':
    // .NET short forms
    case 'trce':
    case 'dbug':
    case 'fail':
    case 'crit':
      return lower;
    default:
      return null;
  }
}

/**
 * True for an 8-4-4-4-12 UUID shape at `s[start, start + 36)`. Letters beyond hex are
 * allowed: AWS documentation examples write ids such as `8f507cfc-xmpl-4697-…`.
 */
function isUuidAt(s: string, start: number): boolean {
  if (s.length < start + 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!isDigit(c) && !((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a))) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Text platform lines
// ---------------------------------------------------------------------------

/**
 * `parseFloat` of the value at `m[from, end)` when it is plain `digits[.digits]` followed
 * by a space or the end (`1820.21 ms`, `512 MB`); NaN for any other shape, which the
 * caller parses as before. An exact integer divided by an exact power of ten rounds once,
 * correctly: the same double parseFloat reads from the text.
 */
function plainDecimal(m: string, from: number, end: number): number {
  let mantissa = 0;
  let dot = -1;
  let i = from;
  for (; i < end; i++) {
    const c = m.charCodeAt(i);
    if (isDigit(c)) mantissa = mantissa * 10 + (c - 0x30);
    else if (c === 0x2e && dot === -1) dot = i;
    else break;
  }
  // At least one digit on each side of a dot, then a space or the end (not `e5`, not `.5`).
  if (i === from || dot === from || dot === i - 1) return Number.NaN;
  if (i < end && m.charCodeAt(i) !== 0x20) return Number.NaN;
  if (i - from - (dot === -1 ? 0 : 1) > EXACT_DIGITS) return Number.NaN;
  return dot === -1 ? mantissa : mantissa / (POW10[i - dot - 1] as number);
}

/** `parseNumber` of the trimmed `m[from, end)`, without a substring for the usual shape. */
function numberAt(m: string, from: number, end: number): number | null {
  const x = plainDecimal(m, from, end);
  return Number.isNaN(x) ? parseNumber(m.slice(from, end).trim()) : x;
}

/** `parseInteger` of the trimmed `m[from, end)`, without a substring for the usual shape. */
function integerAt(m: string, from: number, end: number): number | null {
  const x = plainDecimal(m, from, end);
  return Number.isNaN(x) ? parseInteger(m.slice(from, end).trim()) : safeInt(x);
}

/**
 * Applies the `Key: value` pair of a platform line whose value is `m[from, end)` (not yet
 * trimmed). Unknown keys are ignored (they stay in `message`).
 */
function applyPair(f: LambdaFields, key: string, m: string, from: number, end: number): void {
  switch (key) {
    case 'Duration':
      f.duration_ms = numberAt(m, from, end);
      return;
    case 'Billed Duration':
      f.billed_duration_ms = integerAt(m, from, end);
      return;
    case 'Memory Size':
      f.memory_size_mb = integerAt(m, from, end);
      return;
    case 'Max Memory Used':
      f.max_memory_used_mb = integerAt(m, from, end);
      return;
    case 'Init Duration':
      f.init_duration_ms = numberAt(m, from, end);
      return;
    case 'Restore Duration':
      f.restore_duration_ms = numberAt(m, from, end);
      return;
    case 'Billed Restore Duration':
      f.billed_restore_duration_ms = integerAt(m, from, end);
      return;
  }
  const value = m.slice(from, end).trim();
  switch (key) {
    case 'XRAY TraceId':
      f.xray_trace_id = nonEmpty(value);
      return;
    case 'SegmentId':
      f.xray_segment_id = nonEmpty(value);
      return;
    case 'Sampled':
      f.xray_sampled = value === 'true' ? true : value === 'false' ? false : null;
      return;
    case 'Status':
      f.status = nonEmpty(value);
      return;
    case 'Error Type':
      f.error_type = nonEmpty(value);
      return;
    case 'Runtime Version':
      f.runtime_version = nonEmpty(value);
      return;
    case 'Runtime Version ARN':
      f.runtime_version_arn = nonEmpty(value);
      return;
  }
}

/** Reads the tab-separated `Key: value` pairs of `m` from `from` on (tolerates a trailing tab/newline). */
function applyPairs(f: LambdaFields, m: string, from: number): void {
  const n = m.length;
  let start = from;
  while (start < n) {
    let end = m.indexOf('\t', start);
    if (end === -1) end = n;
    // The first `: ` of the pair: a one-character search is cheaper than a two-character one.
    let colon = m.indexOf(':', start);
    while (colon !== -1 && colon < end && m.charCodeAt(colon + 1) !== 0x20) {
      colon = m.indexOf(':', colon + 1);
    }
    if (colon !== -1 && colon < end) applyPair(f, m.slice(start, colon).trim(), m, colon + 2, end);
    start = end + 1;
  }
}

function parseStart(f: LambdaFields, m: string): void {
  f.type = 'start';
  const v = m.indexOf(' Version: ', START_PREFIX.length);
  if (v === -1) {
    f.request_id = nonEmpty(m.slice(START_PREFIX.length).trim());
    return;
  }
  f.request_id = nonEmpty(m.slice(START_PREFIX.length, v).trim());
  const version = m.slice(v + 10).trim();
  if (version.length > 0) f.function_version = version;
}

function parseReport(f: LambdaFields, m: string): void {
  f.type = 'report';
  let tab = m.indexOf('\t', REPORT_PREFIX.length);
  if (tab === -1) tab = m.length;
  f.request_id = nonEmpty(m.slice(REPORT_PREFIX.length, tab).trim());
  applyPairs(f, m, tab + 1);
}

/** `RequestId: <id> Error: Runtime exited …`: plain text with a request id. */
function parseRequestIdLine(f: LambdaFields, m: string): void {
  const from = REQUEST_ID_PREFIX.length;
  let sp = m.indexOf(' ', from);
  if (sp === -1) sp = m.length;
  f.request_id = requestIdOf(m.slice(from, sp).trim());
  f.app_message = sp < m.length ? withoutTrailingNewline(m, sp + 1) : '';
}

// ---------------------------------------------------------------------------
// Runtime-formatted application lines
// ---------------------------------------------------------------------------

/**
 * `2024-01-01T00:00:00.000Z\t<request id>\tINFO\tmessage` (Node.js, .NET; level
 * optional), or `2024-01-01T00:00:00.000Z <uuid> Task timed out after 3.00 seconds`.
 * Returns false (fields untouched) when the line is not of that form.
 */
function parseRuntimeLine(f: LambdaFields, m: string): boolean {
  let sep = -1;
  const limit = Math.min(m.length, 36);
  for (let i = 20; i < limit; i++) {
    const c = m.charCodeAt(i);
    if (c === 0x09 || c === 0x20) {
      sep = i;
      break;
    }
  }
  if (sep === -1) return false;
  const time = isoTime(m, 0, sep);
  if (time === null) return false;
  if (m.charCodeAt(sep) === 0x20) {
    // Space form, only with a UUID request id (Lambda's timeout line).
    const idStart = sep + 1;
    const idEnd = idStart + 36;
    if (!isUuidAt(m, idStart) || (idEnd < m.length && m.charCodeAt(idEnd) !== 0x20)) return false;
    f.log_time = time;
    f.request_id = m.slice(idStart, idEnd);
    f.app_message = idEnd < m.length ? withoutTrailingNewline(m, idEnd + 1) : '';
    return true;
  }
  const idStart = sep + 1;
  const idEnd = m.indexOf('\t', idStart);
  if (idEnd === -1 || idEnd - idStart > 64) return false;
  const id = m.slice(idStart, idEnd);
  if (id.includes(' ')) return false;
  f.log_time = time;
  f.request_id = requestIdOf(id);
  const levelEnd = m.indexOf('\t', idEnd + 1);
  const level = levelEnd === -1 ? null : levelOf(m.slice(idEnd + 1, levelEnd));
  if (level !== null) {
    f.level = level;
    f.app_message = withoutTrailingNewline(m, levelEnd + 1);
  } else {
    f.app_message = withoutTrailingNewline(m, idEnd + 1);
  }
  return true;
}

/**
 * Python: `[INFO]\t2024-01-01T00:00:00.000Z\t<request id>\tmessage`, or
 * `[ERROR] Runtime.ImportModuleError: …` (uncaught error, no time or id).
 * Returns false (fields untouched) when the line is not of that form.
 */
function parsePythonLine(f: LambdaFields, m: string): boolean {
  const close = m.indexOf(']', 1);
  if (close === -1 || close > 10 || close + 1 >= m.length) return false;
  const level = levelOf(m.slice(1, close));
  if (level === null) return false;
  const after = m.charCodeAt(close + 1);
  if (after === 0x20) {
    f.level = level;
    f.app_message = withoutTrailingNewline(m, close + 2);
    return true;
  }
  if (after !== 0x09) return false;
  const tsStart = close + 2;
  const tsEnd = m.indexOf('\t', tsStart);
  if (tsEnd === -1) return false;
  const time = isoTime(m, tsStart, tsEnd);
  if (time === null) return false;
  const idEnd = m.indexOf('\t', tsEnd + 1);
  if (idEnd === -1 || idEnd - tsEnd - 1 > 64) return false;
  f.level = level;
  f.log_time = time;
  f.request_id = requestIdOf(m.slice(tsEnd + 1, idEnd));
  f.app_message = withoutTrailingNewline(m, idEnd + 1);
  return true;
}

// ---------------------------------------------------------------------------
// JSON log format
// ---------------------------------------------------------------------------

/** The parsed object when `m` is a JSON object, else undefined. Parses at most once. */
function parseJsonObject(m: string): Record<string, unknown> | undefined {
  // Cheap shape check first: Lambda JSON lines are `{…}` with an optional trailing newline.
  let end = m.length - 1;
  while (end > 0) {
    const c = m.charCodeAt(end);
    if (c !== 0x0a && c !== 0x0d && c !== 0x20 && c !== 0x09) break;
    end--;
  }
  if (m.charCodeAt(end) !== 0x7d) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(m);
  } catch {
    return undefined;
  }
  return isObject(doc) ? doc : undefined;
}

/** `Root=1-…;Parent=…;Sampled=1` (X-Amzn-Trace-Id header) into the xray columns. */
function applyTracing(f: LambdaFields, tracing: Record<string, unknown>): void {
  const header = tracing.value;
  if (typeof header === 'string') {
    let start = 0;
    while (start < header.length) {
      let end = header.indexOf(';', start);
      if (end === -1) end = header.length;
      const eq = header.indexOf('=', start);
      if (eq !== -1 && eq < end) {
        const key = header.slice(start, eq).trim();
        const value = header.slice(eq + 1, end).trim();
        if (key === 'Root') f.xray_trace_id = nonEmpty(value);
        else if (key === 'Parent') f.xray_segment_id = nonEmpty(value);
        else if (key === 'Sampled')
          f.xray_sampled = value === '1' ? true : value === '0' ? false : null;
      }
      start = end + 1;
    }
  }
  if (f.xray_segment_id === null && typeof tracing.spanId === 'string') {
    f.xray_segment_id = nonEmpty(tracing.spanId);
  }
}

/** A `{time, type: 'platform.*', record}` event of the JSON log format. */
function applyPlatformEvent(f: LambdaFields, doc: Record<string, unknown>, type: string): void {
  f.type = type;
  const time = doc.time;
  if (typeof time === 'string') f.log_time = isoTime(time, 0, time.length);
  const rec = doc.record;
  if (!isObject(rec)) return;
  f.fields = rec;
  f.request_id = str(rec.requestId);
  f.status = str(rec.status);
  f.error_type = str(rec.errorType);
  f.runtime_version = str(rec.runtimeVersion);
  f.runtime_version_arn = str(rec.runtimeVersionArn);
  if (typeof rec.functionName === 'string' && rec.functionName.length > 0) {
    f.function_name = rec.functionName;
  }
  // platform.start says `version`, platform.initStart `functionVersion`.
  const version = typeof rec.version === 'string' ? rec.version : rec.functionVersion;
  if (typeof version === 'string' && version.length > 0) f.function_version = version;
  if (isObject(rec.tracing)) applyTracing(f, rec.tracing);
  const metrics = rec.metrics;
  if (!isObject(metrics)) return;
  switch (type) {
    case 'platform.report':
      f.duration_ms = finite(metrics.durationMs);
      f.billed_duration_ms = safeInt(metrics.billedDurationMs);
      f.memory_size_mb = safeInt(metrics.memorySizeMB);
      f.max_memory_used_mb = safeInt(metrics.maxMemoryUsedMB);
      f.init_duration_ms = finite(metrics.initDurationMs);
      f.restore_duration_ms = finite(metrics.restoreDurationMs);
      f.billed_restore_duration_ms = safeInt(metrics.billedRestoreDurationMs);
      return;
    case 'platform.runtimeDone':
      f.duration_ms = finite(metrics.durationMs);
      return;
    case 'platform.initReport':
      f.init_duration_ms = finite(metrics.durationMs);
      return;
    case 'platform.restoreReport':
      f.restore_duration_ms = finite(metrics.durationMs);
      return;
  }
}

/**
 * An application line of the JSON log format (`{timestamp, level, requestId,
 * message, …}`) or any other JSON object printed to stdout. Mapped keys leave
 * `fields`; the rest stay there as is. Returns the EMF metrics, if any.
 */
function applyAppJson(
  f: LambdaFields,
  doc: Record<string, unknown>,
  time: number,
): MetricRecord[] | undefined {
  let rest: Record<string, unknown> | null = null;
  for (const key in doc) {
    const v = doc[key];
    switch (key) {
      case 'timestamp':
        if (typeof v === 'string') {
          const t = isoTime(v, 0, v.length);
          if (t !== null) {
            f.log_time = t;
            continue;
          }
        }
        break;
      case 'level':
        if (typeof v === 'string') {
          f.level = v.toLowerCase();
          continue;
        }
        break;
      case 'requestId':
        if (typeof v === 'string') {
          f.request_id = v;
          continue;
        }
        break;
      case 'message':
        if (typeof v === 'string') {
          f.app_message = v;
          continue;
        }
        break;
      case 'errorType':
        if (typeof v === 'string') {
          f.error_type = v;
          continue;
        }
        break;
    }
    if (rest === null) rest = {};
    setOwn(rest, key, v);
  }
  f.fields = rest;
  let result: MetricRecord[] | string;
  try {
    if (!isEmfDocument(doc)) return undefined;
    result = emfMetrics(doc, time);
  } catch {
    // emfMetrics must not throw; if it does, the record still stands.
    result = 'EMF extraction failed unexpectedly';
  }
  if (typeof result === 'string') {
    f.emf_error = result;
    return undefined;
  }
  return result;
}

// ---------------------------------------------------------------------------
// REPORT → metric point
// ---------------------------------------------------------------------------

/**
 * The metric point of a REPORT line. Dimensions: function name and version, and the log
 * stream — one per execution environment — because two environments of one function can
 * report in the same millisecond, and a point is identified by its dimensions and time
 * (Timestream would refuse the second as a duplicate).
 */
function reportMetrics(
  f: LambdaFields,
  time: number,
  logStream: string,
): MetricRecord[] | undefined {
  const measures: MetricRecord['measures'] = {};
  let n = 0;
  if (f.duration_ms !== null) {
    measures.duration_ms = { value: f.duration_ms, unit: 'Milliseconds' };
    n++;
  }
  if (f.billed_duration_ms !== null) {
    measures.billed_duration_ms = { value: f.billed_duration_ms, unit: 'Milliseconds' };
    n++;
  }
  if (f.memory_size_mb !== null) {
    measures.memory_size_mb = { value: f.memory_size_mb, unit: 'Megabytes' };
    n++;
  }
  if (f.max_memory_used_mb !== null) {
    measures.max_memory_used_mb = { value: f.max_memory_used_mb, unit: 'Megabytes' };
    n++;
  }
  if (f.init_duration_ms !== null) {
    measures.init_duration_ms = { value: f.init_duration_ms, unit: 'Milliseconds' };
    n++;
  }
  if (f.restore_duration_ms !== null) {
    measures.restore_duration_ms = { value: f.restore_duration_ms, unit: 'Milliseconds' };
    n++;
  }
  if (f.billed_restore_duration_ms !== null) {
    measures.billed_restore_duration_ms = {
      value: f.billed_restore_duration_ms,
      unit: 'Milliseconds',
    };
    n++;
  }
  if (n === 0) return undefined;
  const dimensions: Record<string, string> = {};
  if (f.function_name !== null) dimensions.function_name = f.function_name;
  if (f.function_version !== null) dimensions.function_version = f.function_version;
  if (logStream !== '') dimensions.log_stream = logStream;
  return [{ time, measureName: REPORT_MEASURE_NAME, dimensions, measures }];
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/** Function name of a `/aws/lambda/<name>` log group (Lambda@Edge: `<region>.<name>`), else null. */
function functionNameOf(logGroup: string): string | null {
  if (!logGroup.startsWith(LOG_GROUP_PREFIX) || logGroup.length === LOG_GROUP_PREFIX.length)
    return null;
  return logGroup.slice(LOG_GROUP_PREFIX.length);
}

/** Version of a `YYYY/MM/DD/[<version>]<id>` log stream, else null. */
function streamVersionOf(logStream: string): string | null {
  const m = /^\d{4}\/\d{2}\/\d{2}\/\[([^\]]+)\]/.exec(logStream);
  return m?.[1] ?? null;
}

class LambdaParser implements Parser {
  readonly name = 'lambda';
  readonly dataset = DATASET;
  // Cache keyed by the origin object, which is shared by every event of a payload.
  private lastOrigin: LogOrigin | undefined = undefined;
  private functionName: string | null = null;
  private streamVersion: string | null = null;

  parse(message: string, ctx: ParseContext): ParseResult {
    const origin = ctx.origin;
    if (origin !== this.lastOrigin) {
      this.lastOrigin = origin;
      this.functionName = functionNameOf(origin.logGroup);
      this.streamVersion = streamVersionOf(origin.logStream);
    }
    const f = emptyFields(this.functionName, this.streamVersion);
    let metrics: MetricRecord[] | undefined;
    switch (message.charCodeAt(0)) {
      case 0x53 /* S */:
        if (message.startsWith(START_PREFIX)) {
          parseStart(f, message);
          return ok(DATASET, f);
        }
        break;
      case 0x45 /* E */:
        if (message.startsWith(END_PREFIX)) {
          f.type = 'end';
          f.request_id = nonEmpty(message.slice(END_PREFIX.length).trim());
          return ok(DATASET, f);
        }
        break;
      case 0x52 /* R */:
        if (message.startsWith(REPORT_PREFIX)) {
          parseReport(f, message);
          return ok(DATASET, f, reportMetrics(f, ctx.time, origin.logStream));
        }
        if (message.startsWith(REQUEST_ID_PREFIX)) {
          parseRequestIdLine(f, message);
          return ok(DATASET, f);
        }
        if (message.startsWith(RESTORE_START_PREFIX)) {
          f.type = 'restore_start';
          applyPairs(f, message, RESTORE_START_PREFIX.length);
          return ok(DATASET, f);
        }
        if (message.startsWith(RESTORE_REPORT_PREFIX)) {
          f.type = 'restore_report';
          applyPairs(f, message, RESTORE_REPORT_PREFIX.length);
          return ok(DATASET, f);
        }
        break;
      case 0x49 /* I */:
        if (message.startsWith(INIT_START_PREFIX)) {
          f.type = 'init_start';
          applyPairs(f, message, INIT_START_PREFIX.length);
          return ok(DATASET, f);
        }
        if (message.startsWith(INIT_REPORT_PREFIX)) {
          f.type = 'init_report';
          applyPairs(f, message, INIT_REPORT_PREFIX.length);
          return ok(DATASET, f);
        }
        break;
      case 0x7b /* { */:
        {
          const doc = parseJsonObject(message);
          if (doc === undefined) break; // Not JSON (e.g. a trailing comma): plain text.
          const type = doc.type;
          if (typeof type === 'string' && type.startsWith('platform.')) {
            applyPlatformEvent(f, doc, type);
            if (type === 'platform.report') metrics = reportMetrics(f, ctx.time, origin.logStream);
          } else {
            metrics = applyAppJson(f, doc, ctx.time);
          }
          return ok(DATASET, f, metrics);
        }
      case 0x5b /* [ */:
        if (parsePythonLine(f, message)) return ok(DATASET, f);
        break;
      default:
        if (isDigit(message.charCodeAt(0)) && parseRuntimeLine(f, message)) return ok(DATASET, f);
    }
    // Anything else a function prints: kept as text.
    f.app_message = withoutTrailingNewline(message, 0);
    return ok(DATASET, f);
  }
}

/**
 * Creates the Lambda parser (dataset `lambda`). It reads platform lines
 * (`START`, `END`, `REPORT`, `INIT_START`, `INIT_REPORT`, `RESTORE_*`), the
 * runtimes' default application format (`<time>\t<request id>\t<LEVEL>\t<message>`,
 * Python's `[LEVEL]\t<time>\t<request id>\t<message>`), the JSON log format
 * (application lines and `platform.*` events; EMF documents yield metrics) and
 * accepts any other line as `type: 'app'` text, since Lambda log groups carry
 * arbitrary stdout. It never rejects and never throws. A `REPORT` line (text or
 * `platform.report`) also yields one `AWS/Lambda` metric point.
 *
 * `function_name` comes from a `/aws/lambda/<name>` log group, `function_version`
 * from the line (START `Version`) or else the `YYYY/MM/DD/[<version>]<id>` log
 * stream. If an EMF document breaks the specification, the record is kept
 * without metrics and the reason goes to `emf_error`.
 *
 * @example
 * ```ts
 * const p = createLambdaParser();
 * const origin = { owner: '123456789012', logGroup: '/aws/lambda/orders', logStream: '2024/01/01/[$LATEST]0123' };
 * const r = p.parse('REPORT RequestId: 8f5…\tDuration: 2.27 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\t', { origin, time: Date.now() });
 * if (r.ok) console.log(r.fields.duration_ms, r.metrics?.[0]?.measures.duration_ms);
 * ```
 */
export function createLambdaParser(): Parser {
  return new LambdaParser();
}

/**
 * Cheap content sniffer: true for a Lambda text platform line (`START RequestId: `,
 * `END RequestId: `, `REPORT RequestId: `, `INIT_START `, `INIT_REPORT `,
 * `RESTORE_START `, `RESTORE_REPORT `). JSON `platform.*` events are not sniffed.
 *
 * @example
 * ```ts
 * looksLikeLambdaPlatform('END RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac'); // true
 * looksLikeLambdaPlatform('hello'); // false
 * ```
 */
export function looksLikeLambdaPlatform(message: string): boolean {
  switch (message.charCodeAt(0)) {
    case 0x53:
      return message.startsWith(START_PREFIX);
    case 0x45:
      return message.startsWith(END_PREFIX);
    case 0x52:
      return (
        message.startsWith(REPORT_PREFIX) ||
        message.startsWith(RESTORE_START_PREFIX) ||
        message.startsWith(RESTORE_REPORT_PREFIX)
      );
    case 0x49:
      return message.startsWith(INIT_START_PREFIX) || message.startsWith(INIT_REPORT_PREFIX);
    default:
      return false;
  }
}
