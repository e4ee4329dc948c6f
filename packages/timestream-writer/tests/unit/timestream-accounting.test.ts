import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import {
  createClassifier,
  generateWorkload,
  type MetricRecord,
  processEnvelope,
  type WorkloadFormat,
} from '@logpipe/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterSink } from '../../src/dead-letter.js';
import { packMetrics } from '../../src/timestream/pack.js';
import { createTimestreamWriter } from '../../src/timestream/writer.js';
import {
  type FakeTimestreamServer,
  type MergedRecord,
  startTimestreamServer,
} from '../support/timestream-server.js';

/**
 * Accounting under injected faults: for generated EMF and Lambda REPORT traffic, every
 * MetricRecord ends ingested or dead-lettered with its reason, and the counts match what
 * the faults imply — computed from the input alone, not from the writer.
 *
 * Faults are keyed on record time (all MetricRecords merged into one Timestream record share
 * it), so the fate of each MetricRecord is known in advance:
 *   time % 17 === 0 → rejected as invalid
 *   time % 13 === 0 → version conflict (once per record)
 *   time % 11 === 0 → outside the memory store (once per record)
 * (first matching rule wins, as in the server), plus whole-call throttling, 5xx and
 * connection resets that retries absorb, plus records that break quotas before sending.
 */

const NOW = Date.UTC(2026, 0, 2, 12);
const START = NOW - 3_600_000;
const credentials = { accessKeyId: 'AKIDLOGPIPETEST', secretAccessKey: 'not-a-secret' };

type Fate = 'invalid' | 'version' | 'memory-store' | 'ok';

function fateOf(time: number): Fate {
  if (time % 17 === 0) return 'invalid';
  if (time % 13 === 0) return 'version';
  if (time % 11 === 0) return 'memory-store';
  return 'ok';
}

function traffic(formats: readonly WorkloadFormat[], events: number, seed: number): MetricRecord[] {
  const classifier = createClassifier();
  const out: MetricRecord[] = [];
  for (const p of generateWorkload({
    events,
    seed,
    formats,
    startTime: START,
    eventIntervalMs: 37,
  })) {
    for (const m of processEnvelope(p.envelope, classifier).metrics) out.push(m);
  }
  return out;
}

/** Records no service should see: each breaks a quota. */
function broken(): MetricRecord[] {
  return [
    { time: NOW + 3_600_000, measureName: 'MyApp', dimensions: {}, measures: { x: { value: 1 } } },
    { time: START, measureName: 'MyApp', dimensions: { ts_x: 'a' }, measures: { x: { value: 1 } } },
    { time: START, measureName: 'MyApp', dimensions: {}, measures: { time: { value: 1 } } },
    { time: START, measureName: 'MyApp', dimensions: {}, measures: { x: { value: Number.NaN } } },
  ];
}

class MemorySink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async write(letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
  describe(): string {
    return 'memory://';
  }
}

let server: FakeTimestreamServer;

beforeAll(async () => {
  server = await startTimestreamServer({
    now: () => NOW,
    tables: [
      { database: 'logpipe', table: 'plain', memoryStoreRetentionHours: 6 },
      {
        database: 'logpipe',
        table: 'magnetic',
        memoryStoreRetentionHours: 6,
        magneticStoreRetentionDays: 30,
        enableMagneticStoreWrites: true,
      },
    ],
  });
});

afterAll(() => server.close());
afterEach(() => server.reset());

function injectFaults(): number {
  const byFate = (fate: Fate) => (r: MergedRecord) => fateOf(r.time) === fate;
  server.rejectRecords({ kind: 'invalid', match: byFate('invalid') });
  server.rejectRecords({ kind: 'version', match: byFate('version'), oncePerRecord: true });
  server.rejectRecords({
    kind: 'memory-store',
    match: byFate('memory-store'),
    oncePerRecord: true,
  });
  server.failCalls({ kind: 'throttle', times: 3 });
  server.failCalls({ kind: 'internal', times: 2 });
  server.failCalls({ kind: 'reset', times: 2 });
  return 7;
}

function writerFor(
  table: string,
  sink: DeadLetterSink,
  extra: { upsert?: boolean; magnetic?: boolean },
) {
  return createTimestreamWriter({
    client: new TimestreamWriteClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials,
      maxAttempts: 1,
    }),
    database: 'logpipe',
    table,
    deadLetters: sink,
    maxAttempts: 10,
    maxConcurrency: 4,
    sleep: async () => {},
    now: () => NOW,
    upsert: extra.upsert,
    magneticStore: extra.magnetic === true ? { retentionDays: 30 } : false,
  });
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

/** Every ingested MetricRecord's measures are stored under its series and time. */
function expectStored(ingested: readonly MetricRecord[]): void {
  const stored = new Map<string, Set<string>>();
  for (const r of server.stored.values()) {
    const dims = [...r.dimensions].sort((a, b) => (a.name < b.name ? -1 : 1));
    const k = JSON.stringify([r.measureName, r.time, dims.map((d) => [d.name, d.value])]);
    stored.set(k, new Set(r.measureValues.map((m) => m.name)));
  }
  for (const m of ingested) {
    const dims = Object.entries(m.dimensions)
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const names = stored.get(JSON.stringify([m.measureName, m.time, dims]));
    expect(names, `stored record for ${m.measureName} @ ${m.time}`).toBeDefined();
    for (const [name, measure] of Object.entries(m.measures)) {
      const wanted = Array.isArray(measure.value) ? `${name}_sum` : name;
      expect(names?.has(wanted)).toBe(true);
    }
  }
}

describe('accounting under injected faults', () => {
  for (const [label, formats] of [
    ['EMF', ['emf']],
    ['Lambda REPORT', ['lambda', 'lambda_json']],
    ['EMF and REPORT mixed', ['emf', 'lambda', 'lambda_json']],
  ] as const) {
    it(`${label}, upsert off, no magnetic path: every record ingested or dead-lettered with its reason, counts exact`, async () => {
      const bad = broken();
      const metrics = [...traffic(formats, 2000, 11), ...bad];
      const retries = injectFaults();
      const sink = new MemorySink();
      const writer = writerFor('plain', sink, {});

      const summary = await writer.write(metrics);

      // What the input alone says must happen.
      const pre = packMetrics(metrics, { now: NOW }).rejected;
      const preSet = new Set(pre.map((l) => l.record));
      const sendable = metrics.filter((m) => !preSet.has(m));
      const fates = count(sendable, (m) => fateOf(m.time));
      const expected: Record<string, number> = {
        ...count(pre, (l) => l.code),
        ...(fates.invalid ? { REJECTED_INVALID: fates.invalid } : {}),
        ...(fates.version ? { REJECTED_VERSION_CONFLICT: fates.version } : {}),
        ...(fates['memory-store'] ? { REJECTED_OUTSIDE_RETENTION: fates['memory-store'] } : {}),
      };
      expect(fates.ok).toBeGreaterThan(100);
      // The broken records, plus any same-millisecond collisions in the traffic (two REPORTs
      // of one function version in one millisecond: DUPLICATE_MEASURE).
      expect(bad.every((m) => preSet.has(m))).toBe(true);
      expect(pre.every((l) => l.code === 'DUPLICATE_MEASURE' || bad.includes(l.record))).toBe(true);

      expect(count(sink.letters, (l) => l.code)).toEqual(expected);
      expect(summary.ingested).toBe(fates.ok);
      expect(summary.ingested + summary.deadLettered).toBe(metrics.length);
      const stats = writer.stats;
      expect(stats.recordsIn).toBe(metrics.length);
      expect(stats.ingested.total + stats.deadLettered.total).toBe(stats.recordsIn);
      expect(stats.pending).toBe(0);
      expect(stats.failed).toBe(0);
      expect(stats.retried.requests).toBe(retries);
      for (const [code, n] of Object.entries(expected)) {
        expect(stats.deadLettered.byCode[code as keyof typeof stats.deadLettered.byCode]).toBe(n);
      }
      // Each MetricRecord is in exactly one place, and every dead letter keeps its reason.
      const lettered = new Set(sink.letters.map((l) => l.record));
      expect(lettered.size).toBe(sink.letters.length);
      for (const l of sink.letters) expect(l.reason.length).toBeGreaterThan(10);
      const ingested = metrics.filter((m) => !lettered.has(m));
      expect(ingested.every((m) => fateOf(m.time) === 'ok')).toBe(true);
      expectStored(ingested);
      expect(stats.writeUnits).toBe(server.meteredWriteUnits);
    });
  }

  it('EMF and REPORT mixed, upsert on, magnetic path: conflicts are upserted, outside-memory records rerouted, only invalid ones dead-lettered', async () => {
    const metrics = [...traffic(['emf', 'lambda', 'lambda_json'], 2000, 23), ...broken()];
    const retries = injectFaults();
    const sink = new MemorySink();
    const writer = writerFor('magnetic', sink, { upsert: true, magnetic: true });

    const summary = await writer.write(metrics);

    const pre = packMetrics(metrics, { now: NOW, magneticStore: { retentionDays: 30 } }).rejected;
    const preSet = new Set(pre.map((l) => l.record));
    const sendable = metrics.filter((m) => !preSet.has(m));
    const fates = count(sendable, (m) => fateOf(m.time));
    expect(count(sink.letters, (l) => l.code)).toEqual({
      ...count(pre, (l) => l.code),
      REJECTED_INVALID: fates.invalid,
    });
    const stats = writer.stats;
    expect(stats.upserted).toBe(fates.version);
    expect(stats.rerouted).toBe(fates['memory-store']);
    expect(stats.rejected.REJECTED_VERSION_CONFLICT).toBe(fates.version);
    expect(stats.rejected.REJECTED_OUTSIDE_RETENTION).toBe(fates['memory-store']);
    expect(stats.retried.requests).toBe(retries);
    expect(summary.ingested).toBe(
      (fates.ok ?? 0) + (fates.version ?? 0) + (fates['memory-store'] ?? 0),
    );
    expect(stats.ingested.magnetic).toBe(fates['memory-store']);
    expect(stats.ingested.total + stats.deadLettered.total).toBe(metrics.length);
    expect(stats.pending).toBe(0);
    const lettered = new Set(sink.letters.map((l) => l.record));
    expectStored(metrics.filter((m) => !lettered.has(m)));
    expect(stats.writeUnits).toBe(server.meteredWriteUnits);
  });
});
