/**
 * A real S3-protocol server for tests: s3rver (on a temporary directory) behind a small
 * loopback HTTP proxy that logs every request and can inject faults (503 SlowDown, 500,
 * 403, dropped connections) into chosen requests.
 *
 * s3rver runs in a child Node process started with `--openssl-legacy-provider`: s3rver 3.7.1
 * encrypts ListObjectsV2 continuation tokens with DES (`crypto.createCipheriv('des', …)` in
 * `lib/controllers/bucket.js`), which OpenSSL 3 (Node ≥ 17) only has in its legacy provider, so
 * without the flag every truncated list page answers 500 (ERR_OSSL_EVP_UNSUPPORTED).
 *
 * s3rver 3.7.1 also does not implement two calls the storage needs:
 * AbortMultipartUpload (`DELETE /bucket/key?uploadId=…` answers 405 MethodNotAllowed) and
 * ListMultipartUploads (`GET /bucket?uploads` answers 501 NotImplemented). The proxy answers
 * those two itself from s3rver's own on-disk state (`<dir>/<bucket>/._S3rver_uploads/<id>/`,
 * where s3rver keeps in-progress uploads and which it removes on Complete): Abort removes the
 * upload's directory, List reads what is there. Every other request goes to s3rver unchanged.
 *
 * One more s3rver quirk: DeleteObjects deletes its keys concurrently and then removes the
 * directories that became empty, so a call that empties a directory can race with itself and
 * answer 500 InternalError (ENOENT from rmdir). Tests that count DeleteObjects calls keep one
 * object in the directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** The S3 operation a request is, as told from its method, path and query. */
export type S3Operation =
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjectsV2'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListMultipartUploads'
  | 'Other';

/** One request the proxy saw. */
export interface LoggedRequest {
  operation: S3Operation;
  method: string;
  /** Path without the query, e.g. `/lake/alb/year=2026/…/part-0.parquet`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The injected fault, if one was. */
  fault?: FaultKind | undefined;
  /** Answered by the proxy itself (calls s3rver lacks), not by s3rver. */
  emulated?: boolean | undefined;
  /** Status sent back (undefined for a dropped connection). */
  status?: number | undefined;
  /** Request body as text, kept for DeleteObjects only. */
  body?: string | undefined;
}

/** Faults the proxy can inject. */
export type FaultKind = 'slowDown' | 'internalError' | 'accessDenied' | 'dropConnection';

/** Which requests to fail, how, and how many times. */
export interface FaultRule {
  fault: FaultKind;
  operation?: S3Operation | undefined;
  method?: string | undefined;
  /** Extra predicate on the request (path, query, headers). */
  match?: ((request: LoggedRequest) => boolean) | undefined;
  /** How many matching requests to fail (default 1; `Infinity` for all). */
  times?: number | undefined;
}

/** A running s3rver behind a fault-injecting proxy. */
export interface S3TestServer {
  /** The proxy's URL; point clients here. */
  endpoint: string;
  /** A bucket that exists. */
  bucket: string;
  /** A client for the proxy: path-style, us-east-1, static credentials, `maxAttempts: 1`. */
  client: S3Client;
  /** s3rver's data directory. */
  dir: string;
  /** Every request the proxy saw, in arrival order. */
  log: LoggedRequest[];
  /** Logged requests of one operation. */
  requests(operation: S3Operation): LoggedRequest[];
  /** Fail the next `times` requests that match. */
  inject(rule: FaultRule): void;
  /** Forget the log and all pending faults. */
  reset(): void;
  close(): Promise<void>;
}

/** Runs in the child process: start s3rver, print its port, stop on SIGTERM. */
const CHILD_SCRIPT = `
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: process.env.S3RVER_DIR,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
});
server.run().then((address) => {
  process.stdout.write(JSON.stringify({ port: address.port }) + '\\n');
});
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

/** Start s3rver in a child process; resolves with the child and its port. */
function startS3rver(dir: string, bucket: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SCRIPT], {
    env: {
      ...process.env,
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_DIR: dir,
      S3RVER_BUCKET: bucket,
      NODE_OPTIONS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        resolve({ child, port: (JSON.parse(line) as { port: number }).port });
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${err}`)));
  });
}

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const FAULT_RESPONSES: Record<Exclude<FaultKind, 'dropConnection'>, [number, string, string]> = {
  slowDown: [503, 'SlowDown', 'Please reduce your request rate.'],
  internalError: [500, 'InternalError', 'We encountered an internal error. Please try again.'],
  accessDenied: [403, 'AccessDenied', 'Access Denied'],
};

function operationOf(method: string, path: string, query: URLSearchParams): S3Operation {
  const onObject = path.split('/').filter((s) => s !== '').length > 1;
  if (!onObject) {
    if (method === 'GET' && query.has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET') return 'ListObjectsV2';
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    return 'Other';
  }
  switch (method) {
    case 'PUT':
      return query.has('uploadId') ? 'UploadPart' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return query.has('uploadId') ? 'CompleteMultipartUpload' : 'Other';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      return 'Other';
  }
}

function sendXml(res: ServerResponse, entry: LoggedRequest, status: number, xml: string): void {
  entry.status = status;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'proxy' });
  res.end(XML_HEADER + xml);
}

function sendError(
  res: ServerResponse,
  entry: LoggedRequest,
  status: number,
  code: string,
  message: string,
): void {
  sendXml(
    res,
    entry,
    status,
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>proxy</RequestId></Error>`,
  );
}

/** Read the whole request body, then call `then` (a response before the body is read breaks the client's write). */
function drain(req: IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => then(Buffer.concat(chunks)));
}

/**
 * Start s3rver on a temporary directory with one bucket, and the proxy in front of it, both
 * on 127.0.0.1 with ephemeral ports.
 *
 * @example
 * ```ts
 * const server = await startS3Server();
 * server.inject({ operation: 'PutObject', fault: 'slowDown', times: 2 });
 * // … use server.client / server.bucket …
 * await server.close();
 * ```
 */
export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? 'lake';
  const dir = await mkdtemp(join(tmpdir(), 'logpipe-s3rver-'));
  const { child, port: upstreamPort } = await startS3rver(dir, bucket);
  const uploadsDir = join(dir, bucket, '._S3rver_uploads');

  const log: LoggedRequest[] = [];
  let rules: Array<FaultRule & { remaining: number }> = [];

  async function abortUpload(res: ServerResponse, entry: LoggedRequest): Promise<void> {
    const id = entry.query.get('uploadId') ?? '';
    const uploadDir = join(uploadsDir, id);
    if (!/^[0-9a-f]+$/.test(id) || !(await stat(uploadDir).catch(() => undefined))) {
      sendError(res, entry, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      return;
    }
    await rm(uploadDir, { recursive: true, force: true });
    entry.status = 204;
    res.writeHead(204);
    res.end();
  }

  async function listUploads(res: ServerResponse, entry: LoggedRequest): Promise<void> {
    const ids = await readdir(uploadsDir).catch(() => [] as string[]);
    let uploads = '';
    for (const id of ids.sort()) {
      const key = await readFile(join(uploadsDir, id, 'key'), 'utf8').catch(() => undefined);
      if (key === undefined) continue;
      uploads += `<Upload><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId><Initiated>${new Date().toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`;
    }
    sendXml(
      res,
      entry,
      200,
      `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`,
    );
  }

  function forward(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest): void {
    const up = httpRequest(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        entry.status = upRes.statusCode;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  const proxy: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = {
      operation: operationOf(method, url.pathname, url.searchParams),
      method,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
    };
    log.push(entry);

    const rule = rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.operation === undefined || r.operation === entry.operation) &&
        (r.method === undefined || r.method === method) &&
        (r.match === undefined || r.match(entry)),
    );
    if (rule !== undefined) {
      rule.remaining--;
      entry.fault = rule.fault;
      if (rule.fault === 'dropConnection') {
        // Drop mid-request: once part of the body has arrived (or at once when there is none).
        const drop = () => req.socket.destroy();
        if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') {
          req.once('data', drop);
        } else {
          drop();
        }
        return;
      }
      const [status, code, message] = FAULT_RESPONSES[rule.fault];
      drain(req, () => sendError(res, entry, status, code, message));
      return;
    }

    if (entry.operation === 'AbortMultipartUpload' || entry.operation === 'ListMultipartUploads') {
      entry.emulated = true;
      drain(req, () => {
        const handler = entry.operation === 'AbortMultipartUpload' ? abortUpload : listUploads;
        handler(res, entry).catch(() => res.destroy());
      });
      return;
    }
    if (entry.operation === 'DeleteObjects') {
      // Keep the body (small XML) for assertions, then forward it.
      drain(req, (body) => {
        entry.body = body.toString('utf8');
        const up = httpRequest(
          {
            host: '127.0.0.1',
            port: upstreamPort,
            method,
            path: req.url,
            headers: req.headers,
          },
          (upRes) => {
            entry.status = upRes.statusCode;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(body);
      });
      return;
    }
    forward(req, res, entry);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // Our storage's retries are under test, not the SDK's.
    maxAttempts: 1,
  });

  return {
    endpoint,
    bucket,
    client,
    dir,
    log,
    requests: (operation) => log.filter((r) => r.operation === operation),
    inject(rule) {
      rules.push({ ...rule, remaining: rule.times ?? 1 });
    },
    reset() {
      log.length = 0;
      rules = [];
    },
    async close() {
      client.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => child.kill('SIGKILL'), 2000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
