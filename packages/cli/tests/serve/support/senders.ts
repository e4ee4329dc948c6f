/**
 * Senders that speak like Firehose (HTTP endpoint delivery spec 1.0) and like Fluent Bit's
 * `http` output (`format json_lines`), plus a retrying Firehose sender that resends an
 * unacknowledged request with the same request id and body, as Firehose does.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { generateWorkload, gzipEnvelope, type WorkloadFormat } from '@logpipe/core';

/** One Firehose request ready to send, with the event ids its payloads carry. */
export interface FirehoseRequest {
  requestId: string;
  /** The gzip body as sent on the wire. */
  body: Buffer;
  eventIds: string[];
}

/** An HTTP answer. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Builds Firehose requests over a seeded workload: `requests` requests of `payloadsPerRequest`
 * CloudWatch Logs payloads each (gzip JSON envelopes, base64 in `records[].data`).
 */
export function firehoseRequests(options: {
  requests: number;
  payloadsPerRequest: number;
  eventsPerPayload?: number | readonly [number, number];
  seed?: number;
  prefix?: string;
  formats?: readonly WorkloadFormat[];
  startTime?: number;
}): FirehoseRequest[] {
  const total = options.requests * options.payloadsPerRequest;
  const per = options.eventsPerPayload ?? [1, 20];
  const avg = typeof per === 'number' ? per : (per[0] + per[1]) / 2;
  const payloads = [
    ...generateWorkload({
      events: Math.ceil(total * avg * 1.2) + 10,
      seed: options.seed ?? 1,
      eventsPerPayload: per,
      formats: options.formats,
      startTime: options.startTime,
    }),
  ];
  if (payloads.length < total) throw new Error(`workload too small: ${payloads.length} < ${total}`);
  const out: FirehoseRequest[] = [];
  for (let i = 0; i < options.requests; i++) {
    const slice = payloads.slice(
      i * options.payloadsPerRequest,
      (i + 1) * options.payloadsPerRequest,
    );
    const requestId = `${options.prefix ?? 'req'}-${i}`;
    out.push({
      requestId,
      body: gzipSync(
        JSON.stringify({
          requestId,
          timestamp: Date.now(),
          records: slice.map((p) => ({ data: gzipEnvelope(p.envelope).toString('base64') })),
        }),
      ),
      eventIds: slice.flatMap((p) => p.envelope.logEvents.map((e) => e.id)),
    });
  }
  return out;
}

/** POSTs raw bytes with headers; resolves with the answer, rejects on a connection error. */
export function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer | string,
  options: { agent?: false } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends one Firehose request as Firehose does (gzip, spec headers, access key). */
export function sendFirehose(
  port: number,
  r: FirehoseRequest,
  accessKey = 'test-key',
  path = '/firehose',
): Promise<Answer> {
  return post(
    `http://127.0.0.1:${port}${path}`,
    {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-request-id': r.requestId,
      'x-amz-firehose-access-key': accessKey,
      'x-amz-firehose-source-arn': 'arn:aws:firehose:us-east-1:123456789012:deliverystream/logpipe',
    },
    r.body,
  );
}

/** A Fluent Bit `json_lines` body (FireLens-style records with a `date` double). */
export function fluentBitBody(records: Array<Record<string, unknown>>): string {
  return `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
}

/** Sends a Fluent Bit body as its `http` output does (`application/x-ndjson`, gzip optional). */
export function sendFluentBit(
  port: number,
  body: string,
  options: { gzip?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson',
    'user-agent': 'Fluent-Bit',
    ...options.headers,
  };
  if (options.gzip === true) headers['content-encoding'] = 'gzip';
  return post(
    `http://127.0.0.1:${port}/fluent-bit`,
    headers,
    options.gzip === true ? gzipSync(body) : body,
  );
}

/** What a retrying sender saw. */
export interface RetryReport {
  /** Attempts per request id. */
  attempts: Map<string, number>;
  /** Statuses and connection errors seen, counted. */
  outcomes: Map<string, number>;
}

/**
 * Sends every request until it is answered 200, resending the same request id and body after
 * any other answer or a connection error (as Firehose does), `concurrency` at a time, to the
 * port `target()` names at each attempt (so a restarted sidecar on a new port is found).
 */
export async function sendUntilAcknowledged(
  requests: readonly FirehoseRequest[],
  target: () => number,
  options: {
    concurrency: number;
    retryDelayMs: number;
    deadlineMs: number;
    onAck?: (n: number) => void;
  },
): Promise<RetryReport> {
  const report: RetryReport = { attempts: new Map(), outcomes: new Map() };
  const until = Date.now() + options.deadlineMs;
  let next = 0;
  let acked = 0;
  const count = (k: string): void => {
    report.outcomes.set(k, (report.outcomes.get(k) ?? 0) + 1);
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= requests.length) return;
      const r = requests[i] as FirehoseRequest;
      for (;;) {
        if (Date.now() > until) throw new Error(`request ${r.requestId} not acknowledged in time`);
        report.attempts.set(r.requestId, (report.attempts.get(r.requestId) ?? 0) + 1);
        try {
          const a = await sendFirehose(target(), r);
          count(String(a.status));
          if (a.status === 200) {
            acked++;
            options.onAck?.(acked);
            break;
          }
        } catch (err) {
          count((err as { code?: string }).code ?? 'error');
        }
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return report;
}
