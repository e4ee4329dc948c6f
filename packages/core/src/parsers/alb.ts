import { EXACT_DIGITS, isoSecondsMs, POW10 } from './digits.js';
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
const ONE = 49;
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

/** Parsed value, or a reason (string) — `null` for `-`. */
type Parsed = number | null | string;

/** Non-negative integer from the digits of `s[from, to)`, or NaN (also when not a safe integer). */
function digits(s: string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  let x = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) return Number.NaN;
    x = x * 10 + (c - ZERO);
  }
  // Up to EXACT_DIGITS digits are always a safe integer.
  return to - from <= EXACT_DIGITS || Number.isSafeInteger(x) ? x : Number.NaN;
}

/** `s[from, to)` is `-`. */
function isDash(s: string, from: number, to: number): boolean {
  return to - from === 1 && s.charCodeAt(from) === DASH;
}

/** `s[from, to)`; `-` and empty are null. */
function strOf(s: string, from: number, to: number): string | null {
  return to === from || isDash(s, from, to) ? null : s.slice(from, to);
}

function int(s: string, from: number, to: number, index: number): Parsed {
  if (isDash(s, from, to)) return null;
  const x = digits(s, from, to);
  return Number.isNaN(x)
    ? `${label(index)}: expected an integer, got ${quoted(s.slice(from, to))}`
    : x;
}

/** Seconds with a decimal fraction; -1 (no target / connection closed) and `-` are null. */
function seconds(s: string, from: number, to: number, index: number): Parsed {
  let i = from;
  const negative = to > from && s.charCodeAt(from) === DASH;
  if (negative) {
    // `-` and `-1`, the usual nulls, need no arithmetic.
    if (to - from === 1 || (to - from === 2 && s.charCodeAt(from + 1) === ONE)) return null;
    i++;
  }
  const start = i;
  let dot = -1;
  // The digits as one integer (exact while there are at most EXACT_DIGITS of them).
  let m = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE) m = m * 10 + (c - ZERO);
    else if (c === DOT && dot === -1 && i > start && i < to - 1) dot = i;
    else return `${label(index)}: expected seconds, got ${quoted(s.slice(from, to))}`;
  }
  if (i === start) return `${label(index)}: expected seconds, got ${quoted(s.slice(from, to))}`;
  let x: number;
  if (to - start - (dot === -1 ? 0 : 1) <= EXACT_DIGITS) {
    // An exact integer divided by an exact power of ten rounds once, correctly: the
    // same double Number() reads from the text (including -0 for `-0.000`).
    x = dot === -1 ? m : m / (POW10[to - dot - 1] as number);
    if (negative) x = -x;
  } else {
    x = Number(s.slice(from, to));
  }
  if (x === -1) return null;
  return x < 0 ? `${label(index)}: expected seconds or -1, got ${quoted(s.slice(from, to))}` : x;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (what ALB writes, µs precision) in `s[from, to)` to
 * epoch ms, fraction truncated to milliseconds; NaN when not that shape.
 */
function isoMs(s: string, from: number, to: number): number {
  const n = to - from;
  if (n < 20 || s.charCodeAt(to - 1) !== 90 /* Z */) return Number.NaN;
  let ms = 0;
  if (n > 20) {
    // A fraction: '.' then at least one digit before the Z (n = 20 is `…SSZ`).
    if (s.charCodeAt(from + 19) !== DOT || n < 22) return Number.NaN;
    for (let i = from + 20; i < to - 1; i++) {
      const d = s.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) return Number.NaN;
      if (i < from + 23) ms = ms * 10 + d;
    }
    // Fewer than three digits: pad (`.5` is 500 ms).
    for (let places = n - 21; places < 3; places++) ms *= 10;
    // A fraction too long to be a safe integer was always rejected.
    if (n - 21 > EXACT_DIGITS && Number.isNaN(digits(s, from + 20, to - 1))) return Number.NaN;
  }
  // Exact integer arithmetic: the same value as Date.UTC(…, second, ms).
  return isoSecondsMs(s, from) + ms;
}

function time(s: string, from: number, to: number, index: number): Parsed {
  if (isDash(s, from, to)) return null;
  const t = isoMs(s, from, to);
  return Number.isNaN(t)
    ? `${label(index)}: expected an ISO 8601 UTC time like 2018-11-30T22:23:00.186641Z, got ${quoted(s.slice(from, to))}`
    : t;
}

/**
 * `ip:port`, `ipv6:port` (the port follows the last colon) or `[ipv6]:port` in
 * `s[from, to)`; `-` is [null, null].
 */
function endpoint(
  s: string,
  from: number,
  to: number,
  index: number,
): [string | null, number | null] | string {
  if (isDash(s, from, to)) return [null, null];
  let colon = to - 1;
  while (colon >= from && s.charCodeAt(colon) !== COLON) colon--;
  // The first `]` of the field, when before `to` (a search beats reading every character).
  const close = s.indexOf(']', from);
  // The ip is s[ipFrom, ipTo); none (empty) unless the shape is right.
  let ipFrom = from;
  let ipTo = from;
  if (to > from && s.charCodeAt(from) === BRACKET_OPEN) {
    if (colon >= from && close === colon - 1) {
      ipFrom = from + 1;
      ipTo = close;
    }
  } else if (colon > from && (close === -1 || close > colon)) {
    ipTo = colon;
  }
  const port = colon < from ? Number.NaN : digits(s, colon + 1, to);
  if (ipTo <= ipFrom || !(port <= 65535)) {
    return `${label(index)}: expected ip:port, got ${quoted(s.slice(from, to))}`;
  }
  return [s.slice(ipFrom, ipTo), port];
}

/** Verb, URL and protocol of the request line `s[from, to)`; each null when absent or `-`. */
function requestParts(
  s: string,
  from: number,
  to: number,
): [string | null, string | null, string | null] {
  if (to === from || isDash(s, from, to)) return [null, null, null];
  let end = to;
  while (end > from && s.charCodeAt(end - 1) === SPACE) end--;
  // May find a space after the field (s is the whole line): that counts as none.
  const sp1 = s.indexOf(' ', from);
  if (sp1 === -1 || sp1 >= end) return [strOf(s, from, end), null, null];
  // The last space (lastIndexOf is slower than this short walk back over the protocol).
  let sp2 = end - 1;
  while (s.charCodeAt(sp2) !== SPACE) sp2--;
  if (sp2 === sp1) return [strOf(s, from, sp1), strOf(s, sp1 + 1, end), null];
  return [strOf(s, from, sp1), strOf(s, sp1 + 1, sp2), strOf(s, sp2 + 1, end)];
}

/**
 * The fields of one entry as spans of the line: no string is made for a field until
 * its value is needed, and numbers and times are read from the line in place. Field
 * ends are found with indexOf, which costs about as much as reading four characters
 * with charCodeAt: a character-by-character scan of a 600-character entry is slower.
 */
class Fields {
  /** The line last split. */
  private line = '';
  /** Fields found (at most {@link KNOWN_FIELDS}). */
  count = 0;
  /** Field k is `src(k)[from[k], to[k])`. */
  readonly from = new Int32Array(KNOWN_FIELDS);
  readonly to = new Int32Array(KNOWN_FIELDS);
  /**
   * Value of a quoted field that held `\"` or `\\` escapes (not a span of the line, so
   * its span is the whole of this string); undefined for the others.
   */
  private readonly unescaped: Array<string | undefined> = new Array(KNOWN_FIELDS).fill(undefined);
  /** Whether any field of this line is in {@link unescaped}: most lines have none. */
  private escaped = false;

  /**
   * Splits an entry into its fields in one pass: fields are separated by spaces;
   * a field starting with `"` runs to the next unescaped `"` and may hold spaces
   * and `\"` / `\\` escapes. Stops after {@link KNOWN_FIELDS} fields or at the end
   * of the line. Returns a reason when the entry is malformed.
   */
  split(line: string): string | undefined {
    this.line = line;
    if (this.escaped) {
      this.unescaped.fill(undefined);
      this.escaped = false;
    }
    const fromOf = this.from;
    const toOf = this.to;
    const n = line.length;
    // Next backslash at or after the scan position (-1: none left); most lines have none.
    let backslash = line.indexOf('\\');
    let i = 0;
    // The character at i (-1 past the end), so that each is read once.
    let c = n > 0 ? line.charCodeAt(0) : -1;
    let k = 0;
    while (k < KNOWN_FIELDS) {
      while (c === SPACE) {
        i++;
        c = i < n ? line.charCodeAt(i) : -1;
      }
      if (i >= n || c === LF || c === CR) break;
      if (c === QUOTE) {
        let j = i + 1;
        let from = j;
        let value: string | undefined;
        if (
          i + 2 < n &&
          line.charCodeAt(i + 2) === QUOTE &&
          line.charCodeAt(i + 1) !== QUOTE &&
          line.charCodeAt(i + 1) !== BACKSLASH
        ) {
          // A one-character value (`"-"`, the usual empty), found without a search.
          j = i + 2;
        } else {
          for (;;) {
            const close = line.indexOf('"', j);
            if (close === -1) return `${label(k)}: unterminated quoted value`;
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
        }
        if (value === undefined) {
          fromOf[k] = from;
          toOf[k] = j;
        } else {
          value += line.slice(from, j);
          this.unescaped[k] = value;
          this.escaped = true;
          fromOf[k] = 0;
          toOf[k] = value.length;
        }
        i = j + 1;
        c = i < n ? line.charCodeAt(i) : -1;
        if (i < n && c !== SPACE && c !== LF && c !== CR) {
          return `${label(k)}: expected a space after the closing quote, got ${quoted(line.slice(i, i + 10))}`;
        }
      } else {
        let j = line.indexOf(' ', i);
        if (j === -1) {
          // The last field: to the end of the line, less a trailing LF or CRLF.
          j = n;
          while (j > i && (line.charCodeAt(j - 1) === LF || line.charCodeAt(j - 1) === CR)) j--;
          fromOf[k] = i;
          toOf[k] = j;
          k++;
          break;
        }
        fromOf[k] = i;
        toOf[k] = j;
        i = j;
        c = SPACE;
      }
      k++;
    }
    this.count = k;
    return undefined;
  }

  /** The string field k is a span of: the line, or its unescaped value. */
  src(k: number): string {
    return this.escaped ? (this.unescaped[k] ?? this.line) : this.line;
  }

  /** Field k's value (k < count). */
  text(k: number): string {
    return this.src(k).slice(this.from[k], this.to[k]);
  }

  /** Field k's value; `-`, empty and missing are null. */
  str(k: number): string | null {
    return k < this.count ? strOf(this.src(k), this.from[k] as number, this.to[k] as number) : null;
  }

  int(k: number): Parsed {
    return int(this.src(k), this.from[k] as number, this.to[k] as number, k);
  }

  seconds(k: number): Parsed {
    return seconds(this.src(k), this.from[k] as number, this.to[k] as number, k);
  }

  time(k: number): Parsed {
    return time(this.src(k), this.from[k] as number, this.to[k] as number, k);
  }

  endpoint(k: number): [string | null, number | null] | string {
    return endpoint(this.src(k), this.from[k] as number, this.to[k] as number, k);
  }

  requestParts(k: number): [string | null, string | null, string | null] {
    return requestParts(this.src(k), this.from[k] as number, this.to[k] as number);
  }
}

class AlbParser implements Parser {
  readonly name = 'alb';
  readonly dataset = 'alb';
  /** Reused between calls: parse() is synchronous and does not keep it. */
  private readonly f = new Fields();

  parse(message: string): ParseResult {
    if (typeof message !== 'string') return fail('message is not a string');
    const f = this.f;
    const bad = f.split(message);
    if (bad !== undefined) return fail(bad);
    const count = f.count;
    if (count < MIN_FIELDS) {
      return fail(`expected at least ${MIN_FIELDS} fields (through trace_id), got ${count}`);
    }
    const logTime = f.time(1);
    if (typeof logTime === 'string') return fail(logTime);
    const client = f.endpoint(3);
    if (typeof client === 'string') return fail(client);
    const target = f.endpoint(4);
    if (typeof target === 'string') return fail(target);
    const requestTime = f.seconds(5);
    if (typeof requestTime === 'string') return fail(requestTime);
    const targetTime = f.seconds(6);
    if (typeof targetTime === 'string') return fail(targetTime);
    const responseTime = f.seconds(7);
    if (typeof responseTime === 'string') return fail(responseTime);
    const elbStatus = f.int(8);
    if (typeof elbStatus === 'string') return fail(elbStatus);
    const targetStatus = f.int(9);
    if (typeof targetStatus === 'string') return fail(targetStatus);
    const received = f.int(10);
    if (typeof received === 'string') return fail(received);
    const sent = f.int(11);
    if (typeof sent === 'string') return fail(sent);
    const priority = count > 20 ? f.int(20) : null;
    if (typeof priority === 'string') return fail(priority);
    const creation = count > 21 ? f.time(21) : null;
    if (typeof creation === 'string') return fail(creation);
    const [verb, url, proto] = f.requestParts(12);

    // One literal, every column, so all records share one shape.
    return ok('alb', {
      type: f.text(0),
      request_time: logTime,
      elb: f.str(2),
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
      request: verb === null && url === null && proto === null ? null : f.text(12),
      request_verb: verb,
      request_url: url,
      request_proto: proto,
      user_agent: f.str(13),
      ssl_cipher: f.str(14),
      ssl_protocol: f.str(15),
      target_group_arn: f.str(16),
      trace_id: f.str(17),
      domain_name: f.str(18),
      chosen_cert_arn: f.str(19),
      matched_rule_priority: priority,
      request_creation_time: creation,
      actions_executed: f.str(22),
      redirect_url: f.str(23),
      error_reason: f.str(24),
      target_port_list: f.str(25),
      target_status_code_list: f.str(26),
      classification: f.str(27),
      classification_reason: f.str(28),
      conn_trace_id: f.str(29),
      transformed_host: f.str(30),
      transformed_uri: f.str(31),
      request_transform_status: f.str(32),
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
