import { fail, ok, type ParseResult, type Parser } from './types.js';

/** Fields of an ALB log entry, in log order, by the column(s) they fill. */
const STRING_TAIL = [
  'ssl_cipher',
  'ssl_protocol',
  'target_group_arn',
  'trace_id',
  'domain_name',
  'chosen_cert_arn',
] as const;
const AFTER_CREATION = [
  'actions_executed',
  'redirect_url',
  'error_reason',
  'target_port_list',
  'target_status_code_list',
  'classification',
  'classification_reason',
  'conn_trace_id',
  'transformed_host',
  'transformed_uri',
  'request_transform_status',
] as const;

/** Entries written before 2018 end after trace_id (18 fields); later fields were appended. */
const MIN_FIELDS = 18;
const MAX_KNOWN_FIELDS = 22 + AFTER_CREATION.length;

/**
 * Splits an ALB log line into its fields: space-separated, double-quoted
 * fields may contain spaces and `\"` / `\\` escapes. Returns a reason on error.
 * Scans at most `max` fields; anything after is ignored.
 */
function tokenize(line: string, max: number, out: string[]): string | undefined {
  const n = line.length;
  let i = 0;
  while (i < n && out.length < max) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 10 || c === 13) break;
    if (c === 34 /* " */) {
      let j = i + 1;
      let value = '';
      let from = j;
      for (;;) {
        if (j >= n) return `field ${out.length + 1}: unterminated quoted value`;
        const d = line.charCodeAt(j);
        if (d === 34) break;
        if (d === 92 /* \ */ && j + 1 < n) {
          const e = line.charCodeAt(j + 1);
          if (e === 34 || e === 92) {
            value += line.slice(from, j);
            from = j + 1;
            j += 2;
            continue;
          }
        }
        j++;
      }
      out.push(value + line.slice(from, j));
      i = j + 1;
      if (
        i < n &&
        line.charCodeAt(i) !== 32 &&
        line.charCodeAt(i) !== 10 &&
        line.charCodeAt(i) !== 13
      ) {
        return `field ${out.length}: expected a space after the closing quote`;
      }
    } else {
      let j = line.indexOf(' ', i);
      if (j === -1) j = n;
      let token = line.slice(i, j);
      if (token.endsWith('\n')) token = token.slice(0, token.endsWith('\r\n') ? -2 : -1);
      out.push(token);
      i = j;
    }
  }
  return undefined;
}

function str(v: string | undefined): string | null {
  return v === undefined || v === '-' || v === '' ? null : v;
}

function int(v: string, label: string): number | null | string {
  if (v === '-') return null;
  if (v.length === 0 || v.length > 15)
    return `${label}: expected an integer, got ${JSON.stringify(v)}`;
  for (let i = v.charCodeAt(0) === 45 ? 1 : 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57)
      return `${label}: expected an integer, got ${JSON.stringify(v.slice(0, 40))}`;
  }
  return Number(v);
}

const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** Processing time in seconds; -1 (no target, or the connection closed) is null. */
function seconds(v: string, label: string): number | null | string {
  if (v === '-' || v === '-1') return null;
  if (!NUMBER.test(v)) return `${label}: expected seconds, got ${JSON.stringify(v.slice(0, 40))}`;
  return Number(v);
}

function time(v: string, label: string): number | null | string {
  if (v === '-') return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t) || v.length < 20 || v.charCodeAt(10) !== 84 /* T */) {
    return `${label}: expected an ISO 8601 time, got ${JSON.stringify(v.slice(0, 40))}`;
  }
  return t;
}

/** `ip:port`, `[ipv6]:port` or `ipv6:port` (the port follows the last colon). */
function endpoint(v: string, label: string): [string | null, number | null] | string {
  if (v === '-') return [null, null];
  const colon = v.lastIndexOf(':');
  if (colon <= 0) return `${label}: expected ip:port, got ${JSON.stringify(v.slice(0, 60))}`;
  let ip = v.slice(0, colon);
  if (ip.charCodeAt(0) === 91 /* [ */ && ip.charCodeAt(ip.length - 1) === 93) ip = ip.slice(1, -1);
  const port = int(v.slice(colon + 1), label);
  if (typeof port === 'string' || port === null) {
    return `${label}: expected ip:port, got ${JSON.stringify(v.slice(0, 60))}`;
  }
  return [ip, port];
}

class AlbParser implements Parser {
  readonly name = 'alb';
  readonly dataset = 'alb';
  private readonly tokens: string[] = [];

  parse(message: string): ParseResult {
    const t = this.tokens;
    t.length = 0;
    const bad = tokenize(message, MAX_KNOWN_FIELDS, t);
    if (bad !== undefined) return fail(bad);
    if (t.length < MIN_FIELDS) {
      return fail(`expected at least ${MIN_FIELDS} fields (through trace_id), got ${t.length}`);
    }
    const type = t[0] as string;
    const requestTime = time(t[1] as string, 'field 2 (time)');
    if (typeof requestTime === 'string') return fail(requestTime);
    const client = endpoint(t[3] as string, 'field 4 (client:port)');
    if (typeof client === 'string') return fail(client);
    const target = endpoint(t[4] as string, 'field 5 (target:port)');
    if (typeof target === 'string') return fail(target);
    const reqT = seconds(t[5] as string, 'field 6 (request_processing_time)');
    if (typeof reqT === 'string') return fail(reqT);
    const tgtT = seconds(t[6] as string, 'field 7 (target_processing_time)');
    if (typeof tgtT === 'string') return fail(tgtT);
    const resT = seconds(t[7] as string, 'field 8 (response_processing_time)');
    if (typeof resT === 'string') return fail(resT);
    const elbStatus = int(t[8] as string, 'field 9 (elb_status_code)');
    if (typeof elbStatus === 'string') return fail(elbStatus);
    const targetStatus = int(t[9] as string, 'field 10 (target_status_code)');
    if (typeof targetStatus === 'string') return fail(targetStatus);
    const received = int(t[10] as string, 'field 11 (received_bytes)');
    if (typeof received === 'string') return fail(received);
    const sent = int(t[11] as string, 'field 12 (sent_bytes)');
    if (typeof sent === 'string') return fail(sent);
    const priority =
      t.length > 20 ? int(t[20] as string, 'field 21 (matched_rule_priority)') : null;
    if (typeof priority === 'string') return fail(priority);
    const creation =
      t.length > 21 ? time(t[21] as string, 'field 22 (request_creation_time)') : null;
    if (typeof creation === 'string') return fail(creation);

    const request = t[12] as string;
    const sp1 = request.indexOf(' ');
    const sp2 = request.lastIndexOf(' ');
    const hasParts = sp1 > 0 && sp2 > sp1;
    const fields: Record<string, unknown> = {
      type,
      request_time: requestTime,
      elb: str(t[2]),
      client_ip: client[0],
      client_port: client[1],
      target_ip: target[0],
      target_port: target[1],
      request_processing_time: reqT,
      target_processing_time: tgtT,
      response_processing_time: resT,
      elb_status_code: elbStatus,
      target_status_code: targetStatus,
      received_bytes: received,
      sent_bytes: sent,
      request: str(request),
      request_verb: hasParts ? str(request.slice(0, sp1)) : null,
      request_url: hasParts ? str(request.slice(sp1 + 1, sp2)) : null,
      request_proto: hasParts ? str(request.slice(sp2 + 1)) : null,
      user_agent: str(t[13]),
    };
    for (let k = 0; k < STRING_TAIL.length; k++) fields[STRING_TAIL[k] as string] = str(t[14 + k]);
    fields.matched_rule_priority = priority;
    fields.request_creation_time = creation;
    for (let k = 0; k < AFTER_CREATION.length; k++)
      fields[AFTER_CREATION[k] as string] = str(t[22 + k]);
    return ok('alb', fields);
  }
}

/**
 * Creates the ALB access log parser: every documented field; quoted fields
 * with `\"` escapes; IPv6 `client:port`; `-` is null; processing times of -1
 * are null; entries with fewer trailing fields (older) or more (newer) parse.
 *
 * @example
 * ```ts
 * const r = createAlbParser().parse(line, ctx);
 * if (r.ok) console.log(r.fields.elb_status_code, r.fields.target_processing_time);
 * ```
 */
export function createAlbParser(): Parser {
  return new AlbParser();
}

const ALB_START = /^(?:https?|h2|grpcs|wss?) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

/**
 * True for a line that starts like an ALB access log entry (type, then an ISO time).
 *
 * @example
 * ```ts
 * looksLikeAlb('https 2026-01-01T00:00:00.000000Z app/web/50dc6c495c0c9188 …'); // true
 * ```
 */
export function looksLikeAlb(message: string): boolean {
  const c = message.charCodeAt(0);
  return (c === 104 || c === 119 || c === 103) && ALB_START.test(message);
}
