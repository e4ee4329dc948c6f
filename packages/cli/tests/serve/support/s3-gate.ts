/**
 * A loopback server that answers S3 PutObject the way S3 does, and can hold the requests
 * (a slow sink) or deny them with 403 AccessDenied (a failing sink). Only PutObject is
 * spoken: the lake writer of a running sidecar does nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type GateMode = 'pass' | 'hold' | 'deny';

/** The server and its controls. */
export interface S3Gate {
  readonly endpoint: string;
  /** Object keys stored, with their sizes. */
  readonly objects: Map<string, number>;
  /** PutObject requests held right now. */
  held(): number;
  setMode(mode: GateMode): void;
  close(): Promise<void>;
}

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

/** Starts the gate in `mode`. */
export function startS3Gate(mode: GateMode): Promise<S3Gate> {
  let current = mode;
  const objects = new Map<string, number>();
  const waiting: Array<() => void> = [];
  const answer = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    if (current === 'deny') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(ACCESS_DENIED);
      return;
    }
    objects.set(req.url ?? '', body.length);
    res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"', 'content-length': 0 });
    res.end();
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method !== 'PUT') {
        res.writeHead(501);
        res.end();
        return;
      }
      if (current === 'hold') waiting.push(() => answer(req, res, body));
      else answer(req, res, body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        objects,
        held: () => waiting.length,
        setMode(m) {
          current = m;
          if (m !== 'hold') for (const f of waiting.splice(0)) f();
        },
        close: () =>
          new Promise((done) => {
            for (const f of waiting.splice(0)) f();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Environment for a sidecar whose `s3://` lake goes to the gate. */
export function gateEnv(gate: S3Gate): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: gate.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
