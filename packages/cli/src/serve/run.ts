/**
 * Starting and stopping the sidecar: sinks, pipeline, sources, HTTP server, signals.
 *
 * Shutdown (SIGTERM, SIGINT, or the end of stdin): readiness goes to 503 and every new input
 * is refused (503, so senders retry elsewhere); the sinks are flushed until every admitted
 * input has been answered; the sinks are closed (a lake sink ends its Parquet encoder threads
 * once its writer flushed), then the worker pool; the process exits 0. Past
 * `shutdown.deadlineMs` it exits 1 instead, with the unanswered inputs unacknowledged (their
 * senders retry them). A second signal exits at once.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ClassifierOptions,
  ConfigError,
  createClassifier,
  createWorkerPool,
  type ParserOverride,
  type WorkerPool,
} from '@logpipe/core';
import type { Io } from '../io.js';
import { type LoadedConfig, type ServeConfig, type SinkConfig, sinkName } from './config.js';
import { createInputDeadLetterFile } from './dead-letter.js';
import { ServeConfigError } from './errors.js';
import { HIGH_WATER_RECHECK_MS, QUEUE_HIGH_WATER_FRACTION } from './limits.js';
import { createLogger, errorFields, type Logger } from './log.js';
import { Pipeline } from './pipeline.js';
import { BoundedQueue } from './queue.js';
import { createServeMetrics } from './self-metrics.js';
import { createSidecarServer } from './server.js';
import { createInfluxSink } from './sinks/influx.js';
import { createLakeSink } from './sinks/lake.js';
import { createTimestreamSink } from './sinks/timestream.js';
import type { Sink } from './sinks/types.js';
import type { SourceContext } from './sources/context.js';
import { createFirehoseSource, type HttpSource } from './sources/firehose.js';
import { createFluentBitSource } from './sources/fluent-bit.js';
import { type StdinSource, startStdinSource } from './sources/stdin.js';

/** A running sidecar. */
export interface Sidecar {
  /** The bound port (useful with `server.port: 0`). */
  readonly port: number;
  /** Resolves with the exit status once the sidecar stopped. */
  readonly exited: Promise<number>;
  /** Starts the shutdown (idempotent); resolves like {@link exited}. */
  shutdown(reason: string): Promise<number>;
}

/** The classifier options of the config; a bad parser rule is reported under its key. */
export function classifierOptions(config: ServeConfig): ClassifierOptions {
  const overrides: ParserOverride[] = config.processing.parsers.map((p) => ({
    logGroup: p.logGroup,
    parser: p.parser,
    format: p.format,
  }));
  const options: ClassifierOptions = { overrides, sniff: config.processing.sniff };
  try {
    createClassifier(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ServeConfigError('config', [
        err.message.replace(/^overrides\[(\d+)\]\.?/, 'processing.parsers[$1]'),
      ]);
    }
    throw err;
  }
  return options;
}

/**
 * Threads of each lake sink's Parquet encoder pool: `workers.threads` unless
 * `workers.encode: false` (0: encode on the main thread).
 */
export function encodeThreads(config: ServeConfig): number {
  const w = config.workers;
  return w.encode === false ? 0 : w.threads;
}

/** Options of {@link buildSinks}. */
export interface BuildSinksOptions {
  /** Start the lake sinks' Parquet encoder pools ({@link encodeThreads}). Default false. */
  workers?: boolean | undefined;
}

/**
 * Builds every configured sink (no I/O happens until the first write; with `workers`, the
 * lake sinks' encoder threads start).
 *
 * @throws ConfigError when a writer refuses its options.
 */
export async function buildSinks(
  config: ServeConfig,
  options: BuildSinksOptions = {},
): Promise<Sink[]> {
  const lake = { encodeThreads: options.workers === true ? encodeThreads(config) : 0 };
  const sinks: Sink[] = [];
  let i = 0;
  try {
    for (; i < config.sinks.length; i++) {
      const s = config.sinks[i] as SinkConfig;
      const name = sinkName(s);
      if (s.type === 'lake') sinks.push(createLakeSink(s, name, lake));
      else if (s.type === 'timestream') {
        sinks.push(await createTimestreamSink(s, name, config.deadLetter.path));
      } else sinks.push(createInfluxSink(s, name, config.deadLetter.path));
    }
  } catch (err) {
    await Promise.allSettled(sinks.map((s) => s.close()));
    // A writer refusing its options is a config problem of that sink.
    if (err instanceof ConfigError)
      throw new ServeConfigError('config', [`sinks[${i}]: ${err.message}`]);
    throw err;
  }
  return sinks;
}

/**
 * The decoding pool of `workers` (undefined with `threads: 0` or without `decode: true`), processing
 * with the classifier and decoder options the main thread uses.
 */
export function buildWorkerPool(
  config: ServeConfig,
  classifier: ClassifierOptions,
): WorkerPool | undefined {
  const w = config.workers;
  // Off unless asked: decoding on the workers measured slower in every comparison.
  if (w.threads === 0 || w.decode !== true) return undefined;
  try {
    return createWorkerPool({
      threads: w.threads,
      inlineBelowBytes: w.inlineBelowBytes,
      maxQueue: w.maxQueue,
      classifier,
      decoder: { maxDecompressedBytes: config.processing.maxDecompressedBytes },
    });
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ServeConfigError('config', [`workers: ${err.message}`]);
    throw err;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Options of {@link startSidecar}. */
export interface StartOptions {
  /** Install SIGTERM/SIGINT handlers (the CLI does; tests embedding the sidecar may not). */
  handleSignals: boolean;
}

/**
 * Starts the sidecar from a validated config.
 *
 * @example
 * ```ts
 * const sidecar = await startSidecar(await loadConfig('serve.yaml', readServeEnv(process.env)), processIo(), { handleSignals: true });
 * process.exitCode = await sidecar.exited;
 * ```
 */
export async function startSidecar(
  loaded: LoadedConfig,
  io: Io,
  options: StartOptions,
): Promise<Sidecar> {
  const { config } = loaded;
  const log: Logger = createLogger({
    level: config.log.level,
    write: (line) => io.stdout.write(line),
  });
  const m = createServeMetrics();
  const started = Date.now();
  m.startTime.set([], Math.floor(started / 1000));
  m.ready.set([], 0);
  const clsOptions = classifierOptions(config);
  const sinks = await buildSinks(config, { workers: true });
  let pool: WorkerPool | undefined;
  try {
    pool = buildWorkerPool(config, clsOptions);
  } catch (err) {
    await Promise.allSettled(sinks.map((s) => s.close()));
    throw err;
  }
  m.workerThreads.set([], pool?.threads ?? 0);

  // Past the queue's high-water mark every sink writes its buffers now, and again while the
  // queue stays that full: the senders waiting for these writes send nothing new, so nothing
  // else would wake the sinks before their age flush.
  let flushing = false;
  let draining = false;
  const highWaterFlush = (): void => {
    if (flushing || draining) return;
    flushing = true;
    m.highWaterFlushes.inc();
    void Promise.allSettled(sinks.map((s) => s.flush())).then(() => {
      flushing = false;
      if (queue.aboveHighWater()) setTimeout(highWaterFlush, HIGH_WATER_RECHECK_MS).unref();
    });
  };
  const queue = new BoundedQueue({
    maxRequests: config.queue.maxRequests,
    maxBytes: config.queue.maxBytes,
    highWaterFraction: QUEUE_HIGH_WATER_FRACTION,
    onHighWater: highWaterFlush,
  });
  m.queueMaxRequests.set([], queue.maxRequests);
  m.queueMaxBytes.set([], queue.maxBytes);

  const deadLetters = createInputDeadLetterFile(config.deadLetter.path);
  const pipeline = new Pipeline(sinks, deadLetters, m, log);
  const ctx: SourceContext = {
    queue,
    pipeline,
    metrics: m,
    log,
    retryAfterSeconds: config.queue.retryAfterSeconds,
    draining: () => draining,
    classifierOptions: clsOptions,
    classifier: createClassifier(clsOptions),
    region: config.processing.region,
    maxDecompressedBytes: config.processing.maxDecompressedBytes,
    pool,
  };
  const httpSources: HttpSource[] = [];
  if (config.sources.firehose !== undefined) {
    httpSources.push(createFirehoseSource(config.sources.firehose, ctx));
  }
  if (config.sources.fluentBit !== undefined) {
    httpSources.push(createFluentBitSource(config.sources.fluentBit, ctx));
  }

  m.registry.onCollect(() => {
    m.queueRequests.set([], queue.requests);
    m.queueBytes.set([], queue.bytes);
    m.ready.set([], draining ? 0 : 1);
    const mem = process.memoryUsage();
    m.residentMemory.set([], mem.rss);
    m.heapUsed.set([], mem.heapUsed);
    if (pool !== undefined) {
      const p = pool.stats();
      m.workerBatches.set(['inline'], p.inlineBatches);
      m.workerBatches.set(['pool'], p.pooledBatches);
      m.workerTasks.set([], p.tasks);
      m.workerPendingBatches.set([], p.pendingBatches);
      m.workerRefused.set(['queue_full'], p.queueRefused);
      m.workerRefused.set(['worker_failed'], p.workerFailures);
    }
    for (const s of sinks) {
      const stats = s.stats();
      for (const [k, v] of Object.entries(stats)) {
        m.sinkWriterStat.set([s.name, k], v);
        if (k === 'writeUnits' || k === 'write_units') m.sinkWriteUnits.set([s.name], v);
      }
    }
  });

  const server = createSidecarServer({
    sources: httpSources,
    metrics: m,
    log,
    notReady: () => (draining ? 'shutting down' : undefined),
    readyDetails: () => ({ queue: { requests: queue.requests, bytes: queue.bytes } }),
    keepAliveTimeoutMs: config.server.keepAliveTimeoutMs,
    requestTimeoutMs: config.server.requestTimeoutMs,
  });
  let port: number;
  try {
    port = await listen(server, config.server.port, config.server.host);
  } catch (err) {
    await Promise.allSettled([...sinks.map((s) => s.close()), pool?.close()]);
    throw err;
  }
  m.ready.set([], 1);
  log.info('logpipe serve listening', {
    host: config.server.host,
    port,
    config: loaded.source,
    envOverrides: loaded.overrides,
    sources: [
      ...httpSources.map((s) => ({ source: s.name, path: s.path })),
      ...(config.sources.stdin?.enabled === true ? [{ source: 'stdin' }] : []),
    ],
    sinks: sinks.map((s) => ({ sink: s.name, type: s.type, to: s.describe() })),
    deadLetters: deadLetters.path,
    workers: {
      threads: pool?.threads ?? 0,
      inlineBelowBytes: pool?.inlineBelowBytes,
      encodeThreads: sinks.some((s) => s.type === 'lake') ? encodeThreads(config) : 0,
    },
  });

  if (config.sources.firehose !== undefined && config.sources.firehose.accessKeys === undefined) {
    log.warn('the Firehose source checks no access key: anyone who reaches it can write', {
      fix: 'set sources.firehose.accessKeys or LOGPIPE_FIREHOSE_ACCESS_KEY',
    });
  }

  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExited = resolve;
  });
  let finished = false;
  let deadline: NodeJS.Timeout | undefined;
  let stopping: Promise<number> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      log.error('second signal: exiting without waiting', { signal, inFlight: queue.requests });
      finish(1);
      return;
    }
    void shutdown(signal);
  };
  const finish = (code: number): void => {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    server.closeAllConnections();
    // After a clean drain the pool is closed already; past the deadline its threads end here.
    pool?.close().catch(() => undefined);
    log.info('logpipe serve stopped', {
      exitCode: code,
      uptimeMs: Date.now() - started,
      inFlight: queue.requests,
    });
    resolveExited(code);
  };

  let stdin: StdinSource | undefined;
  const shutdown = (reason: string): Promise<number> => {
    if (stopping !== undefined) return stopping;
    stopping = exited;
    draining = true;
    m.ready.set([], 0);
    const deadlineMs = config.shutdown.deadlineMs;
    const began = Date.now();
    log.info('logpipe serve shutting down', { reason, deadlineMs, inFlight: queue.requests });
    deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting with inputs unacknowledged', {
        deadlineMs,
        inFlight: queue.requests,
        inFlightBytes: queue.bytes,
      });
      finish(1);
    }, deadlineMs);
    server.close();
    server.closeIdleConnections();
    stdin?.stop();
    void (async () => {
      while (queue.requests > 0 && !finished) {
        await Promise.allSettled(sinks.map((s) => s.flush()));
        await Promise.race([queue.whenEmpty(), delay(50)]);
      }
      if (stdin !== undefined) await stdin.done.catch(() => undefined);
      const closed = await Promise.allSettled(sinks.map((s) => s.close()));
      closed.forEach((r, i) => {
        if (r.status === 'rejected') {
          log.error('closing a sink failed', { sink: sinks[i]?.name, ...errorFields(r.reason) });
        }
      });
      // Every admitted request was answered: nothing is left on the worker threads.
      if (pool !== undefined) {
        await pool.close().catch((err: unknown) => {
          log.error('closing the worker pool failed', errorFields(err));
        });
      }
      log.info('logpipe serve drained', { drainMs: Date.now() - began });
      finish(0);
    })().catch((err: unknown) => {
      log.error('shutdown failed', errorFields(err));
      finish(1);
    });
    return exited;
  };

  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  const stdinCfg = config.sources.stdin;
  if (stdinCfg?.enabled === true) {
    stdin = startStdinSource(stdinCfg, ctx, io.stdin);
    stdin.done.then(
      () => {
        log.info('stdin ended');
        if (stdinCfg.exitOnEnd) void shutdown('stdin ended');
      },
      (err: unknown) => {
        log.error('reading stdin failed', errorFields(err));
        if (stdinCfg.exitOnEnd) void shutdown('stdin failed');
      },
    );
  }
  return { port, exited, shutdown };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
