/**
 * The sidecar's bounded queue: every input (an HTTP request, a batch of stdin lines) holds a
 * place from the moment it is admitted until it is acknowledged or refused, so the requests
 * in flight and their bytes are bounded end to end: reading, decoding, the sinks' buffers
 * and the wait for their durable writes. A full queue refuses (HTTP sources answer 429 so the
 * sender retries) or makes the caller wait (stdin); it never accepts and drops.
 */
import { ConfigError } from '@logpipe/core';

/** A place in the queue. `release` is idempotent. */
export interface Ticket {
  /** Bytes this input is counted for. */
  readonly bytes: number;
  /** Counts the input for `bytes` instead (e.g. its decoded size once known). */
  resize(bytes: number): void;
  release(): void;
}

/** Why an input was refused. */
export type QueueFullReason = 'requests' | 'bytes' | 'closed';

/** Options of {@link BoundedQueue}. */
export interface BoundedQueueOptions {
  maxRequests: number;
  maxBytes: number;
  /** Called when the queue holds at least this fraction of either limit (after each change). */
  highWaterFraction?: number | undefined;
  onHighWater?: (() => void) | undefined;
}

interface Waiter {
  bytes: number;
  resolve: (t: Ticket) => void;
  reject: (err: Error) => void;
}

/**
 * Counts inputs in flight by number and by bytes.
 *
 * @example
 * ```ts
 * const queue = new BoundedQueue({ maxRequests: 64, maxBytes: 256 * 1024 * 1024 });
 * const t = queue.tryAcquire(Number(req.headers['content-length'] ?? 0));
 * if (typeof t === 'string') return refuse(429, t);
 * res.on('close', () => t.release());
 * ```
 */
export class BoundedQueue {
  readonly maxRequests: number;
  readonly maxBytes: number;
  private inFlight = 0;
  private held = 0;
  private closed = false;
  private readonly waiters: Waiter[] = [];
  private emptyWaiters: Array<() => void> = [];
  private readonly highWater: number;
  private readonly onHighWater: (() => void) | undefined;
  /** Counters since start. */
  readonly stats = { admitted: 0, refusedRequests: 0, refusedBytes: 0, highWater: 0 };

  constructor(options: BoundedQueueOptions) {
    for (const k of ['maxRequests', 'maxBytes'] as const) {
      if (!Number.isSafeInteger(options[k]) || options[k] <= 0) {
        throw new ConfigError(`${k} must be a positive integer, got ${String(options[k])}`);
      }
    }
    this.maxRequests = options.maxRequests;
    this.maxBytes = options.maxBytes;
    this.highWater = options.highWaterFraction ?? 1;
    this.onHighWater = options.onHighWater;
  }

  /** Inputs in flight. */
  get requests(): number {
    return this.inFlight;
  }

  /** Bytes in flight. */
  get bytes(): number {
    return this.held;
  }

  /**
   * Admits an input of `bytes` now, or says why not. An input larger than `maxBytes` is
   * admitted when the queue is empty, so no input is refused forever.
   */
  tryAcquire(bytes: number): Ticket | QueueFullReason {
    if (this.closed) return 'closed';
    if (this.waiters.length > 0 || this.inFlight >= this.maxRequests) {
      this.stats.refusedRequests++;
      return 'requests';
    }
    if (!this.fits(bytes)) {
      this.stats.refusedBytes++;
      return 'bytes';
    }
    return this.grant(bytes);
  }

  /** Admits an input of `bytes`, waiting for room (first come, first served). */
  acquire(bytes: number): Promise<Ticket> {
    if (this.closed) return Promise.reject(new Error('the queue is closed'));
    if (this.waiters.length === 0 && this.inFlight < this.maxRequests && this.fits(bytes)) {
      return Promise.resolve(this.grant(bytes));
    }
    return new Promise((resolve, reject) => this.waiters.push({ bytes, resolve, reject }));
  }

  /** Refuses every new input from now on; waiting `acquire` calls reject. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the queue is closed'));
  }

  /** Resolves once nothing is in flight. */
  whenEmpty(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** True when the queue holds at least the high-water fraction of either limit. */
  aboveHighWater(): boolean {
    return (
      this.inFlight >= this.maxRequests * this.highWater ||
      this.held >= this.maxBytes * this.highWater
    );
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.held + bytes <= this.maxBytes;
  }

  private grant(bytes: number): Ticket {
    let size = Math.max(0, bytes);
    let released = false;
    this.inFlight++;
    this.held += size;
    this.stats.admitted++;
    this.checkHighWater();
    const ticket: Ticket = {
      get bytes() {
        return size;
      },
      resize: (n: number) => {
        if (released) return;
        const next = Math.max(0, n);
        this.held += next - size;
        size = next;
        this.checkHighWater();
      },
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.held -= size;
        this.wake();
      },
    };
    return ticket;
  }

  private checkHighWater(): void {
    if (this.onHighWater !== undefined && this.aboveHighWater()) {
      this.stats.highWater++;
      this.onHighWater();
    }
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as Waiter;
      if (this.inFlight >= this.maxRequests || !this.fits(w.bytes)) break;
      this.waiters.shift();
      w.resolve(this.grant(w.bytes));
    }
    if (this.inFlight === 0) {
      const list = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const f of list) f();
    }
  }
}

/** Releases `ticket` once `work` (when there is any) has settled. */
export function holdUntil(ticket: Ticket, work: Promise<unknown> | undefined): void {
  if (work === undefined) ticket.release();
  else work.then(ticket.release, ticket.release);
}
