/**
 * A real InfluxDB 1.x server for tests: Debian's `influxd` (1.6.7 here; CI installs the
 * `influxdb` package with apt) started as a child process on 127.0.0.1 with a generated
 * config: temporary meta/data/wal directories, free ports for HTTP and for the RPC
 * `bind-address`, reporting and the `_internal` monitor store off. Tests create their own
 * databases and read points back over HTTP `/query` (Debian's package has no `influx` CLI).
 *
 * InfluxDB 1.6 has no `/api/v2/write` (added in 1.8): the v2 API is tested against
 * `influx-v2-server.ts` instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One point as read back: tags without the empty ones, fields without nulls. */
export interface StoredPoint {
  measurement: string;
  tags: Record<string, string>;
  /** Nanoseconds since the epoch, exact. */
  timeNs: bigint;
  fields: Record<string, number | string | boolean>;
}

/** A running influxd. */
export interface InfluxTestServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `influxd version` output, e.g. `InfluxDB v1.6.7~rc0 (git: unknown unknown)`. */
  version: string;
  /** Runs InfluxQL (`POST /query`) and returns the parsed JSON; throws on an `error`. */
  query(q: string, database?: string): Promise<QueryResponse>;
  /** `CREATE DATABASE`, returning the name. */
  createDatabase(name: string): Promise<string>;
  /** Every point of a database (all measurements), sorted by measurement, series and time. */
  points(database: string): Promise<StoredPoint[]>;
  /** Field keys and their types per measurement: `{ m: { f: 'float' } }`. */
  fieldTypes(database: string): Promise<Record<string, Record<string, string>>>;
  /** A raw `POST /write` (to see what the server itself answers). */
  rawWrite(
    database: string,
    body: string,
    precision?: string,
  ): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/** The JSON of a `/query` response. */
export interface QueryResponse {
  results: Array<{
    statement_id: number;
    error?: string;
    series?: Array<{
      name: string;
      tags?: Record<string, string>;
      columns: string[];
      values: unknown[][];
    }>;
  }>;
}

/** A TCP port free on 127.0.0.1 when asked (another process may take it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** RFC 3339 with up to nine fractional digits → exact nanoseconds. */
export function rfc3339ToNs(text: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (m === null) throw new Error(`not an RFC 3339 UTC time: ${text}`);
  const seconds = BigInt(Date.parse(`${m[1]}Z`) / 1000);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return seconds * 1_000_000_000n + frac;
}

/** Quotes an InfluxQL identifier. */
function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

async function versionOf(): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn('influxd', ['version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              "influxd is not installed: these tests need Debian's influxdb package (apt-get install influxdb)",
            )
          : err,
      ),
    );
    child.once('exit', () => resolve(out.trim()));
  });
}

/**
 * Starts influxd on loopback and waits until `/ping` answers 204. `pickPort` chooses each
 * port (default: one the system has free right now).
 *
 * @example
 * ```ts
 * const influx = await startInfluxDB();
 * const db = await influx.createDatabase('t1');
 * // … write to `${influx.url}/write?db=${db}` …
 * console.log(await influx.points(db));
 * await influx.stop();
 * ```
 */
export async function startInfluxDB(
  options: { pickPort?: () => Promise<number> } = {},
): Promise<InfluxTestServer> {
  const pickPort = options.pickPort ?? freePort;
  const version = await versionOf();
  // The ports are free when chosen, but another process (any outbound connection takes an
  // ephemeral port from the same range) can take one before influxd binds it: CI once failed
  // with "bind: address already in use". Such a start is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(version, pickPort);
    } catch (err) {
      if (attempt >= 5 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

/** influxd could not bind a port chosen for it. */
class PortTakenError extends Error {}

async function startOnce(
  version: string,
  pickPort: () => Promise<number>,
): Promise<InfluxTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'logpipe-influxd-'));
  const [httpPort, rpcPort] = [await pickPort(), await pickPort()];
  const config = `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  max-row-limit = 0

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false

[logging]
  level = "warn"
`;
  const configPath = join(dir, 'influxdb.conf');
  await writeFile(configPath, config, 'utf8');
  const child: ChildProcess = spawn('influxd', ['run', '-config', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const url = `http://127.0.0.1:${httpPort}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== undefined) {
      await rm(dir, { recursive: true, force: true });
      const message = `influxd exited with ${exited} before answering /ping: ${stderr}`;
      throw stderr.includes('address already in use')
        ? new PortTakenError(message)
        : new Error(message);
    }
    // Bounded: whatever holds the port may accept the connection and never answer.
    const status = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 204) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`influxd did not answer /ping within 30 s: ${stderr}`);
    }
    await sleep(50);
  }

  async function query(q: string, database?: string): Promise<QueryResponse> {
    const params = new URLSearchParams({ q });
    if (database !== undefined) params.set('db', database);
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
    const json = (await res.json()) as QueryResponse & { error?: string };
    if (json.error !== undefined) throw new Error(`InfluxQL ${q}: ${json.error}`);
    for (const r of json.results) {
      if (r.error !== undefined) throw new Error(`InfluxQL ${q}: ${r.error}`);
    }
    return json;
  }

  async function measurements(database: string): Promise<string[]> {
    const res = await query('SHOW MEASUREMENTS', database);
    return (res.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
  }

  return {
    url,
    version,
    query,
    async createDatabase(name) {
      await query(`CREATE DATABASE ${ident(name)}`);
      return name;
    },
    async points(database) {
      const out: StoredPoint[] = [];
      for (const m of await measurements(database)) {
        const res = await query(`SELECT * FROM ${ident(m)} GROUP BY *`, database);
        for (const s of res.results[0]?.series ?? []) {
          const tags: Record<string, string> = {};
          for (const [k, v] of Object.entries(s.tags ?? {})) if (v !== '') tags[k] = v;
          for (const row of s.values) {
            const fields: Record<string, number | string | boolean> = {};
            for (let i = 1; i < s.columns.length; i++) {
              const v = row[i];
              if (v !== null && v !== undefined) fields[s.columns[i] as string] = v as number;
            }
            out.push({ measurement: s.name, tags, timeNs: rfc3339ToNs(String(row[0])), fields });
          }
        }
      }
      return out;
    },
    async fieldTypes(database) {
      const res = await query('SHOW FIELD KEYS', database);
      const out: Record<string, Record<string, string>> = {};
      for (const s of res.results[0]?.series ?? []) {
        const types: Record<string, string> = {};
        for (const [k, t] of s.values) types[String(k)] = String(t);
        out[s.name] = types;
      }
      return out;
    },
    async rawWrite(database, body, precision = 'ms') {
      const res = await fetch(
        `${url}/write?db=${encodeURIComponent(database)}&precision=${precision}`,
        { method: 'POST', body },
      );
      return { status: res.status, body: await res.text() };
    },
    async stop() {
      if (exited === undefined) {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => child.kill('SIGKILL'), 5000);
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
