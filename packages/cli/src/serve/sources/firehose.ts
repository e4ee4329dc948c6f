/**
 * The Firehose HTTP endpoint source: `createHttpEndpointHandler` of
 * `@logpipe/firehose-transform` (spec 1.0: access key, gzip, request ids, decoding), behind
 * the sidecar's queue. Firehose retries every answer but 200 until its retry duration ends,
 * so a full queue (429), a draining sidecar (503) and a failed sink (503) all make it send the
 * same request again, with the same request id and so the same record ids.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createHttpEndpointHandler,
  HttpEndpointError,
  type HttpEndpointHandler,
  type ReceivedBatch,
} from '@logpipe/firehose-transform';
import type { FirehoseSourceConfig } from '../config.js';
import type { InputDeadLetter } from '../dead-letter.js';
import { SinkWriteError } from '../errors.js';
import { holdUntil, type Ticket } from '../queue.js';
import { batchBytes, countAcknowledged, countReceived, type SourceContext } from './context.js';
import { declaredLength, header, sendJson } from './http.js';

const SOURCE = 'firehose';

interface RequestState {
  ticket: Ticket;
  res: ServerResponse;
  /** The sinks' write of this request's batch, once started. */
  work: Promise<void> | undefined;
}

/** An HTTP source the server routes to. */
export interface HttpSource {
  readonly name: string;
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Copies counters kept elsewhere into the metrics (at scrape time). */
  collect(): void;
}

/**
 * Creates the Firehose source.
 *
 * @example
 * ```ts
 * const source = createFirehoseSource(config.sources.firehose, context);
 * if (url.pathname === source.path) await source.handle(req, res);
 * ```
 */
export function createFirehoseSource(cfg: FirehoseSourceConfig, ctx: SourceContext): HttpSource {
  const m = ctx.metrics;
  const als = new AsyncLocalStorage<RequestState>();
  const retryAfter = String(ctx.retryAfterSeconds);

  const onRecords = async (batch: ReceivedBatch): Promise<void> => {
    const state = als.getStore();
    const records = batch.records.length;
    const metrics = batch.metrics.length;
    countReceived(m, SOURCE, records, metrics);
    state?.ticket.resize(Math.max(state.ticket.bytes, batchBytes(batch.records, batch.metrics)));
    const time = new Date().toISOString();
    const failures: InputDeadLetter[] = batch.failures.map((f) => ({
      source: SOURCE,
      input: batch.requestId,
      at: f.source,
      code: f.code,
      reason: f.message,
      data: f.data,
      time,
    }));
    const work = ctx.pipeline.write({
      source: SOURCE,
      input: batch.requestId,
      records: batch.records,
      metrics: batch.metrics,
      failures,
    });
    if (state !== undefined) state.work = work;
    try {
      await work;
    } catch (err) {
      state?.res.setHeader('retry-after', retryAfter);
      const message = err instanceof Error ? err.message : String(err);
      throw new HttpEndpointError(
        SinkWriteError.isInstance(err) ? err.code : 'SINK_WRITE_FAILED',
        503,
        message,
        { cause: err },
      );
    }
    countAcknowledged(m, SOURCE, records, metrics);
  };

  const handler: HttpEndpointHandler = createHttpEndpointHandler({
    onRecords,
    accessKey: cfg.accessKeys,
    maxBodyBytes: cfg.maxBodyBytes,
    maxDecompressedBytes: cfg.maxDecompressedBytes,
    callbackTimeoutMs: cfg.timeoutMs,
    // The pool was built with the same classifier and decoder options (run.ts).
    ...(ctx.pool === undefined
      ? {
          classifier: ctx.classifierOptions,
          decoder: { maxDecompressedBytes: ctx.maxDecompressedBytes },
        }
      : { pool: ctx.pool }),
    logger: (line) => {
      // One line per request (debug), and a warning when the worker pool refused a request
      // (the receiver writes `level` first).
      const warn = line.startsWith('{"level":"warn"');
      if (!warn && !ctx.log.enabled('debug')) return;
      let fields: Record<string, unknown>;
      try {
        fields = JSON.parse(line) as Record<string, unknown>;
      } catch {
        ctx.log.debug('firehose request', { line });
        return;
      }
      const { msg, level: _level, ...rest } = fields;
      if (warn) ctx.log.warn(String(msg), { source: SOURCE, ...rest });
      else ctx.log.debug('firehose request', rest);
    },
  });

  /** Answers in Firehose's error format without reading the body. */
  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
  ): void => {
    m.errors.inc([SOURCE, code]);
    sendJson(
      req,
      res,
      status,
      {
        requestId: header(req, 'x-amz-firehose-request-id') ?? '',
        timestamp: Date.now(),
        errorMessage: message,
      },
      // A draining sidecar also closes the connection, so the sender reconnects elsewhere.
      code === 'SHUTTING_DOWN'
        ? { 'retry-after': retryAfter, connection: 'close' }
        : { 'retry-after': retryAfter },
    );
  };

  return {
    name: SOURCE,
    path: cfg.path,
    async handle(req, res) {
      if (ctx.draining()) {
        refuse(req, res, 503, 'SHUTTING_DOWN', 'logpipe is shutting down; retry another endpoint');
        return;
      }
      const declared = declaredLength(req) ?? 0;
      const ticket = ctx.queue.tryAcquire(Math.min(declared, cfg.maxBodyBytes));
      if (typeof ticket === 'string') {
        m.queueRefused.inc([ticket]);
        if (ticket === 'closed') {
          refuse(
            req,
            res,
            503,
            'SHUTTING_DOWN',
            'logpipe is shutting down; retry another endpoint',
          );
        } else {
          refuse(req, res, 429, 'QUEUE_FULL', `queue full (${ticket}); retry later`);
        }
        return;
      }
      const state: RequestState = { ticket, res, work: undefined };
      // The place is held until the answer is sent and the batch's writes settled (a sender
      // that gave up waiting does not free the memory its records still hold).
      res.once('close', () => holdUntil(ticket, state.work));
      m.receivedBytes.inc([SOURCE], declared);
      await als.run(state, () => handler(req, res));
    },
    collect() {
      const s = handler.stats;
      for (const [code, n] of Object.entries(s.errors)) m.errors.set([SOURCE, code], n);
      m.dropped.set([SOURCE, 'control_message', 'true'], s.controlMessages);
    },
  };
}
