/**
 * The sidecar's HTTP server: the sources' paths, `/healthz`, `/readyz` and `/metrics`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorFields, type Logger } from './log.js';
import { Registry } from './metrics.js';
import type { ServeMetrics } from './self-metrics.js';
import type { HttpSource } from './sources/firehose.js';
import { sendJson } from './sources/http.js';

/** Options of {@link createSidecarServer}. */
export interface SidecarServerOptions {
  sources: readonly HttpSource[];
  metrics: ServeMetrics;
  log: Logger;
  /** Readiness: `undefined` when ready, else why not. */
  notReady: () => string | undefined;
  /** Extra fields of the /readyz answer (queue depth). */
  readyDetails: () => Record<string, unknown>;
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * Creates (does not start) the HTTP server.
 *
 * @example
 * ```ts
 * const server = createSidecarServer({ sources, metrics, log, notReady, readyDetails, keepAliveTimeoutMs: 65_000, requestTimeoutMs: 300_000 });
 * server.listen(8080, '0.0.0.0');
 * ```
 */
export function createSidecarServer(options: SidecarServerOptions): Server {
  const { metrics: m, log } = options;
  const byPath = new Map<string, HttpSource>();
  for (const s of options.sources) byPath.set(s.path, s);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = (req.url ?? '/').indexOf('?');
    const pathname = q < 0 ? (req.url ?? '/') : (req.url ?? '/').slice(0, q);
    const source = byPath.get(pathname);
    if (source !== undefined) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        m.requests.inc([source.name, String(res.statusCode)]);
        m.requestSeconds.observe([source.name], Number(process.hrtime.bigint() - started) / 1e9);
      });
      await source.handle(req, res);
      return;
    }
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (pathname === '/healthz' && isRead) {
      sendJson(req, res, 200, { status: 'ok' });
      return;
    }
    if (pathname === '/readyz' && isRead) {
      const why = options.notReady();
      sendJson(req, res, why === undefined ? 200 : 503, {
        status: why === undefined ? 'ready' : 'not ready',
        ...(why === undefined ? {} : { reason: why }),
        ...options.readyDetails(),
      });
      return;
    }
    if (pathname === '/metrics' && isRead) {
      let text: string;
      try {
        for (const s of options.sources) s.collect();
        text = m.registry.render();
      } catch (err) {
        log.error('rendering /metrics failed', errorFields(err));
        sendJson(req, res, 500, { error: 'METRICS_FAILED' });
        return;
      }
      res.writeHead(200, {
        'content-type': Registry.contentType,
        'content-length': Buffer.byteLength(text),
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    sendJson(req, res, 404, {
      error: 'NOT_FOUND',
      message: `no route for ${req.method} ${pathname}`,
    });
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error('request failed unexpectedly', errorFields(err));
      sendJson(req, res, 500, { error: 'INTERNAL_ERROR' });
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  // Headers must be allowed to take longer than an idle keep-alive connection lives.
  server.headersTimeout = options.keepAliveTimeoutMs + 1000;
  server.requestTimeout = options.requestTimeoutMs;
  return server;
}
