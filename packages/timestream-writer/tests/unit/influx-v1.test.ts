/**
 * The line-protocol writer's v1 API against a real InfluxDB (Debian's influxd 1.6.7, started
 * on loopback by these tests), and what that server does that the writer relies on.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClassifier,
  generateWorkload,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInfluxWriter,
  createNdjsonDeadLetterSink,
  type DeadLetter,
  type DeadLetterSink,
  type InfluxFetch,
  type InfluxWriter,
  type InfluxWriterOptions,
} from '../../src/index.js';
import {
  freePort,
  type InfluxTestServer,
  type StoredPoint,
  startInfluxDB,
} from '../support/influxdb.js';

let influx: InfluxTestServer;
let dbCount = 0;

beforeAll(async () => {
  influx = await startInfluxDB();
}, 60_000);

afterAll(async () => {
  await influx?.stop();
});

async function freshDb(retention?: string): Promise<string> {
  const name = `t${++dbCount}`;
  if (retention === undefined) await influx.createDatabase(name);
  else await influx.query(`CREATE DATABASE "${name}" WITH DURATION ${retention}`);
  return name;
}

function memorySink(): DeadLetterSink & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return {
    letters,
    async write(batch) {
      letters.push(...batch);
    },
    describe: () => 'memory://test',
  };
}

const noSleep = async () => {};

function writer(
  database: string,
  deadLetters: DeadLetterSink,
  options: Partial<InfluxWriterOptions> = {},
): InfluxWriter {
  return createInfluxWriter({
    url: influx.url,
    api: 'v1',
    database,
    deadLetters,
    sleep: noSleep,
    ...options,
  });
}

/** A fetch that records every request body (decompressed lines). */
function recordingFetch(): InfluxFetch & { bodies: string[][] } {
  const bodies: string[][] = [];
  const f = (async (url: string, init: RequestInit) => {
    const raw = Buffer.from(init.body as Uint8Array);
    const headers = init.headers as Record<string, string>;
    const text =
      headers['Content-Encoding'] === 'gzip'
        ? (await import('node:zlib')).gunzipSync(raw).toString('utf8')
        : raw.toString('utf8');
    bodies.push(text.split('\n').filter((l) => l !== ''));
    return fetch(url, init);
  }) as InfluxFetch & { bodies: string[][] };
  f.bodies = bodies;
  return f;
}

function expectAccounted(w: InfluxWriter): void {
  const s = w.stats;
  expect(s.recordsIn).toBe(s.written + s.deadLettered + s.failed);
  const byCode = Object.values(s.deadLetteredByCode).reduce((a, b) => a + b, 0);
  expect(byCode).toBe(s.deadLettered);
}

type Expected = Omit<StoredPoint, 'timeNs'> & { timeNs: bigint };

/** The points records must read back as (later records win on the same series and time). */
function expectedPoints(records: readonly MetricRecord[], nsPerUnit = 1_000_000n): Expected[] {
  const byKey = new Map<string, Expected>();
  for (const m of records) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.dimensions)) if (v !== '') tags[k] = v;
    const fields: Record<string, number | string | boolean> = {};
    for (const [k, { value }] of Object.entries(m.measures)) {
      if (Array.isArray(value)) {
        fields[`${k}_count`] = value.length;
        fields[`${k}_sum`] = value.reduce((a, b) => a + b, 0);
        fields[`${k}_min`] = Math.min(...value);
        fields[`${k}_max`] = Math.max(...value);
      } else fields[k] = value as number | string | boolean;
    }
    const timeNs = BigInt(m.time) * nsPerUnit;
    const key = JSON.stringify([m.measureName, Object.entries(tags).sort(), String(timeNs)]);
    const old = byKey.get(key);
    if (old === undefined) byKey.set(key, { measurement: m.measureName, tags, timeNs, fields });
    else Object.assign(old.fields, fields);
  }
  return sortPoints([...byKey.values()]);
}

function sortPoints<
  P extends { measurement: string; tags: Record<string, string>; timeNs: bigint },
>(points: P[]): P[] {
  const key = (p: P) => JSON.stringify([p.measurement, Object.entries(p.tags).sort()]);
  return points.sort((a, b) =>
    key(a) < key(b)
      ? -1
      : key(a) > key(b)
        ? 1
        : a.timeNs < b.timeNs
          ? -1
          : a.timeNs > b.timeNs
            ? 1
            : 0,
  );
}

function workloadMetrics(events: number, seed: number): MetricRecord[] {
  const classifier = createClassifier();
  const out: MetricRecord[] = [];
  for (const p of generateWorkload({ events, seed, formats: ['emf', 'lambda', 'lambda_json'] })) {
    out.push(...processEnvelope(p.envelope, classifier).metrics);
  }
  return out;
}

describe('InfluxDB 1.6 itself: what the writer relies on', () => {
  it('keeps the other points of a request when it drops one for a field type conflict (a partial write)', async () => {
    const db = await freshDb();
    expect((await influx.rawWrite(db, 'm x=1i 1000')).status).toBe(204);
    const r = await influx.rawWrite(db, 'm x=2 2000\nm x=3i 3000\nm y=4 4000\n');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      error:
        'partial write: field type conflict: input field "x" on measurement "m" is type float, already exists as type integer dropped=1',
    });
    const points = await influx.points(db);
    expect(points.map((p) => [p.timeNs, p.fields])).toEqual([
      [1_000_000_000n, { x: 1 }],
      [3_000_000_000n, { x: 3 }],
      [4_000_000_000n, { y: 4 }],
    ]);
  });

  it('writes the parsable lines of a request and lists every unparsable one in its message', async () => {
    const db = await freshDb();
    const r = await influx.rawWrite(db, 'm f=1 1000\nm f=zz 2000\nm f=3 3000\nm f=\n');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toBe(
      "partial write: unable to parse 'm f=zz 2000': invalid boolean\nunable to parse 'm f=': missing field value dropped=0",
    );
    expect((await influx.points(db)).map((p) => p.timeNs)).toEqual([
      1_000_000_000n,
      3_000_000_000n,
    ]);
  });

  it('does not count every dropped point in dropped=N nor name every reason', async () => {
    const db = await freshDb();
    await influx.rawWrite(db, 'c x=1 1000');
    const r = await influx.rawWrite(
      db,
      'c x=2i 2000\nc x=3 3000\nc x=4i 4000\nc y=1i 5000\nc y=2 6000\n',
    );
    const error = JSON.parse(r.body).error as string;
    // Three points are dropped (x=2i, x=4i, y=2); the message names one conflict and 2.
    expect(error).toBe(
      'partial write: field type conflict: input field "y" on measurement "c" is type float, already exists as type integer dropped=2',
    );
    expect((await influx.points(db)).map((p) => p.timeNs)).toEqual([
      1_000_000_000n,
      3_000_000_000n,
      5_000_000_000n,
    ]);
  });

  it('stores a point written twice once, its fields merged with the later write winning', async () => {
    const db = await freshDb();
    await influx.rawWrite(db, 'm,h=a x=1,y=1 1000');
    await influx.rawWrite(db, 'm,h=a x=1,y=1 1000\nm,h=a y=2,z=3 1000');
    const points = await influx.points(db);
    expect(points).toHaveLength(1);
    expect(points[0]?.fields).toEqual({ x: 1, y: 2, z: 3 });
  });

  it('ignores a line starting with # without an error, and reads precision=us as ns', async () => {
    const db = await freshDb();
    expect((await influx.rawWrite(db, '#m f=1 1000\n')).status).toBe(204);
    expect(await influx.points(db)).toEqual([]);
    await influx.rawWrite(db, 'u f=1 1767225600000000', 'us');
    expect((await influx.points(db))[0]?.timeNs).toBe(1_767_225_600_000_000n);
  });
});

describe('createInfluxWriter (v1) against InfluxDB 1.6', () => {
  it('writes realistic workload metrics (EMF, Lambda REPORT) and reads back exactly the same points', async () => {
    const db = await freshDb();
    const metrics = workloadMetrics(3000, 11);
    expect(metrics.length).toBeGreaterThan(500);
    const sink = memorySink();
    const w = writer(db, sink, { maxBatchBytes: 16_384, maxConcurrency: 1 });
    const result = await w.write(metrics);
    expect(result).toEqual({ written: metrics.length, deadLettered: 0 });
    expect(sink.letters).toEqual([]);
    expect(w.stats.requests).toBeGreaterThan(5);
    expectAccounted(w);
    expect(sortPoints(await influx.points(db))).toEqual(expectedPoints(metrics));
    const types = await influx.fieldTypes(db);
    expect(new Set(Object.values(types).flatMap((t) => Object.values(t)))).toEqual(
      new Set(['float']),
    );
    await w.close();
  });

  it('round-trips names and strings with special characters through the real server (property)', async () => {
    const name = fc
      .string({
        unit: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '0', '-', '/', '.', ':', '_') },
          { weight: 4, arbitrary: fc.constantFrom(',', '=', ' ', '"', "'", '\t', '#', '\\x') },
          { weight: 1, arbitrary: fc.constantFrom('é', '😀', 'Ａ', '\u0001', '\u0000') },
          { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 1 }) },
        ),
        minLength: 1,
        maxLength: 10,
      })
      .filter((s) => s !== '' && s !== 'time' && !/\\(?:[\\,= "]|$)/.test(s));
    const value = fc
      .string({
        unit: fc.oneof(
          fc.constantFrom('"', '\\', ' ', ',', '=', "'", '\t', '\u0000'),
          fc.string({ unit: 'grapheme', maxLength: 1 }),
        ),
        maxLength: 12,
      })
      .filter((s) => !/[\n\r]/.test(s));
    // Where 1.x skips whitespace (line start, field set start) a tab or NUL is refused.
    const leading = (n: string) => !/^[\t\0]/.test(n);
    const record = fc.record({
      measureName: name.filter((n) => leading(n) && !n.startsWith('#')),
      dimensions: fc.dictionary(name, name, { maxKeys: 3 }),
      measures: fc.dictionary(
        name.filter(leading),
        fc.record({ value: fc.oneof(value, fc.double({ noNaN: true, noDefaultInfinity: true })) }),
        { minKeys: 1, maxKeys: 3 },
      ),
    });
    // InfluxQL cannot name a measurement holding NUL (its scanner reads NUL as the end of the
    // query), so those are written but could not be read back here: keep NUL to the rest.
    const samples = fc
      .sample(record, { numRuns: 200, seed: 4242 })
      .map((s) => ({ ...s, measureName: s.measureName.replaceAll('\u0000', '0') }));
    // One measurement per record (fields of one name may have different types across records).
    const metrics: MetricRecord[] = samples.map((s, i) => ({
      ...s,
      measureName: `${s.measureName}~${i}`,
      time: Date.UTC(2026, 0, 1) + i,
    }));
    const db = await freshDb();
    const sink = memorySink();
    const w = writer(db, sink);
    const result = await w.write(metrics);
    expect(sink.letters).toEqual([]);
    expect(result.written).toBe(metrics.length);
    expect(sortPoints(await influx.points(db))).toEqual(expectedPoints(metrics));
  });

  it('writes at s, ms, us and ns precision and reads back the exact time', async () => {
    for (const [precision, time, ns] of [
      ['s', 1767225600999, 1_767_225_600_000_000_000n],
      ['ms', 1767225600123, 1_767_225_600_123_000_000n],
      ['us', 1767225600123.5, 1_767_225_600_123_500_000n],
      ['ns', 1767225600123.25, 1_767_225_600_123_250_000n],
    ] as const) {
      const db = await freshDb();
      const w = writer(db, memorySink(), { precision, gzip: false });
      await w.write([{ time, measureName: 'p', dimensions: {}, measures: { v: { value: 1 } } }]);
      expect((await influx.points(db))[0]?.timeNs, precision).toBe(ns);
    }
  });

  it('dead-letters exactly the records in a field type conflict, with the server message, and writes the rest once', async () => {
    const db = await freshDb();
    await influx.rawWrite(db, 'req count=1i 0');
    const dir = await mkdtemp(join(tmpdir(), 'logpipe-influx-dl-'));
    try {
      const sink = createNdjsonDeadLetterSink({ path: join(dir, 'dead.ndjson') });
      const fetchLog = recordingFetch();
      const w = writer(db, sink, { fetch: fetchLog });
      const metrics: MetricRecord[] = [];
      for (let i = 1; i <= 40; i++) {
        // Every 7th record writes `count` (an integer field on the server) as a float.
        const measures: MetricRecord['measures'] =
          i % 7 === 0 ? { count: { value: i + 0.5 } } : { latency: { value: i / 10 } };
        metrics.push({ time: i * 1000, measureName: 'req', dimensions: { host: 'a' }, measures });
      }
      const result = await w.write(metrics);
      expect(result).toEqual({ written: 35, deadLettered: 5 });
      expectAccounted(w);
      expect(w.stats.deadLetteredByCode.LINE_REJECTED).toBe(5);

      const letters = (await readFile(join(dir, 'dead.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as DeadLetter);
      expect(letters.map((l) => l.record.time).sort((a, b) => a - b)).toEqual([
        7000, 14000, 21000, 28000, 35000,
      ]);
      for (const l of letters) {
        expect(l).toMatchObject({ code: 'LINE_REJECTED', writer: 'influxdb' });
        expect(l.reason).toMatch(
          /^HTTP 400: partial write: field type conflict: input field "count" on measurement "req" is type float, already exists as type integer dropped=1$/,
        );
      }
      // Exactly the 35 good records plus the seed point are stored, each once.
      const points = await influx.points(db);
      expect(points).toHaveLength(36);
      expect(sortPoints(points)).toEqual(
        sortPoints([
          { measurement: 'req', tags: {}, timeNs: 0n, fields: { count: 1 } },
          ...expectedPoints(metrics.filter((m) => m.time % 7000 !== 0)),
        ]),
      );
      // The first request carried all 40 lines; the rest of the requests only split it.
      expect(fetchLog.bodies[0]).toHaveLength(40);
      expect(w.stats.requests).toBe(fetchLog.bodies.length);
      expect(w.stats.requests).toBeLessThan(40);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('dead-letters exactly the points older than the retention policy, found by splitting the request', async () => {
    const db = await freshDb('1h');
    const now = Date.now();
    const metrics: MetricRecord[] = [];
    for (let i = 0; i < 12; i++) {
      const old = i === 3 || i === 4 || i === 10;
      metrics.push({
        time: old ? Date.UTC(2020, 0, 1) + i : now - 60_000 + i,
        measureName: 'ret',
        dimensions: {},
        measures: { v: { value: i } },
      });
    }
    const sink = memorySink();
    const w = writer(db, sink);
    expect(await w.write(metrics)).toEqual({ written: 9, deadLettered: 3 });
    expect(sink.letters.map((l) => l.record.measures.v?.value).sort()).toEqual([10, 3, 4]);
    for (const l of sink.letters) {
      expect(l.reason).toBe('HTTP 400: partial write: points beyond retention policy dropped=1');
    }
    expect(
      (await influx.points(db)).map((p) => p.fields.v).sort((a, b) => Number(a) - Number(b)),
    ).toEqual([0, 1, 2, 5, 6, 7, 8, 9, 11]);
    expectAccounted(w);
  });

  it('dead-letters lines the server cannot parse, each with the server message for it, and writes the others', async () => {
    const db = await freshDb();
    // The encoder never emits an unparsable line; this fetch breaks two on the way, so the
    // server's message names lines the writer did not send as such and cannot be matched:
    // the writer finds them by splitting the request.
    const bodies: string[] = [];
    const breaking: InfluxFetch = (url, init) => {
      const text = Buffer.from(init.body as Uint8Array)
        .toString('utf8')
        .replace(/^(br v=3) /m, '$1x ')
        .replace(/^(br v=6) /m, '$1x ');
      bodies.push(text);
      return fetch(url, { ...init, body: text });
    };
    const metrics: MetricRecord[] = [];
    for (let i = 1; i <= 8; i++) {
      metrics.push({ time: i, measureName: 'br', dimensions: {}, measures: { v: { value: i } } });
    }
    const sink = memorySink();
    const w = writer(db, sink, { gzip: false, fetch: breaking });
    expect(await w.write(metrics)).toEqual({ written: 6, deadLettered: 2 });
    expect(sink.letters.map((l) => [l.code, l.record.time, l.reason])).toEqual([
      ['LINE_REJECTED', 3, "HTTP 400: unable to parse 'br v=3x 3': invalid number"],
      ['LINE_REJECTED', 6, "HTTP 400: unable to parse 'br v=6x 6': invalid number"],
    ]);
    expect(bodies[0]?.trim().split('\n')).toHaveLength(8);
    expect((await influx.points(db)).map((p) => p.fields.v)).toEqual([1, 2, 4, 5, 7, 8]);
    expectAccounted(w);
  });

  it('dead-letters every record as REQUEST_REJECTED when the database does not exist', async () => {
    const sink = memorySink();
    const w = writer('no_such_db', sink);
    const metrics = workloadMetrics(50, 3);
    expect(await w.write(metrics)).toEqual({ written: 0, deadLettered: metrics.length });
    expect(new Set(sink.letters.map((l) => `${l.code} ${l.reason}`))).toEqual(
      new Set(['REQUEST_REJECTED HTTP 404: database not found: "no_such_db"']),
    );
    expect(w.stats.requests).toBe(1);
    expectAccounted(w);
  });

  it('writes the encodable records and dead-letters the others before sending', async () => {
    const db = await freshDb();
    const sink = memorySink();
    const fetchLog = recordingFetch();
    const w = writer(db, sink, { fetch: fetchLog });
    const good = { time: 5, measureName: 'mix', dimensions: {}, measures: { v: { value: 1 } } };
    const result = await w.write([
      good,
      { ...good, time: 6, measures: { v: { value: Number.NaN } } },
      { ...good, time: 7, measures: {} },
      { ...good, time: 8, dimensions: { time: 'x' } },
    ]);
    expect(result).toEqual({ written: 1, deadLettered: 3 });
    expect(sink.letters.map((l) => l.code)).toEqual([
      'INVALID_FIELD_VALUE',
      'NO_FIELDS',
      'INVALID_TAG',
    ]);
    expect(fetchLog.bodies).toEqual([['mix v=1 5']]);
    expect(await influx.points(db)).toHaveLength(1);
  });
});

describe('test support: startInfluxDB', () => {
  it('starts again on other ports when a port chosen for it is taken before influxd binds it', async () => {
    // Another process holds the first port handed out, as when one takes it between the
    // choice and influxd's bind.
    // It closes every connection it gets (the start's /ping probes reach it, not influxd).
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    const picked: number[] = [];
    const second = await startInfluxDB({
      pickPort: async () => {
        const port = picked.length === 0 ? taken : await freePort();
        picked.push(port);
        return port;
      },
    });
    try {
      // Two ports a start (HTTP, RPC): the first start failed on the taken one, the second ran.
      expect(picked).toHaveLength(4);
      expect(picked[0]).toBe(taken);
      expect(second.url).toBe(`http://127.0.0.1:${picked[2]}`);
      expect((await fetch(`${second.url}/ping`)).status).toBe(204);
    } finally {
      await second.stop();
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 60_000);
});
