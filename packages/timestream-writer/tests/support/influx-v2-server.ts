/**
 * A loopback HTTP server that implements InfluxDB 2.x's write endpoint, `POST /api/v2/write`,
 * after its documented contract. It exists because no InfluxDB 2.x server can be installed
 * here: Debian ships InfluxDB 1.6.7, which has no `/api/v2/write` (1.8 added it), so the v1
 * API is tested against that real server and the v2 API against this one.
 *
 * What it implements (sources: the InfluxDB v2 API reference and line-protocol reference at
 * docs.influxdata.com, and InfluxDB 2.7's own responses quoted in public issues):
 * - `Authorization: Token <token>`, else 401 `{"code":"unauthorized","message":"unauthorized access"}`;
 * - `org` and `bucket` query parameters (404 `{"code":"not found",…}` for others) and
 *   `precision` = `ns` (default), `us`, `ms`, `s` (400 `invalid precision` otherwise);
 * - `Content-Encoding: gzip` bodies; a body over `maxBodyBytes` (decompressed) gets 413;
 * - line protocol as InfluxDB 1.x/2.x parse it ({@link parseLine}); a malformed line gets 400
 *   `{"code":"invalid","message":"unable to parse '<line>': <why>","line":<n>}` where `n` is the
 *   first failing line (1-based). With `malformed: 'reject-request'` (InfluxDB OSS 2.x: "All
 *   request data was rejected and not written") nothing of that request is stored; with
 *   `'partial'` (InfluxDB Cloud / 3.x partial writes) the good lines are stored;
 * - a field whose type differs from the one stored for that measurement (or set earlier in the
 *   same request) is a partial write, 422 `{"code":"unprocessable entity","message":"failure
 *   writing points to database: partial write: field type conflict: input field \"f\" on
 *   measurement \"m\" is type float, already exists as type integer dropped=N"}`, the other
 *   points stored (what InfluxDB 2.7 answers);
 * - points are identified by measurement, tag set and time; writing one again merges its
 *   fields over the stored ones (the documented "duplicate points" rule);
 * - faults to inject: any status with a body and `Retry-After`, or a dropped connection.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A field value as parsed: its line-protocol type and its value. */
export type ParsedField =
  | { type: 'float'; value: number }
  | { type: 'integer'; value: bigint }
  | { type: 'unsigned'; value: bigint }
  | { type: 'boolean'; value: boolean }
  | { type: 'string'; value: string };

/** One parsed line. */
export interface ParsedLine {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, ParsedField>;
  /** The timestamp as written (before precision), when the line has one. */
  timestamp: bigint | undefined;
}

const INT = /^-?\d+$/;
const UINT = /^\d+$/;
const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE']);

/**
 * Reads a name up to an unescaped stop character. A backslash before one of `escapable` is an
 * escape; any other backslash is literal (InfluxDB 1.x/2.x rules for the unambiguous cases).
 */
function readName(
  line: string,
  start: number,
  stops: string,
  escapable: string,
): { text: string; end: number } {
  let text = '';
  let i = start;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length && escapable.includes(line[i + 1] as string)) {
      text += line[i + 1];
      i += 2;
      continue;
    }
    if (stops.includes(c)) break;
    text += c;
    i++;
  }
  return { text, end: i };
}

/**
 * Parses one line of line protocol as InfluxDB 1.x/2.x do for everything the writer emits.
 * Returns the reason as a string for a malformed line.
 *
 * @example
 * ```ts
 * parseLine('cpu,host=a usage=1.5 1000'); // { measurement: 'cpu', tags: { host: 'a' }, … }
 * ```
 */
export function parseLine(line: string): ParsedLine | string {
  if (line.startsWith('#')) return 'comment';
  const m = readName(line, 0, ', ', ', ');
  if (m.text === '') return 'missing measurement';
  const tags: Record<string, string> = {};
  let i = m.end;
  while (line[i] === ',') {
    const k = readName(line, i + 1, '=, ', ',= ');
    if (line[k.end] !== '=' || k.text === '') return 'missing tag key';
    const v = readName(line, k.end + 1, ', ', ',= ');
    if (v.text === '') return 'missing tag value';
    tags[k.text] = v.text;
    i = v.end;
  }
  if (line[i] !== ' ') return 'missing fields';
  i++;
  const fields: Record<string, ParsedField> = {};
  for (;;) {
    const k = readName(line, i, '=, ', ',= ');
    if (line[k.end] !== '=' || k.text === '') return 'missing field key';
    i = k.end + 1;
    let field: ParsedField;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) return 'unbalanced quotes';
        const c = line[i] as string;
        if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          value += line[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') {
          i++;
          break;
        }
        value += c;
        i++;
      }
      field = { type: 'string', value };
    } else {
      let end = i;
      while (end < line.length && line[end] !== ',' && line[end] !== ' ') end++;
      const token = line.slice(i, end);
      i = end;
      if (token === '') return 'missing field value';
      if (token.endsWith('i') && INT.test(token.slice(0, -1))) {
        field = { type: 'integer', value: BigInt(token.slice(0, -1)) };
      } else if (token.endsWith('u') && UINT.test(token.slice(0, -1))) {
        field = { type: 'unsigned', value: BigInt(token.slice(0, -1)) };
      } else if (TRUE.has(token)) {
        field = { type: 'boolean', value: true };
      } else if (FALSE.has(token)) {
        field = { type: 'boolean', value: false };
      } else if (FLOAT.test(token)) {
        const value = Number(token);
        if (!Number.isFinite(value)) return 'invalid number';
        field = { type: 'float', value };
      } else {
        return /^[-+.\d]/.test(token) ? 'invalid number' : 'invalid boolean';
      }
    }
    fields[k.text] = field;
    if (line[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  if (i >= line.length) return { measurement: m.text, tags, fields, timestamp: undefined };
  if (line[i] !== ' ') return 'invalid field format';
  const ts = line.slice(i + 1);
  if (!INT.test(ts)) return 'bad timestamp';
  return { measurement: m.text, tags, fields, timestamp: BigInt(ts) };
}

const NS_PER: Record<string, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };

/** A stored point. */
export interface V2StoredPoint {
  measurement: string;
  tags: Record<string, string>;
  timeNs: bigint;
  fields: Record<string, ParsedField>;
}

/** One request the server saw. */
export interface V2LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Body bytes as received (compressed when gzip). */
  receivedBytes: number;
  /** The decoded body's lines (empty lines left out). */
  lines: string[];
  status: number | undefined;
  /** The injected fault, when one answered. */
  fault?: V2Fault | undefined;
}

/** A scripted answer, in place of the normal handling, for the next matching requests. */
export interface V2Fault {
  /** HTTP status, or `'drop'` to destroy the connection. */
  status: number | 'drop';
  /** JSON body (default `{"code":…,"message":…}` for the status). */
  body?: Record<string, unknown> | undefined;
  /** `Retry-After` header value. */
  retryAfter?: string | undefined;
  /** How many requests it answers (default 1). */
  times?: number | undefined;
}

/** Options of {@link startInfluxV2Server}. */
export interface V2ServerOptions {
  org?: string | undefined;
  bucket?: string | undefined;
  token?: string | undefined;
  /** Largest decompressed body, bytes; larger gets 413. Default 25 MB. */
  maxBodyBytes?: number | undefined;
  /** What a malformed line does to the rest of its request. Default `'reject-request'` (OSS 2.x). */
  malformed?: 'reject-request' | 'partial' | undefined;
}

/** A running fake InfluxDB 2.x write endpoint. */
export interface InfluxV2TestServer {
  url: string;
  org: string;
  bucket: string;
  token: string;
  log: V2LoggedRequest[];
  /** Stored points, in order of first write. */
  points(): V2StoredPoint[];
  /** Field types per measurement. */
  fieldTypes(): Record<string, Record<string, ParsedField['type']>>;
  inject(fault: V2Fault): void;
  /** Sets the field type of a measurement's field (as if written before). */
  seedFieldType(measurement: string, field: string, type: ParsedField['type']): void;
  close(): Promise<void>;
}

const DEFAULT_ERROR: Record<number, [string, string]> = {
  400: ['invalid', 'bad request'],
  401: ['unauthorized', 'unauthorized access'],
  404: ['not found', 'not found'],
  413: ['request too large', 'unable to read data: points batch is too large'],
  422: ['unprocessable entity', 'unprocessable entity'],
  429: ['too many requests', 'token is temporarily over quota'],
  500: ['internal error', 'internal error'],
  503: ['unavailable', 'service unavailable'],
};

function seriesKey(measurement: string, tags: Record<string, string>, timeNs: bigint): string {
  const keys = Object.keys(tags).sort();
  return JSON.stringify([measurement, keys.map((k) => [k, tags[k]]), String(timeNs)]);
}

/**
 * Starts the fake v2 write endpoint on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * ```ts
 * const v2 = await startInfluxV2Server({ malformed: 'partial' });
 * v2.inject({ status: 429, retryAfter: '1' });
 * // … write to `${v2.url}/api/v2/write?org=${v2.org}&bucket=${v2.bucket}` …
 * await v2.close();
 * ```
 */
export async function startInfluxV2Server(
  options: V2ServerOptions = {},
): Promise<InfluxV2TestServer> {
  const org = options.org ?? 'logpipe';
  const bucket = options.bucket ?? 'metrics';
  const token = options.token ?? 'test-token';
  const maxBodyBytes = options.maxBodyBytes ?? 25_000_000;
  const malformed = options.malformed ?? 'reject-request';
  const log: V2LoggedRequest[] = [];
  const faults: Array<V2Fault & { remaining: number }> = [];
  const store = new Map<string, V2StoredPoint>();
  const types = new Map<string, Map<string, ParsedField['type']>>();

  function typesOf(measurement: string): Map<string, ParsedField['type']> {
    let t = types.get(measurement);
    if (t === undefined) {
      t = new Map();
      types.set(measurement, t);
    }
    return t;
  }

  function store1(p: V2StoredPoint): void {
    const key = seriesKey(p.measurement, p.tags, p.timeNs);
    const old = store.get(key);
    if (old === undefined) store.set(key, p);
    else Object.assign(old.fields, p.fields);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: V2LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      receivedBytes: 0,
      lines: [],
      status: undefined,
    };
    log.push(entry);
    const send = (
      status: number,
      body?: Record<string, unknown>,
      headers?: Record<string, string>,
    ) => {
      entry.status = status;
      if (body === undefined) {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message?: string, extra?: Record<string, unknown>) => {
      const [code, fallback] = DEFAULT_ERROR[status] ?? ['internal error', 'error'];
      send(status, { code, message: message ?? fallback, ...extra });
    };

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      entry.receivedBytes = raw.length;
      let body: Buffer;
      try {
        body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      } catch {
        error(400, 'gzipped HTTP body contains an invalid header');
        return;
      }
      const text = body.toString('utf8');
      entry.lines = text.split('\n').filter((l) => l !== '');

      const fault = faults.find((f) => f.remaining > 0);
      if (fault !== undefined) {
        fault.remaining--;
        entry.fault = fault;
        if (fault.status === 'drop') {
          req.socket.destroy();
          return;
        }
        const [code, message] = DEFAULT_ERROR[fault.status] ?? ['internal error', 'error'];
        send(
          fault.status,
          fault.body ?? { code, message },
          fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : undefined,
        );
        return;
      }

      if (req.method !== 'POST' || url.pathname !== '/api/v2/write') {
        error(404, 'path not found');
        return;
      }
      if (req.headers.authorization !== `Token ${token}`) {
        error(401);
        return;
      }
      const precision = url.searchParams.get('precision') ?? 'ns';
      const multiplier = NS_PER[precision];
      if (multiplier === undefined) {
        error(400, 'invalid precision; valid precision units are ns, us, ms, and s');
        return;
      }
      if (url.searchParams.get('org') !== org) {
        error(404, `organization name "${url.searchParams.get('org')}" not found`);
        return;
      }
      if (url.searchParams.get('bucket') !== bucket) {
        error(404, `bucket "${url.searchParams.get('bucket')}" not found`);
        return;
      }
      if (body.length > maxBodyBytes) {
        error(413, `unable to read data: points batch is too large; max ${maxBodyBytes} bytes`);
        return;
      }

      // Parse every line; the first failure is reported with its (1-based) line number.
      const parsed: Array<{ p: ParsedLine }> = [];
      const failures: string[] = [];
      let firstFailure: number | undefined;
      const all = text.split('\n');
      for (let n = 0; n < all.length; n++) {
        const line = all[n] as string;
        if (line === '' || line.startsWith('#')) continue;
        const p = parseLine(line);
        if (typeof p === 'string') {
          failures.push(`unable to parse '${line}': ${p}`);
          firstFailure ??= n + 1;
        } else {
          parsed.push({ p });
        }
      }
      if (parsed.length === 0 && failures.length === 0) {
        error(400, 'writing requires points');
        return;
      }
      if (failures.length > 0 && malformed === 'reject-request') {
        error(400, failures[0], { line: firstFailure });
        return;
      }

      // Store, checking field types (the first type seen for a measurement's field wins).
      const now = BigInt(Date.now()) * 1_000_000n;
      let dropped = 0;
      let conflict: string | undefined;
      for (const { p } of parsed) {
        const t = typesOf(p.measurement);
        let bad: string | undefined;
        for (const [k, f] of Object.entries(p.fields)) {
          const known = t.get(k);
          if (known !== undefined && known !== f.type) {
            bad = `field type conflict: input field "${k}" on measurement "${p.measurement}" is type ${f.type}, already exists as type ${known}`;
            break;
          }
        }
        if (bad !== undefined) {
          dropped++;
          conflict ??= bad;
          continue;
        }
        for (const [k, f] of Object.entries(p.fields)) t.set(k, f.type);
        store1({
          measurement: p.measurement,
          tags: p.tags,
          timeNs: p.timestamp === undefined ? now : p.timestamp * multiplier,
          fields: { ...p.fields },
        });
      }
      if (failures.length > 0) {
        error(400, failures.slice(0, 100).join('\n'), { line: firstFailure });
        return;
      }
      if (conflict !== undefined) {
        error(
          422,
          `failure writing points to database: partial write: ${conflict} dropped=${dropped}`,
        );
        return;
      }
      send(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    org,
    bucket,
    token,
    log,
    points: () => [...store.values()],
    fieldTypes() {
      const out: Record<string, Record<string, ParsedField['type']>> = {};
      for (const [m, t] of types) out[m] = Object.fromEntries(t);
      return out;
    },
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    seedFieldType(measurement, field, type) {
      typesOf(measurement).set(field, type);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
