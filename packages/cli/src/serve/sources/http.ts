/**
 * HTTP helpers of the sources: bounded body reading (gzip inflated off the main thread, with
 * a cap on the inflated size) and JSON answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';

/** A refusal: the HTTP status to answer and a stable code. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

/** The first value of a header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The declared body size, or undefined when the request does not say (chunked). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const v = Number(header(req, 'content-length'));
  return Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * Reads the whole body, refusing past `maxBody` bytes on the wire (413); inflates a gzip
 * body (`Content-Encoding: gzip`) with `maxInflated` as the cap (413) in libuv's pool.
 */
export function readBody(
  req: IncomingMessage,
  maxBody: number,
  maxInflated: number,
): Promise<{ body: Buffer; wireBytes: number }> {
  const encoding = (header(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') {
    return Promise.reject(
      new HttpRefusal(
        415,
        'UNSUPPORTED_CONTENT_ENCODING',
        `Content-Encoding ${encoding} is not supported (gzip or none)`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const fail = (err: HttpRefusal): void => {
      if (done) return;
      done = true;
      chunks.length = 0;
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      bytes += chunk.length;
      if (bytes > maxBody) {
        fail(
          new HttpRefusal(
            413,
            'BODY_TOO_LARGE',
            `body exceeds the ${maxBody}-byte limit (maxBodyBytes)`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => fail(new HttpRefusal(400, 'REQUEST_STREAM_ERROR', err.message)));
    req.on('close', () => {
      if (!req.complete)
        fail(new HttpRefusal(400, 'REQUEST_ABORTED', 'client closed the request early'));
    });
    req.on('end', () => {
      if (done) return;
      const raw = Buffer.concat(chunks, bytes);
      if (encoding !== 'gzip') {
        done = true;
        resolve({ body: raw, wireBytes: bytes });
        return;
      }
      gunzip(raw, { maxOutputLength: maxInflated }, (err, out) => {
        if (done) return;
        if (err !== null) {
          const tooLarge = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
          fail(
            tooLarge
              ? new HttpRefusal(
                  413,
                  'DECOMPRESSED_BODY_TOO_LARGE',
                  `gzip body inflates past the ${maxInflated}-byte limit (maxDecompressedBytes)`,
                )
              : new HttpRefusal(400, 'INVALID_GZIP', `gzip body is corrupt: ${err.message}`),
          );
          return;
        }
        done = true;
        resolve({ body: out, wireBytes: bytes });
      });
    });
  });
}

/**
 * Answers with a JSON body. A request whose body was not read to the end gets
 * `Connection: close`, so its unread bytes are not taken for the next request.
 */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  const h: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  };
  if (!req.complete) {
    h.connection = 'close';
    req.resume();
  }
  res.writeHead(status, h);
  res.end(text);
}
