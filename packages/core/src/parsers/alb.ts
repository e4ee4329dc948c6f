import { fail, ok, type ParseResult, type Parser } from './types.js';

/**
 * Fields of an ALB access log entry, in log order, as AWS names them.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 */
const ALB_FIELD_NAMES = [
  'type',
  'time',
  'elb',
  'client:port',
  'target:port',
  'request_processing_time',
  'target_processing_time',
  'response_processing_time',
  'elb_status_code',
  'target_status_code',
  'received_bytes',
  'sent_bytes',
  'request',
  'user_agent',
  'ssl_cipher',
  'ssl_protocol',
  'target_group_arn',
  'trace_id',
  'domain_name',
  'chosen_cert_arn',
  'matched_rule_priority',
  'request_creation_time',
  'actions_executed',
  'redirect_url',
  'error_reason',
  'target:port_list',
  'target_status_code_list',
  'classification',
  'classification_reason',
  'conn_trace_id',
  'transformed_host',
  'transformed_uri',
  'request_transform_status',
] as const;

/** Entries written before 2018 end after trace_id; later fields were appended. */
const MIN_FIELDS = 18;
/** Fields we know; anything AWS appends after them is ignored (not even scanned). */
const KNOWN_FIELDS = ALB_FIELD_NAMES.length;

const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const DASH = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const BRACKET_OPEN = 91;
const BACKSLASH = 92;

function label(index: number): string {
  const name = ALB_FIELD_NAMES[index];
  return name === undefined ? `field ${index + 1}` : `field ${index + 1} (${name})`;
}

function quoted(v: string): string {
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
}

/**
 * Splits an entry into its fields in one pass: fields are separated by spaces;
 * a field starting with `"` runs to the next unescaped `"` and may hold spaces
 * and `\"` / `\\` escapes. Stops after {@link KNOWN_FIELDS} fields or at the end
 * of the line. Returns a reason when the entry is malformed.
 */
function tokenize(line: string, out: string[]): string | undefined {
  const n = line.length;
  // Next backslash at or after the scan position (-1: none left); most lines have none.
  let backslash = line.indexOf('\\');
  let i = 0;
  while (out.length < KNOWN_FIELDS) {
    while (i < n && line.charCodeAt(i) === SPACE) i++;
    if (i >= n) break;
    const c = line.charCodeAt(i);
    if (c === LF || c === CR) break;
    if (c === QUOTE) {
      let j = i + 1;
      let from = j;
      let value: string | undefined;
      for (;;) {
        const close = line.indexOf('"', j);
        if (close === -1) return `${label(out.length)}: unterminated quoted value`;
        if (backslash !== -1 && backslash < j) backslash = line.indexOf('\\', j);
        if (backslash === -1 || backslash > close) {
          j = close;
          break;
        }
        // A backslash before the closing quote: `\"` and `\\` are escapes, others literal.
        const e = backslash + 1 < n ? line.charCodeAt(backslash + 1) : 0;
        if (e === QUOTE || e === BACKSLASH) {
          value = (value ?? '') + line.slice(from, backslash);
          from = backslash + 1; // keep the escaped character
          j = backslash + 2;
        } else {
          j = backslash + 1;
        }
      }
      out.push(value === undefined ? line.slice(from, j) : value + line.slice(from, j));
      i = j + 1;
      if (i < n) {
        const e = line.charCodeAt(i);
        if (e !== SPACE && e !== LF && e !== CR) {
          return `${label(out.length - 1)}: expected a space after the closing quote, got ${quoted(line.slice(i, i + 10))}`;
        }
      }
    } else {
      let j = line.indexOf(' ', i);
      if (j === -1) {
        j = n;
        while (j > i && (line.charCodeAt(j - 1) === LF || line.charCodeAt(j - 1) === CR)) j--;
      }
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return undefined;
}

/** `-` and empty are null. */
function str(v: string | undefined): string | null {
  return v === undefined || v.length === 0 || (v.length === 1 && v.charCodeAt(0) === DASH)
    ? null
    : v;
}

/** Non-negative integer from its digits, or NaN (also when not a safe integer). */
function digits(v: string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  let x = 0;
  for (let i = from; i < to; i++) {
    const c = v.charCodeAt(i);
    if (c < ZERO || c > NINE) return Number.NaN;
    x = x * 10 + (c - ZERO);
  }
  return Number.isSafeInteger(x) ? x : Number.NaN;
}

/** Parsed value, or a reason (string) — `null` for `-`. */
type Parsed = number | null | string;

function int(v: string, index: number): Parsed {
  if (v === '-') return null;
  const x = digits(v, 0, v.length);
  return Number.isNaN(x) ? `${label(index)}: expected an integer, got ${quoted(v)}` : x;
}

/** Seconds with a decimal fraction; -1 (no target / connection closed) and `-` are null. */
function seconds(v: string, index: number): Parsed {
  if (v === '-' || v === '-1') return null;
  let i = v.charCodeAt(0) === DASH ? 1 : 0;
  const start = i;
  let dot = -1;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === DOT && dot === -1 && i > start && i < v.length - 1) dot = i;
    else if (c < ZERO || c > NINE) {
      return `${label(index)}: expected seconds, got ${quoted(v)}`;
    }
  }
  if (i === start) return `${label(index)}: expected seconds, got ${quoted(v)}`;
  const x = Number(v);
  if (x === -1) return null;
  return x < 0 ? `${label(index)}: expected seconds or -1, got ${quoted(v)}` : x;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (what ALB writes, µs precision) to epoch ms,
 * fraction truncated to milliseconds; NaN when not that shape.
 */
function isoMs(v: string): number {
  const n = v.length;
  if (n < 20 || v.charCodeAt(n - 1) !== 90 /* Z */) return Number.NaN;
  if (
    v.charCodeAt(4) !== DASH ||
    v.charCodeAt(7) !== DASH ||
    v.charCodeAt(10) !== 84 /* T */ ||
    v.charCodeAt(13) !== COLON ||
    v.charCodeAt(16) !== COLON
  ) {
    return Number.NaN;
  }
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 7);
  const day = digits(v, 8, 10);
  const hour = digits(v, 11, 13);
  const minute = digits(v, 14, 16);
  const second = digits(v, 17, 19);
  let ms = 0;
  if (n > 20) {
    // A fraction: '.' then at least one digit before the Z.
    if (v.charCodeAt(19) !== DOT || n < 22) return Number.NaN;
    if (Number.isNaN(digits(v, 20, n - 1))) return Number.NaN;
    for (let i = 20; i < 23; i++) ms = ms * 10 + (i < n - 1 ? v.charCodeAt(i) - ZERO : 0);
  } else if (v.charCodeAt(19) !== 90) {
    return Number.NaN;
  }
  if (
    !(year >= 1970) ||
    !(month >= 1 && month <= 12) ||
    !(day >= 1 && day <= (DAYS_IN_MONTH[month - 1] as number)) ||
    !(hour <= 23) ||
    !(minute <= 59) ||
    !(second <= 59)
  ) {
    return Number.NaN;
  }
  if (month === 2 && day === 29 && (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0))) {
    return Number.NaN;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function time(v: string, index: number): Parsed {
  if (v === '-') return null;
  const t = isoMs(v);
  return Number.isNaN(t)
    ? `${label(index)}: expected an ISO 8601 UTC time like 2018-11-30T22:23:00.186641Z, got ${quoted(v)}`
    : t;
}

/** `ip:port`, `ipv6:port` (the port follows the last colon) or `[ipv6]:port`; `-` is [null, null]. */
function endpoint(v: string, index: number): [string | null, number | null] | string {
  if (v === '-') return [null, null];
  const colon = v.lastIndexOf(':');
  let ip: string;
  if (v.charCodeAt(0) === BRACKET_OPEN) {
    const close = v.indexOf(']');
    ip = close === colon - 1 ? v.slice(1, close) : '';
  } else {
    ip = colon > 0 ? v.slice(0, colon) : '';
    if (ip.indexOf(']') !== -1) ip = '';
  }
  const port = colon === -1 ? Number.NaN : digits(v, colon + 1, v.length);
  if (ip.length === 0 || !(port <= 65535)) {
    return `${label(index)}: expected ip:port, got ${quoted(v)}`;
  }
  return [ip, port];
}

/** Verb, URL and protocol of a request line; each null when absent or `-`. */
function requestParts(request: string | null): [string | null, string | null, string | null] {
  if (request === null) return [null, null, null];
  let end = request.length;
  while (end > 0 && request.charCodeAt(end - 1) === SPACE) end--;
  const sp1 = request.indexOf(' ');
  if (sp1 === -1 || sp1 >= end) return [str(request.slice(0, end)), null, null];
  const sp2 = request.lastIndexOf(' ', end - 1);
  if (sp2 === sp1) return [str(request.slice(0, sp1)), str(request.slice(sp1 + 1, end)), null];
  return [
    str(request.slice(0, sp1)),
    str(request.slice(sp1 + 1, sp2)),
    str(request.slice(sp2 + 1, end)),
  ];
}

class AlbParser implements Parser {
  readonly name = 'alb';
  readonly dataset = 'alb';
  /** Reused between calls: parse() is synchronous and does not keep it. */
  private readonly t: string[] = [];

  parse(message: string): ParseResult {
    if (typeof message !== 'string') return fail('message is not a string');
    const t = this.t;
    t.length = 0;
    const bad = tokenize(message, t);
    if (bad !== undefined) return fail(bad);
    if (t.length < MIN_FIELDS) {
      return fail(`expected at least ${MIN_FIELDS} fields (through trace_id), got ${t.length}`);
    }
    const logTime = time(t[1] as string, 1);
    if (typeof logTime === 'string') return fail(logTime);
    const client = endpoint(t[3] as string, 3);
    if (typeof client === 'string') return fail(client);
    const target = endpoint(t[4] as string, 4);
    if (typeof target === 'string') return fail(target);
    const requestTime = seconds(t[5] as string, 5);
    if (typeof requestTime === 'string') return fail(requestTime);
    const targetTime = seconds(t[6] as string, 6);
    if (typeof targetTime === 'string') return fail(targetTime);
    const responseTime = seconds(t[7] as string, 7);
    if (typeof responseTime === 'string') return fail(responseTime);
    const elbStatus = int(t[8] as string, 8);
    if (typeof elbStatus === 'string') return fail(elbStatus);
    const targetStatus = int(t[9] as string, 9);
    if (typeof targetStatus === 'string') return fail(targetStatus);
    const received = int(t[10] as string, 10);
    if (typeof received === 'string') return fail(received);
    const sent = int(t[11] as string, 11);
    if (typeof sent === 'string') return fail(sent);
    const priority = t.length > 20 ? int(t[20] as string, 20) : null;
    if (typeof priority === 'string') return fail(priority);
    const creation = t.length > 21 ? time(t[21] as string, 21) : null;
    if (typeof creation === 'string') return fail(creation);
    const [verb, url, proto] = requestParts(str(t[12]));

    // One literal, every column, so all records share one shape.
    return ok('alb', {
      type: t[0] as string,
      request_time: logTime,
      elb: str(t[2]),
      client_ip: client[0],
      client_port: client[1],
      target_ip: target[0],
      target_port: target[1],
      request_processing_time: requestTime,
      target_processing_time: targetTime,
      response_processing_time: responseTime,
      elb_status_code: elbStatus,
      target_status_code: targetStatus,
      received_bytes: received,
      sent_bytes: sent,
      request: verb === null && url === null && proto === null ? null : (t[12] as string),
      request_verb: verb,
      request_url: url,
      request_proto: proto,
      user_agent: str(t[13]),
      ssl_cipher: str(t[14]),
      ssl_protocol: str(t[15]),
      target_group_arn: str(t[16]),
      trace_id: str(t[17]),
      domain_name: str(t[18]),
      chosen_cert_arn: str(t[19]),
      matched_rule_priority: priority,
      request_creation_time: creation,
      actions_executed: str(t[22]),
      redirect_url: str(t[23]),
      error_reason: str(t[24]),
      target_port_list: str(t[25]),
      target_status_code_list: str(t[26]),
      classification: str(t[27]),
      classification_reason: str(t[28]),
      conn_trace_id: str(t[29]),
      transformed_host: str(t[30]),
      transformed_uri: str(t[31]),
      request_transform_status: str(t[32]),
    });
  }
}

/**
 * Creates the Application Load Balancer access log parser. Every documented
 * field; quoted fields with `\"` escapes; IPv6 `client:port` (bare or
 * bracketed); `-` is null; processing times of -1 are null; times become epoch
 * ms (µs truncated). Entries that stop after `trace_id` (older) parse with the
 * later fields null; fields AWS appends after `request_transform_status` are
 * ignored. Malformed entries are rejected with the field and the reason.
 *
 * @example
 * ```ts
 * const r = createAlbParser().parse(line, ctx);
 * if (r.ok) console.log(r.fields.elb_status_code, r.fields.target_processing_time);
 * else console.warn(r.reason); // e.g. 'field 9 (elb_status_code): expected an integer, got "abc"'
 * ```
 */
export function createAlbParser(): Parser {
  return new AlbParser();
}

const ALB_START = /^(?:https?|h2|grpcs|wss?) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z app\//;

/**
 * True for a line that starts like an ALB access log entry: a type (http,
 * https, h2, grpcs, ws, wss), an ISO 8601 UTC time, then an `app/…` load
 * balancer id. Used to recognise entries by content.
 *
 * @example
 * ```ts
 * looksLikeAlb('https 2026-01-01T00:00:00.000000Z app/web/50dc6c495c0c9188 …'); // true
 * looksLikeAlb('http server listening on :8080'); // false
 * ```
 */
export function looksLikeAlb(message: string): boolean {
  if (typeof message !== 'string') return false;
  const c = message.charCodeAt(0);
  return (c === 104 /* h */ || c === 119 /* w */ || c === 103) /* g */ && ALB_START.test(message);
}
