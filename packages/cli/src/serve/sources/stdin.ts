/**
 * The stdin source: lines from standard input (anything `logpipe decode` reads line by line:
 * raw log lines, NDJSON log events, CloudWatch Logs payloads, Firehose bodies, metric stream
 * JSON), in batches of `batchLines` lines or `batchWaitMs` of quiet. Reading waits while the
 * queue is full (the writer to the pipe blocks), and a batch a sink fails is retried with
 * backoff until it is written or shutdown ends the retries (then it is counted as dropped).
 */
import {
  type CwlEnvelope,
  decodeInput,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import type { StdinSourceConfig } from '../config.js';
import type { InputDeadLetter } from '../dead-letter.js';
import { errorFields } from '../log.js';
import { batchBytes, countAcknowledged, countReceived, type SourceContext } from './context.js';

const SOURCE = 'stdin';
const MAX_RETRY_DELAY_MS = 30_000;

/** A running stdin source. */
export interface StdinSource {
  /** Resolves when standard input ended and every batch was handled. */
  readonly done: Promise<void>;
  /**
   * Shutdown: stops reading (lines already read are still written), and stops retrying failed
   * batches (a batch that fails after this is counted as dropped).
   */
  stop(): void;
}

interface Decoded {
  records: LogRecord[];
  metrics: MetricRecord[];
  failures: InputDeadLetter[];
}

/**
 * Starts reading `input`.
 *
 * @example
 * ```ts
 * const stdin = startStdinSource(config.sources.stdin, context, process.stdin);
 * await stdin.done;
 * ```
 */
export function startStdinSource(
  cfg: StdinSourceConfig,
  ctx: SourceContext,
  input: NodeJS.ReadableStream,
): StdinSource {
  const m = ctx.metrics;
  const started = Date.now();
  let seq = 0;
  let retrying = true;
  let stopping = false;
  let wakeRetry: (() => void) | undefined;

  const decode = (lines: string[]): Decoded => {
    const out: Decoded = { records: [], metrics: [], failures: [] };
    const now = Date.now();
    const { units } = decodeInput(Buffer.from(lines.join('\n')), {
      name: SOURCE,
      maxDecompressedBytes: ctx.maxDecompressedBytes,
    });
    for (const unit of units) {
      if (unit.kind === 'error') {
        out.failures.push({
          source: SOURCE,
          input: SOURCE,
          at: unit.source,
          code: unit.error.code,
          reason: unit.error.message,
          time: new Date(now).toISOString(),
        });
        continue;
      }
      if (unit.kind === 'metrics') {
        for (const x of unit.metrics) out.metrics.push(x);
        continue;
      }
      let envelope: CwlEnvelope;
      if (unit.kind === 'payload') {
        envelope = unit.decoded.envelope;
      } else {
        envelope = {
          messageType: 'DATA_MESSAGE',
          owner: cfg.owner,
          logGroup: cfg.logGroup,
          logStream: cfg.logStream,
          subscriptionFilters: [],
          logEvents: unit.events.map((e) => ({
            id: e.id ?? `stdin-${started}-${seq++}`,
            timestamp: e.timestamp ?? now,
            message: e.message,
          })),
        };
      }
      const p = processEnvelope(envelope, ctx.classifier, { region: ctx.region });
      if (p.control) m.dropped.inc([SOURCE, 'control_message', 'true']);
      for (const r of p.records) out.records.push(r);
      for (const x of p.metrics) out.metrics.push(x);
    }
    return out;
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      wakeRetry = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const handle = async (lines: string[]): Promise<void> => {
    const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
    const ticket = await ctx.queue.acquire(bytes);
    try {
      m.receivedBytes.inc([SOURCE], bytes);
      const d = decode(lines);
      ticket.resize(Math.max(bytes, batchBytes(d.records, d.metrics)));
      countReceived(m, SOURCE, d.records.length, d.metrics.length);
      let delay = 500;
      for (;;) {
        try {
          await ctx.pipeline.write({ source: SOURCE, input: SOURCE, ...d });
          countAcknowledged(m, SOURCE, d.records.length, d.metrics.length);
          return;
        } catch (err) {
          if (!retrying) {
            m.dropped.inc([SOURCE, 'sink_failed', 'false'], d.records.length + d.metrics.length);
            ctx.log.error('stdin batch dropped: the sinks failed and shutdown ended the retries', {
              records: d.records.length,
              metrics: d.metrics.length,
              ...errorFields(err),
            });
            return;
          }
          ctx.log.warn('stdin batch failed; retrying', { delayMs: delay, ...errorFields(err) });
          await sleep(delay);
          delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
        }
      }
    } finally {
      ticket.release();
    }
  };

  const done = (async () => {
    let pending: string[] = [];
    let partial = '';
    let chain: Promise<void> = Promise.resolve();
    let lastFlush = Date.now();
    const flush = (): Promise<void> => {
      lastFlush = Date.now();
      if (pending.length === 0) return chain;
      const lines = pending;
      pending = [];
      chain = chain.then(() => handle(lines));
      return chain;
    };
    const timer = setInterval(() => {
      if (pending.length > 0 && Date.now() - lastFlush >= cfg.batchWaitMs) void flush();
    }, cfg.batchWaitMs);
    timer.unref();
    try {
      try {
        for await (const chunk of input) {
          partial += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
          let nl = partial.indexOf('\n');
          while (nl >= 0) {
            const line = partial.slice(0, nl);
            partial = partial.slice(nl + 1);
            if (line.trim() !== '') pending.push(line.endsWith('\r') ? line.slice(0, -1) : line);
            nl = partial.indexOf('\n');
          }
          if (pending.length >= cfg.batchLines) await flush();
          if (stopping) break;
        }
      } catch (err) {
        // Destroying the stream to stop reading ends the loop with a premature-close error.
        if (!stopping) throw err;
      }
      if (partial.trim() !== '') pending.push(partial);
      await flush();
    } finally {
      clearInterval(timer);
    }
  })();

  return {
    done,
    stop() {
      stopping = true;
      retrying = false;
      wakeRetry?.();
      const s = input as NodeJS.ReadableStream & { destroy?: () => void };
      if (typeof s.destroy === 'function') s.destroy();
    },
  };
}
