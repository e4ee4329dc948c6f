// The pool runs worker threads from the built package (dist/pool-worker.*): these tests
// import the built ESM entry (`pnpm turbo run build` first; the README's test command does).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type * as Core from '../../src/index.js';
import { fixture } from '../fixtures.js';

const core = (await import(
  fileURLToPath(new URL('../../dist/index.js', import.meta.url))
)) as typeof Core;
const { createWorkerPool, createDecoder, createClassifier, processEnvelope, generateWorkload } =
  core;

type Input = Core.PoolInput;

const pools: Core.WorkerPool[] = [];
function pool(options: Core.WorkerPoolOptions): Core.WorkerPool {
  const p = createWorkerPool(options);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const HOUR_EDGE = Date.UTC(2026, 10, 26, 9, 59, 0);

/**
 * A mixed workload in every input form: base64 text of gzip, gzip bytes, JSON bytes,
 * a CONTROL_MESSAGE, and payloads that straddle an hour (two partitions).
 */
function workload(events = 4000, seed = 5): Input[] {
  const inputs: Input[] = [];
  let i = 0;
  for (const p of generateWorkload({ events, seed, startTime: HOUR_EDGE })) {
    const gz = core.gzipEnvelope(p.envelope);
    const data =
      i % 3 === 0
        ? gz.toString('base64')
        : i % 3 === 1
          ? gz
          : Buffer.from(JSON.stringify(p.envelope));
    inputs.push({ data, source: `recordId ${i}` });
    i++;
  }
  inputs.splice(2, 0, {
    data: core.gzipEnvelope(JSON.parse(fixture('cwl-control-message.json'))).toString('base64'),
    source: 'recordId control',
  });
  return inputs;
}

/** Corrupts a gzip payload in the middle of its deflate stream. */
function corrupt(gz: Buffer): Buffer {
  const bad = Buffer.from(gz);
  for (let k = 0; k < 8; k++) bad[(bad.length >> 1) + k]! ^= 0x5a;
  return bad;
}

/** The reference: the decoder and processEnvelope called directly, on this thread. */
function reference(inputs: readonly Input[], region?: string) {
  const decoder = createDecoder();
  const classifier = createClassifier();
  return inputs.map(({ data, source }) => {
    const d = typeof data === 'string' ? decoder.base64(data, source) : decoder.bytes(data, source);
    if (!d.ok) return { ok: false as const, error: d.error };
    const p = processEnvelope(d.value.envelope, classifier, { region });
    return {
      ok: true as const,
      value: {
        ...p,
        decompressedBytes: d.value.decompressedBytes,
        payloadBytes: d.value.payloadBytes,
      },
    };
  });
}

/** The reference lines of one payload, grouped as the Firehose transform groups them. */
function referenceParts(records: readonly Core.LogRecord[]) {
  const groups = new Map<string, { partition: Core.LinePartition; lines: string[] }>();
  for (const r of records) {
    const p = core.partitionOf(r.time);
    const partition = { dataset: r.dataset, owner: r.origin.owner, ...p };
    const key = JSON.stringify(partition);
    let g = groups.get(key);
    if (g === undefined) {
      g = { partition, lines: [] };
      groups.set(key, g);
    }
    g.lines.push(`${core.recordLineReference(r)}\n`);
  }
  return [...groups.values()].map((g) => ({
    partition: g.partition,
    events: g.lines.length,
    data: g.lines.join(''),
  }));
}

function errorView(e: Core.LogpipeError & { source?: string | undefined }) {
  return {
    name: e.name,
    code: e.code,
    source: e.source,
    message: e.message,
    retryable: e.retryable,
  };
}

describe('the worker pool', () => {
  it('gives the same records, metrics and errors as inline processing for a mixed workload', async () => {
    const inputs = workload();
    inputs.splice(40, 0, {
      data: corrupt(core.gzipEnvelope(JSON.parse(fixture('cwl-data-message.json')))),
      source: 'recordId bad',
    });
    const p = pool({ threads: 2, inlineBelowBytes: 0 });
    const got = await p.processBatch(inputs, { region: 'eu-west-1' });
    const want = reference(inputs, 'eu-west-1');
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      if (w.ok) expect(g).toEqual(w);
      else {
        expect(g.ok).toBe(false);
        if (!g.ok) expect(errorView(g.error)).toEqual(errorView(w.error));
      }
    });
    expect(p.stats()).toMatchObject({ pooledBatches: 1, inlineBatches: 0, pendingTasks: 0 });
    // Cut into a few tasks per thread.
    expect(p.stats().tasks).toBeGreaterThanOrEqual(2);
    expect(p.stats().tasks).toBeLessThanOrEqual(8);
  });

  it('renders the lines the Firehose transform would write, one part per dataset, account and hour', async () => {
    const inputs = workload();
    const p = pool({ threads: 2, inlineBelowBytes: 0 });
    const got = await p.renderBatch(inputs, { region: 'us-east-1' });
    const want = reference(inputs, 'us-east-1');
    let multi = 0;
    got.forEach((g, i) => {
      const w = want[i]!;
      expect(g.ok).toBe(true);
      if (!g.ok || !w.ok) return;
      expect(g.value).toMatchObject({
        control: w.value.control,
        events: w.value.records.length,
        fallbacks: w.value.fallbacks,
        metrics: w.value.metrics.length,
        decompressedBytes: w.value.decompressedBytes,
        payloadBytes: w.value.payloadBytes,
      });
      const parts = g.value.parts.map(({ least, ...x }) => {
        // The bound known without rendering never exceeds the lines' size.
        expect(least).toBeGreaterThan(0);
        expect(least).toBeLessThanOrEqual(x.data.length);
        return { ...x, data: x.data.toString('utf8') };
      });
      expect(parts).toEqual(w.value.control ? [] : referenceParts(w.value.records));
      if (parts.length > 1) multi++;
    });
    expect(multi).toBeGreaterThan(0); // the workload does straddle an hour
  });

  it('renders messages, and one part per payload without partitioning', async () => {
    const inputs = workload(800, 9);
    const p = pool({ threads: 2, inlineBelowBytes: 0 });
    const got = await p.renderBatch(inputs, { lines: 'messages', partition: false });
    const want = reference(inputs);
    got.forEach((g, i) => {
      const w = want[i]!;
      if (!g.ok || !w.ok || w.value.control) return;
      expect(g.value.parts).toHaveLength(1);
      expect(g.value.parts[0]!.partition).toBeUndefined();
      expect(g.value.parts[0]!.data.toString('utf8')).toBe(
        w.value.records
          .map((r) => (r.message.endsWith('\n') ? r.message : `${r.message}\n`))
          .join(''),
      );
    });
  });

  it('with render: false, measures the parts it would render: same partitions and events, the same bound, no lines', async () => {
    const inputs = workload(3000, 13);
    const p = pool({ threads: 2, inlineBelowBytes: 0 });
    for (const lines of ['records', 'messages'] as const) {
      const rendered = await p.renderBatch(inputs, { lines, region: 'eu-west-1' });
      const measured = await p.renderBatch(inputs, { lines, region: 'eu-west-1', render: false });
      expect(measured).toHaveLength(rendered.length);
      let parts = 0;
      measured.forEach((m, i) => {
        const r = rendered[i]!;
        expect(m.ok).toBe(r.ok);
        if (!m.ok || !r.ok) return;
        expect({ ...m.value, parts: [] }).toEqual({ ...r.value, parts: [] });
        expect(m.value.parts.map((x) => x.data.length)).toEqual(m.value.parts.map(() => 0));
        expect(m.value.parts.map(({ data: _d, ...x }) => x)).toEqual(
          r.value.parts.map(({ data: _d, ...x }) => x),
        );
        parts += m.value.parts.length;
      });
      expect(parts).toBeGreaterThan(0);
    }
  });

  it('returns identical results whether a batch runs on the workers or inline', async () => {
    const inputs = workload(600, 11);
    inputs.splice(7, 0, { data: 'Ł'.repeat(8), source: 'recordId not-latin1' });
    inputs.splice(9, 0, { data: '\ud800AAA', source: 'recordId lone-surrogate' });
    const onWorkers = pool({ threads: 2, inlineBelowBytes: 0 });
    const inline = pool({ threads: 1, inlineBelowBytes: Number.POSITIVE_INFINITY });
    const a = await onWorkers.processBatch(inputs);
    const b = await inline.processBatch(inputs);
    expect(a.map((r) => (r.ok ? r : errorView(r.error)))).toEqual(
      b.map((r) => (r.ok ? r : errorView(r.error))),
    );
    expect(a[7]!.ok).toBe(false);
    expect(a[9]).toMatchObject({ ok: false, error: { code: 'INVALID_BASE64' } });
    expect(inline.stats()).toMatchObject({ inlineBatches: 1, pooledBatches: 0 });
    const c = await onWorkers.renderBatch(inputs);
    const d = await inline.renderBatch(inputs);
    expect(c.map((r) => (r.ok ? r : errorView(r.error)))).toEqual(
      d.map((r) => (r.ok ? r : errorView(r.error))),
    );
  });

  it('answers a corrupt gzip payload in the middle of a batch with its error, and every other payload with its records', async () => {
    const inputs = workload(1000, 3);
    const mid = inputs.length >> 1;
    const good = core.gzipEnvelope(JSON.parse(fixture('cwl-data-message.json')));
    inputs.splice(mid, 0, { data: corrupt(good).toString('base64'), source: 'recordId corrupt' });
    inputs.splice(mid + 1, 0, { data: good.subarray(0, good.length - 9), source: 'recordId cut' });
    const p = pool({ threads: 2, inlineBelowBytes: 0 });
    const got = await p.processBatch(inputs);
    const failed = got.flatMap((r, i) => (r.ok ? [] : [i]));
    expect(failed).toEqual([mid, mid + 1]);
    const [corrupted, cut] = [got[mid]!, got[mid + 1]!];
    if (corrupted.ok || cut.ok) throw new Error('expected errors');
    expect(core.LogpipeError.isInstance(corrupted.error)).toBe(true);
    expect(corrupted.error).toMatchObject({
      name: 'DecodeError',
      code: 'CORRUPT_GZIP',
      source: 'recordId corrupt',
    });
    expect(corrupted.error.message).toMatch(/^recordId corrupt: gzip data is corrupt: /);
    expect(cut.error).toMatchObject({ code: 'TRUNCATED_GZIP', source: 'recordId cut' });
    expect(got.filter((r) => r.ok)).toHaveLength(inputs.length - 2);
  });

  it('refuses a batch with a retryable POOL_QUEUE_FULL error when threads + maxQueue batches are on the workers', async () => {
    const inputs = workload(1500, 4);
    const p = pool({ threads: 1, maxQueue: 0, inlineBelowBytes: 0 });
    const first = p.processBatch(inputs);
    const refused = p.processBatch(inputs);
    await expect(refused).rejects.toMatchObject({
      name: 'WorkerPoolError',
      code: 'POOL_QUEUE_FULL',
      retryable: true,
    });
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(core.WorkerPoolError);
    expect(await first).toHaveLength(inputs.length);
    // The place is free again.
    expect(await p.processBatch(inputs)).toHaveLength(inputs.length);
    expect(p.stats()).toMatchObject({
      queueRefused: 1,
      pooledBatches: 2,
      pendingBatches: 0,
      pendingTasks: 0,
    });
  });

  it('close() lets batches in flight finish, then refuses new ones with POOL_CLOSED', async () => {
    const inputs = workload(3000, 6);
    const p = pool({ threads: 2, inlineBelowBytes: 0 });
    const inFlight = p.renderBatch(inputs);
    const closed = p.close();
    await expect(p.renderBatch(inputs.slice(0, 1))).rejects.toMatchObject({
      code: 'POOL_CLOSED',
      retryable: false,
    });
    const results = await inFlight;
    expect(results).toHaveLength(inputs.length);
    expect(results.every((r) => r.ok)).toBe(true);
    await closed;
    expect(p.close()).toBe(closed); // idempotent
    expect(p.stats().pendingTasks).toBe(0);
  });

  it('fails only the batch of a worker that died (out of memory), and goes on with a new thread', async () => {
    // 100,000 events (16 MB of JSON) do not fit a worker heap capped at 32 MB.
    const big: Core.CwlEnvelope = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/ecs/big',
      logStream: 's',
      subscriptionFilters: [],
      logEvents: Array.from({ length: 100_000 }, (_, i) => ({
        id: String(i).padStart(56, '0'),
        timestamp: HOUR_EDGE + i,
        message: `{"k":${i},"v":"${'x'.repeat(20)}","a":[1,2,3]}`,
      })),
    };
    const p = pool({
      threads: 2,
      inlineBelowBytes: 0,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      decoder: { maxDecompressedBytes: 64 * 1024 * 1024 },
    });
    const small = workload(300, 8);
    const [crashed, other] = await Promise.allSettled([
      p.processBatch([{ data: core.gzipEnvelope(big), source: 'recordId big' }]),
      p.processBatch(small),
    ]);
    expect(crashed.status).toBe('rejected');
    if (crashed.status === 'rejected') {
      expect(crashed.reason).toBeInstanceOf(core.WorkerPoolError);
      expect(crashed.reason).toMatchObject({ code: 'WORKER_FAILED', retryable: true });
      expect(crashed.reason.message).toMatch(
        /^a worker thread failed on a batch of 1 inputs \(recordId big … recordId big\): /,
      );
    }
    expect(other.status).toBe('fulfilled');
    const after = await p.processBatch(small);
    expect(after.every((r) => r.ok)).toBe(true);
    expect(p.stats()).toMatchObject({ workerFailures: 1, pendingTasks: 0 });
  });

  it('workers that cannot start: every batch fails with WORKER_FAILED and the reason, none waits forever', async () => {
    // A 3 MB heap is too small for the worker to load ("reaching memory limit" on Node 20, 22
    // and 24): piscina starts no thread again after such a failure, and without WorkerThreads'
    // guard the batches would never settle. Not less: with 1–2 MB, Node 22's V8 aborts the
    // whole process ("Fatal JavaScript out of memory: GC during deserialization").
    const p = pool({
      threads: 2,
      inlineBelowBytes: 0,
      resourceLimits: { maxOldGenerationSizeMb: 3, maxYoungGenerationSizeMb: 1 },
    });
    const small = workload(300, 8);
    const outcomes = await Promise.allSettled([p.processBatch(small), p.renderBatch(small)]);
    // Sent after the threads have failed, too.
    outcomes.push(...(await Promise.allSettled([p.processBatch(small)])));
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      if (o.status === 'rejected') {
        expect(o.reason).toBeInstanceOf(core.WorkerPoolError);
        expect(o.reason).toMatchObject({ code: 'WORKER_FAILED', retryable: true });
        expect(o.reason.message).toMatch(/memory limit|out of memory/i);
      }
    }
    expect(outcomes.at(-1)).toMatchObject({
      reason: {
        message: expect.stringMatching(/the worker threads failed to start \(.*pool-worker/),
      },
    });
    expect(p.stats()).toMatchObject({ workerFailures: 3, pendingBatches: 0, pendingTasks: 0 });
  });

  it('keeps batches below inlineBelowBytes on the calling thread, judged by their decompressed size', async () => {
    const p = pool({ threads: 2, inlineBelowBytes: 200_000 });
    const one = workload(50, 1).slice(0, 3);
    await p.processBatch(one);
    await p.processBatch([]);
    expect(p.stats()).toMatchObject({ inlineBatches: 2, pooledBatches: 0, tasks: 0 });
    // Small gzip inputs that decompress past the threshold go to the workers, cut into tasks.
    const big = workload(3000, 2).filter(
      (x) => typeof x.data !== 'string' || x.data.startsWith('H4sI'),
    );
    await p.renderBatch(big);
    expect(p.stats()).toMatchObject({ inlineBatches: 2, pooledBatches: 1 });
    expect(p.stats().tasks).toBeGreaterThanOrEqual(2);
  });

  it('validates its options once, at construction', () => {
    expect(() => createWorkerPool({ threads: 0 })).toThrow(/threads must be an integer ≥ 1/);
    expect(() => createWorkerPool({ maxQueue: -1 })).toThrow(/maxQueue/);
    expect(() => createWorkerPool({ inlineBelowBytes: -5 })).toThrow(/inlineBelowBytes/);
    const custom = { name: 'mine', dataset: 'app', parse: () => ({ ok: false, reason: 'x' }) };
    expect(() =>
      createWorkerPool({
        classifier: { overrides: [{ logGroup: 'x', parser: custom as unknown as Core.Parser }] },
      }),
    ).toThrow(/cannot be sent to a worker thread/);
    expect(() => createWorkerPool({ decoder: { maxDecompressedBytes: 0 } })).toThrow(
      core.ConfigError,
    );
  });
});
