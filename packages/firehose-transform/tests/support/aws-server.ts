/**
 * A loopback stand-in for the Firehose and Kinesis data-plane APIs, good enough for the
 * real AWS SDK v3 clients (`endpoint: server.url`, static credentials, region `us-east-1`).
 *
 * Wire protocols, as observed from the installed clients (@aws-sdk/client-firehose 3.1169,
 * @aws-sdk/client-kinesis 3.1143):
 * - Firehose: AWS JSON 1.1 over HTTP/1.1 — `POST /`, `content-type: application/x-amz-json-1.1`,
 *   `x-amz-target: Firehose_20150804.PutRecordBatch`.
 * - Kinesis: AWS JSON 1.1 over **HTTP/2** (the client's default handler is NodeHttp2Handler,
 *   so against an `http://` endpoint it speaks h2c with prior knowledge) — `POST /`,
 *   `x-amz-target: Kinesis_20131202.PutRecords`.
 *
 * Both share one port: the first bytes of each connection decide whether it is handed to
 * the HTTP/1.1 or the HTTP/2 server. Smithy RPC v2 CBOR (`application/cbor`) is not sent by
 * these versions; such a request is answered 415 so a future client switch fails loudly.
 */
import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';

export type Service = 'firehose' | 'kinesis';

/** A record the server accepted. */
export interface AcceptedRecord {
  service: Service;
  /** DeliveryStreamName (Firehose) or StreamARN / StreamName (Kinesis). */
  stream: string;
  data: Buffer;
  partitionKey?: string | undefined;
  explicitHashKey?: string | undefined;
  /** 1-based number of the call (per service) that delivered it. */
  call: number;
}

/** One API call as the server saw it, faults included. */
export interface CallLog {
  service: Service;
  /** 1-based per service. */
  call: number;
  stream: string;
  /** Every record in the request, failed ones included. */
  data: Buffer[];
  partitionKeys: Array<string | undefined>;
  /** HTTP status answered. */
  status: number;
  /** Error type of a whole-call failure, if any. */
  errorType?: string | undefined;
  /** Number of entries failed inside a 200 response. */
  failedEntries: number;
}

/** Fail whole calls: HTTP `status` with the protocol's error body and `x-amzn-errortype`. */
export interface CallFault {
  service?: Service | undefined;
  /** Calls to fail before this rule stops applying; default: every call. */
  times?: number | undefined;
  /** HTTP status; default 400 (throttling). Use 500 / 503 for internal errors. */
  status?: number | undefined;
  /** Error type, e.g. `ThrottlingException`, `ProvisionedThroughputExceededException`, `LimitExceededException`, `InternalFailure`, `ServiceUnavailableException`. */
  code: string;
  message?: string | undefined;
}

/** Fail single entries inside an otherwise successful (HTTP 200) call. */
export interface EntryFault {
  service?: Service | undefined;
  /** Calls in which this rule fails at least one entry before it stops applying; default: every call. */
  times?: number | undefined;
  /** Which entries to fail: by index within the call… */
  indexes?: readonly number[] | undefined;
  /** …or by a predicate on the data. */
  match?: ((data: Buffer, index: number) => boolean) | undefined;
  /** Per-entry error code; default `ServiceUnavailableException` (Firehose) / `ProvisionedThroughputExceededException` (Kinesis). */
  code?: string | undefined;
  message?: string | undefined;
}

/** The running server. */
export interface FakeAwsServer {
  /** `http://127.0.0.1:<port>`, for the clients' `endpoint`. */
  readonly url: string;
  /** Accepted records, in arrival order. */
  readonly firehoseRecords: AcceptedRecord[];
  readonly kinesisRecords: AcceptedRecord[];
  /** Every PutRecordBatch / PutRecords call, in arrival order. */
  readonly calls: CallLog[];
  /** Calls received, per service or in total. */
  callCount(service?: Service): number;
  /** Program whole-call failures; rules are consulted in the order added. */
  failCalls(fault: CallFault): void;
  /** Program per-entry failures. */
  failEntries(fault: EntryFault): void;
  /** Forget recorded calls, records and faults. */
  reset(): void;
  /** Stop the server and drop every connection. Idempotent. */
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

/** Real service limits enforced so batching bugs show up as errors, as they would in AWS. */
const LIMITS = {
  firehose: { records: 500, callBytes: 4 * 1024 * 1024, recordBytes: 1_024_000 },
  kinesis: { records: 500, callBytes: 5 * 1024 * 1024, recordBytes: 1024 * 1024 },
} as const;

interface FaultState<T> {
  fault: T;
  remaining: number;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/**
 * Start the server on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const aws = await startAwsServer();
 * const firehose = new FirehoseClient({ endpoint: aws.url, region: 'us-east-1', credentials, maxAttempts: 1 });
 * aws.failCalls({ code: 'ThrottlingException', times: 1 });
 * ...
 * await aws.close();
 * ```
 */
export async function startAwsServer(): Promise<FakeAwsServer> {
  const firehoseRecords: AcceptedRecord[] = [];
  const kinesisRecords: AcceptedRecord[] = [];
  const calls: CallLog[] = [];
  let callFaults: FaultState<CallFault>[] = [];
  let entryFaults: FaultState<EntryFault>[] = [];
  const perService = { firehose: 0, kinesis: 0 };
  let sequence = 0;

  function answer(res: Res, status: number, body: unknown, errorType?: string): void {
    const text = JSON.stringify(body);
    res.statusCode = status;
    res.setHeader('content-type', JSON_11);
    res.setHeader('x-amzn-requestid', `req-${++sequence}`);
    if (errorType !== undefined) {
      res.setHeader(
        'x-amzn-errortype',
        `${errorType}:http://internal.amazon.com/coral/com.amazon.coral.service/`,
      );
    }
    res.end(text);
  }

  function fail(res: Res, status: number, type: string, message: string): void {
    answer(res, status, { __type: type, message }, type);
  }

  function takeCallFault(service: Service): CallFault | undefined {
    for (const state of callFaults) {
      if (state.remaining <= 0) continue;
      if (state.fault.service !== undefined && state.fault.service !== service) continue;
      state.remaining--;
      return state.fault;
    }
    return undefined;
  }

  function entryErrors(service: Service, data: Buffer[]): Array<EntryFault | undefined> {
    const out: Array<EntryFault | undefined> = new Array(data.length).fill(undefined);
    for (const state of entryFaults) {
      if (state.remaining <= 0) continue;
      const { fault } = state;
      if (fault.service !== undefined && fault.service !== service) continue;
      let matched = false;
      for (let i = 0; i < data.length; i++) {
        if (out[i] !== undefined) continue;
        const hit = (fault.indexes?.includes(i) ?? false) || fault.match?.(data[i]!, i) === true;
        if (hit) {
          out[i] = fault;
          matched = true;
        }
      }
      if (matched) state.remaining--;
    }
    return out;
  }

  function handle(service: Service, body: Record<string, unknown>, res: Res): void {
    const call = ++perService[service];
    const limits = LIMITS[service];
    const stream = String(
      service === 'firehose' ? body.DeliveryStreamName : (body.StreamARN ?? body.StreamName),
    );
    const raw = Array.isArray(body.Records) ? (body.Records as Array<Record<string, unknown>>) : [];
    const data = raw.map((r) => Buffer.from(String(r.Data ?? ''), 'base64'));
    const partitionKeys = raw.map((r) =>
      typeof r.PartitionKey === 'string' ? r.PartitionKey : undefined,
    );
    const log: CallLog = {
      service,
      call,
      stream,
      data,
      partitionKeys,
      status: 200,
      failedEntries: 0,
    };
    calls.push(log);
    const reject = (status: number, type: string, message: string): void => {
      log.status = status;
      log.errorType = type;
      fail(res, status, type, message);
    };

    if (stream === 'undefined' || stream === '') {
      reject(400, 'InvalidArgumentException', 'stream name is required');
      return;
    }
    if (raw.length === 0 || raw.length > limits.records) {
      reject(
        400,
        'InvalidArgumentException',
        `${raw.length} records; 1..${limits.records} allowed`,
      );
      return;
    }
    let callBytes = 0;
    for (let i = 0; i < data.length; i++) {
      const keyBytes = Buffer.byteLength(partitionKeys[i] ?? '');
      if (service === 'kinesis' && (keyBytes === 0 || (partitionKeys[i]?.length ?? 0) > 256)) {
        reject(400, 'ValidationException', `record ${i}: partition key must be 1..256 characters`);
        return;
      }
      const recordBytes = data[i]!.length + (service === 'kinesis' ? keyBytes : 0);
      if (recordBytes > limits.recordBytes) {
        reject(400, 'InvalidArgumentException', `record ${i} is ${recordBytes} bytes`);
        return;
      }
      callBytes += recordBytes;
    }
    if (callBytes > limits.callBytes) {
      reject(400, 'InvalidArgumentException', `request is ${callBytes} bytes`);
      return;
    }

    const fault = takeCallFault(service);
    if (fault !== undefined) {
      reject(fault.status ?? 400, fault.code, fault.message ?? `${fault.code} (injected)`);
      return;
    }

    const errors = entryErrors(service, data);
    const accepted = service === 'firehose' ? firehoseRecords : kinesisRecords;
    const entries: unknown[] = [];
    let failed = 0;
    for (let i = 0; i < data.length; i++) {
      const err = errors[i];
      if (err !== undefined) {
        failed++;
        const code =
          err.code ??
          (service === 'firehose'
            ? 'ServiceUnavailableException'
            : 'ProvisionedThroughputExceededException');
        entries.push({ ErrorCode: code, ErrorMessage: err.message ?? `${code} (injected)` });
        continue;
      }
      const raw_ = raw[i]!;
      accepted.push({
        service,
        stream,
        data: data[i]!,
        partitionKey: partitionKeys[i],
        explicitHashKey:
          typeof raw_.ExplicitHashKey === 'string' ? raw_.ExplicitHashKey : undefined,
        call,
      });
      const n = ++sequence;
      entries.push(
        service === 'firehose'
          ? { RecordId: `firehose-record-${n}` }
          : {
              SequenceNumber: String(49_000_000_000_000_000_000n + BigInt(n)),
              ShardId: 'shardId-000000000000',
            },
      );
    }
    log.failedEntries = failed;
    answer(
      res,
      200,
      service === 'firehose'
        ? { FailedPutCount: failed, Encrypted: false, RequestResponses: entries }
        : { FailedRecordCount: failed, EncryptionType: 'NONE', Records: entries },
    );
  }

  function onRequest(req: Req, res: Res): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      if (contentType.startsWith('application/cbor')) {
        fail(res, 415, 'UnsupportedMediaType', 'this test server speaks AWS JSON 1.1 only');
        return;
      }
      if (req.method !== 'POST' || req.headers.authorization === undefined) {
        fail(res, 403, 'MissingAuthenticationTokenException', 'unsigned or non-POST request');
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        fail(res, 400, 'SerializationException', 'body is not JSON');
        return;
      }
      if (target === 'Firehose_20150804.PutRecordBatch') handle('firehose', body, res);
      else if (target === 'Kinesis_20131202.PutRecords') handle('kinesis', body, res);
      else fail(res, 400, 'UnknownOperationException', `unsupported target ${target}`);
    });
  }

  const http1 = createHttp1Server(onRequest);
  const http2 = createHttp2Server(onRequest);
  const sockets = new Set<Socket>();
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // HTTP/2 with prior knowledge starts with the preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first.subarray(0, 3).toString('latin1') === 'PRI') {
        // The HTTP/2 session reads what is already buffered, then takes over the socket.
        http2.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = tcp.address() as AddressInfo;

  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    firehoseRecords,
    kinesisRecords,
    calls,
    callCount: (service) =>
      service === undefined ? perService.firehose + perService.kinesis : perService[service],
    failCalls(fault) {
      callFaults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    failEntries(fault) {
      entryFaults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    reset() {
      firehoseRecords.length = 0;
      kinesisRecords.length = 0;
      calls.length = 0;
      callFaults = [];
      entryFaults = [];
      perService.firehose = 0;
      perService.kinesis = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        http1.close();
        http2.close();
      });
      return closing;
    },
  };
}
