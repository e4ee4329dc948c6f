/**
 * A pool of worker threads (piscina) for the hot path: decode + classify + parse
 * of whole batches. Small batches stay on the calling thread; larger ones are cut
 * into a few contiguous chunks, each packed into one transferred ArrayBuffer.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { buildFormat } from '../build-format.js';
import { type ClassifierOptions, createClassifier } from '../classify.js';
import { createDecoder, type DecoderOptions } from '../decode/decoder.js';
import { ConfigError, type DecodeError, intOption } from '../errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../limits.js';
import { WorkerPoolError } from './errors.js';
import type { LineMode } from './lines.js';
import { estimateDecompressedBytes, type PoolInput, packInputs } from './pack.js';
import {
  errorFromWire,
  type LinePartition,
  type PooledPayload,
  runInputs,
  TASK_LINES,
  TASK_RECORDS,
  type TaskMessage,
  type TaskOutput,
  type TaskSpec,
  type TaskState,
} from './task.js';
import { WorkerThreads } from './threads.js';
import type { WorkerSetup } from './worker.js';

/**
 * Batches whose inputs decompress to less than this many bytes (estimated from
 * the gzip trailers) are processed on the calling thread. Measured with
 * `benchmarks/scenarios/pool.mjs` on a 2-core machine: 2 threads were 0.73× inline
 * at 64 KiB of JSON and 1.23× at 128 KiB (see the README).
 */
export const DEFAULT_INLINE_BELOW_BYTES = 128 * 1024;

/** A task is not made smaller than this (decompressed bytes) to feed more threads. */
export const DEFAULT_MIN_CHUNK_BYTES = 64 * 1024;

/**
 * A batch is cut into up to this many tasks per thread, so a thread that gets less
 * CPU (other processes on the machine) takes fewer of them.
 */
const TASKS_PER_THREAD = 4;

/** Batches that may be on the workers at once, beyond one per thread. */
export const DEFAULT_MAX_QUEUE = 16;

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Worker threads. Default `os.availableParallelism()`. */
  threads?: number | undefined;
  /**
   * Batches that may be on the workers at once beyond one per thread: with
   * `threads + maxQueue` batches accepted and not finished, the next one is refused
   * with `WorkerPoolError` `POOL_QUEUE_FULL` (back-pressure; an idle pool never
   * refuses). Batches that stay inline do not count. Default 16.
   */
  maxQueue?: number | undefined;
  /**
   * Batches estimated below this many decompressed bytes run on the calling thread
   * (a round trip to a worker costs more than it saves). `0` sends every batch to
   * the workers; `Infinity` none. Default {@link DEFAULT_INLINE_BELOW_BYTES}.
   */
  inlineBelowBytes?: number | undefined;
  /** Smallest task a batch is cut into, decompressed bytes. Default {@link DEFAULT_MIN_CHUNK_BYTES}. */
  minChunkBytes?: number | undefined;
  /**
   * Classifier options used by every thread. Overrides must name built-in parsers
   * (a Parser object of your own cannot cross to a worker thread).
   */
  classifier?: ClassifierOptions | undefined;
  decoder?: DecoderOptions | undefined;
  /** Heap limits of each worker thread (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits | undefined;
}

/** Options of {@link WorkerPool.processBatch}. */
export interface BatchOptions {
  /** AWS region recorded as the origin of every record of the batch. */
  region?: string | undefined;
}

/** Options of {@link WorkerPool.renderBatch}. */
export interface RenderOptions extends BatchOptions {
  /**
   * `records`: each LogRecord as one JSON line (the Firehose transform's `records`
   * output); `messages`: the raw messages, classified (for their partition) but
   * not parsed, so `fallbacks` and `metrics` are 0. Default `records`.
   */
  lines?: LineMode | undefined;
  /** Group each payload's lines by dataset, account and UTC hour. Default true. */
  partition?: boolean | undefined;
  /**
   * `false`: decode, parse and group, but do not render: each part has its `least`
   * bytes and empty `data` (to decide what fits before paying for lines). Default true.
   */
  render?: boolean | undefined;
}

/** One group of a rendered payload's lines. */
export interface RenderedPart {
  /** The group's partition; `undefined` when rendering with `partition: false`. */
  partition: LinePartition | undefined;
  /** Log events (lines) in `data`. */
  events: number;
  /** A lower bound of the part's bytes, known without rendering (`leastLineBytes`). */
  least: number;
  /** The lines, each ending with `\n` (UTF-8). */
  data: Buffer;
}

/** A payload decoded, parsed and rendered to lines by the pool. */
export interface RenderedPayload {
  /** True for a CONTROL_MESSAGE (no parts). */
  control: boolean;
  /** Log events of the payload. */
  events: number;
  /** Events a dataset parser rejected and that went to `app` with the reason. */
  fallbacks: number;
  /** Metric records the events yielded (counted only: use `processBatch` to get them). */
  metrics: number;
  decompressedBytes: number;
  payloadBytes: number;
  /** The lines, one part per partition in order of first appearance (one part without partitioning). */
  parts: RenderedPart[];
}

/** The outcome for one input: never a thrown error. */
export type PoolResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: DecodeError | WorkerPoolError };

/** Counters of a pool since it was created. */
export interface WorkerPoolStats {
  threads: number;
  /** Batches processed on the calling thread (below `inlineBelowBytes`). */
  inlineBatches: number;
  /** Batches sent to the worker threads. */
  pooledBatches: number;
  /** Tasks handed to the worker threads (`WorkerThreads.run`) and settled, done or failed. */
  tasks: number;
  /** Batches on the workers (accepted, not every task settled). */
  pendingBatches: number;
  /** Tasks sent and not yet settled. */
  pendingTasks: number;
  /** Batches refused with `POOL_QUEUE_FULL`. */
  queueRefused: number;
  /** Batches failed with `WORKER_FAILED`. */
  workerFailures: number;
}

/**
 * A pool of worker threads that decode, classify and parse batches of CloudWatch
 * Logs payloads. Results come back per input, in input order; a bad input never
 * fails its batch.
 *
 * @example
 * ```ts
 * const pool = createWorkerPool({ threads: 2 });
 * const results = await pool.renderBatch(
 *   event.records.map((r) => ({ data: r.data, source: `recordId ${r.recordId}` })),
 *   { region: event.region },
 * );
 * for (const r of results) {
 *   if (!r.ok) console.error(r.error.code, r.error.message);
 *   else for (const part of r.value.parts) send(part.partition, part.data);
 * }
 * await pool.close();
 * ```
 */
export interface WorkerPool {
  /** Worker threads of the pool. */
  readonly threads: number;
  /** Batches estimated below this many decompressed bytes stay on the calling thread. */
  readonly inlineBelowBytes: number;
  /** The options every thread processes with (to process identically elsewhere). */
  readonly processing: { readonly classifier: ClassifierOptions; readonly decoder: DecoderOptions };
  /**
   * Decodes and parses every input into LogRecords and MetricRecords (returned as
   * objects: structured clone, the costlier way back from a worker; prefer
   * {@link WorkerPool.renderBatch} when lines are what you need).
   * @throws WorkerPoolError `POOL_QUEUE_FULL`, `POOL_CLOSED` or `WORKER_FAILED` for the whole batch.
   */
  processBatch(
    inputs: readonly PoolInput[],
    options?: BatchOptions,
  ): Promise<Array<PoolResult<PooledPayload>>>;
  /**
   * Decodes, parses and renders every input to NDJSON lines, grouped by partition.
   * Workers return the finished bytes, transferred.
   * @throws WorkerPoolError `POOL_QUEUE_FULL`, `POOL_CLOSED` or `WORKER_FAILED` for the whole batch.
   */
  renderBatch(
    inputs: readonly PoolInput[],
    options?: RenderOptions,
  ): Promise<Array<PoolResult<RenderedPayload>>>;
  /** Counters since creation. */
  stats(): WorkerPoolStats;
  /**
   * Stops taking work (new batches reject with `POOL_CLOSED`), lets batches already
   * accepted finish, then ends the threads. Idempotent.
   */
  close(): Promise<void>;
}

/** The worker entry next to the running build: `pool-worker.cjs` (CJS) or `pool-worker.js` (ESM). */
function workerFile(): string {
  if (buildFormat() === 'cjs') return join(__dirname, 'pool-worker.cjs');
  return fileURLToPath(new URL('./pool-worker.js', import.meta.url));
}

function checkBytes(name: string, v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    throw new ConfigError(`${name} must be a number of bytes ≥ 0, got ${String(v)}`);
  }
  return v;
}

interface Chunk {
  from: number;
  to: number;
}

class Pool implements WorkerPool {
  readonly threads: number;
  readonly inlineBelowBytes: number;
  readonly processing: { classifier: ClassifierOptions; decoder: DecoderOptions };
  private readonly maxQueue: number;
  private readonly minChunk: number;
  private readonly maxBytes: number;
  private readonly inline: TaskState;
  private readonly workers: WorkerThreads;
  private readonly counts: WorkerPoolStats;

  constructor(options: WorkerPoolOptions) {
    this.threads = intOption('threads', options.threads ?? availableParallelism(), 1);
    this.maxQueue = intOption('maxQueue', options.maxQueue ?? DEFAULT_MAX_QUEUE, 0);
    this.inlineBelowBytes = checkBytes(
      'inlineBelowBytes',
      options.inlineBelowBytes ?? DEFAULT_INLINE_BELOW_BYTES,
    );
    this.minChunk = intOption('minChunkBytes', options.minChunkBytes ?? DEFAULT_MIN_CHUNK_BYTES, 1);
    const classifier = options.classifier ?? {};
    (classifier.overrides ?? []).forEach((o, i) => {
      if (typeof o?.parser !== 'string') {
        throw new ConfigError(
          `classifier.overrides[${i}].parser must name a built-in parser: a Parser object cannot be sent to a worker thread`,
        );
      }
    });
    const decoder = options.decoder ?? {};
    // Built here once: validates the options, and serves batches that stay inline.
    this.inline = { decoder: createDecoder(decoder), classifier: createClassifier(classifier) };
    this.maxBytes = decoder.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    this.processing = { classifier, decoder };
    this.counts = {
      threads: this.threads,
      inlineBatches: 0,
      pooledBatches: 0,
      tasks: 0,
      pendingBatches: 0,
      pendingTasks: 0,
      queueRefused: 0,
      workerFailures: 0,
    };
    const workerData: WorkerSetup = { classifier, decoder };
    this.workers = new WorkerThreads({
      filename: workerFile(),
      threads: this.threads,
      workerData,
      resourceLimits: options.resourceLimits,
    });
  }

  processBatch(
    inputs: readonly PoolInput[],
    options: BatchOptions = {},
  ): Promise<Array<PoolResult<PooledPayload>>> {
    const spec: TaskSpec = {
      kind: TASK_RECORDS,
      lines: 'records',
      partition: false,
      render: true,
      region: options.region,
    };
    return this.track(inputs, spec, (outputs) => {
      const results: Array<PoolResult<PooledPayload>> = [];
      for (const o of outputs) {
        if (o.kind !== TASK_RECORDS) throw new Error('unexpected task output');
        for (const it of o.items) {
          results.push(it.ok ? it : { ok: false, error: errorFromWire(it) });
        }
      }
      return results;
    });
  }

  renderBatch(
    inputs: readonly PoolInput[],
    options: RenderOptions = {},
  ): Promise<Array<PoolResult<RenderedPayload>>> {
    const lines = options.lines ?? 'records';
    if (lines !== 'records' && lines !== 'messages') {
      return Promise.reject(
        new ConfigError(`lines must be 'records' or 'messages', got ${String(lines)}`),
      );
    }
    const spec: TaskSpec = {
      kind: TASK_LINES,
      lines,
      partition: options.partition ?? true,
      render: options.render ?? true,
      region: options.region,
    };
    return this.track(inputs, spec, (outputs) => {
      const results: Array<PoolResult<RenderedPayload>> = [];
      for (const o of outputs) {
        if (o.kind !== TASK_LINES) throw new Error('unexpected task output');
        const out = o.out;
        for (const it of o.items) {
          if (!it.ok) {
            results.push({ ok: false, error: errorFromWire(it) });
            continue;
          }
          results.push({
            ok: true,
            value: {
              control: it.control,
              events: it.events,
              fallbacks: it.fallbacks,
              metrics: it.metrics,
              decompressedBytes: it.decompressedBytes,
              payloadBytes: it.payloadBytes,
              parts: it.parts.map((p) => ({
                partition: p.partition,
                events: p.events,
                least: p.least,
                data: Buffer.from(out, p.start, p.end - p.start),
              })),
            },
          });
        }
      }
      return results;
    });
  }

  stats(): WorkerPoolStats {
    return { ...this.counts };
  }

  close(): Promise<void> {
    return this.workers.close();
  }

  /** Runs a batch, counted as accepted until it settles (so close() waits for it). */
  private track<T>(
    inputs: readonly PoolInput[],
    spec: TaskSpec,
    collect: (outputs: TaskOutput[]) => T,
  ): Promise<T> {
    if (this.workers.closed) {
      return Promise.reject(
        new WorkerPoolError('POOL_CLOSED', 'the worker pool is closed and takes no new batches'),
      );
    }
    let work: Promise<T>;
    try {
      work = this.run(inputs, spec, collect);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.workers.track(work);
  }

  private run<T>(
    inputs: readonly PoolInput[],
    spec: TaskSpec,
    collect: (outputs: TaskOutput[]) => T,
  ): Promise<T> {
    const n = inputs.length;
    const sizes = new Array<number>(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = estimateDecompressedBytes((inputs[i] as PoolInput).data, this.maxBytes);
      sizes[i] = s;
      total += s;
    }
    if (n === 0 || total < this.inlineBelowBytes) {
      this.counts.inlineBatches++;
      const data = inputs.map((x) => x.data);
      const sources = inputs.map((x) => x.source);
      return Promise.resolve(collect([runInputs(data, sources, spec, this.inline)]));
    }
    if (this.counts.pendingBatches >= this.threads + this.maxQueue) {
      this.counts.queueRefused++;
      throw new WorkerPoolError(
        'POOL_QUEUE_FULL',
        `worker pool queue full: ${this.counts.pendingBatches} batches on the workers (threads ${this.threads} + maxQueue ${this.maxQueue}); retry later`,
      );
    }
    const chunks = this.chunk(sizes, total);
    // Packed now, synchronously: the caller may reuse its inputs once this returns.
    const messages = chunks.map((c): TaskMessage => {
      const packed = packInputs(inputs, c.from, c.to);
      const sources = new Array<string>(c.to - c.from);
      for (let i = c.from; i < c.to; i++) sources[i - c.from] = (inputs[i] as PoolInput).source;
      return { ...packed, ...spec, sources };
    });
    this.counts.pooledBatches++;
    this.counts.pendingBatches++;
    this.counts.pendingTasks += chunks.length;
    // Every task settles before the batch does: its count is right when the caller hears
    // back, and a failed batch leaves nothing of its own running.
    const settled = Promise.allSettled(
      messages.map((m) =>
        this.workers.run<TaskOutput>(m, { transferList: [m.buffer] }).finally(() => {
          this.counts.pendingTasks--;
          this.counts.tasks++;
        }),
      ),
    );
    return settled.then((outcomes) => {
      this.counts.pendingBatches--;
      const outputs: TaskOutput[] = [];
      for (const o of outcomes) {
        if (o.status === 'fulfilled') {
          outputs.push(o.value);
          continue;
        }
        this.counts.workerFailures++;
        const reason = o.reason instanceof Error ? o.reason.message : String(o.reason);
        throw new WorkerPoolError(
          'WORKER_FAILED',
          `a worker thread failed on a batch of ${n} inputs (${inputs[0]?.source} … ${inputs[n - 1]?.source}): ${reason}`,
          { cause: o.reason },
        );
      }
      return collect(outputs);
    });
  }

  /** Contiguous chunks of about equal estimated size: a few per thread, none below minChunk. */
  private chunk(sizes: readonly number[], total: number): Chunk[] {
    const n = sizes.length;
    const count = Math.max(
      1,
      Math.min(n, this.threads * TASKS_PER_THREAD, Math.floor(total / this.minChunk)),
    );
    if (count === 1) return [{ from: 0, to: n }];
    const chunks: Chunk[] = [];
    const target = total / count;
    let from = 0;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += sizes[i] as number;
      const left = count - chunks.length - 1;
      // Cut once this chunk reached its share, keeping one input at least for each chunk left.
      if (left > 0 && acc >= target * (chunks.length + 1) && n - (i + 1) >= left) {
        chunks.push({ from, to: i + 1 });
        from = i + 1;
      }
    }
    chunks.push({ from, to: n });
    return chunks;
  }
}

/**
 * Creates a worker pool. Options are validated here, once; the threads start in
 * the background (nothing happens at import time).
 *
 * @example
 * ```ts
 * const pool = createWorkerPool({ threads: 2, classifier: { overrides: [{ logGroup: 'edge-*', parser: 'alb' }] } });
 * const results = await pool.processBatch([{ data: gzipBytes, source: 'file.gz' }]);
 * ```
 * @throws ConfigError for invalid options (including Parser objects in classifier overrides).
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  return new Pool(options);
}
