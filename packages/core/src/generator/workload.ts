import type { CwlEnvelope } from '../decode/envelope.js';
import { ConfigError } from '../errors.js';
import type { MetricRecord } from '../model.js';
import { generateAlbLine } from './alb.js';
import { generateAppLine } from './app.js';
import { generateCloudTrailEvent } from './cloudtrail.js';
import { generateLambdaInvocation } from './lambda.js';
import { type GeneratedLine, Rng } from './rng.js';
import { generateVpcFlowLine } from './vpc-flow.js';

/** The kinds of payload the workload generator produces. */
export const WORKLOAD_FORMATS = [
  'vpc_flow',
  'alb',
  'cloudtrail',
  'lambda',
  'lambda_json',
  'app_json',
  'emf',
  'logfmt',
  'text',
] as const;
export type WorkloadFormat = (typeof WORKLOAD_FORMATS)[number];

/** Options of {@link generateWorkload}. */
export interface WorkloadOptions {
  /** Total number of log events. */
  events: number;
  /** PRNG seed; the same seed always yields the same workload. Default 1. */
  seed?: number | undefined;
  /** Formats to mix (each payload has one). Default: all. */
  formats?: readonly WorkloadFormat[] | undefined;
  /** Events per payload: a fixed number or an inclusive [min, max] range. Default [1, 100]. */
  eventsPerPayload?: number | readonly [number, number] | undefined;
  /** Time of the first event, epoch ms. Default 2026-01-01T00:00:00Z. */
  startTime?: number | undefined;
  /** Mean time between events, ms. Default 50. */
  eventIntervalMs?: number | undefined;
}

/** One generated event and what parsing it must give back. */
export interface GeneratedEvent {
  id: string;
  timestamp: number;
  message: string;
  /** The dataset the event belongs to. */
  dataset: string;
  /** The fields its parser must return (all or a subset of the dataset's columns). */
  fields: Record<string, unknown>;
  /** The metric records it must yield, if any. */
  metrics?: MetricRecord[] | undefined;
}

/** One generated subscription payload. */
export interface GeneratedPayload {
  format: WorkloadFormat;
  envelope: CwlEnvelope;
  expected: GeneratedEvent[];
}

const ACCOUNTS = ['123456789012', '210987654321', '555555555555'];

const DATASET_OF: Record<WorkloadFormat, string> = {
  vpc_flow: 'vpc_flow',
  alb: 'alb',
  cloudtrail: 'cloudtrail',
  lambda: 'lambda',
  lambda_json: 'lambda',
  app_json: 'app',
  emf: 'app',
  logfmt: 'app',
  text: 'app',
};

function logGroupFor(format: WorkloadFormat, rng: Rng): string {
  switch (format) {
    case 'vpc_flow':
      return rng.pick(['/aws/vpc/flowlogs/prod', 'vpc-flow-logs-staging']);
    case 'alb':
      // No naming convention: the classifier must recognise these by content.
      return rng.pick(['edge-traffic', 'web-frontend-requests']);
    case 'cloudtrail':
      return `aws-cloudtrail-logs-${rng.pick(ACCOUNTS)}-${rng.hex(8)}`;
    case 'lambda':
    case 'lambda_json':
      return `/aws/lambda/${rng.pick(['orders-api', 'thumbnailer', 'billing-worker'])}`;
    case 'emf':
      return rng.pick(['/ecs/checkout', '/ecs/metrics-app']);
    default:
      return rng.pick(['/ecs/checkout', '/ecs/inventory', 'payments-service', 'batch-jobs']);
  }
}

function logStreamFor(format: WorkloadFormat, rng: Rng, time: number): string {
  if (format === 'lambda' || format === 'lambda_json') {
    const d = new Date(time);
    const date = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    return `${date}/[${rng.pick(['$LATEST', '7', '12'])}]${rng.hex(32)}`;
  }
  if (format === 'vpc_flow') return `eni-${rng.hex(17)}-all`;
  return `${rng.pick(['web', 'worker', 'api'])}/${rng.hex(12)}`;
}

function linesFor(
  format: WorkloadFormat,
  rng: Rng,
  time: number,
  envelope: CwlEnvelope,
): Array<GeneratedLine & { metrics?: MetricRecord[] | undefined }> {
  switch (format) {
    case 'vpc_flow':
      return [generateVpcFlowLine(rng, time)];
    case 'alb':
      return [generateAlbLine(rng, time)];
    case 'cloudtrail':
      return [generateCloudTrailEvent(rng, time)];
    case 'lambda':
    case 'lambda_json':
      return generateLambdaInvocation(rng, time, {
        json: format === 'lambda_json',
        functionName: envelope.logGroup.slice('/aws/lambda/'.length),
        functionVersion: /^\d{4}\/\d{2}\/\d{2}\/\[([^\]]+)\]/.exec(envelope.logStream)?.[1],
        logStream: envelope.logStream,
      });
    case 'app_json':
      return [generateAppLine(rng, time, 'json')];
    case 'emf':
      return [generateAppLine(rng, time, 'emf')];
    case 'logfmt':
      return [generateAppLine(rng, time, 'logfmt')];
    case 'text':
      return [generateAppLine(rng, time, 'text')];
  }
}

/** A 56-digit event id that sorts with time, like CloudWatch's. */
function eventId(rng: Rng, time: number, seq: number): string {
  return `3${String(time).padStart(15, '0')}${String(seq).padStart(8, '0')}${rng.digits(32)}`;
}

/**
 * A deterministic, seeded stream of realistic CloudWatch Logs subscription
 * payloads in every supported format, with the parse results each event must give.
 *
 * @example
 * ```ts
 * for (const p of generateWorkload({ events: 1000, seed: 7 })) {
 *   const bytes = gzipEnvelope(p.envelope);
 * }
 * ```
 * @throws ConfigError for invalid options.
 */
export function* generateWorkload(options: WorkloadOptions): Generator<GeneratedPayload> {
  const { events } = options;
  if (!Number.isSafeInteger(events) || events < 0) {
    throw new ConfigError(`events must be a non-negative integer, got ${String(events)}`);
  }
  const formats = options.formats ?? WORKLOAD_FORMATS;
  if (formats.length === 0) throw new ConfigError('formats must not be empty');
  for (const f of formats) {
    if (!WORKLOAD_FORMATS.includes(f)) {
      throw new ConfigError(
        `unknown workload format ${JSON.stringify(f)}; known: ${WORKLOAD_FORMATS.join(', ')}`,
      );
    }
  }
  const per = options.eventsPerPayload ?? [1, 100];
  const [minPer, maxPer] = typeof per === 'number' ? [per, per] : per;
  if (
    !Number.isSafeInteger(minPer) ||
    !Number.isSafeInteger(maxPer) ||
    minPer < 1 ||
    maxPer < minPer
  ) {
    throw new ConfigError(
      `eventsPerPayload must be a positive integer or a [min, max] range, got ${JSON.stringify(per)}`,
    );
  }
  const interval = options.eventIntervalMs ?? 50;
  const rng = new Rng(options.seed ?? 1);
  let time = options.startTime ?? Date.UTC(2026, 0, 1);
  let produced = 0;
  let seq = 0;
  while (produced < events) {
    const format = rng.pick(formats);
    const want = Math.min(events - produced, rng.int(minPer, maxPer));
    const logGroup = logGroupFor(format, rng);
    const envelope: CwlEnvelope = {
      messageType: 'DATA_MESSAGE',
      owner:
        format === 'cloudtrail' ? (logGroup.split('-')[3] ?? '123456789012') : rng.pick(ACCOUNTS),
      logGroup,
      logStream: logStreamFor(format, rng, time),
      subscriptionFilters: ['logpipe'],
      logEvents: [],
    };
    const expected: GeneratedEvent[] = [];
    while (expected.length < want) {
      for (const line of linesFor(format, rng, time, envelope)) {
        if (expected.length >= want) break;
        const id = eventId(rng, time, seq++);
        envelope.logEvents.push({ id, timestamp: time, message: line.message });
        expected.push({
          id,
          timestamp: time,
          message: line.message,
          dataset: DATASET_OF[format],
          fields: line.fields,
          metrics: line.metrics,
        });
      }
      // At least 1 ms apart: one log stream (a Lambda execution environment) never reports
      // two invocations in the same millisecond.
      time += Math.max(1, rng.int(0, interval * 2));
    }
    produced += expected.length;
    yield { format, envelope, expected };
  }
}
