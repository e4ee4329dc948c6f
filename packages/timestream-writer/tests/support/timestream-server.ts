/**
 * A loopback stand-in for the Timestream Write data plane, good enough for the real
 * `@aws-sdk/client-timestream-write` client (static credentials, `maxAttempts: 1`).
 *
 * Wire protocol (observed from @aws-sdk/client-timestream-write 3.1138): AWS JSON 1.0 over
 * HTTP/1.1 — `POST /`, `content-type: application/x-amz-json-1.0`,
 * `x-amz-target: Timestream_20181101.DescribeEndpoints | Timestream_20181101.WriteRecords`,
 * SigV4 with signing name `timestream`. Errors carry `x-amzn-errortype` and a
 * `{ "__type", "Message" }` body; the HTTP status of each error is the one the service
 * model gives it (ThrottlingException 429, ValidationException 400, RejectedRecordsException
 * 419, ResourceNotFoundException 404, AccessDeniedException 403, InternalServerException 500).
 *
 * Two ways to reach it:
 * - `endpoint: server.url` — the SDK then skips endpoint discovery entirely.
 * - no endpoint, `requestHandler: { httpsAgent: server.agent }` — the SDK resolves the
 *   regional endpoint, calls DescribeEndpoints, and sends WriteRecords to the address this
 *   server returns (`127.0.0.1` by default). The agent only carries every connection to this
 *   server (like a resolver pointing every name at loopback, without TLS); the SDK's
 *   discovery and caching run unchanged, and the Host header of each call shows where the
 *   SDK meant to send it.
 *
 * WriteRecords is validated the way the service documents it:
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html
 * - shape constraints (1–100 records, names' lengths, enums, Version ≥ 1, overlapping
 *   common and record dimensions, MULTI needs MeasureValues) → ValidationException for the
 *   whole request;
 * - per-record limits (reserved names, ':' , 256 measures, 2 KB record, 2 KB series,
 *   value parsing, a measure's type changing) → RejectedRecordsException for that record;
 * - the memory store window, the 15-minute future limit and, when the table takes magnetic
 *   writes, the magnetic store retention → RejectedRecordsException with the service's texts;
 * - a record with the same series, time and measure name as a stored one but other values
 *   needs a higher Version, else it is rejected with the service's version texts.
 * Records of a partly rejected request that are not rejected are stored, as the service does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';

const JSON_10 = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'Timestream_20181101.';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const FUTURE_MS = 15 * 60_000;

/** A table the server knows. */
export interface TableConfig {
  database: string;
  table: string;
  /** Default 6 (a new table's default). */
  memoryStoreRetentionHours?: number | undefined;
  /** Default 73000. */
  magneticStoreRetentionDays?: number | undefined;
  /** `MagneticStoreWriteProperties.EnableMagneticStoreWrites`; default false. */
  enableMagneticStoreWrites?: boolean | undefined;
}

/** Options of {@link startTimestreamServer}. */
export interface TimestreamServerOptions {
  tables: TableConfig[];
  /** The service's clock; default `Date.now`. */
  now?: (() => number) | undefined;
  /** Address DescribeEndpoints returns; default `127.0.0.1`. */
  discoveredAddress?: string | undefined;
  /** Delay before answering each WriteRecords, ms (to observe concurrency). Default 0. */
  responseDelayMs?: number | undefined;
}

/** Whole-call failures. */
export type CallFaultKind =
  | 'throttle'
  | 'internal'
  | 'unavailable'
  | 'reset'
  | 'validation'
  | 'access-denied'
  | 'not-found';

export interface CallFault {
  kind: CallFaultKind;
  /** Default WriteRecords. */
  operation?: 'WriteRecords' | 'DescribeEndpoints' | undefined;
  /** Calls to fail before the rule stops; default every call. */
  times?: number | undefined;
  /** Fail only calls whose request matches. */
  match?: ((body: WriteBody) => boolean) | undefined;
}

/** What a rejected record's reason should say. */
export type RecordFaultKind = 'version' | 'memory-store' | 'ingestion-window' | 'invalid';

/** Per-record rejections inside WriteRecords (RejectedRecordsException). */
export interface RecordFault {
  kind: RecordFaultKind;
  /** Which (merged) records to reject. */
  match: (record: MergedRecord, index: number) => boolean;
  /** Records to reject before the rule stops; default no limit. */
  times?: number | undefined;
  /** Reject each record (by series, time and measure name) at most once; default false. */
  oncePerRecord?: boolean | undefined;
}

/** A record after CommonAttributes are merged in. */
export interface MergedRecord {
  measureName: string;
  time: number;
  timeUnit: string;
  dimensions: Array<{ name: string; value: string }>;
  measureValueType: string;
  measureValues: Array<{ name: string; value: string; type: string }>;
  version: number | undefined;
}

/** A stored record. */
export interface StoredRecord extends MergedRecord {
  store: 'memory' | 'magnetic';
  /** The call that stored (or last updated) it. */
  call: number;
}

/** The JSON body of a WriteRecords call. */
export interface WriteBody {
  DatabaseName?: unknown;
  TableName?: unknown;
  CommonAttributes?: Record<string, unknown> | undefined;
  Records?: unknown;
}

/** One call as the server saw it. */
export interface CallLog {
  call: number;
  operation: string;
  /** Host header: where the SDK meant to send it. */
  host: string;
  /** Service and region of the SigV4 credential scope. */
  signingService: string | undefined;
  signingRegion: string | undefined;
  status: number;
  errorType?: string | undefined;
  /** WriteRecords: records in the request, records rejected, write units metered. */
  records: number;
  rejected: number;
  writeUnits: number;
  /** Whether the request had CommonAttributes with dimensions, measure name or time. */
  body?: WriteBody | undefined;
}

export interface FakeTimestreamServer {
  /** `http://127.0.0.1:<port>`, for a client's `endpoint`. */
  readonly url: string;
  /** An https agent that carries every connection to this server (discovery mode). */
  readonly agent: Agent;
  readonly calls: CallLog[];
  /** Stored records by key (series, time, measure name). */
  readonly stored: Map<string, StoredRecord>;
  /** Write units metered for stored records, by the documented formula. */
  readonly meteredWriteUnits: number;
  /** Most WriteRecords calls answered at once. */
  readonly maxInFlight: number;
  failCalls(fault: CallFault): void;
  rejectRecords(fault: RecordFault): void;
  /** Store a record as if written before (to provoke real version conflicts). */
  seed(database: string, table: string, record: MergedRecord, store?: 'memory' | 'magnetic'): void;
  /** Forget calls, faults and stored records. */
  reset(): void;
  close(): Promise<void>;
}

class ValidationError extends Error {}

const MEASURE_TYPES = new Set(['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP', 'MULTI']);
const TIME_UNITS: Record<string, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MICROSECONDS: 0.001,
  NANOSECONDS: 0.000001,
};
const RESERVED = ['measure_name', 'measure_value', 'time'];

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Metered size of a value by type (metering-and-pricing.writes). */
function valueBytes(type: string, value: string): number {
  if (type === 'BOOLEAN') return 1;
  if (type === 'VARCHAR') return bytes(value);
  return 8;
}

/** Metered size of a raw record or CommonAttributes object (its own attributes only). */
function ownBytes(r: Record<string, unknown> | undefined): number {
  if (r === undefined) return 0;
  let n = r.Time !== undefined ? 8 : 0;
  if (Array.isArray(r.Dimensions)) {
    for (const d of r.Dimensions as Array<Record<string, unknown>>) {
      n += bytes(String(d.Name ?? '')) + bytes(String(d.Value ?? ''));
    }
  }
  if (typeof r.MeasureName === 'string') n += bytes(r.MeasureName);
  if (Array.isArray(r.MeasureValues)) {
    for (const mv of r.MeasureValues as Array<Record<string, unknown>>) {
      n += bytes(String(mv.Name ?? '')) + valueBytes(String(mv.Type ?? ''), String(mv.Value ?? ''));
    }
  } else if (typeof r.MeasureValue === 'string') {
    n += valueBytes(String(r.MeasureValueType ?? 'DOUBLE'), r.MeasureValue);
  }
  return n;
}

function merge(common: Record<string, unknown> | undefined, raw: unknown, i: number): MergedRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`Records[${i}] must be an object`);
  }
  const r = raw as Record<string, unknown>;
  const c = common ?? {};
  const pick = (k: string): unknown => (r[k] !== undefined ? r[k] : c[k]);
  const dims: Array<{ name: string; value: string }> = [];
  const names = new Set<string>();
  for (const src of [c.Dimensions, r.Dimensions]) {
    if (src === undefined) continue;
    if (!Array.isArray(src)) throw new ValidationError(`Records[${i}].Dimensions must be a list`);
    for (const d of src as Array<Record<string, unknown>>) {
      const name = str(d?.Name);
      const value = str(d?.Value);
      if (name === undefined || value === undefined) {
        throw new ValidationError(`Records[${i}]: a dimension needs Name and Value`);
      }
      if (name.length < 1 || name.length > 60) {
        throw new ValidationError(`Records[${i}]: dimension name length must be 1 to 60`);
      }
      if (d.DimensionValueType !== undefined && d.DimensionValueType !== 'VARCHAR') {
        throw new ValidationError(`Records[${i}]: DimensionValueType must be VARCHAR`);
      }
      if (names.has(name)) {
        throw new ValidationError(
          `Records[${i}]: dimension ${name} appears twice; record and common dimensions may not overlap`,
        );
      }
      names.add(name);
      dims.push({ name, value });
    }
  }
  if (dims.length > 128) throw new ValidationError(`Records[${i}] has more than 128 dimensions`);
  const measureName = str(pick('MeasureName'));
  if (measureName === undefined || measureName.length < 1 || measureName.length > 256) {
    throw new ValidationError(`Records[${i}].MeasureName must be 1 to 256 characters`);
  }
  const type = str(pick('MeasureValueType')) ?? 'DOUBLE';
  if (!MEASURE_TYPES.has(type))
    throw new ValidationError(`Records[${i}]: invalid MeasureValueType ${type}`);
  const measureValues: MergedRecord['measureValues'] = [];
  if (type === 'MULTI') {
    if (pick('MeasureValue') !== undefined) {
      throw new ValidationError(`Records[${i}]: MeasureValue is not allowed with MULTI`);
    }
    const mvs = pick('MeasureValues');
    if (!Array.isArray(mvs) || mvs.length === 0) {
      throw new ValidationError(`Records[${i}]: MULTI needs MeasureValues`);
    }
    for (const mv of mvs as Array<Record<string, unknown>>) {
      const name = str(mv?.Name);
      const value = str(mv?.Value);
      const t = str(mv?.Type);
      if (name === undefined || name.length < 1)
        throw new ValidationError(`Records[${i}]: MeasureValue.Name is required`);
      if (value === undefined || value.length < 1 || value.length > 2048) {
        throw new ValidationError(`Records[${i}]: MeasureValue.Value must be 1 to 2048 characters`);
      }
      if (t === undefined || !MEASURE_TYPES.has(t) || t === 'MULTI') {
        throw new ValidationError(`Records[${i}]: invalid MeasureValue.Type ${String(t)}`);
      }
      measureValues.push({ name, value, type: t });
    }
  } else {
    const v = str(pick('MeasureValue'));
    if (v === undefined) throw new ValidationError(`Records[${i}]: MeasureValue is required`);
    measureValues.push({ name: measureName, value: v, type });
  }
  const timeText = str(pick('Time'));
  if (timeText === undefined || !/^\d{1,19}$/.test(timeText)) {
    throw new ValidationError(`Records[${i}].Time must be a string of digits`);
  }
  const timeUnit = str(pick('TimeUnit')) ?? 'MILLISECONDS';
  const scale = TIME_UNITS[timeUnit];
  if (scale === undefined) throw new ValidationError(`Records[${i}]: invalid TimeUnit ${timeUnit}`);
  const version = pick('Version');
  if (
    version !== undefined &&
    (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
  ) {
    throw new ValidationError(`Records[${i}].Version must be 1 or greater`);
  }
  return {
    measureName,
    time: Math.floor(Number(timeText) * scale),
    timeUnit,
    dimensions: dims,
    measureValueType: type,
    measureValues,
    version: version as number | undefined,
  };
}

function nameProblem(name: string): string | undefined {
  if (RESERVED.includes(name)) return `${name} is a reserved name`;
  if (name.startsWith('ts_') || name.startsWith('measure_value'))
    return `${name} starts with a reserved prefix`;
  if (name.includes(':')) return `${name} contains ':'`;
  return undefined;
}

function keyOf(r: MergedRecord): string {
  const dims = [...r.dimensions].sort((a, b) => (a.name < b.name ? -1 : 1));
  return JSON.stringify([r.measureName, r.time, dims.map((d) => [d.name, d.value])]);
}

function sameValues(a: MergedRecord, b: MergedRecord): boolean {
  if (a.measureValues.length !== b.measureValues.length) return false;
  const m = new Map(a.measureValues.map((v) => [v.name, `${v.type}:${v.value}`]));
  return b.measureValues.every((v) => m.get(v.name) === `${v.type}:${v.value}`);
}

/** The rejection reason of one record against limits and values, or undefined. */
function limitProblem(r: MergedRecord, types: Map<string, string>): string | undefined {
  let dimBytes = 0;
  const columns = new Set<string>();
  for (const d of r.dimensions) {
    const p = nameProblem(d.name);
    if (p !== undefined) return `Invalid dimension name: ${p}.`;
    dimBytes += bytes(d.name) + bytes(d.value);
    columns.add(d.name);
  }
  if (dimBytes > 2048)
    return 'The size of the dimension names and values of the series exceeds 2 KB.';
  const mp = nameProblem(r.measureName);
  if (mp !== undefined) return `Invalid measure name: ${mp}.`;
  if (bytes(r.measureName) > 256) return 'Measure name exceeds the maximum length of 256 bytes.';
  if (r.measureValues.length > 256) return 'The record has more than 256 measures.';
  let size = 8 + dimBytes + bytes(r.measureName);
  for (const mv of r.measureValues) {
    const p = nameProblem(mv.name);
    if (p !== undefined) return `Invalid measure value name: ${p}.`;
    if (columns.has(mv.name)) return `Duplicate column name ${mv.name} in the record.`;
    columns.add(mv.name);
    size += bytes(mv.name) + valueBytes(mv.type, mv.value);
    if (mv.type === 'DOUBLE' && !/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(mv.value)) {
      return `Measure value ${mv.value} of ${mv.name} is not a valid DOUBLE.`;
    }
    if (mv.type === 'BIGINT' && !/^-?\d+$/.test(mv.value)) {
      return `Measure value ${mv.value} of ${mv.name} is not a valid BIGINT.`;
    }
    if (mv.type === 'BOOLEAN' && !/^(true|false)$/i.test(mv.value)) {
      return `Measure value ${mv.value} of ${mv.name} is not a valid BOOLEAN.`;
    }
    const typeKey = `${r.measureName}\u0000${mv.name}`;
    const known = types.get(typeKey);
    if (known !== undefined && known !== mv.type) {
      return `Measure ${mv.name} of ${r.measureName} has data type ${known}; ${mv.type} was given.`;
    }
  }
  if (size > 2048)
    return `The record size of ${size} bytes exceeds the maximum record size of 2 KB.`;
  return undefined;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

/**
 * Starts the server on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const ts = await startTimestreamServer({ tables: [{ database: 'db', table: 'metrics' }] });
 * const client = new TimestreamWriteClient({ region: 'us-east-1', endpoint: ts.url, credentials, maxAttempts: 1 });
 * ```
 */
export async function startTimestreamServer(
  options: TimestreamServerOptions,
): Promise<FakeTimestreamServer> {
  const now = options.now ?? Date.now;
  const tables = new Map(options.tables.map((t) => [`${t.database}/${t.table}`, t]));
  const calls: CallLog[] = [];
  const stored = new Map<string, StoredRecord>();
  const types = new Map<string, string>();
  let callFaults: Array<{ fault: CallFault; remaining: number }> = [];
  let recordFaults: Array<{ fault: RecordFault; remaining: number; hit: Set<string> }> = [];
  let callNo = 0;
  let metered = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let requestId = 0;

  function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    res.statusCode = status;
    res.setHeader('content-type', JSON_10);
    res.setHeader('x-amzn-requestid', `ts-${++requestId}`);
    if (errorType !== undefined) res.setHeader('x-amzn-errortype', errorType);
    res.end(JSON.stringify(body));
  }

  function fail(
    res: ServerResponse,
    log: CallLog,
    status: number,
    type: string,
    message: string,
  ): void {
    log.status = status;
    log.errorType = type;
    send(
      res,
      status,
      { __type: `com.amazonaws.timestream.v20181101#${type}`, Message: message },
      type,
    );
  }

  function takeCallFault(operation: string, body: WriteBody): CallFault | undefined {
    for (const s of callFaults) {
      if (s.remaining <= 0) continue;
      if ((s.fault.operation ?? 'WriteRecords') !== operation) continue;
      if (s.fault.match !== undefined && !s.fault.match(body)) continue;
      s.remaining--;
      return s.fault;
    }
    return undefined;
  }

  function injected(r: MergedRecord, index: number): RecordFault | undefined {
    const key = keyOf(r);
    for (const s of recordFaults) {
      if (s.remaining <= 0) continue;
      if (s.fault.oncePerRecord === true && s.hit.has(key)) continue;
      if (!s.fault.match(r, index)) continue;
      s.remaining--;
      s.hit.add(key);
      return s.fault;
    }
    return undefined;
  }

  function writeRecords(body: WriteBody, res: ServerResponse, log: CallLog): void {
    const db = str(body.DatabaseName);
    const tableName = str(body.TableName);
    if (db === undefined || db.length < 3 || db.length > 256) {
      fail(res, log, 400, 'ValidationException', 'DatabaseName must be 3 to 256 characters.');
      return;
    }
    if (tableName === undefined || tableName.length < 3 || tableName.length > 256) {
      fail(res, log, 400, 'ValidationException', 'TableName must be 3 to 256 characters.');
      return;
    }
    const raw = body.Records;
    if (!Array.isArray(raw) || raw.length < 1 || raw.length > 100) {
      fail(
        res,
        log,
        400,
        'ValidationException',
        `Records must have 1 to 100 items; got ${Array.isArray(raw) ? raw.length : 'none'}.`,
      );
      return;
    }
    log.records = raw.length;
    const common = body.CommonAttributes;
    let merged: MergedRecord[];
    try {
      // The common part's shapes are checked with each record it is merged into.
      merged = raw.map((r, i) => merge(common, r, i));
    } catch (e) {
      if (e instanceof ValidationError) {
        fail(res, log, 400, 'ValidationException', e.message);
        return;
      }
      throw e;
    }
    const table = tables.get(`${db}/${tableName}`);
    if (table === undefined) {
      fail(
        res,
        log,
        404,
        'ResourceNotFoundException',
        `The table ${tableName} does not exist in database ${db}.`,
      );
      return;
    }
    const t = now();
    const memHours = table.memoryStoreRetentionHours ?? 6;
    const magDays = table.magneticStoreRetentionDays ?? 73000;
    const memStart = t - memHours * HOUR_MS;
    const magStart = t - magDays * DAY_MS;
    const end = t + FUTURE_MS;
    const rejected: Array<{ RecordIndex: number; Reason: string; ExistingVersion?: number }> = [];
    let acceptedBytes = 0;
    let accepted = 0;
    let memoryStore = 0;
    let magneticStore = 0;
    for (let i = 0; i < merged.length; i++) {
      const r = merged[i]!;
      const fault = injected(r, i);
      if (fault !== undefined) {
        const v = r.version ?? 1;
        switch (fault.kind) {
          case 'version':
            rejected.push({
              RecordIndex: i,
              Reason: `The record version ${v} is lower than the existing version ${v + 1}. A higher version is required to update the measure value.`,
              ExistingVersion: v + 1,
            });
            break;
          case 'memory-store':
            rejected.push({
              RecordIndex: i,
              Reason: `The record timestamp is outside the time range [${iso(memStart)}, ${iso(end)}) of the memory store.`,
            });
            break;
          case 'ingestion-window':
            rejected.push({
              RecordIndex: i,
              Reason: `The record timestamp is outside the time range [${iso(magStart)}, ${iso(end)}) of the data ingestion window.`,
            });
            break;
          default:
            rejected.push({
              RecordIndex: i,
              Reason: `Invalid measure value for ${r.measureValues[0]?.name ?? 'measure'} (injected).`,
            });
        }
        continue;
      }
      const problem = limitProblem(r, types);
      if (problem !== undefined) {
        rejected.push({ RecordIndex: i, Reason: problem });
        continue;
      }
      let store: 'memory' | 'magnetic';
      if (r.time >= end) {
        rejected.push({
          RecordIndex: i,
          Reason: `The record timestamp is outside the time range [${iso(table.enableMagneticStoreWrites === true ? magStart : memStart)}, ${iso(end)}) of the ${table.enableMagneticStoreWrites === true ? 'data ingestion window' : 'memory store'}.`,
        });
        continue;
      }
      if (r.time >= memStart) store = 'memory';
      else if (table.enableMagneticStoreWrites === true && r.time >= magStart) store = 'magnetic';
      else {
        rejected.push({
          RecordIndex: i,
          Reason:
            table.enableMagneticStoreWrites === true
              ? `The record timestamp is outside the time range [${iso(magStart)}, ${iso(end)}) of the data ingestion window.`
              : `The record timestamp is outside the time range [${iso(memStart)}, ${iso(end)}) of the memory store.`,
        });
        continue;
      }
      const key = `${db}/${tableName}/${keyOf(r)}`;
      const existing = stored.get(key);
      const version = r.version ?? 1;
      if (existing !== undefined && !sameValues(existing, r)) {
        const existingVersion = existing.version ?? 1;
        if (version < existingVersion) {
          rejected.push({
            RecordIndex: i,
            Reason: `The record version ${version} is lower than the existing version ${existingVersion}. A higher version is required to update the measure value.`,
            ExistingVersion: existingVersion,
          });
          continue;
        }
        if (version === existingVersion) {
          rejected.push({
            RecordIndex: i,
            Reason:
              'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
          });
          continue;
        }
      }
      for (const mv of r.measureValues) types.set(`${r.measureName}\u0000${mv.name}`, mv.type);
      if (existing === undefined || version > (existing.version ?? 1)) {
        stored.set(key, { ...r, version: r.version, store, call: log.call });
      }
      accepted++;
      if (store === 'memory') memoryStore++;
      else magneticStore++;
      acceptedBytes += ownBytes(raw[i] as Record<string, unknown>);
    }
    if (accepted > 0) {
      const units = Math.ceil((ownBytes(common) + acceptedBytes) / 1024);
      log.writeUnits = units;
      metered += units;
    }
    log.rejected = rejected.length;
    if (rejected.length > 0) {
      log.status = 419;
      log.errorType = 'RejectedRecordsException';
      send(
        res,
        419,
        {
          __type: 'com.amazonaws.timestream.v20181101#RejectedRecordsException',
          Message: 'One or more records have been rejected. See RejectedRecords for details.',
          RejectedRecords: rejected,
        },
        'RejectedRecordsException',
      );
      return;
    }
    send(res, 200, {
      RecordsIngested: { Total: accepted, MemoryStore: memoryStore, MagneticStore: magneticStore },
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : target;
      const auth = String(req.headers.authorization ?? '');
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
      const log: CallLog = {
        call: ++callNo,
        operation,
        host: String(req.headers.host ?? ''),
        signingRegion: scope?.[1],
        signingService: scope?.[2],
        status: 200,
        records: 0,
        rejected: 0,
        writeUnits: 0,
      };
      calls.push(log);
      if (
        req.method !== 'POST' ||
        !auth.startsWith('AWS4-HMAC-SHA256 ') ||
        scope?.[2] !== 'timestream'
      ) {
        fail(res, log, 403, 'AccessDeniedException', 'missing or wrong SigV4 signature');
        return;
      }
      if (!String(req.headers['content-type'] ?? '').startsWith(JSON_10)) {
        fail(res, log, 400, 'SerializationException', 'this server speaks AWS JSON 1.0 only');
        return;
      }
      let body: WriteBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as WriteBody;
      } catch {
        fail(res, log, 400, 'SerializationException', 'body is not JSON');
        return;
      }
      log.body = body;
      const fault = takeCallFault(operation, body);
      if (fault !== undefined) {
        switch (fault.kind) {
          case 'reset':
            log.status = 0;
            log.errorType = 'reset';
            req.socket.destroy();
            return;
          case 'throttle':
            fail(res, log, 429, 'ThrottlingException', 'Rate exceeded (injected)');
            return;
          case 'internal':
            fail(res, log, 500, 'InternalServerException', 'Internal server error (injected)');
            return;
          case 'unavailable':
            fail(res, log, 503, 'ServiceUnavailable', 'Service unavailable (injected)');
            return;
          case 'validation':
            fail(res, log, 400, 'ValidationException', 'Invalid request (injected)');
            return;
          case 'access-denied':
            fail(res, log, 403, 'AccessDeniedException', 'Not authorized (injected)');
            return;
          default:
            fail(res, log, 404, 'ResourceNotFoundException', 'Table not found (injected)');
            return;
        }
      }
      if (operation === 'DescribeEndpoints') {
        send(res, 200, {
          Endpoints: [
            { Address: options.discoveredAddress ?? '127.0.0.1', CachePeriodInMinutes: 1440 },
          ],
        });
        return;
      }
      if (operation !== 'WriteRecords') {
        fail(res, log, 400, 'UnknownOperationException', `unsupported target ${target}`);
        return;
      }
      const delay = options.responseDelayMs ?? 0;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = (): void => {
        inFlight--;
        writeRecords(body, res, log);
      };
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  }

  const server = createServer(onRequest);
  // Idle keep-alive sockets stay open until close(): a server-side idle timeout racing a
  // reused socket would add resets nobody injected.
  server.keepAliveTimeout = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  class LoopbackAgent extends Agent {
    override createConnection(): Socket {
      return connect(port, '127.0.0.1');
    }
  }
  const agent = new LoopbackAgent({ keepAlive: true });
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    agent,
    calls,
    stored,
    get meteredWriteUnits() {
      return metered;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    failCalls(fault) {
      callFaults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    rejectRecords(fault) {
      recordFaults.push({
        fault,
        remaining: fault.times ?? Number.POSITIVE_INFINITY,
        hit: new Set(),
      });
    },
    seed(database, table, record, store = 'memory') {
      stored.set(`${database}/${table}/${keyOf(record)}`, { ...record, store, call: 0 });
      for (const mv of record.measureValues)
        types.set(`${record.measureName}\u0000${mv.name}`, mv.type);
    },
    reset() {
      calls.length = 0;
      stored.clear();
      types.clear();
      callFaults = [];
      recordFaults = [];
      metered = 0;
      maxInFlight = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        agent.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
