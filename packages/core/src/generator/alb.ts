import type { GeneratedLine, Rng } from './rng.js';

const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'curl/8.5.0',
  'aws-sdk-js/3.500.0 ua/2.0 os/linux lang/js md/nodejs#20.11.0',
  'Go-http-client/2.0',
  'python-requests/2.31.0',
  'ELB-HealthChecker/2.0',
];
/** User agents with characters ALB escapes in quoted fields. */
const ODD_AGENTS = [
  'Mozilla/5.0 (compatible; "quoted" bot; +https://example.com/bot)',
  'scanner\\v2 "probe"',
  '',
];
const PATHS = [
  '/',
  '/api/orders',
  '/api/orders/1234',
  '/health',
  '/static/app.js',
  '/login?next=%2Fhome',
  '/search?q=a%20b&page=2',
];
const CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256'];
const TLS_PROTOCOLS = ['TLSv1.2', 'TLSv1.3'];

/** `2026-01-01T00:00:00.123456Z`: ms from `ms`, three more digits from `micros`. */
function isoMicros(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** A quoted field as ALB writes it: `-` for none, `"` and `\` escaped. */
function q(v: string | null): string {
  return `"${v === null ? '-' : v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function d(v: string | number | null): string {
  return v === null ? '-' : String(v);
}

/** Processing time as ALB writes it; null is -1. */
function secs(v: number | null): string {
  return v === null ? '-1' : v.toFixed(3);
}

/**
 * A realistic ALB access log entry and the fields the parser must return:
 * http/https/h2 (a few grpcs/wss), IPv4 and IPv6 clients, forwards, redirects,
 * fixed responses and target failures (-1 times, no target), user agents with
 * escaped quotes, 2xx–5xx statuses; mostly current 33-field entries, some older
 * ones that stop after `trace_id`, `classification_reason` or `conn_trace_id`,
 * and a few with an extra field appended (which the parser ignores).
 *
 * @example
 * ```ts
 * const { message, fields } = generateAlbLine(new Rng(1), Date.UTC(2026, 0, 1));
 * createAlbParser().parse(message, ctx); // { ok: true, fields } (same fields)
 * ```
 */
export function generateAlbLine(rng: Rng, timeMs: number): GeneratedLine {
  const type = rng.chance(0.04)
    ? rng.pick(['grpcs', 'wss'])
    : rng.pick(['http', 'https', 'https', 'h2']);
  const tls = type !== 'http';
  const region = rng.pick(['us-east-1', 'eu-west-1']);
  const account = '123456789012';
  const elb = `app/web-${rng.pick(['prod', 'stage'])}/${rng.hex(16)}`;
  const v6 = rng.chance(0.15);
  const clientIp = v6 ? rng.ipv6() : rng.ipv4();
  const clientPort = rng.int(1024, 65535);

  const roll = rng.next();
  const kind =
    roll < 0.05 ? 'redirect' : roll < 0.08 ? 'fixed' : roll < 0.12 ? 'failed' : 'forward';
  const reachesTarget = kind === 'forward';
  const targetIp = reachesTarget ? rng.ipv4(10) : null;
  const targetPort = reachesTarget ? rng.pick([80, 8080, 3000]) : null;
  const reqT = kind === 'failed' ? null : rng.int(0, 3) / 1000;
  const tgtT = reachesTarget ? rng.int(1, 2500) / 1000 : null;
  const resT = kind === 'failed' ? null : rng.int(0, 2) / 1000;
  const elbStatus =
    kind === 'redirect'
      ? rng.pick([301, 302])
      : kind === 'fixed'
        ? rng.pick([200, 404, 503])
        : kind === 'failed'
          ? rng.pick([502, 503, 504])
          : rng.pick([200, 200, 200, 201, 204, 304, 400, 401, 404, 500]);
  const targetStatus = reachesTarget ? elbStatus : null;
  const received = rng.int(100, 4000);
  const sent = kind === 'failed' ? rng.int(0, 300) : rng.int(0, 200_000);
  const verb = rng.pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']);
  const host = rng.pick(['www.example.com', 'api.example.com']);
  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://${host}:${tls ? 443 : 80}${rng.pick(PATHS)}`;
  const proto = type === 'h2' || type === 'grpcs' ? 'HTTP/2.0' : 'HTTP/1.1';
  const agent = rng.chance(0.05) ? rng.pick(ODD_AGENTS) : rng.pick(AGENTS);
  const cipher = tls ? rng.pick(CIPHERS) : null;
  const tlsProtocol = tls ? rng.pick(TLS_PROTOCOLS) : null;
  const tg = `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/web/${rng.hex(16)}`;
  const trace = `Root=1-${Math.floor(timeMs / 1000).toString(16)}-${rng.hex(24)}`;
  const cert = tls ? `arn:aws:acm:${region}:${account}:certificate/${rng.uuid()}` : null;
  const priority = rng.pick([0, 1, 10, 50000]);
  const waf = rng.chance(0.2);
  const actions = `${waf ? 'waf,' : ''}${kind === 'fixed' ? 'fixed-response' : kind === 'redirect' ? 'redirect' : 'forward'}`;
  const redirect = kind === 'redirect' ? `https://${host}:443/` : null;
  const errorReason = kind === 'failed' && rng.chance(0.3) ? 'LambdaUnhandled' : null;
  const spentMs = Math.round(((reqT ?? 0) + (tgtT ?? 0) + (resT ?? 0)) * 1000);
  const creationMs = timeMs - spentMs - rng.int(0, 2);
  const connTrace = `TID_${rng.hex(32)}`;
  const transformed = rng.chance(0.1);
  const bracketed = v6 && rng.chance(0.2);

  const parts = [
    type,
    isoMicros(timeMs, rng.int(0, 999)),
    elb,
    bracketed ? `[${clientIp}]:${clientPort}` : `${clientIp}:${clientPort}`,
    targetIp === null ? '-' : `${targetIp}:${targetPort}`,
    secs(reqT),
    secs(tgtT),
    secs(resT),
    d(elbStatus),
    d(targetStatus),
    d(received),
    d(sent),
    q(`${verb} ${url} ${proto}`),
    q(agent),
    d(cipher),
    d(tlsProtocol),
    tg,
    q(trace),
    q(tls ? host : null),
    q(cert),
    d(priority),
    isoMicros(creationMs, rng.int(0, 999)),
    q(actions),
    q(redirect),
    q(errorReason),
    q(targetIp === null ? null : `${targetIp}:${targetPort}`),
    q(targetStatus === null ? null : String(targetStatus)),
    q(null),
    q(null),
    connTrace,
    q(transformed ? `internal.${host}` : null),
    q(transformed ? '/v2/api' : null),
    q(transformed ? 'TransformSucceeded' : null),
  ];
  // Older entries stop early; newer ones may carry fields we do not know yet.
  const shape = rng.next();
  const count = shape < 0.05 ? 18 : shape < 0.1 ? 29 : shape < 0.2 ? 30 : parts.length;
  parts.length = count;
  if (count === 33 && rng.chance(0.05)) parts.push(rng.ipv4(10));
  const has = (i: number) => i < count;

  const fields: Record<string, unknown> = {
    type,
    request_time: timeMs,
    elb,
    client_ip: clientIp,
    client_port: clientPort,
    target_ip: targetIp,
    target_port: targetPort,
    request_processing_time: reqT,
    target_processing_time: tgtT,
    response_processing_time: resT,
    elb_status_code: elbStatus,
    target_status_code: targetStatus,
    received_bytes: received,
    sent_bytes: sent,
    request: `${verb} ${url} ${proto}`,
    request_verb: verb,
    request_url: url,
    request_proto: proto,
    user_agent: agent === '' ? null : agent,
    ssl_cipher: cipher,
    ssl_protocol: tlsProtocol,
    target_group_arn: tg,
    trace_id: trace,
    domain_name: has(18) && tls ? host : null,
    chosen_cert_arn: has(19) ? cert : null,
    matched_rule_priority: has(20) ? priority : null,
    request_creation_time: has(21) ? creationMs : null,
    actions_executed: has(22) ? actions : null,
    redirect_url: has(23) ? redirect : null,
    error_reason: has(24) ? errorReason : null,
    target_port_list: has(25) && targetIp !== null ? `${targetIp}:${targetPort}` : null,
    target_status_code_list: has(26) && targetStatus !== null ? String(targetStatus) : null,
    classification: null,
    classification_reason: null,
    conn_trace_id: has(29) ? connTrace : null,
    transformed_host: has(30) && transformed ? `internal.${host}` : null,
    transformed_uri: has(31) && transformed ? '/v2/api' : null,
    request_transform_status: has(32) && transformed ? 'TransformSucceeded' : null,
  };
  return { message: parts.join(' '), fields };
}
