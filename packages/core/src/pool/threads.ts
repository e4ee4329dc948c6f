/**
 * The piscina threads behind a pool that takes work until it is closed: core's worker
 * pool and s3-parquet's Parquet encoder pool both run on it.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { Piscina } from 'piscina';

/** What {@link WorkerThreads.run} passes on to piscina's `run`. */
export type WorkerRunOptions = NonNullable<Parameters<Piscina['run']>[1]>;

/** Options of {@link WorkerThreads}. */
export interface WorkerThreadsOptions {
  /** The worker entry file (absolute path). */
  filename: string;
  /** Threads, started at once and kept: no more, no fewer. */
  threads: number;
  /** What every worker gets at start (`workerData`: structured-cloned). */
  workerData: unknown;
  /** Heap limits of each worker thread. */
  resourceLimits?: ResourceLimits | undefined;
}

/**
 * A fixed set of worker threads (piscina) and the work accepted on them.
 *
 * - piscina is loaded here, not at import time (it costs tens of ms); the threads start
 *   in the background from the constructor on.
 * - A worker that fails never takes the process down: the tasks it held fail on their own,
 *   and piscina starts a replacement.
 * - Threads that fail while starting (the worker file cannot be loaded) are not replaced
 *   (they would fail again): once none is left, every task waiting and every later one
 *   rejects with the reason, instead of waiting forever.
 * - {@link close} takes no new work, lets what was accepted ({@link track}) settle, then
 *   ends the threads. Idempotent.
 *
 * @example
 * ```ts
 * const threads = new WorkerThreads({ filename, threads: 2, workerData: {} });
 * const out = threads.track(threads.run(task));
 * await threads.close();
 * ```
 */
export class WorkerThreads {
  /** The piscina pool, once loaded and started (rejects when piscina cannot be loaded). */
  readonly ready: Promise<Piscina>;
  private readonly active = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private startFailure: Error | undefined;
  private readonly filename: string;

  constructor(options: WorkerThreadsOptions) {
    const { filename, threads, workerData, resourceLimits } = options;
    this.filename = filename;
    this.ready = import('piscina').then(({ Piscina }) => {
      const pool = new Piscina({
        filename,
        minThreads: threads,
        maxThreads: threads,
        workerData,
        ...(resourceLimits === undefined ? {} : { resourceLimits }),
      });
      // 'error' on the pool is a worker that failed with no task on it: never fatal here.
      pool.on('error', (err: unknown) => this.noThreadLeft(pool, err));
      return pool;
    });
    // Whoever runs work on `ready` hears of the failure; nobody else must.
    this.ready.catch(() => {});
  }

  /** Whether {@link close} was called: no new work is to be taken. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Runs one task on a thread (piscina's `run`). Rejects with the reason where the threads
   * failed to start.
   */
  run<R>(task: unknown, options?: WorkerRunOptions): Promise<R> {
    return this.ready.then((pool) => {
      if (this.startFailure !== undefined) throw this.startFailure;
      return (pool.run(task, options) as Promise<R>).catch((err: unknown) => {
        this.noThreadLeft(pool, err);
        throw this.startFailure ?? err;
      });
    });
  }

  /**
   * After a worker failed (`err`): piscina replaces a worker before it reports the failure,
   * unless the worker failed while starting (it would fail again). With no thread left,
   * nothing would ever run what waits in piscina's queue: remember why, and reject it all.
   */
  private noThreadLeft(pool: Piscina, err: unknown): void {
    if (pool.threads.length > 0 || this.startFailure !== undefined || this.closed) return;
    const reason = err instanceof Error ? err.message : String(err);
    this.startFailure = new Error(
      `the worker threads failed to start (${this.filename}): ${reason}`,
      { cause: err },
    );
    // Rejects every queued task ("Terminating worker thread"; run() gives the reason).
    pool.destroy().catch(() => {});
  }

  /** Counts `work` as accepted until it settles (close() waits for it); returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.active.add(work);
    const done = () => this.active.delete(work);
    work.then(done, done);
    return work;
  }

  /** Lets accepted work settle, then ends the threads. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.active]);
      const pool = await this.ready.catch(() => undefined);
      await pool?.destroy();
    })();
    return this.closing;
  }
}
