import type { GeneratedLine, Rng } from './rng.js';

const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'curl/8.5.0',
  'aws-sdk-js/3.500.0 ua/2.0 os/linux lang/js md/nodejs#20.11.0',
  'Go-http-client/2.0',
  'python-requests/2.31.0',
];
const PATHS = [
  '/',
  '/api/orders',
  '/api/orders/1234',
  '/health',
  '/static/app.js',
  '/login?next=%2Fhome',
];
const CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256'];

function isoMicros(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/**
 * A realistic ALB access log entry (http/https/h2, IPv4 and IPv6 clients,
 * user agents with escaped quotes, -1 times, 2xx–5xx) and the fields the
 * parser must return.
 *
 * @example
 * ```ts
 * const { message, fields } = generateAlbLine(new Rng(1), Date.UTC(2026, 0, 1));
 * ```
 */
export function generateAlbLine(rng: Rng, timeMs: number): GeneratedLine {
  const type = rng.pick(['http', 'https', 'https', 'h2']);
  const tls = type !== 'http';
  const elb = `app/web-${rng.pick(['prod', 'stage'])}/${rng.hex(16)}`;
  const v6 = rng.chance(0.15);
  const clientIp = v6 ? rng.ipv6() : rng.ipv4();
  const clientPort = rng.int(1024, 65535);
  const failed = rng.chance(0.05);
  const targetIp = failed ? null : rng.ipv4(10);
  const targetPort = failed ? null : rng.pick([80, 8080, 3000]);
  const reqT = failed ? null : rng.int(0, 3) / 1000;
  const tgtT = failed ? null : rng.int(1, 2500) / 1000;
  const resT = failed ? null : rng.int(0, 2) / 1000;
  const elbStatus = failed
    ? rng.pick([502, 503, 504])
    : rng.pick([200, 200, 200, 201, 204, 301, 304, 400, 404, 500]);
  const targetStatus = failed ? null : elbStatus;
  const received = rng.int(100, 4000);
  const sent = rng.int(0, 200_000);
  const verb = rng.pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']);
  const host = rng.pick(['www.example.com', 'api.example.com']);
  const url = `${tls ? 'https' : 'http'}://${host}:${tls ? 443 : 80}${rng.pick(PATHS)}`;
  const proto = type === 'h2' ? 'HTTP/2.0' : 'HTTP/1.1';
  const agent = rng.chance(0.05) ? 'Mozilla/5.0 (compatible; "quoted" bot)' : rng.pick(AGENTS);
  const cipher = tls ? rng.pick(CIPHERS) : null;
  const protocol = tls ? 'TLSv1.2' : null;
  const account = '123456789012';
  const tg = `arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/web/${rng.hex(16)}`;
  const trace = `Root=1-${Math.floor(timeMs / 1000).toString(16)}-${rng.hex(24)}`;
  const cert = tls ? `arn:aws:acm:us-east-1:${account}:certificate/${rng.uuid()}` : null;
  const priority = rng.pick([0, 1, 10]);
  const creationMs = timeMs - rng.int(1, 3000);
  const newer = rng.chance(0.5);
  const connTrace = `TID_${rng.hex(32)}`;
  const q = (v: string | null) =>
    `"${v === null ? '-' : v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const d = (v: string | number | null) => (v === null ? '-' : String(v));
  const t = (v: number | null) => (v === null ? '-1' : v.toFixed(3));
  const parts = [
    type,
    isoMicros(timeMs, rng.int(0, 999)),
    elb,
    v6 && rng.chance(0.5) ? `[${clientIp}]:${clientPort}` : `${clientIp}:${clientPort}`,
    targetIp === null ? '-' : `${targetIp}:${targetPort}`,
    t(reqT),
    t(tgtT),
    t(resT),
    d(elbStatus),
    d(targetStatus),
    d(received),
    d(sent),
    q(`${verb} ${url} ${proto}`),
    q(agent),
    d(cipher),
    d(protocol),
    tg,
    q(trace),
    q(tls ? host : null),
    q(cert),
    d(priority),
    isoMicros(creationMs, rng.int(0, 999)),
    q('forward'),
    q(null),
    q(failed ? 'TargetConnectionError' : null),
    q(targetIp === null ? null : `${targetIp}:${targetPort}`),
    q(targetStatus === null ? null : String(targetStatus)),
    q(null),
    q(null),
  ];
  if (newer) parts.push(connTrace, q(null), q(null), q(null));
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
    user_agent: agent,
    ssl_cipher: cipher,
    ssl_protocol: protocol,
    target_group_arn: tg,
    trace_id: trace,
    domain_name: tls ? host : null,
    chosen_cert_arn: cert,
    matched_rule_priority: priority,
    request_creation_time: creationMs,
    actions_executed: 'forward',
    redirect_url: null,
    error_reason: failed ? 'TargetConnectionError' : null,
    target_port_list: targetIp === null ? null : `${targetIp}:${targetPort}`,
    target_status_code_list: targetStatus === null ? null : String(targetStatus),
    classification: null,
    classification_reason: null,
    conn_trace_id: newer ? connTrace : null,
    transformed_host: null,
    transformed_uri: null,
    request_transform_status: null,
  };
  return { message: parts.join(' '), fields };
}
